// Package htmltable writes the kernel's HTML tables (bq's query results and
// summaries, display.Table, %who) with one escaper and one layout. Every
// text is escaped, so data can never inject markup or script into the
// notebook.
package htmltable

import "strings"

// WriteEscaped writes s to sb with HTML's five special characters escaped,
// as html.EscapeString does, straight into the builder: a 10k-row result
// table has 100k cells, so no intermediate strings.
func WriteEscaped[T string | []byte](sb *strings.Builder, s T) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&#34;"
		case '\'':
			rep = "&#39;"
		default:
			continue
		}
		sb.WriteString(string(s[last:i]))
		sb.WriteString(rep)
		last = i + 1
	}
	sb.WriteString(string(s[last:]))
}

// Escape returns s escaped as WriteEscaped writes it.
func Escape(s string) string {
	var sb strings.Builder
	WriteEscaped(&sb, s)
	return sb.String()
}

// Writer writes one table into B: Open, the header cells, Body, then Row
// and its cells for each row, and Close.
type Writer struct {
	B *strings.Builder
	// Lines ends each body row with a newline, so a large table's source
	// stays readable in a saved notebook.
	Lines bool
	inRow bool
}

// Open starts the table (with the class attribute, unless "") and its
// header row.
func (w *Writer) Open(class string) {
	if class == "" {
		w.B.WriteString("<table><thead><tr>")
		return
	}
	w.B.WriteString(`<table class="`)
	WriteEscaped(w.B, class)
	w.B.WriteString(`"><thead><tr>`)
}

// Head writes a header cell, <th>: in the header row, or leading a body row.
func (w *Writer) Head(text string) {
	w.B.WriteString("<th>")
	WriteEscaped(w.B, text)
	w.B.WriteString("</th>")
}

// HeadSub writes a header cell with a second line in <span class="t">
// (a column's type under its name), which the caller's CSS styles.
func (w *Writer) HeadSub(text, sub string) {
	w.B.WriteString("<th>")
	WriteEscaped(w.B, text)
	w.B.WriteString(`<br><span class="t">`)
	WriteEscaped(w.B, sub)
	w.B.WriteString("</span></th>")
}

// Body ends the header row and starts the body.
func (w *Writer) Body() {
	w.B.WriteString("</tr></thead><tbody>")
	w.newline()
}

// Row starts a body row, ending the one before.
func (w *Writer) Row() {
	w.endRow()
	w.B.WriteString("<tr>")
	w.inRow = true
}

// Cell writes a data cell, <td>, of the class unless "".
func (w *Writer) Cell(class, text string) {
	w.openCell(class)
	WriteEscaped(w.B, text)
	w.B.WriteString("</td>")
}

// CellBytes is Cell for text in a byte slice (a value formatted into a
// reused buffer).
func (w *Writer) CellBytes(class string, text []byte) {
	w.openCell(class)
	WriteEscaped(w.B, text)
	w.B.WriteString("</td>")
}

// CellHTML writes a data cell whose content is already HTML.
func (w *Writer) CellHTML(class, html string) {
	w.openCell(class)
	w.B.WriteString(html)
	w.B.WriteString("</td>")
}

// Close ends the last row and the table.
func (w *Writer) Close() {
	w.endRow()
	w.B.WriteString("</tbody></table>")
}

func (w *Writer) openCell(class string) {
	if class == "" {
		w.B.WriteString("<td>")
		return
	}
	w.B.WriteString(`<td class="`)
	WriteEscaped(w.B, class)
	w.B.WriteString(`">`)
}

func (w *Writer) endRow() {
	if w.inRow {
		w.B.WriteString("</tr>")
		w.newline()
		w.inRow = false
	}
}

func (w *Writer) newline() {
	if w.Lines {
		w.B.WriteByte('\n')
	}
}
