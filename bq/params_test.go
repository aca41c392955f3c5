package bq

import (
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
)

func TestParseParam(t *testing.T) {
	tests := []struct {
		spec    string
		want    Param
		wantErr string
	}{
		{spec: "name=alice", want: Param{Name: "name", Type: "STRING", Values: []string{"alice"}}},
		{spec: "zip=02134", want: Param{Name: "zip", Type: "STRING", Values: []string{"02134"}}},
		{spec: "s=", want: Param{Name: "s", Type: "STRING", Values: []string{""}}},
		{spec: "eq=a=b", want: Param{Name: "eq", Type: "STRING", Values: []string{"a=b"}}},
		{spec: "@n:INT64=42", want: Param{Name: "n", Type: "INT64", Values: []string{"42"}}},
		{spec: "n:int64=-7", want: Param{Name: "n", Type: "INT64", Values: []string{"-7"}}},
		{spec: "n:INTEGER=1", want: Param{Name: "n", Type: "INT64", Values: []string{"1"}}},
		{spec: "f:FLOAT64=1.50", want: Param{Name: "f", Type: "FLOAT64", Values: []string{"1.5"}}},
		{spec: "f:FLOAT64=NaN", want: Param{Name: "f", Type: "FLOAT64", Values: []string{"NaN"}}},
		{spec: "f:FLOAT64=-inf", want: Param{Name: "f", Type: "FLOAT64", Values: []string{"-Infinity"}}},
		{spec: "d:NUMERIC=12.345000", want: Param{Name: "d", Type: "NUMERIC", Values: []string{"12.345"}}},
		{spec: "d:NUMERIC=0.123456789", want: Param{Name: "d", Type: "NUMERIC", Values: []string{"0.123456789"}}},
		{spec: "d:NUMERIC=0.1234567891", wantErr: "more than 9 digits"},
		{spec: "d:NUMERIC=123456789012345678901234567890", wantErr: "before the decimal point"},
		{spec: "d:NUMERIC=1/3", wantErr: "decimal number"},
		{spec: "d:BIGNUMERIC=0.12345678901234567890123456789012345678", want: Param{Name: "d", Type: "BIGNUMERIC", Values: []string{"0.12345678901234567890123456789012345678"}}},
		{spec: "b:BOOL=TRUE", want: Param{Name: "b", Type: "BOOL", Values: []string{"true"}}},
		{spec: "b:BOOL=yes", wantErr: "want true or false"},
		{spec: "x:BYTES=aGk=", want: Param{Name: "x", Type: "BYTES", Values: []string{"aGk="}}},
		{spec: "x:BYTES=!!", wantErr: "base64"},
		{spec: "d:DATE=2024-02-29", want: Param{Name: "d", Type: "DATE", Values: []string{"2024-02-29"}}},
		{spec: "d:DATE=2023-02-29", wantErr: "DATE"},
		{spec: "dt:DATETIME=2024-01-02 03:04:05.5", want: Param{Name: "dt", Type: "DATETIME", Values: []string{"2024-01-02 03:04:05.500000"}}},
		{spec: "tm:TIME=13:14:15", want: Param{Name: "tm", Type: "TIME", Values: []string{"13:14:15"}}},
		{spec: "ts:TIMESTAMP=2024-01-02T03:04:05+02:00", want: Param{Name: "ts", Type: "TIMESTAMP", Values: []string{"2024-01-02T01:04:05Z"}}},
		{spec: "ts:TIMESTAMP=2024-01-02 03:04:05.123456", want: Param{Name: "ts", Type: "TIMESTAMP", Values: []string{"2024-01-02T03:04:05.123456Z"}}},
		{spec: "ts:TIMESTAMP=yesterday", wantErr: "TIMESTAMP"},
		{spec: "ids:ARRAY<INT64>=[1, 2,3]", want: Param{Name: "ids", Type: "ARRAY<INT64>", Values: []string{"1", "2", "3"}}},
		{spec: "ids:array<int64>=[]", want: Param{Name: "ids", Type: "ARRAY<INT64>", Values: []string{}}},
		{spec: `ss:ARRAY<STRING>=["a","b,c"]`, want: Param{Name: "ss", Type: "ARRAY<STRING>", Values: []string{"a", "b,c"}}},
		{spec: `ds:ARRAY<DATE>=["2024-01-01"]`, want: Param{Name: "ds", Type: "ARRAY<DATE>", Values: []string{"2024-01-01"}}},
		{spec: `xs:ARRAY<INT64>=[1,null]`, wantErr: "NULL"},
		{spec: `xs:ARRAY<INT64>=[1.5]`, wantErr: "element 0"},
		{spec: `xs:ARRAY<INT64>=1,2`, wantErr: "JSON array"},
		{spec: `xs:ARRAY<STRING>=[a, b c]`, want: Param{Name: "xs", Type: "ARRAY<STRING>", Values: []string{"a", "b c"}}},
		{spec: `xs:ARRAY<DATE>=[2024-01-01,2024-01-02]`, want: Param{Name: "xs", Type: "ARRAY<DATE>", Values: []string{"2024-01-01", "2024-01-02"}}},
		{spec: `xs:ARRAY<STRING>=[a,"b]`, wantErr: "JSON array"},
		{spec: `xs:ARRAY<ARRAY<INT64>>=[]`, wantErr: "unsupported type"},
		{spec: "n:INT64", want: Param{Name: "n", Type: "INT64", Null: true}},
		{spec: "n:INT64=9223372036854775808", wantErr: "out of range"},
		{spec: "n:GEOGRAPHY=POINT(1 2)", wantErr: "unsupported type"},
		{spec: "=x", wantErr: "name"},
		{spec: "1a=x", wantErr: "name"},
		{spec: "bare", wantErr: "want name=value"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseParam(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseParam(%q) = %+v, %v; want error containing %q", tc.spec, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseParam(%q): %v", tc.spec, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseParam(%q) = %#v, want %#v", tc.spec, got, tc.want)
			}
			// The canonical form must parse back to the same parameter.
			again, err := ParseParam(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip %q → %q → %#v, %v", tc.spec, got.String(), again, err)
			}
		})
	}
}

