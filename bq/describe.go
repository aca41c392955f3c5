package bq

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/gokernel/gokernel/internal/htmltable"
)

// Summary is what Describe returns: one ColumnSummary per column. As a
// cell's value it shows as an HTML table with a text twin, laid out like
// pandas' DataFrame.describe(include="all"): a column per result column,
// a row per statistic.
type Summary struct {
	// Rows is the number of rows described.
	Rows    int
	Columns []ColumnSummary
}

// ColumnSummary holds one column's statistics. Numeric columns (INT64,
// FLOAT64, NUMERIC, BIGNUMERIC) fill Mean through Max; other columns
// leave them NaN. STRING and BOOL columns fill Distinct, Top and TopCount;
// DATE, DATETIME, TIME and TIMESTAMP columns fill First and Last (the
// smallest and largest value, as text). NaN values of FLOAT64 columns are
// counted in NaNs and left out of the statistics, as NULLs are.
type ColumnSummary struct {
	Name string
	Type string
	// Count is the number of non-NULL values; Nulls the number of NULLs.
	Count, Nulls int
	NaNs         int
	// Distinct is the number of distinct non-NULL values (-1: not counted).
	Distinct int
	// Top is the most frequent value, TopCount how often it occurs.
	Top      string
	TopCount int
	// First and Last are the smallest and largest values of a temporal
	// column.
	First, Last string
	// Mean, Std (the sample standard deviation, as pandas), Min, the
	// quartiles Q1, Median, Q3 (linear interpolation, as pandas and numpy)
	// and Max.
	Mean, Std, Min, Q1, Median, Q3, Max float64
}

// Describe summarises every column (see Summary).
func (r Result) Describe() Summary {
	s := Summary{Rows: r.Len()}
	for _, f := range r.Schema {
		c, _ := r.column(f.Name) // the schema's own names always resolve
		s.Columns = append(s.Columns, summarize(c))
	}
	return s
}

func summarize(c column) ColumnSummary {
	nan := math.NaN()
	cs := ColumnSummary{Name: c.field.Name, Type: typeName(c.field), Distinct: -1,
		Mean: nan, Std: nan, Min: nan, Q1: nan, Median: nan, Q3: nan, Max: nan}
	for _, a := range c.chunks {
		cs.Nulls += a.NullN()
		cs.Count += a.Len() - a.NullN()
	}
	if c.field.Repeated {
		return cs
	}
	switch c.field.Type {
	case bigquery.IntegerFieldType, bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		xs := make([]float64, 0, cs.Count)
		each(c, func(a arrow.Array, i int) {
			x := getFloat(a, i)
			if math.IsNaN(x) {
				cs.NaNs++
				return
			}
			xs = append(xs, x)
		})
		numeric(&cs, xs)
	case bigquery.StringFieldType, bigquery.BooleanFieldType:
		counts := map[string]int{}
		each(c, func(a arrow.Array, i int) {
			if s, ok := a.(*array.String); ok {
				counts[s.Value(i)]++
			} else {
				counts[strconv.FormatBool(a.(*array.Boolean).Value(i))]++
			}
		})
		cs.Distinct = len(counts)
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			if counts[k] > cs.TopCount {
				cs.Top, cs.TopCount = k, counts[k]
			}
		}
	case bigquery.DateFieldType, bigquery.DateTimeFieldType, bigquery.TimeFieldType, bigquery.TimestampFieldType:
		var lo, hi int64
		seen := false
		each(c, func(a arrow.Array, i int) {
			var v int64
			switch x := a.(type) {
			case *array.Date32:
				v = int64(x.Value(i))
			case *array.Time64:
				v = int64(x.Value(i))
			case *array.Timestamp:
				v = int64(x.Value(i))
			}
			if !seen || v < lo {
				lo = v
			}
			if !seen || v > hi {
				hi = v
			}
			seen = true
		})
		if seen {
			cs.First = temporalText(c.field, lo)
			cs.Last = temporalText(c.field, hi)
		}
	}
	return cs
}

// each calls fn for every non-NULL value of c.
func each(c column, fn func(arrow.Array, int)) {
	for _, a := range c.chunks {
		for i := range a.Len() {
			if !a.IsNull(i) {
				fn(a, i)
			}
		}
	}
}

