package bq

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"

	"github.com/gokernel/gokernel/internal/htmltable"
)

// Footer is what the line under a result table says about the query, so a
// saved notebook records which job produced the rows, what it cost and who
// ran it.
type Footer struct {
	// Shown is how many rows the table holds; Total how many the result has.
	Shown int
	Total uint64
	// JobID is "project:location.job_id" (or just the id); JobURL, when set,
	// links it to the Cloud console.
	JobID  string
	JobURL string
	// BytesBilled and BytesProcessed are from the job statistics.
	BytesBilled    int64
	BytesProcessed int64
	Duration       time.Duration
	CacheHit       bool
	// Who names the identity that ran the query.
	Who string
}

// tableCSS is scoped to the gkbq class so it cannot restyle the notebook.
const tableCSS = `<style>
.gkbq table{border-collapse:collapse;font-size:12px}
.gkbq th,.gkbq td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top;white-space:pre-wrap}
.gkbq th .t{font-weight:normal;color:#888;font-size:10px}
.gkbq td.r{text-align:right;font-variant-numeric:tabular-nums}
.gkbq td.null{color:#999;font-style:italic}
.gkbq .foot{color:#666;font-size:11px;margin-top:4px}
</style>`

// TypeName is the GoogleSQL name of a column's type, e.g. INT64 or
// ARRAY<STRUCT>, rather than the legacy names the API reports.
func TypeName(f *bigquery.FieldSchema) string {
	t := sqlName(f.Type)
	if f.Type == bigquery.RecordFieldType {
		t = "STRUCT"
	}
	if f.Repeated {
		return "ARRAY<" + t + ">"
	}
	return t
}

// sqlName is GoogleSQL's name of a scalar type where it differs from the
// API's legacy one (INTEGER is INT64); RECORD is left to the caller.
func sqlName(t bigquery.FieldType) string {
	switch t {
	case bigquery.IntegerFieldType:
		return "INT64"
	case bigquery.FloatFieldType:
		return "FLOAT64"
	case bigquery.BooleanFieldType:
		return "BOOL"
	}
	return string(t)
}

func isNumeric(f *bigquery.FieldSchema) bool {
	if f.Repeated {
		return false
	}
	switch f.Type {
	case bigquery.IntegerFieldType, bigquery.FloatFieldType, bigquery.NumericFieldType, bigquery.BigNumericFieldType:
		return true
	}
	return false
}

// appendValue appends the display text of v (of column f) to b. NULL is
// written as NULL; callers that must tell NULL apart check v == nil first.
// nested quotes strings so that they stay readable inside [..] and {..}.
func appendValue(b []byte, v bigquery.Value, f *bigquery.FieldSchema, nested bool) []byte {
	if v == nil {
		return append(b, "NULL"...)
	}
	if f != nil && f.Repeated {
		if vs, ok := v.([]bigquery.Value); ok {
			elem := *f
			elem.Repeated = false
			b = append(b, '[')
			for i, e := range vs {
				if i > 0 {
					b = append(b, ", "...)
				}
				b = appendValue(b, e, &elem, true)
			}
			return append(b, ']')
		}
	}
	switch x := v.(type) {
	case string:
		if nested {
			return strconv.AppendQuote(b, x)
		}
		return append(b, x...)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return append(b, formatFloat(x)...)
	case bool:
		return strconv.AppendBool(b, x)
	case []byte:
		return base64.StdEncoding.AppendEncode(b, x)
	case time.Time:
		return x.UTC().AppendFormat(b, "2006-01-02T15:04:05.999999Z07:00")
	case civil.Date:
		if x.Year < 0 || x.Year > 9999 {
			return append(b, x.String()...)
		}
		b = appendPadded(b, x.Year, 4)
		b = append(b, '-')
		b = appendPadded(b, int(x.Month), 2)
		b = append(b, '-')
		return appendPadded(b, x.Day, 2)
	case civil.DateTime:
		return append(b, bigquery.CivilDateTimeString(x)...)
	case civil.Time:
		return append(b, bigquery.CivilTimeString(x)...)
	case *big.Rat:
		scale := bigquery.NumericScaleDigits
		if f != nil && f.Type == bigquery.BigNumericFieldType {
			scale = bigquery.BigNumericScaleDigits
		}
		return appendDecimal(b, x, scale)
	case *bigquery.IntervalValue:
		return append(b, x.String()...)
	case *bigquery.RangeValue:
		b = append(b, '[')
		b = appendRangeEnd(b, x.Start, f)
		b = append(b, ", "...)
		b = appendRangeEnd(b, x.End, f)
		return append(b, ')')
	case []bigquery.Value:
		// A RECORD: {name: value, ...} using the sub-schema.
		b = append(b, '{')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			var sf *bigquery.FieldSchema
			if f != nil && i < len(f.Schema) {
				sf = f.Schema[i]
				b = append(b, sf.Name...)
				b = append(b, ": "...)
			}
			b = appendValue(b, e, sf, true)
		}
		return append(b, '}')
	case map[string]bigquery.Value:
		return fmt.Appendf(b, "%v", x)
	}
	return fmt.Append(b, v)
}

