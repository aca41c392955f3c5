package display

import (
	"image"
	"reflect"

	"gonum.org/v1/plot"
)

// Exports returns the symbols of package gokernel/display for the
// interpreter, bound to d, in the shape of yaegi's interp.Exports. It
// includes the MapTypes entry (key ".") that lets Show and Update see the
// HTML, Markdown, SVG, PNG and String methods of types declared in cells;
// the interpreter also needs Wrappers.
//
// What cells call (each show function returns the display's ID):
//
//	Show(v any) ID                  v in its richest form (see Rich), else text
//	HTML(s string) ID               text/html
//	Markdown(s string) ID           text/markdown
//	SVG(s string) ID                image/svg+xml
//	PNG(b []byte) ID                image/png
//	JPEG(b []byte) ID               image/jpeg
//	LaTeX(s string) ID              text/latex (with $…$ delimiters); Latex is the same
//	Text(s string) ID               text/plain
//	JSON(v any) ID                  application/json (the front end's JSON viewer)
//	Image(img image.Image) ID       PNG
//	Table(rows any) ID              HTML table of []struct, []map, [][]any (all rows)
//	Plot(p *plot.Plot) ID           PNG, 16cm × 10cm
//	PlotSVG(p *plot.Plot) ID        SVG, 16cm × 10cm
//	VegaLite(spec any) ID           a Vega-Lite 5 spec (map, struct or JSON text)
//	Bar(x, y any) Chart             bar chart of two slices (a cell's value, or Show it)
//	Line(x, y any) Chart            line chart
//	Scatter(x, y any) Chart         scatter plot
//	Histogram(values any) Chart     histogram (numbers binned over every value)
//	Update(id ID, v any)            replace display id with v, rendered as Show does
//	UpdateHTML(id ID, s string)     … with HTML
//	UpdateMarkdown(id ID, s string) … with Markdown
//	UpdateText(id ID, s string)     … with plain text
//	Clear(wait bool)                clear the cell's output (wait: when new output comes)
//	NewID() ID                      a fresh ID
//
// and the Bundle builders (HTMLBundle, …, TableBundle, PlotBundle,
// ChartBundle, VegaLiteBundle) for Show and Update, the Rich and Of
// functions, and the types ID, Bundle, HTMLer, Markdowner, SVGer, PNGer,
// Chart, Series and Mark (BarMark, LineMark, PointMark, AreaMark).
func Exports(d *Displayer) map[string]map[string]reflect.Value {
	must := func(b Bundle, err error) Bundle {
		if err != nil {
			panic(err)
		}
		return b
	}
	show := reflect.ValueOf(d.Show)
	update := reflect.ValueOf(d.Update)
	of := reflect.ValueOf(Of)
	rich := reflect.ValueOf(Rich)
	latex := reflect.ValueOf(func(s string) ID { return d.ShowBundle(LaTeXBundle(s)) })
	syms := map[string]reflect.Value{
		"ID":         reflect.ValueOf((*ID)(nil)),
		"Bundle":     reflect.ValueOf((*Bundle)(nil)),
		"HTMLer":     reflect.ValueOf((*HTMLer)(nil)),
		"Markdowner": reflect.ValueOf((*Markdowner)(nil)),
		"SVGer":      reflect.ValueOf((*SVGer)(nil)),
		"PNGer":      reflect.ValueOf((*PNGer)(nil)),
		"Chart":      reflect.ValueOf((*Chart)(nil)),
		"Series":     reflect.ValueOf((*Series)(nil)),
		"Mark":       reflect.ValueOf((*Mark)(nil)),
		"BarMark":    reflect.ValueOf(BarMark),
		"LineMark":   reflect.ValueOf(LineMark),
		"PointMark":  reflect.ValueOf(PointMark),
		"AreaMark":   reflect.ValueOf(AreaMark),

		"DefaultChartRows":   reflect.ValueOf(DefaultChartRows),
		"DefaultChartWidth":  reflect.ValueOf(DefaultChartWidth),
		"DefaultChartHeight": reflect.ValueOf(DefaultChartHeight),
		"VegaLiteMIME":       reflect.ValueOf(VegaLiteMIME),

		"DefaultPlotWidth":  reflect.ValueOf(DefaultPlotWidth),
		"DefaultPlotHeight": reflect.ValueOf(DefaultPlotHeight),

		"Show":           show,
		"Update":         update,
		"UpdateHTML":     reflect.ValueOf(func(id ID, s string) { d.UpdateBundle(id, HTMLBundle(s)) }),
		"UpdateMarkdown": reflect.ValueOf(func(id ID, s string) { d.UpdateBundle(id, MarkdownBundle(s)) }),
		"UpdateText":     reflect.ValueOf(func(id ID, s string) { d.UpdateBundle(id, TextBundle(s)) }),
		"Clear":          reflect.ValueOf(d.Clear),
		"NewID":          reflect.ValueOf(NewID),

		"HTML":     reflect.ValueOf(func(s string) ID { return d.ShowBundle(HTMLBundle(s)) }),
		"Markdown": reflect.ValueOf(func(s string) ID { return d.ShowBundle(MarkdownBundle(s)) }),
		"SVG":      reflect.ValueOf(func(s string) ID { return d.ShowBundle(SVGBundle(s)) }),
		"PNG":      reflect.ValueOf(func(b []byte) ID { return d.ShowBundle(PNGBundle(b)) }),
		"JPEG":     reflect.ValueOf(func(b []byte) ID { return d.ShowBundle(JPEGBundle(b)) }),
		"LaTeX":    latex,
		"Latex":    latex,
		"Text":     reflect.ValueOf(func(s string) ID { return d.ShowBundle(TextBundle(s)) }),
		"JSON":     reflect.ValueOf(func(v any) ID { return d.ShowBundle(must(JSONBundle(v))) }),
		"Image":    reflect.ValueOf(func(img image.Image) ID { return d.ShowBundle(must(ImageBundle(img))) }),
		"Table":    reflect.ValueOf(func(v any) ID { return d.ShowBundle(must(TableBundle(v))) }),
		"Plot": reflect.ValueOf(func(p *plot.Plot) ID {
			return d.ShowBundle(must(PlotBundle(p, DefaultPlotWidth, DefaultPlotHeight, "png")))
		}),
		"PlotSVG": reflect.ValueOf(func(p *plot.Plot) ID {
			return d.ShowBundle(must(PlotBundle(p, DefaultPlotWidth, DefaultPlotHeight, "svg")))
		}),

		"VegaLite":  reflect.ValueOf(func(spec any) ID { return d.ShowBundle(must(VegaLiteBundle(spec))) }),
		"Bar":       reflect.ValueOf(Bar),
		"Line":      reflect.ValueOf(Line),
		"Scatter":   reflect.ValueOf(Scatter),
		"Histogram": reflect.ValueOf(Histogram),

		"Of":             of,
		"Rich":           rich,
		"HTMLBundle":     reflect.ValueOf(HTMLBundle),
		"MarkdownBundle": reflect.ValueOf(MarkdownBundle),
		"SVGBundle":      reflect.ValueOf(SVGBundle),
		"PNGBundle":      reflect.ValueOf(PNGBundle),
		"JPEGBundle":     reflect.ValueOf(JPEGBundle),
		"TextBundle":     reflect.ValueOf(TextBundle),
		"LaTeXBundle":    reflect.ValueOf(LaTeXBundle),
		"LatexBundle":    reflect.ValueOf(LaTeXBundle),
		"TableBundle":    reflect.ValueOf(TableBundle),
		"ImageBundle":    reflect.ValueOf(ImageBundle),
		"JSONBundle":     reflect.ValueOf(JSONBundle),
		"PlotBundle":     reflect.ValueOf(PlotBundle),
		"ChartBundle":    reflect.ValueOf(ChartBundle),
		"VegaLiteBundle": reflect.ValueOf(VegaLiteBundle),
	}
	ifaces := ValueInterfaces()
	return map[string]map[string]reflect.Value{
		ImportPath + "/display": syms,
		".": {"MapTypes": reflect.ValueOf(map[reflect.Value][]reflect.Type{
			show: ifaces, update: ifaces, of: ifaces, rich: ifaces,
		})},
	}
}
