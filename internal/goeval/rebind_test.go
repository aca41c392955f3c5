package goeval

import (
	"testing"

	"github.com/gokernel/gokernel/internal/compiled"
)

// redefinitionSteps: a helper redefined in a later cell is what earlier
// functions call from then on, transitively; running a cell again
// redefines nothing; methods and generic functions, which the interpreter
// cannot declare again, are named instead of silently running old code.
var redefinitionSteps = []step{
	{code: "func unit() string { return \"m\" }\n\nfunc show(v int) string { return itoa(v) + unit() }\n\nfunc twice(v int) string { return show(v) + \"|\" + show(v) }\n\nfunc itoa(v int) string {\n\tif v < 10 {\n\t\treturn string(rune('0' + v))\n\t}\n\treturn itoa(v/10) + string(rune('0'+v%10))\n}"},
	{code: "twice(42)", want: `"42m|42m"`},
	{code: "func unit() string { return \"km\" }"},
	{code: "twice(42)", want: `"42km|42km"`},
	{code: "show(7)", want: `"7km"`},
	{code: "func unit() string { return \"km\" }"},
	{code: "twice(1)", want: `"1km|1km"`},
}

func TestRedefinitionRebindsCallers(t *testing.T) {
	runSteps(t, redefinitionSteps)
}

func TestRedefinitionRebindsCompiledCallers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, redefinitionSteps)
}

func TestRedefinitionNamesWhatItCannotRebind(t *testing.T) {
	runSteps(t, []step{
		{code: "func suffix() string { return \"!\" }\n\ntype Box struct{ S string }\n\nfunc (b Box) Shout() string { return b.S + suffix() }\n\nfunc First[T any](xs []T) T { return xs[0] }"},
		{code: "func suffix() string { return \"?\" }", stderr: "method Box.Shout uses suffix, which this cell redefined"},
		{code: "func First[T any](xs []T) T { return xs[0] }"},
		{code: "func First[T any](xs []T) T { return xs[len(xs)-1] }", errName: "CompileError", errHas: "First is a generic function an earlier cell declared"},
		{code: "First([]int{1, 2})", want: "1"},
	})
}