func TestParamQueryParameter(t *testing.T) {
	p, _ := ParseParam("ids:ARRAY<INT64>=[1,2]")
	qp := p.QueryParameter()
	v := qp.Value.(*bigquery.QueryParameterValue)
	if v.Type.ArrayElementType == nil || v.Type.ArrayElementType.TypeKind != "INT64" || len(v.ArrayValue) != 2 || v.ArrayValue[1].Value != "2" {
		t.Fatalf("array parameter = %+v", v)
	}
	p, _ = ParseParam("n:INT64")
	v = p.QueryParameter().Value.(*bigquery.QueryParameterValue)
	if v.Type.TypeKind != "INT64" || v.Value != (bigquery.NullString{}) {
		t.Fatalf("NULL parameter = %+v", v)
	}
	p, _ = ParseParam("e:ARRAY<STRING>=[]")
	v = p.QueryParameter().Value.(*bigquery.QueryParameterValue)
	if s, ok := v.Value.([]string); !ok || s == nil || len(s) != 0 {
		t.Fatalf("empty array parameter = %#v", v)
	}
}

func FuzzParseParam(f *testing.F) {
	for _, s := range []string{
		"a=b", "n:INT64=1", "x:ARRAY<STRING>=[\"a\"]", "d:NUMERIC=1.5", "t:TIMESTAMP=2024-01-01T00:00:00Z",
		"b:BYTES=AAEC", "n:INT64", "q:ARRAY<DATE>=[\"2024-01-01\"]", "z:BIGNUMERIC=-0.0", ":=", "a:=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := ParseParam(spec)
		if err != nil {
			return
		}
		if !validParamName(p.Name) {
			t.Fatalf("accepted bad name %q from %q", p.Name, spec)
		}
		if _, err := normalizeType(p.Type); err != nil {
			t.Fatalf("accepted bad type %q from %q", p.Type, spec)
		}
		_, isArray := p.elemType()
		if !p.Null && !isArray && len(p.Values) != 1 {
			t.Fatalf("scalar %q has %d values", spec, len(p.Values))
		}
		_ = p.QueryParameter()
		// Canonical values are stable: printing and re-parsing changes nothing.
		again, err := ParseParam(p.String())
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", p.String(), spec, err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("re-parse of %q = %#v, want %#v", p.String(), again, p)
		}
	})
}

type myID int64

