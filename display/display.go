// Package display is what notebook cells import as "gokernel/display" to
// show rich output: HTML, Markdown, images, JSON, LaTeX, tables, and
// displays updated in place.
//
// Cells see package-level functions, but each interpreter gets its own set
// bound to its own Output (see Exports), so nothing here is global state.
package display

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"reflect"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/kernel"
)

// ImportPath is the path cells import.
const ImportPath = "gokernel/display"

// ID names a display so it can be updated in place.
type ID string

// Bundle is a MIME bundle: MIME type to data.
type Bundle map[string]any

// Sink is where a cell's displays go; the engine points it at the Output of
// the cell that is running.
type Sink func() kernel.Output

// Displayer shows bundles through a Sink. Its methods are what cells call.
type Displayer struct {
	sink Sink
}

// New returns a Displayer writing to whatever sink returns at call time.
func New(sink Sink) *Displayer { return &Displayer{sink: sink} }

func newID() ID {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return ID("gk-" + hex.EncodeToString(b[:]))
}

// Show publishes b as a new display and returns its ID.
func (d *Displayer) Show(b Bundle) ID {
	id := newID()
	if out := d.sink(); out != nil {
		out.Display(kernel.Display{Data: kernel.MIMEBundle(b), Metadata: map[string]any{}, ID: string(id)})
	}
	return id
}

// Update replaces the content of the display id.
func (d *Displayer) Update(id ID, b Bundle) {
	if out := d.sink(); out != nil {
		out.Display(kernel.Display{Data: kernel.MIMEBundle(b), Metadata: map[string]any{}, ID: string(id), Update: true})
	}
}

// Clear clears the cell's output; with wait, only when new output arrives.
func (d *Displayer) Clear(wait bool) {
	if out := d.sink(); out != nil {
		out.ClearOutput(wait)
	}
}

// HTMLBundle and friends build bundles; each has a text/plain twin so text
// front ends and exports still show something.
func HTMLBundle(s string) Bundle { return Bundle{"text/html": s, "text/plain": stripTags(s)} }

// MarkdownBundle renders Markdown.
func MarkdownBundle(s string) Bundle { return Bundle{"text/markdown": s, "text/plain": s} }

// SVGBundle renders an SVG document.
func SVGBundle(s string) Bundle { return Bundle{"image/svg+xml": s, "text/plain": "<SVG image>"} }

// PNGBundle renders PNG bytes.
func PNGBundle(b []byte) Bundle {
	return Bundle{"image/png": base64.StdEncoding.EncodeToString(b), "text/plain": fmt.Sprintf("<PNG image, %d bytes>", len(b))}
}

// JPEGBundle renders JPEG bytes.
func JPEGBundle(b []byte) Bundle {
	return Bundle{"image/jpeg": base64.StdEncoding.EncodeToString(b), "text/plain": fmt.Sprintf("<JPEG image, %d bytes>", len(b))}
}

// LatexBundle renders LaTeX math ($...$ delimiters are the caller's).
func LatexBundle(s string) Bundle { return Bundle{"text/latex": s, "text/plain": s} }

// TextBundle is plain text only.
func TextBundle(s string) Bundle { return Bundle{"text/plain": s} }

// JSONBundle renders any JSON-encodable value in the front end's JSON viewer.
func JSONBundle(v any) (Bundle, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("display.JSON: %w", err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return nil, fmt.Errorf("display.JSON: %w", err)
	}
	pretty, _ := json.MarshalIndent(tree, "", "  ")
	return Bundle{"application/json": tree, "text/plain": string(pretty)}, nil
}

// ImageBundle encodes an image.Image as PNG.
func ImageBundle(img image.Image) (Bundle, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("display.Image: encoding PNG: %w", err)
	}
	b := PNGBundle(buf.Bytes())
	r := img.Bounds()
	b["text/plain"] = fmt.Sprintf("<image %dx%d>", r.Dx(), r.Dy())
	return b, nil
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// TableBundle renders a slice of structs, a slice of maps, or [][]any as an
// HTML table with a text twin. Every cell is HTML-escaped.
func TableBundle(v any) (Bundle, error) {
	header, rows, err := tabulate(v)
	if err != nil {
		return nil, err
	}
	var h strings.Builder
	h.WriteString("<table><thead><tr>")
	for _, c := range header {
		fmt.Fprintf(&h, "<th>%s</th>", html.EscapeString(c))
	}
	h.WriteString("</tr></thead><tbody>")
	for _, r := range rows {
		h.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(&h, "<td>%s</td>", html.EscapeString(c))
		}
		h.WriteString("</tr>")
	}
	h.WriteString("</tbody></table>")
	return Bundle{"text/html": h.String(), "text/plain": textTable(header, rows)}, nil
}

