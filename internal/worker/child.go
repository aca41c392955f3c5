package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// Child file descriptors: what the parent passes as ExtraFiles.
const (
	childInFD     = 3 // parent → child requests
	childOutFD    = 4 // child → parent replies, and events while a request is served
	childLogFD    = 5 // the kernel's log (its stderr)
	childEventsFD = 6 // child → parent events between requests
)

// LogFile is where the worker process writes its logs: the kernel's stderr,
// not the cell output pipes.
func LogFile() *os.File { return os.NewFile(childLogFD, "worker-log") }

// childConfig is what serveChild needs.
type childConfig struct {
	Engine         kernel.Engine
	Stdout, Stderr *os.File
	In             io.Reader
	// Out takes replies and the events sent while a request is served;
	// Events the events sent between requests (see process).
	Out, Events io.Writer
}

// RunChild serves engine on the descriptors the supervisor set up. It is
// what `gokernel worker` runs, and returns when the parent goes away.
func RunChild(engine kernel.Engine) error {
	// Processes a cell starts must not inherit the control pipes: one that
	// outlives the interpreter would keep the parent from seeing it exit.
	for _, fd := range []int{childInFD, childOutFD, childLogFD, childEventsFD} {
		syscall.CloseOnExec(fd)
	}
	return serveChild(childConfig{
		Engine: engine, Stdout: os.Stdout, Stderr: os.Stderr,
		In: os.NewFile(childInFD, "worker-in"), Out: os.NewFile(childOutFD, "worker-out"),
		Events: os.NewFile(childEventsFD, "worker-events"),
	})
}

// child is the state of the serving side.
type child struct {
	cfg  childConfig
	wmu  sync.Mutex // one message at a time, on Out or Events
	wbuf []byte     // the frame being written, reused
	// marks counts the marks written to Stdout and Stderr (marks.go).
	marks uint64
	// serving counts the requests being served (more than one only for
	// a confused parent): their events go to Out, where the caller waiting
	// for the reply reads them, the others to Events.
	serving atomic.Int32

	mu        sync.Mutex
	cancel    map[uint64]context.CancelFunc
	inputs    map[uint64]chan envelope
	nextInput uint64
	execMu    sync.Mutex
	// turn hands the reading to a goroutine waiting in follow; stopped is
	// closed when the reading has ended.
	turn, stopped chan struct{}
	// trim returns freed memory to the OS once the worker has been idle
	// for trimAfter, so a long notebook's RSS follows its live heap
	// instead of its high-water mark.
	trim *time.Timer
}

// trimAfter is how long the worker waits after a request before it hands
// unused memory back to the OS.
const trimAfter = time.Second

// serveChild reads requests from cfg.In until EOF or a shutdown request.
func serveChild(cfg childConfig) error {
	if cfg.In == nil || cfg.Out == nil || cfg.Events == nil {
		return errors.New("worker: ChildConfig needs In, Out and Events")
	}
	c := &child{cfg: cfg, cancel: map[uint64]context.CancelFunc{}, inputs: map[uint64]chan envelope{},
		turn: make(chan struct{}), stopped: make(chan struct{})}
	c.trim = time.AfterFunc(trimAfter, debug.FreeOSMemory)
	defer c.trim.Stop()
	if err := c.send(envelope{Op: opReady}); err != nil {
		return err
	}
	done := make(chan error, 1)
	go c.read(newFrameReader(cfg.In), done)
	err := <-done
	close(c.stopped) // a goroutine waiting in follow returns
	return err
}

// read reads and serves messages. A request runs at once on the goroutine
// that read it: handed to a new goroutine instead, it waited for another
// thread to pick that goroutine up while this one blocked in its next read,
// some 10-20 µs per request. An execute request first hands the reading to
// another goroutine, for the cancellations and input replies that come
// while a cell runs; the others (completion, inspection, is_complete) are
// served without, since the kernel sends nothing while it waits for them.
// The reading ends with a message on done.
//
// The goroutine that served a cell then waits to read again (follow), so
// two goroutines take turns. A new reading goroutine per cell started with
// a small stack that the interpreter's recursion then grew by copying, and
// with its creation and exit that cost a quarter of the worker's CPU on a
// trivial cell (perf).
func (c *child) read(fr *frameReader, done chan<- error) {
	for {
		e, err := fr.next()
		if pipeClosed(err) {
			done <- c.cfg.Engine.Close()
			return
		}
		if err != nil {
			// Frames cannot be resynchronized: exit, and the parent
			// starts a new interpreter.
			done <- fmt.Errorf("worker: reading requests: %w", err)
			return
		}
		switch e.Op {
		case opShutdown:
			done <- c.cfg.Engine.Close()
			return
		case opCancel:
			c.mu.Lock()
			if cancel := c.cancel[e.ID]; cancel != nil {
				cancel()
			}
			c.mu.Unlock()
		case opInputReply:
			c.mu.Lock()
			ch := c.inputs[e.ID]
			c.mu.Unlock()
			if ch != nil {
				ch <- e
			}
		default:
			ctx, cancel := context.WithCancel(context.Background())
			c.mu.Lock()
			c.cancel[e.ID] = cancel
			c.mu.Unlock()
			// Reading goes on while a cell runs, or while another
			// request holds the engine (a confused parent).
			handOver := e.Op == opExecute || c.serving.Load() > 0
			// Not under wmu: that would wait for the previous reply's
			// write to return (see serve).
			c.serving.Add(1)
			if handOver {
				c.handOver(fr, done)
			}
			c.serve(ctx, e)
			c.mu.Lock()
			delete(c.cancel, e.ID)
			c.mu.Unlock()
			cancel()
			if handOver && !c.follow() {
				return
			}
		}
	}
}

