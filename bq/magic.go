// Package bq implements the %bq / %%bq magic: BigQuery queries run as the
// identity %auth signed in, with live progress, typed query parameters
// (also bound from Go variables), HTML and text result tables, results
// handed to later Go cells (--out) or streamed to CSV (--csv), and errors
// that stop Run-All with an actionable hint.
//
// The magic depends on no authentication package: main passes anything
// that satisfies Credentials (such as *auth.Manager).
package bq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/gokernel/gokernel/display"
	"github.com/gokernel/gokernel/internal/htmltable"
	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

// EndpointEnv names the environment variable that points the magic at
// another BigQuery API (e.g. an emulator) when --endpoint is not given.
const EndpointEnv = "GOKERNEL_BIGQUERY_ENDPOINT"

// Credentials is the signed-in identity the magic runs queries as. It is
// declared here, not imported, so that package bq does not depend on the
// auth package; *auth.Manager satisfies it.
type Credentials interface {
	// TokenSource returns the active identity's tokens; it fails when nobody
	// is signed in or the sign-in expired.
	TokenSource(ctx context.Context) (oauth2.TokenSource, error)
	// Who names the identity for people, e.g. "alice@example.com (your
	// Google account, via %auth)"; every result footer shows it.
	Who() string
	// Project is the identity's default project, or "".
	Project() string
}

// Options configure the magic once, when main registers it.
type Options struct {
	// Credentials is the identity queries run as. It may be nil: then only
	// a plain-http loopback endpoint (an emulator) can be used.
	Credentials Credentials
	// SignInExpired is matched with errors.Is against token errors so they
	// get the "%auth login" hint; main passes auth.ErrSignInExpired.
	SignInExpired error
	// NoIdentity is matched with errors.Is against token errors: only this
	// one (there is no identity at all) lets a loopback emulator be used
	// unauthenticated. Any other token error stops the query, so no
	// request goes out without the chosen identity's token. main passes
	// auth.ErrNoIdentity; nil means every token error stops the query.
	NoIdentity error
	// Endpoint is the BigQuery API URL used when neither --endpoint nor
	// $GOKERNEL_BIGQUERY_ENDPOINT is set; "" means Google's.
	Endpoint string
	// PricePerTiB is the on-demand USD price per TiB for --dry-run cost
	// estimates; 0 means DefaultPricePerTiB.
	PricePerTiB float64
	// Getenv reads the environment; nil means os.Getenv. Tests override it.
	Getenv func(string) string
	// MetadataProject finds the VM's project when no other source names
	// one; nil asks the GCE metadata server (skipped off GCE).
	MetadataProject func(ctx context.Context) (string, error)
	// PollInterval is the first delay between job status polls (it grows
	// to 2s); 0 means 250ms.
	PollInterval time.Duration
	// CancelTimeout bounds the jobs.cancel call made on interrupt, so the
	// cell ends promptly even when the API is slow; 0 means 5s.
	CancelTimeout time.Duration
	// Logger receives debug logs (never tokens); nil means slog.Default().
	Logger *slog.Logger
	// UserAgent is sent with API requests; "" means "gokernel-bq".
	UserAgent string
}

