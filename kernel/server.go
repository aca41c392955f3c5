package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Config is what a Server needs to start.
type Config struct {
	Conn   ConnectionInfo
	Engine Engine
	Logger *slog.Logger
	// Implementation and ImplementationVersion name the kernel in kernel_info.
	Implementation        string
	ImplementationVersion string
	// LanguageVersion is the Go version whose standard library cells see.
	LanguageVersion string
	Banner          string
	HelpLinks       []struct{ Text, URL string }
	// SendTimeout bounds every socket send (zmq4's default is 5 minutes).
	SendTimeout time.Duration
	// IOPubHWM bounds the messages queued for IOPub subscribers; beyond it
	// messages are dropped rather than held. 0 means 1024.
	IOPubHWM int
	// MaxOutputBytes bounds the stream output published per request; the
	// rest is replaced by a truncation notice. 0 means 32 MiB.
	MaxOutputBytes int
	// ReplayHistory is how many recent signatures are remembered to refuse replays.
	ReplayHistory int
	Limits        Limits
}

// Server is a running kernel: five sockets and the request handlers.
type Server struct {
	cfg    Config
	log    *slog.Logger
	signer *Signer
	engine Engine

	shellSock, controlSock, stdinSock, iopubSock, hbSock zmq4.Socket
	shellMu, controlMu, stdinMu                          sync.Mutex

	iopub   *publisher
	streams *streamer
	stdin   *stdinChannel

	session string

	shellQueue chan *Message

	mu          sync.Mutex
	cancelCell  context.CancelFunc
	execCount   int
	history     history
	shutdownReq *shutdownRequest

	stop     context.CancelFunc
	stopOnce sync.Once
}

// NewServer checks the configuration; Serve binds the sockets.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("kernel: no engine")
	}
	if err := cfg.Conn.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 5 * time.Second
	}
	if cfg.IOPubHWM <= 0 {
		cfg.IOPubHWM = 1024
	}
	if cfg.MaxOutputBytes <= 0 {
		cfg.MaxOutputBytes = 32 << 20
	}
	if cfg.ReplayHistory <= 0 {
		cfg.ReplayHistory = 1 << 16
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		signer:     NewSigner([]byte(cfg.Conn.Key), cfg.ReplayHistory),
		engine:     cfg.Engine,
		session:    newID(),
		shellQueue: make(chan *Message, 4096),
	}
	s.streams = &streamer{s: s, parent: json.RawMessage("{}"), maxBytes: cfg.MaxOutputBytes}
	s.stdin = &stdinChannel{s: s}
	return s, nil
}

// Serve runs the kernel until a shutdown_request or until ctx is done.
func (s *Server) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	defer cancel()
	zlog := slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)
	opts := []zmq4.Option{zmq4.WithTimeout(s.cfg.SendTimeout), zmq4.WithLogger(log.New(zlog.Writer(), "zmq4: ", 0))}
	// Sockets get their own context: closing them is the last step of a
	// shutdown, after the replies went out.
	sctx, scancel := context.WithCancel(context.Background())
	defer scancel()
	s.shellSock = zmq4.NewRouter(sctx, opts...)
	s.controlSock = zmq4.NewRouter(sctx, opts...)
	s.stdinSock = zmq4.NewRouter(sctx, opts...)
	s.iopubSock = zmq4.NewPub(sctx, opts...)
	s.hbSock = zmq4.NewRep(sctx, opts...)
	socks := []struct {
		sock zmq4.Socket
		port int
		name string
	}{
		{s.shellSock, s.cfg.Conn.ShellPort, "shell"}, {s.controlSock, s.cfg.Conn.ControlPort, "control"},
		{s.stdinSock, s.cfg.Conn.StdinPort, "stdin"}, {s.iopubSock, s.cfg.Conn.IOPubPort, "iopub"},
		{s.hbSock, s.cfg.Conn.HBPort, "heartbeat"},
	}
	defer func() {
		for _, sk := range socks {
			_ = sk.sock.Close()
		}
	}()
	for _, sk := range socks {
		// Listen on the same address through the coalescing transport
		// (transport.go): one write per message instead of two per frame.
		ep := s.cfg.Conn.Endpoint(sk.port)
		lep, err := listenEndpoint(ep)
		if err != nil {
			return fmt.Errorf("binding %s socket to %s: %w", sk.name, ep, err)
		}
		if err := sk.sock.Listen(lep); err != nil {
			return fmt.Errorf("binding %s socket to %s: %w", sk.name, ep, err)
		}
	}
	// zmq4's PUB queue is unbounded by default and shared by all
	// subscribers: bound it so a subscriber that stops reading costs a
	// bounded amount of memory (messages past the mark are dropped).
	if err := s.iopubSock.SetOption(zmq4.OptionHWM, s.cfg.IOPubHWM); err != nil {
		s.log.Warn("setting the iopub high-water mark", "err", err)
	}
	s.iopub = newPublisher(s.iopubSock, s.log)

	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); s.heartbeat(ctx) }()
	go func() { defer wg.Done(); s.readLoop(ctx, s.shellSock, "shell", s.enqueueShell) }()
	go func() { defer wg.Done(); s.readLoop(ctx, s.controlSock, "control", s.handleControl) }()
	go func() { defer wg.Done(); s.readLoop(ctx, s.stdinSock, "stdin", s.handleStdin) }()
	go s.shellLoop(ctx)

	s.publish(nil, "status", statusContent{ExecutionState: "starting"})
	s.log.Info("kernel started", "transport", s.cfg.Conn.Transport, "ip", s.cfg.Conn.IP, "shell_port", s.cfg.Conn.ShellPort)
	<-ctx.Done()
	s.interruptCell()
	s.streams.flush()
	s.iopub.close()
	_ = s.engine.Close()
	// Closing the sockets unblocks the readers.
	scancel()
	for _, sk := range socks {
		_ = sk.sock.Close()
	}
	wg.Wait()
	return nil
}

