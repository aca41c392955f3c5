package bq

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
)

// Result is what --out NAME stores in the notebook: a query's rows held as
// typed columns (Apache Arrow record batches, the format of BigQuery's
// Storage Read API), with the job that made them.
//
// Columns come out as Go slices of their natural type, by name
// (case-insensitive; "rec.field" reaches into a RECORD column):
//
//	INT64              Int64s     []int64
//	FLOAT64, NUMERIC,  Float64s   []float64 (NULL is NaN; INT64 converts too)
//	BIGNUMERIC
//	NUMERIC exactly    Rats       []*big.Rat
//	STRING (and JSON,  Strings    []string
//	GEOGRAPHY, ...)
//	BOOL               Bools      []bool
//	BYTES              Bytes      [][]byte
//	DATE               Dates      []civil.Date
//	DATETIME           DateTimes  []civil.DateTime
//	TIME               Times      []civil.Time
//	TIMESTAMP          Timestamps []time.Time
//	any, REPEATED,     Values     []bigquery.Value
//	RECORD
//
// NULL is never silently a zero: apart from Float64s (NaN) and Values
// (nil), an accessor panics when the column holds a NULL and names the
// nullable twin (NullInt64s, NullFloat64s, NullStrings, NullBools,
// NullDates, NullDateTimes, NullTimes, NullTimestamps, which return the
// BigQuery client's bigquery.NullInt64, ... values) or Nulls, the column's
// null mask. Accessors panic, like a bad slice index, for a column that
// does not exist or has another type; the message lists what exists.
//
// Rows stay available: Len, Row(i) and Rows give the values the BigQuery
// client gives ([]bigquery.Value), Scan fills a slice of the cell's own
// structs, Describe summarises every column, Chart draws one, and Arrow
// and WriteIPC hand the batches to other Arrow tools.
type Result struct {
	// Schema describes the columns, in order.
	Schema bigquery.Schema
	// TotalRows is the row count BigQuery reported.
	TotalRows uint64
	// Project, Location and JobID identify the job that produced the rows.
	Project  string
	Location string
	JobID    string
	// BytesProcessed and BytesBilled are the job's statistics.
	BytesProcessed int64
	BytesBilled    int64
	CacheHit       bool
	// Duration is the wall time from submission to the last row.
	Duration time.Duration

	t *table
}

// NewResult builds a Result from rows as the BigQuery client decodes them
// (each row's values in schema order), for tests and for results made by
// hand in a notebook.
func NewResult(schema bigquery.Schema, rows [][]bigquery.Value) (Result, error) {
	b := newTableBuilder(schema)
	for i, row := range rows {
		if err := b.append(row); err != nil {
			return Result{}, fmt.Errorf("bq: row %d: %w", i, err)
		}
	}
	return Result{Schema: schema, TotalRows: uint64(len(rows)), t: b.finish()}, nil
}

// String keeps fmt.Println(NAME) short: printing a million rows by
// accident would flood the notebook.
func (r Result) String() string {
	return fmt.Sprintf("bq.Result{%d rows × %d columns, job %s}", r.Len(), len(r.Schema), r.JobID)
}

// resultPreviewRows is how many rows a Result shows as a cell's value.
const resultPreviewRows = 20

// HTML shows the first rows as a table when the Result is a cell's value.
func (r Result) HTML() string {
	n := min(r.Len(), resultPreviewRows)
	rows := make([][]bigquery.Value, n)
	for i := range rows {
		rows[i] = r.Row(i)
	}
	return RenderHTML(r.Schema, rows, Footer{Shown: n, Total: uint64(r.Len()), JobID: r.JobID, Duration: r.Duration,
		BytesBilled: r.BytesBilled, BytesProcessed: r.BytesProcessed, CacheHit: r.CacheHit})
}

// Len is the number of rows held.
func (r Result) Len() int {
	if r.t == nil {
		return 0
	}
	return r.t.rows
}

