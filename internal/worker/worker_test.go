package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/gokernel/gokernel/internal/goeval"
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
	default:
		os.Exit(2)
	}
	os.Exit(0)
}

func serveOrExit(e kernel.Engine) {
	// $GOKERNEL_WORKER_CPUPROFILE profiles the child side of a benchmark,
	// $GOKERNEL_WORKER_TRACE traces it.
	if path := os.Getenv("GOKERNEL_WORKER_CPUPROFILE"); path != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if path := os.Getenv("GOKERNEL_WORKER_TRACE"); path != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err == nil && trace.Start(f) == nil {
			defer trace.Stop()
		}
	}
	if err := RunChild(e); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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
		Logger:      slog.New(slog.DiscardHandler),
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
		case "big": // one large write, many times the pipe's buffer
			n, _ := strconv.Atoi(arg)
			os.Stdout.Write(bytes.Repeat([]byte("x"), n))
		case "split": // a character written in two halves
			os.Stdout.Write([]byte("é")[:1])
			time.Sleep(20 * time.Millisecond)
			os.Stdout.Write([]byte("é")[1:])
		case "closestdout":
			os.Stdout.Close()
		case "goroutines":
			res.Value = kernel.MIMEBundle{"text/plain": strconv.Itoa(runtime.NumGoroutine())}
		case "laterdisplay":
			go func() {
				time.Sleep(50 * time.Millisecond)
				out.Display(kernel.Display{Data: kernel.MIMEBundle{"text/plain": arg}})
			}()
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
		case "spawn": // a process that outlives the interpreter
			cmd := exec.Command("sleep", arg)
			if err := cmd.Start(); err != nil {
				return res, err
			}
		case "garbage": // bytes that are no frame on a control pipe
			fd, _ := strconv.Atoi(arg)
			os.NewFile(uintptr(fd), "control").Write([]byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3})
			time.Sleep(time.Second)
		case "crash":
			fmt.Fprintln(os.Stderr, "fatal error: "+arg)
			os.Exit(2)
		case "append": // "append FILE TEXT": a side effect a test can see
			file, text, _ := strings.Cut(arg, " ")
			f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
			if err != nil {
				return res, err
			}
			fmt.Fprintln(f, text)
			f.Close()
		default:
			return res, fmt.Errorf("fakeEngine: unknown command %q", cmd)
		}
	}
	return res, nil
}

func (fakeEngine) Complete(ctx context.Context, code string, cursor int) (kernel.CompleteResult, error) {
	if code == "crash" {
		os.Exit(2)
	}
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
	// the Output) arrives before it, text written after it arrives after
	// it, and everything written before the reply arrives before the
	// reply, over many rounds so that a race between the pipes would show.
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
		var wantOut, wantErr string
		for i, d := range rec.displays {
			wantOut += fmt.Sprintf("o%d", i)
			wantErr += fmt.Sprintf("e%d", i)
			name, rest, _ := strings.Cut(d, ":")
			out, errText, _ := strings.Cut(rest, "|")
			if name != fmt.Sprintf("d%d", i) || out != wantOut || errText != wantErr {
				t.Fatalf("round %d: display %d came after stdout %q, stderr %q; want %q, %q", round, i, out, errText, wantOut, wantErr)
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

func TestLargeOutputBeforeDisplay(t *testing.T) {
	s := startWorker(t, "fake")
	rec := &recorder{}
	const n = 1 << 20
	if _, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "big 1048576\ndisplay d\nsplit\ndisplay e"}, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.displays) != 2 {
		t.Fatalf("displays %d", len(rec.displays))
	}
	// (Text written after a display may overtake it: only what was written
	// before is ordered.)
	d, _, _ := strings.Cut(rec.displays[0], "|")
	if !strings.HasPrefix(d, "d:"+strings.Repeat("x", n)) {
		t.Fatalf("display came after %d bytes of output", len(d)-2)
	}
	// A character split across two writes arrives whole.
	e, _, _ := strings.Cut(rec.displays[1], "|")
	if e != "e:"+strings.Repeat("x", n)+"é" {
		t.Fatalf("display came after %q", e[len(e)-4:])
	}
}

func TestClosedStdout(t *testing.T) {
	s := startWorker(t, "fake")
	// A cell that closes its stdout does not wedge the kernel.
	for _, code := range []string{"closestdout\ndisplay d\nvalue v", "stderr e\nvalue w"} {
		rec := &recorder{}
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: code}, rec)
		if err != nil || res.Value == nil {
			t.Fatalf("%q: %+v %v", code, res, err)
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
	if !restarted(res) || res.Error == nil || !strings.Contains(res.Error.Value, "fatal error: boom") {
		t.Fatalf("crash result %+v", res)
	}
	res, err = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "value ok"}, &recorder{})
	if err != nil || res.Value["text/plain"] != "ok" {
		t.Fatalf("after restart: %v %v", res, err)
	}
}