// handOver gives the reading to a goroutine waiting in follow, or to a new one.
func (c *child) handOver(fr *frameReader, done chan<- error) {
	select {
	case c.turn <- struct{}{}:
	default:
		go c.read(fr, done)
	}
}

// follow waits until the reading is handed over, and reports false once
// the reading ended for good.
func (c *child) follow() bool {
	select {
	case <-c.turn:
		return true
	case <-c.stopped:
		return false
	}
}

// send writes one event or reply, in a single write. Text written to stdout
// and stderr before it needs nothing more: the parent drains those pipes
// before it delivers the message. A display or clear also gets a mark on
// both pipes, for the text written after it (marks.go).
func (c *child) send(e envelope) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	marked := e.Op == opDisplay || e.Op == opClear
	if marked {
		e.Mark = c.marks + 1
	}
	b, err := appendFrame(c.wbuf[:0], e)
	if err != nil {
		return err
	}
	if marked {
		// Text the cell writes from here on comes after this event
		// (marks.go). A pipe the cell closed gets no mark: the parent
		// has seen its end.
		c.marks++
		_, _ = c.cfg.Stdout.Write(syncMark)
		_, _ = c.cfg.Stderr.Write(syncMark)
	}
	if cap(b) <= 64<<10 {
		c.wbuf = b // do not keep a large display's buffer
	}
	w := c.cfg.Events
	if c.serving.Load() > 0 {
		w = c.cfg.Out
	}
	if e.Op == opResult {
		// The reply ends its request; events after it must not wait in
		// Out for the next caller.
		c.serving.Add(-1)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("worker: writing %s: %w", e.Op, err)
	}
	return nil
}

// reply sends a request's reply. One that cannot be encoded (a value JSON
// cannot represent, such as NaN) fails the request instead of leaving the
// parent waiting for it.
func (c *child) reply(r envelope) {
	err := c.send(r)
	if err != nil {
		err = c.send(envelope{Op: opResult, ID: r.ID, Error: err.Error()})
	}
	if err != nil {
		fmt.Fprintln(c.cfg.Stderr, "gokernel worker:", err)
	}
}

func (c *child) serve(ctx context.Context, e envelope) {
	reply := c.run(ctx, e)
	c.trim.Reset(trimAfter)
	// Sent after run let go of the engine: the write can take a while
	// (the kernel's thread may run first on this CPU, woken by it), and the
	// next request must not wait for it to return.
	c.reply(reply)
}

// run serves a request and returns its reply.
func (c *child) run(ctx context.Context, e envelope) (reply envelope) {
	// The engine is not safe for concurrent use; the kernel never overlaps
	// shell requests, but be safe against a confused parent.
	c.execMu.Lock()
	defer c.execMu.Unlock()
	reply = envelope{Op: opResult, ID: e.ID}
	// An engine bug must cost one request, not the notebook's state.
	defer func() {
		if r := recover(); r != nil {
			reply = envelope{Op: opResult, ID: e.ID, Error: fmt.Sprintf("internal error in the Go engine (%s): %v", e.Op, r)}
		}
	}()
	var err error
	switch e.Op {
	case opExecute:
		if e.Execute == nil {
			err = errors.New("execute without a request")
			break
		}
		var res kernel.ExecuteResult
		res, err = c.cfg.Engine.Execute(ctx, *e.Execute, &childOutput{c: c, id: e.ID})
		reply.Result = &res
	case opComplete:
		var res kernel.CompleteResult
		res, err = c.cfg.Engine.Complete(ctx, e.Code, e.Cursor)
		reply.Complete = &res
	case opInspect:
		var res kernel.InspectResult
		res, err = c.cfg.Engine.Inspect(ctx, e.Code, e.Cursor, e.Detail)
		reply.Inspect = &res
	case opIsComplete:
		var res kernel.IsCompleteResult
		res, err = c.cfg.Engine.IsComplete(ctx, e.Code)
		reply.IsComplete = &res
	default:
		err = fmt.Errorf("unknown worker operation %q", e.Op)
	}
	if err != nil {
		reply.Error = err.Error()
	}
	return reply
}

// childOutput is the kernel.Output engines use inside the child.
type childOutput struct {
	c  *child
	id uint64
}

func (o *childOutput) Stream(name, text string) {
	w := o.c.cfg.Stdout
	if name == "stderr" {
		w = o.c.cfg.Stderr
	}
	_, _ = io.WriteString(w, text)
}

func (o *childOutput) Display(d kernel.Display) {
	_ = o.c.send(envelope{Op: opDisplay, ID: o.id, Display: &d})
}

func (o *childOutput) ClearOutput(wait bool) {
	_ = o.c.send(envelope{Op: opClear, ID: o.id, Wait: wait})
}

func (o *childOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	ch := make(chan envelope, 1)
	o.c.mu.Lock()
	o.c.nextInput++
	id := o.c.nextInput
	o.c.inputs[id] = ch
	o.c.mu.Unlock()
	defer func() {
		o.c.mu.Lock()
		delete(o.c.inputs, id)
		o.c.mu.Unlock()
	}()
	if err := o.c.send(envelope{Op: opInput, ID: id, Prompt: prompt, Password: password, Value: fmt.Sprint(o.id)}); err != nil {
		return "", err
	}
	select {
	case r := <-ch:
		if r.NoStdin {
			return "", kernel.ErrStdinNotAllowed
		}
		if r.Error != "" {
			return "", errors.New(r.Error)
		}
		return r.Value, nil
	case <-ctx.Done():
		_ = o.c.send(envelope{Op: opInputCancel, ID: id})
		return "", fmt.Errorf("input request abandoned: %w", ctx.Err())
	}
}
