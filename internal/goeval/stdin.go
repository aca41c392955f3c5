package goeval

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/kernel"
)

// errNoStdin is returned by reads outside a running cell.
var errNoStdin = errors.New("stdin is only available while a cell runs")

// errStdinNotAllowed is returned when the front end cannot answer input requests.
var errStdinNotAllowed = errors.New("stdin is not available: the front end does not accept input requests (allow_stdin is false)")

// stdinReader is os.Stdin and Options.Stdin of the interpreter. Each Read
// with an empty buffer asks the front end for one line through the running
// cell's kernel.Output and returns it with a trailing newline; what a Read
// does not consume is kept for the next one.
type stdinReader struct {
	cell *kernel.CurrentOutput // the engine's: the running cell's Output
	mu   sync.Mutex
	// ctx is the running cell's, nil between cells: unlike displays, a
	// prompt needs a cell that can still be answered.
	ctx   context.Context
	allow bool
	buf   []byte
}

// begin attaches the reader to the cell that starts running (its Output
// already current); leftovers of an earlier cell's input are dropped, since
// they answered another prompt.
func (r *stdinReader) begin(ctx context.Context, allow bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx, r.allow, r.buf = ctx, allow, nil
}

// end detaches the reader: goroutines reading after the cell get errNoStdin.
func (r *stdinReader) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx = nil
}

// Read implements io.Reader.
func (r *stdinReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		ctx, allow := r.ctx, r.allow
		out := r.cell.Get()
		if ctx == nil || out == nil {
			return 0, errNoStdin
		}
		if !allow {
			return 0, errStdinNotAllowed
		}
		// Do not hold the lock while the front end answers: the next cell's
		// begin must not wait for a prompt a leaked goroutine left open.
		r.mu.Unlock()
		line, err := out.Input(ctx, "", false)
		r.mu.Lock()
		if err != nil {
			return 0, fmt.Errorf("reading stdin: %w", err)
		}
		r.buf = append(r.buf, line...)
		r.buf = append(r.buf, '\n')
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// stdlibPackages maps yaegi symbol-table keys ("path/name") to import paths;
// kept here so completion and import handling agree on package names.
func stdlibPackageName(path string) (string, bool) {
	for k := range stdlib.Symbols {
		if i := lastSlash(k); i >= 0 && k[:i] == path {
			return k[i+1:], true
		}
	}
	return "", false
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// defaultPkgName is the name an import of path binds without an alias:
// the package name from the symbol table, else the last path element.
func defaultPkgName(path string) string {
	if n, ok := stdlibPackageName(path); ok {
		return n
	}
	if i := lastSlash(path); i >= 0 {
		return path[i+1:]
	}
	return path
}
