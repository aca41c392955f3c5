package display

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/civil"

	"github.com/gokernel/gokernel/kernel"
)

// specJSON is the chart's spec as a front end receives it.
func specJSON(t *testing.T, c Chart) map[string]any {
	t.Helper()
	b, err := ChartBundle(c)
	if err != nil {
		t.Fatalf("ChartBundle: %v", err)
	}
	raw, err := json.Marshal(b[VegaLiteMIME])
	if err != nil {
		t.Fatalf("the spec does not encode as JSON: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func dataOf(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range m["data"].(map[string]any)["values"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

func enc(m map[string]any, ch string) map[string]any {
	e, _ := m["encoding"].(map[string]any)[ch].(map[string]any)
	return e
}

func TestChartSpec(t *testing.T) {
	f := 2.5
	for _, tc := range []struct {
		name     string
		chart    Chart
		mark     string
		data     []map[string]any
		types    map[string]string // channel → Vega-Lite type
		titles   map[string]string
		text     string
		utc      bool
		titleVal any
	}{
		{
			name:  "bar of categories keeps the data's order",
			chart: Bar([]string{"b", "a"}, []int64{3, 4}).WithLabels("region", "total"),
			mark:  "bar",
			data:  []map[string]any{{"x": "b", "y": 3.0}, {"x": "a", "y": 4.0}},
			types: map[string]string{"x": "nominal", "y": "quantitative"}, titles: map[string]string{"x": "region", "y": "total"},
			text: "<bar chart: total by region, 2 rows>",
		},
		{
			name:  "scatter with a color group; NaN, Inf and nil pointers are missing",
			chart: Scatter([]float64{1, math.NaN(), 3}, []*float64{&f, &f, nil}).WithColor("g", []bool{true, false, true}),
			mark:  "point",
			data:  []map[string]any{{"x": 1.0, "y": 2.5, "color": true}, {"x": nil, "y": 2.5, "color": false}, {"x": 3.0, "y": nil, "color": true}},
			types: map[string]string{"x": "quantitative", "y": "quantitative", "color": "nominal"},
			text:  "<point chart: y by x, colored by g, 3 rows>",
		},
		{
			name:  "whole numbers that color are groups",
			chart: Line([]int{1, 2}, []int{5, 6}).WithColor("year", []int{2024, 2025}),
			mark:  "line",
			data:  []map[string]any{{"x": 1.0, "y": 5.0, "color": 2024.0}, {"x": 2.0, "y": 6.0, "color": 2025.0}},
			types: map[string]string{"color": "nominal"},
		},
		{
			name: "null mask",
			chart: Chart{Mark: AreaMark, X: Series{Name: "day", Values: []civil.Date{{Year: 2024, Month: 1, Day: 2}, {Year: 2024, Month: 1, Day: 3}}},
				Y: Series{Name: "n", Values: []int64{0, 7}, Null: []bool{true, false}}},
			mark:  "area",
			data:  []map[string]any{{"x": "2024-01-02", "y": nil}, {"x": "2024-01-03", "y": 7.0}},
			types: map[string]string{"x": "temporal"}, utc: true,
		},
		{
			name:  "instants in UTC",
			chart: Line([]time.Time{time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600))}, []float32{1}),
			data:  []map[string]any{{"x": "2024-05-06T06:08:09.000Z", "y": 1.0}},
			types: map[string]string{"x": "temporal"}, utc: true,
		},
		{
			name:  "[]any with its own types",
			chart: Bar([]any{"a", nil, "c"}, []any{1, 2.5, uint8(3)}),
			data:  []map[string]any{{"x": "a", "y": 1.0}, {"x": nil, "y": 2.5}, {"x": "c", "y": 3.0}},
		},
		{
			name:     "row limit with a notice",
			chart:    Line(make([]int, 10), make([]int, 10)).WithMaxRows(3).WithTitle("t"),
			data:     []map[string]any{{"x": 0.0, "y": 0.0}, {"x": 0.0, "y": 0.0}, {"x": 0.0, "y": 0.0}},
			text:     `<line chart: y by x, the first 3 of 10 rows "t">`,
			titleVal: map[string]any{"text": "t", "subtitle": "the first 3 of 10 rows (raise MaxRows to draw more)"},
		},
		{
			name:  "user data is data: markup stays text in JSON",
			chart: Bar([]string{"</script><img src=x onerror=alert(1)>"}, []int{1}),
			data:  []map[string]any{{"x": "</script><img src=x onerror=alert(1)>", "y": 1.0}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := specJSON(t, tc.chart)
			if m["$schema"] != vegaLiteSchema {
				t.Errorf("$schema = %v", m["$schema"])
			}
			if tc.mark != "" {
				if got := m["mark"].(map[string]any)["type"]; got != tc.mark {
					t.Errorf("mark = %v, want %s", got, tc.mark)
				}
			}
			if got := dataOf(m); !reflect.DeepEqual(got, tc.data) {
				t.Errorf("data = %v\nwant %v", got, tc.data)
			}
			for ch, want := range tc.types {
				if got := enc(m, ch)["type"]; got != want {
					t.Errorf("%s type = %v, want %s", ch, got, want)
				}
			}
			for ch, want := range tc.titles {
				if got := enc(m, ch)["title"]; got != want {
					t.Errorf("%s title = %v, want %s", ch, got, want)
				}
			}
			if tc.utc {
				if got := enc(m, "x")["scale"]; !reflect.DeepEqual(got, map[string]any{"type": "utc"}) {
					t.Errorf("x scale = %v, want utc", got)
				}
			}
			if tc.text != "" {
				if got := tc.chart.String(); got != tc.text {
					t.Errorf("text = %q, want %q", got, tc.text)
				}
			}
			if tc.titleVal != nil && !reflect.DeepEqual(m["title"], tc.titleVal) {
				t.Errorf("title = %v, want %v", m["title"], tc.titleVal)
			}
		})
	}
}

func TestChartBarOfCategoriesIsNotSorted(t *testing.T) {
	m := specJSON(t, Bar([]string{"b", "a"}, []int{1, 2}))
	if s, ok := enc(m, "x")["sort"]; !ok || s != nil {
		t.Errorf("x sort = %v (present %v), want null so the data's order stays", s, ok)
	}
}

func TestChartDefaultRowLimit(t *testing.T) {
	n := DefaultChartRows + 1
	m := specJSON(t, Scatter(make([]float64, n), make([]float64, n)))
	if got := len(dataOf(m)); got != DefaultChartRows {
		t.Errorf("embedded %d rows, want %d", got, DefaultChartRows)
	}
	if !strings.Contains(m["title"].(map[string]any)["text"].(string), "5,000 of 5,001 rows") {
		t.Errorf("title = %v, want the notice", m["title"])
	}
	all := specJSON(t, Scatter(make([]float64, n), make([]float64, n)).WithMaxRows(-1))
	if got := len(dataOf(all)); got != n {
		t.Errorf("MaxRows -1 embedded %d rows, want %d", got, n)
	}
}

func TestHistogram(t *testing.T) {
	// 0..999 and one NaN: bins of 100 (Sturges: 11 bins → step 100), exact counts.
	vals := make([]float64, 0, 1001)
	for i := range 1000 {
		vals = append(vals, float64(i))
	}
	vals = append(vals, math.NaN())
	c := Histogram(vals)
	m := specJSON(t, c)
	rows := dataOf(m)
	if len(rows) != 10 {
		t.Fatalf("%d bins, want 10: %v", len(rows), rows)
	}
	total := 0.0
	for i, r := range rows {
		if r["x"] != float64(i*100) || r["x2"] != float64(i*100+100) || r["y"] != 100.0 {
			t.Errorf("bin %d = %v, want [%d, %d) × 100", i, r, i*100, i*100+100)
		}
		total += r["y"].(float64)
	}
	if total != 1000 {
		t.Errorf("counted %v values, want 1000", total)
	}
	if got := enc(m, "x")["bin"]; !reflect.DeepEqual(got, map[string]any{"binned": true, "step": 100.0}) {
		t.Errorf("x bin = %v", got)
	}
	if want := "<histogram of x: 1,000 values in 10 bins, 1 missing left out>"; c.String() != want {
		t.Errorf("text = %q, want %q", c.String(), want)
	}

	// Whole numbers never get fractional bins; the maximum is in the last bin.
	m = specJSON(t, Histogram([]int{1, 1, 2, 3, 3, 3}))
	got := map[float64]float64{}
	for _, r := range dataOf(m) {
		if r["x2"].(float64)-r["x"].(float64) != 1 {
			t.Errorf("bin %v is not 1 wide", r)
		}
		got[r["x"].(float64)] = r["y"].(float64)
	}
	if want := map[float64]float64{1: 2, 2: 1, 3: 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("counts = %v, want %v", got, want)
	}

	// A color group splits every bin.
	m = specJSON(t, Histogram([]float64{1, 1, 1}).WithColor("g", []string{"a", "b", "a"}))
	got2 := map[string]float64{}
	for _, r := range dataOf(m) {
		got2[r["color"].(string)] += r["y"].(float64)
	}
	if want := map[string]float64{"a": 2, "b": 1}; !reflect.DeepEqual(got2, want) {
		t.Errorf("group counts = %v, want %v", got2, want)
	}

	// Strings are counted per value, the most frequent first.
	m = specJSON(t, Histogram([]string{"x", "y", "y"}))
	got3 := map[string]float64{}
	for _, r := range dataOf(m) {
		got3[r["x"].(string)] = r["y"].(float64)
	}
	if want := map[string]float64{"x": 1, "y": 2}; !reflect.DeepEqual(got3, want) {
		t.Errorf("value counts = %v, want %v", got3, want)
	}
	if s := enc(m, "x")["sort"]; s != "-y" {
		t.Errorf("x sort = %v, want -y", s)
	}
}

func TestBins(t *testing.T) {
	for _, tc := range []struct {
		lo, hi   float64
		n, want  int
		integral bool
		start    float64
		step     float64
		count    int
	}{
		{0, 999, 1000, 0, true, 0, 100, 10},
		{0.1, 0.9, 100, 4, false, 0, 0.2, 5},
		{5, 5, 3, 0, true, 5, 1, 1},
		{-3, 3, 10, 6, true, -3, 1, 7},
	} {
		start, step, count := bins(tc.lo, tc.hi, tc.n, tc.want, tc.integral)
		if math.Abs(start-tc.start) > 1e-9 || math.Abs(step-tc.step) > 1e-9 || count != tc.count {
			t.Errorf("bins(%v, %v, %d, %d) = %v, %v, %d; want %v, %v, %d", tc.lo, tc.hi, tc.n, tc.want, start, step, count, tc.start, tc.step, tc.count)
		}
		// Every value in [lo, hi] falls in a bin.
		if last := start + float64(count)*step; last <= tc.hi {
			t.Errorf("bins end at %v, before hi %v", last, tc.hi)
		}
	}
}

func TestChartErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chart Chart
		want  string
	}{
		{"lengths", Bar([]int{1, 2}, []int{1}), "x has 2 values and y has 1"},
		{"color length", Bar([]int{1}, []int{1}).WithColor("g", []string{}), "color g has 0"},
		{"not a slice", Bar(3, []int{1}), "x is a int, want a slice"},
		{"no values", Chart{Mark: BarMark, X: Series{Values: []int{1}}}, "no values for y"},
		{"mixed", Bar([]any{1, "a"}, []int{1, 2}), "mixes quantitative and nominal"},
		{"unsupported", Bar([]struct{}{{}}, []int{1}), "a struct {} cannot be drawn"},
		{"mark", Chart{Mark: "pie", X: Series{Values: []int{1}}, Y: Series{Values: []int{1}}}, `mark "pie"`},
		{"null flags", Chart{Mark: BarMark, X: Series{Values: []int{1}, Null: []bool{}}, Y: Series{Values: []int{1}}}, "1 values and 0 null flags"},
		{"empty histogram", Histogram([]float64{math.NaN()}), "no values to count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ChartBundle(tc.chart)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			// A cell's value that cannot be drawn says why instead of failing silently.
			b, ok := Rich(tc.chart)
			if !ok || !strings.Contains(b["text/plain"].(string), tc.want) {
				t.Errorf("Rich = %v, %v; want the error as text", b, ok)
			}
		})
	}
}

