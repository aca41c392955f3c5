package kernel

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// history is this kernel's input history: the source of every cell that
// asked to be stored, In[1] first. A notebook session can run tens of
// thousands of cells, so sources are kept end to end in one buffer with
// their end offsets (about the source's own size per cell) instead of a
// string header and allocation each.
type history struct {
	src  []byte
	ends []int
}

// historyEntry is one cell of the history: its execution count and source.
type historyEntry struct {
	Line   int
	Source string
}

// add stores the source of the next cell.
func (h *history) add(code string) {
	h.src = append(h.src, code...)
	h.ends = append(h.ends, len(h.src))
}

// entries returns every stored cell, oldest first.
func (h *history) entries() []historyEntry {
	out := make([]historyEntry, len(h.ends))
	start := 0
	for i, end := range h.ends {
		out[i] = historyEntry{Line: i + 1, Source: string(h.src[start:end])}
		start = end
	}
	return out
}

// query selects the entries a history_request asks for.
func (h *history) query(req historyRequest) ([]historyEntry, error) {
	hist := h.entries()
	var sel []historyEntry
	switch req.HistAccessType {
	case "tail":
		n := req.N
		if n <= 0 || n > len(hist) {
			n = len(hist)
		}
		sel = hist[len(hist)-n:]
	case "range":
		// Only this kernel's session exists; session 0 and negative sessions name it.
		if req.Session > 0 && req.Session != 1 {
			break
		}
		for _, e := range hist {
			if e.Line >= req.Start && (req.Stop <= 0 || e.Line < req.Stop) {
				sel = append(sel, e)
			}
		}
	case "search":
		re, err := globRegexp(req.Pattern)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for i := len(hist) - 1; i >= 0; i-- {
			e := hist[i]
			if !re.MatchString(e.Source) || (req.Unique && seen[e.Source]) {
				continue
			}
			seen[e.Source] = true
			sel = append(sel, e)
		}
		slices.Reverse(sel)
		if req.N > 0 && len(sel) > req.N {
			sel = sel[len(sel)-req.N:]
		}
	default:
		return nil, fmt.Errorf("hist_access_type %q is not one of tail, range, search", req.HistAccessType)
	}
	return sel, nil
}

// globRegexp compiles a history search pattern with the rules of SQLite's
// GLOB, which IPython's history search uses: the pattern matches the whole
// source, case-sensitively; * matches any text (newlines too), ? one
// character, [abc] and [a-z] one of a set, [^abc] one not in it (a ] right
// after [ or [^ is part of the set). An empty pattern matches everything, as
// ipykernel's default "*" does.
func globRegexp(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		pattern = "*"
	}
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			neg := j < len(rs) && rs[j] == '^'
			if neg {
				j++
			}
			start := j
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				// No closing bracket: SQLite matches nothing then; a
				// literal [ is the kinder reading of a typo.
				b.WriteString(regexp.QuoteMeta(string(c)))
				continue
			}
			b.WriteByte('[')
			if neg {
				b.WriteByte('^')
			}
			for _, r := range rs[start:j] {
				if r == '\\' || r == '[' || r == ']' || r == '^' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
			b.WriteByte(']')
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("history search pattern %q: %w", pattern, err)
	}
	return re, nil
}
