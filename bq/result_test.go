package bq

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow/go/v15/arrow/ipc"

	"github.com/gokernel/gokernel/display"
)

// edaSchema has a column of every type, REPEATED and RECORD included.
var edaSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType},
	{Name: "price", Type: bigquery.FloatFieldType},
	{Name: "amount", Type: bigquery.NumericFieldType},
	{Name: "big", Type: bigquery.BigNumericFieldType},
	{Name: "name", Type: bigquery.StringFieldType},
	{Name: "ok", Type: bigquery.BooleanFieldType},
	{Name: "raw", Type: bigquery.BytesFieldType},
	{Name: "day", Type: bigquery.DateFieldType},
	{Name: "at", Type: bigquery.DateTimeFieldType},
	{Name: "clock", Type: bigquery.TimeFieldType},
	{Name: "ts", Type: bigquery.TimestampFieldType},
	{Name: "tags", Type: bigquery.StringFieldType, Repeated: true},
	{Name: "addr", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
		{Name: "city", Type: bigquery.StringFieldType},
		{Name: "zip", Type: bigquery.IntegerFieldType},
	}},
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

var edaRows = [][]bigquery.Value{
	{int64(1), 1.5, rat("12345.678901234"), rat("1.00000000000000000000000000000000000001"), "<b>a</b>", true, []byte("hi"),
		civil.Date{Year: 2024, Month: 2, Day: 29}, civil.DateTime{Date: civil.Date{Year: 2024, Month: 1, Day: 2}, Time: civil.Time{Hour: 3, Minute: 4, Second: 5, Nanosecond: 123456000}},
		civil.Time{Hour: 13, Minute: 14, Second: 15, Nanosecond: 500000000}, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		[]bigquery.Value{"x", "y"}, []bigquery.Value{"Paris", int64(75001)}},
	{int64(2), math.NaN(), rat("-0.5"), rat("2"), "", false, []byte{},
		civil.Date{Year: 1970, Month: 1, Day: 1}, civil.DateTime{Date: civil.Date{Year: 1999, Month: 12, Day: 31}},
		civil.Time{}, time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		[]bigquery.Value{}, []bigquery.Value{nil, nil}},
	{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, []bigquery.Value{}, nil},
}

func edaResult(t *testing.T) Result {
	t.Helper()
	r, err := NewResult(edaSchema, edaRows)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRowsRoundTrip(t *testing.T) {
	r := edaResult(t)
	if r.Len() != 3 {
		t.Fatalf("Len = %d", r.Len())
	}
	for i, want := range edaRows {
		got := r.Row(i)
		for j := range want {
			w, g := want[j], got[j]
			if wf, ok := w.(float64); ok && math.IsNaN(wf) {
				if gf, ok := g.(float64); !ok || !math.IsNaN(gf) {
					t.Errorf("row %d %s = %#v, want NaN", i, edaSchema[j].Name, g)
				}
				continue
			}
			if wr, ok := w.(*big.Rat); ok {
				if gr, ok := g.(*big.Rat); !ok || gr.Cmp(wr) != 0 {
					t.Errorf("row %d %s = %v, want %v", i, edaSchema[j].Name, g, w)
				}
				continue
			}
			if i == 1 && j == 12 {
				// A RECORD of NULLs is a record, not NULL.
				w = []bigquery.Value{nil, nil}
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("row %d %s = %#v, want %#v", i, edaSchema[j].Name, g, w)
			}
		}
	}
	if got := len(r.Rows()); got != 3 {
		t.Errorf("Rows() has %d rows", got)
	}
}

// mustPanic returns the panic message of f, failing when f does not panic.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		v := recover()
		if v == nil {
			t.Fatal("no panic")
		}
		msg = fmt.Sprint(v)
	}()
	f()
	return ""
}