func tabulate(v any) ([]string, [][]string, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, nil, fmt.Errorf("display.Table: want a slice of structs, maps or []any, got %T", v)
	}
	var header []string
	var rows [][]string
	cell := func(x reflect.Value) string {
		if !x.IsValid() {
			return "<nil>"
		}
		return fmt.Sprint(x.Interface())
	}
	for i := 0; i < rv.Len(); i++ {
		e := rv.Index(i)
		for e.Kind() == reflect.Pointer || e.Kind() == reflect.Interface {
			if e.IsNil() {
				break
			}
			e = e.Elem()
		}
		switch e.Kind() {
		case reflect.Struct:
			if header == nil {
				for j := 0; j < e.NumField(); j++ {
					if e.Type().Field(j).IsExported() {
						header = append(header, e.Type().Field(j).Name)
					}
				}
			}
			var r []string
			for j := 0; j < e.NumField(); j++ {
				if e.Type().Field(j).IsExported() {
					r = append(r, cell(e.Field(j)))
				}
			}
			rows = append(rows, r)
		case reflect.Map:
			if header == nil {
				for _, k := range e.MapKeys() {
					header = append(header, fmt.Sprint(k.Interface()))
				}
				sort.Strings(header)
			}
			var r []string
			for _, h := range header {
				r = append(r, cell(e.MapIndex(reflect.ValueOf(h).Convert(e.Type().Key()))))
			}
			rows = append(rows, r)
		case reflect.Slice, reflect.Array:
			var r []string
			for j := 0; j < e.Len(); j++ {
				r = append(r, cell(e.Index(j)))
			}
			if header == nil {
				for j := range r {
					header = append(header, fmt.Sprint(j))
				}
			}
			rows = append(rows, r)
		default:
			return nil, nil, fmt.Errorf("display.Table: element %d is %s, want a struct, map or slice", i, e.Kind())
		}
	}
	return header, rows, nil
}

func textTable(header []string, rows [][]string) string {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(w) && len([]rune(c)) > w[i] {
				w[i] = len([]rune(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			if i >= len(w) {
				break
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", w[i]-len([]rune(c))))
		}
		b.WriteString("\n")
	}
	line(header)
	sep := make([]string, len(w))
	for i := range w {
		sep[i] = strings.Repeat("-", w[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Exports returns the symbols of package gokernel/display for the
// interpreter, bound to d. The map's shape is yaegi's interp.Exports.
func Exports(d *Displayer) map[string]map[string]reflect.Value {
	show := func(b Bundle, err error) ID {
		if err != nil {
			return d.Show(Bundle{"text/plain": err.Error()})
		}
		return d.Show(b)
	}
	syms := map[string]reflect.Value{
		"ID":             reflect.ValueOf((*ID)(nil)),
		"Bundle":         reflect.ValueOf((*Bundle)(nil)),
		"Show":           reflect.ValueOf(d.Show),
		"Update":         reflect.ValueOf(d.Update),
		"Clear":          reflect.ValueOf(d.Clear),
		"HTML":           reflect.ValueOf(func(s string) ID { return d.Show(HTMLBundle(s)) }),
		"Markdown":       reflect.ValueOf(func(s string) ID { return d.Show(MarkdownBundle(s)) }),
		"SVG":            reflect.ValueOf(func(s string) ID { return d.Show(SVGBundle(s)) }),
		"PNG":            reflect.ValueOf(func(b []byte) ID { return d.Show(PNGBundle(b)) }),
		"JPEG":           reflect.ValueOf(func(b []byte) ID { return d.Show(JPEGBundle(b)) }),
		"Latex":          reflect.ValueOf(func(s string) ID { return d.Show(LatexBundle(s)) }),
		"Text":           reflect.ValueOf(func(s string) ID { return d.Show(TextBundle(s)) }),
		"JSON":           reflect.ValueOf(func(v any) ID { return show(JSONBundle(v)) }),
		"Image":          reflect.ValueOf(func(img image.Image) ID { return show(ImageBundle(img)) }),
		"Table":          reflect.ValueOf(func(v any) ID { return show(TableBundle(v)) }),
		"HTMLBundle":     reflect.ValueOf(HTMLBundle),
		"MarkdownBundle": reflect.ValueOf(MarkdownBundle),
		"SVGBundle":      reflect.ValueOf(SVGBundle),
		"PNGBundle":      reflect.ValueOf(PNGBundle),
		"TextBundle":     reflect.ValueOf(TextBundle),
		"LatexBundle":    reflect.ValueOf(LatexBundle),
		"TableBundle":    reflect.ValueOf(TableBundle),
		"ImageBundle":    reflect.ValueOf(ImageBundle),
		"JSONBundle":     reflect.ValueOf(JSONBundle),
	}
	return map[string]map[string]reflect.Value{ImportPath + "/display": syms}
}
