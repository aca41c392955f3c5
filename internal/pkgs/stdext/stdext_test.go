package stdext_test

import (
	"bytes"
	"go/constant"
	"go/parser"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/internal/lower"
	"github.com/gokernel/gokernel/internal/pkgs/stdext"
)

// TestDisjoint checks that no generated symbol shadows one of yaegi's
// tables, and that the packages goeval serves as source are left alone.
func TestDisjoint(t *testing.T) {
	if len(stdext.Symbols) == 0 {
		t.Fatal("Symbols is empty: were the *_gen.go files generated?")
	}
	for _, p := range lower.Packages() {
		if _, ok := stdext.Symbols[p+"/"+p]; ok {
			t.Errorf("Symbols has %s, which goeval serves as Go source", p)
		}
	}
	for key, syms := range stdext.Symbols {
		if len(syms) == 0 {
			t.Errorf("%s: empty table", key)
		}
		have, ok := stdlib.Symbols[key]
		if !ok {
			continue // a package yaegi does not have
		}
		for name := range syms {
			if _, dup := have[name]; dup {
				t.Errorf("%s.%s is also in yaegi's stdlib.Symbols", key, name)
			}
		}
	}
}

// untyped marks an untyped constant: extract stores it as a go/constant.Value.
const untyped = reflect.Invalid

// TestSymbols checks a sample of the added symbols, by kind.
func TestSymbols(t *testing.T) {
	tests := []struct {
		key, name string
		kind      reflect.Kind // of the reflect.Value in the table
	}{
		{"strings/strings", "Lines", reflect.Func},
		{"strings/strings", "SplitSeq", reflect.Func},
		{"strings/strings", "SplitAfterSeq", reflect.Func},
		{"strings/strings", "FieldsSeq", reflect.Func},
		{"strings/strings", "FieldsFuncSeq", reflect.Func},
		{"bytes/bytes", "Lines", reflect.Func},
		{"bytes/bytes", "SplitSeq", reflect.Func},
		{"os/os", "OpenRoot", reflect.Func},
		{"os/os", "OpenInRoot", reflect.Func},
		{"os/os", "CopyFS", reflect.Func},
		{"os/os", "Root", reflect.Pointer},          // types are (*T)(nil)
		{"os/os", "ErrNoHandle", reflect.Interface}, // variables are addressable Elem()s
		{"crypto/rand/rand", "Text", reflect.Func},
		{"log/slog/slog", "DiscardHandler", reflect.Interface},
		{"sync/atomic/atomic", "AndInt32", reflect.Func},
		{"hash/hash", "XOF", reflect.Pointer},
		{"hash/hash", "_XOF", reflect.Pointer}, // interface wrapper
		{"encoding/encoding", "_TextAppender", reflect.Pointer},
		{"crypto/sha3/sha3", "Sum256", reflect.Func},
		{"crypto/sha3/sha3", "SHA3", reflect.Pointer},
		{"crypto/mlkem/mlkem", "GenerateKey768", reflect.Func},
		{"crypto/mlkem/mlkem", "SharedKeySize", untyped},
		{"structs/structs", "HostLayout", reflect.Pointer},
		{"testing/synctest/synctest", "Test", reflect.Func},
		{"math/rand/v2/rand", "Uint", reflect.Func},
	}
	for _, tt := range tests {
		t.Run(tt.key+"."+tt.name, func(t *testing.T) {
			v, ok := stdext.Symbols[tt.key][tt.name]
			if !ok {
				t.Fatalf("missing")
			}
			if tt.kind == untyped {
				if _, ok := v.Interface().(constant.Value); !ok {
					t.Errorf("%s is not a go/constant.Value", v.Type())
				}
				return
			}
			if v.Kind() != tt.kind {
				t.Errorf("kind %s, want %s", v.Kind(), tt.kind)
			}
		})
	}
	// Generic functions and types cannot be extracted.
	for _, key := range []string{"unique/unique", "weak/weak", "crypto/hkdf/hkdf", "iter/iter"} {
		if _, ok := stdext.Symbols[key]; ok {
			t.Errorf("Symbols has %s, whose API is generic only", key)
		}
	}
	if _, ok := stdext.Symbols["reflect/reflect"]["TypeFor"]; ok {
		t.Error("Symbols has the generic reflect.TypeFor")
	}
}