func TestBrokenProtocolRestarts(t *testing.T) {
	s := startWorker(t, "fake")
	for _, fd := range []int{childOutFD, childEventsFD} {
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: fmt.Sprint("garbage ", fd)}, &recorder{})
		if err != nil || !restarted(res) || !strings.Contains(res.Error.Value, "broke the protocol") {
			t.Fatalf("fd %d: result %+v %v", fd, res, err)
		}
		res, err = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "value ok"}, &recorder{})
		if err != nil || res.Value["text/plain"] != "ok" {
			t.Fatalf("after restart: %v %v", res, err)
		}
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := startWorker(t, "fake")
	// The kernel does not overlap requests, but the supervisor keeps each
	// reply with its request if it does.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				want := fmt.Sprintf("%d.%d", i, j)
				if j%3 == 0 {
					c, err := s.Complete(context.Background(), want, 1)
					if err != nil || c.Matches[0] != want {
						errs <- fmt.Errorf("complete %s: %v %v", want, c, err)
					}
					continue
				}
				res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "display d\nvalue " + want}, &recorder{})
				if err != nil || res.Value["text/plain"] != want {
					errs <- fmt.Errorf("execute %s: %v %v", want, res.Value, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestLateDisplay(t *testing.T) {
	s := startWorker(t, "fake")
	// A display made between requests (by a goroutine that outlived its
	// cell) arrives without waiting for the next request.
	rec := &recorder{}
	if _, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "laterdisplay late"}, rec); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec.mu.Lock()
		n := len(rec.displays)
		rec.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the late display did not arrive")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCrashWithSubprocess(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	s := startWorker(t, "fake")
	// The crash is seen although a process the cell started lives on.
	start := time.Now()
	res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "spawn 5\ncrash boom"}, &recorder{})
	if err != nil || !restarted(res) {
		t.Fatalf("crash result %+v %v", res, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the crash took %v to be seen", d)
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
	if err != nil || !restarted(res) {
		t.Fatalf("hung cell: %+v %v", res, err)
	}
	res, err = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "value ok"}, &recorder{})
	if err != nil || res.Value["text/plain"] != "ok" {
		t.Fatalf("after restart: %v %v", res, err)
	}
}

