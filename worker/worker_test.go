package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/goeval"
	"github.com/gokernel/gokernel/kernel"
)

// The tests start real worker processes: the test binary re-executed with
// $GOKERNEL_WORKER_TEST set serves either the Go interpreter ("goeval") or
// fakeEngine ("fake"), which scripts the protocol cases (ordering, crashes,
// interrupts, input) without depending on the interpreter.
const workerEnv = "GOKERNEL_WORKER_TEST"

func TestMain(m *testing.M) {
	switch os.Getenv(workerEnv) {
	case "":
		os.Exit(m.Run())
	case "goeval":
		g, err := goeval.New(goeval.Options{Stdout: os.Stdout, Stderr: os.Stderr})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		serveOrExit(g)
	case "fake":
		serveOrExit(fakeEngine{})
	}
	os.Exit(2)
}

func serveOrExit(e kernel.Engine) {
	if err := RunChild(e); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// startWorker returns a started supervisor whose child serves kind.
func startWorker(tb testing.TB, kind string) *Supervisor {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	s := NewSupervisor(Options{
		Command:     []string{exe, "-test.run=^$"},
		Env:         append(os.Environ(), workerEnv+"="+kind, "GOTRACEBACK=none"),
		StopTimeout: time.Second,
	})
	tb.Cleanup(func() { s.Close() })
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	// Wait for the child's ready message so the first measured request
	// does not include the start.
	if _, err := s.IsComplete(context.Background(), ""); err != nil {
		tb.Fatal(err)
	}
	return s
}

// fakeEngine runs scripted cells: each line of a cell is one command.
type fakeEngine struct{}

func (fakeEngine) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	var res kernel.ExecuteResult
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "":
		case "stdout": // a direct write to fd 1, as fmt.Print in a cell
			fmt.Fprint(os.Stdout, arg)
		case "stderr":
			fmt.Fprint(os.Stderr, arg)
		case "stream": // through the Output, as the engine's own messages
			out.Stream("stdout", arg)
		case "display":
			out.Display(kernel.Display{Data: kernel.MIMEBundle{"text/plain": arg}})
		case "clear":
			out.ClearOutput(false)
		case "value":
			res.Value = kernel.MIMEBundle{"text/plain": arg}
		case "later": // a goroutine that outlives the cell
			go func() {
				time.Sleep(50 * time.Millisecond)
				fmt.Fprint(os.Stdout, arg)
			}()
		case "input":
			v, err := out.Input(ctx, arg, false)
			if err != nil {
				return res, err
			}
			res.Value = kernel.MIMEBundle{"text/plain": "got " + v}
		case "wait": // until interrupted
			<-ctx.Done()
			res.Error = &kernel.EvalError{Name: "Interrupted", Value: ctx.Err().Error()}
		case "hang": // ignores the interrupt
			select {}
		case "crash":
			fmt.Fprintln(os.Stderr, "fatal error: "+arg)
			os.Exit(2)
		default:
			return res, fmt.Errorf("fakeEngine: unknown command %q", cmd)
		}
	}
	return res, nil
}

func (fakeEngine) Complete(ctx context.Context, code string, cursor int) (kernel.CompleteResult, error) {
	return kernel.CompleteResult{Matches: []string{code}, CursorStart: 0, CursorEnd: cursor}, nil
}

func (fakeEngine) Inspect(ctx context.Context, code string, cursor, detail int) (kernel.InspectResult, error) {
	return kernel.InspectResult{Found: true, Data: kernel.MIMEBundle{"text/plain": code}}, nil
}

func (fakeEngine) IsComplete(ctx context.Context, code string) (kernel.IsCompleteResult, error) {
	return kernel.IsCompleteResult{Status: "complete"}, nil
}

func (fakeEngine) Close() error { return nil }

// recorder is a kernel.Output that keeps what arrives: the text of each
// stream, and for each display the stream text that had arrived before it.
type recorder struct {
	mu       sync.Mutex
	text     map[string]string
	displays []string // "name:text-of-stdout-so-far|text-of-stderr-so-far"
	input    func(prompt string) (string, error)
}

func (r *recorder) Stream(name, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.text == nil {
		r.text = map[string]string{}
	}
	r.text[name] += text
}

func (r *recorder) Display(d kernel.Display) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.displays = append(r.displays, fmt.Sprintf("%v:%s|%s", d.Data["text/plain"], r.text["stdout"], r.text["stderr"]))
}

func (r *recorder) ClearOutput(wait bool) {}

func (r *recorder) stream(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.text[name]
}

func (r *recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if r.input == nil {
		return "", kernel.ErrStdinNotAllowed
	}
	return r.input(prompt)
}

func TestOrdering(t *testing.T) {
	s := startWorker(t, "fake")
	// Text written before each display (directly to fd 1 and 2, and through
	// the Output) arrives before it, and everything written before the
	// reply arrives before the reply, over many rounds so that a race
	// between the pipes would show.
	var code []string
	var stdout, stderr string
	for i := 0; i < 50; i++ {
		code = append(code, fmt.Sprintf("stdout o%d", i), fmt.Sprintf("stderr e%d", i), fmt.Sprintf("display d%d", i))
		stdout += fmt.Sprintf("o%d", i)
		stderr += fmt.Sprintf("e%d", i)
	}
	code = append(code, "stream s", "stdout last", "value v")
	for round := 0; round < 20; round++ {
		rec := &recorder{}
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: strings.Join(code, "\n")}, rec)
		if err != nil {
			t.Fatal(err)
		}
		if res.Value["text/plain"] != "v" {
			t.Fatalf("value %v", res.Value)
		}
		if got := rec.stream("stdout"); got != stdout+"slast" {
			t.Fatalf("stdout %q", got)
		}
		if got := rec.stream("stderr"); got != stderr {
			t.Fatalf("stderr %q", got)
		}
		if len(rec.displays) != 50 {
			t.Fatalf("%d displays", len(rec.displays))
		}
		for i, d := range rec.displays {
			name, rest, _ := strings.Cut(d, ":")
			out, errText, _ := strings.Cut(rest, "|")
			if name != fmt.Sprintf("d%d", i) || !strings.Contains(out, fmt.Sprintf("o%d", i)) || !strings.Contains(errText, fmt.Sprintf("e%d", i)) {
				t.Fatalf("round %d: display %d came with stdout %q, stderr %q", round, i, out, errText)
			}
		}
	}
}