// TestIterFuncs checks that every function listed returns an iterator
// yielding that many values, and that Symbols has no unlisted one.
func TestIterFuncs(t *testing.T) {
	byName := map[string]reflect.Value{}
	for key, syms := range stdext.Symbols {
		for n, v := range syms {
			byName[path.Base(key)+"."+n] = v
		}
	}
	for name, f := range stdext.IterFuncs {
		v, ok := byName[name]
		if !ok {
			t.Errorf("IterFuncs lists %s, not in Symbols", name)
			continue
		}
		if got := seqArity(v.Type()); got != f.Arity {
			t.Errorf("%s yields %d values, IterFuncs says %d", name, got, f.Arity)
		}
		if _, err := parser.ParseExpr(f.Func); err != nil || !strings.HasPrefix(f.Func, "func(") {
			t.Errorf("%s: Func %q is not a func type literal: %v", name, f.Func, err)
		}
	}
	for name, v := range byName {
		if _, listed := stdext.IterFuncs[name]; !listed && seqArity(v.Type()) >= 0 {
			t.Errorf("%s returns an iterator but IterFuncs does not list it", name)
		}
	}
	tests := map[string]stdext.IterFunc{
		"strings.Lines":  {1, "func(yield func(string) bool)"},
		"bytes.SplitSeq": {1, "func(yield func([]byte) bool)"},
		"ast.Preorder":   {1, "func(yield func(ast.Node) bool)"},
	}
	for name, want := range tests {
		if got := stdext.IterFuncs[name]; got != want {
			t.Errorf("IterFuncs[%q] = %+v, want %+v", name, got, want)
		}
	}
}

// seqArity is the number of values yielded by the iterator a function of
// type ft returns, or -1.
func seqArity(ft reflect.Type) int {
	if ft.Kind() != reflect.Func || ft.NumOut() != 1 {
		return -1
	}
	seq := ft.Out(0)
	if seq.Kind() != reflect.Func || seq.NumIn() != 1 || seq.NumOut() != 0 {
		return -1
	}
	y := seq.In(0)
	if y.Kind() != reflect.Func || y.NumIn() > 2 || y.NumOut() != 1 || y.Out(0).Kind() != reflect.Bool {
		return -1
	}
	return y.NumIn()
}

func TestMerge(t *testing.T) {
	base := map[string]map[string]reflect.Value{
		"strings/strings": {"ToUpper": reflect.ValueOf(strings.ToUpper)},
		"fmt/fmt":         {},
	}
	m := stdext.Merge(base)
	if len(base["strings/strings"]) != 1 {
		t.Fatalf("Merge modified base: %v", base["strings/strings"])
	}
	tests := []struct {
		key, name string
		want      bool
	}{
		{"strings/strings", "ToUpper", true},
		{"strings/strings", "Lines", true},
		{"crypto/sha3/sha3", "Sum256", true},
		{"fmt/fmt", "Println", false},
	}
	for _, tt := range tests {
		if _, ok := m[tt.key][tt.name]; ok != tt.want {
			t.Errorf("Merge: %s.%s present %v, want %v", tt.key, tt.name, ok, tt.want)
		}
	}
	if _, ok := m["fmt/fmt"]; !ok {
		t.Error("Merge dropped fmt/fmt")
	}
}

