package magics

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/types"
	"io"
	"math"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// timeMagic is %time / %%time: a statement or cell run once, with the wall
// and CPU time it took.
type timeMagic struct{ g GoEngine }

func (timeMagic) Name() string { return "time" }
func (timeMagic) Summary() string {
	return "wall and CPU time of a Go statement (%time STMT) or cell (%%time)"
}
func (timeMagic) Usage() string {
	return `usage: %time STATEMENT
       %%time
       CELL...

Runs the Go statement (or the rest of the cell) once in the session, as a
cell would run it (its variables stay, a trailing expression is Out), and
then prints the time it took:

  CPU times: user 1.2 ms, sys 210 µs, total 1.41 ms
  Wall time: 1.43 ms

CPU time is the session process's (every goroutine, the interpreter's own
work included); wall time includes compiling the cell.`
}

// ReadsLine: the statement is Go, never shell words.
func (timeMagic) ReadsLine() {}

func (m timeMagic) Run(ctx context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	code, err := timedCode(inv, "time")
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	u0, s0 := cpuTimes()
	t0 := time.Now()
	res, err := m.g.Execute(ctx, kernel.ExecuteRequest{Code: code, AllowStdin: env.AllowStdin, StoreHistory: true, ExecutionCount: env.ExecutionCount}, env.Out)
	wall := time.Since(t0)
	u1, s1 := cpuTimes()
	if err != nil {
		return res, err
	}
	user, sys := u1-u0, s1-s0
	env.Out.Stream("stdout", fmt.Sprintf("CPU times: user %s, sys %s, total %s\nWall time: %s\n",
		FormatDuration(user), FormatDuration(sys), FormatDuration(user+sys), FormatDuration(wall)))
	return res, nil
}

// timedCode is the Go code of a %time/%timeit call: the line, or the body
// of the cell form. help is reported for -h/--help as the only word.
func timedCode(inv Invocation, name string) (string, error) {
	code := inv.Line
	if inv.Cell {
		if strings.TrimSpace(inv.Line) != "" {
			if w := strings.TrimSpace(inv.Line); w == "-h" || w == "--help" || w == "-help" {
				return "", flag.ErrHelp
			}
			return "", &UsageError{Magic: name, Msg: fmt.Sprintf("unexpected %q after %%%%%s: the code goes below it", inv.Line, name), Usage: "%" + name + " --help"}
		}
		code = inv.Body
	} else if inv.Body != "" {
		return "", &UsageError{Magic: name, Msg: "%" + name + " times one line; use %%" + name + " for a whole cell", Usage: "%" + name + " --help"}
	}
	switch strings.TrimSpace(code) {
	case "-h", "--help", "-help":
		return "", flag.ErrHelp
	case "":
		return "", &UsageError{Magic: name, Msg: "nothing to time", Usage: "%" + name + " --help"}
	}
	return code, nil
}

// cpuTimes returns this process's user and system CPU time so far.
func cpuTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// FormatDuration renders d with three significant digits in the unit
// IPython's timing magics use: ns, µs, ms or s ("1.23 µs", "45.6 ms").
func FormatDuration(d time.Duration) string {
	return formatSeconds(d.Seconds())
}

func formatSeconds(s float64) string {
	if s <= 0 {
		return "0 ns"
	}
	units := []struct {
		name  string
		scale float64
	}{{"s", 1}, {"ms", 1e-3}, {"µs", 1e-6}, {"ns", 1e-9}}
	u := units[len(units)-1]
	for _, c := range units {
		if s >= c.scale {
			u = c
			break
		}
	}
	v := s / u.scale
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, u.name)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, u.name)
	}
	return fmt.Sprintf("%.2f %s", v, u.name)
}

// timeitMagic is %timeit / %%timeit: a statement run in a loop, the
// number of loops chosen as IPython chooses it.
type timeitMagic struct{ g GoEngine }

func (timeitMagic) Name() string { return "timeit" }
func (timeitMagic) Summary() string {
	return "time a Go statement over many loops: %timeit [-n N] [-r R] STMT, or %%timeit"
}
func (timeitMagic) Usage() string {
	return `usage: %timeit [-n N] [-r R] STATEMENT
       %%timeit [-n N] [-r R]
       STATEMENTS...

Runs the statement (or the cell's statements) in a loop inside the session
and prints the best time per loop:

  100000 loops, best of 7: 1.23 µs per loop

The loop count is chosen as IPython does: 1, 2, 5, 10, 20, 50, ... loops
until one run takes at least 0.2 s; the run is repeated R times and the
fastest counts (the others were slowed by something else). Times are of
the loop alone, not of compiling the cell. The statements run in a
function: variables they declare stay local, session variables are
shared; an expression is evaluated and dropped.

Options:
  -n N   loops per run (default: chosen as above)
  -r R   runs (default 7)`
}

