package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"golang.org/x/sys/unix"
)

// echoEngine answers every cell with its own code as the result: enough to
// measure and test the protocol layer without an interpreter.
type echoEngine struct{}

func (echoEngine) Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
	if req.Code == "spin" {
		<-ctx.Done()
		return ExecuteResult{Error: &EvalError{Name: "Interrupted", Value: "interrupted"}}, nil
	}
	if req.Code == "print" {
		out.Stream("stdout", "hello\n")
	}
	return ExecuteResult{Value: MIMEBundle{"text/plain": req.Code}}, nil
}
func (echoEngine) Complete(context.Context, string, int) (CompleteResult, error) {
	return CompleteResult{}, nil
}
func (echoEngine) Inspect(context.Context, string, int, int) (InspectResult, error) {
	return InspectResult{}, nil
}
func (echoEngine) IsComplete(context.Context, string) (IsCompleteResult, error) {
	return IsCompleteResult{Status: "complete"}, nil
}
func (echoEngine) Close() error { return nil }

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

type testClient struct {
	t       testing.TB
	shell   zmq4.Socket
	control zmq4.Socket
	iopub   zmq4.Socket
	signer  *Signer
}

func startKernel(t testing.TB) (*testClient, func()) {
	t.Helper()
	p := freePorts(t, 5)
	return startKernelOn(t, p, nil)
}

// startKernelOn starts a kernel on the ports p (shell, control, stdin,
// iopub, heartbeat) with the given listening descriptors.
func startKernelOn(t testing.TB, p []int, fds map[int]uintptr) (*testClient, func()) {
	t.Helper()
	ci := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "secret", SignatureScheme: "hmac-sha256",
		ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], IOPubPort: p[3], HBPort: p[4]}
	srv, err := NewServer(Config{Conn: ci, ListenFDs: fds, RouterConfig: RouterConfig{
		Engine: echoEngine{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LanguageVersion: "1.22"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx) }()
	cctx, ccancel := context.WithCancel(context.Background())
	c := &testClient{t: t, signer: NewSigner([]byte("secret"), 1024),
		shell:   zmq4.NewDealer(cctx, zmq4.WithDialerMaxRetries(-1)),
		control: zmq4.NewDealer(cctx, zmq4.WithDialerMaxRetries(-1)),
		iopub:   zmq4.NewSub(cctx, zmq4.WithDialerMaxRetries(-1)),
	}
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, p[0]}, {c.control, p[1]}, {c.iopub, p[3]}} {
		if err := d.s.Dial(ci.Endpoint(d.port)); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.iopub.SetOption(zmq4.OptionSubscribe, "")
	time.Sleep(100 * time.Millisecond) // let the SUB subscription reach the PUB
	return c, func() {
		cancel()
		<-done
		c.shell.Close()
		c.control.Close()
		c.iopub.Close()
		ccancel()
	}
}

func (c *testClient) send(sock zmq4.Socket, typ string, content any) string {
	h := Header{MsgID: newID(), Session: "test", Username: "t", Date: now(), MsgType: typ, Version: ProtocolVersion}
	f, err := Encode(nil, h, nil, nil, content, c.signer)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := sock.SendMulti(zmq4.NewMsgFrom(f...)); err != nil {
		c.t.Fatal(err)
	}
	return h.MsgID
}