// Row returns row i (0-based) as the BigQuery client's values: int64,
// float64, *big.Rat, bool, []byte, string, civil.Date, civil.Time,
// civil.DateTime, time.Time, []bigquery.Value for REPEATED and RECORD, nil
// for NULL. Each call builds the row afresh.
func (r Result) Row(i int) []bigquery.Value {
	if i < 0 || i >= r.Len() {
		panic(fmt.Sprintf("bq: row %d out of range [0:%d]", i, r.Len()))
	}
	return r.t.row(i)
}

// Rows returns every row as the BigQuery client's values. It builds them
// all, which costs far more memory than the columns: for large results use
// the column accessors, Row or Scan.
func (r Result) Rows() [][]bigquery.Value {
	out := make([][]bigquery.Value, r.Len())
	for i := range out {
		out[i] = r.t.row(i)
	}
	return out
}

// Index returns the position of the top-level column called name
// (case-insensitive), or -1.
func (r Result) Index(name string) int { return fieldIndex(r.Schema, name) }

// Columns returns the top-level column names in order.
func (r Result) Columns() []string {
	names := make([]string, len(r.Schema))
	for i, f := range r.Schema {
		names[i] = f.Name
	}
	return names
}

// Arrow returns the rows as an Arrow table (one chunk per record batch of
// 65,536 rows); it shares the Result's memory.
func (r Result) Arrow() arrow.Table {
	if r.t == nil {
		return array.NewTableFromRecords(arrowSchema(r.Schema), nil)
	}
	return array.NewTableFromRecords(r.t.arrow, r.t.recs)
}

// WriteIPC writes the rows in the Arrow IPC streaming format, which
// pyarrow (pyarrow.ipc.open_stream), polars, DuckDB and R's arrow read.
func (r Result) WriteIPC(w io.Writer) error {
	as := arrowSchema(r.Schema)
	if r.t != nil {
		as = r.t.arrow
	}
	fw := ipc.NewWriter(w, ipc.WithSchema(as))
	if r.t != nil {
		for _, rec := range r.t.recs {
			if err := fw.Write(rec); err != nil {
				return fmt.Errorf("bq: arrow ipc: %w", err)
			}
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("bq: arrow ipc: %w", err)
	}
	return nil
}

// column is one resolved column: its field and its arrays, one per batch.
type column struct {
	name   string
	field  *bigquery.FieldSchema
	chunks []arrow.Array
}

// column resolves name, "rec.field" reaching into non-repeated RECORD
// columns.
func (r Result) column(name string) (column, error) {
	parts := strings.Split(name, ".")
	schema := r.Schema
	var path []int
	var f *bigquery.FieldSchema
	for k, p := range parts {
		j := fieldIndex(schema, p)
		if j < 0 {
			where := "the result"
			if k > 0 {
				where = "RECORD " + strings.Join(parts[:k], ".")
			}
			return column{}, fmt.Errorf("bq: no column %q in %s (columns: %s)", name, where, columnList(schema))
		}
		f = schema[j]
		path = append(path, j)
		if k < len(parts)-1 {
			if f.Type != bigquery.RecordFieldType || f.Repeated {
				return column{}, fmt.Errorf("bq: column %q: %s is %s, not a RECORD", name, strings.Join(parts[:k+1], "."), typeName(f))
			}
			schema = f.Schema
		}
	}
	c := column{name: name, field: f}
	if r.t == nil {
		return c, nil
	}
	for _, rec := range r.t.recs {
		a := rec.Column(path[0])
		for _, j := range path[1:] {
			a = a.(*array.Struct).Field(j)
		}
		c.chunks = append(c.chunks, a)
	}
	return c, nil
}

func columnList(s bigquery.Schema) string {
	var b strings.Builder
	for i, f := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name + " " + typeName(f))
	}
	return b.String()
}

// fieldIndex is the index of the field called name in s (case-insensitive,
// as BigQuery's column names are), -1 if none.
func fieldIndex(s bigquery.Schema, name string) int {
	return slices.IndexFunc(s, func(f *bigquery.FieldSchema) bool { return strings.EqualFold(f.Name, name) })
}

// typeName names a column's type in messages: RECORD as the API says
// (errors say "not a RECORD"), REPEATED as a prefix.
func typeName(f *bigquery.FieldSchema) string {
	t := sqlName(f.Type)
	if f.Repeated {
		t = "REPEATED " + t
	}
	return t
}

