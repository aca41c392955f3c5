package display

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"cloud.google.com/go/civil"
	"github.com/dustin/go-humanize"
)

// VegaLiteMIME is the MIME type of a Vega-Lite 5 spec, which JupyterLab 4,
// Notebook 7 and VS Code render without any extension.
const VegaLiteMIME = "application/vnd.vegalite.v5+json"

// vegaLiteSchema is the $schema a spec gets when it has none.
const vegaLiteSchema = "https://vega.github.io/schema/vega-lite/v5.json"

// DefaultChartRows is how many rows a chart embeds unless its MaxRows says
// otherwise: the data travels inside the notebook, and a browser drawing
// more points than this gets slow without showing more.
const DefaultChartRows = 5000

// The size of a chart in pixels unless its Width and Height say otherwise.
const (
	DefaultChartWidth  = 480
	DefaultChartHeight = 300
)

// Mark is how a chart draws its rows.
type Mark string

// The marks a Chart draws.
const (
	BarMark   Mark = "bar"
	LineMark  Mark = "line"
	PointMark Mark = "point"
	AreaMark  Mark = "area"
)

// Series is one chartColumn of a chart's data: a name (the axis or legend
// title) and a slice of numbers (any int, uint or float type), strings,
// bools, time.Time, civil.Date or civil.DateTime values, pointers to them
// (nil is missing) or []any of them. Null, when set, marks missing values
// (a NULL from a query): they are left out of the chart, never drawn as 0.
// NaN and ±Inf are missing too.
type Series struct {
	Name   string
	Values any
	Null   []bool
}

// Chart is a Vega-Lite chart of Go data: Y against X drawn as Mark, split
// and colored by Color when it has values. A cell's value that is a Chart
// is drawn; so is display.Show(c). Build one with Bar, Line, Scatter or
// Histogram (or a query result's Chart method) and refine it with the
// With methods, or fill the fields.
type Chart struct {
	Mark  Mark
	Title string
	X, Y  Series
	Color Series
	// Histogram counts the values of X in bins (Y is unused). Numbers are
	// binned in Go over every value, so a histogram of a million rows is
	// exact and small; other values are counted per distinct value.
	Histogram bool
	// Bins is the number of histogram bins to aim for (0: Sturges' rule,
	// between 5 and 50).
	Bins int
	// MaxRows is how many rows are embedded (0: DefaultChartRows; < 0: all).
	// The chart's subtitle says when rows were left out.
	MaxRows int
	// Width and Height are in pixels (0: DefaultChartWidth × DefaultChartHeight).
	Width, Height int
}

// Bar returns a bar chart of y against x (typically categories and their
// values); slices of equal length.
func Bar(x, y any) Chart { return Chart{Mark: BarMark, X: Series{Values: x}, Y: Series{Values: y}} }

// Line returns a line chart of y against x.
func Line(x, y any) Chart { return Chart{Mark: LineMark, X: Series{Values: x}, Y: Series{Values: y}} }

// Scatter returns a scatter plot (point marks) of y against x.
func Scatter(x, y any) Chart {
	return Chart{Mark: PointMark, X: Series{Values: x}, Y: Series{Values: y}}
}

// Histogram returns a histogram of values.
func Histogram(values any) Chart {
	return Chart{Mark: BarMark, Histogram: true, X: Series{Values: values}}
}

// WithTitle returns c with a title.
func (c Chart) WithTitle(title string) Chart { c.Title = title; return c }

// WithLabels returns c with axis titles for x and y ("" keeps one).
func (c Chart) WithLabels(x, y string) Chart {
	if x != "" {
		c.X.Name = x
	}
	if y != "" {
		c.Y.Name = y
	}
	return c
}

// WithColor returns c with its marks grouped and colored by values (one
// per row), under the legend title name.
func (c Chart) WithColor(name string, values any) Chart {
	c.Color = Series{Name: name, Values: values}
	return c
}

