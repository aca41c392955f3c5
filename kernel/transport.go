package kernel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"

	"github.com/gokernel/gokernel/internal/rawio"
)

// zmq4 v0.17.0 writes a ZMTP frame with two Write calls (its header, then its
// body) unless the message went through SendMulti to a socket that keeps that
// flag: ROUTER (shell, control, stdin replies) and REP (heartbeat) drop it, and
// commands never have it. A Jupyter reply of ~7 frames thus costs ~14 write
// syscalls and, with TCP_NODELAY, as many TCP segments the client reads one by
// one. The kernel therefore listens on transports of its own whose connections
// gather a whole ZMTP message and write it at once (PUB's writev of a message
// arrives as one Write per buffer and also goes out as one write). Front ends
// still see plain tcp:// and ipc:// endpoints: the bytes on the wire are the
// same, only the number of writes changes. Reads are served from a buffer, and
// both go through package rawio: ordinary system calls kept the runtime's
// sysmon thread waking every 20 µs while cells came faster than one per
// millisecond.

const (
	// coalesceTCP and coalesceIPC are the schemes the kernel listens on.
	coalesceTCP = "gokernel-tcp"
	coalesceIPC = "gokernel-ipc"
	// listenFD is the scheme of a listening descriptor handed to the
	// kernel (Config.ListenFDs): gokernel-fd://3.
	listenFD = "gokernel-fd"

	// zmtpGreetingLen is the size of the ZMTP 3 greeting, passed through as is.
	zmtpGreetingLen = 64
	// coalesceDirect is the body size from which a frame's body is written
	// from the caller's slice rather than copied (a 32 MiB stream message
	// costs no extra copy).
	coalesceDirect = 64 << 10
	// coalesceMaxBuffered flushes a message that grows past it before it is
	// complete, and a buffer grown past it is not kept.
	coalesceMaxBuffered = 128 << 10
	// readBuffer is what one read takes from the connection at most.
	readBuffer = 16 << 10

	zmtpMore    = 1 << 0
	zmtpLong    = 1 << 1
	zmtpCommand = 1 << 2
)

// registerTransports registers the coalescing transports with zmq4, once per
// process. zmq4's transport registry is process-global and refuses a name
// registered twice, so this Once is the one piece of package-level state here;
// it exists only because of that registry (the transports themselves are
// stateless values).
var registerTransports = sync.OnceValue(func() error {
	for _, t := range []struct{ scheme, network string }{{coalesceTCP, "tcp"}, {coalesceIPC, "unix"}} {
		if err := zmq4.RegisterTransport(t.scheme, coalescingTransport{transport.New(t.network)}); err != nil {
			return fmt.Errorf("registering the %s transport: %w", t.scheme, err)
		}
	}
	if err := zmq4.RegisterTransport(listenFD, fdTransport{}); err != nil {
		return fmt.Errorf("registering the %s transport: %w", listenFD, err)
	}
	return nil
})

// fdTransport listens on a descriptor that is already listening: its
// address is the descriptor's number. It cannot dial.
type fdTransport struct{}

func (fdTransport) Dial(context.Context, transport.Dialer, string) (net.Conn, error) {
	return nil, errors.New("the gokernel-fd transport only listens")
}

func (fdTransport) Listen(_ context.Context, addr string) (net.Listener, error) {
	fd, err := strconv.ParseUint(addr, 10, 31)
	if err != nil {
		return nil, fmt.Errorf("listening descriptor %q: %w", addr, err)
	}
	f := os.NewFile(uintptr(fd), "listener-"+addr)
	defer f.Close() // FileListener keeps a duplicate
	l, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("listening descriptor %d: %w", fd, err)
	}
	return coalescingListener{l}, nil
}

func (fdTransport) Addr(ep string) (string, error) { return ep, nil }

// listeningOn reports whether fd is a TCP socket listening on ip:port.
func listeningOn(fd uintptr, ip string, port int) bool {
	if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil || v != 1 {
		return false
	}
	if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE); err != nil || v != syscall.SOCK_STREAM {
		return false
	}
	want := net.ParseIP(ip)
	sa, err := syscall.Getsockname(int(fd))
	if err != nil || want == nil {
		return false
	}
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return a.Port == port && net.IP(a.Addr[:]).Equal(want)
	case *syscall.SockaddrInet6:
		return a.Port == port && net.IP(a.Addr[:]).Equal(want)
	}
	return false
}

// listenEndpoint maps a tcp:// or ipc:// endpoint to the same address on the
// coalescing transport.
func listenEndpoint(ep string) (string, error) {
	if err := registerTransports(); err != nil {
		return "", err
	}
	for _, m := range []struct{ from, to string }{{"tcp://", coalesceTCP + "://"}, {"ipc://", coalesceIPC + "://"}} {
		if rest, ok := strings.CutPrefix(ep, m.from); ok {
			return m.to + rest, nil
		}
	}
	return "", fmt.Errorf("endpoint %q: not tcp:// or ipc://", ep)
}

// coalescingTransport is a zmq4 transport whose connections are coalescingConns.
type coalescingTransport struct {
	inner transport.Transport
}

func (t coalescingTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	c, err := t.inner.Dial(ctx, d, addr)
	if err != nil {
		return nil, err
	}
	return newCoalescingConn(c), nil
}

func (t coalescingTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := t.inner.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return coalescingListener{l}, nil
}

func (t coalescingTransport) Addr(ep string) (string, error) { return t.inner.Addr(ep) }

