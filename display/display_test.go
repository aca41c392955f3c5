package display

import (
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/gokernel/gokernel/kernel"
)

// recorder is a kernel.Output keeping what displays publish.
type recorder struct {
	displays []kernel.Display
	clears   []bool
}

func (r *recorder) Stream(name, text string) {}
func (r *recorder) Display(d kernel.Display) { r.displays = append(r.displays, d) }
func (r *recorder) ClearOutput(wait bool)    { r.clears = append(r.clears, wait) }
func (r *recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", errors.New("no input")
}

func TestBundles(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    Bundle
		want Bundle
	}{
		{"html", HTMLBundle("<b>a &amp; b</b>"), Bundle{"text/html": "<b>a &amp; b</b>", "text/plain": "a & b"}},
		{"markdown", MarkdownBundle("*x*"), Bundle{"text/markdown": "*x*", "text/plain": "*x*"}},
		{"svg", SVGBundle("<svg/>"), Bundle{"image/svg+xml": "<svg/>", "text/plain": "<SVG image>"}},
		{"png", PNGBundle([]byte{1, 2}), Bundle{"image/png": "AQI=", "text/plain": "<PNG image, 2 bytes>"}},
		{"jpeg", JPEGBundle([]byte{1}), Bundle{"image/jpeg": "AQ==", "text/plain": "<JPEG image, 1 bytes>"}},
		{"latex", LaTeXBundle("$x^2$"), Bundle{"text/latex": "$x^2$", "text/plain": "$x^2$"}},
		{"text", TextBundle("t"), Bundle{"text/plain": "t"}},
	} {
		if !reflect.DeepEqual(tc.b, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.b, tc.want)
		}
	}
	j, err := JSONBundle(map[string]any{"a": []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(j["application/json"], map[string]any{"a": []any{1.0, 2.0}}) || !strings.Contains(j["text/plain"].(string), `"a": [`) {
		t.Errorf("JSON: %v", j)
	}
	if _, err := JSONBundle(make(chan int)); err == nil || !strings.HasPrefix(err.Error(), "display.JSON:") {
		t.Errorf("JSON of a channel: err %v", err)
	}
	if _, err := JSONBundle(math.Inf(1)); err == nil {
		t.Error("JSON of +Inf: no error")
	}
}

func TestImage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	b, err := ImageBundle(img)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(b["image/png"].(string))
	if err != nil || !strings.HasPrefix(string(raw), "\x89PNG") {
		t.Errorf("not a PNG: %v", err)
	}
	if b["text/plain"] != "<image 4x3>" {
		t.Errorf("text: %v", b["text/plain"])
	}
	if _, err := ImageBundle(nil); err == nil {
		t.Error("nil image: no error")
	}
}

type city struct {
	Name  string
	Pop   int
	Mayor *string
	note  string
}

func TestTableStructs(t *testing.T) {
	m := "<script>"
	b, err := TableBundle([]city{{"Paris", 2, &m, "x"}, {"Lyon & co", 1, nil, "y"}})
	if err != nil {
		t.Fatal(err)
	}
	h := b["text/html"].(string)
	for _, want := range []string{
		"<thead><tr><th>Name</th><th>Pop</th><th>Mayor</th></tr></thead>",
		"<tr><td>Paris</td><td>2</td><td>&lt;script&gt;</td></tr>",
		"<tr><td>Lyon &amp; co</td><td>1</td><td></td></tr>",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("html %s\nlacks %s", h, want)
		}
	}
	if strings.Contains(h, "note") {
		t.Error("unexported field shown")
	}
	wantText := "Name       Pop  Mayor\n---------  ---  --------\nParis      2    <script>\nLyon & co  1"
	if b["text/plain"] != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", b["text/plain"], wantText)
	}
	// Pointers to structs, nil rows.
	b, err = TableBundle([]*city{{Name: "Nice"}, nil})
	if err != nil || !strings.Contains(b["text/html"].(string), "<tr><td></td><td></td><td></td></tr>") {
		t.Errorf("pointer rows: %v %v", b, err)
	}
}

