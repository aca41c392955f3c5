package kernel

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