func temporalText(f *bigquery.FieldSchema, v int64) string {
	var x bigquery.Value
	switch f.Type {
	case bigquery.DateFieldType:
		x = civil.DateOf(arrow.Date32(v).ToTime())
	case bigquery.TimeFieldType:
		x = civilTime(v)
	case bigquery.DateTimeFieldType:
		x = civil.DateTimeOf(time.UnixMicro(v).UTC())
	default:
		x = time.UnixMicro(v).UTC()
	}
	return FormatValue(x, f)
}

// numeric fills the numeric statistics from the non-NULL, non-NaN values.
func numeric(cs *ColumnSummary, xs []float64) {
	n := len(xs)
	if n == 0 {
		return
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(n)
	cs.Mean = mean
	if n > 1 {
		ss := 0.0
		for _, x := range xs {
			ss += (x - mean) * (x - mean)
		}
		cs.Std = math.Sqrt(ss / float64(n-1))
	}
	slices.Sort(xs)
	cs.Min, cs.Max = xs[0], xs[n-1]
	cs.Q1, cs.Median, cs.Q3 = quantile(xs, 0.25), quantile(xs, 0.5), quantile(xs, 0.75)
}

// quantile is numpy's default ("linear") quantile of sorted xs.
func quantile(xs []float64, q float64) float64 {
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(xs)-1)
	return xs[lo] + (xs[hi]-xs[lo])*(pos-float64(lo))
}

// summaryRows are the statistics shown, in pandas' order.
var summaryRows = []string{"type", "count", "nulls", "distinct", "top", "freq", "mean", "std", "min", "25%", "50%", "75%", "max", "first", "last"}

// cells returns the column's entry for each of summaryRows ("" for none).
func (cs ColumnSummary) cells() []string {
	num := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	}
	distinct, freq := "", ""
	if cs.Distinct >= 0 {
		distinct = strconv.Itoa(cs.Distinct)
		if cs.TopCount > 0 {
			freq = strconv.Itoa(cs.TopCount)
		}
	}
	count := strconv.Itoa(cs.Count)
	if cs.NaNs > 0 {
		count += fmt.Sprintf(" (%d NaN)", cs.NaNs)
	}
	return []string{cs.Type, count, strconv.Itoa(cs.Nulls), distinct, cs.Top, freq,
		num(cs.Mean), num(cs.Std), num(cs.Min), num(cs.Q1), num(cs.Median), num(cs.Q3), num(cs.Max), cs.First, cs.Last}
}

// grid is the summary as rows of text: a header row, then a row per
// statistic that any column has.
func (s Summary) grid() [][]string {
	head := []string{""}
	cols := make([][]string, len(s.Columns))
	for i, c := range s.Columns {
		head = append(head, c.Name)
		cols[i] = c.cells()
	}
	g := [][]string{head}
	for k, stat := range summaryRows {
		row := []string{stat}
		some := false
		for i := range s.Columns {
			row = append(row, cols[i][k])
			some = some || cols[i][k] != ""
		}
		if some {
			g = append(g, row)
		}
	}
	return g
}

// HTML renders the summary as a table (a column per result column).
func (s Summary) HTML() string {
	g := s.grid()
	var b strings.Builder
	b.WriteString(`<div class="gkbq">`)
	tw := htmltable.Writer{B: &b}
	tw.Open("dataframe")
	for _, h := range g[0] {
		tw.Head(h)
	}
	tw.Body()
	for _, row := range g[1:] {
		tw.Row()
		tw.Head(row[0])
		for _, c := range row[1:] {
			tw.Cell("", c)
		}
	}
	tw.Close()
	fmt.Fprintf(&b, "<p>%d rows</p></div>", s.Rows)
	return b.String()
}

// String renders the summary as an aligned text table.
func (s Summary) String() string {
	g := s.grid()
	width := make([]int, len(g[0]))
	for _, row := range g {
		for j, c := range row {
			width[j] = max(width[j], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, row := range g {
		for j, c := range row {
			if j > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[j]-len([]rune(c)))
			if j == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d rows", s.Rows)
	return b.String()
}
