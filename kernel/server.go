package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"maps"
	"sync"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Config is what a Server needs to start: the connection, the transport's
// settings, and its Router's (whose OnShutdown the Server sets).
type Config struct {
	Conn ConnectionInfo
	RouterConfig
	// SendTimeout bounds every socket send (zmq4's default is 5 minutes).
	SendTimeout time.Duration
	// IOPubHWM bounds the messages queued for IOPub subscribers; beyond it
	// messages are dropped rather than held. 0 means 1024.
	IOPubHWM int
	// ReplayHistory is how many recent signatures are remembered to refuse replays.
	ReplayHistory int
	Limits        Limits
	// ListenFDs are TCP sockets already listening, by connection-file port
	// (see internal/prebind). Serve takes each one that listens on the
	// connection's IP and that port, closes any other, and binds the
	// remaining ports itself.
	ListenFDs map[int]uintptr
}

// Server is the zmq wiring of a kernel: five sockets, the message codec
// and a Router that does the work. It implements Sender for its Router.
type Server struct {
	cfg    Config
	log    *slog.Logger
	signer *Signer
	router *Router

	shellSock, controlSock, stdinSock, iopubSock, hbSock zmq4.Socket
	shellMu, controlMu, stdinMu                          sync.Mutex

	iopub *publisher
	stop  context.CancelFunc
}

// NewServer checks the configuration; Serve binds the sockets.
func NewServer(cfg Config) (*Server, error) {
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
	if cfg.ReplayHistory <= 0 {
		cfg.ReplayHistory = 1 << 16
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, signer: NewSigner([]byte(cfg.Conn.Key), cfg.ReplayHistory)}
	rc := cfg.RouterConfig
	rc.OnShutdown = func() {
		if s.stop != nil {
			s.stop()
		}
	}
	r, err := NewRouter(rc, s)
	if err != nil {
		return nil, err
	}
	s.router = r
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
	fds := maps.Clone(s.cfg.ListenFDs)
	defer func() {
		for _, fd := range fds {
			_ = syscall.Close(int(fd))
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
		if fd, ok := fds[sk.port]; ok && s.cfg.Conn.Transport == "tcp" {
			delete(fds, sk.port)
			if listeningOn(fd, s.cfg.Conn.IP, sk.port) {
				// The fd transport owns the descriptor from here, even if it fails.
				if err := sk.sock.Listen(fmt.Sprintf("%s://%d", listenFD, fd)); err == nil {
					s.log.Debug("serving a socket bound before main", "socket", sk.name, "port", sk.port)
					continue
				} else {
					s.log.Warn("serving a prebound socket failed: binding anew", "socket", sk.name, "err", err)
				}
			} else {
				s.log.Warn("a prebound socket does not listen where the connection file says: binding anew", "socket", sk.name, "port", sk.port)
				_ = syscall.Close(int(fd))
			}
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
	go func() { defer wg.Done(); s.readLoop(ctx, s.shellSock, "shell", s.router.Enqueue) }()
	go func() {
		defer wg.Done()
		s.readLoop(ctx, s.controlSock, "control", func(_ context.Context, m *Message) { s.router.HandleControl(m) })
	}()
	go func() {
		defer wg.Done()
		s.readLoop(ctx, s.stdinSock, "stdin", func(_ context.Context, m *Message) { s.router.HandleStdin(m) })
	}()
	go s.router.Run(ctx)

	s.router.Started()
	s.log.Info("kernel started", "transport", s.cfg.Conn.Transport, "ip", s.cfg.Conn.IP, "shell_port", s.cfg.Conn.ShellPort)
	<-ctx.Done()
	s.router.Interrupt()
	s.router.streams.flush()
	s.iopub.close()
	_ = s.router.engine.Close()
	// Closing the sockets unblocks the readers.
	scancel()
	for _, sk := range socks {
		_ = sk.sock.Close()
	}
	wg.Wait()
	return nil
}

// Interrupt stops the running cell, if any (SIGINT).
func (s *Server) Interrupt() { s.router.Interrupt() }

// RestartRequested reports whether the kernel stopped for a restart.
func (s *Server) RestartRequested() bool { return s.router.RestartRequested() }

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

// Publish implements Sender: it queues an IOPub message and never waits on a subscriber.
func (s *Server) Publish(h Header, parent json.RawMessage, content any) {
	frames, err := Encode([][]byte{[]byte(h.MsgType)}, h, parent, nil, content, s.signer)
	if err != nil {
		s.log.Error("encoding iopub message", "msg_type", h.MsgType, "err", err)
		return
	}
	s.iopub.push(frames)
}

// Send implements Sender on the ROUTER sockets.
func (s *Server) Send(ch Channel, ids [][]byte, h Header, parent json.RawMessage, content any) error {
	var sock zmq4.Socket
	var mu *sync.Mutex
	switch ch {
	case Shell:
		sock, mu = s.shellSock, &s.shellMu
	case Control:
		sock, mu = s.controlSock, &s.controlMu
	case Stdin:
		sock, mu = s.stdinSock, &s.stdinMu
	default:
		return fmt.Errorf("no socket for %s", ch)
	}
	frames, err := Encode(ids, h, parent, nil, content, s.signer)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", h.MsgType, err)
	}
	mu.Lock()
	defer mu.Unlock()
	return sock.SendMulti(zmq4.NewMsgFrom(frames...))
}