// NewMagic returns the "bq" magic, which serves both %bq (one line) and
// %%bq (the cell body is the SQL).
func NewMagic(opts Options) magics.Magic {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.MetadataProject == nil {
		opts.MetadataProject = metadataProject
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if opts.CancelTimeout <= 0 {
		opts.CancelTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "gokernel-bq"
	}
	if opts.PricePerTiB <= 0 {
		opts.PricePerTiB = DefaultPricePerTiB
	}
	return &magic{opts: opts}
}

type magic struct{ opts Options }

func (m *magic) Name() string { return "bq" }
func (m *magic) Summary() string {
	return "run BigQuery SQL as your %auth identity: %bq SQL, or %%bq [options] with SQL in the cell"
}
func (m *magic) Usage() string { return usageText() }

// ReadsLine makes the magic a magics.LineReader: the SQL after the options
// is never split into shell words.
func (m *magic) ReadsLine() {}

// metadataProject asks the GCE metadata server, briefly, for the project.
func metadataProject(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if !metadata.OnGCEWithContext(ctx) {
		return "", errors.New("not on Google Compute Engine")
	}
	p, err := metadata.ProjectIDWithContext(ctx)
	if err != nil {
		return "", fmt.Errorf("metadata project: %w", err)
	}
	return p, nil
}

// randomID returns n random bytes as hex, for job and display ids.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isLoopbackHTTP reports whether u is a plain-http URL on this machine: the
// only place the magic will talk to without credentials.
func isLoopbackHTTP(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// conn is one cell's connection to BigQuery.
type conn struct {
	client   *bigquery.Client
	project  string
	who      string
	endpoint string
	// console is true when job links to the Cloud console make sense.
	console bool
}

func (m *magic) connect(ctx context.Context, o QueryOptions) (*conn, error) {
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = m.opts.Getenv(EndpointEnv)
	}
	if endpoint == "" {
		endpoint = m.opts.Endpoint
	}
	c := &conn{endpoint: endpoint, console: endpoint == "" || strings.Contains(endpoint, ".googleapis.com")}
	loopback := false
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, &magics.UsageError{Magic: "bq", Msg: fmt.Sprintf("endpoint %q is not an http(s) URL", endpoint), Usage: "--endpoint http://127.0.0.1:9050"}
		}
		loopback = isLoopbackHTTP(u)
		if u.Scheme == "http" && !loopback {
			return nil, bqError("InsecureEndpoint", fmt.Sprintf("refusing to send your Google credentials over plain http to %s: use https, or a loopback (127.0.0.1) emulator", u.Host), nil)
		}
	}
	copts := []option.ClientOption{option.WithUserAgent(m.opts.UserAgent)}
	if endpoint != "" {
		copts = append(copts, option.WithEndpoint(endpoint))
	}
	var tokenErr error
	if m.opts.Credentials != nil {
		ts, err := m.opts.Credentials.TokenSource(ctx)
		if err == nil && ts != nil {
			copts = append(copts, option.WithTokenSource(ts))
			c.who = m.opts.Credentials.Who()
		} else {
			tokenErr = err
		}
	}
	if c.who == "" {
		noIdentity := tokenErr == nil || (m.opts.NoIdentity != nil && errors.Is(tokenErr, m.opts.NoIdentity))
		if !loopback || !noIdentity {
			return nil, m.signInError(tokenErr)
		}
		copts = append(copts, option.WithoutAuthentication())
		c.who = "unauthenticated (emulator endpoint)"
		if tokenErr != nil {
			m.opts.Logger.Debug("bq: no usable identity, using the loopback endpoint unauthenticated", "err", tokenErr)
		}
	}
	project, err := m.project(ctx, o, loopback)
	if err != nil {
		return nil, err
	}
	c.project = project
	client, err := bigquery.NewClient(ctx, project, copts...)
	if err != nil {
		return nil, fmt.Errorf("bigquery client: %w", err)
	}
	if o.Location != "" {
		client.Location = o.Location
	}
	c.client = client
	return c, nil
}

func (m *magic) signInError(err error) error {
	msg := "no Google identity: run %auth login first (queries never fall back to the VM's service account)"
	if err != nil {
		switch {
		case m.opts.SignInExpired != nil && errors.Is(err, m.opts.SignInExpired):
			msg = err.Error() // names the account: "your sign-in for EMAIL expired: run %auth login"
		case m.isExpired(err):
			msg = "your sign-in expired: run %auth login"
		case strings.Contains(err.Error(), "%auth"):
			msg = "cannot get your Google credentials: " + err.Error() // already says what to run
		default:
			msg = "cannot get your Google credentials: " + err.Error() + "\nhint: run %auth login"
		}
	}
	return bqError("AuthError", msg, nil)
}