// WithSize returns c drawn width × height pixels.
func (c Chart) WithSize(width, height int) Chart { c.Width, c.Height = width, height; return c }

// WithMaxRows returns c embedding at most n rows (n < 0: all).
func (c Chart) WithMaxRows(n int) Chart { c.MaxRows = n; return c }

// String describes the chart for text front ends.
func (c Chart) String() string {
	s, err := c.build()
	if err != nil {
		return "<chart: " + err.Error() + ">"
	}
	return s.text
}

// VegaLite returns the chart's Vega-Lite spec, data included.
func (c Chart) VegaLite() (map[string]any, error) {
	s, err := c.build()
	if err != nil {
		return nil, err
	}
	return s.spec, nil
}

// ChartBundle renders c as Vega-Lite with a text/plain description.
func ChartBundle(c Chart) (Bundle, error) {
	s, err := c.build()
	if err != nil {
		return nil, err
	}
	return Bundle{VegaLiteMIME: s.spec, "text/plain": s.text}, nil
}

// VegaLiteBundle renders a Vega-Lite spec written by hand: a map, a
// struct, or the spec's JSON as a string, []byte or json.RawMessage. The
// spec must be a JSON object; it gets the Vega-Lite 5 $schema when it has
// none.
func VegaLiteBundle(spec any) (Bundle, error) {
	var raw []byte
	switch s := spec.(type) {
	case nil:
		return nil, fmt.Errorf("display.VegaLite: nil spec")
	case string:
		raw = []byte(s)
	case []byte:
		raw = s
	case json.RawMessage:
		raw = s
	default:
		b, err := json.Marshal(spec)
		if err != nil {
			return nil, fmt.Errorf("display.VegaLite: %w", err)
		}
		raw = b
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("display.VegaLite: the spec is not a JSON object: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("display.VegaLite: the spec is null, want a JSON object")
	}
	if _, ok := m["$schema"]; !ok {
		m["$schema"] = vegaLiteSchema
	}
	text := "<Vega-Lite chart>"
	switch t := m["title"].(type) {
	case string:
		text = fmt.Sprintf("<Vega-Lite chart %q>", t)
	case map[string]any:
		if s, ok := t["text"].(string); ok {
			text = fmt.Sprintf("<Vega-Lite chart %q>", s)
		}
	}
	return Bundle{VegaLiteMIME: m, "text/plain": text}, nil
}

// built is a chart's spec and its text twin.
type built struct {
	spec map[string]any
	text string
}

// kinds of series values, as Vega-Lite's field types.
const (
	quantitative = "quantitative"
	temporal     = "temporal"
	nominal      = "nominal"
)

// chartColumn is a series made ready for JSON: one value per row (nil where
// missing) and its Vega-Lite type.
type chartColumn struct {
	name  string
	vals  []any
	kind  string
	utc   bool // temporal values that are instants or dates, not wall clocks
	valid int  // values that are not missing
}

func (c Chart) build() (built, error) {
	switch c.Mark {
	case BarMark, LineMark, PointMark, AreaMark:
	case "":
		c.Mark = BarMark
	default:
		return built{}, fmt.Errorf("display: chart mark %q: want bar, line, point or area", c.Mark)
	}
	x, err := toChartColumn(c.X, "x")
	if err != nil {
		return built{}, err
	}
	n := len(x.vals)
	var y, color *chartColumn
	if !c.Histogram {
		yc, err := toChartColumn(c.Y, "y")
		if err != nil {
			return built{}, err
		}
		if len(yc.vals) != n {
			return built{}, fmt.Errorf("display: chart: %s has %d values and %s has %d, want one each per row", x.name, n, yc.name, len(yc.vals))
		}
		y = &yc
	}
	if c.Color.Values != nil {
		cc, err := toChartColumn(c.Color, "color")
		if err != nil {
			return built{}, err
		}
		if len(cc.vals) != n {
			return built{}, fmt.Errorf("display: chart: %s has %d values and color %s has %d, want one each per row", x.name, n, cc.name, len(cc.vals))
		}
		if cc.kind == quantitative && isIntegral(cc.vals) {
			// Whole numbers that color marks are groups (a year, an id),
			// not a gradient.
			cc.kind = nominal
		}
		color = &cc
	}
	w, h := c.Width, c.Height
	if w <= 0 {
		w = DefaultChartWidth
	}
	if h <= 0 {
		h = DefaultChartHeight
	}
	spec := map[string]any{
		"$schema": vegaLiteSchema,
		"width":   w,
		"height":  h,
	}
	var text, notice string
	if c.Histogram {
		text, err = c.histogram(spec, x, color)
		if err != nil {
			return built{}, err
		}
	} else {
		text, notice = c.plain(spec, x, *y, color)
	}
	switch {
	case c.Title != "" && notice != "":
		spec["title"] = map[string]any{"text": c.Title, "subtitle": notice}
	case c.Title != "":
		spec["title"] = c.Title
	case notice != "":
		spec["title"] = map[string]any{"text": notice, "fontSize": 11, "fontWeight": "normal"}
	}
	if c.Title != "" {
		text = fmt.Sprintf("<%s %q>", strings.Trim(text, "<>"), c.Title)
	}
	return built{spec: spec, text: text}, nil
}

// plain is a chart of rows as they are: the first MaxRows of them. It
// returns the text twin and, when rows were left out, a notice saying so.
func (c Chart) plain(spec map[string]any, x, y chartColumn, color *chartColumn) (text, notice string) {
	n := len(x.vals)
	limit := c.rowLimit(n)
	rows := make([]map[string]any, 0, limit)
	for i := range limit {
		r := map[string]any{"x": x.vals[i], "y": y.vals[i]}
		if color != nil {
			r["color"] = color.vals[i]
		}
		rows = append(rows, r)
	}
	spec["data"] = map[string]any{"values": rows}
	spec["mark"] = map[string]any{"type": string(c.Mark), "tooltip": true}
	enc := map[string]any{
		"x": axis("x", x),
		"y": axis("y", y),
	}
	tips := []any{tip("x", x), tip("y", y)}
	if color != nil {
		enc["color"] = axis("color", *color)
		tips = append(tips, tip("color", *color))
	}
	enc["tooltip"] = tips
	if c.Mark == BarMark && x.kind == nominal {
		// Bars stay in the order of the data (a query's ORDER BY), not
		// sorted by name.
		enc["x"].(map[string]any)["sort"] = nil
	}
	spec["encoding"] = enc
	what := fmt.Sprintf("%s chart: %s by %s", c.Mark, y.name, x.name)
	if color != nil {
		what += ", colored by " + color.name
	}
	if limit < n {
		notice = fmt.Sprintf("the first %s of %s rows (raise MaxRows to draw more)", humanize.Comma(int64(limit)), humanize.Comma(int64(n)))
		return fmt.Sprintf("<%s, the first %s of %s rows>", what, humanize.Comma(int64(limit)), humanize.Comma(int64(n))), notice
	}
	return fmt.Sprintf("<%s, %s rows>", what, humanize.Comma(int64(n))), ""
}

func (c Chart) rowLimit(n int) int {
	switch {
	case c.MaxRows < 0:
		return n
	case c.MaxRows == 0:
		return min(n, DefaultChartRows)
	default:
		return min(n, c.MaxRows)
	}
}

// histogram counts x: numbers in bins computed here over every value,
// anything else per distinct value.
func (c Chart) histogram(spec map[string]any, x chartColumn, color *chartColumn) (string, error) {
	if x.valid == 0 {
		return "", fmt.Errorf("display: histogram of %s: no values to count (all %d are missing)", x.name, len(x.vals))
	}
	groupOf := func(i int) any {
		if color == nil {
			return nil
		}
		return color.vals[i]
	}
	type key struct {
		bin   any
		group string
	}
	counts := map[key]int{}
	var keys []key
	groupValue := map[string]any{}
	count := func(bin any, i int) {
		g := groupOf(i)
		gk := fmt.Sprint(g)
		groupValue[gk] = g
		k := key{bin, gk}
		if _, ok := counts[k]; !ok {
			keys = append(keys, k)
		}
		counts[k]++
	}
	var rows []map[string]any
	enc := map[string]any{}
	var what string
	if x.kind == quantitative {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x.vals {
			if f, ok := v.(float64); ok {
				lo, hi = min(lo, f), max(hi, f)
			}
		}
		start, step, nb := bins(lo, hi, x.valid, c.Bins, isIntegral(x.vals))
		for i, v := range x.vals {
			f, ok := v.(float64)
			if !ok {
				continue
			}
			b := min(int(math.Floor((f-start)/step)), nb-1)
			count(b, i)
		}
		for _, k := range keys {
			b := k.bin.(int)
			r := map[string]any{"x": start + float64(b)*step, "x2": start + float64(b+1)*step, "y": counts[k]}
			if color != nil {
				r["color"] = groupValue[k.group]
			}
			rows = append(rows, r)
		}
		enc["x"] = map[string]any{"field": "x", "bin": map[string]any{"binned": true, "step": step}, "type": quantitative, "title": x.name}
		enc["x2"] = map[string]any{"field": "x2"}
		what = fmt.Sprintf("histogram of %s: %s values in %d bins", x.name, humanize.Comma(int64(x.valid)), nb)
	} else {
		for i, v := range x.vals {
			if v != nil {
				count(v, i)
			}
		}
		for _, k := range keys {
			r := map[string]any{"x": k.bin, "y": counts[k]}
			if color != nil {
				r["color"] = groupValue[k.group]
			}
			rows = append(rows, r)
		}
		ax := axis("x", x)
		if x.kind == nominal {
			// The most frequent first, as value_counts() shows them.
			ax["sort"] = "-y"
		}
		enc["x"] = ax
		distinct := map[any]bool{}
		for _, k := range keys {
			distinct[k.bin] = true
		}
		what = fmt.Sprintf("counts of %s: %s values, %d distinct", x.name, humanize.Comma(int64(x.valid)), len(distinct))
	}
	enc["y"] = map[string]any{"field": "y", "type": quantitative, "title": "count", "stack": "zero"}
	tips := []any{map[string]any{"field": "y", "type": quantitative, "title": "count"}}
	if color != nil {
		enc["color"] = axis("color", *color)
		tips = append(tips, tip("color", *color))
	}
	enc["tooltip"] = tips
	spec["data"] = map[string]any{"values": rows}
	spec["mark"] = map[string]any{"type": string(BarMark), "tooltip": true}
	spec["encoding"] = enc
	if color != nil {
		what += ", colored by " + color.name
	}
	if missing := len(x.vals) - x.valid; missing > 0 {
		what += fmt.Sprintf(", %s missing left out", humanize.Comma(int64(missing)))
	}
	return "<" + what + ">", nil
}

// bins chooses histogram bins over [lo, hi] for n values: a round step (1,
// 2 or 5 times a power of ten; at least 1 for whole numbers) and a start
// on a multiple of it.
func bins(lo, hi float64, n, want int, integral bool) (start, step float64, count int) {
	if want <= 0 {
		want = min(max(int(math.Ceil(math.Log2(float64(n))))+1, 5), 50)
	}
	span := hi - lo
	if span == 0 {
		span = 1
	}
	raw := span / float64(want)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * p
	for _, m := range []float64{1, 2, 5} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	if integral && step < 1 {
		step = 1
	}
	start = math.Floor(lo/step) * step
	count = max(int(math.Floor((hi-start)/step))+1, 1)
	return start, step, count
}

func axis(field string, c chartColumn) map[string]any {
	a := map[string]any{"field": field, "type": c.kind, "title": c.name}
	if c.kind == temporal && c.utc {
		a["scale"] = map[string]any{"type": "utc"}
	}
	return a
}

func tip(field string, c chartColumn) map[string]any {
	t := map[string]any{"field": field, "type": c.kind, "title": c.name}
	if c.kind == temporal && c.utc {
		// The instant as BigQuery shows it, not in the browser's zone.
		t["format"] = "%Y-%m-%d %H:%M:%S"
		t["scale"] = map[string]any{"type": "utc"}
	}
	return t
}

func isIntegral(vals []any) bool {
	for _, v := range vals {
		if f, ok := v.(float64); ok && f != math.Trunc(f) {
			return false
		}
	}
	return true
}

// toChartColumn turns a series into JSON-ready values of one kind.
func toChartColumn(s Series, role string) (chartColumn, error) {
	name := s.Name
	if name == "" {
		name = role
	}
	c := chartColumn{name: name}
	if s.Values == nil {
		return c, fmt.Errorf("display: chart: no values for %s", role)
	}
	rv := reflect.ValueOf(s.Values)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return c, fmt.Errorf("display: chart: %s is a %T, want a slice of values", name, s.Values)
	}
	n := rv.Len()
	if s.Null != nil && len(s.Null) != n {
		return c, fmt.Errorf("display: chart: %s has %d values and %d null flags", name, n, len(s.Null))
	}
	c.vals = make([]any, n)
	for i := range n {
		if s.Null != nil && s.Null[i] {
			continue
		}
		v, kind, utc, err := jsonValue(rv.Index(i))
		if err != nil {
			return c, fmt.Errorf("display: chart: %s[%d]: %w", name, i, err)
		}
		if v == nil {
			continue
		}
		if c.kind == "" {
			c.kind, c.utc = kind, utc
		} else if kind != c.kind {
			return c, fmt.Errorf("display: chart: %s mixes %s and %s values (row %d is %v)", name, c.kind, kind, i, rv.Index(i).Interface())
		}
		c.vals[i] = v
		c.valid++
	}
	if c.kind == "" {
		c.kind = nominal
	}
	return c, nil
}

