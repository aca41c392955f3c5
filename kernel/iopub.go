package kernel

import (
	"context"
	"log/slog"
	"sync"

	"github.com/go-zeromq/zmq4"
)

// publisher is the one writer of the IOPub socket. Producers never wait on
// it: messages go into a queue bounded in bytes, and droppable messages
// (stream and display output) are dropped, counted and reported once the
// subscriber catches up, because zmq4's PUB has no high-water mark of its own
// and a stalled subscriber would otherwise stall execution or grow memory.
type publisher struct {
	sock     zmq4.Socket
	log      *slog.Logger
	maxBytes int

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []pubItem
	bytes   int
	dropped int
	closed  bool
	done    chan struct{}
}

type pubItem struct {
	frames [][]byte
	size   int
}

func newPublisher(sock zmq4.Socket, log *slog.Logger, maxBytes int) *publisher {
	p := &publisher{sock: sock, log: log, maxBytes: maxBytes, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// push queues frames. A droppable message is discarded when the queue is
// over its byte budget; control messages (status, replies, results) always go.
func (p *publisher) push(frames [][]byte, droppable bool) bool {
	size := 0
	for _, f := range frames {
		size += len(f)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	if droppable && p.bytes+size > p.maxBytes {
		p.dropped++
		return false
	}
	p.queue = append(p.queue, pubItem{frames, size})
	p.bytes += size
	p.cond.Signal()
	return true
}

// takeDropped returns and resets the count of dropped messages.
func (p *publisher) takeDropped() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.dropped
	p.dropped = 0
	return n
}

func (p *publisher) run(ctx context.Context) {
	defer close(p.done)
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if len(p.queue) == 0 && p.closed {
			p.mu.Unlock()
			return
		}
		it := p.queue[0]
		p.queue[0] = pubItem{}
		p.queue = p.queue[1:]
		p.bytes -= it.size
		p.mu.Unlock()
		if err := p.sock.SendMulti(zmq4.NewMsgFrom(it.frames...)); err != nil && ctx.Err() == nil {
			p.log.Warn("iopub send failed", "err", err)
		}
	}
}

// close stops accepting messages and waits until the queue is written.
func (p *publisher) close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	<-p.done
}
