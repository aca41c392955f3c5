package bq

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
)

// Scan copies every row into dst, a pointer to a slice of structs (or of
// pointers to structs), replacing its contents. Fields are matched to
// columns as the BigQuery client's RowIterator.Next matches them: exported
// fields by name, case-insensitively, a `bigquery:"name"` tag renames a
// field, `bigquery:"-"` skips it, embedded structs contribute their
// fields; RECORD columns fill nested structs and REPEATED columns slices.
// Columns no field names are ignored (select what you like); a field that
// names no column is an error, as is a value the field's type cannot hold:
// a NULL into a non-nullable field (use bigquery.NullInt64 and its kin, or
// a pointer), an INT64 that overflows the field, a STRING into an int.
// Types declared in cells work in both tiers.
func (r Result) Scan(dst any) error {
	pv := reflect.ValueOf(dst)
	if pv.Kind() != reflect.Pointer || pv.IsNil() || pv.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("bq: Scan needs a pointer to a slice of structs (e.g. &rows with rows []Sale), not %T", dst)
	}
	sv := pv.Elem()
	et := sv.Type().Elem()
	ptr := et.Kind() == reflect.Pointer
	st := et
	if ptr {
		st = et.Elem()
	}
	if st.Kind() != reflect.Struct {
		return fmt.Errorf("bq: Scan needs a pointer to a slice of structs, not %T", dst)
	}
	plan, err := planStruct(st, r.Schema, "")
	if err != nil {
		return err
	}
	out := reflect.MakeSlice(sv.Type(), r.Len(), r.Len())
	for i := range r.Len() {
		row := r.t.row(i)
		ev := out.Index(i)
		if ptr {
			ev.Set(reflect.New(st))
			ev = ev.Elem()
		}
		if err := plan.fill(ev, row); err != nil {
			return fmt.Errorf("bq: Scan row %d: %w", i, err)
		}
	}
	sv.Set(out)
	return nil
}

// structPlan says which column fills which field of one struct type.
type structPlan struct {
	ops []fieldOp
}

type fieldOp struct {
	index  []int // reflect field index path (embedded structs)
	col    int
	name   string // Go field name, for errors
	field  *bigquery.FieldSchema
	nested *structPlan // RECORD into a struct
}