func (m *magic) isExpired(err error) bool {
	if err == nil {
		return false
	}
	if m.opts.SignInExpired != nil && errors.Is(err, m.opts.SignInExpired) {
		return true
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_rapt") {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "sign-in expired") || strings.Contains(s, "invalid_grant") || strings.Contains(s, "invalid_rapt")
}

// project picks the job's project: --project, %auth's project,
// $GOOGLE_CLOUD_PROJECT, then the VM's. For a loopback endpoint (an
// emulator) the metadata server is asked only when $GCE_METADATA_HOST
// names one: probing for a real one there would only cost time.
func (m *magic) project(ctx context.Context, o QueryOptions, loopback bool) (string, error) {
	if o.Project != "" {
		return o.Project, nil
	}
	if m.opts.Credentials != nil {
		if p := m.opts.Credentials.Project(); p != "" {
			return p, nil
		}
	}
	if p := m.opts.Getenv("GOOGLE_CLOUD_PROJECT"); p != "" {
		return p, nil
	}
	if !loopback || m.opts.Getenv("GCE_METADATA_HOST") != "" {
		p, err := m.opts.MetadataProject(ctx)
		if err == nil && p != "" {
			return p, nil
		}
		if err != nil {
			m.opts.Logger.Debug("bq: no metadata project", "err", err)
		}
	}
	return "", bqError("NoProject", "no project to run the query in: pass --project, set a project with %auth, or set $GOOGLE_CLOUD_PROJECT", nil)
}

// bqError builds a kernel error with the given name, message and extra
// traceback lines.
func bqError(name, msg string, extra []string) *kernel.EvalError {
	tb := append([]string{name + ": " + msg}, extra...)
	return &kernel.EvalError{Name: name, Value: msg, Traceback: tb}
}

// Run executes one %bq or %%bq call.
func (m *magic) Run(ctx context.Context, inv magics.Invocation, env magics.Env) (kernel.ExecuteResult, error) {
	o, err := ParseInvocation(inv.Line, inv.Body, inv.Cell)
	if errors.Is(err, flag.ErrHelp) {
		env.Out.Stream("stdout", usageText()+"\n")
		return kernel.ExecuteResult{}, nil
	}
	if err != nil {
		return kernel.ExecuteResult{}, &magics.UsageError{Magic: "bq", Msg: err.Error(), Usage: "%bq --help shows every option"}
	}
	if o.PricePerTiB == 0 {
		o.PricePerTiB = m.opts.PricePerTiB
	}
	params, err := bindParams(o, env.Vars)
	if err != nil {
		return kernel.ExecuteResult{}, bqError("ParameterError", err.Error(), nil)
	}
	if o.Out != "" && env.Vars == nil {
		return kernel.ExecuteResult{}, bqError("BigQueryError", "--out needs a Go session to define variables in", nil)
	}
	c, err := m.connect(ctx, o)
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	defer c.client.Close()
	r := &run{m: m, o: o, c: c, env: env, params: params}
	return r.exec(ctx)
}

// bindParams returns the query's parameters: every --param, plus a Go
// variable for each @name the SQL uses that no --param names.
func bindParams(o QueryOptions, vars magics.Vars) ([]bigquery.QueryParameter, error) {
	var out []bigquery.QueryParameter
	given := map[string]bool{}
	for _, p := range o.Params {
		out = append(out, p.QueryParameter())
		given[strings.ToLower(p.Name)] = true
	}
	if o.LegacySQL {
		return out, nil
	}
	var missing []string
	for _, name := range ParamRefs(o.SQL) {
		if given[strings.ToLower(name)] {
			continue
		}
		var (
			v  any
			ok bool
		)
		if vars != nil {
			v, ok = vars.Lookup(name)
		}
		if !ok {
			missing = append(missing, "@"+name)
			continue
		}
		p, err := GoParam(name, v)
		if err != nil {
			return nil, err
		}
		out = append(out, p.QueryParameter())
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: no --param and no Go variable of that name; define one in a Go cell (e.g. %s := 10) or pass --param %s:TYPE=value",
			strings.Join(missing, ", "), strings.TrimPrefix(missing[0], "@"), strings.TrimPrefix(missing[0], "@"))
	}
	return out, nil
}

