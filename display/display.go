// Package display is what notebook cells import as "gokernel/display" to
// show rich output: HTML, Markdown, SVG, PNG, JPEG, JSON, LaTeX, plain text,
// images, tables and plots, and displays updated in place.
//
// In a cell:
//
//	import "gokernel/display"
//
//	display.HTML("<b>bold</b>")          // every function returns a display.ID
//	id := display.Markdown("*working…*")
//	display.UpdateMarkdown(id, "**done**") // replace that output in place
//	display.Table(rows)                   // []T of structs, []map[K]V or [][]any
//	display.Plot(p)                       // a *plot.Plot (gonum.org/v1/plot) as PNG
//	display.Scatter(xs, ys)               // a Vega-Lite chart of Go slices (a Chart value)
//	display.VegaLite(spec)                // a Vega-Lite spec of your own
//	display.Show(v)                       // v in its richest form (see Rich)
//	display.Clear(true)                   // clear the cell's output when new output comes
//
// The value of a cell's last expression is shown the same way as Show
// shows it, next to its text/plain form (see Rich for the rules).
//
// Functions that cannot render their argument (a Table of ints, JSON of a
// channel) panic with an error saying why, so the cell fails visibly.
//
// Cells see package-level functions, but each interpreter gets its own set
// bound to its own output (see Exports): nothing here is global state. Go
// code (the kernel itself, tests) uses a Displayer and the *Bundle builders.
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
	"strings"

	"github.com/gokernel/gokernel/kernel"
)

// ImportPath is the path cells import.
const ImportPath = "gokernel/display"

// ID names a display so it can be updated in place.
type ID string

// Bundle is a MIME bundle: MIME type to data. Binary data (PNG, JPEG) is
// base64 text, as in Jupyter messages.
type Bundle map[string]any

// Sink returns where displays go; the engine points it at the Output of the
// cell that is running (or ran last, for displays from goroutines).
type Sink func() kernel.Output

// Displayer shows values through a Sink. Its methods are what cells call.
type Displayer struct {
	sink Sink
}

// New returns a Displayer writing to whatever sink returns at call time;
// displays go nowhere while it returns nil (or sink is nil).
func New(sink Sink) *Displayer { return &Displayer{sink: sink} }

// NewID returns a fresh display ID.
func NewID() ID {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return ID("gk-" + hex.EncodeToString(b[:]))
}

// Show publishes v as a new display and returns its ID. v is shown in its
// richest form (see Rich); values without one are shown as text.
func (d *Displayer) Show(v any) ID {
	id := NewID()
	d.publish(id, Of(v), false)
	return id
}

// ShowBundle publishes b as a new display and returns its ID.
func (d *Displayer) ShowBundle(b Bundle) ID {
	id := NewID()
	d.publish(id, b, false)
	return id
}

// Update replaces the content of the display id with v, rendered as Show
// renders it. A Bundle is used as is; a string is plain text (use
// UpdateHTML or UpdateMarkdown for markup).
func (d *Displayer) Update(id ID, v any) { d.publish(id, Of(v), true) }

// UpdateBundle replaces the content of the display id with b.
func (d *Displayer) UpdateBundle(id ID, b Bundle) { d.publish(id, b, true) }

// Clear clears the cell's output; with wait, only when new output arrives
// (which avoids flicker in loops that redraw).
func (d *Displayer) Clear(wait bool) {
	if out := d.output(); out != nil {
		out.ClearOutput(wait)
	}
}

func (d *Displayer) output() kernel.Output {
	if d.sink == nil {
		return nil
	}
	return d.sink()
}

func (d *Displayer) publish(id ID, b Bundle, update bool) {
	out := d.output()
	if out == nil {
		return
	}
	out.Display(kernel.Display{Data: kernel.MIMEBundle(b), Metadata: map[string]any{}, ID: string(id), Update: update})
}

// Of returns v's display bundle: its rich form (see Rich) when it has one,
// otherwise text/plain with fmt.Sprint(v). A Bundle is returned as is.
func Of(v any) Bundle {
	if b, ok := Rich(v); ok {
		return b
	}
	return TextBundle(fmt.Sprint(v))
}

// HTMLBundle renders HTML; its text/plain twin is the text without tags.
// Each builder has a text/plain twin so text front ends and exports still
// show something.
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

// LaTeXBundle renders LaTeX; math needs its $...$ or $$...$$ delimiters.
func LaTeXBundle(s string) Bundle { return Bundle{"text/latex": s, "text/plain": s} }

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
	pretty, err := json.MarshalIndent(tree, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("display.JSON: %w", err)
	}
	return Bundle{"application/json": tree, "text/plain": string(pretty)}, nil
}

// ImageBundle encodes an image.Image as PNG.
func ImageBundle(img image.Image) (Bundle, error) {
	if img == nil {
		return nil, fmt.Errorf("display.Image: nil image")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("display.Image: encoding PNG: %w", err)
	}
	b := PNGBundle(buf.Bytes())
	r := img.Bounds()
	b["text/plain"] = fmt.Sprintf("<image %dx%d>", r.Dx(), r.Dy())
	return b, nil
}

// stripTags returns the text of an HTML fragment: tags removed, entities
// decoded. It is only a fallback for text front ends.
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
