package goeval

import (
	"bytes"
	"errors"
	"fmt"
	"go/scanner"
	"io"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"

	"github.com/gokernel/gokernel/kernel"
)

// Error names used in kernel.EvalError.Name.
const (
	errSyntax      = "SyntaxError"
	errCompile     = "CompileError"
	errPanic       = "panic"
	errRuntime     = "runtime error"
	errInterrupted = "Interrupted"
)

// posRE matches the "file:line:col: " prefix yaegi and go/scanner put on messages.
var posRE = regexp.MustCompile(`^(?:(\S*?):)?(\d+):(\d+): `)

// frameRE matches one panic frame line yaegi writes to its Stderr while a
// panic unwinds an interpreted function: "In[3]:2:5: panic: main.f(...)".
var frameRE = regexp.MustCompile(`^(?:\S*?:)?\d+:\d+: panic: \S+\(\.\.\.\)\n$`)

// frameFilter is the io.Writer yaegi gets as Options.Stderr. yaegi writes
// both user log output and its panic-frame lines there; frames are kept for
// the traceback, everything else goes to the real stderr. Each frame line is
// one Write (fmt.Fprintln), so matching whole writes is reliable. Frames are
// tagged with the writing goroutine, because a goroutine panic may unwind
// while a cell panics: each report takes only its own goroutine's frames.
type frameFilter struct {
	w      io.Writer
	mu     sync.Mutex
	frames []frame
}

// frame is one panic-frame line and the goroutine that printed it.
type frame struct {
	gid  uint64
	text string
}

func (f *frameFilter) Write(p []byte) (int, error) {
	if frameRE.Match(p) {
		fr := frame{gid: goroutineID(), text: strings.TrimSuffix(string(p), "\n")}
		f.mu.Lock()
		f.frames = append(f.frames, fr)
		f.mu.Unlock()
		return len(p), nil
	}
	return f.w.Write(p)
}

// reset drops all collected frames (those of panics recovered earlier).
func (f *frameFilter) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frames = nil
}

// takeGoroutine returns and removes the frames printed by goroutine gid.
func (f *frameFilter) takeGoroutine(gid uint64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	kept := f.frames[:0]
	for _, fr := range f.frames {
		if fr.gid == gid {
			out = append(out, fr.text)
		} else {
			kept = append(kept, fr)
		}
	}
	f.frames = kept
	return out
}

// takeCell returns the frames of the cell's own panic: those of the
// goroutine that printed the last top-level ("main") frame, or all frames
// when there is none.
func (f *frameFilter) takeCell() []string {
	f.mu.Lock()
	var gid uint64
	found := false
	for i := len(f.frames) - 1; i >= 0; i-- {
		if strings.HasSuffix(f.frames[i].text, " panic: main(...)") {
			gid, found = f.frames[i].gid, true
			break
		}
	}
	if !found {
		out := make([]string, len(f.frames))
		for i, fr := range f.frames {
			out[i] = fr.text
		}
		f.frames = nil
		f.mu.Unlock()
		return out
	}
	f.mu.Unlock()
	return f.takeGoroutine(gid)
}

// goroutineID returns the current goroutine's id from its stack header
// ("goroutine 42 [running]:"). Only called when a panic frame is printed.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// cellSource gives error formatting access to the cell text, to quote the
// offending line.
type cellSource struct {
	fname string
	code  string
	// funcCell returns the cell that declared a function (for panic frames).
	funcCell func(frameFunc string) (cellSource, bool)
}

// line returns cell line n (1-based), or "" when out of range.
func (c cellSource) line(n int) (string, bool) {
	lines := strings.Split(c.code, "\n")
	if n < 1 || n > len(lines) {
		return "", false
	}
	return strings.TrimRight(lines[n-1], "\r"), true
}

// clampPos moves a position past the end of the cell (parse errors at the
// wrapper's closing brace) onto the cell's last line.
func (c cellSource) clampPos(file string, line, col int) (int, int) {
	if file != c.fname {
		return line, col
	}
	n := strings.Count(c.code, "\n") + 1
	if line > n {
		last, _ := c.line(n)
		return n, len(last) + 1
	}
	return line, col
}

// quote returns the traceback lines that show a cell line with a caret under col.
func (c cellSource) quote(file string, line, col int) []string {
	if file != c.fname {
		return nil
	}
	l, ok := c.line(line)
	if !ok {
		return nil
	}
	gutter := fmt.Sprintf("%4d | ", line)
	caret := strings.Repeat(" ", len(gutter))
	// Tabs must stay tabs so the caret lines up under them.
	for i, r := range l {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			caret += "\t"
		} else {
			caret += " "
		}
	}
	return []string{gutter + l, caret + "^"}
}

// positioned splits "file:line:col: msg" and clamps the position into the cell.
func (c cellSource) positioned(msg string) (file string, line, col int, rest string, ok bool) {
	file, line, col, rest, ok = c.rawPositioned(msg)
	if ok {
		line, col = c.clampPos(file, line, col)
	}
	return file, line, col, rest, ok
}

