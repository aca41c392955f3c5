package kernel

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// recConn checks what a coalescingConn writes to it against src, the stream
// written to the coalescingConn (when src is set).
type recConn struct {
	net.Conn // nil: only Write is used
	src      []byte
	n        int      // bytes written
	writes   int      // Write calls
	copied   [][2]int // output ranges written from memory other than src's
	bad      int      // offset + 1 of the first write that differs from src
	ends     [][2]int // per non-empty write: its end offset and its length
}

func (r *recConn) Write(p []byte) (int, error) {
	r.writes++
	if len(p) == 0 {
		return 0, nil
	}
	if r.src != nil {
		if r.bad == 0 && (r.n+len(p) > len(r.src) || !bytes.Equal(p, r.src[r.n:r.n+len(p)])) {
			r.bad = r.n + 1
		}
		if r.n >= len(r.src) || &r.src[r.n] != &p[0] {
			r.copied = append(r.copied, [2]int{r.n, r.n + len(p)})
		}
	}
	r.n += len(p)
	r.ends = append(r.ends, [2]int{r.n, len(p)})
	return len(p), nil
}

type zframe struct {
	flags byte // zmtpMore, zmtpCommand, zmtpLong (forced when the body needs it), reserved bits
	body  []byte
}

// zstream is an encoded ZMTP stream (greeting and frames) and where its parts lie.
type zstream struct {
	b         []byte
	hdrStarts []int    // offset of each frame's flags byte
	hdrEnds   []int    // offset just after each frame's header
	ends      []int    // offset just after each frame
	flushAt   []int    // offsets where a message or a command ends
	large     [][2]int // body ranges of coalesceDirect bytes or more
}

func encodeZMTP(frames []zframe) zstream {
	var s zstream
	for i := 0; i < zmtpGreetingLen; i++ {
		s.b = append(s.b, byte(0xa0+i))
	}
	for _, f := range frames {
		fl := f.flags
		if len(f.body) > 255 {
			fl |= zmtpLong
		}
		s.hdrStarts = append(s.hdrStarts, len(s.b))
		s.b = append(s.b, fl)
		if fl&zmtpLong != 0 {
			s.b = binary.BigEndian.AppendUint64(s.b, uint64(len(f.body)))
		} else {
			s.b = append(s.b, byte(len(f.body)))
		}
		s.hdrEnds = append(s.hdrEnds, len(s.b))
		if len(f.body) >= coalesceDirect {
			s.large = append(s.large, [2]int{len(s.b), len(s.b) + len(f.body)})
		}
		s.b = append(s.b, f.body...)
		s.ends = append(s.ends, len(s.b))
		if fl&zmtpCommand != 0 || fl&zmtpMore == 0 {
			s.flushAt = append(s.flushAt, len(s.b))
		}
	}
	return s
}

