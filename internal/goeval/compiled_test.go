package goeval

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/kernel"
)

// newCompiledEngine is an engine with a started compiled tier in mode. The
// tier needs this binary's Go toolchain and cgo; without them the test is
// skipped with the tier's reason, unless GOKERNEL_TEST_COMPILE=1 demands it.
func newCompiledEngine(t *testing.T, mode compiled.Mode) (*testEngine, *compiled.Tier) {
	t.Helper()
	tier := compiled.New(compiled.Options{Mode: mode, Dir: t.TempDir()})
	tier.Start(context.Background())
	if !tier.Enabled() {
		if os.Getenv("GOKERNEL_TEST_COMPILE") == "1" {
			t.Fatalf("compiled tier unavailable: %s", tier.Reason())
		}
		t.Skipf("compiled tier unavailable: %s", tier.Reason())
	}
	ow, oc := newCapture(t)
	ew, ec := newCapture(t)
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := New(Options{Stdout: ow, Stderr: ew, Compiler: tier, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &testEngine{Engine: e, stdout: oc, stderr: ec}, tier
}

// TestCompiledCells runs declaration cells through go build and checks
// that interpreted cells see them, that later compiled cells use earlier
// ones (unexported names across packages), that redefinition replaces,
// and that what the tier must not take stays interpreted and correct.
func TestCompiledCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, tier := newCompiledEngine(t, compiled.Auto)
	compiledNames := func() string { return strings.Join(tier.Status().Compiled, ",") }
	runStepsOn(t, te, []step{
		{code: "func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}"},
		{code: "fib(30)", want: "832040"},
		// Auto-import of strings, a constant, a later cell using fib.
		{code: "const k int = 10\nfunc shout(s string) string { return strings.ToUpper(s) + strings.Repeat(\"!\", fib(4)) }\nfunc tenth() int { return fib(k) }"},
		{code: "shout(\"hi\")", want: `"HI!!!"`},
		{code: "tenth() + k", want: "65"},
		// Statement cells with loops run compiled; their names become
		// interpreter globals, their trailing value the result.
		{code: "s := 0.0\nfor i := 0; i < 10000000; i++ {\n\ts += float64(i) * 0.5\n}\ns", want: "2.49999975e+13"},
		{code: "s + 1", want: "2.4999997500001e+13"},
		{code: "t := 0\nfor i := range 10 {\n\tt += fib(i)\n}\nwords := strings.Fields(\"a bb ccc\")\nfor _, w := range words {\n\tt += len(w)\n}\nt", want: "94"},
		{code: "len(words)", want: "3"},
		{code: "xs := []int{3}\nfor i := range 2 {\n\t_ = xs[i+1]\n}", errName: errRuntime, errHas: "index out of range [1] with length 1"},
		// Goroutines started with go func() {...}() in compiled code; a
		// panic in one is reported (on the process's stderr) and the
		// process lives on.
		{code: "import \"sync\"\nfunc parSum(xs []int) int {\n\tvar wg sync.WaitGroup\n\tvar mu sync.Mutex\n\ttotal := 0\n\tfor _, x := range xs {\n\t\twg.Add(1)\n\t\tgo func(v int) {\n\t\t\tdefer wg.Done()\n\t\t\tmu.Lock()\n\t\t\ttotal += v\n\t\t\tmu.Unlock()\n\t\t}(x)\n\t}\n\twg.Wait()\n\treturn total\n}\nfunc bad() {\n\tdone := make(chan bool)\n\tgo func() {\n\t\tdefer close(done)\n\t\tpanic(\"boom in a compiled goroutine\")\n\t}()\n\t<-done\n}"},
		{code: "parSum([]int{1, 2, 3, 4})", want: "10"},
		{code: "bad()"},
		{code: "parSum([]int{5})", want: "5"},
		// A panic in compiled code is an ordinary panic of the cell.
		{code: "func boom(xs []int) int { return xs[3] }"},
		{code: "boom([]int{1})", errName: errRuntime, errHas: "index out of range [3] with length 1"},
		{code: "1 + 1", want: "2"},
		// Redefinition: the latest fib wins in interpreted cells.
		{code: "func fib(n int) int { return -n }"},
		{code: "fib(30)", want: "-30"},
		// func main is ordinary in the compiled tier too: declaring it
		// and running later cells runs nothing, calling it runs it. (Its
		// panic is the witness: compiled code writes to the process's
		// stdout, which is the worker's pipe, not this test's capture.)
		{code: "func main() { panic(\"compiled main ran\") }"},
		{code: "2 + 2", want: "4"},
		{code: "main()", errName: errPanic, errHas: "compiled main ran"},
	})
	// main's cell is a program, compiled whole: the interpreter's from
	// then on, not the front-end's (TestCompiledWholeCells).
	for _, name := range []string{"fib", "shout", "tenth", "k", "boom", "parSum", "bad"} {
		if !strings.Contains(","+compiledNames()+",", ","+name+",") {
			t.Errorf("%s was not compiled (compiled: %s)", name, compiledNames())
		}
	}
	// Types, methods, generics and variables without a func main stay
	// in the interpreter in auto mode (a program cell compiles as a
	// whole: TestCompiledWholeCells). A name an interpreted cell declared
	// later leaves the compiled scope.
	runStepsOn(t, te, []step{
		{code: "type P struct{ x int }\nfunc (p P) get() int { return p.x }"},
		{code: "var total = 3\nfunc addTotal(n int) int { return n + total }"},
		{code: "total = 4\naddTotal(1)", want: "5"},
		{code: "func useP() int { return P{7}.get() }\nuseP()", want: "7"},
		{code: "func shout(s string) string { return s + \"?\" }\nx := 1"},
		{code: "func useShout() string { return shout(\"a\") }"},
		{code: "useShout()", want: `"a?"`},
	})
	for _, name := range []string{"P", "total", "addTotal", "useP", "useShout", "shout"} {
		if strings.Contains(","+compiledNames()+",", ","+name+",") {
			t.Errorf("%s is in the compiled scope, want it the interpreter's (compiled: %s)", name, compiledNames())
		}
	}
}

// TestCompiledInterrupt: an interrupt stops `for {}` in a compiled
// function within a second and keeps the state.
func TestCompiledInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command")
	}
	skipUnderRace(t) // as TestInterrupt: the abandoned run races with the next Eval inside yaegi
	te, _ := newCompiledEngine(t, compiled.Auto)
	te.mustOK(t, "func spin() int { n := 0; for { n++ } }\nfunc sq(x int) int { return x * x }")
	// A goroutine an interpreted cell started runs the compiled spin too.
	for _, code := range []string{"spin()", "go spin()\nselect {}", "n := 0\nfor {\n\tn++\n}"} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan kernel.ExecuteResult, 1)
		go func() { done <- te.execWith(t, ctx, kernel.ExecuteRequest{Code: code}, &fakeOutput{}) }()
		time.Sleep(300 * time.Millisecond)
		t0 := time.Now()
		cancel()
		select {
		case res := <-done:
			if res.Error == nil || res.Error.Name != errInterrupted {
				t.Fatalf("%s: got %+v, want an interrupt", code, res.Error)
			}
		case <-time.After(time.Second):
			t.Fatalf("%s: not interrupted within 1s", code)
		}
		t.Logf("%s interrupted in %v", code, time.Since(t0))
		if got := te.mustOK(t, "sq(9)"); got != "81" {
			t.Fatalf("after the interrupt: sq(9) = %s", got)
		}
	}
}

