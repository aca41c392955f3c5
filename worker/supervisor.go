package worker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gokernel/gokernel/kernel"
)

// Options configure a Supervisor.
type Options struct {
	// Command is the child's argv (e.g. [gokernel-binary, "worker"]).
	Command []string
	// Env is the child's environment; nil means the parent's.
	Env    []string
	Logger *slog.Logger
	// StopTimeout is how long an interrupted cell may take to stop before
	// the child is killed and restarted.
	StopTimeout time.Duration
}

// Supervisor is a kernel.Engine that forwards every request to a child
// process and restarts the child when it dies.
type Supervisor struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	proc   *process
	out    kernel.Output // where output goes, kept after a cell ends for late goroutines
	nextID uint64
	closed bool
}

// NewSupervisor returns a supervisor; the child starts with the first request
// or with Start.
func NewSupervisor(opts Options) *Supervisor {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 3 * time.Second
	}
	return &Supervisor{opts: opts, log: opts.Logger}
}

// process is one running child.
type process struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	wmu     sync.Mutex
	pending map[uint64]chan envelope
	inputs  map[uint64]context.CancelFunc
	mu      sync.Mutex
	dead    chan struct{}
	exitErr error
	ready   chan struct{}
	sync    [2]uint64
	syncC   *sync.Cond
	tail    *tailBuffer
}

// Start launches the child now, so the first cell does not pay for it.
func (s *Supervisor) Start() error {
	_, err := s.process()
	return err
}

func (s *Supervisor) process() (*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("engine is closed")
	}
	if s.proc != nil {
		select {
		case <-s.proc.dead:
		default:
			return s.proc, nil
		}
	}
	p, err := s.spawn()
	if err != nil {
		return nil, err
	}
	s.proc = p
	return p, nil
}

func (s *Supervisor) spawn() (*process, error) {
	if len(s.opts.Command) == 0 {
		return nil, errors.New("worker: no command")
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("worker pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("worker pipe: %w", err)
	}
	cmd := exec.Command(s.opts.Command[0], s.opts.Command[1:]...)
	cmd.Env = s.opts.Env
	// fd 5 is the kernel's own stderr (the Jupyter server's log), so the
	// child's logs never mix with the cell output on its stdout/stderr.
	cmd.ExtraFiles = []*os.File{inR, outW, os.Stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("worker stdout: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("worker stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Go interpreter process: %w", err)
	}
	inR.Close()
	outW.Close()
	p := &process{cmd: cmd, in: inW, pending: map[uint64]chan envelope{}, inputs: map[uint64]context.CancelFunc{},
		dead: make(chan struct{}), ready: make(chan struct{}), tail: &tailBuffer{max: 4096}}
	p.syncC = sync.NewCond(&p.mu)
	var streams sync.WaitGroup
	streams.Add(2)
	go func() { defer streams.Done(); s.readStream(p, 0, "stdout", stdout) }()
	go func() { defer streams.Done(); s.readStream(p, 1, "stderr", stderr) }()
	go s.readEvents(p, outR, &streams)
	return p, nil
}

// readStream forwards a child output pipe to the current Output, cutting at
// sync markers and never splitting a UTF-8 sequence.
func (s *Supervisor) readStream(p *process, idx int, name string, r io.Reader) {
	buf := make([]byte, 64<<10)
	var pending []byte
	emit := func(b []byte) {
		if len(b) == 0 {
			return
		}
		if idx == 1 {
			p.tail.Write(b)
		}
		if out := s.output(); out != nil {
			out.Stream(name, string(b))
		}
	}
	for {
		n, err := r.Read(buf)
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.Index(pending, []byte(markerPrefix))
			if i < 0 {
				break
			}
			end := bytes.IndexByte(pending[i+len(markerPrefix):], 0)
			if end < 0 {
				break
			}
			emit(pending[:i])
			var seq uint64
			fmt.Sscanf(string(pending[i+len(markerPrefix):i+len(markerPrefix)+end]), "%d", &seq)
			pending = pending[i+len(markerPrefix)+end+1:]
			p.mu.Lock()
			p.sync[idx] = seq
			p.syncC.Broadcast()
			p.mu.Unlock()
		}
		// Keep back a possible partial marker and an incomplete rune.
		keep := 0
		if i := bytes.Index(pending, []byte(markerPrefix)); i >= 0 {
			keep = len(pending) - i
		} else {
			for k := min(len(markerPrefix)-1, len(pending)); k > 0; k-- {
				if bytes.HasSuffix(pending, []byte(markerPrefix[:k])) {
					keep = k
					break
				}
			}
			if keep == 0 {
				keep = incompleteRune(pending)
			}
		}
		if err != nil {
			emit(pending)
			p.mu.Lock()
			p.sync[idx] = ^uint64(0)
			p.syncC.Broadcast()
			p.mu.Unlock()
			return
		}
		emit(pending[:len(pending)-keep])
		pending = append(pending[:0], pending[len(pending)-keep:]...)
	}
}

// incompleteRune returns how many trailing bytes of b start a UTF-8
// sequence that is not complete yet.
func incompleteRune(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return i
			}
			return 0
		}
	}
	return 0
}