func TestTypedColumns(t *testing.T) {
	r := edaResult(t)
	two, err := NewResult(edaSchema, edaRows[:2]) // no NULLs
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Int64s", two.Int64s("ID"), []int64{1, 2}},
		{"Strings", two.Strings("name"), []string{"<b>a</b>", ""}},
		{"Bools", two.Bools("ok"), []bool{true, false}},
		{"Bytes", r.Bytes("raw"), [][]byte{[]byte("hi"), {}, nil}},
		{"Dates", two.Dates("day"), []civil.Date{{Year: 2024, Month: 2, Day: 29}, {Year: 1970, Month: 1, Day: 1}}},
		{"Times", two.Times("clock"), []civil.Time{{Hour: 13, Minute: 14, Second: 15, Nanosecond: 500000000}, {}}},
		{"Timestamps", two.Timestamps("ts"), []time.Time{time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)}},
		{"DateTimes", two.DateTimes("at")[1], civil.DateTime{Date: civil.Date{Year: 1999, Month: 12, Day: 31}}},
		{"record field", r.NullStrings("addr.city"), []bigquery.NullString{{StringVal: "Paris", Valid: true}, {}, {}}},
		{"record int", r.NullInt64s("addr.zip"), []bigquery.NullInt64{{Int64: 75001, Valid: true}, {}, {}}},
		{"NullInt64s", r.NullInt64s("id"), []bigquery.NullInt64{{Int64: 1, Valid: true}, {Int64: 2, Valid: true}, {}}},
		{"NullBools", r.NullBools("ok"), []bigquery.NullBool{{Bool: true, Valid: true}, {Valid: true}, {}}},
		{"NullDates", r.NullDates("day")[2], bigquery.NullDate{}},
		{"NullTimestamps", r.NullTimestamps("ts")[0].Valid, true},
		{"Nulls", r.Nulls("name"), []bool{false, false, true}},
		{"NullCount", r.NullCount("price"), 1},
		{"Values repeated", r.Values("tags"), []bigquery.Value{[]bigquery.Value{"x", "y"}, []bigquery.Value{}, []bigquery.Value{}}},
		{"Index", r.Index("TS"), 10},
		{"Columns", len(r.Columns()), 13},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
	f := r.Float64s("price")
	if f[0] != 1.5 || !math.IsNaN(f[1]) || !math.IsNaN(f[2]) {
		t.Errorf("Float64s(price) = %v (NULL and NaN must both be NaN)", f)
	}
	if a := r.Float64s("amount"); a[0] != 12345.678901234 || a[1] != -0.5 || !math.IsNaN(a[2]) {
		t.Errorf("Float64s(amount) = %v", a)
	}
	if ids := r.Float64s("id"); ids[1] != 2 || !math.IsNaN(ids[2]) {
		t.Errorf("Float64s(id) = %v", ids)
	}
	rs := r.Rats("big")
	if rs[0].Cmp(rat("1.00000000000000000000000000000000000001")) != 0 || rs[2] != nil {
		t.Errorf("Rats(big) = %v (BIGNUMERIC must be exact)", rs)
	}
}

func TestColumnErrors(t *testing.T) {
	r := edaResult(t)
	tests := []struct {
		name string
		f    func()
		want []string
	}{
		{"missing", func() { r.Int64s("nope") }, []string{`no column "nope"`, "id INT64", "addr RECORD"}},
		{"wrong type", func() { r.Int64s("name") }, []string{"Int64s", "STRING", "use Strings"}},
		{"null", func() { r.Int64s("id") }, []string{"1 NULLs", "NullInt64s", `Nulls("id")`}},
		{"repeated", func() { r.Strings("tags") }, []string{"REPEATED STRING", "use Values"}},
		{"record", func() { r.Strings("addr") }, []string{"RECORD", "rec.field"}},
		{"into non-record", func() { r.Strings("name.x") }, []string{"not a RECORD"}},
		{"record field missing", func() { r.Strings("addr.street") }, []string{"RECORD addr", "city STRING"}},
		{"row range", func() { r.Row(3) }, []string{"row 3 out of range [0:3]"}},
	}
	for _, tc := range tests {
		msg := mustPanic(t, tc.f)
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: panic %q lacks %q", tc.name, msg, w)
			}
		}
	}
}

// TestChunks crosses a record-batch boundary.
func TestChunks(t *testing.T) {
	s := bigquery.Schema{{Name: "n", Type: bigquery.IntegerFieldType}, {Name: "s", Type: bigquery.StringFieldType}}
	n := chunkRows*2 + 7
	rows := make([][]bigquery.Value, n)
	for i := range rows {
		rows[i] = []bigquery.Value{int64(i), fmt.Sprint(i)}
	}
	r, err := NewResult(s, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.t.recs) != 3 {
		t.Errorf("%d batches, want 3", len(r.t.recs))
	}
	ns := r.Int64s("n")
	for _, i := range []int{0, chunkRows - 1, chunkRows, n - 1} {
		if ns[i] != int64(i) || r.Row(i)[1] != fmt.Sprint(i) {
			t.Errorf("row %d: %d %v", i, ns[i], r.Row(i))
		}
	}
	if r.Arrow().NumRows() != int64(n) {
		t.Errorf("Arrow rows = %d", r.Arrow().NumRows())
	}
	var buf bytes.Buffer
	if err := r.WriteIPC(&buf); err != nil {
		t.Fatal(err)
	}
	rd, err := ipc.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for rd.Next() {
		got += int(rd.Record().NumRows())
	}
	if got != n {
		t.Errorf("IPC stream holds %d rows, want %d", got, n)
	}
}

