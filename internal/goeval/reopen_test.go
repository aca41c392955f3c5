package goeval

import (
	"testing"

	"github.com/gokernel/gokernel/internal/compiled"
)

// TestReopenCompiledType adds and redefines methods of a compiled type in
// later cells: the type's cell is built again, and what the session made
// with the earlier type (variables, interpreted functions, the cell's own
// variables) follows it or is named.
func TestReopenCompiledType(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		// An open type cell (exported fields and methods): compiled
		// whole, with a variable.
		{code: "import \"errors\"\n\nvar ErrLow = errors.New(\"low\")\n\nvar Made = 0\n\ntype P struct{ X int }\n\nfunc (p P) Get() int { return p.X }"},
		{code: "Made = 3\nfirst := ErrLow\np := P{1}\nptr := &P{2}\nps := []P{{3}}\nbyName := map[string]*P{\"a\": ptr}\ntype Holder struct{ Q P }\nh := Holder{P{9}}\nfunc mk(x int) P { return P{x} }"},
		// A String method in a later cell reopens P.
		{code: "func (p P) String() string { return fmt.Sprint(\"P\", p.X) }", stderr: "the variable h (struct { Q main.P }) holds values of a type a compiled cell reopened"},
		{code: "fmt.Sprint(p, ptr, ps, mk(5), byName[\"a\"])", want: `"P1 P2 [P3] P5 P2"`},
		// The pointer still points at the value the map holds.
		{code: "ptr.X = 7\nfmt.Sprint(byName[\"a\"], P{4}.Get())", want: `"P7 4"`},
		// The reopened cell's variables kept their values (an error
		// keeps its identity).
		{code: "fmt.Sprint(Made, errors.Is(first, ErrLow))", want: `"3 true"`},
		// A method redefined: the latest body wins.
		{code: "func (p P) Get() int { return -p.X }"},
		{code: "fmt.Sprint(p.Get(), P{2}, mk(6).Get())", want: `"-1 P2 -6"`},
		// A method that cannot be compiled is refused clearly and the
		// session keeps working.
		{code: "func (p P) hidden() int { return p.X }", errName: errCompile, errHas: "cannot define new methods"},
		{code: "p.Get()", want: "-1"},
	})
}

// TestRedefineTypeInMixedCell redefines a type in a cell that also uses it:
// the declarations are compiled (the interpreter cannot declare a type
// again), the statements interpreted with the new type; values made
// before keep the old one, and a later method reopens the new type.
func TestRedefineTypeInMixedCell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		{code: "type T struct{ A int }\n\nold := T{1}"},
		{code: "type T struct{ A, B int }\n\nyoung := T{2, 3}\nyoung.B * 10", want: "30"},
		{code: "fmt.Sprintf(\"%+v %+v\", old, young)", want: `"{A:1} {A:2 B:3}"`},
		{code: "func (t T) String() string { return fmt.Sprint(\"T\", t.A, t.B) }"},
		{code: "fmt.Sprint(young, T{5, 6}, old)", want: `"T2 3 T5 6 {1}"`},
		// A statement error after the redefinition: the cell fails with
		// it, at its own line, and the session goes on.
		{code: "type T struct{ A, B, C int }\n\nz := T{C: 4}\npanic(fmt.Sprint(\"after \", z.C))", errName: errPanic, errHas: "after 4", errLine: "In[6]:"},
		{code: "fmt.Sprint(young, T{C: 1}.C)", want: `"T2 3 1"`},
	})
}
