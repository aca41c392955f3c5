// Package emutest runs the %bq magic against goccy/bigquery-emulator in
// process. It lives in its own module so the emulator's heavy dependency
// tree stays out of the kernel's go.mod.
package emutest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/goccy/bigquery-emulator/server"
	"github.com/goccy/bigquery-emulator/types"
	"golang.org/x/oauth2"

	"github.com/gokernel/gokernel/bq"
	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

// recorder is a kernel.Output that keeps everything a cell sent.
type recorder struct {
	mu       sync.Mutex
	streams  []string
	displays []kernel.Display
}

func (r *recorder) Stream(name, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streams = append(r.streams, name+": "+text)
}
func (r *recorder) Display(d kernel.Display) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.displays = append(r.displays, d)
}
func (r *recorder) ClearOutput(bool) {}
func (r *recorder) Input(context.Context, string, bool) (string, error) {
	return "", errors.New("no stdin in tests")
}

// memVars is the notebook's Go state, in memory.
type memVars struct {
	mu sync.Mutex
	m  map[string]any
}

func (v *memVars) Lookup(name string) (any, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok := v.m[name]
	return x, ok
}
func (v *memVars) Define(name string, value any) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m[name] = value
	return nil
}

// fakeCreds is a signed-in identity with a static token (the emulator
// ignores Authorization, so this exercises the authenticated code path).
type fakeCreds struct{ err error }

func (c fakeCreds) TokenSource(context.Context) (oauth2.TokenSource, error) {
	if c.err != nil {
		return nil, c.err
	}
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "secret-token-never-printed"}), nil
}
func (fakeCreds) Who() string     { return "alice@example.com (your Google account, via %auth)" }
func (fakeCreds) Project() string { return "test" }

type env struct {
	t    testing.TB
	srv  *server.Server
	url  string
	reg  *magics.Registry
	vars *memVars
}