func TestNewResultRefusesBadRows(t *testing.T) {
	s := bigquery.Schema{{Name: "n", Type: bigquery.IntegerFieldType}}
	for _, rows := range [][][]bigquery.Value{{{"x"}}, {{int64(1), int64(2)}}} {
		if _, err := NewResult(s, rows); err == nil {
			t.Errorf("NewResult(%v) took a bad row", rows)
		}
	}
}

func TestScan(t *testing.T) {
	r := edaResult(t)
	type addr struct {
		City *string
		Zip  bigquery.NullInt64
	}
	type base struct {
		ID *int64 `bigquery:"id"`
	}
	type sale struct {
		base
		Price  float64 `bigquery:"-"`
		Amount *big.Rat
		Name   bigquery.NullString
		Tags   []string
		Addr   *addr
		When   bigquery.NullTimestamp `bigquery:"ts"`
		Day    bigquery.NullDate
		Any    bigquery.Value `bigquery:"big"`
	}
	var rows []sale
	if err := r.Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || *rows[0].ID != 1 || rows[2].ID != nil || rows[0].Name.StringVal != "<b>a</b>" || rows[2].Name.Valid {
		t.Fatalf("rows = %+v", rows)
	}
	if rows[0].Amount.Cmp(rat("12345.678901234")) != 0 || rows[2].Amount != nil {
		t.Errorf("Amount = %v, %v", rows[0].Amount, rows[2].Amount)
	}
	if !reflect.DeepEqual(rows[0].Tags, []string{"x", "y"}) || len(rows[1].Tags) != 0 {
		t.Errorf("Tags = %v", rows[0].Tags)
	}
	if rows[0].Addr == nil || *rows[0].Addr.City != "Paris" || rows[0].Addr.Zip.Int64 != 75001 || rows[2].Addr != nil || rows[1].Addr.Zip.Valid {
		t.Errorf("Addr = %+v / %+v / %+v", rows[0].Addr, rows[1].Addr, rows[2].Addr)
	}
	if !rows[0].When.Valid || rows[2].When.Valid || rows[0].Day.Date.Year != 2024 {
		t.Errorf("When/Day = %+v %+v", rows[0].When, rows[0].Day)
	}
	var ptrs []*struct{ Name bigquery.NullString }
	if err := r.Scan(&ptrs); err != nil || len(ptrs) != 3 || ptrs[1].Name.StringVal != "" || !ptrs[1].Name.Valid {
		t.Errorf("Scan into []*struct: %v %+v", err, ptrs)
	}
}

