package goeval

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestStdext runs cells using the Go 1.23+ standard library symbols of
// pkgs/stdext, which every engine loads (New), including for ... range over
// compiled iterator functions (lower knows them from stdext.IterFuncs).
func TestStdext(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("inside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runCellTests(t, []cellTest{
		{
			name:   "range strings.Lines",
			cells:  []string{`import "strings"`, "for line := range strings.Lines(\"a\\nb\\n\") {\n\tfmt.Printf(\"%q \", line)\n}\nfmt.Println()"},
			stdout: "\"a\\n\" \"b\\n\" \n",
		},
		{
			name:   "range strings.SplitSeq with break",
			cells:  []string{`import "strings"`, "for f := range strings.SplitSeq(\"x,y,z\", \",\") {\n\tif f == \"z\" {\n\t\tbreak\n\t}\n\tfmt.Print(f, \";\")\n}\nfmt.Println()"},
			stdout: "x;y;\n",
		},
		{
			name:  "range bytes.Lines in a function",
			cells: []string{`import "bytes"`, "func total(b []byte) int {\n\tn := 0\n\tfor l := range bytes.Lines(b) {\n\t\tn += len(l)\n\t}\n\treturn n\n}", "total([]byte(\"1\\n22\\n333\"))"},
			want:  "8",
		},
		{
			name:  "strings.FieldsSeq called with a yield function",
			cells: []string{`import "strings"`, "n := 0\nstrings.FieldsSeq(\" a b  c \")(func(string) bool { n++; return true })\nn"},
			want:  "3",
		},
		{
			name:   "bytes.SplitSeq through an iter.Seq variable",
			cells:  []string{`import "bytes"`, "var seq iter.Seq[[]byte] = bytes.SplitSeq([]byte(\"u-v\"), []byte(\"-\"))\nfor s := range seq {\n\tfmt.Printf(\"%s|\", s)\n}\nfmt.Println()"},
			stdout: "u|v|\n",
		},
		{
			name: "os.OpenRoot",
			cells: []string{
				fmt.Sprintf("root, err := os.OpenRoot(%q)\nerr", dir),
				"f, err := root.Open(\"in.txt\")\nb := make([]byte, 6)\nn, _ := f.Read(b)\nf.Close()\nfmt.Println(string(b[:n]))",
				"_, err = root.Open(\"../escape\")\nroot.Close()\nerr != nil",
			},
			stdout: "inside\n",
			want:   "true",
		},
		{
			name:  "crypto/sha3",
			cells: []string{`import "crypto/sha3"`, "fmt.Sprintf(\"%x\", sha3.Sum256([]byte(\"abc\")))"},
			want:  `"3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"`,
		},
		{
			name:  "crypto/mlkem",
			cells: []string{`import "crypto/mlkem"`, "dk, _ := mlkem.GenerateKey768()\nkey, ct := dk.EncapsulationKey().Encapsulate()\ngot, _ := dk.Decapsulate(ct)\nbytes.Equal(key, got)"},
			want:  "true",
		},
	})
}