// Interrupt stops the running cell, if any (SIGINT and interrupt_request).
func (s *Server) Interrupt() { s.interruptCell() }

func (s *Server) interruptCell() {
	s.mu.Lock()
	cancel := s.cancelCell
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (s *Server) heartbeat(ctx context.Context) {
	for ctx.Err() == nil {
		msg, err := s.hbSock.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Debug("heartbeat recv", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err := s.hbSock.Send(msg); err != nil && ctx.Err() == nil {
			s.log.Debug("heartbeat send", "err", err)
		}
	}
}

func (s *Server) readLoop(ctx context.Context, sock zmq4.Socket, name string, handle func(context.Context, *Message)) {
	for ctx.Err() == nil {
		raw, err := sock.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Debug("recv failed", "socket", name, "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		msg, err := Decode(raw.Frames, s.signer, s.cfg.Limits)
		if err != nil {
			s.log.Warn("dropped message", "socket", name, "err", err)
			continue
		}
		handle(ctx, msg)
	}
}

func (s *Server) enqueueShell(ctx context.Context, m *Message) {
	select {
	case s.shellQueue <- m:
	case <-ctx.Done():
	}
}

func (s *Server) handleStdin(_ context.Context, m *Message) {
	if m.Header.MsgType != "input_reply" {
		s.log.Warn("unexpected message on stdin", "msg_type", m.Header.MsgType)
		return
	}
	var r inputReply
	if err := json.Unmarshal(m.Content, &r); err != nil {
		s.log.Warn("bad input_reply", "err", err)
		return
	}
	if !s.stdin.deliver(r.Value) {
		s.log.Debug("input_reply with no pending request dropped")
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

func (s *Server) header(msgType string) Header {
	return Header{MsgID: newID(), Session: s.session, Username: "kernel", Date: now(), MsgType: msgType, Version: ProtocolVersion}
}

// publish sends an IOPub message; it never waits on a subscriber.
func (s *Server) publish(parent json.RawMessage, msgType string, content any) {
	frames, err := Encode([][]byte{[]byte(msgType)}, s.header(msgType), parent, nil, content, s.signer)
	if err != nil {
		s.log.Error("encoding iopub message", "msg_type", msgType, "err", err)
		return
	}
	s.iopub.push(frames)
}

// send writes a message on a ROUTER socket to the given identities.
func (s *Server) send(sock zmq4.Socket, mu *sync.Mutex, ids [][]byte, parent json.RawMessage, msgType string, content any) error {
	frames, err := Encode(ids, s.header(msgType), parent, nil, content, s.signer)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		return fmt.Errorf("sending %s: %w", msgType, err)
	}
	return nil
}

// reply answers request m on sock.
func (s *Server) reply(sock zmq4.Socket, mu *sync.Mutex, m *Message, msgType string, content any) {
	if err := s.send(sock, mu, m.Identities, parentOf(m), msgType, content); err != nil {
		s.log.Warn("reply failed", "msg_type", msgType, "err", err)
	}
}

func (s *Server) busy(parent json.RawMessage) {
	s.publish(parent, "status", statusContent{ExecutionState: "busy"})
}

func (s *Server) idle(parent json.RawMessage) {
	s.publish(parent, "status", statusContent{ExecutionState: "idle"})
}

func (s *Server) kernelInfo() kernelInfoReply {
	links := []helpLink{{Text: "Go", URL: "https://go.dev/doc/"}, {Text: "Go standard library", URL: "https://pkg.go.dev/std"}}
	for _, l := range s.cfg.HelpLinks {
		links = append(links, helpLink{Text: l.Text, URL: l.URL})
	}
	return kernelInfoReply{
		Status:                "ok",
		ProtocolVersion:       ProtocolVersion,
		Implementation:        s.cfg.Implementation,
		ImplementationVersion: s.cfg.ImplementationVersion,
		LanguageInfo: languageInfo{
			Name: "go", Version: s.cfg.LanguageVersion, Mimetype: "text/x-go", FileExtension: ".go",
			PygmentsLexer: "go", CodemirrorMode: "go", NBConvertExporter: "script",
		},
		Banner:    s.cfg.Banner,
		HelpLinks: links,
	}
}

func (s *Server) handleControl(ctx context.Context, m *Message) {
	parent := parentOf(m)
	s.busy(parent)
	defer s.idle(parent)
	switch m.Header.MsgType {
	case "kernel_info_request":
		s.reply(s.controlSock, &s.controlMu, m, "kernel_info_reply", s.kernelInfo())
	case "interrupt_request":
		s.interruptCell()
		s.reply(s.controlSock, &s.controlMu, m, "interrupt_reply", statusOnly{Status: "ok"})
	case "shutdown_request":
		s.shutdown(m, s.controlSock, &s.controlMu)
	default:
		s.log.Warn("unknown control message", "msg_type", m.Header.MsgType)
		s.reply(s.controlSock, &s.controlMu, m, replyType(m.Header.MsgType), errorReply{
			Status: "error", EName: "UnknownMessageType", EValue: m.Header.MsgType + " is not supported by gokernel", Traceback: []string{},
		})
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

func (s *Server) shutdown(m *Message, sock zmq4.Socket, mu *sync.Mutex) {
	var req shutdownRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.log.Warn("bad shutdown_request", "err", err)
	}
	s.interruptCell()
	rep := shutdownReply{Status: "ok", Restart: req.Restart}
	s.reply(sock, mu, m, "shutdown_reply", rep)
	s.publish(parentOf(m), "shutdown_reply", rep)
	s.mu.Lock()
	s.shutdownReq = &req
	s.mu.Unlock()
	s.stopOnce.Do(func() { go s.stop() })
}

// RestartRequested reports whether the kernel stopped for a restart.
func (s *Server) RestartRequested() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdownReq != nil && s.shutdownReq.Restart
}

func (s *Server) shellLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-s.shellQueue:
			s.handleShell(ctx, m)
		}
	}
}

func (s *Server) handleShell(ctx context.Context, m *Message) {
	parent := parentOf(m)
	s.busy(parent)
	abortSince := s.dispatchShell(ctx, m, parent)
	s.idle(parent)
	// Aborted requests get their own busy/idle after the failing cell's
	// idle, as ipykernel orders them.
	if abortSince != nil {
		s.abortQueued(*abortSince)
	}
}

// dispatchShell handles one shell request. It returns the time of an error
// reply after which queued execute requests must be aborted, or nil.
func (s *Server) dispatchShell(ctx context.Context, m *Message, parent json.RawMessage) *time.Time {
	switch m.Header.MsgType {
	case "execute_request":
		return s.execute(ctx, m)
	case "kernel_info_request":
		s.reply(s.shellSock, &s.shellMu, m, "kernel_info_reply", s.kernelInfo())
	case "complete_request":
		s.complete(ctx, m)
	case "inspect_request":
		s.inspect(ctx, m)
	case "is_complete_request":
		s.isComplete(ctx, m)
	case "history_request":
		s.historyReq(m)
	case "comm_info_request":
		var req commInfoRequest
		if err := json.Unmarshal(m.Content, &req); err != nil {
			s.replyError(m, "comm_info_reply", err)
			return nil
		}
		// gokernel registers no comm targets, so no comm is ever open, whatever target_name asks for.
		s.reply(s.shellSock, &s.shellMu, m, "comm_info_reply", commInfoReply{Status: "ok", Comms: map[string]map[string]any{}})
	case "comm_open":
		var c commOpen
		if err := json.Unmarshal(m.Content, &c); err != nil {
			s.log.Warn("bad comm_open", "err", err)
			return nil
		}
		// No comm targets exist: close it so the front end does not wait.
		s.publish(parent, "comm_close", commClose{CommID: c.CommID, Data: map[string]any{}})
	case "comm_msg", "comm_close":
		// Comms are never opened, so there is nothing to deliver to.
	case "shutdown_request":
		s.shutdown(m, s.shellSock, &s.shellMu)
	default:
		s.log.Warn("unknown shell message", "msg_type", m.Header.MsgType)
	}
	return nil
}

func (s *Server) execute(ctx context.Context, m *Message) *time.Time {
	parent := parentOf(m)
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.reply(s.shellSock, &s.shellMu, m, "execute_reply", executeReply{Status: "error", ExecutionCount: s.count(),
			EName: "BadRequest", EValue: "execute_request content: " + err.Error(), Traceback: []string{}, Payload: []any{}})
		return nil
	}
	storeHistory := !req.Silent
	if req.StoreHistory != nil {
		storeHistory = *req.StoreHistory && !req.Silent
	}
	allowStdin := req.AllowStdin == nil || *req.AllowStdin
	stopOnError := req.StopOnError == nil || *req.StopOnError

	s.mu.Lock()
	if storeHistory {
		// The history's line numbers are the execution counts: both
		// advance together, here only.
		s.execCount++
		s.history.add(req.Code)
	}
	count := s.execCount
	cellCtx, cancel := context.WithCancel(ctx)
	s.cancelCell = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancelCell = nil
		s.mu.Unlock()
		cancel()
	}()

	s.streams.setParent(parent)
	if !req.Silent {
		s.publish(parent, "execute_input", executeInput{Code: req.Code, ExecutionCount: count})
	}
	out := &requestOutput{s: s, parent: parent, identities: m.Identities, allowStdin: allowStdin}
	res, err := s.engine.Execute(cellCtx, ExecuteRequest{
		Code: req.Code, Silent: req.Silent, StoreHistory: storeHistory, AllowStdin: allowStdin,
		UserExpressions: req.UserExpressions, ExecutionCount: count,
	}, out)
	if err != nil {
		res.Error = &EvalError{Name: "KernelError", Value: err.Error(), Traceback: []string{"gokernel: " + err.Error()}}
	}
	s.streams.finish()
	reply := executeReply{Status: "ok", ExecutionCount: count, UserExpressions: res.UserExpressions, Payload: []any{}}
	for _, p := range res.Payload {
		reply.Payload = append(reply.Payload, p)
	}
	if reply.UserExpressions == nil {
		reply.UserExpressions = map[string]json.RawMessage{}
	}
	if res.Error != nil {
		tb := res.Error.Traceback
		if tb == nil {
			tb = []string{res.Error.Name + ": " + res.Error.Value}
		}
		s.publish(parent, "error", errorContent{EName: res.Error.Name, EValue: res.Error.Value, Traceback: tb})
		reply.Status, reply.EName, reply.EValue, reply.Traceback = "error", res.Error.Name, res.Error.Value, tb
	} else if res.Value != nil && !req.Silent {
		md := res.Metadata
		if md == nil {
			md = map[string]any{}
		}
		s.publish(parent, "execute_result", executeResultContent{ExecutionCount: count, Data: res.Value, Metadata: md})
	}
	errTime := time.Now()
	s.reply(s.shellSock, &s.shellMu, m, "execute_reply", reply)
	if res.Error != nil && stopOnError {
		return &errTime
	}
	return nil
}