// testLog writes log lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// BenchmarkExecuteTrivialCompiledMode is BenchmarkExecuteTrivial with the
// compiled tier on (auto) and one compiled cell loaded: what routing costs
// a cell that stays interpreted.
func BenchmarkExecuteTrivialCompiledMode(b *testing.B) {
	tier := compiled.New(compiled.Options{Mode: compiled.Auto, Dir: b.TempDir(), NoWarm: true})
	tier.Start(context.Background())
	if !tier.Enabled() {
		b.Skipf("compiled tier unavailable: %s", tier.Reason())
	}
	e, err := New(Options{Stdout: devNull(b), Stderr: devNull(b), Compiler: tier})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if res, err := e.Execute(ctx, kernel.ExecuteRequest{Code: "func sq(x int) int { return x * x }", ExecutionCount: 1}, &fakeOutput{}); err != nil || res.Error != nil {
		b.Fatal(err, res.Error)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Execute(ctx, kernel.ExecuteRequest{Code: "1 + 2", ExecutionCount: i + 2}, &fakeOutput{})
		if err != nil || res.Error != nil {
			b.Fatal(err, res.Error)
		}
	}
}

// TestCompiledCellRunAgain: a statement cell run again unchanged runs its
// plugin again instead of building it (as go run runs a cached binary),
// with the notebook's variables as they are now; a change to the cell or
// to what it uses (a redefined function) builds it again.
func TestCompiledCellRunAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, tier := newCompiledEngine(t, compiled.Auto)
	loop := "t := 0\nfor i := range n {\n\tt += f(i)\n}\nt"
	runStepsOn(t, te, []step{
		{code: "func f(i int) int { return i }"},
		{code: "n := 4"},
		{code: loop, want: "6"},
		{code: "n = 5"},
		{code: loop, want: "10"},
		{code: "t * 2", want: "20"},
	})
	if s := tier.Status(); s.Rerun != 1 {
		t.Fatalf("Status().Rerun = %d after one unchanged run, want 1", s.Rerun)
	}
	runStepsOn(t, te, []step{
		{code: "func f(i int) int { return 10 * i }"},
		{code: loop, want: "100"},
		{code: loop + " + 1", want: "101"},
	})
	if s := tier.Status(); s.Rerun != 1 {
		t.Fatalf("Status().Rerun = %d, want still 1 (the cell and f changed)", s.Rerun)
	}
}
