package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Channel names the socket a message arrived on or a reply goes out on.
// IOPub is not a Channel: it is written through Sender.Publish.
type Channel uint8

// The request channels of the Jupyter protocol.
const (
	Shell Channel = iota
	Control
	Stdin
)

func (c Channel) String() string {
	switch c {
	case Shell:
		return "shell"
	case Control:
		return "control"
	case Stdin:
		return "stdin"
	}
	return fmt.Sprintf("Channel(%d)", uint8(c))
}

// Sender is what a Router writes through. The zmq wiring (Server) encodes,
// signs and sends; a test records. Implementations are safe for concurrent
// use: cells' goroutines publish while the router replies.
type Sender interface {
	// Send sends one message to the peers with the given ROUTER identities.
	Send(ch Channel, ids [][]byte, h Header, parent json.RawMessage, content any) error
	// Publish sends one IOPub message. It never waits on a subscriber.
	Publish(h Header, parent json.RawMessage, content any)
}

// RouterConfig is what a Router needs. Server fills it from Config.
type RouterConfig struct {
	Engine Engine
	Logger *slog.Logger
	// Implementation and ImplementationVersion name the kernel in kernel_info.
	Implementation        string
	ImplementationVersion string
	// LanguageVersion is the Go version whose standard library cells see.
	LanguageVersion string
	Banner          string
	HelpLinks       []struct{ Text, URL string }
	// MaxOutputBytes bounds the stream output published per request; the
	// rest is replaced by a truncation notice. 0 means 32 MiB.
	MaxOutputBytes int
	// OnShutdown is called once, on its own goroutine, after a
	// shutdown_request was answered; the transport stops there. A Server
	// sets its own.
	OnShutdown func()
}

// Router is the kernel's application side: it turns decoded requests into
// engine calls, replies and IOPub messages, and knows nothing of sockets.
// Shell requests are queued and handled one at a time by Run, in order, so
// that an error can abort the execute requests queued behind it; control
// and stdin requests are handled at once, also while a cell runs.
type Router struct {
	cfg     RouterConfig
	log     *slog.Logger
	out     Sender
	engine  Engine
	session string

	streams *streamer
	stdin   *stdinChannel
	queue   chan *Message

	mu          sync.Mutex
	cancelCell  context.CancelFunc
	execCount   int
	history     history
	shutdownReq *shutdownRequest
	shutdownOne sync.Once

	abort *aborting // owned by Run's goroutine
}

// NewRouter returns a Router that writes through out.
func NewRouter(cfg RouterConfig, out Sender) (*Router, error) {
	if cfg.Engine == nil {
		return nil, errors.New("kernel: no engine")
	}
	if out == nil {
		return nil, errors.New("kernel: no sender")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = 32 << 20
	}
	r := &Router{cfg: cfg, log: cfg.Logger, out: out, engine: cfg.Engine, session: newID(), queue: make(chan *Message, 4096)}
	r.streams = &streamer{r: r, maxBytes: cfg.MaxOutputBytes}
	r.stdin = &stdinChannel{r: r}
	return r, nil
}

// Started publishes the "starting" status, once the transport is bound.
func (r *Router) Started() {
	r.publish(nil, "status", statusContent{ExecutionState: "starting"})
}

// Interrupt stops the running cell, if any (SIGINT and interrupt_request).
func (r *Router) Interrupt() {
	r.mu.Lock()
	cancel := r.cancelCell
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// RestartRequested reports whether a shutdown_request asked for a restart.
func (r *Router) RestartRequested() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shutdownReq != nil && r.shutdownReq.Restart
}

// Enqueue queues a shell request for Run; it waits only while the queue is full.
func (r *Router) Enqueue(ctx context.Context, m *Message) {
	select {
	case r.queue <- m:
	case <-ctx.Done():
	}
}

// Run handles queued shell requests in order until ctx is done.
func (r *Router) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-r.queue:
			r.handleShell(ctx, m)
		}
	}
}

// HandleStdin takes an input_reply for the pending input request.
func (r *Router) HandleStdin(m *Message) {
	if m.Header.MsgType != "input_reply" {
		r.log.Warn("unexpected message on stdin", "msg_type", m.Header.MsgType)
		return
	}
	var rep inputReply
	if err := json.Unmarshal(m.Content, &rep); err != nil {
		r.log.Warn("bad input_reply", "err", err)
		return
	}
	if !r.stdin.deliver(rep.Value) {
		r.log.Debug("input_reply with no pending request dropped")
	}
}

