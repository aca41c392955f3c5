package bq

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// displays records what a query's progress publishes.
type displays struct{ got []kernel.Display }

func (d *displays) Stream(string, string)    {}
func (d *displays) Display(x kernel.Display) { d.got = append(d.got, x) }
func (d *displays) ClearOutput(bool)         {}
func (d *displays) Input(context.Context, string, bool) (string, error) {
	return "", nil
}

func TestProgressSendsOnlyChanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(p *progress)
		want int
	}{
		{"forced repeat of the final state", func(p *progress) {
			p.finish(time.Second, "", 0)
			p.send(true)
			p.finish(time.Second, "", 0)
		}, 1},
		{"final state after a download", func(p *progress) {
			p.mu.Lock()
			p.downloading, p.rows, p.total = true, 5, 10
			p.mu.Unlock()
			p.send(true)
			p.finish(time.Second, "", 10)
		}, 2},
		{"quiet", func(p *progress) { p.finish(time.Second, "", 0) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &displays{}
			p := newProgress(rec, tc.name == "quiet", time.Now())
			tc.run(p)
			if len(rec.got) != tc.want {
				t.Fatalf("%d displays, want %d", len(rec.got), tc.want)
			}
			for i, d := range rec.got {
				if d.ID != p.id || d.Update != (i > 0) {
					t.Errorf("display %d: id %q update %v; want id %q update %v", i, d.ID, d.Update, p.id, i > 0)
				}
			}
		})
	}
}

func TestProgressShowsDownloadRate(t *testing.T) {
	p := newProgress(&displays{}, false, time.Now())
	p.downloaded(1, 100)
	p.mu.Lock()
	p.dlStart = p.dlStart.Add(-2 * time.Second)
	p.mu.Unlock()
	p.downloaded(40000, 100000)
	p.mu.Lock()
	txt := p.text()
	p.mu.Unlock()
	if !strings.Contains(txt, "downloaded 40,000 of 100,000 rows") || !strings.Contains(txt, " rows/s") {
		t.Errorf("progress text lacks the download rate: %q", txt)
	}
}