// planStruct matches the fields of st to the columns of s.
func planStruct(st reflect.Type, s bigquery.Schema, prefix string) (*structPlan, error) {
	p := &structPlan{}
	var walk func(t reflect.Type, index []int) error
	walk = func(t reflect.Type, index []int) error {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag, hasTag := sf.Tag.Lookup("bigquery")
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			if sf.Anonymous && !hasTag {
				ft := sf.Type
				if ft.Kind() == reflect.Struct {
					if err := walk(ft, idx); err != nil {
						return err
					}
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			col := fieldIndex(s, name)
			if col < 0 {
				return fmt.Errorf("bq: Scan: field %s%s (column %q) has no column in the result (columns: %s); tag it `bigquery:\"-\"` to leave it out",
					prefix, sf.Name, name, columnList(s))
			}
			op := fieldOp{index: idx, col: col, name: prefix + sf.Name, field: s[col]}
			if err := checkField(&op, sf.Type); err != nil {
				return err
			}
			p.ops = append(p.ops, op)
		}
		return nil
	}
	if err := walk(st, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// checkField refuses, before any row is read, a field whose type can never
// hold the column, and plans nested RECORDs.
func checkField(op *fieldOp, t reflect.Type) error {
	f := op.field
	if f.Repeated {
		if t.Kind() != reflect.Slice {
			return fmt.Errorf("bq: Scan: field %s is %s, which needs a slice field, not %s", op.name, typeName(f), t)
		}
		t = t.Elem()
	}
	for t.Kind() == reflect.Pointer && t != reflect.TypeFor[*big.Rat]() {
		t = t.Elem()
	}
	if f.Type == bigquery.RecordFieldType {
		if t.Kind() == reflect.Struct {
			np, err := planStruct(t, f.Schema, op.name+".")
			if err != nil {
				return err
			}
			op.nested = np
			return nil
		}
		if t.Kind() == reflect.Interface {
			return nil
		}
		return fmt.Errorf("bq: Scan: field %s is RECORD, which needs a struct field, not %s", op.name, t)
	}
	if !canHold(t, f.Type) {
		return fmt.Errorf("bq: Scan: field %s of type %s cannot hold column %s (%s)", op.name, t, f.Name, typeName(f))
	}
	return nil
}

var (
	ratType      = reflect.TypeFor[*big.Rat]()
	timeType     = reflect.TypeFor[time.Time]()
	dateType     = reflect.TypeFor[civil.Date]()
	civilTimeTyp = reflect.TypeFor[civil.Time]()
	dateTimeType = reflect.TypeFor[civil.DateTime]()
	bytesType    = reflect.TypeFor[[]byte]()
)

// canHold reports whether a field of type t can take values of BigQuery
// type ft (the element type for REPEATED). The pairs are the BigQuery
// client's, plus float fields for NUMERIC and string fields for the
// string-like types.
func canHold(t reflect.Type, ft bigquery.FieldType) bool {
	if t.Kind() == reflect.Interface {
		return reflect.TypeFor[bigquery.Value]().AssignableTo(t) || t.NumMethod() == 0
	}
	if n, ok := nullWrapper(t); ok {
		return n == ft || ft == bigquery.IntegerFieldType && n == bigquery.FloatFieldType
	}
	switch ft {
	case bigquery.IntegerFieldType:
		return isInt(t) || isFloat(t)
	case bigquery.FloatFieldType:
		return isFloat(t)
	case bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		return t == ratType || isFloat(t)
	case bigquery.BooleanFieldType:
		return t.Kind() == reflect.Bool
	case bigquery.BytesFieldType:
		return t == bytesType
	case bigquery.DateFieldType:
		return t == dateType
	case bigquery.TimeFieldType:
		return t == civilTimeTyp
	case bigquery.DateTimeFieldType:
		return t == dateTimeType
	case bigquery.TimestampFieldType:
		return t == timeType
	}
	return t.Kind() == reflect.String
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func isFloat(t reflect.Type) bool { return t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 }

// nullWrapper tells whether t is one of the client's Null types and which
// BigQuery type it wraps.
func nullWrapper(t reflect.Type) (bigquery.FieldType, bool) {
	switch t {
	case reflect.TypeFor[bigquery.NullInt64]():
		return bigquery.IntegerFieldType, true
	case reflect.TypeFor[bigquery.NullFloat64]():
		return bigquery.FloatFieldType, true
	case reflect.TypeFor[bigquery.NullString]():
		return bigquery.StringFieldType, true
	case reflect.TypeFor[bigquery.NullBool]():
		return bigquery.BooleanFieldType, true
	case reflect.TypeFor[bigquery.NullDate]():
		return bigquery.DateFieldType, true
	case reflect.TypeFor[bigquery.NullTime]():
		return bigquery.TimeFieldType, true
	case reflect.TypeFor[bigquery.NullDateTime]():
		return bigquery.DateTimeFieldType, true
	case reflect.TypeFor[bigquery.NullTimestamp]():
		return bigquery.TimestampFieldType, true
	}
	return "", false
}

func (p *structPlan) fill(sv reflect.Value, row []bigquery.Value) error {
	for _, op := range p.ops {
		fv := sv.FieldByIndex(op.index)
		if err := op.set(fv, row[op.col]); err != nil {
			return err
		}
	}
	return nil
}

// set stores v, a value of op's column, in fv.
func (op fieldOp) set(fv reflect.Value, v bigquery.Value) error {
	f := op.field
	if f.Repeated {
		vs, _ := v.([]bigquery.Value)
		s := reflect.MakeSlice(fv.Type(), len(vs), len(vs))
		elem := op
		ef := *f
		ef.Repeated = false
		elem.field = &ef
		for i, x := range vs {
			if err := elem.set(s.Index(i), x); err != nil {
				return fmt.Errorf("%w (element %d)", err, i)
			}
		}
		fv.Set(s)
		return nil
	}
	t := fv.Type()
	if t.Kind() == reflect.Interface {
		if v == nil {
			fv.Set(reflect.Zero(t))
		} else {
			fv.Set(reflect.ValueOf(v))
		}
		return nil
	}
	if v == nil {
		if t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			fv.Set(reflect.Zero(t))
			return nil
		}
		if _, ok := nullWrapper(t); ok {
			fv.Set(reflect.Zero(t))
			return nil
		}
		return fmt.Errorf("field %s: column %s is NULL, which %s cannot hold: use a pointer, bigquery.Null%s or filter NULLs in SQL",
			op.name, f.Name, t, nullName(f.Type))
	}
	if t.Kind() == reflect.Pointer && t != ratType {
		p := reflect.New(t.Elem())
		if err := op.set(p.Elem(), v); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	if _, ok := nullWrapper(t); ok {
		nv := reflect.New(t).Elem()
		if err := op.set(nv.Field(0), v); err != nil {
			return err
		}
		nv.FieldByName("Valid").SetBool(true)
		fv.Set(nv)
		return nil
	}
	if op.nested != nil {
		vs, _ := v.([]bigquery.Value)
		return op.nested.fill(fv, vs)
	}
	switch x := v.(type) {
	case int64:
		switch {
		case isFloat(t):
			fv.SetFloat(float64(x))
		case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
			if x < 0 || fv.OverflowUint(uint64(x)) {
				return fmt.Errorf("field %s: %d overflows %s", op.name, x, t)
			}
			fv.SetUint(uint64(x))
		default:
			if fv.OverflowInt(x) {
				return fmt.Errorf("field %s: %d overflows %s", op.name, x, t)
			}
			fv.SetInt(x)
		}
	case float64:
		fv.SetFloat(x)
	case *big.Rat:
		if t == ratType {
			fv.Set(reflect.ValueOf(x))
		} else {
			f, _ := x.Float64()
			fv.SetFloat(f)
		}
	case bool:
		fv.SetBool(x)
	case string:
		fv.SetString(x)
	case []byte:
		fv.SetBytes(x)
	default:
		rv := reflect.ValueOf(v)
		if !rv.Type().AssignableTo(t) {
			return fmt.Errorf("field %s: a %T cannot go in %s", op.name, v, t)
		}
		fv.Set(rv)
	}
	return nil
}

// nullName is the suffix of the client's Null type for ft.
func nullName(ft bigquery.FieldType) string {
	switch ft {
	case bigquery.IntegerFieldType:
		return "Int64"
	case bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		return "Float64"
	case bigquery.BooleanFieldType:
		return "Bool"
	case bigquery.DateFieldType:
		return "Date"
	case bigquery.TimeFieldType:
		return "Time"
	case bigquery.DateTimeFieldType:
		return "DateTime"
	case bigquery.TimestampFieldType:
		return "Timestamp"
	}
	return "String"
}
