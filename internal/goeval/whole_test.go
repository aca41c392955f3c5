package goeval

import (
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/compiled"
)

// TestCompiledWholeCells: a program cell (one with func main) with types,
// methods, generics, variables and untyped constants is compiled as one
// package (declaring main runs nothing), and
// interpreted cells use what they declared: methods, variables (read and
// assigned, seen by compiled code), constants with their untyped kinds.
func TestCompiledWholeCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, tier := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		{code: `type point struct{ x, Y int }

func (p point) String() string { return fmt.Sprintf("(%d,%d)", p.x, p.Y) }
func (p *point) bump()          { p.x++ }

type Shape interface{ Area() float64 }
type sq float64

func (s sq) Area() float64 { return float64(s * s) }

func Map[T, U any](xs []T, f func(T) U) []U {
	var out []U
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

const (
	big   = 1 << 62
	third = 1.0 / 3
	ch    = 'x'
	two   = 2.0
	name  = "gk"
)

type Color int

const (
	Red Color = iota
	Green
)

func (c Color) String() string { return [...]string{"Red", "Green"}[c] }

var counter int
var pts = []point{{1, 2}}
var shapes = []Shape{sq(2)}

func bumpAll() int {
	for i := range pts {
		pts[i].bump()
	}
	counter++
	return counter
}

func main() { panic("main ran when its cell was declared") }

func describe() string {
	s := Map(pts, func(p point) string { return p.String() })
	return fmt.Sprint(s, shapes[0].Area(), Green, []Color{Red, Green})
}
`},
		{code: "describe()", want: `"[(1,2)] 4 Green [Red Green]"`},
		{code: "bumpAll()", want: "1"},
		{code: "counter = 10\nbumpAll()", want: "11"},
		{code: "pts = append(pts, point{Y: 5})\nbumpAll()\nlen(pts)", want: "2"},
		{code: "fmt.Sprint(pts)", want: `"[(4,2) (1,5)]"`},
		{code: "fmt.Sprintf(\"%T %T %v\", pts[0], Green, Red)", want: `"main.point main.Color Red"`},
		// Generic instantiations' names read as go run's: the cell's path
		// is rewritten to its package's name in the plugin, and reflect
		// still finds the compiled types by their new names.
		{code: `type foo int
type F[T any] struct{ v T }

func describeF() string {
	same := reflect.SliceOf(reflect.TypeOf(&F[foo]{})) == reflect.TypeOf([]*F[foo]{})
	return fmt.Sprintf("%T %T %v %s", F[foo]{}, []*F[foo]{}, same, reflect.TypeOf(F[foo]{}).Name())
}

func main() {}
`},
		{code: "describeF()", want: `"main.F[main.foo] []*main.F[main.foo] true F[main.foo]"`},
		// A program may declare its own any (Go's test suite does): the
		// generated code of the cell spells interface{}.
		{code: "type any interface{}\n\nfunc anyCount() int {\n\txs := []any{1, \"a\"}\n\treturn len(xs)\n}\n\nfunc main() {}"},
		{code: "anyCount()", want: "2"},
		{code: "func setCounter(n int) { counter = n }\nsetCounter(41)\nbumpAll()", want: "42"},
		{code: "fmt.Sprintf(\"%T %T %T %v\", ch, two, third, big)", want: `"int32 float64 float64 4611686018427387904"`},
		{code: "third * 3 == 1", want: "true"},
		{code: "name + \"!\"", want: `"gk!"`},
		{code: "Map([]int{1}, func(i int) int { return i })", errName: errCompile, errHas: "declared in the compiled cell In[1]"},
		{code: "type box[T any] struct{ v T }\nfunc main() {}"},
		{code: "var b box[int]\nb", errName: errCompile, errHas: "box is declared in the compiled cell"},
		// Redeclared by an interpreted cell: the interpreter's from now on.
		{code: "counter := \"mine\"\ncounter + \"!\"", want: `"mine!"`},
		{code: "bumpAll()", want: "43"},
		// A program cell runs its main once, compiled.
		{code: "package main\n\ntype run struct{ n int }\n\nvar runs []run\n\nfunc main() { runs = append(runs, run{len(runs) + 1}) }\n"},
		{code: "fmt.Sprint(runs, len(runs))", want: `"[{1}] 1"`},
		{code: "main()"},
		{code: "len(runs)", want: "2"},
		{code: "main()\nlen(runs)", want: "3"},
		// go f(args) on named functions and methods: arguments evaluated
		// at the go statement, untyped constants keep the parameter's
		// type, a panic in such a goroutine is contained; os.Exit and
		// log.Fatal in compiled code are the cell's reported exit.
		{code: `type acc struct {
	Sum float64
	n   int
}

func (a *acc) add(x float64, done chan bool) { a.Sum += x; a.n++; done <- true }
func send(ch chan int, v int)                 { ch <- v }
func boom(done chan bool)                     { defer close(done); panic("boom in a named goroutine") }

var total acc

func main() {
	ch := make(chan int)
	v := 40
	go send(ch, v+2)
	v = 0
	got := <-ch
	done := make(chan bool)
	a := &total
	go a.add(1, done)
	<-done
	bd := make(chan bool)
	go boom(bd)
	<-bd
	fmt.Println(got, total.Sum)
}
func quit(code int) { os.Exit(code) }
func fatal()        { log.Fatalf("fatal %d", 7) }
`},
		{code: "main()"},
		{code: "total.Sum", want: "1"},
		// What a program cell keeps to itself (reflect hides it from the
		// interpreter), reported, never guessed.
		{code: "total.n", errName: errPanic, errHas: "unexported field"},
		{code: "quit(3)", errName: errPanic, errHas: "os.Exit(3) called"},
		{code: "fatal()", errName: errPanic, errHas: "os.Exit(1) called"},
		{code: "total.Sum", want: "1"},
	})
	// An error in a rewritten cell names the variable as the user wrote it.
	res := te.exec(t, "pts = 5")
	if res.Error == nil {
		t.Fatal("pts = 5: no error")
	}
	if all := res.Error.Value + strings.Join(res.Error.Traceback, "\n"); strings.Contains(all, "Gk_p_") || !strings.Contains(all, "pts") {
		t.Errorf("pts = 5: the error shows the rewrite: %s", all)
	}
	if progs := strings.Join(tier.Status().Programs, "\n"); !strings.Contains(progs, "In[1]: ") || !strings.Contains(progs, "point") {
		t.Errorf("Status().Programs = %q, want In[1] with point", progs)
	}
	if got := strings.Join(tier.Status().Compiled, ","); strings.Contains(got, "point") {
		t.Errorf("a whole cell's names stay out of the front-end's scope, got %s", got)
	}
}