// rawPositioned is positioned without the clamp to this cell's lines, for
// positions that may be in another cell.
func (c cellSource) rawPositioned(msg string) (file string, line, col int, rest string, ok bool) {
	m := posRE.FindStringSubmatch(msg)
	if m == nil {
		return "", 0, 0, msg, false
	}
	line, _ = strconv.Atoi(m[2])
	col, _ = strconv.Atoi(m[3])
	file = m[1]
	if file == "" || file == yaegiFile {
		// yaegi input: the line directives made the position a cell position.
		file = c.fname
	}
	return file, line, col, msg[len(m[0]):], true
}

// formatPos renders a position the way tracebacks show it.
func formatPos(file string, line, col int) string {
	return fmt.Sprintf("%s:%d:%d", file, line, col)
}

// compileError turns a parse or compile error into an EvalError whose
// positions are cell lines.
func (c cellSource) compileError(name string, err error) *kernel.EvalError {
	var msgs []string
	var el scanner.ErrorList
	if errors.As(err, &el) {
		for _, e := range el {
			msgs = append(msgs, e.Error())
		}
	} else {
		msgs = []string{err.Error()}
	}
	ee := &kernel.EvalError{Name: name}
	for i, m := range msgs {
		// An import of a package the kernel lacks says how to add it.
		m = importHint(m)
		file, line, col, rest, ok := c.positioned(m)
		text := m
		if ok {
			text = formatPos(file, line, col) + ": " + rest
		}
		if i == 0 {
			ee.Value = text
		}
		ee.Traceback = append(ee.Traceback, name+": "+text)
		if ok {
			ee.Traceback = append(ee.Traceback, c.quote(file, line, col)...)
		}
		if i == 9 && len(msgs) > 10 {
			ee.Traceback = append(ee.Traceback, fmt.Sprintf("... and %d more errors", len(msgs)-10))
			break
		}
	}
	return ee
}

// panicValue unwraps the value yaegi recovered: interpreted panics carry a
// reflect.Value of the user's argument.
func panicValue(v any) any {
	if rv, ok := v.(reflect.Value); ok {
		if !rv.IsValid() {
			return nil
		}
		if rv.CanInterface() {
			return rv.Interface()
		}
	}
	return v
}

// exitRE matches the panic value yaegi's restricted os.Exit produces.
var exitRE = regexp.MustCompile(`^os\.Exit\((-?\d+)\)$`)

// describePanic returns the error name and message for a recovered value.
func describePanic(v any) (name, msg string) {
	v = panicValue(v)
	switch x := v.(type) {
	case nil:
		return errPanic, "panic(nil)"
	case error:
		msg = x.Error()
	case fmt.Stringer:
		msg = x.String()
	case string:
		msg = x
	default:
		msg = fmt.Sprintf("%v", x)
	}
	if m := exitRE.FindStringSubmatch(msg); m != nil {
		return errPanic, fmt.Sprintf("os.Exit(%s) called: the kernel keeps running", m[1])
	}
	if strings.Contains(msg, "reflect") && strings.Contains(msg, "unexported") {
		// Go's words first: a compiled cell's own reflect code panics so
		// too. In a notebook it is mostly the interpreter, which reaches
		// into compiled values through reflect.
		msg += unexportedHint
	}
	if isRuntimeError(v, msg) {
		return errRuntime, msg
	}
	return errPanic, msg
}

// unexportedHint explains reflect's unexported-field panics in an
// interpreted cell.
const unexportedHint = " (an interpreted cell cannot read the unexported fields or call the unexported methods of a value whose type a compiled cell made: the interpreter reaches compiled values through reflect, which hides them; a cell that reads them is compiled when the type is a generic type an interpreted cell declared and has not been redefined since)"

// isRuntimeError recognises Go runtime errors and the reflect panics yaegi
// turns them into (index out of range, nil dereference, ...).
func isRuntimeError(v any, msg string) bool {
	type runtimeError interface {
		error
		RuntimeError()
	}
	if _, ok := v.(runtimeError); ok {
		return true
	}
	for _, p := range []string{"reflect: ", "runtime error: ", "assignment to entry in nil map", "index out of range", "nil pointer dereference", "integer divide by zero"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// panicError builds the EvalError for a panic from the value and the frame
// lines yaegi printed while unwinding (innermost first).
func (c cellSource) panicError(p interp.Panic, frames []string) *kernel.EvalError {
	name, msg := describePanic(p.Value)
	ee := &kernel.EvalError{Name: name, Value: msg}
	ee.Traceback = append(ee.Traceback, name+": "+msg, "")
	if len(frames) > 0 {
		ee.Traceback = append(ee.Traceback, "Interpreted call stack (innermost first):")
	}
	for _, fr := range frames {
		file, line, col, rest, ok := c.rawPositioned(fr)
		if !ok {
			ee.Traceback = append(ee.Traceback, "  "+fr)
			continue
		}
		fn := strings.TrimSuffix(strings.TrimPrefix(rest, "panic: "), "(...)")
		in := c // the cell the frame's position is in
		if c.funcCell != nil {
			if cell, ok := c.funcCell(fn); ok && cell.fname != c.fname {
				// Declared in an earlier cell: the position is in that cell.
				in, file = cell, cell.fname
			}
		}
		if fn == "main" {
			fn = "cell top level"
		}
		line, col = in.clampPos(file, line, col)
		ee.Traceback = append(ee.Traceback, fmt.Sprintf("  %s  %s", formatPos(file, line, col), fn))
		for _, q := range in.quote(file, line, col) {
			ee.Traceback = append(ee.Traceback, "    "+q)
		}
	}
	return ee
}