// csvPageRows is the page size for --csv downloads: large enough for few
// round trips, small enough that memory stays bounded.
const csvPageRows = 20000

// run is the state of one query execution.
type run struct {
	m      *magic
	o      QueryOptions
	c      *conn
	env    magics.Env
	params []bigquery.QueryParameter
	jobID  string
	loc    string
	start  time.Time
	prog   *progress
}

func (r *run) log() *slog.Logger { return r.m.opts.Logger }

func (r *run) query() *bigquery.Query {
	q := r.c.client.Query(r.o.SQL)
	q.Parameters = r.params
	q.UseLegacySQL = r.o.LegacySQL
	q.DisableQueryCache = r.o.NoCache
	q.MaxBytesBilled = r.o.MaxBytesBilled
	q.DryRun = r.o.DryRun
	q.Location = r.o.Location
	if len(r.o.Labels) > 0 {
		q.Labels = r.o.Labels
	}
	if r.o.Dest != "" {
		p, d, t, _ := splitTable(r.o.Dest, r.c.project)
		q.Dst = r.c.client.DatasetInProject(p, d).Table(t)
		q.CreateDisposition = bigquery.CreateIfNeeded
		switch r.o.Write {
		case "append":
			q.WriteDisposition = bigquery.WriteAppend
		case "truncate":
			q.WriteDisposition = bigquery.WriteTruncate
		default:
			q.WriteDisposition = bigquery.WriteEmpty
		}
		if r.o.LegacySQL {
			q.AllowLargeResults = true
		}
	}
	if !r.o.DryRun {
		// Our own job id: an interrupt can cancel the job even if it
		// arrives before jobs.insert has answered.
		q.JobID = "gokernel_" + randomID(12)
	}
	return q
}

func (r *run) exec(ctx context.Context) (kernel.ExecuteResult, error) {
	r.start = time.Now()
	q := r.query()
	r.jobID = q.JobID
	r.loc = r.o.Location
	if r.o.DryRun {
		return r.dryRun(ctx, q)
	}
	r.prog = newProgress(r.env.Out, r.o.Quiet, r.start)
	r.prog.jobID, r.prog.jobURL = r.jobLabel(), r.jobURL()
	r.prog.send(true)
	r.log().Debug("bq: submitting job", "project", r.c.project, "job", r.jobID, "params", len(r.params))
	job, err := q.Run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return r.cancelled(nil)
		}
		r.prog.fail("FAILED")
		return kernel.ExecuteResult{}, r.queryError(err)
	}
	if l := job.Location(); l != "" {
		r.loc = l
		r.prog.jobID, r.prog.jobURL = r.jobLabel(), r.jobURL()
	}
	status, err := r.wait(ctx, job)
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	return r.download(ctx, job, status)
}

// wait polls the job, updating the progress display, until it is done,
// failed, or the cell is interrupted (then it cancels the job).
func (r *run) wait(ctx context.Context, job *bigquery.Job) (*bigquery.JobStatus, error) {
	delay := r.m.opts.PollInterval
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			_, err := r.cancelled(job)
			return nil, err
		case <-timer.C:
		}
		st, err := job.Status(ctx)
		if ctx.Err() != nil {
			_, err := r.cancelled(job)
			return nil, err
		}
		if err != nil {
			r.prog.fail("FAILED")
			return nil, r.queryError(err)
		}
		r.prog.status(st)
		if st.Done() {
			if err := st.Err(); err != nil {
				r.prog.fail("FAILED")
				return nil, r.queryError(err)
			}
			return st, nil
		}
		r.prog.send(false)
		timer.Reset(delay)
		delay = min(delay*3/2, 2*time.Second)
	}
}