// TestCompiledOpenTypeCells: in auto mode a cell of types whose fields and
// methods are all exported (no func main) is compiled whole, so its types
// have real Go method sets: errors.As, errors.Is through Unwrap and type
// switches on them in interpreted cells give Go's answers (the
// interpreter alone got them wrong), and method values and method
// expressions on them bind as Go does. A method added later reopens the cell;
// an unexported one is refused clearly; a cell with an unexported field stays
// interpreted.
func TestCompiledOpenTypeCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		{code: "import (\n\t\"errors\"\n\t\"fmt\"\n)\n\nvar ErrDenied = errors.New(\"denied\")\n\ntype OpError struct {\n\tOp  string\n\tErr error\n}\n\nfunc (e *OpError) Error() string { return e.Op + \": \" + e.Err.Error() }\nfunc (e *OpError) Unwrap() error { return e.Err }\n\ntype Timeout struct{ Secs int }\n\nfunc (t Timeout) Error() string { return fmt.Sprint(\"timeout \", t.Secs) }\nfunc (t Timeout) Hello() string { return fmt.Sprint(\"hi \", t.Secs) }"},
		{code: "err := fmt.Errorf(\"ctx: %w\", &OpError{\"write\", ErrDenied})\nvar op *OpError\nfmt.Println(errors.As(err, &op), op.Op, errors.Is(err, ErrDenied))", stdout: "true write true"},
		{code: "func kind(err error) string {\n\tswitch e := err.(type) {\n\tcase Timeout:\n\t\treturn fmt.Sprint(\"timeout after \", e.Secs)\n\tcase *OpError:\n\t\treturn \"op \" + e.Op\n\t}\n\treturn \"other\"\n}"},
		{code: "fmt.Println(kind(Timeout{3}), kind(&OpError{\"read\", ErrDenied}), kind(errors.New(\"x\")))", stdout: "timeout after 3 op read other"},
		{code: "tm := Timeout{1}\nhello := tm.Hello\ntm.Secs = 2\nfmt.Println(hello(), tm.Hello(), Timeout.Hello(Timeout{5}))", stdout: "hi 1 hi 2 hi 5"},
		// A method added later reopens the cell (reopen.go): kind is
		// declared again for the new Timeout; err holds an earlier
		// *OpError and is named.
		{code: "func (t Timeout) Twice() int { return 2 * t.Secs }", stderr: "the variable err (error) holds values of a type a compiled cell reopened"},
		{code: "fmt.Sprint(Timeout{4}.Twice(), kind(Timeout{3}), kind(&OpError{\"read\", ErrDenied}), errors.Is(&OpError{\"x\", ErrDenied}, ErrDenied))", want: `"8timeout after 3op readtrue"`},
		// One the interpreter could not call (unexported) is refused.
		{code: "func (t Timeout) twice() int { return 2 * t.Secs }", errName: "CompileError", errHas: "cannot define new methods"},
		{code: "type hidden struct{ n int }\n\nfunc (h hidden) get() int { return h.n }"},
		{code: "hidden{4}.get()", want: "4"},
	})
}