// The goroutine that served a cell waits to read again (child.follow): the
// child's goroutines do not grow with the cells served, interrupted or not.
func TestChildGoroutinesStayFlat(t *testing.T) {
	s := startWorker(t, "fake")
	count := func() int {
		t.Helper()
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "goroutines"}, &recorder{})
		if err != nil || res.Error != nil {
			t.Fatalf("goroutines: %+v %v", res, err)
		}
		n, err := strconv.Atoi(fmt.Sprint(res.Value["text/plain"]))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 0; i < 5; i++ {
		count()
	}
	before := count()
	for i := 0; i < 300; i++ {
		if i%50 == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			if res, err := s.Execute(ctx, kernel.ExecuteRequest{Code: "wait"}, &recorder{}); err != nil || res.Error == nil {
				t.Fatalf("interrupted cell: %+v %v", res, err)
			}
			cancel()
			continue
		}
		if _, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "value x"}, &recorder{}); err != nil {
			t.Fatal(err)
		}
	}
	if after := count(); after > before+1 {
		t.Fatalf("child goroutines grew from %d to %d over 300 cells", before, after)
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

// BenchmarkRoundTrip measures one request's round trip through a real
// child. "fake" isolates the protocol's own cost; "goeval" is what a kernel
// pays. Wake-ups between threads dominate, so figures depend on how busy the
// machine is: compare builds interleaved, not runs hours apart.
//
//	go test -run '^$' -bench RoundTrip -benchtime 4000x ./worker
//
// GOKERNEL_WORKER_CPUPROFILE and GOKERNEL_WORKER_TRACE profile or trace the
// child; -cpuprofile and -trace the parent.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	out := &recorder{}
	for _, bm := range []struct {
		kind, name string
		req        func(s *Supervisor) error
	}{
		{"fake", "empty", func(s *Supervisor) error {
			_, err := s.Execute(ctx, kernel.ExecuteRequest{}, out)
			return err
		}},
		{"fake", "is_complete", func(s *Supervisor) error {
			_, err := s.IsComplete(ctx, "1+2")
			return err
		}},
		{"goeval", "empty", func(s *Supervisor) error {
			_, err := s.Execute(ctx, kernel.ExecuteRequest{}, out)
			return err
		}},
		{"goeval", "1+2", func(s *Supervisor) error {
			res, err := s.Execute(ctx, kernel.ExecuteRequest{Code: "1+2"}, out)
			if err == nil && res.Error != nil {
				err = res.Error
			}
			return err
		}},
		{"goeval", "is_complete", func(s *Supervisor) error {
			_, err := s.IsComplete(ctx, "1+2")
			return err
		}},
	} {
		b.Run(bm.kind+"/"+bm.name, func(b *testing.B) {
			s := startWorker(b, bm.kind)
			child := s.proc.cmd.Process.Pid
			var parent0, child0 procStat
			first := true
			var took []time.Duration
			for b.Loop() {
				if first {
					parent0, child0, first = readProcStat(os.Getpid()), readProcStat(child), false
				}
				start := time.Now()
				if err := bm.req(s); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			// The mean hides what a request usually costs behind the
			// rare slow ones (a GC, a descheduled vCPU): report the median
			// and the 90th percentile too.
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2]), "p50-ns")
			b.ReportMetric(float64(took[len(took)*9/10]), "p90-ns")
			// Wall time on a shared machine is noisy; CPU time and context
			// switches per request say what the protocol costs.
			parent1, child1 := readProcStat(os.Getpid()), readProcStat(child)
			n := float64(b.N)
			b.ReportMetric(float64(parent1.cpu-parent0.cpu)/n, "parent-cpu-ns/op")
			b.ReportMetric(float64(child1.cpu-child0.cpu)/n, "child-cpu-ns/op")
			b.ReportMetric(float64(parent1.switches-parent0.switches+child1.switches-child0.switches)/n, "ctxsw/op")
		})
	}
}

// procStat is a process's CPU time (all threads) and context switches so far.
type procStat struct {
	cpu      time.Duration
	switches int64
}

func readProcStat(pid int) procStat {
	var st procStat
	// The process's scheduler clock (clock_getcpuclockid): nanoseconds,
	// where /proc/PID/stat counts 10 ms ticks.
	clock := uintptr(^pid<<3 | 2)
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); errno == 0 {
		st.cpu = time.Duration(ts.Nano())
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				var n int64
				fmt.Sscan(strings.TrimSpace(v), &n)
				st.switches += n
			}
		}
	}
	return st
}

// restarted reports whether res says the interpreter process was restarted.
func restarted(res kernel.ExecuteResult) bool {
	return res.Error != nil && res.Error.Name == errRestarted
}
