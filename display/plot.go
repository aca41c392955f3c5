package display

import (
	"bytes"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// The size of a plot shown by Plot, PlotSVG or as a cell's value: 16cm ×
// 10cm, which is 605 × 378 pixels in PNG (at 96 dpi).
const (
	DefaultPlotWidth  = 16 * vg.Centimeter
	DefaultPlotHeight = 10 * vg.Centimeter
)

// PlotBundle renders p at width × height in format "png", "svg" or "jpg"
// (gonum's vg formats); the bundle's text/plain is the plot's title.
func PlotBundle(p *plot.Plot, width, height vg.Length, format string) (Bundle, error) {
	if p == nil {
		return nil, fmt.Errorf("display.Plot: nil plot")
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("display.Plot: size %v × %v, want positive lengths", width, height)
	}
	switch format {
	case "png", "svg", "jpg", "jpeg":
	default:
		return nil, fmt.Errorf("display.Plot: format %q, want png, svg or jpg", format)
	}
	w, err := p.WriterTo(width, height, format)
	if err != nil {
		return nil, fmt.Errorf("display.Plot: %w", err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("display.Plot: rendering %s: %w", format, err)
	}
	var b Bundle
	switch format {
	case "png":
		b = PNGBundle(buf.Bytes())
	case "jpg", "jpeg":
		b = JPEGBundle(buf.Bytes())
	default:
		b = SVGBundle(buf.String())
	}
	title := p.Title.Text
	if title == "" {
		title = "untitled"
	}
	b["text/plain"] = fmt.Sprintf("<plot %q>", title)
	return b, nil
}
