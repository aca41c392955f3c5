package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gokernel/gokernel/internal/rawio"
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
	// RestoreOf reads what a new child replays of a successful cell when
	// the child died (restore.go); nil: nothing is replayed.
	RestoreOf func(code string) Restore
}

// Supervisor is a kernel.Engine that forwards every request to a child
// process and restarts the child when it dies.
type Supervisor struct {
	opts Options
	log  *slog.Logger

	// out is where output goes: the latest cell's, kept after it ends for
	// the goroutines it left running.
	out kernel.CurrentOutput

	mu     sync.Mutex
	proc   *process
	nextID uint64
	closed bool
	// journal holds the successful cells' declarations, for a replay.
	journal []journalEntry
	// pendingReplay is the crash of a request other than a cell's, whose
	// replay the next cell runs first.
	pendingReplay error
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
//
// The child sends on two pipes: replies, with the events of a request while
// it is served, and events sent between requests (by goroutines that
// outlive their cell). The replies pipe has no goroutine of its own: the
// caller waiting for a reply reads it and delivers the events it meets, as
// handing each reply from a reader goroutine to the caller cost a wake-up of
// another thread. The read parks in the runtime's poller rather than in
// read(2): the kernel runs on one P (main.go), and a thread blocked in a
// system call keeps that P until sysmon takes it back, delaying the IOPub
// writes queued just before the request and keeping sysmon polling every
// 20 µs.
type process struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	wmu     sync.Mutex // one message at a time on in
	wbuf    []byte     // the frame being written, reused
	replies *frameReader
	// readToken holds one token, taken by the caller that reads replies.
	readToken chan struct{}
	gate      markGate // how far displays were delivered (marks.go)
	pending   map[uint64]chan envelope
	inputs    map[uint64]context.CancelFunc
	mu        sync.Mutex
	dead      chan struct{}
	exitErr   error
	killed    string // why the supervisor killed the child (under mu)
	ready     chan struct{}
	streams   [2]*stream // the child's stdout and stderr
	tail      *tailBuffer
}

// kill ends the child, giving the reason its crash is reported with.
func (p *process) kill(reason string) {
	p.mu.Lock()
	if p.killed == "" {
		p.killed = reason
	}
	p.mu.Unlock()
	_ = p.cmd.Process.Kill()
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

// Pipes between the parent and the child, indexes into spawn's arrays.
const (
	pipeRequests = iota // fd 3 in the child
	pipeReplies         // fd 4
	pipeEvents          // fd 6 (fd 5 is the log)
	pipeStdout
	pipeStderr
	numPipes
)

func (s *Supervisor) spawn() (p *process, err error) {
	if len(s.opts.Command) == 0 {
		return nil, errors.New("worker: no command")
	}
	// The parent keeps one end of each pipe; the child's ends are closed
	// here once it has them.
	var parentEnds, childEnds [numPipes]*os.File
	defer func() {
		for i := range childEnds {
			if childEnds[i] != nil {
				childEnds[i].Close()
			}
			if err != nil && parentEnds[i] != nil {
				parentEnds[i].Close()
			}
		}
	}()
	for i := range childEnds {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("worker pipe: %w", err)
		}
		if i == pipeRequests { // the child reads
			parentEnds[i], childEnds[i] = w, r
		} else {
			parentEnds[i], childEnds[i] = r, w
		}
	}
	cmd := exec.Command(s.opts.Command[0], s.opts.Command[1:]...)
	cmd.Env = s.opts.Env
	cmd.Stdout, cmd.Stderr = childEnds[pipeStdout], childEnds[pipeStderr]
	// fd 5 is the kernel's own stderr (the Jupyter server's log), so the
	// child's logs never mix with the cell output on its stdout/stderr.
	cmd.ExtraFiles = []*os.File{childEnds[pipeRequests], childEnds[pipeReplies], os.Stderr, childEnds[pipeEvents]}
	// The kernel's own reads and writes of the pipes are raw calls (see
	// package rawio: ordinary ones keep sysmon awake).
	in, err := rawio.NewFile(parentEnds[pipeRequests])
	if err != nil {
		return nil, fmt.Errorf("worker requests pipe: %w", err)
	}
	replies, err := rawio.NewFile(parentEnds[pipeReplies])
	if err != nil {
		return nil, fmt.Errorf("worker replies pipe: %w", err)
	}
	p = &process{cmd: cmd, in: in, replies: newFrameReader(replies),
		readToken: make(chan struct{}, 1), pending: map[uint64]chan envelope{}, inputs: map[uint64]context.CancelFunc{},
		dead: make(chan struct{}), ready: make(chan struct{}), tail: &tailBuffer{max: 4096}}
	p.readToken <- struct{}{}
	for i, name := range []string{"stdout", "stderr"} {
		if p.streams[i], err = newStream(s, name, parentEnds[pipeStdout+i]); err != nil {
			return nil, err
		}
	}
	p.streams[1].tail = p.tail
	for _, st := range p.streams {
		st.gate = &p.gate
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Go interpreter process: %w", err)
	}
	var streams sync.WaitGroup
	for _, st := range p.streams {
		streams.Add(1)
		go func() { defer streams.Done(); st.read() }()
	}
	go s.readEvents(p, parentEnds[pipeEvents], parentEnds[pipeReplies], &streams)
	return p, nil
}