// appendPadded writes a non-negative n zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	var d [20]byte
	i := len(d)
	for n > 0 || i > len(d)-width {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[i:]...)
}

func appendRangeEnd(b []byte, v bigquery.Value, f *bigquery.FieldSchema) []byte {
	if v == nil {
		return append(b, "UNBOUNDED"...)
	}
	var ef *bigquery.FieldSchema
	if f != nil && f.RangeElementType != nil {
		ef = &bigquery.FieldSchema{Type: f.RangeElementType.Type}
	}
	return appendValue(b, v, ef, false)
}

// FormatValue is the text form of v as the result table shows it: ISO
// times, exact NUMERIC, base64 BYTES, nested RECORD/ARRAY values, and NULL
// for nil.
func FormatValue(v bigquery.Value, f *bigquery.FieldSchema) string {
	return string(appendValue(nil, v, f, false))
}

// Powers of ten for the two decimal scales BigQuery has (read-only).
var (
	pow10Numeric    = new(big.Int).Exp(big.NewInt(10), big.NewInt(bigquery.NumericScaleDigits), nil)
	pow10BigNumeric = new(big.Int).Exp(big.NewInt(10), big.NewInt(bigquery.BigNumericScaleDigits), nil)
)

// appendDecimal writes r exactly with at most scale fractional digits and
// no trailing zeros. It avoids big.Rat.FloatString's division in the
// usual case where the denominator divides 10^scale (every value BigQuery
// sends), which keeps large tables fast.
func appendDecimal(b []byte, r *big.Rat, scale int) []byte {
	if r.IsInt() {
		return r.Num().Append(b, 10)
	}
	p := pow10Numeric
	if scale == bigquery.BigNumericScaleDigits {
		p = pow10BigNumeric
	}
	var k, rem big.Int
	k.QuoRem(p, r.Denom(), &rem)
	if rem.Sign() != 0 || scale != bigquery.NumericScaleDigits && scale != bigquery.BigNumericScaleDigits {
		return append(b, trimDecimal(r.FloatString(scale))...)
	}
	k.Mul(&k, r.Num())
	neg := k.Sign() < 0
	k.Abs(&k)
	start := len(b)
	b = k.Append(b, 10)
	digits := b[start:]
	if len(digits) <= scale {
		// Left-pad with zeros so there is at least one integer digit.
		pad := scale + 1 - len(digits)
		b = append(b, make([]byte, pad)...)
		copy(b[start+pad:], b[start:len(b)-pad])
		for i := range pad {
			b[start+i] = '0'
		}
	}
	// Insert the point scale digits from the end, then trim zeros.
	pt := len(b) - scale
	b = append(b, 0)
	copy(b[pt+1:], b[pt:len(b)-1])
	b[pt] = '.'
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if neg {
		b = append(b, 0)
		copy(b[start+1:], b[start:len(b)-1])
		b[start] = '-'
	}
	return b
}

// RenderHTML renders rows as an HTML table with typed column headers and
// the footer. Every value is escaped, so data can never inject markup or
// script into the notebook.
func RenderHTML(schema bigquery.Schema, rows [][]bigquery.Value, f Footer) string {
	var sb strings.Builder
	sb.Grow(1024 + len(rows)*len(schema)*40)
	sb.WriteString(`<div class="gkbq">`)
	sb.WriteString(tableCSS)
	tw := htmltable.Writer{B: &sb, Lines: true}
	tw.Open("")
	for _, fs := range schema {
		tw.HeadSub(fs.Name, TypeName(fs))
	}
	tw.Body()
	class := make([]string, len(schema))
	for i, fs := range schema {
		if isNumeric(fs) {
			class[i] = "r"
		}
	}
	var buf []byte
	for _, row := range rows {
		tw.Row()
		for j, v := range row {
			if v == nil {
				tw.CellHTML("null", "<i>NULL</i>")
				continue
			}
			var fs *bigquery.FieldSchema
			c := ""
			if j < len(schema) {
				fs, c = schema[j], class[j]
			}
			buf = appendValue(buf[:0], v, fs, false)
			tw.CellBytes(c, buf)
		}
	}
	tw.Close()
	sb.WriteString(`<div class="foot">`)
	writeFooterHTML(&sb, f)
	sb.WriteString("</div></div>")
	return sb.String()
}

