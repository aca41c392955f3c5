package bq

import (
	"errors"
	"flag"
	"fmt"
	"go/token"
	"go/types"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/gokernel/gokernel/internal/bytesize"
	"github.com/gokernel/gokernel/magics"
)

// DefaultMaxRows is how many rows the table shows when --max-rows is not given.
const DefaultMaxRows = 100

// DefaultPricePerTiB is the on-demand list price (USD per TiB scanned) used
// for --dry-run estimates unless Options or --price-per-tib say otherwise.
const DefaultPricePerTiB = 6.25

// QueryOptions are one invocation's parsed options and SQL.
type QueryOptions struct {
	SQL            string
	Project        string
	Location       string
	Params         []Param
	DryRun         bool
	MaxBytesBilled int64
	LegacySQL      bool
	NoCache        bool
	Labels         map[string]string
	Dest           string
	Write          string
	MaxRows        int
	Out            string
	CSV            string
	Quiet          bool
	Endpoint       string
	PricePerTiB    float64
	// Chart, when set, draws the result (--chart).
	Chart *ChartSpec
}

// ChartSpec is a parsed --chart: a mark and the columns it draws.
type ChartSpec struct {
	// Mark is bar, line, point (scatter is a synonym), area or hist.
	Mark string
	// X, Y and Color name result columns; Y is unused for hist, Color is
	// optional.
	X, Y, Color string
}

// parseChart reads --chart MARK:x=COL,y=COL[,color=COL] (hist:x=COL, or
// hist:COL).
func parseChart(s string) (*ChartSpec, error) {
	mark, rest, _ := strings.Cut(s, ":")
	c := &ChartSpec{Mark: strings.ToLower(strings.TrimSpace(mark))}
	switch c.Mark {
	case "scatter":
		c.Mark = "point"
	case "histogram":
		c.Mark = "hist"
	case "bar", "line", "point", "area", "hist":
	default:
		return nil, fmt.Errorf("--chart %q: the mark is bar, line, point (scatter), area or hist, as in --chart bar:x=region,y=total", s)
	}
	for _, kv := range strings.Split(rest, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok && c.Mark == "hist" && c.X == "" {
			k, v, ok = "x", kv, true
		}
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			return nil, fmt.Errorf("--chart %q: %q is not key=column (keys: x, y, color)", s, kv)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "x":
			c.X = v
		case "y":
			c.Y = v
		case "color", "colour", "group":
			c.Color = v
		default:
			return nil, fmt.Errorf("--chart %q: unknown key %q (keys: x, y, color)", s, k)
		}
	}
	switch {
	case c.X == "":
		return nil, fmt.Errorf("--chart %q: no x=COLUMN", s)
	case c.Y == "" && c.Mark != "hist":
		return nil, fmt.Errorf("--chart %q: no y=COLUMN (only hist counts rows by itself)", s)
	}
	return c, nil
}

// addParam parses one --param and appends it, refusing a name given twice.
func addParam(ps *[]Param, s string) error {
	p, err := ParseParam(s)
	if err != nil {
		return err
	}
	for _, q := range *ps {
		if strings.EqualFold(q.Name, p.Name) {
			return fmt.Errorf("--param %s given twice", p.Name)
		}
	}
	*ps = append(*ps, p)
	return nil
}