// stream is one of the child's output pipes. It is read by its own
// goroutine whenever the pipe has data, and drained by whoever delivers an
// event or a reply (the events reader, or the caller reading replies) just
// before. The child writes its text before the event that follows it, so
// once the event has arrived that text is in the pipe or already read;
// draining delivers it first, and text and rich output keep the order in
// which the cell produced them. This costs two non-blocking reads per
// event, where writing and reading sync markers on both pipes cost four
// system calls and two goroutine wake-ups per request.
type stream struct {
	s    *Supervisor
	name string
	f    *os.File
	fd   int         // f's descriptor, read directly (non-blocking) by drain
	tail *tailBuffer // stderr: kept for crash reasons

	// mu is held across a read and the delivery of what it read, so that
	// whoever holds it knows every byte read so far has been delivered
	// (or is waiting in after for its event).
	mu   sync.Mutex
	buf  []byte
	held []byte // the start of a UTF-8 sequence or mark whose end is still in the pipe
	eof  bool
	// gate, marks and after order text around displays (marks.go): marks
	// is how many marks this stream has read, after the text read past a
	// mark whose event is not delivered yet.
	gate  *markGate
	marks uint64
	after []byte
}

func newStream(s *Supervisor, name string, f *os.File) (*stream, error) {
	st := &stream{s: s, name: name, f: f, buf: make([]byte, 64<<10)}
	// Not f.Fd(): it would switch the pipe to blocking mode.
	rc, err := f.SyscallConn()
	if err == nil {
		var nbErr error
		err = rc.Control(func(fd uintptr) {
			st.fd = int(fd)
			// os.Pipe made it non-blocking already, unless the poller
			// refused it; drain must never block.
			nbErr = syscall.SetNonblock(st.fd, true)
		})
		err = errors.Join(err, nbErr)
	}
	if err != nil {
		return nil, fmt.Errorf("worker %s pipe: %w", name, err)
	}
	return st, nil
}

// read forwards the pipe to the current Output until EOF, waiting for data
// in the runtime's poller, and closes it.
func (st *stream) read() {
	rc, err := st.f.SyscallConn()
	if err == nil {
		// The function returns false to wait until the pipe is readable.
		err = rc.Read(func(uintptr) bool { return st.drain(false) })
	}
	if err != nil {
		st.s.log.Warn("reading the interpreter's "+st.name, "err", err)
	}
	// No drain may read the descriptor once it is closed (and maybe reused).
	st.mu.Lock()
	st.eof = true
	st.mu.Unlock()
	st.f.Close()
}

// drain reads and delivers what the pipe holds, until it is empty or, with
// once, after the first read that did not fill the buffer (the pipe was empty
// then: enough for an event, and bounded even if a goroutine of the cell
// keeps writing). It reports whether the pipe reached EOF.
func (st *stream) drain(once bool) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for !st.eof {
		n, err := rawio.TryRead(st.fd, st.buf)
		if err == syscall.EAGAIN {
			return false
		}
		if n <= 0 || err != nil {
			// EOF (or a broken pipe): no event will come to release
			// what waits; deliver it all, marks dropped.
			st.eof = true
			rest := append(st.after, st.held...)
			st.emit(bytes.ReplaceAll(rest, syncMark, nil))
			st.after, st.held = nil, nil
			return true
		}
		b := st.buf[:n]
		if len(st.held) > 0 {
			b = append(st.held, b...)
		}
		st.take(b)
		if once && n < len(st.buf) {
			return false
		}
	}
	return true
}