func TestGoParam(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.FixedZone("x", 3600))
	big1, _ := new(big.Rat).SetString("12.5")
	huge, _ := new(big.Rat).SetString("123456789012345678901234567890123.5")
	var nilInt *int
	seven := 7
	tests := []struct {
		name    string
		v       any
		want    Param
		wantErr string
	}{
		{name: "int", v: 42, want: Param{Type: "INT64", Values: []string{"42"}}},
		{name: "int8", v: int8(-3), want: Param{Type: "INT64", Values: []string{"-3"}}},
		{name: "uint32", v: uint32(7), want: Param{Type: "INT64", Values: []string{"7"}}},
		{name: "uint64big", v: uint64(math.MaxUint64), wantErr: "does not fit"},
		{name: "named", v: myID(9), want: Param{Type: "INT64", Values: []string{"9"}}},
		{name: "float32", v: float32(0.5), want: Param{Type: "FLOAT64", Values: []string{"0.5"}}},
		{name: "float", v: 2.25, want: Param{Type: "FLOAT64", Values: []string{"2.25"}}},
		{name: "string", v: "x'; DROP TABLE t; --", want: Param{Type: "STRING", Values: []string{"x'; DROP TABLE t; --"}}},
		{name: "bool", v: true, want: Param{Type: "BOOL", Values: []string{"true"}}},
		{name: "bytes", v: []byte{0, 1, 2}, want: Param{Type: "BYTES", Values: []string{"AAEC"}}},
		{name: "time", v: ts, want: Param{Type: "TIMESTAMP", Values: []string{"2024-05-06T06:08:09.123456Z"}}},
		{name: "date", v: civil.Date{Year: 2024, Month: 1, Day: 2}, want: Param{Type: "DATE", Values: []string{"2024-01-02"}}},
		{name: "datetime", v: civil.DateTime{Date: civil.Date{Year: 2024, Month: 1, Day: 2}, Time: civil.Time{Hour: 3}}, want: Param{Type: "DATETIME", Values: []string{"2024-01-02 03:00:00"}}},
		{name: "timeofday", v: civil.Time{Hour: 23, Minute: 59}, want: Param{Type: "TIME", Values: []string{"23:59:00"}}},
		{name: "rat", v: big1, want: Param{Type: "NUMERIC", Values: []string{"12.5"}}},
		{name: "bigrat", v: huge, want: Param{Type: "BIGNUMERIC", Values: []string{"123456789012345678901234567890123.5"}}},
		{name: "ints", v: []int{1, 2}, want: Param{Type: "ARRAY<INT64>", Values: []string{"1", "2"}}},
		{name: "strings-empty", v: []string{}, want: Param{Type: "ARRAY<STRING>", Values: []string{}}},
		{name: "strings-nil", v: []string(nil), want: Param{Type: "ARRAY<STRING>", Null: true}},
		{name: "dates", v: []civil.Date{{Year: 2020, Month: 2, Day: 3}}, want: Param{Type: "ARRAY<DATE>", Values: []string{"2020-02-03"}}},
		{name: "array", v: [2]bool{true, false}, want: Param{Type: "ARRAY<BOOL>", Values: []string{"true", "false"}}},
		{name: "rats", v: []*big.Rat{big1, huge}, want: Param{Type: "ARRAY<BIGNUMERIC>", Values: []string{"12.5", "123456789012345678901234567890123.5"}}},
		{name: "ptr", v: &seven, want: Param{Type: "INT64", Values: []string{"7"}}},
		{name: "nilptr", v: nilInt, want: Param{Type: "INT64", Null: true}},
		{name: "nil", v: nil, wantErr: "is nil"},
		{name: "map", v: map[string]int{}, wantErr: "no BigQuery parameter type"},
		{name: "struct", v: struct{ A int }{}, wantErr: "no BigQuery parameter type"},
		{name: "nested", v: [][]int{{1}}, wantErr: "element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := GoParam("v", tc.v)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("GoParam(%#v) = %+v, %v; want error %q", tc.v, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GoParam(%#v): %v", tc.v, err)
			}
			tc.want.Name = "v"
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("GoParam(%#v) = %#v, want %#v", tc.v, got, tc.want)
			}
		})
	}
}

func TestParamRefs(t *testing.T) {
	tests := []struct {
		sql  string
		want []string
	}{
		{"SELECT @a, @b, @A", []string{"a", "b"}},
		{"SELECT '@no', \"@no\", `@no`, @yes", []string{"yes"}},
		{"SELECT @@dataset_id, @x", []string{"x"}},
		{"SELECT 1 -- @c\n, @d # @e\n/* @f */ , @g", []string{"d", "g"}},
		{"SELECT '''multi @x\nline''' , \"\"\"@y\"\"\", @z", []string{"z"}},
		{"SELECT 'it\\'s @q', @r", []string{"r"}},
		{"SELECT r'@raw', @s", []string{"s"}},
		{"SELECT x@y", []string{"y"}},
		{"SELECT @", nil},
		{"SELECT '@unterminated", nil},
	}
	for _, tc := range tests {
		if got := ParamRefs(tc.sql); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParamRefs(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.00 KiB", 1536: "1.50 KiB", 10 << 20: "10.0 MiB",
		150 << 30: "150 GiB", 1 << 40: "1.00 TiB",
	}
	for in, want := range tests {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", in, got, want)
		}
	}
	if got := formatCount(-1234567); got != "-1,234,567" {
		t.Errorf("formatCount = %q", got)
	}
}