// TestInterpreter runs the new symbols in a bare yaegi interpreter (no
// lowering: iterators are called with a yield function).
func TestInterpreter(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, want string
	}{
		{"strings.Lines", `import ("fmt"; "strings")
func main() {
	strings.Lines("a\nb\n")(func(l string) bool { fmt.Printf("%q ", l); return true })
}`, `"a\n" "b\n" `},
		{"strings.SplitSeq stops", `import ("fmt"; "strings")
func main() {
	strings.SplitSeq("x,y,z", ",")(func(s string) bool { fmt.Print(s); return s != "y" })
}`, "xy"},
		{"strings.FieldsSeq", `import ("fmt"; "strings")
func main() {
	n := 0
	strings.FieldsSeq("  a b  c ")(func(string) bool { n++; return true })
	fmt.Print(n)
}`, "3"},
		{"bytes.Lines", `import ("bytes"; "fmt")
func main() {
	bytes.Lines([]byte("1\n22\n333"))(func(l []byte) bool { fmt.Print(len(l), " "); return true })
}`, "2 3 3 "},
		{"os.OpenRoot", `import ("fmt"; "os")
func main() {
	r, err := os.OpenRoot(` + "`" + dir + "`" + `)
	if err != nil { panic(err) }
	defer r.Close()
	f, err := r.Open("in.txt")
	if err != nil { panic(err) }
	b := make([]byte, 6)
	n, _ := f.Read(b)
	f.Close()
	_, err = r.Open("../escape")
	fmt.Print(string(b[:n]), " ", err != nil)
}`, "inside true"},
		{"crypto/sha3", `import ("crypto/sha3"; "fmt")
func main() { fmt.Printf("%x", sha3.Sum256([]byte("abc"))) }`,
			"3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
		{"crypto/mlkem", `import ("bytes"; "crypto/mlkem"; "fmt")
func main() {
	dk, err := mlkem.GenerateKey768()
	if err != nil { panic(err) }
	key, ct := dk.EncapsulationKey().Encapsulate()
	got, err := dk.Decapsulate(ct)
	fmt.Print(err, bytes.Equal(key, got), len(key) == mlkem.SharedKeySize)
}`, "<nil> true true"},
		{"structs.HostLayout", `import ("fmt"; "structs")
type point struct { _ structs.HostLayout; X, Y int32 }
func main() { fmt.Print(point{X: 1, Y: 2}.Y) }`, "2"},
		{"hash.XOF", `import ("crypto/sha3"; "fmt"; "hash")
func main() {
	var x hash.XOF = sha3.NewSHAKE128()
	x.Write([]byte("abc"))
	b := make([]byte, 4)
	x.Read(b)
	fmt.Printf("%x", b)
}`, "5881092d"},
		{"crypto/rand.Text", `import ("crypto/rand"; "fmt")
func main() { fmt.Print(len(rand.Text())) }`, "26"},
		{"sync/atomic.OrUint32", `import ("fmt"; "sync/atomic")
func main() { v := uint32(1); old := atomic.OrUint32(&v, 6); fmt.Print(old, v) }`, "1 7"},
		{"unicode.Cn", `import ("fmt"; "unicode")
func main() { fmt.Print(unicode.Is(unicode.Cn, 0x0378), unicode.Is(unicode.Cn, 'a')) }`, "true false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			i := interp.New(interp.Options{Stdout: &out, Stderr: &out})
			if err := i.Use(stdlib.Symbols); err != nil {
				t.Fatal(err)
			}
			if err := i.Use(stdext.Symbols); err != nil {
				t.Fatal(err)
			}
			if _, err := i.Eval("package main\n" + tt.src); err != nil {
				t.Fatalf("%v\noutput: %s", err, out.String())
			}
			if out.String() != tt.want {
				t.Errorf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// TestGoModVersion fails when go.mod moves to a Go release the tables were
// not generated for: run `go generate ./internal/pkgs/stdext` with that toolchain.
func TestGoModVersion(t *testing.T) {
	mod, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go 1\.(\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("no go line in go.mod")
	}
	gen, err := os.ReadFile("iterfuncs_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if want := "//go:build go1." + string(m[1]) + "\n"; !bytes.Contains(gen, []byte(want)) {
		t.Errorf("go.mod says go 1.%s but the tables were generated for another release (no %q): regenerate them", m[1], strings.TrimSpace(want))
	}
}

// TestGenerateUpToDate regenerates the tables into a temporary directory
// and compares. It takes half a minute (the extractor type-checks the
// standard library from source), so it only runs with STDEXT_REGEN=1.
func TestGenerateUpToDate(t *testing.T) {
	if os.Getenv("STDEXT_REGEN") == "" {
		t.Skip("set STDEXT_REGEN=1 to regenerate and compare")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/gen", "-o", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, out)
	}
	want, _ := filepath.Glob(filepath.Join(dir, "*_gen.go"))
	have, _ := filepath.Glob("*_gen.go")
	if len(want) != len(have) {
		t.Errorf("%d generated files, %d checked in", len(want), len(have))
	}
	for _, f := range want {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Base(f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s is stale: run go generate ./internal/pkgs/stdext", filepath.Base(f))
		}
	}
}
