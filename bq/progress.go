package bq

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/gokernel/gokernel/internal/htmltable"
	"github.com/gokernel/gokernel/kernel"
)

// minUpdateGap rate-limits progress updates so a fast download does not
// flood the front end with update_display_data messages.
const minUpdateGap = 200 * time.Millisecond

// progress is the one display a query updates in place: first the job's
// state and statistics, then the download, and it stays when done.
type progress struct {
	mu       sync.Mutex
	out      kernel.Output
	quiet    bool
	id       string
	shown    bool
	start    time.Time
	lastSent time.Time
	// lastText is what the display says now: an update saying the same
	// is not sent (a small result finishes within one elapsed-time step).
	lastText string

	state          string
	jobID, jobURL  string
	bytesProcessed int64
	cacheHit       bool
	slotMillis     int64
	completed      int64
	units          int64

	downloading bool
	rows, total uint64
	// dlStart is when the first row arrived; dlTime how long the rows so
	// far took, for the download rate.
	dlStart time.Time
	dlTime  time.Duration
	elapsed time.Duration
	note    string
	// final freezes elapsed once the query finished, failed or was cancelled.
	final bool
}

func newProgress(out kernel.Output, quiet bool, start time.Time) *progress {
	return &progress{out: out, quiet: quiet, id: "bq-" + randomID(8), start: start, state: "PENDING"}
}

// status folds a job status into the display.
func (p *progress) status(st *bigquery.JobStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch st.State {
	case bigquery.Pending:
		p.state = "PENDING"
	case bigquery.Running:
		p.state = "RUNNING"
	case bigquery.Done:
		p.state = "DONE"
	}
	s := st.Statistics
	if s == nil {
		return
	}
	if s.TotalBytesProcessed > 0 {
		p.bytesProcessed = s.TotalBytesProcessed
	}
	if qs, ok := s.Details.(*bigquery.QueryStatistics); ok {
		p.cacheHit = qs.CacheHit
		if qs.SlotMillis > 0 {
			p.slotMillis = qs.SlotMillis
		}
		if qs.TotalBytesProcessed > 0 {
			p.bytesProcessed = qs.TotalBytesProcessed
		}
		if n := len(qs.Timeline); n > 0 {
			t := qs.Timeline[n-1]
			p.completed = t.CompletedUnits
			p.units = t.CompletedUnits + t.PendingUnits + t.ActiveUnits
			if t.SlotMillis > p.slotMillis {
				p.slotMillis = t.SlotMillis
			}
		}
	}
}

// send publishes the display; unless force, at most every minUpdateGap.
func (p *progress) send(force bool) {
	if p == nil || p.quiet {
		return
	}
	p.mu.Lock()
	now := time.Now()
	if !force && p.shown && now.Sub(p.lastSent) < minUpdateGap {
		p.mu.Unlock()
		return
	}
	p.lastSent = now
	if !p.final {
		p.elapsed = now.Sub(p.start)
	}
	text := p.text()
	if p.shown && text == p.lastText {
		p.mu.Unlock()
		return
	}
	p.lastText = text
	d := kernel.Display{
		Data:     kernel.MIMEBundle{"text/plain": text, "text/html": p.html()},
		Metadata: map[string]any{},
		ID:       p.id,
		Update:   p.shown,
	}
	p.shown = true
	p.mu.Unlock()
	p.out.Display(d)
}

// fail marks the display with a final state (FAILED, CANCELLED).
func (p *progress) fail(state string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.state = state
	p.elapsed = time.Since(p.start)
	p.final = true
	p.mu.Unlock()
	p.send(true)
}

// downloaded records that rows of total have arrived and sends the display
// (at most every minUpdateGap).
func (p *progress) downloaded(rows, total uint64) {
	p.mu.Lock()
	now := time.Now()
	if p.dlStart.IsZero() {
		p.dlStart = now
	}
	p.downloading = true
	p.rows, p.total, p.dlTime = rows, total, now.Sub(p.dlStart)
	p.mu.Unlock()
	p.send(false)
}

// finish shows the final state: done, how long, and where the rows went.
func (p *progress) finish(d time.Duration, csvPath string, rows uint64) {
	p.mu.Lock()
	p.state = "DONE"
	p.elapsed = d
	p.final = true
	p.downloading = true
	if csvPath != "" {
		p.note = fmt.Sprintf("%s rows written to %s", formatCount(int64(rows)), csvPath)
	}
	p.mu.Unlock()
	p.send(true)
}

type progressPart struct{ text, url string }

func (p *progress) parts() []progressPart {
	ps := []progressPart{{text: p.state}, {text: formatDuration(p.elapsed)}}
	if p.jobID != "" {
		ps = append(ps, progressPart{text: "job " + p.jobID, url: p.jobURL})
	}
	if p.bytesProcessed > 0 {
		ps = append(ps, progressPart{text: FormatBytes(p.bytesProcessed) + " processed"})
	}
	if p.state == "DONE" || p.cacheHit {
		if p.cacheHit {
			ps = append(ps, progressPart{text: "cache hit"})
		} else {
			ps = append(ps, progressPart{text: "not cached"})
		}
	}
	if p.slotMillis > 0 {
		ps = append(ps, progressPart{text: "slot time " + formatDuration(time.Duration(p.slotMillis)*time.Millisecond)})
	}
	if p.units > 0 && p.state == "RUNNING" {
		ps = append(ps, progressPart{text: fmt.Sprintf("%d%% of work units (%d/%d)", p.completed*100/p.units, p.completed, p.units)})
	}
	if p.downloading {
		if p.total > 0 {
			ps = append(ps, progressPart{text: fmt.Sprintf("downloaded %s of %s rows", formatCount(int64(p.rows)), formatCount(int64(p.total)))})
		} else {
			ps = append(ps, progressPart{text: fmt.Sprintf("downloaded %s rows", formatCount(int64(p.rows)))})
		}
		// Below half a second the rate is noise (the first page).
		if p.dlTime >= 500*time.Millisecond && p.rows > 0 {
			ps = append(ps, progressPart{text: formatCount(int64(float64(p.rows)/p.dlTime.Seconds())) + " rows/s"})
		}
	}
	if p.note != "" {
		ps = append(ps, progressPart{text: p.note})
	}
	return ps
}

func (p *progress) text() string {
	ps := p.parts()
	ts := make([]string, len(ps))
	for i, x := range ps {
		ts[i] = x.text
	}
	return "BigQuery: " + strings.Join(ts, " · ")
}

func (p *progress) html() string {
	var sb strings.Builder
	sb.WriteString(`<div class="gkbq-progress" style="font-size:12px;color:#444">BigQuery: `)
	for i, x := range p.parts() {
		if i > 0 {
			sb.WriteString(" · ")
		}
		if i == 0 {
			sb.WriteString("<b>")
			htmltable.WriteEscaped(&sb, x.text)
			sb.WriteString("</b>")
			continue
		}
		if x.url != "" {
			sb.WriteString(`<a href="`)
			htmltable.WriteEscaped(&sb, x.url)
			sb.WriteString(`" target="_blank" rel="noopener">`)
			htmltable.WriteEscaped(&sb, x.text)
			sb.WriteString("</a>")
			continue
		}
		htmltable.WriteEscaped(&sb, x.text)
	}
	if p.downloading && p.total > 0 && p.rows < p.total && !p.final {
		fmt.Fprintf(&sb, ` <progress value="%d" max="%d"></progress>`, p.rows, p.total)
	}
	sb.WriteString("</div>")
	return sb.String()
}