type coalescingListener struct{ net.Listener }

func (l coalescingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newCoalescingConn(c), nil
}

// The parser's states: which part of the ZMTP stream the next byte belongs to.
const (
	inGreeting = iota
	inFlags
	inSize
	inBody
)

// coalescingConn is a net.Conn whose writes are gathered per ZMTP message:
// the greeting goes through as is; after it, the writes are parsed as ZMTP 3
// frames (a flags byte, a 1- or 8-byte size, the body) and buffered, and the
// buffer is written when a frame completes that is a command or the last frame
// of a message. A body of coalesceDirect bytes or more is not copied: what is
// buffered and the body go out together in one writev. Writes may be split
// anywhere. Reads, deadlines and Close are the underlying connection's: a
// Write blocked on a slow peer is bounded by the write deadline and ended by
// Close. After a failed write the position in the ZMTP stream is unknown, so
// every later Write fails with the same error.
type coalescingConn struct {
	net.Conn
	raw syscall.RawConn // nil when the connection has no descriptor

	rbuf       []byte
	rpos, rend int

	mu     sync.Mutex
	state  int
	left   uint64 // greeting bytes, size bytes or body bytes still to come
	flags  byte
	size   uint64
	direct bool // the current body is written from the caller's slice
	buf    []byte
	err    error
}

func newCoalescingConn(c net.Conn) *coalescingConn {
	cc := &coalescingConn{Conn: c, state: inGreeting, left: zmtpGreetingLen}
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			cc.raw = rc
		}
	}
	return cc
}

// Read serves zmq4's small reads (a flags byte, a size, a body) from a
// buffer filled by one raw read; a read as large as the buffer, with the
// buffer empty, goes straight into p.
func (c *coalescingConn) Read(p []byte) (int, error) {
	if c.raw == nil {
		return c.Conn.Read(p)
	}
	if c.rpos == c.rend && len(p) >= readBuffer {
		return rawio.Read(c.raw, p)
	}
	if c.rpos == c.rend {
		if c.rbuf == nil {
			c.rbuf = make([]byte, readBuffer)
		}
		n, err := rawio.Read(c.raw, c.rbuf)
		if err != nil {
			return 0, err
		}
		c.rpos, c.rend = 0, n
	}
	n := copy(p, c.rbuf[c.rpos:c.rend])
	c.rpos += n
	return n, nil
}

// Write parses p as the continuation of the ZMTP stream and writes every
// message it completes. It returns len(p) unless a write failed.
func (c *coalescingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	n := 0
	for n < len(p) {
		rest := p[n:]
		switch c.state {
		case inGreeting:
			k := int(min(c.left, uint64(len(rest))))
			if err := c.writeOut(rest[:k]); err != nil {
				return n, err
			}
			n += k
			if c.left -= uint64(k); c.left == 0 {
				c.state = inFlags
			}
		case inFlags:
			if len(c.buf) >= coalesceMaxBuffered { // many small frames
				if err := c.flush(); err != nil {
					return n, err
				}
			}
			c.flags = rest[0]
			c.buf = append(c.buf, rest[0])
			n++
			c.size, c.left, c.state = 0, 1, inSize
			if c.flags&zmtpLong != 0 {
				c.left = 8
			}
		case inSize:
			k := int(min(c.left, uint64(len(rest))))
			for _, b := range rest[:k] {
				c.size = c.size<<8 | uint64(b)
			}
			c.buf = append(c.buf, rest[:k]...)
			n += k
			if c.left -= uint64(k); c.left > 0 {
				continue
			}
			if c.size == 0 {
				if err := c.frameDone(); err != nil {
					return n, err
				}
				continue
			}
			c.state, c.left, c.direct = inBody, c.size, c.size >= coalesceDirect
		case inBody:
			k := int(min(c.left, uint64(len(rest))))
			if c.direct {
				if err := c.writeOut(rest[:k]); err != nil {
					return n, err
				}
			} else {
				if len(c.buf)+k > coalesceMaxBuffered {
					if err := c.flush(); err != nil {
						return n, err
					}
				}
				c.buf = append(c.buf, rest[:k]...)
			}
			n += k
			if c.left -= uint64(k); c.left == 0 {
				if err := c.frameDone(); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nil
}

// frameDone ends a frame: a command or a message's last frame is written.
func (c *coalescingConn) frameDone() error {
	c.state, c.direct = inFlags, false
	if c.flags&zmtpCommand != 0 || c.flags&zmtpMore == 0 {
		return c.flush()
	}
	return nil
}

// flush writes what is buffered.
func (c *coalescingConn) flush() error {
	return c.writeOut(nil)
}

// writeOut writes the buffer followed by b (which is not copied), in one
// writev when both are there, and empties the buffer.
func (c *coalescingConn) writeOut(b []byte) error {
	var err error
	switch {
	case len(c.buf) == 0 && len(b) == 0:
		return nil
	case len(c.buf) == 0:
		_, err = c.Conn.Write(b)
	case len(b) == 0 && c.raw != nil:
		_, err = rawio.Write(c.raw, c.buf)
	case len(b) == 0:
		_, err = c.Conn.Write(c.buf)
	default:
		bufs := net.Buffers{c.buf, b}
		_, err = bufs.WriteTo(c.Conn)
	}
	if cap(c.buf) > coalesceMaxBuffered {
		c.buf = nil
	} else {
		c.buf = c.buf[:0]
	}
	if err != nil {
		c.err = err
	}
	return err
}