func body(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

// testFrames is a greeting's worth of traffic: a READY command, a Jupyter-like
// message, empty frames, long and 8-byte-sized short frames, a large body in
// the middle of a message, a message that outgrows the buffer, a PING.
func testFrames() []zframe {
	fs := []zframe{{zmtpCommand, append([]byte("\x05READY"), body(20, 1)...)}}
	for i, n := range []int{36, 0, 64, 71, 400, 2, 300} { // a Jupyter message
		fl := byte(zmtpMore)
		if i == 6 {
			fl = 0
		}
		fs = append(fs, zframe{fl, body(n, byte(i))})
	}
	fs = append(fs, zframe{0, nil}, zframe{zmtpLong, body(3, 9)}, zframe{zmtpMore | zmtpLong, nil}, zframe{0, body(255, 4)})
	fs = append(fs, zframe{zmtpMore, body(10, 2)}, zframe{zmtpMore, body(coalesceDirect, 3)}, zframe{zmtpMore, body(5, 4)},
		zframe{0, body(300<<10, 5)})
	for i := 0; i < 5; i++ {
		fs = append(fs, zframe{zmtpMore, body(coalesceDirect-1, byte(i))})
	}
	fs = append(fs, zframe{zmtpMore, body(3, 1)}, zframe{zmtpCommand | zmtpMore, body(2, 2)}) // a command ends a message
	fs = append(fs, zframe{0, body(1, 0)}, zframe{zmtpCommand | zmtpLong, append([]byte("\x04PING"), body(300, 6)...)})
	return fs
}

// runSplit writes s through a coalescingConn in the given chunks and checks
// that the output is the input, that nothing is held back at the end of a
// message or command, that the buffer stays bounded and that large bodies are
// written from the caller's memory.
func runSplit(t *testing.T, s zstream, chunks [][2]int) *recConn {
	t.Helper()
	rc := &recConn{src: s.b}
	c := newCoalescingConn(rc)
	next := 0 // index into s.flushAt
	for _, ch := range chunks {
		p := s.b[ch[0]:ch[1]]
		n, err := c.Write(p)
		if err != nil || n != len(p) {
			t.Fatalf("Write(%d bytes at %d) = %d, %v", len(p), ch[0], n, err)
		}
		in := ch[1]
		if rc.bad != 0 || rc.n > in {
			t.Fatalf("after %d bytes in: the output (%d bytes) is not a prefix of the input (differs at %d)", in, rc.n, rc.bad-1)
		}
		for next < len(s.flushAt) && s.flushAt[next] < in {
			next++
		}
		if in <= zmtpGreetingLen || (next < len(s.flushAt) && s.flushAt[next] == in) {
			if rc.n != in {
				t.Fatalf("at a message end (%d bytes in) only %d bytes were written", in, rc.n)
			}
		}
		if held := in - rc.n; held > coalesceMaxBuffered+coalesceDirect {
			t.Fatalf("%d bytes held back", held)
		}
	}
	if len(s.flushAt) > 0 && s.flushAt[len(s.flushAt)-1] == len(s.b) && rc.n != len(s.b) {
		t.Fatalf("%d bytes written of %d", rc.n, len(s.b))
	}
	// Writes end only where a message or command ends, inside the greeting,
	// at or inside a large body, or when the buffer outgrew its bound.
	allowed := map[int]bool{}
	for _, e := range s.flushAt {
		allowed[e] = true
	}
	for _, w := range rc.ends {
		ok := allowed[w[0]] || w[0] <= zmtpGreetingLen || w[1] > coalesceMaxBuffered-coalesceDirect
		for _, r := range s.large {
			ok = ok || (r[0] <= w[0] && w[0] <= r[1])
		}
		if !ok {
			t.Fatalf("a write of %d bytes ended at %d, inside a message", w[1], w[0])
		}
	}
	for _, r := range s.large {
		for _, c := range rc.copied {
			if c[0] < r[1] && r[0] < c[1] {
				t.Fatalf("large body [%d, %d) was copied: [%d, %d)", r[0], r[1], c[0], c[1])
			}
		}
	}
	return rc
}

func chunksOf(total, size int) [][2]int {
	var cs [][2]int
	for off := 0; off < total; off += size {
		cs = append(cs, [2]int{off, min(off+size, total)})
	}
	return cs
}

// zmq4Chunks splits as zmq4 writes: the greeting, then each header, then each body.
func zmq4Chunks(s zstream) [][2]int {
	cs := [][2]int{{0, zmtpGreetingLen}}
	start := zmtpGreetingLen
	for i := range s.ends {
		cs = append(cs, [2]int{start, s.hdrEnds[i]}, [2]int{s.hdrEnds[i], s.ends[i]})
		start = s.ends[i]
	}
	return cs
}

func TestCoalescingConnSplits(t *testing.T) {
	s := encodeZMTP(testFrames())
	var perMsg [][2]int
	start := 0
	for _, e := range append([]int{zmtpGreetingLen}, s.flushAt...) {
		perMsg = append(perMsg, [2]int{start, e})
		start = e
	}
	// Every chunk boundary inside the 8-byte size of a long frame, and an empty write.
	var inSize [][2]int
	start = 0
	for i, h := range s.hdrEnds {
		if h-s.hdrStarts[i] == 9 {
			inSize = append(inSize, [2]int{start, h - 4}, [2]int{h - 4, h - 4})
			start = h - 4
		}
		if i == len(s.hdrEnds)-1 {
			inSize = append(inSize, [2]int{start, len(s.b)})
		}
	}
	for _, tt := range []struct {
		name   string
		chunks [][2]int
	}{
		{"as zmq4 writes", zmq4Chunks(s)},
		{"one write", [][2]int{{0, len(s.b)}}},
		{"per message", perMsg},
		{"inside sizes", inSize},
		{"1 byte", chunksOf(len(s.b), 1)},
		{"3 bytes", chunksOf(len(s.b), 3)},
		{"63 bytes", chunksOf(len(s.b), 63)},
		{"1000 bytes", chunksOf(len(s.b), 1000)},
		{"100000 bytes", chunksOf(len(s.b), 100000)},
	} {
		t.Run(tt.name, func(t *testing.T) { runSplit(t, s, tt.chunks) })
	}
}

// TestCoalescingConnWrites counts the writes: one for the greeting, one per
// command or small message, instead of two per frame.
func TestCoalescingConnWrites(t *testing.T) {
	var fs []zframe
	fs = append(fs, zframe{zmtpCommand, []byte("\x05READY")})
	for m := 0; m < 5; m++ {
		for i, n := range []int{36, 0, 64, 71, 400, 2, 300} {
			fl := byte(zmtpMore)
			if i == 6 {
				fl = 0
			}
			fs = append(fs, zframe{fl, body(n, byte(i))})
		}
	}
	s := encodeZMTP(fs)
	rc := runSplit(t, s, zmq4Chunks(s))
	if want := 1 + 1 + 5; rc.writes != want {
		t.Fatalf("%d writes, want %d", rc.writes, want)
	}
}

// TestCoalescingConnManyFrames: a message of many empty frames does not grow
// the buffer past its bound.
func TestCoalescingConnManyFrames(t *testing.T) {
	fs := make([]zframe, 150000)
	for i := range fs {
		fs[i].flags = zmtpMore
	}
	fs = append(fs, zframe{})
	s := encodeZMTP(fs)
	runSplit(t, s, zmq4Chunks(s))
}

func FuzzCoalescingConn(f *testing.F) {
	f.Add([]byte{zmtpCommand, 0, 6, zmtpMore, 1, 44, 0, 0, 3}, []byte{64, 2, 6, 2, 255})
	f.Add([]byte{zmtpMore | 0x80, 0, 0, zmtpMore, 0, 0, zmtpLong, 0, 1}, []byte{1, 1, 1, 230, 0, 9})
	f.Fuzz(func(t *testing.T, desc, splits []byte) {
		// desc: per frame a flags byte (bit 7: a body around coalesceDirect)
		// and a 2-byte size; splits: chunk sizes (200 and up: multiples of 4 KiB),
		// the rest in one write.
		var fs []zframe
		for len(desc) >= 3 && len(fs) < 64 {
			n := int(desc[1])<<8 | int(desc[2])
			if desc[0]&0x80 != 0 {
				n = coalesceDirect - 2048 + n%4096
			}
			fs = append(fs, zframe{desc[0] &^ 0x80, body(n, desc[2])})
			desc = desc[3:]
		}
		s := encodeZMTP(fs)
		var chunks [][2]int
		off := 0
		for _, b := range splits {
			n := int(b)
			if n >= 200 {
				n = (n - 199) * 4096
			}
			n = min(n, len(s.b)-off)
			chunks = append(chunks, [2]int{off, off + n})
			off += n
		}
		chunks = append(chunks, [2]int{off, len(s.b)})
		runSplit(t, s, chunks)
	})
}

// errConn fails every write after the first `ok` bytes.
type errConn struct {
	net.Conn
	ok int
}

var errBroken = errors.New("broken pipe")

func (e *errConn) Write(p []byte) (int, error) {
	if len(p) <= e.ok {
		e.ok -= len(p)
		return len(p), nil
	}
	n := e.ok
	e.ok = 0
	return n, errBroken
}

func TestCoalescingConnErrorSticks(t *testing.T) {
	s := encodeZMTP(testFrames())
	c := newCoalescingConn(&errConn{ok: 100})
	var err error
	for _, ch := range zmq4Chunks(s) {
		if _, err = c.Write(s.b[ch[0]:ch[1]]); err != nil {
			break
		}
	}
	if !errors.Is(err, errBroken) {
		t.Fatalf("err = %v, want %v", err, errBroken)
	}
	if n, err := c.Write([]byte{0}); n != 0 || !errors.Is(err, errBroken) {
		t.Fatalf("write after a failure = %d, %v", n, err)
	}
}

// TestCoalescingConnDeadline: a write blocked on a peer that does not read
// ends at the write deadline with a timeout, and Close ends one too.
func TestCoalescingConnDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := newCoalescingConn(a)
	s := encodeZMTP([]zframe{{0, body(10, 0)}})
	if err := c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := c.Write(s.b)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}

	a2, b2 := net.Pipe()
	defer b2.Close()
	c2 := newCoalescingConn(a2)
	done := make(chan error, 1)
	go func() { _, err := c2.Write(s.b); done <- err }()
	time.Sleep(20 * time.Millisecond)
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrClosed) && err == nil {
			t.Fatalf("err = %v after Close", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write still blocked after Close")
	}
}