// HandleControl answers a control request at once, between busy and idle.
func (r *Router) HandleControl(m *Message) {
	parent := parentOf(m)
	r.busy(parent)
	defer r.idle(parent)
	switch m.Header.MsgType {
	case "kernel_info_request":
		r.reply(Control, m, "kernel_info_reply", r.kernelInfo())
	case "interrupt_request":
		r.Interrupt()
		r.reply(Control, m, "interrupt_reply", statusOnly{Status: "ok"})
	case "shutdown_request":
		r.shutdown(Control, m)
	default:
		r.log.Warn("unknown control message", "msg_type", m.Header.MsgType)
		r.reply(Control, m, replyType(m.Header.MsgType), errorReply{
			Status: "error", EName: "UnknownMessageType", EValue: m.Header.MsgType + " is not supported by gokernel", Traceback: []string{},
		})
	}
}

// parentOf returns the header of m as a parent header.
func parentOf(m *Message) json.RawMessage {
	b, err := json.Marshal(m.Header)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

func (r *Router) header(msgType string) Header {
	return Header{MsgID: newID(), Session: r.session, Username: "kernel", Date: now(), MsgType: msgType, Version: ProtocolVersion}
}

func (r *Router) publish(parent json.RawMessage, msgType string, content any) {
	r.out.Publish(r.header(msgType), parent, content)
}

func (r *Router) send(ch Channel, ids [][]byte, parent json.RawMessage, msgType string, content any) error {
	if err := r.out.Send(ch, ids, r.header(msgType), parent, content); err != nil {
		return fmt.Errorf("sending %s on %s: %w", msgType, ch, err)
	}
	return nil
}

// reply answers request m on ch.
func (r *Router) reply(ch Channel, m *Message, msgType string, content any) {
	if err := r.send(ch, m.Identities, parentOf(m), msgType, content); err != nil {
		r.log.Warn("reply failed", "msg_type", msgType, "err", err)
	}
}

func (r *Router) replyError(m *Message, typ string, err error) {
	r.reply(Shell, m, typ, errorReply{Status: "error", EName: "BadRequest", EValue: err.Error(), Traceback: []string{}})
}

func (r *Router) busy(parent json.RawMessage) {
	r.publish(parent, "status", statusContent{ExecutionState: "busy"})
}

func (r *Router) idle(parent json.RawMessage) {
	r.publish(parent, "status", statusContent{ExecutionState: "idle"})
}

func (r *Router) kernelInfo() kernelInfoReply {
	links := []helpLink{{Text: "Go", URL: "https://go.dev/doc/"}, {Text: "Go standard library", URL: "https://pkg.go.dev/std"}}
	for _, l := range r.cfg.HelpLinks {
		links = append(links, helpLink{Text: l.Text, URL: l.URL})
	}
	return kernelInfoReply{
		Status:                "ok",
		ProtocolVersion:       ProtocolVersion,
		Implementation:        r.cfg.Implementation,
		ImplementationVersion: r.cfg.ImplementationVersion,
		LanguageInfo: languageInfo{
			Name: "go", Version: r.cfg.LanguageVersion, Mimetype: "text/x-go", FileExtension: ".go",
			PygmentsLexer: "go", CodemirrorMode: "go", NBConvertExporter: "script",
		},
		Banner:    r.cfg.Banner,
		HelpLinks: links,
	}
}

// replyType maps foo_request to foo_reply.
func replyType(t string) string {
	const suffix = "_request"
	if len(t) > len(suffix) && t[len(t)-len(suffix):] == suffix {
		return t[:len(t)-len(suffix)] + "_reply"
	}
	return t + "_reply"
}

func (r *Router) shutdown(ch Channel, m *Message) {
	var req shutdownRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		r.log.Warn("bad shutdown_request", "err", err)
	}
	r.Interrupt()
	rep := shutdownReply{Status: "ok", Restart: req.Restart}
	r.reply(ch, m, "shutdown_reply", rep)
	r.publish(parentOf(m), "shutdown_reply", rep)
	r.mu.Lock()
	r.shutdownReq = &req
	r.mu.Unlock()
	if r.cfg.OnShutdown != nil {
		r.shutdownOne.Do(func() { go r.cfg.OnShutdown() })
	}
}

