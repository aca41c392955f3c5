package magics

import (
	"context"
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
		{"  \n%auth login --drive", Invocation{Name: "auth", Args: []string{"login", "--drive"}, Line: "login --drive"}, false},
		{"%%bq --max-rows 5\nSELECT 1\n", Invocation{Name: "bq", Cell: true, Args: []string{"--max-rows", "5"}, Line: "--max-rows 5", Body: "SELECT 1\n"}, false},
		{"%", Invocation{}, true},
		{"%%", Invocation{}, true},
		{"x := 1", Invocation{}, true},
		{`%auth "unterminated`, Invocation{}, true},
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

func TestRegistryRun(t *testing.T) {
	r := NewRegistry()
	r.Register(echoMagic{})
	tests := []struct {
		code, wantOut, wantErr string
	}{
		{"%echo a 'b c'", "a b c", ""},
		{"%echo --help", "usage: %echo WORDS\n", ""},
		{"%help echo", "usage: %echo WORDS\n", ""},
		{"%help", "%echo", ""},
		{"%echo", "", "MagicUsageError"},
		{"%nope", "", "UnknownMagic"},
		{"%echo 'x", "", "MagicUsageError"},
	}
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
			t.Errorf("%q: out %q err %+v", tt.code, out.text.String(), res.Error)
		}
	}
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
