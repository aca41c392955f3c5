package compiled

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseMode(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Mode
		err  bool
	}{
		{"", defaultMode, false}, {"off", Off, false}, {"auto", Auto, false}, {"ALWAYS", Always, false},
		{"1", Always, false}, {"sometimes", Off, true},
	} {
		got, err := ParseMode(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestPrivateDir: the base directory ends up 0700 and owned by us, the
// session directory too, and directories of dead sessions are removed.
func TestPrivateDir(t *testing.T) {
	base := filepath.Join(t.TempDir(), "compiled")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(base, "session-999999999-1")
	if err := os.Mkdir(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(base, "session-"+strconv.Itoa(os.Getpid())+"-old")
	if err := os.Mkdir(live, 0o700); err != nil {
		t.Fatal(err)
	}
	dir, err := newSessionDir(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{base, dir} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the dead session's directory is still there (%v)", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live session's directory was removed: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := privateDir(file); err == nil {
		t.Error("privateDir accepted a regular file")
	}
}

func TestOffStatus(t *testing.T) {
	tier := New(Options{Mode: Off})
	tier.Start(context.Background())
	if tier.Enabled() {
		t.Fatal("an Off tier is enabled")
	}
	s := tier.Status().String()
	for _, want := range []string{"compiled cells: off", EnvVar + "=off", "to enable: set " + EnvVar + "=auto"} {
		if !strings.Contains(s, want) {
			t.Errorf("status %q lacks %q", s, want)
		}
	}
	if p, why := tier.Plan(1, "func f() {}", nil); p != nil || why == "" {
		t.Errorf("Plan on an Off tier: %v, %q", p, why)
	}
}

// TestPlanRouting: which cells the front-end compiles and why the others
// stay interpreted. Plans only: nothing is built.
func TestPlanRouting(t *testing.T) {
	tier := New(Options{Mode: Auto, Dir: t.TempDir()})
	tier.Start(context.Background())
	if !tier.Enabled() {
		if os.Getenv("GOKERNEL_TEST_COMPILE") == "1" {
			t.Fatalf("compiled tier unavailable: %s", tier.Reason())
		}
		t.Skipf("compiled tier unavailable: %s", tier.Reason())
	}
	defer tier.Close()
	resolve := func(name string) (string, bool) {
		if name == "strings" || name == "fmt" || name == "io" {
			return name, true
		}
		return "", false
	}
	for _, tt := range []struct {
		code string
		why  string // "" = compiled
	}{
		{"func f(n int) int { return n * 2 }", ""},
		{"import \"fmt\"\nfunc hello() { fmt.Println(\"hi\") }", ""},
		{"func up(s string) string { return strings.ToUpper(s) }", ""}, // auto-import
		{"const c int = 3\nfunc g() int { return c }", ""},
		{"func main() {}", ""},
		{"x := 1", "no function and no loop"},
		{"x := 1\nif x > 0 {\n\tx = func() int { return 2 }()\n}", "without a loop"},
		{"// func\nx := 1", "without a loop stays interpreted"},
		{"func f() {}\nf()", "not a cell of declarations or of statements only"},
		{"s := 0\nfor i := range 10 {\n\ts += i\n}\ns", ""},
		{"n := 0\nfor i := range 3 {\n\tgo func() { n += i }()\n}", "starts a goroutine"},
		{"fs := []func(){}\nfor i := range 3 {\n\tfs = append(fs, func() { println(i) })\n}", ""},
		{"n := 0\nfor i := range 3 {\n\tf := func() { n += i }\n\tf()\n}", "creates a closure over n"},
		{"var r io.Reader\nfor range 2 {\n}", "of interface type"},
		{"total := 0\nfor i := range 3 {\n\ttotal += i\n}\nfmt.Println(total)", ""},
		{"for i := 0; i < 100000; i++ {\n\tfmt.Println(i)\n}", "loops only print"},
		{"for i, s := range []string{\"a\"} {\n\tfmt.Printf(\"%d %s\\n\", i, s)\n\tprintln(i)\n}", "loops only print"},
		{"for i := 0; i < 10; i++ {\n\tfmt.Println(fib(i))\n}", "undefined: fib"},
		{"for i := 0; i < 10; i++ {\n\tif i > 5 {\n\t\tfmt.Println(i)\n\t}\n}", ""},
		{"n := 0\nfor i := 0; i < 10; i++ {\n\tn += i\n\tfmt.Println(n)\n}", ""},
		{"type T int\nfunc f() {}", ""},
		{"type P struct{ x int }\nfunc (p P) Get() int { return p.x }", "unexported or embedded field x"},
		{"type Q struct{ X int }\nfunc (q Q) get() int { return q.X }", "unexported method get"},
		{"type S interface{ M() }\nfunc use(s S) {}", "declares the interface S"},
		{"type R []int\nfunc (r R) Each(f func(int)) {}", "with a parameter of type func(int)"},
		{"type E struct{ Op string }\nfunc (e *E) Error() string { return e.Op }", ""},
		{"func (t T) M() {}", "declares a method"},
		{"func Id[T any](x T) T { return x }", "generic"},
		{"var v = 1\nfunc h() int { return v }", "package-level variable and no func main"},
		{"const u = 1\nfunc h() int { return u }", "may be untyped and no func main"},
		{"const c int = 3", "no function and no loop"},
		{"func k() int { return undefinedName }", "undefined: undefinedName"},
		{"import \"github.com/x/y\"\nfunc k() {}", "which only the interpreter has"},
		{"func Gk_f_x() {}", "reserved name"},
		{"func try(f func()) { f() }", "parameter of type func()"},
		{"func show(v any) string { return fmt.Sprint(v) }", "parameter of type any"},
		{"func sum(xs []float64, m map[string][2]int, p *struct{ a []byte }) float64 { return 0 }", ""},
		{"func later() func() int { return func() int { return 1 } }", ""},
		{"import \"os\"\nfunc bye() { os.Exit(1) }", ""}, // a contained exit (exits.go)
		{"import \"os\"\nvar quit = os.Exit\nfunc main() {}", "uses Exit"},
		{"import (\"bufio\"; \"os\")\nfunc line() string { s, _ := bufio.NewReader(os.Stdin).ReadString('\\n'); return s }", "uses Stdin"},
		{"import \"log\"\nfunc die(l *log.Logger) { l.Fatal(\"x\") }", "uses Fatal"},
		{"func bg() { go func() {}() }", ""},
		{"func work(n int) {}\nfunc bg2() { go work(1) }", ""},
		// Program cells compile whole: types, methods, generics, vars,
		// funcs taking interfaces; not when they redeclare what the
		// generated code uses.
		{"type T struct{ x int }\nfunc (t T) get() int { return t.x }\nfunc Id[X any](x X) X { return x }\nvar v = T{1}\nconst u = 2\nfunc show(v any) string { return fmt.Sprint(v) }\nfunc main() { println(show(Id(v).get() + u)) }", ""},
		{"type string int\nfunc main() {}", "predeclared name string"},
		{"func wrap() func(func()) { return func(f func()) { f() } }", "result of type func(func())"},
	} {
		p, why := tier.Plan(1, tt.code, resolve)
		if tt.why == "" {
			if p == nil {
				t.Errorf("%q not compiled: %s", tt.code, why)
				continue
			}
			if !strings.Contains(p.cellSrc, "//line In[1]:1:1\n") || !strings.Contains(p.cellSrc, stopCheck) {
				t.Errorf("%q: cell source lacks the line directive or the stop check:\n%s", tt.code, p.cellSrc)
			}
			continue
		}
		if p != nil || !strings.Contains(why, tt.why) {
			t.Errorf("%q: plan %v, reason %q; want no plan, reason containing %q", tt.code, p != nil, why, tt.why)
		}
	}
}

// TestProbeRefuses: a toolchain of another Go version, or one without
// cgo, leaves the tier off with one line saying why (a fake go command in
// $GOROOT/bin, which probe tries first).
func TestProbeRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, env, want string
	}{
		{"other version", `{"GOVERSION":"go1.20.1","GOROOT":"/x","CGO_ENABLED":"1","CC":"gcc"}`, "is go1.20.1, this kernel was built with " + runtime.Version()},
		{"no cgo", `{"GOVERSION":"` + runtime.Version() + `","GOROOT":"/x","CGO_ENABLED":"0","CC":"gcc"}`, "cgo is off"},
		{"no C compiler", `{"GOVERSION":"` + runtime.Version() + `","GOROOT":"/x","CGO_ENABLED":"1","CC":"no-such-cc-gk"}`, `C compiler "no-such-cc-gk"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			script := "#!/bin/sh\necho '" + tt.env + "'\n"
			if err := os.WriteFile(filepath.Join(root, "bin", "go"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("GOROOT", root)
			tier := New(Options{Mode: Auto, Dir: t.TempDir()})
			tier.Start(context.Background())
			if tier.Enabled() {
				t.Fatal("the tier is on with a mismatched toolchain")
			}
			status := tier.Status().String()
			if !strings.Contains(tier.Reason(), tt.want) || !strings.Contains(status, "every cell is interpreted") || !strings.Contains(status, "to enable") {
				t.Errorf("reason %q / status %q; want %q", tier.Reason(), status, tt.want)
			}
		})
	}
}

// A cell that might be compiled waits for the toolchain probe when it
// arrives while the tier is starting (it would be interpreted otherwise,
// a different answer for the same cell); a simple cell never waits.
func TestWaitSetUp(t *testing.T) {
	tier := New(Options{Mode: Auto, NoWarm: true})
	tier.started.Store(true)
	const delay = 100 * time.Millisecond
	go func() {
		time.Sleep(delay)
		tier.ready.Store(true)
		close(tier.setUpDone)
	}()
	t0 := time.Now()
	tier.WaitSetUp(context.Background(), "x := 1")
	if d := time.Since(t0); d >= delay {
		t.Errorf("a simple cell waited %v", d)
	}
	tier.WaitSetUp(context.Background(), "func f() {}")
	if d := time.Since(t0); d < delay || !tier.Enabled() {
		t.Errorf("a func cell returned after %v, enabled %v", d, tier.Enabled())
	}
	off := New(Options{Mode: Off})
	off.WaitSetUp(context.Background(), "func f() {}") // never started: returns
}

func TestUnexportedSelections(t *testing.T) {
	for _, tt := range []struct {
		code string
		want []string
	}{
		{"_, ok := c.data[\"a\"]\nfmt.Println(ok, c.order)", []string{"c"}},
		{"c.Put(1)\nfmt.Println(c)", nil},
		{"x.y.z", []string{"x", "y"}},
		{"a.b\nd . e", []string{"a", "d"}},
		{"s := \"c.data\" // c.order", nil},
		{"f().x", nil},
	} {
		got := unexportedSelections(tt.code)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("unexportedSelections(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}
