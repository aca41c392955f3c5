package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"
)

// flushInterval bounds how long stream text waits before it is published;
// ipykernel uses 200 ms; 50 keeps a progress line looking live.
const flushInterval = 50 * time.Millisecond

// maxStreamChunk is the most text one stream message carries, so that one
// message never monopolises the IOPub queue.
const maxStreamChunk = 256 << 10

// streamer batches stream text from cells, keeping stdout and stderr in the
// order they were written, and attributes it to the current execute request
// (goroutines that outlive a cell keep writing to the last one, as ipykernel does).
type streamer struct {
	r     *Router
	mu    sync.Mutex
	cell  CurrentOutput // the current request's *requestOutput
	segs  []streamContent
	size  int
	timer *time.Timer
	// sent counts the bytes published for the current parent; past
	// maxBytes the rest is counted in cut and reported once, so a cell
	// printing without end cannot flood the front end.
	sent, cut, maxBytes int
}

// start flushes what belongs to the previous request and switches to out.
func (st *streamer) start(out *requestOutput) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.flushLocked()
	st.reportCutLocked()
	st.cell.Set(out)
	st.sent, st.cut = 0, 0
}

// parent is the header of the request stream text goes to ("{}" before
// the first).
func (st *streamer) parent() json.RawMessage {
	if o, ok := st.cell.Get().(*requestOutput); ok {
		return o.parent
	}
	return json.RawMessage("{}")
}

// reportCutLocked tells the front end how much output was left out.
func (st *streamer) reportCutLocked() {
	if st.cut == 0 {
		return
	}
	st.r.publish(st.parent(), "stream", streamContent{Name: "stderr", Text: fmt.Sprintf(
		"\n[gokernel: output truncated: %d more bytes were not shown (limit %d bytes per cell)]\n", st.cut, st.maxBytes)})
	st.cut = 0
}

func (st *streamer) write(name, text string) {
	if text == "" {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.maxBytes > 0 && st.sent+st.size+len(text) > st.maxBytes {
		room := st.maxBytes - st.sent - st.size
		if room < 0 {
			room = 0
		}
		for room > 0 && !utf8.RuneStart(text[room]) {
			room--
		}
		st.cut += len(text) - room
		text = text[:room]
		if text == "" {
			return
		}
	}
	if n := len(st.segs); n > 0 && st.segs[n-1].Name == name {
		st.segs[n-1].Text += text
	} else {
		st.segs = append(st.segs, streamContent{Name: name, Text: text})
	}
	st.size += len(text)
	if st.size >= maxStreamChunk {
		st.flushLocked()
		return
	}
	if st.timer == nil {
		st.timer = time.AfterFunc(flushInterval, st.flush)
	}
}

func (st *streamer) flush() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.flushLocked()
}

// finish flushes at the end of a request and reports truncated output.
func (st *streamer) finish() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.flushLocked()
	st.reportCutLocked()
}

func (st *streamer) flushLocked() {
	if st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
	parent := st.parent()
	for _, seg := range st.segs {
		for seg.Text != "" {
			chunk := seg.Text
			if len(chunk) > maxStreamChunk {
				cut := maxStreamChunk
				for cut > 0 && !utf8.RuneStart(chunk[cut]) {
					cut--
				}
				chunk = chunk[:cut]
			}
			seg.Text = seg.Text[len(chunk):]
			st.r.publish(parent, "stream", streamContent{Name: seg.Name, Text: chunk})
		}
	}
	st.sent += st.size
	st.segs = st.segs[:0]
	st.size = 0
}

// requestOutput is the Output an Engine gets for one execute_request.
type requestOutput struct {
	r          *Router
	parent     json.RawMessage
	identities [][]byte
	allowStdin bool
}

func (o *requestOutput) Stream(name, text string) {
	if name != "stdout" && name != "stderr" {
		name = "stdout"
	}
	o.r.streams.write(name, text)
}

func (o *requestOutput) Display(d Display) {
	o.r.streams.flush()
	if d.Metadata == nil {
		d.Metadata = map[string]any{}
	}
	c := displayContent{Data: d.Data, Metadata: d.Metadata}
	if d.ID != "" {
		c.Transient = &transient{DisplayID: d.ID}
	}
	typ := "display_data"
	if d.Update && d.ID != "" {
		typ = "update_display_data"
	}
	o.r.publish(o.parent, typ, c)
}

func (o *requestOutput) ClearOutput(wait bool) {
	o.r.streams.flush()
	o.r.publish(o.parent, "clear_output", clearOutput{Wait: wait})
}

// ErrStdinNotAllowed is returned by Input when the request said allow_stdin: false
// (nbconvert, papermill): nobody could ever answer.
var ErrStdinNotAllowed = errors.New("this front end does not accept input (allow_stdin is false): input is not possible here")

func (o *requestOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if !o.allowStdin {
		return "", ErrStdinNotAllowed
	}
	o.r.streams.flush()
	return o.r.stdin.request(ctx, o.identities, o.parent, inputRequest{Prompt: prompt, Password: password})
}

// stdinChannel sends input_request messages and hands back the replies.
type stdinChannel struct {
	r       *Router
	mu      sync.Mutex
	waiting chan string
}

func (c *stdinChannel) request(ctx context.Context, ids [][]byte, parent json.RawMessage, req inputRequest) (string, error) {
	ch := make(chan string, 1)
	c.mu.Lock()
	if c.waiting != nil {
		c.mu.Unlock()
		return "", errors.New("another input request is already pending")
	}
	c.waiting = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.waiting = nil
		c.mu.Unlock()
	}()
	if err := c.r.send(Stdin, ids, parent, "input_request", req); err != nil {
		return "", err
	}
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return "", fmt.Errorf("input request abandoned: %w", ctx.Err())
	}
}

// deliver hands a reply to the pending request; stale replies are dropped.
func (c *stdinChannel) deliver(v string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting == nil {
		return false
	}
	select {
	case c.waiting <- v:
		return true
	default:
		return false
	}
}