// ReadsLine: the statement is Go, never shell words.
func (timeitMagic) ReadsLine() {}

// Names the session sees for the timing loop; %who hides them.
const (
	timeitFunc   = "__gokernel_timeit"
	timeitResult = "__gokernel_timeit_ns"
)

// timeitTarget is how long one calibrated run should take at least.
const timeitTarget = 200 * time.Millisecond

func (m timeitMagic) Run(ctx context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	fs := NewFlagSet("timeit", io.Discard)
	number := fs.Int("n", 0, "")
	repeat := fs.Int("r", 7, "")
	opts, rest, err := LeadingOptions(inv.Line, fs)
	if err != nil {
		return kernel.ExecuteResult{}, &UsageError{Magic: "timeit", Msg: err.Error(), Usage: m.Usage()}
	}
	if err := fs.Parse(opts); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return kernel.ExecuteResult{}, err
		}
		return kernel.ExecuteResult{}, &UsageError{Magic: "timeit", Msg: err.Error(), Usage: m.Usage()}
	}
	if *number < 0 || *repeat < 1 {
		return kernel.ExecuteResult{}, &UsageError{Magic: "timeit", Msg: "-n must be positive and -r at least 1", Usage: m.Usage()}
	}
	code, err := timedCode(Invocation{Name: inv.Name, Cell: inv.Cell, Line: rest, Body: inv.Body}, "timeit")
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	def := fmt.Sprintf("import \"time\"\n%s := func(__gokernel_n int) int64 {\n\t__gokernel_t0 := time.Now()\n\tfor __gokernel_i := 0; __gokernel_i < __gokernel_n; __gokernel_i++ {\n%s\n\t}\n\treturn int64(time.Since(__gokernel_t0))\n}",
		timeitFunc, loopBody(code))
	req := kernel.ExecuteRequest{Code: def, AllowStdin: env.AllowStdin, ExecutionCount: env.ExecutionCount}
	if res, err := m.g.Execute(ctx, req, env.Out); err != nil || res.Error != nil {
		return res, err
	}
	runOnce := func(n int) (time.Duration, *kernel.ExecuteResult, error) {
		req.Code = fmt.Sprintf("%s := %s(%d)", timeitResult, timeitFunc, n)
		res, err := m.g.Execute(ctx, req, env.Out)
		if err != nil || res.Error != nil {
			return 0, &res, err
		}
		v, ok := m.g.Lookup(timeitResult)
		ns, isInt := v.(int64)
		if !ok || !isInt {
			return 0, nil, fmt.Errorf("the timing loop left no result (%T)", v)
		}
		return time.Duration(ns), nil, nil
	}
	n := *number
	if n == 0 {
		// IPython's autorange: 1, 2, 5, 10, 20, 50, ... loops.
	calibrate:
		for scale := 1; ; scale *= 10 {
			for _, k := range []int{1, 2, 5} {
				n = k * scale
				d, res, err := runOnce(n)
				if err != nil || res != nil {
					return orEmpty(res), err
				}
				if d >= timeitTarget || n >= 1e9 {
					break calibrate
				}
			}
		}
	}
	best := time.Duration(math.MaxInt64)
	for i := 0; i < *repeat; i++ {
		d, res, err := runOnce(n)
		if err != nil || res != nil {
			return orEmpty(res), err
		}
		best = min(best, d)
	}
	loops := "loops"
	if n == 1 {
		loops = "loop"
	}
	env.Out.Stream("stdout", fmt.Sprintf("%d %s, best of %d: %s per loop\n", n, loops, *repeat, formatSeconds(best.Seconds()/float64(n))))
	return kernel.ExecuteResult{}, nil
}

func orEmpty(r *kernel.ExecuteResult) kernel.ExecuteResult {
	if r == nil {
		return kernel.ExecuteResult{}
	}
	return *r
}

// loopBody makes code a statement list for the timing loop: an
// expression that is not a call (x + 1, len(s)) is assigned to _, since
// Go does not allow it as a statement.
func loopBody(code string) string {
	if e, err := parser.ParseExpr(code); err == nil {
		if c, ok := e.(*ast.CallExpr); !ok || isBuiltinCall(c) {
			return "_ = " + strings.TrimSpace(code)
		}
	}
	return code
}

// isBuiltinCall reports whether c calls a predeclared function that the
// Go spec does not permit in statement context (len, append, min, ...):
// every builtin of types.Universe except the ones listed as statements.
func isBuiltinCall(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	if !ok {
		return false
	}
	if _, builtin := types.Universe.Lookup(id.Name).(*types.Builtin); !builtin {
		return false
	}
	switch id.Name {
	case "clear", "close", "copy", "delete", "panic", "print", "println", "recover":
		return false
	}
	return true
}