// jsonValue is one value for the chart's data (nil when missing), its
// Vega-Lite type, and whether a temporal value is an instant or a date
// (drawn in UTC) rather than a wall-clock time.
func jsonValue(v reflect.Value) (any, string, bool, error) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, "", false, nil
		}
		v = v.Elem()
	}
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		t := v.Interface().(time.Time)
		// Milliseconds: what a browser's Date holds.
		return t.UTC().Format("2006-01-02T15:04:05.000Z"), temporal, true, nil
	case reflect.TypeFor[civil.Date]():
		d := v.Interface().(civil.Date)
		if !d.IsValid() {
			return nil, "", false, fmt.Errorf("%v is not a valid date (mark missing values in Series.Null)", d)
		}
		return d.String(), temporal, true, nil
	case reflect.TypeFor[civil.DateTime]():
		d := v.Interface().(civil.DateTime)
		if !d.IsValid() {
			return nil, "", false, fmt.Errorf("%v is not a valid date and time (mark missing values in Series.Null)", d)
		}
		return d.In(time.UTC).Format("2006-01-02T15:04:05.000"), temporal, false, nil
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), quantitative, false, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint()), quantitative, false, nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "", false, nil
		}
		return f, quantitative, false, nil
	case reflect.String:
		return v.String(), nominal, false, nil
	case reflect.Bool:
		return v.Bool(), nominal, false, nil
	}
	if v.Type().Implements(stringerType()) {
		return v.Interface().(fmt.Stringer).String(), nominal, false, nil
	}
	return nil, "", false, fmt.Errorf("a %s cannot be drawn (numbers, strings, bools, time.Time, civil.Date and civil.DateTime can)", v.Type())
}
