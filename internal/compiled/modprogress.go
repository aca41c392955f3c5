package compiled

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// progressGap rate-limits the progress display's updates.
const progressGap = 250 * time.Millisecond

// modProgress is the one display a module operation updates in place:
// resolving, downloading N modules, compiling, loading; it stays with the
// outcome when done. A nil *modProgress shows nothing.
type modProgress struct {
	mu       sync.Mutex
	out      kernel.Output
	id       string
	start    time.Time
	what     string // the packages or modules being added
	stage    string
	detail   string
	loads    []string // modules downloaded
	compiled int      // packages compiled
	shown    bool
	last     time.Time
	lastText string
}

func newModProgress(out kernel.Output, what string) *modProgress {
	if out == nil {
		return nil
	}
	return &modProgress{out: out, id: fmt.Sprintf("gokernel-modules-%d-%x", time.Now().UnixNano(), rand.Uint32()), start: time.Now(), what: what}
}

// set changes the stage ("resolving", "compiling", ...) and shows it.
func (p *modProgress) set(stage, detail string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stage, p.detail = stage, detail
	p.mu.Unlock()
	p.send(true)
}

// downloading records a module the go command downloads.
func (p *modProgress) downloading(mod string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.loads = append(p.loads, mod)
	p.stage, p.detail = "downloading", mod
	p.mu.Unlock()
	p.send(false)
}

// compiling records a package the go command compiles.
func (p *modProgress) compiling(pkg string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.compiled++
	p.detail = pkg
	p.mu.Unlock()
	p.send(false)
}

// done shows the final line.
func (p *modProgress) done(text string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stage, p.detail = "", text
	p.mu.Unlock()
	p.send(true)
}

func (p *modProgress) text() string {
	el := time.Since(p.start).Seconds()
	if p.stage == "" {
		return fmt.Sprintf("%s (%.1f s)", p.detail, el)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Go modules for %s: %s", p.what, p.stage)
	switch {
	case p.stage == "downloading":
		fmt.Fprintf(&b, " %d module(s) (%s)", len(p.loads), p.detail)
	case p.stage == "compiling" && p.compiled > 0:
		fmt.Fprintf(&b, " %d package(s) (%s)", p.compiled, p.detail)
	case p.detail != "":
		fmt.Fprintf(&b, " (%s)", p.detail)
	}
	if len(p.loads) > 0 && p.stage != "downloading" {
		fmt.Fprintf(&b, "; downloaded %d module(s)", len(p.loads))
	}
	fmt.Fprintf(&b, "... %.1f s", el)
	return b.String()
}

func (p *modProgress) send(force bool) {
	p.mu.Lock()
	now := time.Now()
	if !force && p.shown && now.Sub(p.last) < progressGap {
		p.mu.Unlock()
		return
	}
	text := p.text()
	if p.shown && text == p.lastText {
		p.mu.Unlock()
		return
	}
	d := kernel.Display{ID: p.id, Update: p.shown, Metadata: map[string]any{}, Data: kernel.MIMEBundle{"text/plain": text}}
	p.shown, p.last, p.lastText = true, now, text
	p.mu.Unlock()
	p.out.Display(d)
}