func TestTableMapsAndSlices(t *testing.T) {
	b, err := TableBundle([]map[string]any{{"b": 1, "a": "x"}, {"c": true}})
	if err != nil {
		t.Fatal(err)
	}
	if h := b["text/html"].(string); !strings.Contains(h, "<th>a</th><th>b</th><th>c</th>") || !strings.Contains(h, "<tr><td></td><td></td><td>true</td></tr>") {
		t.Errorf("maps: %s", h)
	}
	b, err = TableBundle([]map[int]float64{{2: 0.5, 1: 1}})
	if err != nil || !strings.Contains(b["text/html"].(string), "<th>1</th><th>2</th>") {
		t.Errorf("int keys: %v %v", b, err)
	}
	b, err = TableBundle([][]any{{"x", 1}, {"y", 2, "extra"}})
	if err != nil {
		t.Fatal(err)
	}
	if h := b["text/html"].(string); !strings.Contains(h, "<th>0</th><th>1</th><th>2</th>") || !strings.Contains(h, "<tr><td>x</td><td>1</td><td></td></tr>") {
		t.Errorf("[][]any: %s", h)
	}
	// []any of JSON objects.
	b, err = TableBundle([]any{map[string]any{"k": 1}, nil, map[string]any{"k": 2}})
	if err != nil || !strings.Contains(b["text/html"].(string), "<tr><td>2</td></tr>") {
		t.Errorf("[]any of maps: %v %v", b, err)
	}
	if b, err = TableBundle([]city{}); err != nil || !strings.Contains(b["text/html"].(string), "<tbody></tbody>") {
		t.Errorf("empty: %v %v", b, err)
	}
}

func TestTableErrors(t *testing.T) {
	for _, v := range []any{42, []int{1, 2}, nil, []any{map[string]int{}, city{}}} {
		if _, err := TableBundle(v); err == nil || !strings.HasPrefix(err.Error(), "display.Table:") {
			t.Errorf("TableBundle(%#v): err %v", v, err)
		}
	}
}

type page struct{ s string }

func (p page) HTML() string     { return "<p>" + p.s + "</p>" }
func (p page) Markdown() string { return p.s }

type named struct{ page }

func (named) String() string { return "named page" }

type picture []byte

func (p picture) PNG() []byte { return p }

func TestRich(t *testing.T) {
	b, ok := Rich(page{"x"})
	if !ok || b["text/html"] != "<p>x</p>" || b["text/markdown"] != "x" || b["text/plain"] != "x" {
		t.Errorf("HTML+Markdown: %v", b)
	}
	if b, _ = Rich(named{page{"y"}}); b["text/plain"] != "named page" {
		t.Errorf("Stringer text: %v", b)
	}
	if b, _ = Rich(picture{1}); b["image/png"] != "AQ==" {
		t.Errorf("PNG: %v", b)
	}
	if _, ok = Rich(image.NewGray(image.Rect(0, 0, 1, 1))); !ok {
		t.Error("image: no rich form")
	}
	b, ok = Rich([]city{{Name: "a"}})
	if !ok || !strings.Contains(b["text/html"].(string), "<td>a</td>") {
		t.Errorf("table: %v", b)
	}
	rows := make([]map[string]int, autoTableRows+5)
	b, _ = Rich(rows)
	if h := b["text/html"].(string); strings.Count(h, "<tr>") != autoTableRows+1 || !strings.Contains(h, "5 more rows") {
		t.Errorf("auto table is not capped: %d rows", strings.Count(h, "<tr>"))
	}
	for _, v := range []any{nil, 1, "s", []int{1}, []time.Time{time.Now()}, []struct{}{{}}, []city{}, ID("gk-1"), (*plot.Plot)(nil)} {
		if b, ok := Rich(v); ok {
			t.Errorf("Rich(%#v) = %v, want none", v, b)
		}
	}
	if b, ok := Rich(Bundle{"text/x": 1}); !ok || b["text/x"] != 1 {
		t.Errorf("Bundle: %v", b)
	}
	if b := Of(42); !reflect.DeepEqual(b, Bundle{"text/plain": "42"}) {
		t.Errorf("Of(42) = %v", b)
	}
}

