package worker

import (
	"bytes"
	"sync/atomic"
)

// Text and rich output reach the parent on different pipes: a cell's text on
// its stdout and stderr, its displays as frames. Draining the text pipes
// before delivering a display puts the text written before the display
// first, but the cell may already have written more text, after the display,
// and that drain would deliver it first too: `fmt.Println("a");
// display.Markdown("b"); fmt.Println("c")` showed "a c" then "b" in three
// runs out of four.
//
// So with each display or clear event the child writes a mark to both text
// pipes, in the same order as the events (under the child's write lock), and
// the event carries the count of marks written. The parent counts the marks
// each stream reads: text after a stream's k-th mark waits until the event
// with Mark k has been delivered. A cell has no marks unless it displays.

// syncMark is what the child writes. It starts and ends with bytes that
// never occur in UTF-8 (0xff, 0xfe), so no text can contain it; only binary
// output could, by chance, over all 17 bytes.
var syncMark = []byte("\xff\xfegokernel-mark\xfe\xff")

// markGate is how far the delivered events go, shared by a process's streams.
type markGate struct {
	delivered atomic.Uint64
}

// advance records that the event with mark k was delivered. Events from the
// two control pipes can be delivered out of order; the gate only moves on.
func (g *markGate) advance(k uint64) {
	for {
		cur := g.delivered.Load()
		if k <= cur || g.delivered.CompareAndSwap(cur, k) {
			return
		}
	}
}

// partialMark returns how many bytes at the end of b begin a mark.
func partialMark(b []byte) int {
	for n := min(len(syncMark)-1, len(b)); n > 0; n-- {
		if bytes.Equal(b[len(b)-n:], syncMark[:n]) {
			return n
		}
	}
	return 0
}