// cancelled cancels the job (looking it up by id when the insert call
// itself was interrupted) within CancelTimeout and reports the interrupt.
func (r *run) cancelled(job *bigquery.Job) (kernel.ExecuteResult, error) {
	cctx, cancel := context.WithTimeout(context.Background(), r.m.opts.CancelTimeout)
	defer cancel()
	var err error
	if job == nil && r.jobID != "" {
		job, err = r.c.client.JobFromIDLocation(cctx, r.jobID, r.loc)
	}
	if job != nil {
		err = job.Cancel(cctx)
	}
	msg := "query cancelled (job " + r.jobLabel() + ")"
	var extra []string
	var gerr *googleapi.Error
	switch {
	case err != nil && errors.As(err, &gerr) && gerr.Code == http.StatusNotFound:
		// The interrupt came before BigQuery created the job (jobs.insert
		// was still in flight): there is nothing left to cancel.
		r.log().Debug("bq: job not found when cancelling", "job", r.jobID)
	case err != nil:
		r.log().Debug("bq: cancel failed", "job", r.jobID, "err", err)
		extra = append(extra, "the cancel request failed ("+err.Error()+"); the job may still run: check it in the console")
	}
	if r.prog != nil {
		r.prog.fail("CANCELLED")
	}
	return kernel.ExecuteResult{}, bqError("QueryCancelled", msg, extra)
}

// jobLabel is the job's id as the bq tool prints it: project:location.id.
func (r *run) jobLabel() string {
	if r.jobID == "" {
		return ""
	}
	s := r.c.project + ":"
	if r.loc != "" {
		s += r.loc + "."
	}
	return s + r.jobID
}

func (r *run) jobURL() string {
	if !r.c.console || r.jobID == "" {
		return ""
	}
	v := url.Values{}
	v.Set("project", r.c.project)
	v.Set("j", "bq:"+r.loc+":"+r.jobID)
	v.Set("page", "queryresults")
	return "https://console.cloud.google.com/bigquery?" + v.Encode()
}

// showChart displays the chart --chart asks for, ahead of the table. A
// chart that cannot be drawn fails the cell after --out has its value, so
// the rows are not lost.
func (r *run) showChart(res Result) error {
	c, err := res.chart(r.o.Chart)
	if err == nil {
		var b display.Bundle
		if b, err = display.ChartBundle(c); err == nil {
			r.env.Out.Display(kernel.Display{Data: kernel.MIMEBundle(b), Metadata: map[string]any{}, ID: string(display.NewID())})
			return nil
		}
	}
	msg := err.Error()
	if r.o.Out != "" {
		msg += fmt.Sprintf(" (the result is in %s)", r.o.Out)
	}
	return bqError("ChartError", msg, nil)
}