func TestWrappers(t *testing.T) {
	w := Wrappers()
	if len(w) != 1 {
		t.Fatalf("want one package, got %v", w)
	}
	for k, syms := range w {
		if k != "github.com/gokernel/gokernel/display/display" {
			t.Errorf("key %q", k)
		}
		for _, it := range ValueInterfaces()[:8] {
			wt, ok := syms["_"+it.Name()]
			if !ok {
				t.Errorf("no wrapper for %s", it)
				continue
			}
			if !wt.Type().Elem().Implements(it) {
				t.Errorf("wrapper %s does not implement %s", wt.Type().Elem(), it)
			}
		}
	}
	if Wrapped(wHTMLStringer{}) || !Wrapped(wHTMLer{}) || Wrapped(page{}) {
		t.Error("Wrapped")
	}
}

func TestPlotBundle(t *testing.T) {
	p := plot.New()
	p.Title.Text = "t"
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	for _, f := range []string{"png", "svg", "jpg"} {
		start := time.Now()
		b, err := PlotBundle(p, DefaultPlotWidth, DefaultPlotHeight, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Logf("%s in %v", f, time.Since(start))
		if b["text/plain"] != `<plot "t">` || len(b) != 2 {
			t.Errorf("%s: %v", f, b["text/plain"])
		}
	}
	if _, err := PlotBundle(p, DefaultPlotWidth, DefaultPlotHeight, "gif"); err == nil {
		t.Error("gif: no error")
	}
	if _, err := PlotBundle(nil, 1, 1, "png"); err == nil {
		t.Error("nil plot: no error")
	}
	if _, err := PlotBundle(p, 0, 1, "png"); err == nil {
		t.Error("zero width: no error")
	}
}

func TestDisplayer(t *testing.T) {
	r := &recorder{}
	d := New(func() kernel.Output { return r })
	id := d.Show(page{"a"})
	d.Update(id, "plain")
	d.UpdateBundle(id, HTMLBundle("<i>b</i>"))
	d.Clear(true)
	if len(r.displays) != 3 || r.clears[0] != true {
		t.Fatalf("displays %v clears %v", r.displays, r.clears)
	}
	first, upd, upd2 := r.displays[0], r.displays[1], r.displays[2]
	if first.Update || first.ID != string(id) || first.Data["text/html"] != "<p>a</p>" {
		t.Errorf("show: %+v", first)
	}
	if !upd.Update || upd.ID != string(id) || !reflect.DeepEqual(upd.Data, kernel.MIMEBundle{"text/plain": "plain"}) {
		t.Errorf("update: %+v", upd)
	}
	if upd2.Data["text/html"] != "<i>b</i>" {
		t.Errorf("update bundle: %+v", upd2)
	}
	if a, b := NewID(), NewID(); a == b {
		t.Error("IDs repeat")
	}
	// No sink: nothing happens.
	New(nil).Show(1)
	New(func() kernel.Output { return nil }).Clear(false)
}

func TestExports(t *testing.T) {
	r := &recorder{}
	ex := Exports(New(func() kernel.Output { return r }))
	syms := ex[ImportPath+"/display"]
	for _, name := range []string{"HTML", "Markdown", "SVG", "PNG", "JPEG", "JSON", "LaTeX", "Latex", "Text", "Image", "Table",
		"Plot", "PlotSVG", "Show", "Update", "UpdateHTML", "UpdateMarkdown", "UpdateText", "Clear", "NewID"} {
		if !syms[name].IsValid() {
			t.Errorf("no %s", name)
		}
	}
	if _, ok := ex["."]["MapTypes"]; !ok {
		t.Error("no MapTypes")
	}
	html := syms["HTML"].Interface().(func(string) ID)
	id := html("<b>x</b>")
	syms["UpdateHTML"].Interface().(func(ID, string))(id, "<b>y</b>")
	if len(r.displays) != 2 || r.displays[1].Data["text/html"] != "<b>y</b>" || r.displays[1].ID != string(id) {
		t.Errorf("HTML then UpdateHTML: %+v", r.displays)
	}
	// Rendering errors panic, so the cell fails with the reason.
	func() {
		defer func() {
			if e := recover(); e == nil || !strings.Contains(e.(error).Error(), "display.Table") {
				t.Errorf("Table(42) recovered %v", e)
			}
		}()
		syms["Table"].Interface().(func(any) ID)(42)
	}()
}
