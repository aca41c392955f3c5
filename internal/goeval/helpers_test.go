package goeval

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// capture collects everything written to one end of an os.Pipe.
type capture struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func newCapture(t *testing.T) (*os.File, *capture) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &capture{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { w.Close(); <-c.done; r.Close() })
	return w, c
}

// waitFor polls until the captured text contains s, or fails after 2 s.
func (c *capture) waitFor(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		c.mu.Lock()
		got := c.buf.String()
		c.mu.Unlock()
		if strings.Contains(got, s) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("output %q does not contain %q", got, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// fakeOutput is a kernel.Output that answers input requests from a list.
type fakeOutput struct {
	mu      sync.Mutex
	inputs  []string
	allow   bool
	prompts int
	block   bool // block until ctx is done
}

func (f *fakeOutput) Stream(name, text string) {}
func (f *fakeOutput) Display(d kernel.Display) {}
func (f *fakeOutput) ClearOutput(wait bool)    {}
func (f *fakeOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	f.mu.Lock()
	f.prompts++
	if !f.allow {
		f.mu.Unlock()
		return "", errors.New("input requests are not allowed")
	}
	if f.block {
		f.mu.Unlock()
		<-ctx.Done()
		return "", ctx.Err()
	}
	defer f.mu.Unlock()
	if len(f.inputs) == 0 {
		return "", io.EOF
	}
	s := f.inputs[0]
	f.inputs = f.inputs[1:]
	return s, nil
}

type testEngine struct {
	*Engine
	stdout, stderr *capture
	n              int
}

func newTestEngine(t *testing.T) *testEngine {
	t.Helper()
	ow, oc := newCapture(t)
	ew, ec := newCapture(t)
	e, err := New(Options{Stdout: ow, Stderr: ew})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &testEngine{Engine: e, stdout: oc, stderr: ec}
}

// exec runs code as the next cell and returns its result.
func (te *testEngine) exec(t *testing.T, code string) kernel.ExecuteResult {
	t.Helper()
	return te.execWith(t, context.Background(), kernel.ExecuteRequest{Code: code}, &fakeOutput{})
}

func (te *testEngine) execWith(t *testing.T, ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) kernel.ExecuteResult {
	t.Helper()
	te.n++
	if req.ExecutionCount == 0 {
		req.ExecutionCount = te.n
	}
	res, err := te.Execute(ctx, req, out)
	if err != nil {
		t.Fatalf("Execute(%q): engine error %v", req.Code, err)
	}
	return res
}

// mustOK runs code and fails on a cell error; it returns the text/plain result ("" if none).
func (te *testEngine) mustOK(t *testing.T, code string) string {
	t.Helper()
	res := te.exec(t, code)
	if res.Error != nil {
		t.Fatalf("cell %q failed: %s: %s\n%s", code, res.Error.Name, res.Error.Value, strings.Join(res.Error.Traceback, "\n"))
	}
	if res.Value == nil {
		return ""
	}
	s, _ := res.Value["text/plain"].(string)
	return s
}

func devNull(tb testing.TB) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}
