package lower

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// newInterp wires an interpreter the way the engine must.
func newInterp(t *testing.T, stdout, stderr *bytes.Buffer) *interp.Interpreter {
	t.Helper()
	i := interp.New(interp.Options{
		Stdout:               stdout,
		Stderr:               stderr,
		GoPath:               ".",
		SourcecodeFilesystem: Stdlib(),
	})
	if err := i.Use(Exports(stdlib.Symbols)); err != nil {
		t.Fatal(err)
	}
	if err := Install(i); err != nil {
		t.Fatal(err)
	}
	return i
}

// evalLowered lowers src and evaluates it in i, converting interpreter
// panics (yaegi panics on some inputs) into errors.
func evalLowered(i *interp.Interpreter, src string) (err error) {
	out, err := source([]byte(src))
	if err != nil {
		return fmt.Errorf("Source: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaegi panic: %v", r)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err = i.EvalWithContext(ctx, string(out))
	return err
}

func runYaegi(t *testing.T, src string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	i := newInterp(t, &stdout, &stderr)
	err := evalLowered(i, src)
	return stdout.String(), err
}

// runGo runs src with the go tool: the compiled truth the interpreter's
// output is compared with.
func runGo(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module prog\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

type progCase struct {
	name string
	src  string
}

func TestPrograms(t *testing.T) {
	for _, c := range programs {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := runGo(t, c.src)
			got, err := runYaegi(t, c.src)
			if err != nil {
				out, _ := source([]byte(c.src))
				t.Fatalf("yaegi: %v\nlowered:\n%s", err, out)
			}
			if got != want {
				out, _ := source([]byte(c.src))
				t.Errorf("output differs\n--- go:\n%s--- yaegi:\n%s--- lowered:\n%s", want, got, out)
			}
			checkLines(t, c.src)
		})
	}
}

// checkLines verifies that every identifier of the input is still on its
// line in the output (rewritten builtins excepted), i.e. that no rewrite
// moved the user's code to another line.
func checkLines(t *testing.T, src string) {
	t.Helper()
	out, err := source([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	idents := func(b []byte) map[string]int {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", b, 0)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		labels := map[*ast.Ident]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.LabeledStmt:
				labels[n.Label] = true
			case *ast.BranchStmt:
				labels[n.Label] = true
			}
			if id, ok := n.(*ast.Ident); ok && !labels[id] {
				m[fmt.Sprintf("%d:%s", fset.Position(id.Pos()).Line, id.Name)]++
			}
			return true
		})
		return m
	}
	in, got := idents([]byte(src)), idents(out)
	for k, n := range in {
		name := k[strings.Index(k, ":")+1:]
		switch name {
		case "min", "max", "clear", "range", "iota", "error":
			continue
		}
		if got[k] < n {
			t.Errorf("identifier %s moved (in %d, out %d)", k, n, got[k])
		}
	}
}

func TestErrorLine(t *testing.T) {
	src := `package main

import "fmt"

func main() {
	for i := range 3 {
		fmt.Println(min(i, 2), max(i, 1, 0))
	}
	m := map[int]int{1: 1}
	clear(m)
	for x := range func(yield func(int) bool) { yield(1) } {
		if x > 0 {
			break
		}
	}
	undefinedThing + 1
}
`
	_, err := runYaegi(t, src)
	if err == nil || !strings.HasPrefix(err.Error(), "16:") {
		t.Fatalf("want an error on line 16, got %v", err)
	}
}