// accessors names the accessor that reads each BigQuery type, for errors.
var accessors = map[bigquery.FieldType]string{
	bigquery.IntegerFieldType:    "Int64s",
	bigquery.FloatFieldType:      "Float64s",
	bigquery.NumericFieldType:    "Float64s or Rats",
	bigquery.BigNumericFieldType: "Float64s or Rats",
	bigquery.StringFieldType:     "Strings",
	bigquery.BooleanFieldType:    "Bools",
	bigquery.BytesFieldType:      "Bytes",
	bigquery.DateFieldType:       "Dates",
	bigquery.DateTimeFieldType:   "DateTimes",
	bigquery.TimeFieldType:       "Times",
	bigquery.TimestampFieldType:  "Timestamps",
	bigquery.RecordFieldType:     "Values (or \"rec.field\" for one field)",
}

// typed reads column name with get, checking its type is one of types. A
// NULL makes it panic unless onNull gives the value to use.
func typed[T any](r Result, method, name string, types []bigquery.FieldType, get func(arrow.Array, int) T, onNull func() (T, bool)) []T {
	c, err := r.column(name)
	if err != nil {
		panic(err.Error())
	}
	ok := !c.field.Repeated && slices.Contains(types, c.field.Type)
	if !ok {
		hint := accessors[c.field.Type]
		if c.field.Repeated || hint == "" {
			hint = "Values"
		}
		panic(fmt.Sprintf("bq: %s(%q): the column is %s: use %s", method, name, typeName(c.field), hint))
	}
	out := make([]T, 0, r.Len())
	nulls := 0
	for _, a := range c.chunks {
		for i := range a.Len() {
			if a.IsNull(i) {
				v, ok := onNull()
				if !ok {
					nulls++
					continue
				}
				out = append(out, v)
				continue
			}
			out = append(out, get(a, i))
		}
	}
	if nulls > 0 {
		panic(fmt.Sprintf("bq: %s(%q): the column has %d NULLs, which %s cannot hold: use Null%s (values with a Valid flag), Nulls(%q) (the null mask) or filter them in SQL",
			method, name, nulls, method, method, name))
	}
	return out
}

// noNull is the onNull of accessors whose type has no room for NULL.
func noNull[T any]() (T, bool) {
	var z T
	return z, false
}

// nullZero is the onNull of the Null* accessors: the invalid zero value.
func nullZero[T any]() (T, bool) {
	var z T
	return z, true
}

func getInt64(a arrow.Array, i int) int64 { return a.(*array.Int64).Value(i) }
func getString(a arrow.Array, i int) string {
	return a.(*array.String).Value(i)
}
func getBool(a arrow.Array, i int) bool { return a.(*array.Boolean).Value(i) }
func getDate(a arrow.Array, i int) civil.Date {
	return civil.DateOf(a.(*array.Date32).Value(i).ToTime())
}
func getTime(a arrow.Array, i int) civil.Time { return civilTime(int64(a.(*array.Time64).Value(i))) }
func getTimestamp(a arrow.Array, i int) time.Time {
	return time.UnixMicro(int64(a.(*array.Timestamp).Value(i))).UTC()
}
func getDateTime(a arrow.Array, i int) civil.DateTime { return civil.DateTimeOf(getTimestamp(a, i)) }

// getFloat reads any numeric column as float64.
func getFloat(a arrow.Array, i int) float64 {
	switch x := a.(type) {
	case *array.Float64:
		return x.Value(i)
	case *array.Int64:
		return float64(x.Value(i))
	case *array.Decimal128:
		n := x.Value(i)
		if v := n.LowBits(); n.HighBits() == int64(v)>>63 && int64(v) > -1<<53 && int64(v) < 1<<53 {
			// Exact in a float64, so one correctly rounded division.
			return float64(int64(v)) / 1e9
		}
		f, _ := getRat(a, i).Float64()
		return f
	case *array.Decimal256:
		f, _ := getRat(a, i).Float64()
		return f
	}
	return math.NaN()
}

