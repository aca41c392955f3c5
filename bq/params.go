package bq

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
)

// scalarTypes are the BigQuery scalar parameter types --param accepts.
var scalarTypes = map[string]bool{
	"INT64": true, "FLOAT64": true, "NUMERIC": true, "BIGNUMERIC": true, "BOOL": true,
	"STRING": true, "BYTES": true, "DATE": true, "DATETIME": true, "TIME": true, "TIMESTAMP": true,
}

// typeAliases maps legacy and shorthand type names to the GoogleSQL names.
var typeAliases = map[string]string{
	"INT": "INT64", "INTEGER": "INT64", "SMALLINT": "INT64", "BIGINT": "INT64", "TINYINT": "INT64", "BYTEINT": "INT64",
	"FLOAT": "FLOAT64", "DOUBLE": "FLOAT64", "DECIMAL": "NUMERIC", "BIGDECIMAL": "BIGNUMERIC", "BOOLEAN": "BOOL",
}

// Param is one named query parameter as the magic sends it: always with an
// explicit BigQuery type, so the server never guesses, and the value travels
// as a parameter, never as SQL text.
type Param struct {
	// Name is the parameter name without '@'.
	Name string
	// Type is the GoogleSQL type, e.g. "INT64" or "ARRAY<DATE>".
	Type string
	// Null is true for a typed NULL.
	Null bool
	// Values holds the canonical text form of the value: one element for a
	// scalar, one per element for an ARRAY.
	Values []string
}

// elemType returns the scalar type of p (the element type for arrays).
func (p Param) elemType() (string, bool) {
	if strings.HasPrefix(p.Type, "ARRAY<") {
		return strings.TrimSuffix(strings.TrimPrefix(p.Type, "ARRAY<"), ">"), true
	}
	return p.Type, false
}

// QueryParameter converts p into the client library's explicit-typed form.
func (p Param) QueryParameter() bigquery.QueryParameter {
	et, isArray := p.elemType()
	v := &bigquery.QueryParameterValue{}
	switch {
	case isArray:
		v.Type = bigquery.StandardSQLDataType{TypeKind: "ARRAY", ArrayElementType: &bigquery.StandardSQLDataType{TypeKind: et}}
		switch {
		case p.Null:
			v.Value = bigquery.NullString{}
		case len(p.Values) == 0:
			// An empty non-nil slice is sent as an empty array.
			v.Value = []string{}
		default:
			for _, s := range p.Values {
				v.ArrayValue = append(v.ArrayValue, bigquery.QueryParameterValue{Value: s})
			}
		}
	default:
		v.Type = bigquery.StandardSQLDataType{TypeKind: et}
		if p.Null {
			// An invalid Null* value makes the client send an explicit JSON null.
			v.Value = bigquery.NullString{}
		} else {
			v.Value = p.Values[0]
		}
	}
	return bigquery.QueryParameter{Name: p.Name, Value: v}
}

// String shows p the way --param accepts it.
func (p Param) String() string {
	if p.Null {
		return p.Name + ":" + p.Type
	}
	if _, isArray := p.elemType(); isArray {
		b, _ := json.Marshal(p.Values)
		return p.Name + ":" + p.Type + "=" + string(b)
	}
	return p.Name + ":" + p.Type + "=" + p.Values[0]
}

