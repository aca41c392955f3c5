package bq

import (
	"errors"
	"flag"
	"math/big"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
)

var testSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType},
	{Name: "name", Type: bigquery.StringFieldType},
	{Name: "price", Type: bigquery.NumericFieldType},
	{Name: "big", Type: bigquery.BigNumericFieldType},
	{Name: "ts", Type: bigquery.TimestampFieldType},
	{Name: "raw", Type: bigquery.BytesFieldType},
	{Name: "tags", Type: bigquery.StringFieldType, Repeated: true},
	{Name: "rec", Type: bigquery.RecordFieldType, Schema: bigquery.Schema{
		{Name: "a", Type: bigquery.IntegerFieldType},
		{Name: "b", Type: bigquery.StringFieldType},
	}},
	{Name: "f", Type: bigquery.FloatFieldType},
	{Name: "d", Type: bigquery.DateFieldType},
}

func testRow() []bigquery.Value {
	price, _ := new(big.Rat).SetString("12345678901234567890.123456789")
	bn, _ := new(big.Rat).SetString("0.00000000000000000000000000000000000001")
	return []bigquery.Value{
		int64(1), "<script>alert('x')</script>", price, bn,
		time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.UTC), []byte("hi"),
		[]bigquery.Value{"a", "b"}, []bigquery.Value{int64(7), nil},
		1.5, civil.Date{Year: 2024, Month: 2, Day: 29},
	}
}

func TestRenderHTML(t *testing.T) {
	rows := [][]bigquery.Value{testRow(), {nil, "", nil, nil, nil, nil, []bigquery.Value{}, nil, nil, nil}}
	h := RenderHTML(testSchema, rows, Footer{Shown: 2, Total: 10, JobID: "p:US.job_<1>", JobURL: "https://console.cloud.google.com/bigquery?a=1&b=2", BytesBilled: 10 << 20, BytesProcessed: 10 << 20, Duration: 1500 * time.Millisecond, CacheHit: true, Who: "eve <eve@example.com>"})
	for _, want := range []string{
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", // data escaped
		"<th>id<br><span class=\"t\">INT64</span></th>",
		"<span class=\"t\">ARRAY&lt;STRING&gt;</span>",
		"<span class=\"t\">STRUCT</span>",
		`<td class="r">1</td>`,
		`<td class="r">12345678901234567890.123456789</td>`,
		`<td class="r">0.00000000000000000000000000000000000001</td>`,
		"<td>2024-01-02T03:04:05.6Z</td>",
		"<td>aGk=</td>",
		"<td>[&#34;a&#34;, &#34;b&#34;]</td>",
		"<td>{a: 7, b: NULL}</td>",
		`<td class="r">1.5</td>`,
		"<td>2024-02-29</td>",
		`<td class="null"><i>NULL</i></td>`,
		"<td></td>", // the empty string is not NULL
		"2 of 10 rows",
		"job p:US.job_&lt;1&gt;",
		`href="https://console.cloud.google.com/bigquery?a=1&amp;b=2"`,
		"10.0 MiB billed", "1.5s", "cache hit", "ran as eve &lt;eve@example.com&gt;",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q\n%s", want, h)
		}
	}
	if strings.Contains(h, "<script>") {
		t.Errorf("HTML contains a live <script>")
	}
}

func TestRenderText(t *testing.T) {
	schema := bigquery.Schema{{Name: "n", Type: bigquery.IntegerFieldType}, {Name: "s", Type: bigquery.StringFieldType}}
	rows := [][]bigquery.Value{{int64(5), "a\nb"}, {int64(12345), nil}, {nil, strings.Repeat("x", 100)}}
	got := RenderText(schema, rows, Footer{Shown: 3, Total: 3, Who: "unauthenticated (emulator endpoint)"})
	lines := strings.Split(got, "\n")
	want := []string{
		"n      s",
		"INT64  STRING",
		"    5  a\\nb",
		"12345  NULL",
		" NULL  " + strings.Repeat("x", 39) + "…",
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[len(lines)-1], "3 rows") || !strings.Contains(lines[len(lines)-1], "ran as unauthenticated (emulator endpoint)") {
		t.Errorf("footer = %q", lines[len(lines)-1])
	}
}