// TestCoalescingConnConcurrentMessages: whole messages written from several
// goroutines each go out in one piece (the race detector checks the locking).
func TestCoalescingConnConcurrentMessages(t *testing.T) {
	rc := &recConn{}
	c := newCoalescingConn(rc)
	if _, err := c.Write(make([]byte, zmtpGreetingLen)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				s := encodeZMTP([]zframe{{zmtpMore, body(40, byte(g))}, {0, body(300, byte(i))}})
				if _, err := c.Write(s.b[zmtpGreetingLen:]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if want := 1 + 8*50; rc.writes != want {
		t.Fatalf("%d writes, want %d", rc.writes, want)
	}
}

func TestListenEndpoint(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"tcp://127.0.0.1:5555", "gokernel-tcp://127.0.0.1:5555"},
		{"ipc:///tmp/kernel-1", "gokernel-ipc:///tmp/kernel-1"},
		{"inproc://x", ""},
	} {
		got, err := listenEndpoint(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("listenEndpoint(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestCoalescingTransportZMQ runs real zmq4 sockets over the coalescing
// transports, the kernel's side listening and a plain tcp:// or ipc:// peer.
func TestCoalescingTransportZMQ(t *testing.T) {
	ipc := filepath.Join(t.TempDir(), "k")
	for _, ep := range []string{fmt.Sprintf("tcp://127.0.0.1:%d", freePorts(t, 1)[0]), "ipc://" + ipc + "-1"} {
		t.Run(ep[:3], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			lep, err := listenEndpoint(ep)
			if err != nil {
				t.Fatal(err)
			}
			router := zmq4.NewRouter(ctx, zmq4.WithTimeout(5*time.Second))
			defer router.Close()
			if err := router.Listen(lep); err != nil {
				t.Fatal(err)
			}
			dealer := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("client")))
			defer dealer.Close()
			if err := dealer.Dial(ep); err != nil {
				t.Fatal(err)
			}
			big := body(3<<20, 7)
			// Requests go through the coalescing connection's reads:
			// small ones from its buffer, the large one straight into
			// zmq4's, and a burst that arrives in one read.
			reqBody := func(i int) []byte {
				if i == 2 {
					return big
				}
				return big[:i*1000]
			}
			for i := 0; i < 3; i++ {
				if err := dealer.SendMulti(zmq4.NewMsgFrom([]byte("req"), reqBody(i))); err != nil {
					t.Fatal(err)
				}
				req, err := router.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if len(req.Frames) != 3 || string(req.Frames[1]) != "req" || !bytes.Equal(req.Frames[2], reqBody(i)) {
					t.Fatalf("request %d: %d frames", i, len(req.Frames))
				}
				reply := [][]byte{req.Frames[0], []byte("<IDS|MSG>"), body(64, 1), nil, body(300, 2)}
				if i == 2 {
					reply = append(reply, big)
				}
				if err := router.SendMulti(zmq4.NewMsgFrom(reply...)); err != nil {
					t.Fatal(err)
				}
				got, err := dealer.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Frames) != len(reply)-1 {
					t.Fatalf("reply %d: %d frames, want %d", i, len(got.Frames), len(reply)-1)
				}
				for j, fr := range got.Frames {
					if !bytes.Equal(fr, reply[j+1]) {
						t.Fatalf("reply %d frame %d differs", i, j)
					}
				}
			}
			for i := 0; i < 100; i++ {
				if err := dealer.SendMulti(zmq4.NewMsgFrom([]byte("burst"), body(i*5, byte(i)))); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 100; i++ {
				req, err := router.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if len(req.Frames) != 3 || !bytes.Equal(req.Frames[2], body(i*5, byte(i))) {
					t.Fatalf("burst message %d differs", i)
				}
			}
		})
	}
	if _, err := os.Stat(ipc + "-1"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ipc socket file left behind after Close: %v", err)
	}
}