func getRat(a arrow.Array, i int) *big.Rat {
	switch x := a.(type) {
	case *array.Decimal128:
		return new(big.Rat).SetFrac(x.Value(i).BigInt(), numericFactor)
	case *array.Decimal256:
		return new(big.Rat).SetFrac(x.Value(i).BigInt(), bigNumericFactor)
	case *array.Int64:
		return new(big.Rat).SetInt64(x.Value(i))
	}
	return nil
}

var (
	intTypes     = []bigquery.FieldType{bigquery.IntegerFieldType}
	floatTypes   = []bigquery.FieldType{bigquery.FloatFieldType, bigquery.IntegerFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType}
	ratTypes     = []bigquery.FieldType{bigquery.NumericFieldType, bigquery.BigNumericFieldType, bigquery.IntegerFieldType}
	stringTypes  = []bigquery.FieldType{bigquery.StringFieldType, bigquery.JSONFieldType, bigquery.GeographyFieldType, bigquery.IntervalFieldType, bigquery.RangeFieldType}
	boolTypes    = []bigquery.FieldType{bigquery.BooleanFieldType}
	bytesTypes   = []bigquery.FieldType{bigquery.BytesFieldType}
	dateTypes    = []bigquery.FieldType{bigquery.DateFieldType}
	dtTypes      = []bigquery.FieldType{bigquery.DateTimeFieldType}
	timeTypes    = []bigquery.FieldType{bigquery.TimeFieldType}
	tsTypes      = []bigquery.FieldType{bigquery.TimestampFieldType}
	nanForFloats = func() (float64, bool) { return math.NaN(), true }
)

// Int64s returns an INT64 column.
func (r Result) Int64s(name string) []int64 {
	return typed(r, "Int64s", name, intTypes, getInt64, noNull[int64])
}

// Float64s returns a FLOAT64, NUMERIC, BIGNUMERIC or INT64 column as
// float64, NULL as NaN (so a sum over NULLs is NaN, never a silent zero;
// gonum's floats and stat functions take the slice as it is).
func (r Result) Float64s(name string) []float64 {
	return typed(r, "Float64s", name, floatTypes, getFloat, nanForFloats)
}

// Rats returns a NUMERIC or BIGNUMERIC (or INT64) column exactly; NULL is
// a nil *big.Rat.
func (r Result) Rats(name string) []*big.Rat {
	return typed(r, "Rats", name, ratTypes, getRat, nullZero[*big.Rat])
}

// Strings returns a STRING column (JSON, GEOGRAPHY, INTERVAL and RANGE
// columns as their text).
func (r Result) Strings(name string) []string {
	return typed(r, "Strings", name, stringTypes, getString, noNull[string])
}

// Bools returns a BOOL column.
func (r Result) Bools(name string) []bool {
	return typed(r, "Bools", name, boolTypes, getBool, noNull[bool])
}

// Bytes returns a BYTES column; NULL is a nil slice, which an empty BYTES
// value is not (Nulls tells them apart).
func (r Result) Bytes(name string) [][]byte {
	return typed(r, "Bytes", name, bytesTypes, func(a arrow.Array, i int) []byte {
		return append([]byte{}, a.(*array.Binary).Value(i)...)
	}, nullZero[[]byte])
}

// Dates returns a DATE column.
func (r Result) Dates(name string) []civil.Date {
	return typed(r, "Dates", name, dateTypes, getDate, noNull[civil.Date])
}

// DateTimes returns a DATETIME column.
func (r Result) DateTimes(name string) []civil.DateTime {
	return typed(r, "DateTimes", name, dtTypes, getDateTime, noNull[civil.DateTime])
}

// Times returns a TIME column (a time of day, as the BigQuery client's
// civil.Time).
func (r Result) Times(name string) []civil.Time {
	return typed(r, "Times", name, timeTypes, getTime, noNull[civil.Time])
}

// Timestamps returns a TIMESTAMP column, in UTC.
func (r Result) Timestamps(name string) []time.Time {
	return typed(r, "Timestamps", name, tsTypes, getTimestamp, noNull[time.Time])
}

// NullInt64s returns an INT64 column with NULLs as invalid values.
func (r Result) NullInt64s(name string) []bigquery.NullInt64 {
	return typed(r, "NullInt64s", name, intTypes, func(a arrow.Array, i int) bigquery.NullInt64 {
		return bigquery.NullInt64{Int64: getInt64(a, i), Valid: true}
	}, nullZero[bigquery.NullInt64])
}