func TestStreamsWithoutEvents(t *testing.T) {
	s := startWorker(t, "fake")
	// Text alone (no display) still arrives before the reply, for both
	// direct writes and the engine's own stream messages.
	for i := 0; i < 100; i++ {
		rec := &recorder{}
		if _, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: fmt.Sprintf("stdout a%d\nstderr b%d\nstream c%d", i, i, i)}, rec); err != nil {
			t.Fatal(err)
		}
		if got, want := rec.stream("stdout"), fmt.Sprintf("a%dc%d", i, i); got != want {
			t.Fatalf("stdout %q, want %q", got, want)
		}
		if got, want := rec.stream("stderr"), fmt.Sprintf("b%d", i); got != want {
			t.Fatalf("stderr %q, want %q", got, want)
		}
	}
}

func TestGoroutineOutlivesCell(t *testing.T) {
	s := startWorker(t, "fake")
	rec := &recorder{}
	if _, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "later late"}, rec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for rec.stream("stdout") != "late" {
		if time.Now().After(deadline) {
			t.Fatalf("late output: %q", rec.stream("stdout"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCrashRestarts(t *testing.T) {
	s := startWorker(t, "fake")
	res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "crash boom"}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Restarted || res.Error == nil || !strings.Contains(res.Error.Value, "fatal error: boom") {
		t.Fatalf("crash result %+v", res)
	}
	res, err = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "value ok"}, &recorder{})
	if err != nil || res.Value["text/plain"] != "ok" {
		t.Fatalf("after restart: %v %v", res, err)
	}
}

func TestInterrupt(t *testing.T) {
	s := startWorker(t, "fake")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err := s.Execute(ctx, kernel.ExecuteRequest{Code: "wait"}, &recorder{})
	if err != nil || res.Error == nil || res.Error.Name != "Interrupted" {
		t.Fatalf("interrupted cell: %+v %v", res, err)
	}
	// A cell that ignores the interrupt costs the process.
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err = s.Execute(ctx, kernel.ExecuteRequest{Code: "hang"}, &recorder{})
	if err != nil || !res.Restarted {
		t.Fatalf("hung cell: %+v %v", res, err)
	}
	res, err = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "value ok"}, &recorder{})
	if err != nil || res.Value["text/plain"] != "ok" {
		t.Fatalf("after restart: %v %v", res, err)
	}
}

func TestInput(t *testing.T) {
	s := startWorker(t, "fake")
	rec := &recorder{input: func(prompt string) (string, error) { return "answer to " + prompt, nil }}
	res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "stdout before\ninput name?", AllowStdin: true}, rec)
	if err != nil || res.Value["text/plain"] != "got answer to name?" {
		t.Fatalf("input: %+v %v", res, err)
	}
	if got := rec.stream("stdout"); got != "before" {
		t.Fatalf("output %q", got)
	}
	rec = &recorder{}
	_, err = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "input name?"}, rec)
	if !errors.Is(err, kernel.ErrStdinNotAllowed) && (err == nil || err.Error() != kernel.ErrStdinNotAllowed.Error()) {
		t.Fatalf("input not allowed: %v", err)
	}
}

func TestOtherRequests(t *testing.T) {
	s := startWorker(t, "fake")
	ctx := context.Background()
	c, err := s.Complete(ctx, "fmt.Pr", 6)
	if err != nil || len(c.Matches) != 1 || c.CursorEnd != 6 {
		t.Fatalf("complete: %+v %v", c, err)
	}
	in, err := s.Inspect(ctx, "x", 1, 0)
	if err != nil || !in.Found {
		t.Fatalf("inspect: %+v %v", in, err)
	}
	ic, err := s.IsComplete(ctx, "x")
	if err != nil || ic.Status != "complete" {
		t.Fatalf("is_complete: %+v %v", ic, err)
	}
}

// The benchmarks measure one request's round trip through a real child.
// "fake" isolates the protocol's own cost; "goeval" is what a kernel pays.
//
//	go test -run '^$' -bench . -benchtime 2000x ./worker
func BenchmarkRoundTrip(b *testing.B) {
	for _, kind := range []string{"fake", "goeval"} {
		s := startWorker(b, kind)
		ctx := context.Background()
		out := &recorder{}
		b.Run(kind+"/empty", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Execute(ctx, kernel.ExecuteRequest{}, out); err != nil {
					b.Fatal(err)
				}
			}
		})
		if kind == "goeval" {
			b.Run(kind+"/1+2", func(b *testing.B) {
				for b.Loop() {
					res, err := s.Execute(ctx, kernel.ExecuteRequest{Code: "1+2"}, out)
					if err != nil || res.Error != nil {
						b.Fatal(res.Error, err)
					}
				}
			})
		}
		b.Run(kind+"/is_complete", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.IsComplete(ctx, "1+2"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