func newEnv(t testing.TB, opts bq.Options) *env {
	t.Helper()
	srv, err := server.New(server.TempStorage)
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.SetLogLevel(server.LogLevelError)
	people := types.NewTable("people", []*types.Column{
		types.NewColumn("id", types.INT64),
		types.NewColumn("name", types.STRING),
	}, types.Data{
		{"id": int64(1), "name": "<script>alert('pwned')</script>"},
		{"id": int64(2), "name": ""},
		{"id": int64(3), "name": nil},
		{"id": int64(4), "name": `<img src=x onerror="alert(1)">&amp;`},
	})
	if err := srv.Load(server.StructSource(types.NewProject("test", types.NewDataset("ds", people)))); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetProject("test"); err != nil {
		t.Fatal(err)
	}
	ts := srv.TestServer()
	t.Cleanup(func() { ts.Close(); _ = srv.Close() })
	e := &env{t: t, srv: srv, url: ts.URL, vars: &memVars{m: map[string]any{}}}
	if opts.Getenv == nil {
		opts.Getenv = e.getenv
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	e.reg = magics.NewRegistry()
	e.reg.Register(bq.NewMagic(opts))
	return e
}

func (e *env) getenv(k string) string {
	switch k {
	case bq.EndpointEnv:
		return e.url
	case "GOOGLE_CLOUD_PROJECT":
		return "test"
	}
	return ""
}

// run executes one cell through the registry, as the kernel does.
func (e *env) run(ctx context.Context, code string) (kernel.ExecuteResult, *recorder) {
	e.t.Helper()
	out := &recorder{}
	res, err := e.reg.Run(ctx, code, magics.Env{Out: out, Vars: e.vars, AllowStdin: false})
	if err != nil {
		e.t.Fatalf("registry error: %v", err)
	}
	return res, out
}

func (e *env) mustRun(code string) (kernel.ExecuteResult, *recorder) {
	e.t.Helper()
	res, out := e.run(context.Background(), code)
	if res.Error != nil {
		e.t.Fatalf("%s\n→ %s\n%s", code, res.Error.Error(), strings.Join(res.Error.Traceback, "\n"))
	}
	return res, out
}

func plain(res kernel.ExecuteResult) string {
	s, _ := res.Value["text/plain"].(string)
	return s
}

func html(res kernel.ExecuteResult) string {
	s, _ := res.Value["text/html"].(string)
	return s
}

func TestLineFormUnauthenticated(t *testing.T) {
	e := newEnv(t, bq.Options{})
	res, _ := e.mustRun(`%bq SELECT 'a  b' AS s, 42 AS n`)
	txt := plain(res)
	for _, want := range []string{"a  b", "42", "1 row", "ran as unauthenticated (emulator endpoint)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

func TestParamsEveryType(t *testing.T) {
	e := newEnv(t, bq.Options{Credentials: fakeCreds{}})
	res, out := e.mustRun(`%%bq --out r --param i:INT64=-42 --param f:FLOAT64=1.25 --param n:NUMERIC=12345.678901234 ` +
		`--param bn:BIGNUMERIC=1.5 --param b:BOOL=true --param s=hello --param bs:BYTES=aGk= --param d:DATE=2024-02-29 ` +
		`--param dt:DATETIME=2024-01-02T03:04:05.123456 --param tm:TIME=13:14:15.5 --param ts:TIMESTAMP=2024-05-06T07:08:09Z ` +
		`--param ai:ARRAY<INT64>=[1,2,3] --param 'as:ARRAY<STRING>=["x","y"]' --param nul:INT64
SELECT @i AS i, @f AS f, @n AS n, @bn AS bn, @b AS b, @s AS s, @bs AS byt, @d AS d, @dt AS dt, @tm AS tm, @ts AS ts, @ai AS ai, @as AS arr, @nul AS nul`)
	v, ok := e.vars.Lookup("r")
	if !ok {
		t.Fatal("--out r not defined")
	}
	r := v.(bq.Result)
	if len(r.Rows()) != 1 || len(r.Rows()[0]) != 14 {
		t.Fatalf("rows = %v", r.Rows())
	}
	row := r.Rows()[0]
	check := func(col string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("column %s = %#v", col, row[r.Index(col)])
		}
	}
	text := func(j int) string { return bq.FormatValue(row[j], r.Schema[j]) }
	check("i", row[0] == int64(-42))
	check("f", row[1] == 1.25)
	check("b", row[4] == true)
	check("s", row[5] == "hello")
	ts, _ := row[10].(time.Time)
	check("ts", ts.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)))
	as, _ := row[12].([]bigquery.Value)
	check("arr", len(as) == 2 && as[0] == "x")
	check("nul", row[13] == nil)
	// The emulator reports some parameter columns as STRING (a known
	// deviation), so these compare the rendered value, not the Go type.
	check("n", text(2) == "12345.678901234")
	check("bn", text(3) == "1.5")
	check("d", text(7) == "2024-02-29")
	// The emulator only converts INT64/FLOAT64/BOOL/TIMESTAMP parameters
	// and passes the others (and array elements) on as strings, so the
	// remaining types are checked by value, not by Go type.
	check("byt", text(6) == "aGk=" || string(asBytes(row[6])) == "hi")
	check("dt", strings.Contains(text(8), "2024-01-02") && strings.Contains(text(8), "03:04:05.123456"))
	check("tm", strings.HasPrefix(text(9), "13:14:15.5"))
	ai, _ := row[11].([]bigquery.Value)
	check("ai", len(ai) == 3 && bq.FormatValue(ai[2], nil) == "3")
	if r.Index("nul") != 13 || r.JobID == "" || r.Schema[11].Repeated != true {
		t.Errorf("result metadata: %+v", r.Schema)
	}
	txt := plain(res)
	if !strings.Contains(txt, "ran as alice@example.com") {
		t.Errorf("footer lacks the identity:\n%s", txt)
	}
	for _, d := range out.displays {
		if strings.Contains(d.Data["text/plain"].(string), "secret-token") {
			t.Error("token printed")
		}
	}
	if strings.Contains(txt+html(res), "secret-token") {
		t.Error("token printed")
	}
}

func asBytes(v bigquery.Value) []byte { b, _ := v.([]byte); return b }

