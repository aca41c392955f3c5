package goeval

import (
	"context"
	"testing"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// The runner's fast path needs yaegi's unexported fields; without them every
// run silently falls back to ExecuteWithContext, so their presence is checked.
func TestRunnerFindsStopFields(t *testing.T) {
	te := newTestEngine(t)
	if _, ok := stopFieldsOf(te.in); !ok {
		t.Fatal("yaegi's Interpreter fields id, done, mutex, cancelChan, fastChan not found: runner falls back to ExecuteWithContext")
	}
}

func TestRunnerKeepsGoroutineAndSurvivesGoexit(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "n := 1")
	first := te.runner.work
	if first == nil {
		t.Fatal("no runner goroutine after a run")
	}
	te.mustOK(t, "n++")
	if te.runner.work != first {
		t.Fatal("a new runner goroutine for a cell that returned normally")
	}
	res := te.execWith(t, context.Background(), kernel.ExecuteRequest{Code: "import \"runtime\"\nruntime.Goexit()"}, &fakeOutput{})
	if res.Error != nil {
		t.Fatalf("Goexit cell: %+v", res.Error)
	}
	if got := te.mustOK(t, "n * 10"); got != "20" {
		t.Fatalf("after Goexit: %q", got)
	}
}

func TestRunnerRepeatedInterrupts(t *testing.T) {
	skipUnderRace(t)
	te := newTestEngine(t)
	te.mustOK(t, "import \"time\"\ncount := 0")
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		// A stuck compiled call: the cell returns at the cancel, its
		// goroutine is abandoned, the next cell runs on a new one.
		res := te.execWith(t, ctx, kernel.ExecuteRequest{Code: "count++\ntime.Sleep(time.Hour)"}, &fakeOutput{})
		cancel()
		if res.Error == nil || res.Error.Name != errInterrupted {
			t.Fatalf("run %d: %+v", i, res.Error)
		}
	}
	if got := te.mustOK(t, "count"); got != "3" {
		t.Fatalf("count = %q after three interrupted cells", got)
	}
}
