package display

import (
	"fmt"
	"image"
	"reflect"

	"gonum.org/v1/plot"

	"github.com/gokernel/gokernel/kernel"
)

// HTMLer is implemented by values that show themselves as HTML.
//
// The value of a cell's last expression, and any value given to Show or
// Update, is shown with every rich form it has: a type with an HTML,
// Markdown, SVG or PNG method (types declared in cells too), an
// image.Image, a *plot.Plot, or a slice of structs or maps (as a table).
type HTMLer interface{ HTML() string }

// Markdowner is implemented by values that show themselves as Markdown.
type Markdowner interface{ Markdown() string }

// SVGer is implemented by values that show themselves as an SVG document.
type SVGer interface{ SVG() string }

// PNGer is implemented by values that show themselves as a PNG image.
type PNGer interface{ PNG() []byte }

// The interfaces below combine a rich method with String, so that a cell's
// type with both keeps its String for text/plain (yaegi hands Go a wrapper
// with exactly the methods of one interface).
type (
	htmlStringer interface {
		HTMLer
		fmt.Stringer
	}
	markdownStringer interface {
		Markdowner
		fmt.Stringer
	}
	svgStringer interface {
		SVGer
		fmt.Stringer
	}
	pngStringer interface {
		PNGer
		fmt.Stringer
	}
)

// autoTableRows caps the rows of a table made for a cell's value; Table
// shows all rows.
const autoTableRows = 1000

// Rich returns the rich form of v with a text/plain twin, or false when v
// has none. In order:
//   - a Bundle (or kernel.MIMEBundle) is itself;
//   - HTML, Markdown, SVG and PNG methods each add their MIME type (a type
//     with several gets all, the front end picks the richest);
//   - a *plot.Plot is a PNG (see Plot);
//   - a Chart is a Vega-Lite chart (see Chart);
//   - an image.Image is a PNG;
//   - a non-empty slice or array of structs (with fields) or maps is an HTML
//     table (the first 1000 rows); elements with a String or Error method
//     are not tabulated, so []time.Time stays text.
//
// A display.ID has no rich form: the display it names is already shown.
func Rich(v any) (Bundle, bool) {
	switch x := v.(type) {
	case nil, ID:
		return nil, false
	case Bundle:
		return x, true
	case kernel.MIMEBundle:
		return Bundle(x), true
	case *plot.Plot:
		if x == nil {
			return nil, false
		}
		b, err := PlotBundle(x, DefaultPlotWidth, DefaultPlotHeight, "png")
		if err != nil {
			return TextBundle(err.Error()), true
		}
		return b, true
	case Chart:
		b, err := ChartBundle(x)
		if err != nil {
			return TextBundle(err.Error()), true
		}
		return b, true
	case *Chart:
		if x == nil {
			return nil, false
		}
		return Rich(*x)
	}
	var b Bundle
	add := func(m Bundle) {
		if b == nil {
			b = Bundle{}
		}
		for k, x := range m {
			if _, ok := b[k]; !ok {
				b[k] = x
			}
		}
	}
	if x, ok := v.(HTMLer); ok {
		add(HTMLBundle(x.HTML()))
	}
	if x, ok := v.(Markdowner); ok {
		add(MarkdownBundle(x.Markdown()))
	}
	if x, ok := v.(SVGer); ok {
		add(SVGBundle(x.SVG()))
	}
	if x, ok := v.(PNGer); ok {
		add(PNGBundle(x.PNG()))
	}
	if b != nil {
		if s, ok := v.(fmt.Stringer); ok {
			b["text/plain"] = s.String()
		}
		return b, true
	}
	if img, ok := v.(image.Image); ok {
		if ib, err := ImageBundle(img); err == nil {
			return ib, true
		}
		return nil, false
	}
	if isTable(reflect.ValueOf(v)) {
		if tb, err := tableBundle(v, autoTableRows); err == nil {
			return tb, true
		}
	}
	return nil, false
}

func stringerType() reflect.Type { return reflect.TypeOf((*fmt.Stringer)(nil)).Elem() }

func errorType() reflect.Type { return reflect.TypeOf((*error)(nil)).Elem() }

