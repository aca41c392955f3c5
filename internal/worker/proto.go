// Package worker runs the Go engine in a supervised child process. A cell
// can kill the process that evaluates it (a stack overflow or an unrecovered
// panic in a goroutine is fatal in Go, and the interpreter runs cell code on
// host goroutines), so the kernel keeps its sockets in the parent and the
// evaluator in a child that it restarts, with a clear message, when it dies.
//
// The child's stdout and stderr are pipes the parent reads, so every byte a
// cell writes (fmt, os.Stdout, compiled packages writing to fd 1 or 2,
// goroutines that outlive the cell) becomes a stream message. Requests,
// replies and rich output travel as binary frames on two more pipes. Before it
// delivers an event the parent drains the output pipes: the child wrote the
// text before the event, so that text is in the pipes by then. Text the cell
// writes after a display may be in the pipes by then too: a mark written to
// both pipes with each display tells the parent where to stop (marks.go), so
// text and rich output keep the order in which the cell produced them.
package worker

import (
	"fmt"

	"github.com/gokernel/gokernel/kernel"
)

// op is what a message on the control pipes is.
type op uint8

const (
	_ op = iota
	opExecute
	opComplete
	opInspect
	opIsComplete
	opCancel
	opInputReply
	opShutdown
	opResult
	opDisplay
	opClear
	opInput
	opInputCancel
	opReady
)

var opNames = [...]string{"", "execute", "complete", "inspect", "is_complete", "cancel", "input_reply",
	"shutdown", "result", "display", "clear", "input", "input_cancel", "ready"}

func (o op) String() string {
	if int(o) < len(opNames) && o != 0 {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// envelope is one message in either direction (see wire.go for its
// encoding). Which fields are set depends on Op.
type envelope struct {
	Op op
	ID uint64

	Execute  *kernel.ExecuteRequest
	Code     string
	Cursor   int
	Detail   int
	Prompt   string
	Password bool
	Value    string
	Wait     bool
	Error    string
	// NoStdin, on an input reply, says the front end does not accept input
	// (kernel.ErrStdinNotAllowed), so the child can return that error itself.
	NoStdin bool
	// Mark is, on a display or clear event, how many marks the child had
	// written to its stdout and stderr with it (marks.go).
	Mark       uint64
	Display    *kernel.Display
	Result     *kernel.ExecuteResult
	Complete   *kernel.CompleteResult
	Inspect    *kernel.InspectResult
	IsComplete *kernel.IsCompleteResult
}