func TestParamsFromGoVariables(t *testing.T) {
	e := newEnv(t, bq.Options{})
	e.vars.m["minID"] = 2
	e.vars.m["names"] = []string{"", "x"}
	e.vars.m["when"] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	e.vars.m["day"] = civil.Date{Year: 2023, Month: 12, Day: 31}
	e.vars.m["ratio"] = big.NewRat(1, 4)
	e.vars.m["flag"] = true
	_, _ = e.mustRun(`%%bq --out r
SELECT id, @when AS w, @day AS d, @ratio AS q, @flag AS fl, '@minID' AS literal
FROM ds.people WHERE id >= @minID AND IFNULL(name, 'null') IN UNNEST(@names) ORDER BY id`)
	r := e.mustResult("r")
	if len(r.Rows()) != 1 || r.Rows()[0][0] != int64(2) {
		t.Fatalf("rows = %v", r.Rows())
	}
	// The emulator may return a NUMERIC parameter as FLOAT64, so compare text.
	if q := bq.FormatValue(r.Rows()[0][3], r.Schema[3]); q != "0.25" {
		t.Errorf("ratio = %v", r.Rows()[0][3])
	}
	if r.Rows()[0][5] != "@minID" {
		t.Errorf("a string literal was treated as a parameter: %v", r.Rows()[0][5])
	}
	// A --param wins over the Go variable of the same name.
	_, _ = e.mustRun(`%%bq --out r2 --param minID:INT64=4
SELECT id FROM ds.people WHERE id >= @minID`)
	if r2 := e.mustResult("r2"); len(r2.Rows()) != 1 || r2.Rows()[0][0] != int64(4) {
		t.Errorf("--param did not win: %v", r2.Rows())
	}
	// An unbound @name is an error naming it, before anything runs.
	res, _ := e.run(context.Background(), "%bq SELECT @nope")
	if res.Error == nil || res.Error.Name != "ParameterError" || !strings.Contains(res.Error.Value, "@nope") {
		t.Errorf("unbound parameter: %+v", res.Error)
	}
}

func (e *env) mustResult(name string) bq.Result {
	e.t.Helper()
	v, ok := e.vars.Lookup(name)
	if !ok {
		e.t.Fatalf("--out %s not defined", name)
	}
	return v.(bq.Result)
}

func TestDryRun(t *testing.T) {
	e := newEnv(t, bq.Options{PricePerTiB: 5})
	res, out := e.mustRun("%%bq --dry-run\nSELECT * FROM ds.people")
	txt := plain(res)
	for _, want := range []string{"Dry run OK", "would process", "Estimated on-demand cost: $", "$5.00/TiB", "Referenced tables"} {
		if !strings.Contains(txt, want) {
			t.Errorf("dry run lacks %q:\n%s", want, txt)
		}
	}
	if len(out.displays) != 0 {
		t.Errorf("dry run showed progress: %v", out.displays)
	}
	res, _ = e.mustRun("%%bq --dry-run --price-per-tib 7.5\nSELECT 1")
	if !strings.Contains(plain(res), "$7.50/TiB") {
		t.Errorf("--price-per-tib ignored: %s", plain(res))
	}
}

func TestErrorIsKernelErrorWithLocation(t *testing.T) {
	e := newEnv(t, bq.Options{})
	res, out := e.run(context.Background(), "%%bq\nSELECT 1\nFROM ds.people WHER id = 1")
	if res.Error == nil {
		t.Fatal("no error")
	}
	if res.Error.Name != "BigQueryError" {
		t.Errorf("ename = %q", res.Error.Name)
	}
	tb := strings.Join(res.Error.Traceback, "\n")
	// The position format is shared by BigQuery and the emulator; the
	// reason differs, so it is not asserted.
	for _, want := range []string{"at line 2", "FROM ds.people WHER id = 1", "^", "job: test:"} {
		if !strings.Contains(tb, want) {
			t.Errorf("traceback lacks %q:\n%s", want, tb)
		}
	}
	// The progress display ends in a failed state rather than vanishing.
	if n := len(out.displays); n == 0 || !strings.Contains(out.displays[n-1].Data["text/plain"].(string), "FAILED") {
		t.Errorf("displays: %+v", out.displays)
	}
}

func TestAuthAndEndpointErrors(t *testing.T) {
	e := newEnv(t, bq.Options{Credentials: fakeCreds{err: errors.New("your sign-in expired: run %auth login")}})
	res, _ := e.run(context.Background(), "%bq --endpoint https://bigquery.example.invalid SELECT 1")
	if res.Error == nil || res.Error.Name != "AuthError" || !strings.Contains(res.Error.Value, "%auth login") {
		t.Errorf("expired sign-in: %+v", res.Error)
	}
	res, _ = e.run(context.Background(), "%bq --endpoint http://10.1.2.3:9050 SELECT 1")
	if res.Error == nil || res.Error.Name != "InsecureEndpoint" {
		t.Errorf("plain http to a remote host: %+v", res.Error)
	}
	// On the loopback emulator too, a failing identity stops the query: no
	// request goes out without the chosen identity's token.
	res, _ = e.run(context.Background(), "%bq SELECT 1 AS one")
	if res.Error == nil || res.Error.Name != "AuthError" || !strings.Contains(res.Error.Value, "sign-in expired") {
		t.Errorf("expired sign-in on the emulator: %+v", res.Error)
	}
	// Only "no identity at all" lets the emulator be used unauthenticated.
	errNoID := errors.New("no Google identity")
	e3 := newEnv(t, bq.Options{Credentials: fakeCreds{err: fmt.Errorf("nothing signed in: %w", errNoID)}, NoIdentity: errNoID})
	res, _ = e3.mustRun("%bq SELECT 1 AS one")
	if !strings.Contains(plain(res), "unauthenticated (emulator endpoint)") {
		t.Errorf("footer: %s", plain(res))
	}
	// Without credentials, Google's endpoint is refused (never the VM's SA).
	e2 := newEnv(t, bq.Options{Getenv: func(string) string { return "" }, MetadataProject: func(context.Context) (string, error) { return "", errors.New("off GCE") }})
	res, _ = e2.run(context.Background(), "%bq --project p SELECT 1")
	if res.Error == nil || res.Error.Name != "AuthError" {
		t.Errorf("no identity: %+v", res.Error)
	}
	res, _ = e2.run(context.Background(), "%bq --endpoint "+e.url+" SELECT 1")
	if res.Error == nil || res.Error.Name != "NoProject" {
		t.Errorf("no project: %+v", res.Error)
	}
}