func TestFormatValue(t *testing.T) {
	iv := &bigquery.IntervalValue{Years: 1, Months: 2, Days: 3}
	tests := []struct {
		v    bigquery.Value
		f    *bigquery.FieldSchema
		want string
	}{
		{nil, nil, "NULL"},
		{"POINT(1 2)", &bigquery.FieldSchema{Type: bigquery.GeographyFieldType}, "POINT(1 2)"},
		{`{"a":1}`, &bigquery.FieldSchema{Type: bigquery.JSONFieldType}, `{"a":1}`},
		{civil.DateTime{Date: civil.Date{Year: 2024, Month: 1, Day: 1}, Time: civil.Time{Hour: 1, Nanosecond: 5000}}, nil, "2024-01-01 01:00:00.000005"},
		{civil.Time{Hour: 9}, nil, "09:00:00"},
		{iv, nil, iv.String()},
		{big.NewRat(-1, 4), &bigquery.FieldSchema{Type: bigquery.NumericFieldType}, "-0.25"},
		{[]bigquery.Value{[]bigquery.Value{int64(1)}}, &bigquery.FieldSchema{Type: bigquery.RecordFieldType, Repeated: true, Schema: bigquery.Schema{{Name: "x", Type: bigquery.IntegerFieldType}}}, "[{x: 1}]"},
		{true, nil, "true"},
	}
	for _, tc := range tests {
		if got := FormatValue(tc.v, tc.f); got != tc.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestParseInvocation(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		body    string
		cell    bool
		check   func(t *testing.T, o QueryOptions)
		wantErr string
	}{
		{name: "line", line: `SELECT 'a  b', "c" FROM t`, check: func(t *testing.T, o QueryOptions) {
			if o.SQL != `SELECT 'a  b', "c" FROM t` || o.MaxRows != DefaultMaxRows {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "line-opts", line: `--max-rows 5 --param "s=a b" --dry-run --label=team=data SELECT @s`, check: func(t *testing.T, o QueryOptions) {
			if o.SQL != "SELECT @s" || o.MaxRows != 5 || !o.DryRun || len(o.Params) != 1 || o.Params[0].Values[0] != "a b" || o.Labels["team"] != "data" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "cell", line: "--project p --location EU --max-bytes-billed 10GB --no-cache --legacy-sql --out res --csv /tmp/x.csv --quiet --endpoint http://127.0.0.1:1 --price-per-tib 5", body: "SELECT 1\n", cell: true, check: func(t *testing.T, o QueryOptions) {
			if o.SQL != "SELECT 1" || o.Project != "p" || o.Location != "EU" || o.MaxBytesBilled != 10e9 || !o.NoCache || !o.LegacySQL ||
				o.Out != "res" || o.CSV != "/tmp/x.csv" || !o.Quiet || o.Endpoint != "http://127.0.0.1:1" || o.PricePerTiB != 5 {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "dest", line: "--dest ds.t --write truncate", body: "SELECT 1", cell: true, check: func(t *testing.T, o QueryOptions) {
			if o.Dest != "ds.t" || o.Write != "truncate" {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "multiline-line-form", line: "SELECT 1", body: "UNION ALL SELECT 2", check: func(t *testing.T, o QueryOptions) {
			if o.SQL != "SELECT 1\nUNION ALL SELECT 2" {
				t.Errorf("got %q", o.SQL)
			}
		}},
		{name: "no-sql", line: "--dry-run", wantErr: "no SQL"},
		{name: "cell-positional", line: "oops", body: "SELECT 1", cell: true, wantErr: "cell body"},
		{name: "write-no-dest", line: "--write append", body: "SELECT 1", cell: true, wantErr: "--write needs --dest"},
		{name: "bad-write", line: "--dest d.t --write replace", body: "SELECT 1", cell: true, wantErr: "append, truncate or empty"},
		{name: "bad-dest", line: "--dest nodots", body: "SELECT 1", cell: true, wantErr: "--dest"},
		{name: "bad-out", line: "--out 1x", body: "SELECT 1", cell: true, wantErr: "Go identifier"},
		{name: "bad-size", line: "--max-bytes-billed lots", body: "SELECT 1", cell: true, wantErr: "size"},
		{name: "bad-label", line: "--label Team=x", body: "SELECT 1", cell: true, wantErr: "--label"},
		{name: "dup-param", line: "--param a=1 --param A=2", body: "SELECT 1", cell: true, wantErr: "twice"},
		{name: "legacy-param", line: "--legacy-sql --param a=1", body: "SELECT 1", cell: true, wantErr: "legacy"},
		{name: "dry-out", line: "--dry-run --out x", body: "SELECT 1", cell: true, wantErr: "--dry-run"},
		{name: "neg-rows", line: "--max-rows -1", body: "SELECT 1", cell: true, wantErr: "--max-rows"},
		{name: "unknown", line: "--frobnicate", body: "SELECT 1", cell: true, wantErr: "frobnicate"},
		{name: "unterminated", line: `--param "a=1 SELECT 1`, wantErr: "quote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseInvocation(tc.line, tc.body, tc.cell)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, o)
		})
	}
	if _, err := ParseInvocation("--help", "", true); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

func TestSplitTable(t *testing.T) {
	tests := []struct{ in, p, d, t string }{
		{"ds.t", "def", "ds", "t"},
		{"p.ds.t", "p", "ds", "t"},
		{"p:ds.t", "p", "ds", "t"},
		{"example.com:p:ds.t", "example.com:p", "ds", "t"},
		{"`p.ds.t`", "p", "ds", "t"},
	}
	for _, tc := range tests {
		p, d, tb, err := splitTable(tc.in, "def")
		if err != nil || p != tc.p || d != tc.d || tb != tc.t {
			t.Errorf("splitTable(%q) = %q %q %q %v", tc.in, p, d, tb, err)
		}
	}
}

func TestSQLExcerpt(t *testing.T) {
	sql := "SELECT 1\n\tFROM nope WHERE"
	got := sqlExcerpt(sql, `Syntax error: Unexpected end of script at [2:17]`)
	want := []string{"at line 2, column 17:", "    \tFROM nope WHERE", "    \t               ^"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := sqlExcerpt(sql, `failed to analyze: Table not found: nope [at 2:7]`); len(got) != 3 {
		t.Errorf("emulator form: %q", got)
	}
	if got := sqlExcerpt(sql, "no position"); got != nil {
		t.Errorf("no position: %q", got)
	}
	if got := sqlExcerpt(sql, "at [9:1]"); got != nil {
		t.Errorf("out of range: %q", got)
	}
}

func TestDryRunReport(t *testing.T) {
	r := DryRunReport{Bytes: 1 << 40, PricePerTiB: 6.25, Accuracy: "PRECISE", Tables: []string{"p.d.t"}}
	txt := r.Text()
	for _, want := range []string{"1.00 TiB", "1,099,511,627,776 bytes", "$6.25 at $6.25/TiB", "p.d.t"} {
		if !strings.Contains(txt, want) {
			t.Errorf("report lacks %q:\n%s", want, txt)
		}
	}
	if r := (DryRunReport{Bytes: 10 << 20, PricePerTiB: 6.25, Accuracy: "UPPER_BOUND"}); !strings.Contains(r.Text(), "at most 10.0 MiB") || !strings.Contains(r.Text(), "$0.0001") {
		t.Errorf("small report: %s", r.Text())
	}
}

func benchRows(n int) [][]bigquery.Value {
	rows := make([][]bigquery.Value, n)
	for i := range rows {
		r := testRow()
		r[0] = int64(i)
		rows[i] = r
	}
	return rows
}

// BenchmarkRenderHTML10k renders 10,000 rows × 10 columns of mixed types;
// a 10k-row result should render in well under 50 ms, so that showing it
// never dominates the query's own time.
func BenchmarkRenderHTML10k(b *testing.B) {
	rows := benchRows(10000)
	b.ReportAllocs()
	for b.Loop() {
		_ = RenderHTML(testSchema, rows, Footer{Shown: len(rows), Total: uint64(len(rows))})
	}
}

// BenchmarkRenderText10k is the text/plain half of the same result.
func BenchmarkRenderText10k(b *testing.B) {
	rows := benchRows(10000)
	b.ReportAllocs()
	for b.Loop() {
		_ = RenderText(testSchema, rows, Footer{Shown: len(rows), Total: uint64(len(rows))})
	}
}

func TestAppendDecimal(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "0.5", "-0.5", "12.25", "-0.000000001", "123456789.123456789", "1e20", "0.1", "-12345678901234567890.123456789", "1/3", "2/7"} {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatal(s)
		}
		for _, scale := range []int{bigquery.NumericScaleDigits, bigquery.BigNumericScaleDigits} {
			got := string(appendDecimal([]byte("x"), r, scale))
			want := "x" + trimDecimal(r.FloatString(scale))
			if got != want {
				t.Errorf("appendDecimal(%s, %d) = %q, want %q", s, scale, got, want)
			}
		}
	}
}