// TestCompiledBorrowsInterpretedGenerics: a generic function or type an
// interpreted cell declared (yaegi cannot instantiate it from a later
// cell) is used by a later statement cell, which is compiled with the
// declarations it needs declared again from their source; its names come
// back to the interpreter. A redefined generic function is what later
// compiled cells use; an interpreted cell that would run its old body is
// refused.
func TestCompiledBorrowsInterpretedGenerics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		{code: "func Map[T, U any](s []T, f func(T) U) []U {\n\tout := make([]U, 0, len(s))\n\tfor _, v := range s {\n\t\tout = append(out, f(v))\n\t}\n\treturn out\n}\n\ntype Pair[K comparable, V any] struct {\n\tKey K\n\tVal V\n}\n\nfunc MakePair[K comparable, V any](k K, v V) Pair[K, V] { return Pair[K, V]{k, v} }"},
		{code: "import \"strings\"\n\nwords := Map([]int{1, 22, 333}, func(n int) string { return strings.Repeat(\"x\", n%10) })\nstrings.Join(words, \",\")", want: `"x,xx,xxx"`},
		{code: "len(words)", want: "3"},
		{code: "p := MakePair(\"k\", 7)\np.Val * 6", want: "42"},
		{code: "p.Key", want: `"k"`},
		{code: "func Map[T, U any](s []T, f func(T) U) []U { return nil }"},
		{code: "len(Map([]int{1}, func(n int) int { return n }))", want: "0"},
		{code: "k := 3"},
		{code: "len(Map([]int{k}, func(v int) int { return v }))", errName: "CompileError", errHas: "Map was redefined"},
	})
}

// TestCompiledUsesInterpretedVariables: a loop cell over variables an
// interpreted cell defined is compiled, reading and assigning them through
// their addresses (the interpreter sees the assignments), also for types
// the interpreter made with reflect (map[string]time.Duration); a cell the
// interpreter refuses to compile (a standard library function yaegi lacks)
// is compiled instead, loop or not.
func TestCompiledUsesInterpretedVariables(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		{code: "nums := []int{1, 2, 3, 4}\ntotal := 0"},
		{code: "for _, n := range nums {\n\ttotal += n * n\n}\nnums = append(nums, 5)\ntotal", want: "30"},
		{code: "len(nums)", want: "5"},
		{code: "total", want: "30"},
		{code: "import \"time\"\n\nd := map[string]time.Duration{\"a\": time.Second}"},
		{code: "for k := range d {\n\td[k] *= 3\n}\nd[\"a\"].String()", want: `"3s"`},
		{code: "import (\n\t\"iter\"\n\t\"slices\"\n)\n\nnext, stop := iter.Pull(slices.Values(nums))\na, ok := next()\nstop()\na * 10", want: "10"},
		{code: "ok", want: "true"},
		// A real error stays the interpreter's (yaegi's Globals panics
		// after such a failed compile; lending must not).
		{code: "a := 1\n_ = a\nundefinedThing + 1", errName: "CompileError", errHas: "undefined: undefinedThing"},
		{code: "total", want: "30"},
	})
}