// stallJobsGet puts a proxy in front of the emulator that holds status
// polls (GET .../jobs/ID) until the request is cancelled and counts
// jobs.cancel calls, so the test can interrupt a "running" job.
func stallJobsGet(t *testing.T, h http.Handler, cancels *atomic.Int32) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasSuffix(p, "/cancel") {
			cancels.Add(1)
		} else if r.Method == http.MethodGet && strings.Contains(p, "/jobs/") && !strings.Contains(p, "/queries/") {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(30 * time.Second):
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestInterruptCancelsJob(t *testing.T) {
	e := newEnv(t, bq.Options{CancelTimeout: 2 * time.Second})
	var cancels atomic.Int32
	e.url = stallJobsGet(t, e.srv.Handler, &cancels)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	res, out := e.run(ctx, "%bq SELECT COUNT(*) FROM ds.people")
	took := time.Since(start)
	if res.Error == nil || res.Error.Name != "QueryCancelled" || !strings.Contains(res.Error.Value, "query cancelled") ||
		!strings.Contains(res.Error.Value, "gokernel_") {
		t.Fatalf("interrupt: %+v", res.Error)
	}
	if took > 3*time.Second {
		t.Errorf("interrupt took %v", took)
	}
	if cancels.Load() == 0 {
		t.Error("jobs.cancel was not called")
	}
	if n := len(out.displays); n == 0 || !strings.Contains(out.displays[n-1].Data["text/plain"].(string), "CANCELLED") {
		t.Errorf("progress after cancel: %+v", out.displays)
	}
}

func TestOutUsedLater(t *testing.T) {
	e := newEnv(t, bq.Options{})
	res, _ := e.mustRun("%%bq --out people --quiet\nSELECT id, name FROM ds.people ORDER BY id")
	if res.Value != nil {
		t.Errorf("--quiet still displayed: %v", res.Value)
	}
	r := e.mustResult("people")
	if len(r.Rows()) != 4 || r.TotalRows != 4 || r.Schema[1].Name != "name" {
		t.Fatalf("result: %v %v", r.Rows(), r.Schema)
	}
	// What a later cell does: range over rows, read columns by name.
	var ids int64
	nameCol := r.Index("name")
	nulls := 0
	for _, row := range r.Rows() {
		ids += row[0].(int64)
		if row[nameCol] == nil {
			nulls++
		}
	}
	if ids != 10 || nulls != 1 {
		t.Errorf("ids=%d nulls=%d", ids, nulls)
	}
	if !strings.HasPrefix(r.String(), "bq.Result{4 rows × 2 columns") {
		t.Errorf("String() = %q", r.String())
	}
}

func TestCSV(t *testing.T) {
	e := newEnv(t, bq.Options{})
	path := filepath.Join(t.TempDir(), "out.csv")
	res, _ := e.mustRun("%%bq --max-rows 3 --csv " + path + "\nSELECT x, CONCAT('r', CAST(x AS STRING)) AS s FROM UNNEST(GENERATE_ARRAY(1, 5000)) AS x ORDER BY x")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5001 || recs[0][0] != "x" || recs[0][1] != "s" || recs[5000][0] != "5000" || recs[1][1] != "r1" {
		t.Fatalf("csv: %d records, first %v last %v", len(recs), recs[0], recs[len(recs)-1])
	}
	if txt := plain(res); !strings.Contains(txt, "3 of 5,000 rows") {
		t.Errorf("table: %s", txt)
	}
	// No temporary files are left next to the CSV.
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("dir holds %d entries", len(ents))
	}
}

