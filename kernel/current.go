package kernel

import "sync/atomic"

// CurrentOutput holds the Output of the cell that runs, or ran last. A
// goroutine a cell started may print or display after the cell ended; that
// output still reaches the front end, attributed to the latest cell as
// ipykernel does, so everything that relays output at any time (the
// router's stream batching, the supervisor relaying the interpreter's late
// events, the interpreter's display package and stdin) reads the one
// Output set when a cell starts. The zero value holds none. It is safe for
// concurrent use, and reading costs no lock: text is relayed chunk by chunk.
type CurrentOutput struct {
	p atomic.Pointer[outputBox]
}

// outputBox lets an interface value sit behind an atomic pointer.
type outputBox struct{ out Output }

// Set makes out the current cell's Output (at the start of a cell).
func (c *CurrentOutput) Set(out Output) { c.p.Store(&outputBox{out}) }

// Get returns the current cell's Output, nil before the first cell.
func (c *CurrentOutput) Get() Output {
	if b := c.p.Load(); b != nil {
		return b.out
	}
	return nil
}
