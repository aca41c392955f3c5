package magics

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/kernel"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"a b  c", []string{"a", "b", "c"}, ""},
		{`--name "two words" 'single q' x\ y`, []string{"--name", "two words", "single q", "x y"}, ""},
		{`"a\"b"`, []string{`a"b`}, ""},
		{`''`, []string{""}, ""},
		{`"open`, nil, "unterminated"},
		{`trail\`, nil, "trailing backslash"},
		{"tab\tsep\nnl", []string{"tab", "sep", "nl"}, ""},
	}
	for _, tt := range tests {
		got, err := SplitArgs(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SplitArgs(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		code    string
		want    Invocation
		wantErr bool
	}{
		{"%help", Invocation{Name: "help"}, false},
		{"  \n%auth login --drive", Invocation{Name: "auth", Line: "login --drive"}, false},
		{"%%bq --max-rows 5\nSELECT 1\n", Invocation{Name: "bq", Cell: true, Line: "--max-rows 5", Body: "SELECT 1\n"}, false},
		// The line is kept as written: quotes are the magic's business.
		{`%bq SELECT 'don\'t'`, Invocation{Name: "bq", Line: `SELECT 'don\'t'`}, false},
		{"%bq\tSELECT '-h'", Invocation{Name: "bq", Line: "SELECT '-h'"}, false},
		{"%", Invocation{}, true},
		{"%%", Invocation{}, true},
		{"x := 1", Invocation{}, true},
		{`%auth "unterminated`, Invocation{Name: "auth", Line: `"unterminated`}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.code)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error %v", tt.code, err)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.code, got, tt.want)
		}
	}
}

type recOut struct {
	mu   sync.Mutex
	text strings.Builder
}

func (o *recOut) Stream(_, text string)  { o.mu.Lock(); o.text.WriteString(text); o.mu.Unlock() }
func (o *recOut) Display(kernel.Display) {}
func (o *recOut) ClearOutput(bool)       {}
func (o *recOut) Input(context.Context, string, bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}

type echoMagic struct{}

func (echoMagic) Name() string    { return "echo" }
func (echoMagic) Summary() string { return "print the arguments" }
func (echoMagic) Usage() string   { return "usage: %echo WORDS" }
func (echoMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	if len(inv.Args) == 0 {
		return kernel.ExecuteResult{}, &UsageError{Magic: "echo", Msg: "nothing to echo", Usage: "usage: %echo WORDS"}
	}
	env.Out.Stream("stdout", strings.Join(inv.Args, " "))
	return kernel.ExecuteResult{}, nil
}

// runCase is a magic cell and what it writes (a substring) or the name of
// the error it fails with.
type runCase struct {
	code, wantOut, wantErr string
}

// checkRuns runs each case's cell through r.
func checkRuns(t *testing.T, r *Registry, tests []runCase) {
	t.Helper()
	for _, tt := range tests {
		out := &recOut{}
		res, err := r.Run(context.Background(), tt.code, Env{Out: out})
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		if tt.wantErr != "" {
			if res.Error == nil || res.Error.Name != tt.wantErr {
				t.Errorf("%q: error %+v, want %s", tt.code, res.Error, tt.wantErr)
			}
			continue
		}
		if res.Error != nil || !strings.Contains(out.text.String(), tt.wantOut) {
			t.Errorf("%q: out %q err %+v, want %q", tt.code, out.text.String(), res.Error, tt.wantOut)
		}
	}
}

func TestRegistryRun(t *testing.T) {
	r := NewRegistry()
	r.Register(echoMagic{})
	tests := []runCase{
		{"%echo a 'b c'", "a b c", ""},
		{"%echo --help", "usage: %echo WORDS\n", ""},
		{"%help echo", "usage: %echo WORDS\n", ""},
		{"%help", "%echo", ""},
		{"%echo", "", "MagicUsageError"},
		{"%nope", "", "UnknownMagic"},
		{"%echo 'x", "", "MagicUsageError"},
	}
	checkRuns(t, r, tests)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"%help", "%%bq --x 'a b'\nSELECT 1", `%a "b\"c" \`, "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		inv, err := Parse(code)
		if err == nil && inv.Name == "" {
			t.Fatalf("Parse(%q) accepted an empty name", code)
		}
		if args, err := SplitArgs(code); err == nil {
			for _, a := range args {
				if strings.ContainsAny(a, "\x00") && !strings.Contains(code, "\x00") {
					t.Fatalf("invented a NUL")
				}
			}
		}
	})
}

// rawMagic is a LineReader: it echoes its line as written, and asks for
// its usage with flag.ErrHelp when -h comes in option position.
type rawMagic struct{}

func (rawMagic) Name() string    { return "raw" }
func (rawMagic) Summary() string { return "echo the line as written" }
func (rawMagic) Usage() string   { return "usage: %raw [-n N] TEXT" }
func (rawMagic) ReadsLine()      {}
func (rawMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	fs := NewFlagSet("raw", io.Discard)
	n := fs.Int("n", 1, "")
	opts, rest, err := LeadingOptions(inv.Line, fs)
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	if err := fs.Parse(opts); err != nil {
		return kernel.ExecuteResult{}, err
	}
	if inv.Args != nil {
		return kernel.ExecuteResult{}, errors.New("a LineReader got split words")
	}
	env.Out.Stream("stdout", strings.Repeat(rest, *n))
	return kernel.ExecuteResult{}, nil
}

func TestRegistryRunLineReaderAndHelpPosition(t *testing.T) {
	r := NewRegistry()
	r.Register(echoMagic{})
	r.Register(rawMagic{})
	tests := []runCase{
		{`%raw SELECT * FROM t WHERE opt = '-h'`, `SELECT * FROM t WHERE opt = '-h'`, ""},
		{`%raw SELECT 'don\'t'`, `SELECT 'don\'t'`, ""},
		{`%raw -n 2 x --help`, "x --helpx --help", ""},
		{`%raw -- -h`, "-h", ""},
		{`%raw -h`, "usage: %raw", ""},
		{`%raw -n 2 --help`, "usage: %raw", ""},
		{`%raw -n`, "", "MagicError"},
		{`%echo a -- -h`, "a -- -h", ""},
		{`%echo -h`, "usage: %echo", ""},
		{`%echo a --help`, "usage: %echo", ""},
		{`%echo 'x`, "", "MagicUsageError"},
	}
	checkRuns(t, r, tests)
}