// BigQuery label rules: lower-case letters, digits, _ and -, keys start
// with a letter, both at most 63 characters.
var (
	// Compiled on first use: the Unicode classes cost ~8 ms, which every
	// kernel start would pay otherwise.
	labelKeyRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
	})
	labelValueRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`) })
)

// addLabel parses one --label key=value (or key:value) into m.
func addLabel(m map[string]string, s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		k, v, ok = strings.Cut(s, ":")
	}
	if !ok || !labelKeyRE().MatchString(k) || !labelValueRE().MatchString(v) {
		return fmt.Errorf("--label %q: want key=value with lower-case letters, digits, _ and - (key starts with a letter, both ≤ 63 chars)", s)
	}
	m[k] = v
	return nil
}

// newFlagSet declares every option on a FlagSet bound to o.
func newFlagSet(o *QueryOptions, w io.Writer) *flag.FlagSet {
	fs := magics.NewFlagSet("bq", w)
	fs.StringVar(&o.Project, "project", "", "project that runs (and pays for) the job; default: %auth's project, $GOOGLE_CLOUD_PROJECT, the VM's project")
	fs.StringVar(&o.Location, "location", "", "job location, e.g. US, EU, europe-west1")
	fs.Func("param", "query parameter `name=value` (STRING) or name:TYPE=value or name:TYPE (NULL); repeatable",
		func(v string) error { return addParam(&o.Params, v) })
	fs.BoolVar(&o.DryRun, "dry-run", false, "validate only: show bytes processed, cost estimate and referenced tables")
	fs.Func("max-bytes-billed", "fail the query rather than bill more than this `size` (10GB = 10⁹ bytes, 1TiB = 2⁴⁰; a bare G is decimal)",
		func(v string) (err error) { o.MaxBytesBilled, err = bytesize.Parse(v); return err })
	fs.BoolVar(&o.LegacySQL, "legacy-sql", false, "use legacy SQL instead of GoogleSQL")
	fs.BoolVar(&o.NoCache, "no-cache", false, "do not use cached results")
	fs.Func("label", "job label `key=value`; repeatable", func(v string) error { return addLabel(o.Labels, v) })
	fs.StringVar(&o.Dest, "dest", "", "write the result to `[project.]dataset.table`")
	fs.StringVar(&o.Write, "write", "", "with --dest: append, truncate or empty (default empty: fail if the table has rows)")
	fs.IntVar(&o.MaxRows, "max-rows", DefaultMaxRows, "rows shown in the table")
	fs.StringVar(&o.Out, "out", "", "keep the result in the Go variable `NAME`: typed columns (NAME.Float64s(\"col\"), NAME.Strings, ...), NAME.Scan(&structs), NAME.Describe(), NAME.Row(i)")
	fs.Func("chart", "draw the result as a Vega-Lite chart: `MARK:x=COL,y=COL[,color=COL]` with MARK bar, line, point, area, or hist:x=COL",
		func(v string) (err error) { o.Chart, err = parseChart(v); return err })
	fs.StringVar(&o.CSV, "csv", "", "stream every row to the CSV `file`")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress and no table (use with --out, --csv or --chart)")
	fs.StringVar(&o.Endpoint, "endpoint", "", "BigQuery API `URL` (e.g. an emulator); default $GOKERNEL_BIGQUERY_ENDPOINT or Google")
	fs.Float64Var(&o.PricePerTiB, "price-per-tib", 0, "USD per TiB for --dry-run estimates")
	return fs
}

// usageText is the full --help text.
func usageText() string {
	var sb strings.Builder
	sb.WriteString(`usage: %bq [options] SQL            (one line)
       %%bq [options]                  (the SQL is the rest of the cell)