// ParseParam parses one --param: "name=value" (a STRING, as in the bq
// tool, so zip codes keep their leading zeros), "name:TYPE=value", or
// "name:TYPE" for a typed NULL. ARRAY values are JSON arrays whose elements
// are numbers, booleans or strings: ids:ARRAY<INT64>=[1,2,3].
func ParseParam(spec string) (Param, error) {
	nameType, value, hasValue := strings.Cut(spec, "=")
	name, typ, typed := strings.Cut(nameType, ":")
	name = strings.TrimPrefix(strings.TrimSpace(name), "@")
	if !validParamName(name) {
		return Param{}, fmt.Errorf("--param %q: the name must be letters, digits and _ and not start with a digit", spec)
	}
	if !typed {
		if !hasValue {
			return Param{}, fmt.Errorf("--param %q: want name=value, name:TYPE=value or name:TYPE (NULL)", spec)
		}
		if !utf8.ValidString(value) {
			return Param{}, fmt.Errorf("--param %s: the value is not valid UTF-8 (use name:BYTES=base64 for binary data)", name)
		}
		return Param{Name: name, Type: "STRING", Values: []string{value}}, nil
	}
	t, err := normalizeType(typ)
	if err != nil {
		return Param{}, fmt.Errorf("--param %s: %w", name, err)
	}
	p := Param{Name: name, Type: t}
	if !hasValue {
		p.Null = true
		return p, nil
	}
	et, isArray := p.elemType()
	if !isArray {
		c, err := canonical(et, value)
		if err != nil {
			return Param{}, fmt.Errorf("--param %s: %w", name, err)
		}
		p.Values = []string{c}
		return p, nil
	}
	elems, err := splitArray(value)
	if err != nil {
		return Param{}, fmt.Errorf("--param %s: %w", name, err)
	}
	p.Values = make([]string, 0, len(elems))
	for i, e := range elems {
		c, err := canonical(et, e)
		if err != nil {
			return Param{}, fmt.Errorf("--param %s: element %d: %w", name, i, err)
		}
		p.Values = append(p.Values, c)
	}
	return p, nil
}

// validParamName: BigQuery parameter names are ASCII letters, digits and
// underscores, not starting with a digit, of at most 128 characters.
func validParamName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// normalizeType upper-cases t, resolves aliases and checks it is supported.
func normalizeType(t string) (string, error) {
	u := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(t), " ", ""))
	if inner, ok := strings.CutPrefix(u, "ARRAY<"); ok && strings.HasSuffix(inner, ">") {
		e, err := normalizeScalar(strings.TrimSuffix(inner, ">"))
		if err != nil {
			return "", fmt.Errorf("ARRAY element: %w", err)
		}
		return "ARRAY<" + e + ">", nil
	}
	return normalizeScalar(u)
}

func normalizeScalar(u string) (string, error) {
	if a, ok := typeAliases[u]; ok {
		u = a
	}
	if !scalarTypes[u] {
		return "", fmt.Errorf("unsupported type %q (want INT64, FLOAT64, NUMERIC, BIGNUMERIC, BOOL, STRING, BYTES, DATE, DATETIME, TIME, TIMESTAMP or ARRAY<T>)", u)
	}
	return u, nil
}

// splitArray reads a JSON array of scalars into their text forms.
func splitArray(s string) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		// The shell-like option splitter eats the quotes of ["a","b"], so
		// a bare [a,b] is accepted too: elements split at commas, trimmed.
		t := strings.TrimSpace(s)
		if len(t) < 2 || t[0] != '[' || t[len(t)-1] != ']' || strings.ContainsAny(t[1:len(t)-1], "[]\"") {
			return nil, fmt.Errorf("ARRAY value must be a JSON array like [1,2] or [\"a\",\"b\"] (or bare [a,b]): %w", err)
		}
		parts := strings.Split(t[1:len(t)-1], ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, nil
	}
	out := make([]string, 0, len(raw))
	for i, r := range raw {
		var v any
		d := json.NewDecoder(strings.NewReader(string(r)))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case bool:
			out = append(out, strconv.FormatBool(x))
		case nil:
			return nil, fmt.Errorf("element %d: BigQuery arrays cannot hold NULL", i)
		default:
			return nil, fmt.Errorf("element %d: want a number, boolean or string, not %s", i, r)
		}
	}
	return out, nil
}

// Formats accepted for TIMESTAMP values, tried in order.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02",
}

