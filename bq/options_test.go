package bq

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

// The SQL after the options is never split into shell words: quotes,
// backslashes and words that look like options stay as written.
func TestParseInvocationKeepsSQLVerbatim(t *testing.T) {
	tests := []struct {
		name, line, body string
		cell             bool
		wantSQL          string
		wantMaxRows      int
	}{
		{name: "dash-h-in-sql", line: `SELECT * FROM t WHERE opt = '-h'`, wantSQL: `SELECT * FROM t WHERE opt = '-h'`, wantMaxRows: DefaultMaxRows},
		{name: "help-in-sql", line: `SELECT '--help' AS x`, wantSQL: `SELECT '--help' AS x`, wantMaxRows: DefaultMaxRows},
		{name: "escaped-quote", line: `SELECT 'don\'t'`, wantSQL: `SELECT 'don\'t'`, wantMaxRows: DefaultMaxRows},
		{name: "lone-quote", line: `SELECT "it's"`, wantSQL: `SELECT "it's"`, wantMaxRows: DefaultMaxRows},
		{name: "options-then-quotes", line: `--max-rows 3 SELECT 'don\'t', '-h'`, wantSQL: `SELECT 'don\'t', '-h'`, wantMaxRows: 3},
		{name: "double-dash-ends-options", line: `--max-rows=2 -- SELECT 1`, wantSQL: `SELECT 1`, wantMaxRows: 2},
		{name: "cell-body", line: "--max-rows 4", body: "SELECT 'don\\'t', '-h'\n", cell: true, wantSQL: `SELECT 'don\'t', '-h'`, wantMaxRows: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseInvocation(tc.line, tc.body, tc.cell)
			if err != nil {
				t.Fatal(err)
			}
			if o.SQL != tc.wantSQL || o.MaxRows != tc.wantMaxRows {
				t.Fatalf("SQL %q max-rows %d, want %q %d", o.SQL, o.MaxRows, tc.wantSQL, tc.wantMaxRows)
			}
		})
	}
	for _, line := range []string{"--help", "-h", "--max-rows 3 --help SELECT 1"} {
		if _, err := ParseInvocation(line, "", false); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: %v, want flag.ErrHelp", line, err)
		}
	}
}

func TestCheckGoName(t *testing.T) {
	tests := []struct {
		name, wantErr string
	}{
		{"res", ""},
		{"Top10", ""},
		{"_x", ""},
		{"résultat", ""},
		{"func", "keyword"},
		{"range", "keyword"},
		{"type", "keyword"},
		{"len", "predeclared"},
		{"string", "predeclared"},
		{"nil", "predeclared"},
		{"min", "predeclared"},
		{"clear", "predeclared"},
		{"_", "throw the result away"},
		{"1x", "not a Go identifier"},
		{"a-b", "not a Go identifier"},
		{"a.b", "not a Go identifier"},
	}
	for _, tc := range tests {
		err := checkGoName(tc.name)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("checkGoName(%q) = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

type recOut struct{ text strings.Builder }

func (o *recOut) Stream(_, text string)  { o.text.WriteString(text) }
func (o *recOut) Display(kernel.Display) {}
func (o *recOut) ClearOutput(bool)       {}
func (o *recOut) Input(context.Context, string, bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}

// Through the registry, as the kernel runs it: a bad --out name and a
// help request reach no API at all, and SQL with '-h' in it is sent as a
// query instead of printing the usage.
func TestMagicThroughRegistry(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":400,"message":"test server refuses everything","errors":[{"reason":"invalid","message":"refused"}]}}`))
	}))
	defer srv.Close()
	reg := magics.NewRegistry()
	reg.Register(NewMagic(Options{Endpoint: srv.URL, Getenv: func(string) string { return "" }}))
	run := func(code string) (kernel.ExecuteResult, string) {
		t.Helper()
		out := &recOut{}
		res, err := reg.Run(context.Background(), code, magics.Env{Out: out})
		if err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		return res, out.text.String()
	}
	for _, code := range []string{"%bq --out func SELECT 1", "%%bq --out func\nSELECT 1", "%bq --out len SELECT 1", "%bq --help"} {
		res, out := run(code)
		if code == "%bq --help" {
			if res.Error != nil || !strings.Contains(out, "usage: %bq") {
				t.Errorf("%q: error %+v, output %q", code, res.Error, out)
			}
		} else if res.Error == nil || res.Error.Name != "MagicUsageError" {
			t.Errorf("%q: error %+v, want MagicUsageError", code, res.Error)
		}
		if n := requests.Load(); n != 0 {
			t.Fatalf("%q: %d requests reached the API, want none", code, n)
		}
	}
	for _, code := range []string{`%bq --project p SELECT * FROM t WHERE opt = '-h'`, `%bq --project p SELECT 'don\'t'`} {
		before := requests.Load()
		res, out := run(code)
		if strings.Contains(out, "usage:") || res.Error == nil || res.Error.Name == "MagicUsageError" {
			t.Errorf("%q: output %q error %+v, want the query sent (and refused by the test server)", code, out, res.Error)
		}
		if requests.Load() == before {
			t.Errorf("%q: no request reached the API", code)
		}
	}
}

func TestParseChart(t *testing.T) {
	tests := []struct {
		in      string
		want    ChartSpec
		wantErr string
	}{
		{in: "bar:x=region,y=total", want: ChartSpec{Mark: "bar", X: "region", Y: "total"}},
		{in: "scatter:x=a, y=b, color=g", want: ChartSpec{Mark: "point", X: "a", Y: "b", Color: "g"}},
		{in: "hist:amount", want: ChartSpec{Mark: "hist", X: "amount"}},
		{in: "histogram:x=amount,color=region", want: ChartSpec{Mark: "hist", X: "amount", Color: "region"}},
		{in: "pie:x=a,y=b", wantErr: "the mark is bar"},
		{in: "bar:x=a", wantErr: "no y=COLUMN"},
		{in: "line:y=a", wantErr: "no x=COLUMN"},
		{in: "bar:x=a,y=b,size=c", wantErr: `unknown key "size"`},
		{in: "bar:x=a,y", wantErr: `"y" is not key=column`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseChart(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseChart(%q) error %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || *got != tc.want {
				t.Fatalf("parseChart(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
	if _, err := ParseInvocation("--dry-run --chart bar:x=a,y=b", "SELECT 1", true); err == nil || !strings.Contains(err.Error(), "--chart") {
		t.Errorf("--dry-run with --chart: %v", err)
	}
}
