//go:build race

package goeval

// raceEnabled is true under -race. yaegi v0.16.1 itself is not race-clean
// when interpreted goroutines (a cell's `go` statements, or a cell still
// unwinding after an interrupt) run while the next Eval resizes the
// interpreter's global frame; tests of those behaviours skip under -race.
const raceEnabled = true