// canonical validates s as a value of scalar type t and returns the text
// BigQuery expects for it.
func canonical(t, s string) (string, error) {
	switch t {
	case "STRING":
		// BigQuery strings are UTF-8; bytes that are not would be mangled
		// on the way (JSON replaces them), so say so instead.
		if !utf8.ValidString(s) {
			return "", fmt.Errorf("STRING %q is not valid UTF-8 (use BYTES for binary data)", s)
		}
		return s, nil
	case "INT64":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return "", fmt.Errorf("INT64 %q: %w", s, err)
		}
		return strconv.FormatInt(n, 10), nil
	case "FLOAT64":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return "", fmt.Errorf("FLOAT64 %q: %w", s, err)
		}
		return formatFloat(f), nil
	case "NUMERIC", "BIGNUMERIC":
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		if !ok || strings.ContainsAny(s, "/") {
			return "", fmt.Errorf("%s %q: want a decimal number like 12.345", t, s)
		}
		return decimalString(r, t)
	case "BOOL":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return "true", nil
		case "false":
			return "false", nil
		}
		return "", fmt.Errorf("BOOL %q: want true or false", s)
	case "BYTES":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return "", fmt.Errorf("BYTES %q must be standard base64: %w", s, err)
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case "DATE":
		d, err := civil.ParseDate(strings.TrimSpace(s))
		if err != nil {
			return "", fmt.Errorf("DATE %q (want YYYY-MM-DD): %w", s, err)
		}
		return d.String(), nil
	case "DATETIME":
		dt, err := civil.ParseDateTime(strings.Replace(strings.TrimSpace(s), " ", "T", 1))
		if err != nil {
			return "", fmt.Errorf("DATETIME %q (want YYYY-MM-DDTHH:MM:SS[.ffffff]): %w", s, err)
		}
		return bigquery.CivilDateTimeString(dt), nil
	case "TIME":
		tm, err := civil.ParseTime(strings.TrimSpace(s))
		if err != nil {
			return "", fmt.Errorf("TIME %q (want HH:MM:SS[.ffffff]): %w", s, err)
		}
		return bigquery.CivilTimeString(tm), nil
	case "TIMESTAMP":
		ts, err := parseTimestamp(strings.TrimSpace(s))
		if err != nil {
			return "", fmt.Errorf("TIMESTAMP %q (want RFC 3339, e.g. 2024-05-01T12:00:00Z): %w", s, err)
		}
		return formatTimestamp(ts), nil
	}
	return "", fmt.Errorf("unsupported type %s", t)
}

func parseTimestamp(s string) (time.Time, error) {
	var first error
	for _, l := range timestampLayouts {
		t, err := time.Parse(l, s)
		if err == nil {
			return t.UTC(), nil
		}
		if first == nil {
			first = err
		}
	}
	return time.Time{}, first
}

// formatTimestamp renders t the way BigQuery reads and shows TIMESTAMPs:
// UTC, microseconds when present.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
}

func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// decimalString renders r exactly for NUMERIC (9 fractional digits, 29
// integer digits) or BIGNUMERIC (38 and 38), failing rather than rounding
// silently.
func decimalString(r *big.Rat, t string) (string, error) {
	scale, intDigits := bigquery.NumericScaleDigits, bigquery.NumericPrecisionDigits-bigquery.NumericScaleDigits
	if t == "BIGNUMERIC" {
		scale, intDigits = bigquery.BigNumericScaleDigits, bigquery.BigNumericPrecisionDigits-bigquery.BigNumericScaleDigits
	}
	s := r.FloatString(scale)
	if back, _ := new(big.Rat).SetString(s); back.Cmp(r) != 0 {
		return "", fmt.Errorf("%s %s has more than %d digits after the decimal point", t, r.FloatString(scale+3), scale)
	}
	ip, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(ip) > intDigits {
		return "", fmt.Errorf("%s value has more than %d digits before the decimal point", t, intDigits)
	}
	return trimDecimal(s), nil
}