// abortQueued answers the execute_requests sent before the error was
// reported with status "aborted", as ipykernel does, so Run All stops at the
// failing cell. A request counts as sent before the error when it is already
// queued, or arrives within abortGrace with a header date earlier than the
// error reply (the client could not have seen the error yet). The first
// request sent after the error ends the aborting; everything not aborted
// is then handled in order.
func (s *Server) abortQueued(errTime time.Time) {
	const abortGrace = 50 * time.Millisecond
	var keep []*Message
	timer := time.NewTimer(abortGrace)
	defer timer.Stop()
	queued := len(s.shellQueue)
	fresh := false
	for !fresh {
		select {
		case m := <-s.shellQueue:
			queued--
			if m.Header.MsgType != "execute_request" {
				keep = append(keep, m)
				continue
			}
			if queued < 0 && sentAfter(m.Header.Date, errTime) {
				keep = append(keep, m)
				fresh = true
				continue
			}
			parent := parentOf(m)
			s.busy(parent)
			s.reply(s.shellSock, &s.shellMu, m, "execute_reply", executeReply{Status: "aborted", ExecutionCount: s.count(), Payload: []any{}, UserExpressions: map[string]json.RawMessage{}})
			s.idle(parent)
			timer.Reset(abortGrace)
		case <-timer.C:
			fresh = true
		}
	}
	for _, m := range keep {
		s.handleShell(context.Background(), m)
	}
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

func (s *Server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.execCount
}

func (s *Server) complete(ctx context.Context, m *Message) {
	var req completeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.replyError(m, "complete_reply", err)
		return
	}
	res, err := s.engine.Complete(ctx, req.Code, req.CursorPos)
	if err != nil {
		s.replyError(m, "complete_reply", err)
		return
	}
	if res.Matches == nil {
		res.Matches = []string{}
	}
	if res.Metadata == nil {
		res.Metadata = map[string]any{}
	}
	s.reply(s.shellSock, &s.shellMu, m, "complete_reply", completeReply{Status: "ok", Matches: res.Matches, CursorStart: res.CursorStart, CursorEnd: res.CursorEnd, Metadata: res.Metadata})
}

