package goeval

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/display"
	"github.com/gokernel/gokernel/kernel"
)

// richOK runs code and returns its result bundle, failing on a cell error.
func (te *testEngine) richOK(t *testing.T, code string) map[string]any {
	t.Helper()
	res := te.exec(t, code)
	if res.Error != nil {
		t.Fatalf("cell %q failed: %s: %s\n%s", code, res.Error.Name, res.Error.Value, strings.Join(res.Error.Traceback, "\n"))
	}
	return res.Value
}

// displayRecorder keeps the displays of cells.
type displayRecorder struct {
	fakeOutput
	displays []kernel.Display
}

func (r *displayRecorder) Display(d kernel.Display) { r.displays = append(r.displays, d) }

func TestRichResults(t *testing.T) {
	te := newTestEngine(t)
	rec := &displayRecorder{}
	if err := te.Use(display.Exports(display.New(func() kernel.Output { return rec }))); err != nil {
		t.Fatal(err)
	}
	te.mustOK(t, `type card struct{ name string }`)
	te.mustOK(t, `func (c card) HTML() string { return "<b>" + c.name + "</b>" }`)
	v := te.richOK(t, `card{"ace"}`)
	if v["text/html"] != "<b>ace</b>" || v["text/plain"] != "ace" {
		t.Errorf("HTML method: got %v", v)
	}
	v = te.richOK(t, `&card{"king"}`)
	if v["text/html"] != "<b>king</b>" {
		t.Errorf("HTML method through a pointer: got %v", v)
	}

	te.mustOK(t, "type note string\nfunc (n note) Markdown() string { return \"*\" + string(n) + \"*\" }\nfunc (n note) String() string { return \"note: \" + string(n) }")
	v = te.richOK(t, `note("hi")`)
	if v["text/markdown"] != "*hi*" || v["text/plain"] != "note: hi" {
		t.Errorf("Markdown+String: got %v", v)
	}

	te.mustOK(t, "type dot struct{}\nfunc (dot) SVG() string { return `<svg xmlns=\"http://www.w3.org/2000/svg\"/>` }")
	if v = te.richOK(t, `dot{}`); v["image/svg+xml"] == nil {
		t.Errorf("SVG method: got %v", v)
	}

	v = te.richOK(t, "import \"image\"\nimage.NewRGBA(image.Rect(0, 0, 3, 2))")
	if v["image/png"] == nil || v["text/plain"] == nil {
		t.Errorf("image: got %v", v)
	}

	te.mustOK(t, `type row struct{ Name string; n int }`)
	v = te.richOK(t, `[]row{{"a", 1}, {"<b>", 2}}`)
	h, _ := v["text/html"].(string)
	if !strings.Contains(h, "<th>Name</th><th>n</th>") || !strings.Contains(h, "<td>&lt;b&gt;</td><td>2</td>") {
		t.Errorf("slice of structs: got %v", v)
	}
	if v["text/plain"] != "[{a 1} {<b> 2}]" {
		t.Errorf("slice of structs text: got %q", v["text/plain"])
	}
	v = te.richOK(t, `[]map[string]int{{"x": 1}, {"y": 2}}`)
	if h, _ := v["text/html"].(string); !strings.Contains(h, "<th>x</th><th>y</th>") {
		t.Errorf("slice of maps: got %v", v)
	}

	// Plain values keep text/plain alone.
	for _, code := range []string{`42`, `"s"`, `[]int{1, 2}`, "import \"time\"\n[]time.Time{time.Unix(0, 0).UTC()}"} {
		if v := te.richOK(t, code); len(v) != 1 {
			t.Errorf("%s: want text/plain only, got %v", code, v)
		}
	}
	// A display function's ID is no result.
	if v := te.richOK(t, "import \"gokernel/display\"\ndisplay.HTML(\"<i>x</i>\")"); v != nil {
		t.Errorf("display.HTML as last expression: got result %v", v)
	}
	// Show and Update see methods of cell types too.
	rec.displays = nil
	te.mustOK(t, "id := display.Show(card{\"queen\"})\ndisplay.Update(id, note(\"x\"))")
	if len(rec.displays) != 2 || rec.displays[0].Data["text/html"] != "<b>queen</b>" || rec.displays[1].Data["text/markdown"] != "*x*" {
		t.Errorf("Show, Update of cell types: %+v", rec.displays)
	}
	// The display package and its new functions complete.
	code := "display.PlotS"
	c, err := te.Complete(context.Background(), code, len(code))
	if err != nil || !slices.Contains(c.Matches, "PlotSVG") {
		t.Errorf("completing %q: %v %v", code, c.Matches, err)
	}
	// Stringers keep working.
	te.mustOK(t, "type temp float64\nfunc (t temp) String() string { return \"hot\" }")
	if got := te.mustOK(t, `temp(40)`); got != "hot" {
		t.Errorf("Stringer: got %q", got)
	}
}
