package gotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gokernel/gokernel/kernel"
)

// testKernel is one real gokernel process (`gokernel kernel -f conn.json`)
// driven over the Jupyter protocol, the code path a notebook uses: ZeroMQ
// sockets, the kernel's request loop, the worker supervisor and the worker
// process that interprets the cells.
type testKernel struct {
	cmd     *exec.Cmd
	dir     string
	signer  *kernel.Signer
	shell   zmq4.Socket
	iopub   zmq4.Socket
	control zmq4.Socket
	cancel  context.CancelFunc
	session string
	count   int
	exited  chan struct{}
	stderr  *tail
	// msgs carries every IOPub message from the one reader goroutine
	// (a reader per cell could take the next cell's messages and lose them).
	msgs chan recvd
}

// recvd is one message read from a socket, or the error that ended it.
type recvd struct {
	m   *kernel.Message
	err error
}

// cellResult is what one cell produced, as a front end sees it.
type cellResult struct {
	// Stdout and Stderr are the texts of the cell's stream messages;
	// Combined is both in the order they arrived.
	Stdout, Stderr, Combined string
	// Status is the execute_reply status: "ok" or "error" ("" on timeout).
	Status string
	// EName, EValue and Traceback describe the error of a failed cell.
	EName, EValue string
	Traceback     []string
	// TimedOut is set when no reply came before the deadline.
	TimedOut bool
}

// startKernel starts exe as a kernel with its connection file in a fresh
// temporary directory under tmp, runs it in dir, and connects to it. The
// transport is "tcp" on loopback, as jupyter_client sets it up (free ports
// picked by binding port 0; the kernel's start-up path for TCP sockets is
// the one notebooks take), or "ipc" (Unix sockets under tmp: no port to
// race for).
func startKernel(ctx context.Context, exe, dir, tmp, transport string, env []string) (*testKernel, error) {
	cdir, err := os.MkdirTemp(tmp, "k")
	if err != nil {
		return nil, fmt.Errorf("kernel directory: %w", err)
	}
	key := randomHex(16)
	ci := kernel.ConnectionInfo{Transport: "ipc", IP: filepath.Join(cdir, "s"), Key: key, SignatureScheme: "hmac-sha256",
		ShellPort: 1, ControlPort: 2, StdinPort: 3, IOPubPort: 4, HBPort: 5}
	if transport != "ipc" {
		ports, err := freePorts(5)
		if err != nil {
			_ = os.RemoveAll(cdir)
			return nil, err
		}
		ci = kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: key, SignatureScheme: "hmac-sha256",
			ShellPort: ports[0], ControlPort: ports[1], StdinPort: ports[2], IOPubPort: ports[3], HBPort: ports[4]}
	}
	b, err := json.Marshal(ci)
	if err != nil {
		return nil, err
	}
	connFile := filepath.Join(cdir, "conn.json")
	if err := os.WriteFile(connFile, b, 0o600); err != nil {
		return nil, fmt.Errorf("connection file: %w", err)
	}
	k := &testKernel{dir: cdir, signer: kernel.NewSigner([]byte(key), 1024), session: randomHex(8),
		exited: make(chan struct{}), stderr: &tail{max: 8 << 10}, msgs: make(chan recvd, 256)}
	k.cmd = exec.Command(exe, "kernel", "-f", connFile)
	k.cmd.Dir = dir
	k.cmd.Env = env
	k.cmd.Stderr = k.stderr
	// Its own process group, so that a hung program's worker dies with it.
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		_ = os.RemoveAll(cdir)
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	go func() { _ = k.cmd.Wait(); close(k.exited) }()

	sctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	k.shell = zmq4.NewDealer(sctx, zmq4.WithDialerMaxRetries(-1), zmq4.WithDialerRetry(5*time.Millisecond))
	k.control = zmq4.NewDealer(sctx, zmq4.WithDialerMaxRetries(-1), zmq4.WithDialerRetry(5*time.Millisecond))
	k.iopub = zmq4.NewSub(sctx, zmq4.WithDialerMaxRetries(-1), zmq4.WithDialerRetry(5*time.Millisecond))
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{k.shell, ci.ShellPort}, {k.control, ci.ControlPort}, {k.iopub, ci.IOPubPort}} {
		if err := d.s.Dial(ci.Endpoint(d.port)); err != nil {
			k.Close()
			return nil, fmt.Errorf("connecting to the kernel: %w", err)
		}
	}
	if err := k.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		k.Close()
		return nil, fmt.Errorf("subscribing to iopub: %w", err)
	}
	go k.readIOPub(sctx)
	// execute and kernel_info replies are not needed (IOPub says it all),
	// but a DEALER socket queues them: drain them.
	go func() {
		for {
			if _, err := k.shell.Recv(); err != nil {
				return
			}
		}
	}()
	if err := k.waitReady(ctx); err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// readIOPub hands every IOPub message to k.msgs until the socket closes.
