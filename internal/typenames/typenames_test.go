package typenames

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestReplace(t *testing.T) {
	names := map[string]string{"gk7/c1": "main", "gk7/c12": "cell3"}
	for _, tc := range []struct {
		in, want string
		changed  bool
	}{
		{"*main.F[gk7/c1.foo]", "*main.F[main.foo]", true},
		{"main.T[int;gk7/c1.U[int;int]·3]", "main.T[int;main.U[int;int]·3]", true},
		{"cell3.Pair[gk7/c12.key,gk7/c1.foo]", "cell3.Pair[cell3.key,main.foo]", true},
		{"map[string]gk7/c1.x", "map[string]main.x", true},
		{"main.F[example.com/gk7/c1.foo]", "main.F[example.com/gk7/c1.foo]", false},
		{"main.F[xgk7/c1.foo]", "main.F[xgk7/c1.foo]", false},
		{"main.F[gk7/c1]", "main.F[gk7/c1]", false},
		{"main.F[gk7/c100.foo]", "main.F[gk7/c100.foo]", false},
		{"gk7/c1.f", "main.f", true},
	} {
		got, changed := replace(tc.in, names)
		if got != tc.want || changed != tc.changed {
			t.Errorf("replace(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
		}
	}
}

// TestRewritePlugin builds a real plugin, rewrites it and reads it back:
// every type name spells the package's name, no name keeps the path, and
// the typelinks are sorted by the new names.
func TestRewritePlugin(t *testing.T) {
	so := buildPlugin(t, t.TempDir(), "-w")
	n, err := Rewrite(so, map[string]string{"gk7/c1": "main"})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no name rewritten")
	}
	all, links := readNames(t, so)
	checkNames(t, "type", all, "*main.F[main.foo]", "*[]*main.F[main.zed]", "*map[string]main.F[main.foo]")
	if !sort.StringsAreSorted(links) {
		t.Errorf("typelinks are not sorted by name")
	}
	checkNames(t, "function", funcNames(t, so), "main.Show", "main.main", "fmt.Sprintf")
	if n2, err := Rewrite(so, map[string]string{"gk7/c1": "main"}); err != nil || n2 != 0 {
		t.Errorf("second rewrite = %d, %v; want 0, nil", n2, err)
	}
}

// checkNames checks that names holds every one of want and that none of
// names keeps the path gk7/c1.
func checkNames(t *testing.T, kind string, names map[string]bool, want ...string) {
	t.Helper()
	for _, w := range want {
		if !names[w] {
			t.Errorf("no %s named %q", kind, w)
		}
	}
	for s := range names {
		if strings.Contains(s, "gk7/c1.") {
			t.Errorf("%s name %q keeps the path", kind, s)
		}
	}
}

// buildPlugin builds a plugin of package path gk7/c1 in dir with the
// linker flags given.
func buildPlugin(t testing.TB, dir, ldflags string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the test builds a plugin with the go command: %v", err)
	}
	files := map[string]string{
		"go.mod": "module gk7/c1\n\ngo 1.22\n",
		"main.go": `package main

import "fmt"

type foo int
type zed struct{}

type F[T any] struct{ v T }

func Show() string { return fmt.Sprintf("%T %T %T", F[foo]{}, []*F[zed]{}, map[string]F[foo]{}) }

func main() {}
`,
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	so := filepath.Join(dir, "p.so")
	cmd := exec.Command(goTool, "build", "-buildmode=plugin", "-ldflags="+ldflags, "-o", so, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return so
}

// TestRewriteErrors: a file without a symbol table and a file that is not
// ELF are errors, and the file is left as it was.
func TestRewriteErrors(t *testing.T) {
	dir := t.TempDir()
	so := buildPlugin(t, dir, "-s -w")
	before, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Rewrite(so, map[string]string{"gk7/c1": "main"}); !errors.Is(err, ErrNoSymbols) {
		t.Errorf("Rewrite(stripped) = %v; want ErrNoSymbols", err)
	}
	if after, _ := os.ReadFile(so); !bytes.Equal(before, after) {
		t.Error("a stripped plugin was changed")
	}
	bad := filepath.Join(dir, "bad.so")
	if err := os.WriteFile(bad, []byte("not an ELF file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Rewrite(bad, nil); err == nil {
		t.Error("Rewrite of a non-ELF file: no error")
	}
}

// readNames returns the names of the file's types and its typelinks'
// names in their order.
func readNames(t *testing.T, file string) (map[string]bool, []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]elf.Symbol{}
	for _, s := range syms {
		at[s.Name] = s
	}
	im := &image{data: data, types: at["runtime.types"].Value, end: at["runtime.etypes"].Value}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Addr <= im.types && im.end <= s.Addr+s.Size {
			im.sec = s
		}
	}
	all := map[string]bool{}
	for _, s := range syms {
		if strings.HasPrefix(s.Name, "type:") && s.Size >= rtypeSize && s.Value >= im.types && s.Value < im.end {
			if _, str, ok := im.name(int32(binary.LittleEndian.Uint32(im.at(s.Value)[strOff:]))); ok {
				all[string(str)] = true
			}
		}
	}
	tl := at["runtime.typelink"]
	b := im.at(tl.Value)[:tl.Size]
	var links []string
	for i := 0; i < len(b); i += 4 {
		rt := im.at(im.types + uint64(binary.LittleEndian.Uint32(b[i:])))
		_, str, _ := im.name(int32(binary.LittleEndian.Uint32(rt[strOff:])))
		if rt[tflagOff]&tflagExtraStr != 0 {
			str = str[1:]
		}
		links = append(links, string(str))
	}
	return all, links
}

// BenchmarkRewrite: the cost the rewrite adds to a cell's build, on a
// small plugin (fmt and its dependencies).
func BenchmarkRewrite(b *testing.B) {
	so := buildPlugin(b, b.TempDir(), "-w")
	orig, err := os.ReadFile(so)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(orig)))
	for b.Loop() {
		if _, err := rewrite(bytes.Clone(orig), map[string]string{"gk7/c1": "main"}); err != nil {
			b.Fatal(err)
		}
	}
}

// funcNames returns the names in the file's funcnametab.
func funcNames(t *testing.T, file string) map[string]bool {
	t.Helper()
	f, err := elf.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".gopclntab")
	if sec == nil {
		t.Fatal("no .gopclntab")
	}
	b, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	from, to := binary.LittleEndian.Uint64(b[32:]), binary.LittleEndian.Uint64(b[40:])
	names := map[string]bool{}
	for _, s := range bytes.Split(b[from:to], []byte{0}) {
		names[string(s)] = true
	}
	return names
}
