package bq

import (
	"fmt"
	"math/big"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/decimal256"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// chunkRows is the number of rows in one Arrow record batch of a result.
// Fixed-size chunks keep a builder's doubling growth to one chunk (the
// whole result never sits in a half-empty buffer twice its size) and make
// row i's chunk a division.
const chunkRows = 1 << 16

// Scales of BigQuery's exact decimal types, as the Storage Read API's
// Arrow schema gives them.
const (
	numericScale    = 9
	bigNumericScale = 38
)

var (
	numericFactor    = new(big.Int).Exp(big.NewInt(10), big.NewInt(numericScale), nil)
	bigNumericFactor = new(big.Int).Exp(big.NewInt(10), big.NewInt(bigNumericScale), nil)
)

// arrowType is the Arrow type that holds a BigQuery field: the mapping of
// the BigQuery Storage Read API, so a result read over REST and one read as
// Arrow batches look the same. GEOGRAPHY, JSON, INTERVAL and RANGE are kept
// as their canonical strings.
func arrowType(f *bigquery.FieldSchema) arrow.DataType {
	var t arrow.DataType
	switch f.Type {
	case bigquery.IntegerFieldType:
		t = arrow.PrimitiveTypes.Int64
	case bigquery.FloatFieldType:
		t = arrow.PrimitiveTypes.Float64
	case bigquery.NumericFieldType:
		t = &arrow.Decimal128Type{Precision: 38, Scale: numericScale}
	case bigquery.BigNumericFieldType:
		t = &arrow.Decimal256Type{Precision: 76, Scale: bigNumericScale}
	case bigquery.BooleanFieldType:
		t = arrow.FixedWidthTypes.Boolean
	case bigquery.BytesFieldType:
		t = arrow.BinaryTypes.Binary
	case bigquery.DateFieldType:
		t = arrow.FixedWidthTypes.Date32
	case bigquery.TimeFieldType:
		t = arrow.FixedWidthTypes.Time64us
	case bigquery.DateTimeFieldType:
		t = &arrow.TimestampType{Unit: arrow.Microsecond}
	case bigquery.TimestampFieldType:
		t = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case bigquery.RecordFieldType:
		t = arrow.StructOf(arrowFields(f.Schema)...)
	default:
		t = arrow.BinaryTypes.String
	}
	if f.Repeated {
		t = arrow.ListOf(t)
	}
	return t
}

func arrowFields(s bigquery.Schema) []arrow.Field {
	fs := make([]arrow.Field, len(s))
	for i, f := range s {
		fs[i] = arrow.Field{Name: f.Name, Type: arrowType(f), Nullable: !f.Required}
	}
	return fs
}

// arrowSchema is the Arrow schema of a BigQuery result.
func arrowSchema(s bigquery.Schema) *arrow.Schema { return arrow.NewSchema(arrowFields(s), nil) }

// table is a result held as Arrow record batches of chunkRows rows (the
// last one shorter).
type table struct {
	schema bigquery.Schema
	arrow  *arrow.Schema
	recs   []arrow.Record
	rows   int
}

// tableBuilder appends rows, as the BigQuery client decodes them, to Arrow
// builders, cutting a record batch every chunkRows rows.
type tableBuilder struct {
	t  *table
	rb *array.RecordBuilder
	n  int // rows in the open batch
}

func newTableBuilder(s bigquery.Schema) *tableBuilder {
	as := arrowSchema(s)
	return &tableBuilder{
		t:  &table{schema: s, arrow: as},
		rb: array.NewRecordBuilder(memory.DefaultAllocator, as),
	}
}

// append adds one row; the row's values must follow the schema.
func (b *tableBuilder) append(row []bigquery.Value) error {
	if len(row) != len(b.t.schema) {
		return fmt.Errorf("row has %d values for %d columns", len(row), len(b.t.schema))
	}
	for i, f := range b.t.schema {
		if err := appendArrow(b.rb.Field(i), f, row[i]); err != nil {
			return fmt.Errorf("column %s: %w", f.Name, err)
		}
	}
	b.n++
	b.t.rows++
	if b.n == chunkRows {
		b.cut()
	}
	return nil
}

func (b *tableBuilder) cut() {
	b.t.recs = append(b.t.recs, b.rb.NewRecord())
	b.n = 0
}

// finish returns the table; the builder is done.
func (b *tableBuilder) finish() *table {
	if b.n > 0 {
		b.cut()
	}
	b.rb.Release()
	return b.t
}

// appendArrow appends v, a value of field f as the BigQuery client gives
// it, to the builder of f's Arrow type.
func appendArrow(b array.Builder, f *bigquery.FieldSchema, v bigquery.Value) error {
	if v == nil {
		b.AppendNull()
		if sb, ok := b.(*array.StructBuilder); ok {
			// A struct's children advance with it.
			for i, c := range f.Schema {
				if err := appendArrow(sb.FieldBuilder(i), c, nil); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if f.Repeated {
		vs, ok := v.([]bigquery.Value)
		if !ok {
			return fmt.Errorf("a REPEATED value of type %T", v)
		}
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		elem := *f
		elem.Repeated = false
		for _, x := range vs {
			if err := appendArrow(lb.ValueBuilder(), &elem, x); err != nil {
				return err
			}
		}
		return nil
	}
	bad := func() error { return fmt.Errorf("a %s value of type %T", f.Type, v) }
	switch f.Type {
	case bigquery.IntegerFieldType:
		x, ok := v.(int64)
		if !ok {
			return bad()
		}
		b.(*array.Int64Builder).Append(x)
	case bigquery.FloatFieldType:
		x, ok := v.(float64)
		if !ok {
			return bad()
		}
		b.(*array.Float64Builder).Append(x)
	case bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		r, ok := v.(*big.Rat)
		if !ok {
			return bad()
		}
		factor := numericFactor
		if f.Type == bigquery.BigNumericFieldType {
			factor = bigNumericFactor
		}
		// r·10^scale is an integer: BigQuery's decimals have that scale.
		n := new(big.Int).Mul(r.Num(), factor)
		n.Quo(n, r.Denom())
		if f.Type == bigquery.NumericFieldType {
			b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(n))
		} else {
			b.(*array.Decimal256Builder).Append(decimal256.FromBigInt(n))
		}
	case bigquery.BooleanFieldType:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		b.(*array.BooleanBuilder).Append(x)
	case bigquery.BytesFieldType:
		x, ok := v.([]byte)
		if !ok {
			return bad()
		}
		b.(*array.BinaryBuilder).Append(x)
	case bigquery.DateFieldType:
		x, ok := v.(civil.Date)
		if !ok {
			return bad()
		}
		b.(*array.Date32Builder).Append(arrow.Date32FromTime(x.In(time.UTC)))
	case bigquery.TimeFieldType:
		x, ok := v.(civil.Time)
		if !ok {
			return bad()
		}
		us := ((int64(x.Hour)*60+int64(x.Minute))*60+int64(x.Second))*1e6 + int64(x.Nanosecond)/1e3
		b.(*array.Time64Builder).Append(arrow.Time64(us))
	case bigquery.DateTimeFieldType:
		x, ok := v.(civil.DateTime)
		if !ok {
			return bad()
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(x.In(time.UTC).UnixMicro()))
	case bigquery.TimestampFieldType:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(x.UnixMicro()))
	case bigquery.RecordFieldType:
		vs, ok := v.([]bigquery.Value)
		if !ok || len(vs) != len(f.Schema) {
			return bad()
		}
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		for i, c := range f.Schema {
			if err := appendArrow(sb.FieldBuilder(i), c, vs[i]); err != nil {
				return fmt.Errorf("%s.%w", c.Name, err)
			}
		}
	default:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprint(x)
		}
		b.(*array.StringBuilder).Append(s)
	}
	return nil
}

// value returns element i of a, a column of field f, as the BigQuery client
// gives it: int64, float64, *big.Rat, bool, []byte, string, civil.Date,
// civil.Time, civil.DateTime, time.Time, []bigquery.Value for REPEATED and
// RECORD, nil for NULL.
func value(a arrow.Array, f *bigquery.FieldSchema, i int) bigquery.Value {
	if a.IsNull(i) {
		return nil
	}
	if f.Repeated {
		l := a.(*array.List)
		start, end := l.ValueOffsets(i)
		elem := *f
		elem.Repeated = false
		vs := make([]bigquery.Value, 0, end-start)
		for j := start; j < end; j++ {
			vs = append(vs, value(l.ListValues(), &elem, int(j)))
		}
		return vs
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i)
	case *array.Float64:
		return x.Value(i)
	case *array.Decimal128:
		return new(big.Rat).SetFrac(x.Value(i).BigInt(), numericFactor)
	case *array.Decimal256:
		return new(big.Rat).SetFrac(x.Value(i).BigInt(), bigNumericFactor)
	case *array.Boolean:
		return x.Value(i)
	case *array.Binary:
		return append([]byte{}, x.Value(i)...)
	case *array.Date32:
		return civil.DateOf(x.Value(i).ToTime())
	case *array.Time64:
		return civilTime(int64(x.Value(i)))
	case *array.Timestamp:
		t := time.UnixMicro(int64(x.Value(i))).UTC()
		if f.Type == bigquery.DateTimeFieldType {
			return civil.DateTimeOf(t)
		}
		return t
	case *array.Struct:
		vs := make([]bigquery.Value, len(f.Schema))
		for j, c := range f.Schema {
			vs[j] = value(x.Field(j), c, i)
		}
		return vs
	case *array.String:
		return x.Value(i)
	}
	return nil
}

func civilTime(us int64) civil.Time {
	return civil.Time{
		Hour:       int(us / 3_600_000_000),
		Minute:     int(us / 60_000_000 % 60),
		Second:     int(us / 1_000_000 % 60),
		Nanosecond: int(us%1_000_000) * 1000,
	}
}

// row returns row i of the table as the BigQuery client's values.
func (t *table) row(i int) []bigquery.Value {
	rec := t.recs[i/chunkRows]
	j := i % chunkRows
	out := make([]bigquery.Value, len(t.schema))
	for c, f := range t.schema {
		out[c] = value(rec.Column(c), f, j)
	}
	return out
}