func TestRichChart(t *testing.T) {
	c := Bar([]string{"a"}, []int{1})
	for _, v := range []any{c, &c} {
		b, ok := Rich(v)
		if !ok || b[VegaLiteMIME] == nil || b["text/plain"] != "<bar chart: y by x, 1 rows>" {
			t.Errorf("Rich(%T) = %v, %v", v, b, ok)
		}
	}
}

func TestVegaLiteBundle(t *testing.T) {
	type spec struct {
		Mark string         `json:"mark"`
		Data map[string]any `json:"data"`
	}
	for _, tc := range []struct {
		name    string
		in      any
		mark    string
		text    string
		schema  string
		wantErr string
	}{
		{name: "map", in: map[string]any{"mark": "bar", "title": "T"}, mark: "bar", text: `<Vega-Lite chart "T">`, schema: vegaLiteSchema},
		{name: "json text keeps its schema", in: `{"$schema": "https://vega.github.io/schema/vega-lite/v5.20.json", "mark": "point"}`, mark: "point", text: "<Vega-Lite chart>", schema: "https://vega.github.io/schema/vega-lite/v5.20.json"},
		{name: "bytes", in: []byte(`{"mark": "line", "title": {"text": "U"}}`), mark: "line", text: `<Vega-Lite chart "U">`, schema: vegaLiteSchema},
		{name: "struct", in: spec{Mark: "area"}, mark: "area", text: "<Vega-Lite chart>", schema: vegaLiteSchema},
		{name: "array", in: `[1, 2]`, wantErr: "not a JSON object"},
		{name: "bad json", in: `{"mark": `, wantErr: "not a JSON object"},
		{name: "null", in: `null`, wantErr: "the spec is null"},
		{name: "nil", in: nil, wantErr: "nil spec"},
		{name: "NaN", in: map[string]any{"x": math.NaN()}, wantErr: "unsupported value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := VegaLiteBundle(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := b[VegaLiteMIME].(map[string]any)
			if m["mark"] != tc.mark || m["$schema"] != tc.schema || b["text/plain"] != tc.text {
				t.Errorf("bundle = %v", b)
			}
		})
	}
}

func TestChartExports(t *testing.T) {
	var rec recorder
	syms := Exports(New(func() kernel.Output { return &rec }))[ImportPath+"/display"]
	for _, name := range []string{"Chart", "Series", "Mark", "BarMark", "VegaLite", "Bar", "Line", "Scatter", "Histogram", "ChartBundle", "VegaLiteBundle", "DefaultChartRows"} {
		if _, ok := syms[name]; !ok {
			t.Errorf("display.%s is not exported to cells", name)
		}
	}
	show := syms["VegaLite"].Interface().(func(any) ID)
	show(`{"mark": "bar"}`)
	if len(rec.displays) != 1 || rec.displays[0].Data[VegaLiteMIME] == nil {
		t.Fatalf("VegaLite published %v", rec.displays)
	}
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(error).Error(), "not a JSON object") {
			t.Errorf("VegaLite of a bad spec: recover() = %v, want a panic saying why", v)
		}
	}()
	show(`[`)
}