func (c *testClient) recv(sock zmq4.Socket) *Message {
	raw, err := sock.Recv()
	if err != nil {
		c.t.Fatal(err)
	}
	m, err := Decode(raw.Frames, NewSigner([]byte("secret"), 4), DefaultLimits())
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// untilIdle reads IOPub until the idle status of msgID and returns the types seen.
func (c *testClient) untilIdle(msgID string) []string {
	var types []string
	for {
		m := c.recv(c.iopub)
		var ph Header
		_ = json.Unmarshal(m.ParentHeader, &ph)
		if ph.MsgID != msgID {
			continue
		}
		if m.Header.MsgType == "status" {
			var st statusContent
			_ = json.Unmarshal(m.Content, &st)
			if st.ExecutionState == "idle" {
				return types
			}
			continue
		}
		types = append(types, m.Header.MsgType)
	}
}

func TestExecuteMessageFlow(t *testing.T) {
	c, stop := startKernel(t)
	defer stop()
	id := c.send(c.shell, "execute_request", map[string]any{"code": "print"})
	reply := c.recv(c.shell)
	var r executeReply
	if err := json.Unmarshal(reply.Content, &r); err != nil || r.Status != "ok" || r.ExecutionCount != 1 {
		t.Fatalf("reply %s: %v", reply.Content, err)
	}
	got := fmt.Sprint(c.untilIdle(id))
	if got != "[execute_input stream execute_result]" {
		t.Fatalf("iopub flow %s", got)
	}
}

// listeningFD returns a listening descriptor on 127.0.0.1:port, as
// internal/prebind hands them over, and its port.
func listeningFD(t *testing.T) (uintptr, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A raw descriptor of its own: an *os.File's finalizer would close the
	// number later, when it may name something else.
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	return uintptr(fd), l.Addr().(*net.TCPAddr).Port
}

// refused reports whether nothing listens on 127.0.0.1:port.
func refused(port int) bool {
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err == nil {
		c.Close()
	}
	return err != nil
}

// TestListenFDs serves sockets that were listening before the kernel
// started: a client that connected to them first is answered, and a
// descriptor listening elsewhere than the connection file says is closed,
// its port bound anew.
func TestListenFDs(t *testing.T) {
	shellFD, shellPort := listeningFD(t)
	strayFD, strayPort := listeningFD(t) // listens on some other port than control's
	p := freePorts(t, 4)
	ports := []int{shellPort, p[0], p[1], p[2], p[3]}
	// A client connects before the kernel serves: the backlog holds it.
	early, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", shellPort))
	if err != nil {
		t.Fatalf("connecting to the listening socket before the kernel runs: %v", err)
	}
	early.Close()
	c, stop := startKernelOn(t, ports, map[int]uintptr{shellPort: shellFD, p[0]: strayFD})
	c.send(c.shell, "kernel_info_request", struct{}{})
	if m := c.recv(c.shell); m.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("shell on the prebound socket: got %s", m.Header.MsgType)
	}
	c.send(c.control, "kernel_info_request", struct{}{})
	if m := c.recv(c.control); m.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("control bound anew: got %s", m.Header.MsgType)
	}
	if !refused(strayPort) {
		t.Error("the stray descriptor was left open: its port still accepts")
	}
	stop()
	if !refused(shellPort) {
		t.Error("the prebound shell socket still accepts after the kernel stopped: its descriptor leaked")
	}
}

func TestControlWhileBusy(t *testing.T) {
	c, stop := startKernel(t)
	defer stop()
	id := c.send(c.shell, "execute_request", map[string]any{"code": "spin"})
	time.Sleep(50 * time.Millisecond)
	c.send(c.control, "kernel_info_request", struct{}{})
	if m := c.recv(c.control); m.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("got %s", m.Header.MsgType)
	}
	c.send(c.control, "interrupt_request", struct{}{})
	if m := c.recv(c.control); m.Header.MsgType != "interrupt_reply" {
		t.Fatalf("got %s", m.Header.MsgType)
	}
	reply := c.recv(c.shell)
	var r executeReply
	_ = json.Unmarshal(reply.Content, &r)
	if r.Status != "error" || r.EName != "Interrupted" {
		t.Fatalf("reply %s", reply.Content)
	}
	c.untilIdle(id)
}

// BenchmarkExecuteRoundTrip measures the protocol layer alone: a Go client
// sends execute_request and waits for the reply and the idle status.
func BenchmarkExecuteRoundTrip(b *testing.B) {
	c, stop := startKernel(b)
	defer stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := c.send(c.shell, "execute_request", map[string]any{"code": "1"})
		c.recv(c.shell)
		c.untilIdle(id)
	}
}

func BenchmarkKernelInfoRoundTrip(b *testing.B) {
	c, stop := startKernel(b)
	defer stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send(c.control, "kernel_info_request", struct{}{})
		c.recv(c.control)
	}
}
