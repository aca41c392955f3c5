package bq

import (
	"fmt"
	"math"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/gokernel/gokernel/display"
)

// Chart draws column y against column x as a Vega-Lite chart (a cell's
// value, or display.Show(c)); mark is display.BarMark, LineMark, PointMark
// or AreaMark (or "bar", "line", "point", "area"), color names an
// optional column that groups and colors the marks. NULLs stay NULL in the
// chart's data. At most display.DefaultChartRows rows are embedded (set
// the returned Chart's MaxRows for more); the chart says how many it left
// out. It panics, like the column accessors, on a column that does not
// exist or cannot be drawn (REPEATED, RECORD, BYTES).
func (r Result) Chart(mark display.Mark, x, y string, color ...string) display.Chart {
	c := display.Chart{Mark: mark, X: r.series(x), Y: r.series(y)}
	if len(color) > 0 && color[0] != "" {
		c.Color = r.series(color[0])
	}
	return c
}

// Histogram draws the distribution of column x (binned, counted),
// optionally split by a color column.
func (r Result) Histogram(x string, color ...string) display.Chart {
	c := display.Chart{Mark: display.BarMark, Histogram: true, X: r.series(x)}
	if len(color) > 0 && color[0] != "" {
		c.Color = r.series(color[0])
	}
	return c
}

// chart builds the chart a --chart option asks for.
func (r Result) chart(s *ChartSpec) (c display.Chart, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("--chart: %v", v)
		}
	}()
	if s.Mark == "hist" {
		return r.Histogram(s.X, s.Color), nil
	}
	return r.Chart(display.Mark(s.Mark), s.X, s.Y, s.Color), nil
}

// series is a column as chart data: a typed slice with a null mask, so
// the chart never draws a NULL as zero.
func (r Result) series(name string) display.Series {
	c, err := r.column(name)
	if err != nil {
		panic(err.Error())
	}
	s := display.Series{Name: c.field.Name, Null: r.Nulls(name)}
	if c.field.Repeated {
		panic(fmt.Sprintf("bq: chart of %q: a REPEATED column cannot be drawn; UNNEST it in SQL", name))
	}
	zeroAtNull := func(get func(arrow.Array, int) any) []any {
		out := make([]any, 0, r.Len())
		for _, a := range c.chunks {
			for i := range a.Len() {
				if a.IsNull(i) {
					out = append(out, nil)
				} else {
					out = append(out, get(a, i))
				}
			}
		}
		return out
	}
	switch c.field.Type {
	case bigquery.IntegerFieldType:
		s.Values = typed(r, "Chart", name, intTypes, getInt64, nullZero[int64])
	case bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		fs := typed(r, "Chart", name, floatTypes, getFloat, func() (float64, bool) { return math.NaN(), true })
		s.Values = fs
	case bigquery.BooleanFieldType:
		s.Values = typed(r, "Chart", name, boolTypes, getBool, nullZero[bool])
	case bigquery.DateFieldType:
		s.Values = typed(r, "Chart", name, dateTypes, getDate, nullZero[civil.Date])
	case bigquery.DateTimeFieldType:
		s.Values = typed(r, "Chart", name, dtTypes, getDateTime, nullZero[civil.DateTime])
	case bigquery.TimestampFieldType:
		s.Values = typed(r, "Chart", name, tsTypes, getTimestamp, nullZero[time.Time])
	case bigquery.TimeFieldType:
		// A time of day has no Vega-Lite type of its own: its text sorts.
		s.Values = zeroAtNull(func(a arrow.Array, i int) any {
			t := getTime(a, i)
			return time.Date(0, 1, 1, t.Hour, t.Minute, t.Second, t.Nanosecond, time.UTC).Format("15:04:05.999999")
		})
	case bigquery.BytesFieldType, bigquery.RecordFieldType:
		panic(fmt.Sprintf("bq: chart of %q: a %s column cannot be drawn", name, typeName(c.field)))
	default:
		s.Values = typed(r, "Chart", name, stringTypes, func(a arrow.Array, i int) string { return a.(*array.String).Value(i) }, nullZero[string])
	}
	return s
}