func TestScanErrors(t *testing.T) {
	r := edaResult(t)
	tests := []struct {
		name string
		dst  any
		want []string
	}{
		{"not a pointer", []struct{ ID int64 }{}, []string{"pointer to a slice of structs"}},
		{"not structs", &[]int{}, []string{"slice of structs"}},
		{"missing column", &[]struct{ Region string }{}, []string{"field Region", `column "Region"`, "has no column", `bigquery:"-"`}},
		{"type mismatch", &[]struct{ Name int }{}, []string{"field Name of type int cannot hold column name (STRING)"}},
		{"null into int", &[]struct{ ID int64 }{}, []string{"row 2", "field ID", "NULL", "bigquery.NullInt64"}},
		{"overflow", &[]struct {
			Zip int8 `bigquery:"id"`
		}{}, []string{}},
		{"repeated into scalar", &[]struct{ Tags string }{}, []string{"REPEATED STRING", "slice"}},
		{"record into scalar", &[]struct{ Addr string }{}, []string{"RECORD", "struct field"}},
		{"nested missing", &[]struct{ Addr struct{ Street string } }{}, []string{"Addr.Street"}},
	}
	for _, tc := range tests {
		err := r.Scan(tc.dst)
		if tc.name == "overflow" {
			// 1 and 2 fit in an int8; the NULL row does not.
			if err == nil || !strings.Contains(err.Error(), "NULL") {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tc.name, err, w)
			}
		}
	}
	big := bigquery.Schema{{Name: "n", Type: bigquery.IntegerFieldType}}
	rb, _ := NewResult(big, [][]bigquery.Value{{int64(300)}})
	if err := rb.Scan(&[]struct{ N int8 }{}); err == nil || !strings.Contains(err.Error(), "300 overflows int8") {
		t.Errorf("overflow: %v", err)
	}
	if err := rb.Scan(&[]struct{ N uint }{}); err != nil {
		t.Errorf("uint: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	s := bigquery.Schema{
		{Name: "x", Type: bigquery.FloatFieldType},
		{Name: "s", Type: bigquery.StringFieldType},
		{Name: "d", Type: bigquery.DateFieldType},
	}
	var rows [][]bigquery.Value
	for i, x := range []bigquery.Value{1.0, 2.0, 3.0, 4.0, nil, math.NaN()} {
		str := []bigquery.Value{"a", "b", "a", nil, "a", "<c>"}[i]
		var d bigquery.Value = civil.Date{Year: 2020 + i, Month: 1, Day: 1}
		if i == 0 {
			d = nil
		}
		rows = append(rows, []bigquery.Value{x, str, d})
	}
	r, err := NewResult(s, rows)
	if err != nil {
		t.Fatal(err)
	}
	sum := r.Describe()
	x := sum.Columns[0]
	// pandas: Series([1,2,3,4]).describe(): mean 2.5, std 1.290994, 25% 1.75, 50% 2.5, 75% 3.25.
	if x.Count != 5 || x.Nulls != 1 || x.NaNs != 1 || x.Mean != 2.5 || math.Abs(x.Std-1.2909944487) > 1e-9 ||
		x.Min != 1 || x.Q1 != 1.75 || x.Median != 2.5 || x.Q3 != 3.25 || x.Max != 4 {
		t.Errorf("x = %+v", x)
	}
	st := sum.Columns[1]
	if st.Count != 5 || st.Nulls != 1 || st.Distinct != 3 || st.Top != "a" || st.TopCount != 3 || !math.IsNaN(st.Mean) {
		t.Errorf("s = %+v", st)
	}
	d := sum.Columns[2]
	if d.First != "2021-01-01" || d.Last != "2025-01-01" || d.Nulls != 1 {
		t.Errorf("d = %+v", d)
	}
	html := sum.HTML()
	for _, want := range []string{"<th>25%</th>", "<td>1.75</td>", "&lt;c&gt;", "<th>first</th>", "6 rows"} {
		if want == "&lt;c&gt;" {
			// "<c>" is no top value, so it does not show; escaping is checked below.
			continue
		}
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	txt := sum.String()
	for _, want := range []string{"mean", "2.5", "1.29099", "distinct", "top", "a", "6 rows"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	esc, _ := NewResult(bigquery.Schema{{Name: "<i>", Type: bigquery.StringFieldType}}, [][]bigquery.Value{{"<script>"}})
	if h := esc.Describe().HTML(); strings.Contains(h, "<script>") || strings.Contains(h, "<i>") || !strings.Contains(h, "&lt;script&gt;") {
		t.Errorf("Describe HTML does not escape: %s", h)
	}
}

func TestResultChart(t *testing.T) {
	r := edaResult(t)
	data := func(t *testing.T, c display.Chart) []map[string]any {
		t.Helper()
		spec, err := c.VegaLite()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(spec)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Data struct{ Values []map[string]any }
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m.Data.Values
	}
	for _, tc := range []struct {
		name  string
		chart func() display.Chart
		want  []map[string]any
	}{
		{"NULL stays NULL, NUMERIC is a number, NaN is missing",
			func() display.Chart { return r.Chart(display.PointMark, "amount", "price", "ok") },
			[]map[string]any{{"x": 12345.678901234, "y": 1.5, "color": true}, {"x": -0.5, "y": nil, "color": false}, {"x": nil, "y": nil, "color": nil}}},
		{"dates, timestamps and RECORD fields",
			func() display.Chart { return r.Chart(display.LineMark, "day", "addr.zip") },
			[]map[string]any{{"x": "2024-02-29", "y": 75001.0}, {"x": "1970-01-01", "y": nil}, {"x": nil, "y": nil}}},
		{"timestamps in UTC, INT64 ids",
			func() display.Chart { return r.Chart("bar", "ts", "id") },
			[]map[string]any{{"x": "2024-05-06T07:08:09.000Z", "y": 1.0}, {"x": "1969-12-31T23:59:59.000Z", "y": 2.0}, {"x": nil, "y": nil}}},
		{"TIME as text, DATETIME as wall clock",
			func() display.Chart { return r.Chart("point", "clock", "at") },
			[]map[string]any{{"x": "13:14:15.5", "y": "2024-01-02T03:04:05.123"}, {"x": "00:00:00", "y": "1999-12-31T00:00:00.000"}, {"x": nil, "y": nil}}},
		{"histogram counts the non-NULL values",
			func() display.Chart { return r.Histogram("id") },
			[]map[string]any{{"x": 1.0, "x2": 2.0, "y": 1.0}, {"x": 2.0, "x2": 3.0, "y": 1.0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := data(t, tc.chart()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("data = %v\nwant %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		spec ChartSpec
		want string
	}{
		{ChartSpec{Mark: "bar", X: "nope", Y: "id"}, `no column "nope"`},
		{ChartSpec{Mark: "bar", X: "tags", Y: "id"}, "REPEATED column cannot be drawn"},
		{ChartSpec{Mark: "point", X: "raw", Y: "id"}, "BYTES column cannot be drawn"},
		{ChartSpec{Mark: "hist", X: "addr"}, "RECORD column cannot be drawn"},
	} {
		if _, err := r.chart(&tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("chart(%+v) = %v, want %q", tc.spec, err, tc.want)
		}
	}
}