// waitSync blocks until both output pipes reached marker n, so an event is
// delivered after the text written before it. A bounded wait keeps a cell
// that closed its own stdout from wedging the kernel.
func (p *process) waitSync(n uint64) {
	if n == 0 {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	timer := time.AfterFunc(2*time.Second, func() {
		p.mu.Lock()
		p.syncC.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for (p.sync[0] < n || p.sync[1] < n) && time.Now().Before(deadline) {
		p.syncC.Wait()
	}
}

func (s *Supervisor) output() kernel.Output {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out
}

func (s *Supervisor) readEvents(p *process, r io.ReadCloser, streams *sync.WaitGroup) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 512<<20)
	for sc.Scan() {
		e, err := decodeEnvelope(sc.Bytes())
		if err != nil {
			s.log.Warn("bad message from the interpreter process", "err", err)
			continue
		}
		switch e.Op {
		case opReady:
			close(p.ready)
		case opResult:
			p.waitSync(e.Sync)
			p.mu.Lock()
			ch := p.pending[e.ID]
			delete(p.pending, e.ID)
			p.mu.Unlock()
			if ch != nil {
				ch <- e
			}
		case opDisplay:
			p.waitSync(e.Sync)
			if out := s.output(); out != nil && e.Display != nil {
				out.Display(*e.Display)
			}
		case opClear:
			p.waitSync(e.Sync)
			if out := s.output(); out != nil {
				out.ClearOutput(e.Wait)
			}
		case opInput:
			p.waitSync(e.Sync)
			s.startInput(p, e)
		case opInputCancel:
			p.mu.Lock()
			if cancel := p.inputs[e.ID]; cancel != nil {
				cancel()
			}
			p.mu.Unlock()
		default:
			s.log.Warn("unknown message from the interpreter process", "op", e.Op)
		}
	}
	r.Close()
	streams.Wait()
	p.exitErr = p.cmd.Wait()
	p.mu.Lock()
	close(p.dead)
	for id, ch := range p.pending {
		close(ch)
		delete(p.pending, id)
	}
	p.mu.Unlock()
	s.log.Info("interpreter process exited", "err", p.exitErr)
}

// startInput asks the front end for input on behalf of the child, without
// blocking the event reader.
func (s *Supervisor) startInput(p *process, e envelope) {
	out := s.output()
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.inputs[e.ID] = cancel
	p.mu.Unlock()
	go func() {
		defer func() {
			p.mu.Lock()
			delete(p.inputs, e.ID)
			p.mu.Unlock()
			cancel()
		}()
		reply := envelope{Op: opInputReply, ID: e.ID}
		if out == nil {
			reply.Error = "no front end to ask for input"
		} else if v, err := out.Input(ctx, e.Prompt, e.Password); err != nil {
			reply.Error = err.Error()
		} else {
			reply.Value = v
		}
		_ = p.write(reply)
	}()
}

func (p *process) write(e envelope) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("worker: encoding %s: %w", e.Op, err)
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("worker: sending %s: %w", e.Op, err)
	}
	return nil
}

// errCrashed is returned inside call when the child died mid-request.
var errCrashed = errors.New("the Go interpreter process died")

// call sends a request and waits for its reply. When ctx ends first, the
// child is asked to cancel; if it does not answer in time it is killed.
func (s *Supervisor) call(ctx context.Context, e envelope) (envelope, error) {
	p, err := s.process()
	if err != nil {
		return envelope{}, err
	}
	select {
	case <-p.ready:
	case <-p.dead:
		return envelope{}, s.crashError(p)
	case <-ctx.Done():
		return envelope{}, ctx.Err()
	}
	s.mu.Lock()
	s.nextID++
	e.ID = s.nextID
	s.mu.Unlock()
	ch := make(chan envelope, 1)
	p.mu.Lock()
	p.pending[e.ID] = ch
	p.mu.Unlock()
	if err := p.write(e); err != nil {
		return envelope{}, s.crashError(p)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return envelope{}, s.crashError(p)
		}
		return r, nil
	case <-ctx.Done():
	}
	_ = p.write(envelope{Op: opCancel, ID: e.ID})
	select {
	case r, ok := <-ch:
		if !ok {
			return envelope{}, s.crashError(p)
		}
		return r, nil
	case <-time.After(s.opts.StopTimeout):
		s.log.Warn("interpreter did not stop after an interrupt; killing it", "timeout", s.opts.StopTimeout)
		_ = p.cmd.Process.Kill()
		<-p.dead
		return envelope{}, fmt.Errorf("%w: it did not stop within %s of the interrupt and was killed", errCrashed, s.opts.StopTimeout)
	}
}