// download reads the rows: only the shown ones, unless --out or --csv
// want them all.
func (r *run) download(ctx context.Context, job *bigquery.Job, st *bigquery.JobStatus) (kernel.ExecuteResult, error) {
	res := Result{Project: r.c.project, Location: r.loc, JobID: r.jobID}
	if s := st.Statistics; s != nil {
		res.BytesProcessed = s.TotalBytesProcessed
		if qs, ok := s.Details.(*bigquery.QueryStatistics); ok {
			res.BytesBilled = qs.TotalBytesBilled
			res.CacheHit = qs.CacheHit
		}
	}
	// A chart draws from the whole result, so it keeps every row, as --out
	// does.
	keepAll := r.o.Out != "" || r.o.Chart != nil
	it, err := job.Read(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return r.cancelled(job)
		}
		r.prog.fail("FAILED")
		return kernel.ExecuteResult{}, r.queryError(err)
	}
	switch {
	case !keepAll && r.o.CSV == "" && r.o.MaxRows > 0:
		// Only the shown rows are fetched.
		it.PageInfo().MaxSize = min(r.o.MaxRows, 10000)
	case !keepAll:
		// --csv alone: memory is bounded by one page, not by the result.
		it.PageInfo().MaxSize = csvPageRows
	}
	var sink *csvSink
	defer func() {
		if sink != nil {
			sink.abort()
		}
	}()
	var shown [][]bigquery.Value
	var n uint64
	var tb *tableBuilder
	r.prog.downloading = true
	limitOnly := !keepAll && r.o.CSV == ""
	for !limitOnly || len(shown) < r.o.MaxRows {
		var row []bigquery.Value
		err := it.Next(&row)
		if err == iterator.Done {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return r.cancelled(job)
			}
			r.prog.fail("FAILED")
			return kernel.ExecuteResult{}, r.queryError(err)
		}
		if n == 0 && r.o.CSV != "" {
			sink, err = newCSVSink(r.o.CSV, it.Schema)
			if err != nil {
				r.prog.fail("FAILED")
				return kernel.ExecuteResult{}, bqError("CSVError", err.Error(), nil)
			}
		}
		n++
		if keepAll && tb == nil {
			tb = newTableBuilder(it.Schema)
		}
		if tb != nil {
			if err := tb.append(row); err != nil {
				r.prog.fail("FAILED")
				return kernel.ExecuteResult{}, bqError("BigQueryError", fmt.Sprintf("row %d: %v", n, err), nil)
			}
		}
		if len(shown) < r.o.MaxRows {
			shown = append(shown, row)
		}
		if sink != nil {
			if err := sink.write(row); err != nil {
				r.prog.fail("FAILED")
				return kernel.ExecuteResult{}, bqError("CSVError", err.Error(), nil)
			}
		}
		r.prog.downloaded(n, it.TotalRows)
		if ctx.Err() != nil {
			return r.cancelled(job)
		}
	}
	res.Schema = it.Schema
	res.TotalRows = it.TotalRows
	if r.o.CSV != "" {
		if sink == nil {
			// An empty result still gets a file with the header.
			if sink, err = newCSVSink(r.o.CSV, it.Schema); err != nil {
				r.prog.fail("FAILED")
				return kernel.ExecuteResult{}, bqError("CSVError", err.Error(), nil)
			}
		}
		if err := sink.commit(); err != nil {
			r.prog.fail("FAILED")
			return kernel.ExecuteResult{}, bqError("CSVError", err.Error(), nil)
		}
		sink = nil
	}
	res.Duration = time.Since(r.start)
	r.prog.rows, r.prog.total = n, res.TotalRows
	r.prog.finish(res.Duration, r.o.CSV, n)
	if keepAll {
		if tb == nil {
			tb = newTableBuilder(it.Schema)
		}
		res.t = tb.finish()
		if res.t.rows > chunkRows {
			// The download's garbage (a decoded page of []bigquery.Value
			// per round trip) is many times the columns it filled: give it
			// back to the OS now rather than leaving the notebook's RSS at
			// its peak.
			debug.FreeOSMemory()
		}
		if r.o.Out != "" {
			if err := r.env.Vars.Define(r.o.Out, res); err != nil {
				return kernel.ExecuteResult{}, bqError("BigQueryError", fmt.Sprintf("--out %s: %v", r.o.Out, err), nil)
			}
		}
	}
	if r.o.Chart != nil {
		if err := r.showChart(res); err != nil {
			return kernel.ExecuteResult{}, err
		}
	}
	r.log().Debug("bq: job done", "job", r.jobID, "rows", res.TotalRows, "duration", res.Duration)
	if r.o.Quiet {
		return kernel.ExecuteResult{}, nil
	}
	f := Footer{
		Shown: len(shown), Total: res.TotalRows, JobID: r.jobLabel(), JobURL: r.jobURL(),
		BytesBilled: res.BytesBilled, BytesProcessed: res.BytesProcessed, Duration: res.Duration,
		CacheHit: res.CacheHit, Who: r.c.who,
	}
	if len(res.Schema) == 0 {
		txt := "Statement done · " + footerText(f)
		return kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": txt, "text/html": `<div class="gkbq">` + htmltable.Escape(txt) + `</div>`}}, nil
	}
	return kernel.ExecuteResult{Value: kernel.MIMEBundle{
		"text/html":  RenderHTML(res.Schema, shown, f),
		"text/plain": RenderText(res.Schema, shown, f),
	}}, nil
}
