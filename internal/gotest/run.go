package gotest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// Failure categories, in the order the report lists them.
const (
	catCompile = "compile"  // the interpreter refused the code (SyntaxError, CompileError)
	catImport  = "import"   // an import the kernel does not have
	catCheck   = "check"    // the program's own checks failed: its panic or a non-zero os.Exit
	catRuntime = "runtime"  // a runtime error or a crash of the interpreter process
	catOutput  = "output"   // every cell succeeded but the output differs: a silent wrong answer
	catTimeout = "timeout"  // no reply before the per-program deadline (a hang, or far too slow)
	catKernel  = "kernel"   // the kernel itself failed (did not start, protocol error)
	catRefFail = "ref-fail" // go run itself failed: not counted
)

// categories lists the failure categories in report order.
var categories = []string{catCompile, catImport, catCheck, catRuntime, catOutput, catTimeout, catKernel}

// notebook is what a sequence of cells printed in one kernel.
type notebook struct {
	Cells []cellResult
	// Failed is the index of the first failed cell, -1 if none failed.
	Failed int
	// Err is set when the kernel itself failed.
	Err error
	// Seconds is the time from kernel start to the last reply.
	Seconds float64
}

// Stdout and Stderr concatenate the cells' streams.
func (n notebook) Stdout() string {
	var b strings.Builder
	for _, c := range n.Cells {
		b.WriteString(c.Stdout)
	}
	return b.String()
}

// Combined concatenates both streams of the cells in arrival order.
func (n notebook) Combined() string {
	var b strings.Builder
	for _, c := range n.Cells {
		b.WriteString(c.Combined)
	}
	return b.String()
}

// Stderr concatenates the cells' stderr streams.
func (n notebook) Stderr() string {
	var b strings.Builder
	for _, c := range n.Cells {
		b.WriteString(c.Stderr)
	}
	return b.String()
}

// runCells starts a kernel (exe) in dir, runs cells in it one after the
// other, stopping at the first failed cell as a notebook's "run all" does,
// and stops the kernel. The whole sequence has timeout.
func runCells(ctx context.Context, exe, dir, tmp, transport string, env []string, cells []string, timeout time.Duration) notebook {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	nb := notebook{Failed: -1}
	k, err := startKernel(ctx, exe, dir, tmp, transport, env)
	if err != nil {
		nb.Err = err
		return nb
	}
	defer k.Close()
	for i, c := range cells {
		r, err := k.Execute(ctx, c)
		if err != nil {
			nb.Err = err
			nb.Failed = i
			break
		}
		nb.Cells = append(nb.Cells, r)
		if r.TimedOut || r.Status != "ok" {
			nb.Failed = i
			break
		}
	}
	nb.Seconds = time.Since(start).Seconds()
	return nb
}

// Verdict is the comparison of a notebook run with go run.
type Verdict struct {
	Pass bool `json:"pass"`
	// Category is one of the Cat constants ("" when Pass).
	Category string `json:"category,omitempty"`
	// Silent marks a silent wrong answer: every cell succeeded, yet the
	// output differs from go run's.
	Silent bool `json:"silent,omitempty"`
	// Reason is a one-line explanation.
	Reason string `json:"reason,omitempty"`
	// Note flags a pass with a difference that a reader of the notebook
	// does not see: the same text in the same order, on the other stream
	// (yaegi writes the builtin print and println to stdout).
	Note string `json:"note,omitempty"`
}