func (s *Supervisor) crashError(p *process) error {
	<-p.dead
	reason := "exited"
	if p.exitErr != nil {
		reason = p.exitErr.Error()
	}
	last := p.tail.reason()
	if last == "" {
		last = lastLine(p.tail.String())
	}
	if last != "" {
		reason += ": " + last
	}
	if strings.Contains(last, "out of memory") || strings.Contains(last, "cannot allocate memory") {
		reason += "; the interpreter ran out of memory (its limit is GOKERNEL_MEMORY_LIMIT, default three quarters of the machine's memory)"
	}
	return fmt.Errorf("%w (%s)", errCrashed, reason)
}

// lastLine returns the most telling line of the child's last stderr output:
// the Go runtime's "fatal error:" or "panic:" line when there is one.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") {
			return l
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return ""
}

func restartedResult(err error) kernel.ExecuteResult {
	msg := err.Error() + ". Its state (variables, functions, imports) is lost; a new interpreter has been started and the next cell runs in it."
	return kernel.ExecuteResult{Restarted: true, Error: &kernel.EvalError{Name: "InterpreterRestarted", Value: msg, Traceback: []string{"InterpreterRestarted: " + msg}}}
}

// Execute implements kernel.Engine.
func (s *Supervisor) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	s.mu.Lock()
	s.out = out
	s.mu.Unlock()
	r, err := s.call(ctx, envelope{Op: opExecute, Execute: &req})
	if errors.Is(err, errCrashed) {
		// Start the next interpreter now so the next cell does not wait.
		go func() { _ = s.Start() }()
		return restartedResult(err), nil
	}
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	if r.Error != "" {
		return kernel.ExecuteResult{}, errors.New(r.Error)
	}
	if r.Result == nil {
		return kernel.ExecuteResult{}, errors.New("worker: execute reply without a result")
	}
	return *r.Result, nil
}

// Complete implements kernel.Engine.
func (s *Supervisor) Complete(ctx context.Context, code string, cursor int) (kernel.CompleteResult, error) {
	r, err := s.call(ctx, envelope{Op: opComplete, Code: code, Cursor: cursor})
	if err != nil {
		return kernel.CompleteResult{}, err
	}
	if r.Error != "" || r.Complete == nil {
		return kernel.CompleteResult{}, fmt.Errorf("complete: %s", r.Error)
	}
	return *r.Complete, nil
}

// Inspect implements kernel.Engine.
func (s *Supervisor) Inspect(ctx context.Context, code string, cursor, detail int) (kernel.InspectResult, error) {
	r, err := s.call(ctx, envelope{Op: opInspect, Code: code, Cursor: cursor, Detail: detail})
	if err != nil {
		return kernel.InspectResult{}, err
	}
	if r.Error != "" || r.Inspect == nil {
		return kernel.InspectResult{}, fmt.Errorf("inspect: %s", r.Error)
	}
	return *r.Inspect, nil
}

// IsComplete implements kernel.Engine.
func (s *Supervisor) IsComplete(ctx context.Context, code string) (kernel.IsCompleteResult, error) {
	r, err := s.call(ctx, envelope{Op: opIsComplete, Code: code})
	if err != nil {
		return kernel.IsCompleteResult{}, err
	}
	if r.Error != "" || r.IsComplete == nil {
		return kernel.IsCompleteResult{}, fmt.Errorf("is_complete: %s", r.Error)
	}
	return *r.IsComplete, nil
}

// Close stops the child: a polite shutdown first, then a kill.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	s.closed = true
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	_ = p.write(envelope{Op: opShutdown})
	_ = p.in.Close()
	select {
	case <-p.dead:
	case <-time.After(2 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.dead
	}
	return nil
}

// tailBuffer keeps the last max bytes written, for crash reasons, and the
// last line that says why the Go runtime gave up ("fatal error: ...",
// "panic: ..."), which the goroutine dump after it can push out of the tail.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	b     []byte
	fatal string
}

func (t *tailBuffer) Write(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	start := max(0, len(t.b)-64) // a reason line may straddle two writes
	t.b = append(t.b, p...)
	for _, marker := range []string{"fatal error:", "panic:"} {
		if i := bytes.LastIndex(t.b[start:], []byte(marker)); i >= 0 {
			line := t.b[start+i:]
			if j := bytes.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			t.fatal = strings.TrimSpace(string(line))
			break
		}
	}
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
}

// reason returns the runtime's reason line, if one was seen.
func (t *tailBuffer) reason() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fatal
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