func (r *Router) handleShell(ctx context.Context, m *Message) {
	parent := parentOf(m)
	r.busy(parent)
	if r.shouldAbort(m) {
		r.reply(Shell, m, "execute_reply", executeReply{Status: "aborted", ExecutionCount: r.count(), Payload: []any{}, UserExpressions: map[string]any{}})
		r.idle(parent)
		return
	}
	if errTime := r.dispatchShell(ctx, m, parent); errTime != nil {
		r.abortFrom(*errTime)
	}
	r.idle(parent)
}

// dispatchShell handles one shell request. It returns the time of an error
// reply after which queued execute requests must be aborted, or nil.
func (r *Router) dispatchShell(ctx context.Context, m *Message, parent json.RawMessage) *time.Time {
	switch m.Header.MsgType {
	case "execute_request":
		return r.execute(ctx, m)
	case "kernel_info_request":
		r.reply(Shell, m, "kernel_info_reply", r.kernelInfo())
	case "complete_request":
		r.complete(ctx, m)
	case "inspect_request":
		r.inspect(ctx, m)
	case "is_complete_request":
		r.isComplete(ctx, m)
	case "history_request":
		r.historyReq(m)
	case "comm_info_request":
		var req commInfoRequest
		if err := json.Unmarshal(m.Content, &req); err != nil {
			r.replyError(m, "comm_info_reply", err)
			return nil
		}
		// gokernel registers no comm targets, so no comm is ever open, whatever target_name asks for.
		r.reply(Shell, m, "comm_info_reply", commInfoReply{Status: "ok", Comms: map[string]map[string]any{}})
	case "comm_open":
		var c commOpen
		if err := json.Unmarshal(m.Content, &c); err != nil {
			r.log.Warn("bad comm_open", "err", err)
			return nil
		}
		// No comm targets exist: close it so the front end does not wait.
		r.publish(parent, "comm_close", commClose{CommID: c.CommID, Data: map[string]any{}})
	case "comm_msg", "comm_close":
		// Comms are never opened, so there is nothing to deliver to.
	case "shutdown_request":
		r.shutdown(Shell, m)
	default:
		r.log.Warn("unknown shell message", "msg_type", m.Header.MsgType)
	}
	return nil
}

func (r *Router) execute(ctx context.Context, m *Message) *time.Time {
	parent := parentOf(m)
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		r.reply(Shell, m, "execute_reply", executeReply{Status: "error", ExecutionCount: r.count(),
			EName: "BadRequest", EValue: "execute_request content: " + err.Error(), Traceback: []string{}, Payload: []any{}, UserExpressions: map[string]any{}})
		return nil
	}
	storeHistory := !req.Silent
	if req.StoreHistory != nil {
		storeHistory = *req.StoreHistory && !req.Silent
	}
	allowStdin := req.AllowStdin == nil || *req.AllowStdin
	stopOnError := req.StopOnError == nil || *req.StopOnError

	r.mu.Lock()
	if storeHistory {
		// The history's line numbers are the execution counts: both
		// advance together, here only.
		r.execCount++
		r.history.add(req.Code)
	}
	count := r.execCount
	cellCtx, cancel := context.WithCancel(ctx)
	r.cancelCell = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.cancelCell = nil
		r.mu.Unlock()
		cancel()
	}()

	out := &requestOutput{r: r, parent: parent, identities: m.Identities, allowStdin: allowStdin}
	r.streams.start(out)
	if !req.Silent {
		r.publish(parent, "execute_input", executeInput{Code: req.Code, ExecutionCount: count})
	}
	res, err := r.engine.Execute(cellCtx, ExecuteRequest{
		Code: req.Code, Silent: req.Silent, StoreHistory: storeHistory, AllowStdin: allowStdin,
		UserExpressions: req.UserExpressions, ExecutionCount: count,
	}, out)
	if err != nil {
		res.Error = NewEvalError("KernelError", err.Error(), "gokernel: "+err.Error())
	}
	r.streams.finish()
	reply := executeReply{Status: "ok", ExecutionCount: count, UserExpressions: userExpressionsContent(res.UserExpressions), Payload: []any{}}
	if res.Page != nil {
		reply.Payload = append(reply.Payload, pagePayload{Source: "page", Data: res.Page.Data, Start: res.Page.Start})
	}
	if res.Error != nil {
		tb := res.Error.Traceback
		if tb == nil {
			tb = []string{res.Error.Name + ": " + res.Error.Value}
		}
		r.publish(parent, "error", errorContent{EName: res.Error.Name, EValue: res.Error.Value, Traceback: tb})
		reply.Status, reply.EName, reply.EValue, reply.Traceback = "error", res.Error.Name, res.Error.Value, tb
	} else if res.Value != nil && !req.Silent {
		md := res.Metadata
		if md == nil {
			md = map[string]any{}
		}
		r.publish(parent, "execute_result", executeResultContent{ExecutionCount: count, Data: res.Value, Metadata: md})
	}
	errTime := time.Now()
	r.reply(Shell, m, "execute_reply", reply)
	if res.Error != nil && stopOnError {
		return &errTime
	}
	return nil
}