// TestStatementChunk runs chunks the way the engine wraps them, in one
// interpreter: helpers re-declared by successive chunks must not conflict.
func TestStatementChunk(t *testing.T) {
	var stdout, stderr bytes.Buffer
	i := newInterp(t, &stdout, &stderr)
	chunks := []string{
		"package main; import \"fmt\"",
		"package main; import \"slices\"",
		"package main; func main() {xs := []int{3, 1, 2}\nslices.Sort(xs)\nfmt.Println(min(xs[0], 5), xs)}",
		"package main; func main() {for i := range 2 {\nfmt.Println(i, max(i, 1))\n}}",
		"package main; func main() {xs := []int{1, 2, 3}; for v := range slices.Values(xs) {\nfmt.Println(v)\n}}",
		"package main; func main() {undefinedThing + 1}",
	}
	for n, c := range chunks {
		err := evalLowered(i, c)
		if n == len(chunks)-1 {
			if err == nil || !strings.HasPrefix(err.Error(), "1:") {
				t.Fatalf("want an error on line 1, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("chunk %d: %v", n, err)
		}
	}
	want := "1 [1 2 3]\n0 1\n1 1\n1\n2\n3\n"
	if stdout.String() != want {
		t.Fatalf("got %q, want %q", stdout.String(), want)
	}
}

// TestGoPathRouteShadowed documents why Install exists: with only the
// GoPath route, "slices" resolves to yaegi's embedded version.
func TestGoPathRouteShadowed(t *testing.T) {
	var stdout, stderr bytes.Buffer
	i := interp.New(interp.Options{Stdout: &stdout, Stderr: &stderr, GoPath: ".", SourcecodeFilesystem: Stdlib()})
	if err := i.Use(Exports(stdlib.Symbols)); err != nil {
		t.Fatal(err)
	}
	_, err := i.Eval("package main\nimport \"slices\"\nfunc main() { s := []int{1, 2}; slices.Reverse(s) }")
	if err == nil {
		t.Log("yaegi now resolves slices through GoPath; Install may no longer be needed")
	}
}

func TestSourceParseError(t *testing.T) {
	if _, err := source([]byte("package main\nfunc main() {")); err == nil {
		t.Fatal("want a parse error")
	}
}

func FuzzSource(f *testing.F) {
	for _, c := range programs {
		f.Add([]byte(c.src))
	}
	f.Add([]byte("package main; func main() {for range 3 {}}"))
	f.Add([]byte("package main\nfunc main() { clear(x); min(1, 2, \"a\") }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := source(src)
		if err != nil {
			return
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "x.go", out, 0); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if n, m := bytes.Count(src, []byte("\n")), bytes.Count(out, []byte("\n")); m < n {
			t.Fatalf("lost lines: %d -> %d", n, m)
		}
		var lw Lowerer
		if _, code, err := lw.Chunk(src); err == nil && bytes.Count(code, []byte("\n")) != bytes.Count(src, []byte("\n")) {
			t.Fatalf("Chunk changed the number of lines:\n%s", code)
		}
	})
}

// TestLowererSession evaluates chunks of one notebook session the way
// the engine should (Chunk, REPL-style chunks without package clause): the
// Lowerer must see declarations of earlier chunks.
func TestLowererSession(t *testing.T) {
	var stdout, stderr bytes.Buffer
	i := newInterp(t, &stdout, &stderr)
	var lw Lowerer
	chunks := []string{
		"import (\n\"fmt\"\n\"iter\"\n)",
		"var n = 3\ntype Set map[string]bool\nfunc Count(k int) iter.Seq[int] {\nreturn func(yield func(int) bool) {\nfor i := 0; i < k; i++ {\nif !yield(i) {\nreturn\n}\n}\n}\n}",
		"for i := range n {\nfmt.Print(i)\n}\nfor x := range Count(5) {\nif x == 2 {\nbreak\n}\nfmt.Print(x)\n}\ns := Set{\"a\": true}\nclear(s)\nfmt.Println(len(s), min(n, 1))",
		"func max(a, b string) string { return a + b }",
		"fmt.Println(max(\"x\", \"y\"), len(s))",
		"fmt.Println(min(n, 2), min(n, 1))",
		"m := 4",
		"func Map[T, U any](xs []T, f func(T) U) []U {\nvar out []U\nfor _, x := range xs {\nout = append(out, f(x))\n}\nreturn out\n}",
		"var fs []func() string",
		"for i := 0; i < 2; i++ {\nfs = append(fs, func() string { return fmt.Sprint(i) })\n}\nfmt.Println(Map(fs, func(f func() string) string { return f() + \"!\" }))",
		"for j := range m {\nfmt.Print(j)\n}\nfmt.Println()",
		"fmt.Println(\"x\")\nundefinedThing + 1",
	}
	for n, c := range chunks {
		helpers, code, err := lw.Chunk([]byte(c))
		if err != nil {
			t.Fatalf("chunk %d: %v", n, err)
		}
		if len(helpers) > 0 {
			if _, err := i.Eval(string(helpers)); err != nil {
				t.Fatalf("chunk %d helpers: %v\n%s", n, err, helpers)
			}
		}
		_, err = i.Eval(string(code))
		if n == len(chunks)-1 {
			if err == nil || !strings.HasPrefix(err.Error(), "2:") {
				t.Fatalf("want an error on line 2, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("chunk %d: %v\n%s", n, err, code)
		}
	}
	if want := "012010 1\nxy 0\n2 1\n[0! 1!]\n0123\n"; stdout.String() != want {
		t.Fatalf("got %q, want %q", stdout.String(), want)
	}
}

// TestInstallWithoutGoPath shows that Install alone serves the packages.
func TestInstallWithoutGoPath(t *testing.T) {
	var stdout bytes.Buffer
	i := interp.New(interp.Options{Stdout: &stdout})
	if err := i.Use(Exports(stdlib.Symbols)); err != nil {
		t.Fatal(err)
	}
	if err := Install(i); err != nil {
		t.Fatal(err)
	}
	src := "package main\nimport (\"fmt\"\n\"slices\"\n\"maps\")\nfunc main() { m := map[int]int{2: 1, 1: 2}\nfmt.Println(slices.Sorted(maps.Keys(m))) }"
	if _, err := i.Eval(src); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "[1 2]\n" {
		t.Fatalf("got %q", stdout.String())
	}
}

// TestTopLevelDefines checks the rewrite of := statements at the top level
// of statement chunks that yaegi's global type analysis cannot type.
func TestTopLevelDefines(t *testing.T) {
	var lw Lowerer
	if _, _, err := lw.Chunk([]byte("func Ptr[T any](v T) *T { return &v }")); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{`v, ok := m["a"]`, `v, ok := m["a"], false; v, ok = m["a"]`},
		{`s, ok := x.(string)`, `s, ok := *new(string), false; s, ok = x.(string)`},
		{`_, ok := x.(error)`, `ok := false; _, ok = x.(error)`},
		{"ch := make(chan int)\nr, ok := <-ch", "ch := make(chan int)\nr, ok := *new(int), false; r, ok = <-ch"},
		{"xs := []int{1}\nys := slices.Clone(xs)", "xs := []int{1}\nys := *new([]int); ys = slices.Clone(xs)"},
		{"p := Ptr(42)", "p := *new(*int); p = Ptr[int](42)"},
		{"ks := maps.Keys(map[string]bool{})", "ks := *new(func(yield func(string) bool)); ks = maps.Keys(map[string]bool{})"},
		{"hi := max(a, 3)", "hi := a; hi = _gk_max2(a, 3)"},
		{"v := m[k]", "v := m[k]"},
		{"n, err := strconv.Atoi(s)", "n, err := strconv.Atoi(s)"},
		{"hi := max(hi, 3)", "hi := _gk_max2(hi, 3)"},
		{"if y := f(); y > 0 {\n\tg(y)\n}", "{ func() { if y := f(); y > 0 {\n\tg(y)\n} }() }"},
		{"if ok {\n\tg()\n}", "if ok {\n\tg()\n}"},
		{"if ok {\n\treturn\n}\n{\n\tz := 1\n\t_ = z\n}", "if ok {\n\treturn\n}\n{ func() { {\n\tz := 1\n\t_ = z\n} }() }"},
	}
	for _, tt := range tests {
		_, code, err := lw.Chunk([]byte(";" + tt.in))
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := strings.TrimPrefix(string(code), ";"); got != tt.want {
			t.Errorf("%q lowered to\n%q, want\n%q", tt.in, got, tt.want)
		}
	}
}
