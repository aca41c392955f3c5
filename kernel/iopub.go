package kernel

import (
	"log/slog"
	"sync"

	"github.com/go-zeromq/zmq4"
)

// publisher is the one writer of the IOPub socket: its lock keeps messages in
// the order they were published. It sends on the caller's goroutine because
// zmq4 v0.17.0's PUB SendMulti never waits on a subscriber: it appends to the
// socket's own queue, whose writer goroutine does the network writes, and
// past the queue's high-water mark (set in Serve) it drops the message. So a
// subscriber that stops reading can neither stall execution nor grow memory
// without bound, and a cell's output takes one goroutine hand-off, not two.
type publisher struct {
	sock zmq4.Socket
	log  *slog.Logger

	mu     sync.Mutex
	closed bool
}

func newPublisher(sock zmq4.Socket, log *slog.Logger) *publisher {
	return &publisher{sock: sock, log: log}
}

// push sends frames, unless the publisher is closed.
func (p *publisher) push(frames [][]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if err := p.sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		p.log.Warn("iopub send failed", "err", err)
	}
}

// close stops accepting messages. Those pushed before it are in zmq4's
// queue; its writer sends them until Serve closes the socket, after the
// engine has stopped.
func (p *publisher) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
}