func (k *testKernel) readIOPub(ctx context.Context) {
	for {
		m, err := k.recv(k.iopub)
		select {
		case k.msgs <- recvd{m, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// waitReady sends kernel_info requests until one of them is seen on IOPub
// (its busy status): a SUB socket only receives what is published after its
// subscription reached the kernel, and a cell's output must not be lost.
func (k *testKernel) waitReady(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := k.send(k.shell, "kernel_info_request", struct{}{}); err != nil {
			return err
		}
		for waiting := true; waiting; {
			select {
			case r := <-k.msgs:
				if r.err != nil {
					return fmt.Errorf("kernel iopub: %w (kernel stderr: %s)", r.err, k.stderr.String())
				}
				if r.m.Header.MsgType == "status" {
					// Let the idle status of this request (and any other
					// kernel_info) pass before the first cell.
					k.drainIOPub(100 * time.Millisecond)
					return nil
				}
			case <-k.exited:
				return fmt.Errorf("the kernel exited at start: %s", k.stderr.String())
			case <-ctx.Done():
				return fmt.Errorf("the kernel did not answer kernel_info: %w", ctx.Err())
			case <-t.C:
				waiting = false
			}
		}
	}
}

// drainIOPub drops IOPub messages until none came for quiet.
func (k *testKernel) drainIOPub(quiet time.Duration) {
	for {
		select {
		case <-k.msgs:
		case <-time.After(quiet):
			return
		}
	}
}

// Execute runs code as the next cell and waits for its reply and its idle
// status. When ctx ends first, the cell is reported as timed out (the
// caller then closes the kernel).
func (k *testKernel) Execute(ctx context.Context, code string) (cellResult, error) {
	k.count++
	id, err := k.send(k.shell, "execute_request", map[string]any{
		"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{},
		"allow_stdin": false, "stop_on_error": true,
	})
	if err != nil {
		return cellResult{}, err
	}
	var res cellResult
	var out, errOut, both strings.Builder
	fill := func() { res.Stdout, res.Stderr, res.Combined = out.String(), errOut.String(), both.String() }
	for {
		select {
		case <-ctx.Done():
			res.TimedOut = true
			fill()
			return res, nil
		case <-k.exited:
			return res, fmt.Errorf("the kernel process exited: %s", k.stderr.String())
		case r := <-k.msgs:
			if r.err != nil {
				return res, fmt.Errorf("reading iopub: %w", r.err)
			}
			var ph kernel.Header
			_ = json.Unmarshal(r.m.ParentHeader, &ph)
			if ph.MsgID != id {
				continue
			}
			switch r.m.Header.MsgType {
			case "stream":
				var c struct{ Name, Text string }
				_ = json.Unmarshal(r.m.Content, &c)
				both.WriteString(c.Text)
				if c.Name == "stderr" {
					errOut.WriteString(c.Text)
				} else {
					out.WriteString(c.Text)
				}
			case "error":
				var c struct {
					EName     string   `json:"ename"`
					EValue    string   `json:"evalue"`
					Traceback []string `json:"traceback"`
				}
				_ = json.Unmarshal(r.m.Content, &c)
				res.Status, res.EName, res.EValue, res.Traceback = "error", c.EName, c.EValue, c.Traceback
			case "status":
				var c struct {
					State string `json:"execution_state"`
				}
				_ = json.Unmarshal(r.m.Content, &c)
				if c.State == "idle" {
					if res.Status == "" {
						res.Status = "ok"
					}
					fill()
					return res, nil
				}
			}
		}
	}
}

// Close stops the kernel: its whole process group is killed (a program
// that hung keeps its worker busy, so no polite shutdown is attempted).
func (k *testKernel) Close() {
	if k.cmd.Process != nil {
		_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-k.exited:
		case <-time.After(5 * time.Second):
		}
	}
	for _, s := range []zmq4.Socket{k.shell, k.iopub, k.control} {
		if s != nil {
			_ = s.Close()
		}
	}
	k.cancel()
	_ = os.RemoveAll(k.dir)
}

func (k *testKernel) send(sock zmq4.Socket, typ string, content any) (string, error) {
	h := kernel.Header{MsgID: randomHex(16), Session: k.session, Username: "gotest",
		Date: time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), MsgType: typ, Version: kernel.ProtocolVersion}
	f, err := kernel.Encode(nil, h, nil, map[string]any{}, content, k.signer)
	if err != nil {
		return "", fmt.Errorf("encoding %s: %w", typ, err)
	}
	if err := sock.SendMulti(zmq4.NewMsgFrom(f...)); err != nil {
		return "", fmt.Errorf("sending %s: %w", typ, err)
	}
	return h.MsgID, nil
}

func (k *testKernel) recv(sock zmq4.Socket) (*kernel.Message, error) {
	raw, err := sock.Recv()
	if err != nil {
		return nil, err
	}
	lim := kernel.DefaultLimits()
	m, err := kernel.Decode(raw.Frames, k.signer, lim)
	if err != nil {
		return nil, fmt.Errorf("decoding a kernel message: %w", err)
	}
	return m, nil
}

// freePorts returns n loopback ports that were free a moment ago, the way
// jupyter_client picks them.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("picking a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// tail keeps the last max bytes written to it (the kernel's stderr, for
// error messages).
type tail struct {
	max int
	mu  sync.Mutex
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