func writeFooterHTML(sb *strings.Builder, f Footer) {
	parts := footerParts(f)
	for i, p := range parts {
		if i > 0 {
			sb.WriteString(" · ")
		}
		if p.url != "" {
			sb.WriteString(`<a href="`)
			htmltable.WriteEscaped(sb, p.url)
			sb.WriteString(`" target="_blank" rel="noopener">`)
			htmltable.WriteEscaped(sb, p.text)
			sb.WriteString("</a>")
			continue
		}
		htmltable.WriteEscaped(sb, p.text)
	}
}

type footerPart struct{ text, url string }

func footerParts(f Footer) []footerPart {
	var ps []footerPart
	rows := fmt.Sprintf("%s of %s rows", formatCount(int64(f.Shown)), formatCount(int64(f.Total)))
	if uint64(f.Shown) == f.Total {
		rows = formatCount(int64(f.Total)) + " rows"
		if f.Total == 1 {
			rows = "1 row"
		}
	}
	ps = append(ps, footerPart{text: rows})
	if f.JobID != "" {
		ps = append(ps, footerPart{text: "job " + f.JobID, url: f.JobURL})
	}
	ps = append(ps, footerPart{text: FormatBytes(f.BytesBilled) + " billed"})
	if f.BytesProcessed != f.BytesBilled {
		ps = append(ps, footerPart{text: FormatBytes(f.BytesProcessed) + " processed"})
	}
	if f.Duration > 0 {
		ps = append(ps, footerPart{text: formatDuration(f.Duration)})
	}
	if f.CacheHit {
		ps = append(ps, footerPart{text: "cache hit"})
	}
	if f.Who != "" {
		ps = append(ps, footerPart{text: "ran as " + f.Who})
	}
	return ps
}

func footerText(f Footer) string {
	parts := footerParts(f)
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
		if p.url != "" {
			texts[i] += " (" + p.url + ")"
		}
	}
	return strings.Join(texts, " · ")
}

// formatDuration rounds d for people: 850ms, 3.4s, 2m05s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// maxTextCell bounds a text/plain cell so one long value cannot make the
// table unreadable in a console.
const maxTextCell = 40

// RenderText renders rows as an aligned plain-text table (names, then
// types, then rows), for consoles and text exports of the notebook.
func RenderText(schema bigquery.Schema, rows [][]bigquery.Value, f Footer) string {
	ncol := len(schema)
	cells := make([]string, 0, (len(rows)+2)*ncol)
	width := make([]int, ncol)
	add := func(j int, s string) {
		n := utf8.RuneCountInString(s)
		if n > maxTextCell {
			s = string([]rune(s)[:maxTextCell-1]) + "…"
			n = maxTextCell
		}
		cells = append(cells, s)
		if n > width[j] {
			width[j] = n
		}
	}
	for j, fs := range schema {
		add(j, fs.Name)
	}
	for j, fs := range schema {
		add(j, TypeName(fs))
	}
	var buf []byte
	for _, row := range rows {
		for j := range ncol {
			if j >= len(row) {
				add(j, "")
				continue
			}
			buf = appendValue(buf[:0], row[j], schema[j], false)
			add(j, textClean(buf))
		}
	}
	num := make([]bool, ncol)
	for j, fs := range schema {
		num[j] = isNumeric(fs)
	}
	var sb strings.Builder
	sb.Grow(len(cells) * 12)
	for i := 0; i < len(cells); i += ncol {
		for j := range ncol {
			s := cells[i+j]
			pad := width[j] - utf8.RuneCountInString(s)
			if j > 0 {
				sb.WriteString("  ")
			}
			if num[j] && i >= 2*ncol {
				sb.WriteString(strings.Repeat(" ", pad))
				sb.WriteString(s)
				continue
			}
			sb.WriteString(s)
			if j < ncol-1 {
				sb.WriteString(strings.Repeat(" ", pad))
			}
		}
		sb.WriteString("\n")
	}
	sb.WriteString(footerText(f))
	return sb.String()
}

// textClean makes b safe for one line of a text table: control characters
// (newlines, tabs, escape sequences) become visible escapes.
func textClean(b []byte) string {
	clean := true
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var sb strings.Builder
	for _, r := range string(b) {
		switch {
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