// take delivers b up to the first mark whose event is not delivered yet and
// keeps the rest in after. The end of b is held back when it may be the start
// of a mark or of a UTF-8 sequence: a message must not split a character.
// Called with mu held; b may share memory with held.
func (st *stream) take(b []byte) {
	for {
		if len(st.after) > 0 || st.marks > st.gate.delivered.Load() {
			st.after = append(st.after, b...)
			st.held = st.held[:0]
			return
		}
		i := bytes.Index(b, syncMark)
		if i < 0 {
			break
		}
		st.emit(b[:i])
		st.marks++
		b = b[i+len(syncMark):]
	}
	keep := partialMark(b)
	if keep == 0 {
		keep = incompleteRune(b)
	}
	st.emit(b[:len(b)-keep])
	st.held = append(st.held[:0], b[len(b)-keep:]...)
}

// release delivers the text that waited for events now delivered.
func (st *stream) release() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.eof || len(st.after) == 0 {
		return
	}
	b := append(st.after, st.held...)
	st.after, st.held = nil, nil
	st.take(b)
}

func (st *stream) emit(b []byte) {
	if len(b) == 0 {
		return
	}
	if st.tail != nil {
		st.tail.Write(b)
	}
	if out := st.s.out.Get(); out != nil {
		out.Stream(st.name, string(b))
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

// textFirst delivers the text the child wrote to its stdout and stderr
// before the event just read, so that the event comes after it.
func (p *process) textFirst() {
	for _, st := range p.streams {
		st.drain(true)
	}
}

// textAfter delivers the text written after the event with mark k, up to
// the next mark, now that the event is delivered.
func (p *process) textAfter(k uint64) {
	if k == 0 {
		return
	}
	p.gate.advance(k)
	for _, st := range p.streams {
		st.release()
	}
}

// readEvents delivers the events the child sends between requests, and
// marks the process dead once it has exited.
func (s *Supervisor) readEvents(p *process, events, replies *os.File, streams *sync.WaitGroup) {
	fr := newFrameReader(events)
	for {
		e, err := fr.next()
		if pipeClosed(err) {
			break
		}
		if err != nil {
			s.brokenProtocol(p, err)
			_, _ = io.Copy(io.Discard, events)
			break
		}
		s.deliver(p, e)
	}
	events.Close()
	streams.Wait()
	p.exitErr = p.cmd.Wait()
	// A caller still reading replies has seen EOF: the child is gone.
	replies.Close()
	p.mu.Lock()
	close(p.dead)
	for id, ch := range p.pending {
		close(ch)
		delete(p.pending, id)
	}
	p.mu.Unlock()
	s.log.Info("interpreter process exited", "err", p.exitErr)
}

// brokenProtocol restarts the interpreter after a message that is no frame:
// frames cannot be resynchronized (something in the child wrote to one of
// its control pipes).
func (s *Supervisor) brokenProtocol(p *process, err error) {
	s.log.Error("bad message from the interpreter process; killing it", "err", err)
	p.kill("killed: it broke the protocol with the kernel (did the cell write to file descriptor 3, 4 or 6?)")
}

// deliver passes on a message from the child, on either pipe.
func (s *Supervisor) deliver(p *process, e envelope) {
	switch e.Op {
	case opReady:
		close(p.ready)
	case opResult: // a reply read by a caller waiting for another one
		p.textFirst()
		p.mu.Lock()
		ch := p.pending[e.ID]
		delete(p.pending, e.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- e
		}
	case opDisplay:
		p.textFirst()
		if out := s.out.Get(); out != nil && e.Display != nil {
			out.Display(*e.Display)
		}
		p.textAfter(e.Mark)
	case opClear:
		p.textFirst()
		if out := s.out.Get(); out != nil {
			out.ClearOutput(e.Wait)
		}
		p.textAfter(e.Mark)
	case opInput:
		p.textFirst()
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

// startInput asks the front end for input on behalf of the child, without
// blocking the event reader.
func (s *Supervisor) startInput(p *process, e envelope) {
	out := s.out.Get()
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
			reply.NoStdin = errors.Is(err, kernel.ErrStdinNotAllowed)
		} else {
			reply.Value = v
		}
		_ = p.write(reply)
	}()
}

func (p *process) write(e envelope) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	b, err := appendFrame(p.wbuf[:0], e)
	if err != nil {
		return err
	}
	if cap(b) <= 64<<10 {
		p.wbuf = b // reused; a large cell's buffer is not kept
	}
	if _, err := p.in.Write(b); err != nil {
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
	// The wait below is in read(2), which no context ends: an interrupt
	// is sent from a goroutine of its own.
	var (
		mu       sync.Mutex
		answered bool
		killer   *time.Timer
	)
	stopInterrupt := context.AfterFunc(ctx, func() {
		_ = p.write(envelope{Op: opCancel, ID: e.ID})
		mu.Lock()
		defer mu.Unlock()
		if !answered {
			killer = time.AfterFunc(s.opts.StopTimeout, func() {
				s.log.Warn("interpreter did not stop after an interrupt; killing it", "timeout", s.opts.StopTimeout)
				p.kill(fmt.Sprintf("it did not stop within %s of the interrupt and was killed", s.opts.StopTimeout))
			})
		}
	})
	r, ok := s.await(p, e.ID, ch)
	stopInterrupt()
	mu.Lock()
	answered = true
	if killer != nil {
		killer.Stop()
	}
	mu.Unlock()
	if !ok {
		return envelope{}, s.crashError(p)
	}
	return r, nil
}

// await returns the reply to request id, reading the replies pipe while it
// holds the read token; a reply to another request goes to its caller on
// that caller's channel. ok is false when the child died first.
func (s *Supervisor) await(p *process, id uint64, ch chan envelope) (r envelope, ok bool) {
	select {
	case r, ok := <-ch:
		return r, ok
	case <-p.readToken:
	}
	defer func() { p.readToken <- struct{}{} }()
	for {
		select {
		case r, ok := <-ch: // read by the token's previous holder
			return r, ok
		default:
		}
		e, err := p.replies.next()
		if err != nil {
			if !pipeClosed(err) {
				s.brokenProtocol(p, err)
			}
			return envelope{}, false
		}
		if e.Op == opResult && e.ID == id {
			p.textFirst()
			p.mu.Lock()
			delete(p.pending, id)
			p.mu.Unlock()
			return e, true
		}
		s.deliver(p, e)
	}
}

func (s *Supervisor) crashError(p *process) error {
	<-p.dead
	p.mu.Lock()
	killed := p.killed
	p.mu.Unlock()
	if killed != "" {
		return fmt.Errorf("%w (%s)", errCrashed, killed)
	}
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

// errRestarted names the error of a cell during which the interpreter
// process ended: its state is lost and a new process serves the next cell.
const errRestarted = "InterpreterRestarted"

func restartedResult(err error) kernel.ExecuteResult {
	msg := err.Error() + ". Its state (variables, functions, imports) is lost; a new interpreter has been started and the next cell runs in it."
	return kernel.ExecuteResult{Error: kernel.NewEvalError(errRestarted, msg)}
}

// Execute implements kernel.Engine.
func (s *Supervisor) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	s.out.Set(out)
	if crash := s.takePendingReplay(); crash != nil {
		// The child died answering another request: its declarations
		// are replayed before this cell runs, and the cell says so.
		rep := s.restarted(crash, out)
		out.Stream("stderr", "[gokernel] "+rep.Error.Value+"\n")
	}
	r, err := s.call(ctx, envelope{Op: opExecute, Execute: &req})
	if errors.Is(err, errCrashed) {
		return s.restarted(err, out), nil
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
	if r.Result.Error == nil {
		s.record(req)
	}
	return *r.Result, nil
}

// Complete implements kernel.Engine.
func (s *Supervisor) Complete(ctx context.Context, code string, cursor int) (kernel.CompleteResult, error) {
	r, err := s.call(ctx, envelope{Op: opComplete, Code: code, Cursor: cursor})
	s.noteCrash(err)
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
	s.noteCrash(err)
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
	s.noteCrash(err)
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