func (s *Server) inspect(ctx context.Context, m *Message) {
	var req inspectRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.replyError(m, "inspect_reply", err)
		return
	}
	res, err := s.engine.Inspect(ctx, req.Code, req.CursorPos, req.DetailLevel)
	if err != nil {
		s.replyError(m, "inspect_reply", err)
		return
	}
	if res.Data == nil {
		res.Data = MIMEBundle{}
	}
	s.reply(s.shellSock, &s.shellMu, m, "inspect_reply", inspectReply{Status: "ok", Found: res.Found, Data: res.Data, Metadata: map[string]any{}})
}

func (s *Server) isComplete(ctx context.Context, m *Message) {
	var req isCompleteRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.replyError(m, "is_complete_reply", err)
		return
	}
	res, err := s.engine.IsComplete(ctx, req.Code)
	if err != nil {
		s.reply(s.shellSock, &s.shellMu, m, "is_complete_reply", isCompleteReply{Status: "unknown"})
		return
	}
	rep := isCompleteReply{Status: res.Status}
	if res.Status == "incomplete" {
		rep.Indent = res.Indent
	}
	s.reply(s.shellSock, &s.shellMu, m, "is_complete_reply", rep)
}

func (s *Server) replyError(m *Message, typ string, err error) {
	s.reply(s.shellSock, &s.shellMu, m, typ, errorReply{Status: "error", EName: "BadRequest", EValue: err.Error(), Traceback: []string{}})
}