// trimDecimal drops trailing fractional zeros: "1.500000000" → "1.5".
func trimDecimal(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// Go types the mapping special-cases.
var (
	typeTime     = reflect.TypeFor[time.Time]()
	typeDate     = reflect.TypeFor[civil.Date]()
	typeDateTime = reflect.TypeFor[civil.DateTime]()
	typeTimeOnly = reflect.TypeFor[civil.Time]()
	typeRat      = reflect.TypeFor[*big.Rat]()
)

// errNilValue reports a Go variable that holds nil and so has no BigQuery type.
var errNilValue = errors.New("is nil, so it has no BigQuery type; give it a type or use --param name:TYPE for NULL")

// GoParam maps the Go value v of notebook variable name to a typed
// parameter: integers → INT64, floats → FLOAT64, string, bool, []byte →
// BYTES, time.Time → TIMESTAMP, civil.Date/DateTime/Time → DATE/DATETIME/TIME,
// *big.Rat → NUMERIC (BIGNUMERIC when it does not fit), []T → ARRAY<T>. A
// nil pointer is a typed NULL. Named types (type ID int64) map by kind, so
// types declared in notebook cells work too.
func GoParam(name string, v any) (Param, error) {
	if v == nil {
		return Param{}, fmt.Errorf("the Go variable %s %w", name, errNilValue)
	}
	rv := reflect.ValueOf(v)
	p := Param{Name: name}
	t := rv.Type()
	if t.Kind() == reflect.Pointer && t != typeRat {
		et, err := goScalarType(t.Elem(), reflect.Value{})
		if err != nil {
			return Param{}, fmt.Errorf("the Go variable %s: %w", name, err)
		}
		if rv.IsNil() {
			p.Type, p.Null = et, true
			return p, nil
		}
		rv, t = rv.Elem(), t.Elem()
	}
	if (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() != reflect.Uint8 {
		et, err := goScalarType(t.Elem(), reflect.Value{})
		if err != nil {
			return Param{}, fmt.Errorf("the Go variable %s: element: %w", name, err)
		}
		p.Type = "ARRAY<" + et + ">"
		if t.Kind() == reflect.Slice && rv.IsNil() {
			p.Null = true
			return p, nil
		}
		p.Values = make([]string, rv.Len())
		for i := range rv.Len() {
			ev := rv.Index(i)
			if ev.Kind() == reflect.Pointer && ev.IsNil() && ev.Type() != typeRat {
				return Param{}, fmt.Errorf("the Go variable %s[%d] is nil: BigQuery arrays cannot hold NULL", name, i)
			}
			s, err := goScalarText(et, ev)
			if err != nil {
				return Param{}, fmt.Errorf("the Go variable %s[%d]: %w", name, i, err)
			}
			p.Values[i] = s
		}
		if et == "NUMERIC" {
			// One element too big for NUMERIC makes the whole array BIGNUMERIC.
			for i := range p.Values {
				if _, err := canonical("NUMERIC", p.Values[i]); err != nil {
					p.Type = "ARRAY<BIGNUMERIC>"
					break
				}
			}
		}
		return p, nil
	}
	et, err := goScalarType(t, rv)
	if err != nil {
		return Param{}, fmt.Errorf("the Go variable %s: %w", name, err)
	}
	s, err := goScalarText(et, rv)
	if err != nil {
		return Param{}, fmt.Errorf("the Go variable %s: %w", name, err)
	}
	p.Type, p.Values = et, []string{s}
	return p, nil
}

// goScalarType is the BigQuery type for Go type t. For *big.Rat it looks at
// v (when valid) to choose NUMERIC or BIGNUMERIC.
func goScalarType(t reflect.Type, v reflect.Value) (string, error) {
	switch t {
	case typeTime:
		return "TIMESTAMP", nil
	case typeDate:
		return "DATE", nil
	case typeDateTime:
		return "DATETIME", nil
	case typeTimeOnly:
		return "TIME", nil
	case typeRat:
		if v.IsValid() && !v.IsNil() {
			if _, err := decimalString(v.Interface().(*big.Rat), "NUMERIC"); err != nil {
				return "BIGNUMERIC", nil
			}
		}
		return "NUMERIC", nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "INT64", nil
	case reflect.Float32, reflect.Float64:
		return "FLOAT64", nil
	case reflect.String:
		return "STRING", nil
	case reflect.Bool:
		return "BOOL", nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "BYTES", nil
		}
	}
	return "", fmt.Errorf("the Go type %s has no BigQuery parameter type (use ints, floats, string, bool, []byte, time.Time, civil.Date/DateTime/Time, *big.Rat or a slice of them)", t)
}

// goScalarText renders v (of BigQuery type et) in the canonical text form.
func goScalarText(et string, v reflect.Value) (string, error) {
	switch v.Type() {
	case typeTime:
		return formatTimestamp(v.Interface().(time.Time)), nil
	case typeDate:
		return v.Interface().(civil.Date).String(), nil
	case typeDateTime:
		return bigquery.CivilDateTimeString(v.Interface().(civil.DateTime)), nil
	case typeTimeOnly:
		return bigquery.CivilTimeString(v.Interface().(civil.Time)), nil
	case typeRat:
		if v.IsNil() {
			return "", errors.New("nil *big.Rat in an array")
		}
		r := v.Interface().(*big.Rat)
		s, err := decimalString(r, "NUMERIC")
		if err != nil {
			s, err = decimalString(r, "BIGNUMERIC")
		}
		return s, err
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := v.Uint()
		if u > math.MaxInt64 {
			return "", fmt.Errorf("%d does not fit in INT64", u)
		}
		return strconv.FormatUint(u, 10), nil
	case reflect.Float32, reflect.Float64:
		return formatFloat(v.Float()), nil
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	case reflect.Slice:
		return base64.StdEncoding.EncodeToString(v.Bytes()), nil
	}
	return "", fmt.Errorf("cannot send %s as %s", v.Type(), et)
}

// ParamRefs returns the distinct named parameters (@name) that sql uses,
// in order of first use. It skips string literals, quoted identifiers,
// comments and system variables (@@name), so text that merely looks like a
// parameter is never bound.
func ParamRefs(sql string) []string {
	var out []string
	seen := map[string]bool{}
	n := len(sql)
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			i = skipString(sql, i)
		case c == '`':
			j := strings.IndexByte(sql[i+1:], '`')
			if j < 0 {
				return out
			}
			i += j + 2
		case c == '#' || c == '-' && i+1 < n && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return out
			}
			i += j + 1
		case c == '/' && i+1 < n && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case c == '@':
			if i+1 < n && sql[i+1] == '@' {
				i += 2
				for i < n && isIdent(sql[i]) {
					i++
				}
				continue
			}
			j := i + 1
			for j < n && isIdent(sql[j]) {
				j++
			}
			name := sql[i+1 : j]
			if validParamName(name) && !seen[strings.ToLower(name)] {
				seen[strings.ToLower(name)] = true
				out = append(out, name)
			}
			i = j
		case isIdent(c):
			// Skip whole words so that an identifier ending in a quote
			// prefix (r'..', b"..") is handled as a string below.
			j := i
			for j < n && isIdent(sql[j]) {
				j++
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// skipString returns the index just past the string literal starting at i,
// handling '...', "...", and triple-quoted forms with backslash escapes.
func skipString(s string, i int) int {
	q := s[i]
	if strings.HasPrefix(s[i:], strings.Repeat(string(q), 3)) {
		end := strings.Index(s[i+3:], strings.Repeat(string(q), 3))
		if end < 0 {
			return len(s)
		}
		return i + 3 + end + 3
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		case '\n':
			return j + 1
		}
	}
	return len(s)
}