// NullFloat64s returns a numeric column as float64 with NULLs as invalid
// values.
func (r Result) NullFloat64s(name string) []bigquery.NullFloat64 {
	return typed(r, "NullFloat64s", name, floatTypes, func(a arrow.Array, i int) bigquery.NullFloat64 {
		return bigquery.NullFloat64{Float64: getFloat(a, i), Valid: true}
	}, nullZero[bigquery.NullFloat64])
}

// NullStrings returns a STRING column with NULLs as invalid values.
func (r Result) NullStrings(name string) []bigquery.NullString {
	return typed(r, "NullStrings", name, stringTypes, func(a arrow.Array, i int) bigquery.NullString {
		return bigquery.NullString{StringVal: getString(a, i), Valid: true}
	}, nullZero[bigquery.NullString])
}

// NullBools returns a BOOL column with NULLs as invalid values.
func (r Result) NullBools(name string) []bigquery.NullBool {
	return typed(r, "NullBools", name, boolTypes, func(a arrow.Array, i int) bigquery.NullBool {
		return bigquery.NullBool{Bool: getBool(a, i), Valid: true}
	}, nullZero[bigquery.NullBool])
}

// NullDates returns a DATE column with NULLs as invalid values.
func (r Result) NullDates(name string) []bigquery.NullDate {
	return typed(r, "NullDates", name, dateTypes, func(a arrow.Array, i int) bigquery.NullDate {
		return bigquery.NullDate{Date: getDate(a, i), Valid: true}
	}, nullZero[bigquery.NullDate])
}

// NullDateTimes returns a DATETIME column with NULLs as invalid values.
func (r Result) NullDateTimes(name string) []bigquery.NullDateTime {
	return typed(r, "NullDateTimes", name, dtTypes, func(a arrow.Array, i int) bigquery.NullDateTime {
		return bigquery.NullDateTime{DateTime: getDateTime(a, i), Valid: true}
	}, nullZero[bigquery.NullDateTime])
}

// NullTimes returns a TIME column with NULLs as invalid values.
func (r Result) NullTimes(name string) []bigquery.NullTime {
	return typed(r, "NullTimes", name, timeTypes, func(a arrow.Array, i int) bigquery.NullTime {
		return bigquery.NullTime{Time: getTime(a, i), Valid: true}
	}, nullZero[bigquery.NullTime])
}

// NullTimestamps returns a TIMESTAMP column with NULLs as invalid values.
func (r Result) NullTimestamps(name string) []bigquery.NullTimestamp {
	return typed(r, "NullTimestamps", name, tsTypes, func(a arrow.Array, i int) bigquery.NullTimestamp {
		return bigquery.NullTimestamp{Timestamp: getTimestamp(a, i), Valid: true}
	}, nullZero[bigquery.NullTimestamp])
}

// Values returns any column as the BigQuery client's values (see Row);
// NULL is nil. REPEATED columns are []bigquery.Value per row, RECORD
// columns []bigquery.Value of the fields.
func (r Result) Values(name string) []bigquery.Value {
	c, err := r.column(name)
	if err != nil {
		panic(err.Error())
	}
	out := make([]bigquery.Value, 0, r.Len())
	for _, a := range c.chunks {
		for i := range a.Len() {
			out = append(out, value(a, c.field, i))
		}
	}
	return out
}

// Nulls returns the column's null mask: true where the value is NULL.
func (r Result) Nulls(name string) []bool {
	c, err := r.column(name)
	if err != nil {
		panic(err.Error())
	}
	out := make([]bool, 0, r.Len())
	for _, a := range c.chunks {
		for i := range a.Len() {
			out = append(out, a.IsNull(i))
		}
	}
	return out
}

// NullCount is the number of NULLs in the column.
func (r Result) NullCount(name string) int {
	c, err := r.column(name)
	if err != nil {
		panic(err.Error())
	}
	n := 0
	for _, a := range c.chunks {
		n += a.NullN()
	}
	return n
}
