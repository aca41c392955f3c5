package goeval

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/traefik/yaegi/interp"
)

// runner runs compiled cells on a goroutine kept from cell to cell.
//
// yaegi's ExecuteWithContext starts a goroutine per run so that it can
// return when ctx ends even if the cell is stuck in a compiled call
// (time.Sleep, a blocking read). That goroutine starts with a small stack
// which yaegi's recursive execution grows, copying it, every cell: with the
// goroutine's creation and exit, a sixth of the interpreter process's CPU
// on a trivial cell (perf). The runner keeps one goroutine, whose stack
// stays grown, and does what ExecuteWithContext does around it: a fresh
// cancellation channel before the run, and on cancel the stop that makes
// interpreted loops and channel operations return. A runner abandoned by a
// cancelled run is left to finish (or stay stuck, as with yaegi) and the
// next cell gets a new one.
//
// The stop reaches yaegi v0.16.1's unexported Interpreter fields id, done,
// mutex, cancelChan and fastChan by name; if they change, runs go through
// ExecuteWithContext again.
type runner struct {
	work chan runJob // nil until the first run or after a cancelled run
	// out receives the results of work's goroutine; a new one goes with
	// each new goroutine, as an abandoned one may still send on its own.
	out chan runResult
	// fields are in's, looked up once (reflect by name costs ~1 µs).
	in     *interp.Interpreter
	fields stopFields
	ok     bool
}

type runJob struct {
	in   *interp.Interpreter
	prog *interp.Program
	out  chan<- runResult
}

type runResult struct {
	v   reflect.Value
	err error
	// exited: the cell called runtime.Goexit, which ended the goroutine.
	exited bool
}

// stopFields are the Interpreter fields ExecuteWithContext and stop use.
type stopFields struct {
	id         *uint64
	done       *chan struct{}
	mu         *sync.RWMutex
	cancelChan *bool
	fastChan   *bool
}

func stopFieldsOf(in *interp.Interpreter) (stopFields, bool) {
	v := reflect.ValueOf(in).Elem()
	var f stopFields
	var ok [5]bool
	f.id, ok[0] = fieldPtr[uint64](v, "id")
	f.done, ok[1] = fieldPtr[chan struct{}](v, "done")
	f.mu, ok[2] = fieldPtr[sync.RWMutex](v, "mutex")
	f.cancelChan, ok[3] = fieldPtr[bool](v, "cancelChan")
	f.fastChan, ok[4] = fieldPtr[bool](v, "fastChan")
	return f, ok == [5]bool{true, true, true, true, true}
}

// execute runs prog as in.ExecuteWithContext(ctx, prog) would.
func (r *runner) execute(ctx context.Context, in *interp.Interpreter, prog *interp.Program) (reflect.Value, error) {
	if r.in != in {
		r.in = in
		r.fields, r.ok = stopFieldsOf(in)
	}
	if !r.ok {
		return in.ExecuteWithContext(ctx, prog)
	}
	f := r.fields
	f.mu.Lock()
	done := make(chan struct{})
	*f.done = done
	*f.cancelChan = !*f.fastChan
	f.mu.Unlock()
	if r.work == nil {
		r.work = make(chan runJob)
		r.out = make(chan runResult, 1)
		go runJobs(r.work)
	}
	r.work <- runJob{in: in, prog: prog, out: r.out}
	select {
	case res := <-r.out:
		if res.exited {
			r.work = nil
		}
		return res.v, res.err
	case <-ctx.Done():
		// Interpreter.stop: running frames see a new run id and stop,
		// channel operations waiting on done return.
		atomic.AddUint64(f.id, 1)
		close(done)
		close(r.work) // the goroutine exits once the run returns
		r.work = nil
		return reflect.Value{}, ctx.Err()
	}
}

func runJobs(work <-chan runJob) {
	for j := range work {
		runJob1(j)
	}
}

// runJob1 runs one job. Execute recovers panics; a deferred send is still
// needed for runtime.Goexit, which ends the goroutine (ExecuteWithContext
// then returns a zero value and no error).
func runJob1(j runJob) {
	sent := false
	defer func() {
		if !sent {
			j.out <- runResult{exited: true}
		}
	}()
	v, err := j.in.Execute(j.prog)
	sent = true
	j.out <- runResult{v: v, err: err}
}