// compare judges a notebook run against the reference: cells must succeed
// exactly when go run exits 0, and print the same stdout and stderr.
func compare(ref Reference, nb notebook) Verdict {
	if !ref.OK() {
		return Verdict{Category: catRefFail, Reason: fmt.Sprintf("go run: exit %d, timed out %v, .out match %v", ref.ExitCode, ref.TimedOut, ref.OutMatch)}
	}
	if nb.Err != nil {
		return Verdict{Category: catKernel, Reason: oneLine(nb.Err.Error())}
	}
	if nb.Failed >= 0 && exitZero.MatchString(nb.Cells[nb.Failed].EValue) {
		// os.Exit(0) ends the program as go run's does: what it printed
		// until then is compared, later cells do not matter.
		nb.Failed = -1
	}
	if nb.Failed >= 0 {
		c := nb.Cells[nb.Failed]
		cat, why := classify(c)
		return Verdict{Category: cat, Reason: fmt.Sprintf("cell %d: %s", nb.Failed+1, why)}
	}
	gotOut, gotErr := nb.Stdout(), nb.Stderr()
	if gotOut == ref.Stdout && gotErr == ref.Stderr {
		return Verdict{Pass: true}
	}
	if nb.Combined() == ref.Combined {
		return Verdict{Pass: true, Note: "same text in the same order, but not on the same streams as go run"}
	}
	switch {
	case gotOut != ref.Stdout:
		return Verdict{Category: catOutput, Silent: true, Reason: "stdout differs: " + firstDiff(ref.Stdout, gotOut)}
	case gotErr != ref.Stderr:
		return Verdict{Category: catOutput, Silent: true, Reason: "stderr differs: " + firstDiff(ref.Stderr, gotErr)}
	}
	return Verdict{Pass: true}
}

var (
	// exitZero matches the engine's report of os.Exit(0) in a cell.
	exitZero = regexp.MustCompile(`^os\.Exit\(0\) called`)
	// posPrefix matches the "line:col: " a message may start with.
	posPrefix = regexp.MustCompile(`^(?:\S*?:)?\d+:\d+: `)
)

// classify names the category of a failed cell.
func classify(c cellResult) (cat, why string) {
	if c.TimedOut {
		return catTimeout, "no reply before the deadline"
	}
	msg := oneLine(c.EValue)
	text := c.EValue + "\n" + strings.Join(c.Traceback, "\n")
	switch {
	case strings.Contains(text, "unable to find source related to") ||
		strings.Contains(text, "is neither in the standard library") ||
		strings.Contains(text, "is not compiled into this kernel"):
		return catImport, msg
	case c.EName == "SyntaxError" || c.EName == "CompileError":
		return catCompile, msg
	case c.EName == "runtime error" || strings.HasPrefix(c.EValue, "runtime error"):
		return catRuntime, msg
	case c.EName == "InterpreterRestarted":
		// A program that calls os.Exit(1) on a failed check ends the
		// interpreter process with that status; anything else (a fatal
		// error, a signal) is a crash.
		if strings.Contains(c.EValue, "exit status") && !strings.Contains(c.EValue, "fatal error") &&
			!strings.Contains(c.EValue, "panic:") && !strings.Contains(c.EValue, "exit status 2") {
			return catCheck, msg
		}
		return catRuntime, msg
	case c.EName == "panic":
		// The interpreter's own failures surface as panics too: reflect
		// misuse inside yaegi, its internal types, failed type assertions
		// (a runtime.Error in Go), errors.As refusing an interpreted
		// type. The program's checks panic with their
		// own message or call os.Exit with a non-zero status.
		v := posPrefix.ReplaceAllString(c.EValue, "")
		if strings.HasPrefix(v, "reflect") || strings.Contains(v, "interp.") || strings.HasPrefix(v, "interface conversion") ||
			strings.HasPrefix(v, "errors: *target must be") {
			return catRuntime, msg
		}
		return catCheck, msg
	}
	return catRuntime, c.EName + ": " + msg
}

// oneLine shortens s to its first line, at most 200 bytes.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// firstDiff describes where got first departs from want.
func firstDiff(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	ctx := func(s string) string {
		lo := max(0, i-20)
		hi := min(len(s), i+40)
		return fmt.Sprintf("%q", s[lo:hi])
	}
	return fmt.Sprintf("at byte %d: want %s, got %s (lengths %d, %d)", i, ctx(want), ctx(got), len(want), len(got))
}

// KernelEnv is the environment kernels run with: the caller's, without
// anything that would make the kernel talk to real Google services.
func KernelEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOOGLE_APPLICATION_CREDENTIALS=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