func (s *Server) historyReq(m *Message) {
	var req historyRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.replyError(m, "history_reply", err)
		return
	}
	s.mu.Lock()
	hist := s.history.entries()
	s.mu.Unlock()
	var sel []historyEntry
	switch req.HistAccessType {
	case "tail":
		n := req.N
		if n <= 0 || n > len(hist) {
			n = len(hist)
		}
		sel = hist[len(hist)-n:]
	case "range":
		// Only this kernel's session exists; session 0 and negative sessions name it.
		if req.Session > 0 && req.Session != 1 {
			break
		}
		stop := req.Stop
		for _, h := range hist {
			if h.Line >= req.Start && (stop <= 0 || h.Line < stop) {
				sel = append(sel, h)
			}
		}
	case "search":
		seen := map[string]bool{}
		for i := len(hist) - 1; i >= 0; i-- {
			h := hist[i]
			if !globMatch(req.Pattern, h.Source) || (req.Unique && seen[h.Source]) {
				continue
			}
			seen[h.Source] = true
			sel = append([]historyEntry{h}, sel...)
		}
		if req.N > 0 && len(sel) > req.N {
			sel = sel[len(sel)-req.N:]
		}
	default:
		s.replyError(m, "history_reply", fmt.Errorf("hist_access_type %q is not one of tail, range, search", req.HistAccessType))
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
	s.reply(s.shellSock, &s.shellMu, m, "history_reply", historyReply{Status: "ok", History: out})
}