// isTable reports whether v is a non-empty slice or array whose elements
// are structs with fields or maps, without String or Error methods.
func isTable(v reflect.Value) bool {
	if !v.IsValid() || (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || v.Len() == 0 {
		return false
	}
	t := v.Type().Elem()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for _, m := range []reflect.Type{t, reflect.PointerTo(t)} {
		if m.Implements(stringerType()) || m.Implements(errorType()) {
			return false
		}
	}
	switch t.Kind() {
	case reflect.Map:
		return true
	case reflect.Struct:
		return len(columns(t)) > 0
	}
	return false
}

// Wrapped reports whether v is a wrapper yaegi made (see ValueInterfaces)
// for a value of a type declared in a cell that has a rich method but no
// String method. Such a wrapper cannot be printed: yaegi does not keep the
// value itself for struct types. Its text form is its rich form's text/plain
// twin.
func Wrapped(v any) bool {
	if _, ok := v.(wrapper); ok {
		_, ok := v.(fmt.Stringer)
		return !ok
	}
	return false
}

// ValueInterfaces returns the interfaces whose methods yaegi must make
// callable when a value of a type declared in a cell is passed to Go code
// that renders it (the engine's result helper, Show, Update): the rich ones
// combined with String first, as yaegi wraps a value for the first one its
// type implements, then the rich ones, then fmt.Stringer and error. Use it
// as the function's list in yaegi's MapTypes.
func ValueInterfaces() []reflect.Type {
	return []reflect.Type{
		reflect.TypeOf((*htmlStringer)(nil)).Elem(),
		reflect.TypeOf((*markdownStringer)(nil)).Elem(),
		reflect.TypeOf((*svgStringer)(nil)).Elem(),
		reflect.TypeOf((*pngStringer)(nil)).Elem(),
		reflect.TypeOf((*HTMLer)(nil)).Elem(),
		reflect.TypeOf((*Markdowner)(nil)).Elem(),
		reflect.TypeOf((*SVGer)(nil)).Elem(),
		reflect.TypeOf((*PNGer)(nil)).Elem(),
		stringerType(),
		errorType(),
	}
}

// Wrappers returns the yaegi interface wrappers for ValueInterfaces, under
// this package's real import path, which is where yaegi looks them up. Load
// them into the interpreter with Use before values are wrapped.
func Wrappers() map[string]map[string]reflect.Value {
	path := reflect.TypeOf((*HTMLer)(nil)).Elem().PkgPath()
	return map[string]map[string]reflect.Value{path + "/display": {
		"_HTMLer":           reflect.ValueOf((*wHTMLer)(nil)),
		"_Markdowner":       reflect.ValueOf((*wMarkdowner)(nil)),
		"_SVGer":            reflect.ValueOf((*wSVGer)(nil)),
		"_PNGer":            reflect.ValueOf((*wPNGer)(nil)),
		"_htmlStringer":     reflect.ValueOf((*wHTMLStringer)(nil)),
		"_markdownStringer": reflect.ValueOf((*wMarkdownStringer)(nil)),
		"_svgStringer":      reflect.ValueOf((*wSVGStringer)(nil)),
		"_pngStringer":      reflect.ValueOf((*wPNGStringer)(nil)),
	}}
}

// wrapper is implemented by the yaegi wrappers below. yaegi fills a
// wrapper's first field with the interpreted value (for a struct, one of
// its fields instead: it takes a struct for an emulated interface) and the
// others (named "W" + method) with its methods.
type wrapper interface{ unwrap() any }

type wHTMLer struct {
	IValue any
	WHTML  func() string
}

func (w wHTMLer) HTML() string { return w.WHTML() }
func (w wHTMLer) unwrap() any  { return w.IValue }

type wMarkdowner struct {
	IValue    any
	WMarkdown func() string
}

func (w wMarkdowner) Markdown() string { return w.WMarkdown() }
func (w wMarkdowner) unwrap() any      { return w.IValue }

type wSVGer struct {
	IValue any
	WSVG   func() string
}

func (w wSVGer) SVG() string { return w.WSVG() }
func (w wSVGer) unwrap() any { return w.IValue }

type wPNGer struct {
	IValue any
	WPNG   func() []byte
}

func (w wPNGer) PNG() []byte { return w.WPNG() }
func (w wPNGer) unwrap() any { return w.IValue }

type wHTMLStringer struct {
	IValue  any
	WHTML   func() string
	WString func() string
}

func (w wHTMLStringer) HTML() string   { return w.WHTML() }
func (w wHTMLStringer) String() string { return w.WString() }
func (w wHTMLStringer) unwrap() any    { return w.IValue }

type wMarkdownStringer struct {
	IValue    any
	WMarkdown func() string
	WString   func() string
}

func (w wMarkdownStringer) Markdown() string { return w.WMarkdown() }
func (w wMarkdownStringer) String() string   { return w.WString() }
func (w wMarkdownStringer) unwrap() any      { return w.IValue }

type wSVGStringer struct {
	IValue  any
	WSVG    func() string
	WString func() string
}

func (w wSVGStringer) SVG() string    { return w.WSVG() }
func (w wSVGStringer) String() string { return w.WString() }
func (w wSVGStringer) unwrap() any    { return w.IValue }

type wPNGStringer struct {
	IValue  any
	WPNG    func() []byte
	WString func() string
}

func (w wPNGStringer) PNG() []byte    { return w.WPNG() }
func (w wPNGStringer) String() string { return w.WString() }
func (w wPNGStringer) unwrap() any    { return w.IValue }
