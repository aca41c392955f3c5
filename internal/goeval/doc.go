// Package goeval is gokernel's Go evaluation engine: it runs notebook cells
// with the yaegi interpreter (github.com/traefik/yaegi v0.16.1), keeps the
// state of every cell, and implements kernel.Engine and the variable access
// the magics need (the composition root checks it).
//
// # How a cell runs
//
// yaegi's REPL mode accepts either only declarations or only statements per
// Eval, so a cell is cut with go/scanner at top-level semicolons/newlines
// into runs of consecutive declarations and statements, evaluated in order
// (an import after other declarations starts a new run). Before anything
// runs, every run is parsed: syntax errors, a changed type definition and a
// changed method body are reported without running any part of the cell.
//
// Every run is prefixed with a /*line _.go:L:C*/ directive, so yaegi's own
// compile errors and panic frames carry cell lines and columns; the engine
// names the cell "In[n]" (n = execution count) in messages. Frames of
// functions declared by an earlier cell name that cell. The file name must
// stay "_.go": yaegi scopes imports by the file name of each node.
//
// # Results
//
// When the cell's last item is an expression statement (not a call to
// fmt.Print*, fmt.Fprint*, log.* or print/println), it is wrapped in a call
// to a helper that records fmt.Sprint of its value (strings are Go-quoted);
// yaegi wraps interpreted values so their String/Error methods are used. A
// call returning several values shows the first one. A call without result
// does not compile wrapped, and then runs unwrapped and shows nothing.
//
// # Robustness
//
// Panics, runtime errors, os.Exit (a panic in yaegi's restricted mode) and
// log.Fatal become errors of the cell. Every `go` statement is rewritten so
// the goroutine recovers its panic and reports "panic in goroutine: ..." on
// stderr; the function value and non-constant arguments are evaluated
// before the goroutine starts, as Go does. Interrupts cancel the cell
// through EvalWithContext; the interpreter and its state stay usable.
// Unbounded recursion (a fatal stack overflow) is not contained here: the
// kernel runs the engine in a supervised child process for that.
//
// # Known limitations (yaegi v0.16.1)
//
//   - Types cannot be redefined and methods cannot be changed: such cells
//     fail with a message asking to rename or restart.
//   - Interpreted values seen from Go (Lookup, inspection, fmt of nested
//     values) have anonymous struct types; a slice of a type with a String
//     method prints its elements without it.
//   - println and print write to stdout, not stderr.
//   - An interrupt also stops goroutines started by earlier cells; host
//     calls blocked in compiled code (time.Sleep, wg.Wait) leak a goroutine.
//   - yaegi is not race-free when interpreted goroutines run during a later
//     Eval; tests of such behaviours skip under -race.
//   - Panic positions are yaegi's: sometimes the enclosing expression
//     rather than the exact operand.
package goeval
