package lower

import (
	"fmt"
	"sort"
	"strings"
)

// edit replaces src[pos:end] with text. Rewrites are expressed as many small
// edits on token ranges (a keyword, a header, a closing brace) rather than as
// re-printed subtrees, so that edits made for nested constructs never overlap
// and the user's line structure survives untouched.
type edit struct {
	pos, end int
	text     string
	seq      int
}

type editor struct {
	src   []byte
	edits []edit
}

func (e *editor) replace(pos, end int, text string) {
	e.edits = append(e.edits, edit{pos: pos, end: end, text: text, seq: len(e.edits)})
}

func (e *editor) insert(pos int, text string) { e.replace(pos, pos, text) }

// apply splices all edits into the source. Overlapping edits indicate a bug
// in a rewrite; they are reported instead of producing garbage.
func (e *editor) apply() ([]byte, error) {
	es := append([]edit(nil), e.edits...)
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].pos != es[j].pos {
			return es[i].pos < es[j].pos
		}
		// Insertions at a position go before a replacement starting there.
		if (es[i].pos == es[i].end) != (es[j].pos == es[j].end) {
			return es[i].pos == es[i].end
		}
		return es[i].seq < es[j].seq
	})
	var b strings.Builder
	last := 0
	for _, ed := range es {
		if ed.pos < last || ed.end < ed.pos || ed.end > len(e.src) {
			return nil, fmt.Errorf("lower: internal error: overlapping rewrite at offset %d", ed.pos)
		}
		if strings.ContainsAny(ed.text, "\n") {
			return nil, fmt.Errorf("lower: internal error: multi-line rewrite at offset %d", ed.pos)
		}
		if strings.Count(string(e.src[ed.pos:ed.end]), "\n") != 0 {
			return nil, fmt.Errorf("lower: internal error: rewrite would remove a line at offset %d", ed.pos)
		}
		b.Write(e.src[last:ed.pos])
		b.WriteString(ed.text)
		last = ed.end
	}
	b.Write(e.src[last:])
	return []byte(b.String()), nil
}
