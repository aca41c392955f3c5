// Package worker runs the Go engine in a supervised child process. A cell
// can kill the process that evaluates it (a stack overflow or an unrecovered
// panic in a goroutine is fatal in Go, and the interpreter runs cell code on
// host goroutines), so the kernel keeps its sockets in the parent and the
// evaluator in a child that it restarts, with a clear message, when it dies.
//
// The child's stdout and stderr are pipes the parent reads, so every byte a
// cell writes (fmt, os.Stdout, compiled packages writing to fd 1 or 2,
// goroutines that outlive the cell) becomes a stream message. Requests,
// replies and rich output travel as JSON lines on two more pipes. Before it
// delivers an event the parent drains the output pipes: the child wrote the
// text before the event, so that text is in the pipes by then, and text and
// rich output keep the order in which the cell produced them.
package worker

import (
	"encoding/json"
	"fmt"

	"github.com/gokernel/gokernel/kernel"
)

// Operation names on the control pipes.
const (
	opExecute     = "execute"
	opComplete    = "complete"
	opInspect     = "inspect"
	opIsComplete  = "is_complete"
	opCancel      = "cancel"
	opInputReply  = "input_reply"
	opShutdown    = "shutdown"
	opResult      = "result"
	opDisplay     = "display"
	opClear       = "clear"
	opInput       = "input"
	opInputCancel = "input_cancel"
	opReady       = "ready"
)

// envelope is one JSON line in either direction.
type envelope struct {
	Op string `json:"op"`
	ID uint64 `json:"id,omitempty"`

	Execute    *kernel.ExecuteRequest   `json:"execute,omitempty"`
	Code       string                   `json:"code,omitempty"`
	Cursor     int                      `json:"cursor,omitempty"`
	Detail     int                      `json:"detail,omitempty"`
	Prompt     string                   `json:"prompt,omitempty"`
	Password   bool                     `json:"password,omitempty"`
	Value      string                   `json:"value,omitempty"`
	Wait       bool                     `json:"wait,omitempty"`
	Error      string                   `json:"error,omitempty"`
	Display    *kernel.Display          `json:"display,omitempty"`
	Result     *kernel.ExecuteResult    `json:"result,omitempty"`
	Complete   *kernel.CompleteResult   `json:"complete,omitempty"`
	Inspect    *kernel.InspectResult    `json:"inspect,omitempty"`
	IsComplete *kernel.IsCompleteResult `json:"is_complete,omitempty"`
}

func decodeEnvelope(line []byte) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(line, &e); err != nil {
		return e, fmt.Errorf("worker protocol: %w", err)
	}
	return e, nil
}