func TestLeadingOptions(t *testing.T) {
	fs := NewFlagSet("t", io.Discard)
	fs.Int("n", 0, "")
	fs.Bool("q", false, "")
	fs.String("out", "", "")
	tests := []struct {
		line     string
		wantOpts []string
		wantRest string
		wantErr  bool
	}{
		{"", nil, "", false},
		{"SELECT 1", nil, "SELECT 1", false},
		{"-n 3 -q x := 'a b'", []string{"-n", "3", "-q"}, "x := 'a b'", false},
		{"--out=v -q rest", []string{"--out=v", "-q"}, "rest", false},
		{`--out "a b" 'c`, []string{"--out", "a b"}, "'c", false},
		{"-- -n 3", []string{"--"}, "-n 3", false},
		{"-unknown rest", []string{"-unknown"}, "rest", false},
		{"-n", nil, "", true},
		{`--out "open`, nil, "", true},
	}
	for _, tt := range tests {
		opts, rest, err := LeadingOptions(tt.line, fs)
		if (err != nil) != tt.wantErr {
			t.Errorf("LeadingOptions(%q) error %v", tt.line, err)
			continue
		}
		if !tt.wantErr && (!reflect.DeepEqual(opts, tt.wantOpts) || rest != tt.wantRest) {
			t.Errorf("LeadingOptions(%q) = %q, %q; want %q, %q", tt.line, opts, rest, tt.wantOpts, tt.wantRest)
		}
	}
}