// abortGrace is how long after an error a request dated before it is
// still taken for one the client sent without having seen the error.
const abortGrace = 2 * time.Second

// aborting is the state after a failed cell with stop_on_error: the
// execute requests sent before the error are answered "aborted", as
// ipykernel does, so Run All stops at the failing cell. A request counts as
// sent before the error when it was already queued, or when it arrives
// within abortGrace with a header date earlier than the error reply (the
// client could not have seen the error yet). The first execute request sent
// after the error ends the aborting; other requests are handled in order
// meanwhile. Only Run's goroutine touches it.
type aborting struct {
	queued  int // requests that were queued at the error, still to come
	errTime time.Time
}

func (r *Router) abortFrom(errTime time.Time) {
	r.abort = &aborting{queued: len(r.queue), errTime: errTime}
}

// shouldAbort reports whether m is to be answered "aborted".
func (r *Router) shouldAbort(m *Message) bool {
	a := r.abort
	if a == nil {
		return false
	}
	queued := a.queued > 0
	a.queued--
	if m.Header.MsgType != "execute_request" {
		return false
	}
	if queued || (time.Since(a.errTime) < abortGrace && !sentAfter(m.Header.Date, a.errTime)) {
		return true
	}
	r.abort = nil
	return false
}

// sentAfter reports whether a header date is later than t. An unreadable
// date counts as later: aborting a request the user sent on purpose is
// worse than running one.
func sentAfter(date string, t time.Time) bool {
	d, err := time.Parse(time.RFC3339Nano, date)
	if err != nil {
		return true
	}
	return d.After(t)
}

func (r *Router) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.execCount
}

func (r *Router) complete(ctx context.Context, m *Message) {
	var req completeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		r.replyError(m, "complete_reply", err)
		return
	}
	res, err := r.engine.Complete(ctx, req.Code, req.CursorPos)
	if err != nil {
		r.replyError(m, "complete_reply", err)
		return
	}
	if res.Matches == nil {
		res.Matches = []string{}
	}
	if res.Metadata == nil {
		res.Metadata = map[string]any{}
	}
	r.reply(Shell, m, "complete_reply", completeReply{Status: "ok", Matches: res.Matches, CursorStart: res.CursorStart, CursorEnd: res.CursorEnd, Metadata: res.Metadata})
}

func (r *Router) inspect(ctx context.Context, m *Message) {
	var req inspectRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		r.replyError(m, "inspect_reply", err)
		return
	}
	res, err := r.engine.Inspect(ctx, req.Code, req.CursorPos, req.DetailLevel)
	if err != nil {
		r.replyError(m, "inspect_reply", err)
		return
	}
	if res.Data == nil {
		res.Data = MIMEBundle{}
	}
	r.reply(Shell, m, "inspect_reply", inspectReply{Status: "ok", Found: res.Found, Data: res.Data, Metadata: map[string]any{}})
}

func (r *Router) isComplete(ctx context.Context, m *Message) {
	var req isCompleteRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		r.replyError(m, "is_complete_reply", err)
		return
	}
	res, err := r.engine.IsComplete(ctx, req.Code)
	if err != nil {
		r.reply(Shell, m, "is_complete_reply", isCompleteReply{Status: "unknown"})
		return
	}
	rep := isCompleteReply{Status: res.Status}
	if res.Status == "incomplete" {
		rep.Indent = res.Indent
	}
	r.reply(Shell, m, "is_complete_reply", rep)
}

func (r *Router) historyReq(m *Message) {
	var req historyRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		r.replyError(m, "history_reply", err)
		return
	}
	r.mu.Lock()
	sel, err := r.history.query(req)
	r.mu.Unlock()
	if err != nil {
		r.replyError(m, "history_reply", err)
		return
	}
	out := make([]any, 0, len(sel))
	for _, h := range sel {
		if req.Output {
			out = append(out, []any{1, h.Line, []any{h.Source, nil}})
		} else {
			out = append(out, []any{1, h.Line, h.Source})
		}
	}
	r.reply(Shell, m, "history_reply", historyReply{Status: "ok", History: out})
}