func TestMaxRows(t *testing.T) {
	e := newEnv(t, bq.Options{})
	res, _ := e.mustRun("%%bq --max-rows 5\nSELECT x FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS x ORDER BY x")
	txt := plain(res)
	if !strings.Contains(txt, "5 of 1,000 rows") || strings.Contains(txt, "\n    6\n") {
		t.Errorf("max-rows:\n%s", txt)
	}
	if n := strings.Count(html(res), "<tr>"); n != 6 { // header + 5 rows
		t.Errorf("HTML has %d <tr>", n)
	}
}

func TestXSSInert(t *testing.T) {
	e := newEnv(t, bq.Options{})
	res, _ := e.mustRun("%%bq\nSELECT id, name FROM ds.people ORDER BY id")
	h := html(res)
	for _, bad := range []string{"<script>", "<img", "onerror=\""} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML contains live %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;",
		"&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;amp;",
		`<td class="null"><i>NULL</i></td>`,
		"<td></td>",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestProgressDisplayUpdatedByID(t *testing.T) {
	e := newEnv(t, bq.Options{})
	_, out := e.mustRun("%%bq\nSELECT x FROM UNNEST(GENERATE_ARRAY(1, 300)) AS x")
	ds := out.displays
	if len(ds) < 2 {
		t.Fatalf("want an initial display and updates, got %d", len(ds))
	}
	id := ds[0].ID
	if id == "" || ds[0].Update {
		t.Fatalf("first display: %+v", ds[0])
	}
	for i, d := range ds[1:] {
		if d.ID != id || !d.Update {
			t.Errorf("display %d: id %q update %v, want updates of %q", i+1, d.ID, d.Update, id)
		}
	}
	last := ds[len(ds)-1].Data["text/plain"].(string)
	for _, want := range []string{"DONE", "job test:gokernel_", "downloaded 100 of 300 rows"} {
		if !strings.Contains(last, want) {
			t.Errorf("final progress lacks %q: %s", want, last)
		}
	}
	if h := ds[len(ds)-1].Data["text/html"].(string); !strings.Contains(h, "<b>DONE</b>") {
		t.Errorf("progress HTML: %s", h)
	}
	// A second query gets its own display.
	_, out2 := e.mustRun("%bq SELECT 1")
	if out2.displays[0].ID == id {
		t.Error("display id reused across queries")
	}
}

func TestDestTable(t *testing.T) {
	e := newEnv(t, bq.Options{})
	_, _ = e.mustRun("%%bq --dest ds.copy --write truncate --quiet\nSELECT id FROM ds.people WHERE id > 2")
	_, _ = e.mustRun("%%bq --out c\nSELECT COUNT(*) AS n FROM ds.copy")
	if r := e.mustResult("c"); r.Rows()[0][0] != int64(2) {
		t.Errorf("dest table rows: %v", r.Rows())
	}
}

func TestHelp(t *testing.T) {
	e := newEnv(t, bq.Options{})
	_, out := e.mustRun("%%bq --help\n")
	if len(out.streams) == 0 || !strings.Contains(out.streams[0], "--max-bytes-billed") {
		t.Errorf("help: %v", out.streams)
	}
	res, _ := e.run(context.Background(), "%%bq --bogus\nSELECT 1")
	if res.Error == nil || res.Error.Name != "MagicUsageError" {
		t.Errorf("bad option: %+v", res.Error)
	}
}

// benchLarge runs a query of n rows with the given options and reports
// rows/s and the peak Go heap above the starting point (sampled every
// 5 ms). The emulator runs in the same process, so its own buffers of the
// result are included: the figure is an upper bound for the magic.
func benchLarge(b *testing.B, opts string, n int) {
	e := newEnv(b, bq.Options{})
	sql := fmt.Sprintf("SELECT x, CONCAT('row-', CAST(x AS STRING)) AS s, x * 0.5 AS f FROM UNNEST(GENERATE_ARRAY(1, %d)) AS x", n)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	for b.Loop() {
		e.vars.m = map[string]any{}
		_, _ = e.mustRun("%%bq --quiet " + opts + "\n" + sql)
	}
	close(stop)
	<-done
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if p := peak.Load(); p > base {
		b.ReportMetric(float64(p-base)/(1<<20), "peak-heap-MiB")
	}
}

func BenchmarkCSV100k(b *testing.B) {
	benchLarge(b, "--csv "+filepath.Join(b.TempDir(), "big.csv"), 100_000)
}

func BenchmarkOut100k(b *testing.B) {
	benchLarge(b, "--out big", 100_000)
}