Runs a BigQuery query as the identity %auth signed in (never silently the
VM's service account), shows live progress, and renders the result.

@name in the SQL binds --param name, else the Go variable name from the
notebook (ints, floats, string, bool, []byte, time.Time, civil.Date/
DateTime/Time, *big.Rat, and slices of them). Values are always sent as
query parameters, never pasted into the SQL.

Parameter types: INT64 FLOAT64 NUMERIC BIGNUMERIC BOOL STRING BYTES(base64)
DATE DATETIME TIME TIMESTAMP ARRAY<T> (JSON array: ids:ARRAY<INT64>=[1,2]).

Options:
`)
	var o QueryOptions
	o.Labels = map[string]string{}
	fs := newFlagSet(&o, io.Discard)
	var defs strings.Builder
	fs.SetOutput(&defs)
	fs.PrintDefaults()
	// The flag package prints -name; the magic documents --name.
	sb.WriteString(strings.ReplaceAll("\n"+defs.String(), "\n  -", "\n  --")[1:])
	sb.WriteString(`
Examples:
  %bq SELECT 1 AS x
  %%bq --param min:INT64=10 --max-rows 20 --out top
  SELECT name, n FROM ds.t WHERE n >= @min ORDER BY n DESC
  %%bq --chart bar:x=name,y=n
  SELECT name, n FROM ds.t ORDER BY n DESC LIMIT 20`)
	return sb.String()
}

// ParseInvocation reads the options and SQL of one call. For the line
// form (cell=false) options come first and the SQL is the rest of the
// line, kept verbatim so quotes inside the SQL survive; for the cell form
// line holds only options and body is the SQL.
func ParseInvocation(line, body string, cell bool) (QueryOptions, error) {
	o := QueryOptions{Labels: map[string]string{}}
	fs := newFlagSet(&o, io.Discard)
	var args []string
	if cell {
		var err error
		args, err = magics.SplitArgs(line)
		if err != nil {
			return o, err
		}
		o.SQL = body
	} else {
		opts, rest, err := magics.LeadingOptions(line, fs)
		if err != nil {
			return o, err
		}
		args = opts
		o.SQL = rest
		if strings.TrimSpace(body) != "" {
			o.SQL += "\n" + body
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, err
	}
	if fs.NArg() > 0 {
		if cell {
			return o, fmt.Errorf("unexpected %q on the %%%%bq line: the SQL goes in the cell body", strings.Join(fs.Args(), " "))
		}
		return o, fmt.Errorf("unexpected %q", strings.Join(fs.Args(), " "))
	}
	o.SQL = strings.TrimSpace(o.SQL)
	if o.SQL == "" {
		return o, errors.New("no SQL: write %bq SELECT ... or put the SQL in a %%bq cell")
	}
	if o.MaxRows < 0 {
		return o, errors.New("--max-rows must be 0 or more")
	}
	if o.Write != "" {
		if o.Dest == "" {
			return o, errors.New("--write needs --dest")
		}
		switch o.Write {
		case "append", "truncate", "empty":
		default:
			return o, fmt.Errorf("--write %q: want append, truncate or empty", o.Write)
		}
	}
	if o.Dest != "" {
		if _, _, _, err := splitTable(o.Dest, "x"); err != nil {
			return o, err
		}
	}
	if o.Out != "" {
		if err := checkGoName(o.Out); err != nil {
			return o, err
		}
	}
	if o.PricePerTiB < 0 {
		return o, errors.New("--price-per-tib must not be negative")
	}
	if o.LegacySQL && len(o.Params) > 0 {
		return o, errors.New("--param needs GoogleSQL: legacy SQL has no query parameters")
	}
	if o.DryRun && (o.Out != "" || o.CSV != "" || o.Chart != nil) {
		return o, errors.New("--dry-run returns no rows, so --out, --csv and --chart cannot be used with it")
	}
	return o, nil
}

// checkGoName reports why name cannot be the Go variable --out defines, or
// nil. It runs before the query does, so a bad name never costs a billed
// job. Predeclared names (len, string, true, nil, ...) are refused too:
// defining one in the session would shadow it in every later cell, and an
// interpreter global cannot be removed again.
func checkGoName(name string) error {
	switch {
	case token.IsKeyword(name):
		return fmt.Errorf("--out %q is a Go keyword; choose another name", name)
	case !token.IsIdentifier(name):
		return fmt.Errorf("--out %q is not a Go identifier (letters, digits and _, not starting with a digit)", name)
	case name == "_":
		return errors.New("--out _ would throw the result away; choose a name")
	case types.Universe.Lookup(name) != nil:
		return fmt.Errorf("--out %q would shadow Go's predeclared %s in every later cell; choose another name", name, name)
	}
	return nil
}

// splitTable reads "[project.]dataset.table" (":" also separates the
// project, as in the bq tool), using project when it is omitted.
func splitTable(s, project string) (p, d, t string, err error) {
	s = strings.Trim(s, "`")
	if pp, rest, ok := strings.Cut(s, ":"); ok {
		// bq-tool form project:dataset.table; the project itself may be
		// domain-scoped (example.com:proj), so split from the right.
		if i := strings.LastIndex(s, ":"); i > len(pp) {
			pp, rest = s[:i], s[i+1:]
		}
		parts := strings.Split(rest, ".")
		if pp != "" && len(parts) == 2 && parts[0] != "" && parts[1] != "" {
			return pp, parts[0], parts[1], nil
		}
		return "", "", "", fmt.Errorf("--dest %q: want project.dataset.table or dataset.table", s)
	}
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return project, parts[0], parts[1], nil
	case len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "":
		return parts[0], parts[1], parts[2], nil
	}
	return "", "", "", fmt.Errorf("--dest %q: want project.dataset.table or dataset.table", s)
}
