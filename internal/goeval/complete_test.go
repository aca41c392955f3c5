package goeval

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gokernel/gokernel/kernel"
)

func TestComplete(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "import (\"strings\"; str \"strings\")\ntype Rec struct{ Name string; Age int }\nfunc (r Rec) Hello() string { return r.Name }\nrec := Rec{\"a\", 1}\ncounter := 3\nfunc helperFunc() {}\nimport \"time\"\nd := time.Second")
	tests := []struct {
		name      string
		code      string
		cursor    int // code points; -1 = end
		want      []string
		wantStart int // code points; -1 = don't check
	}{
		{"package member", "strings.Spl", -1, []string{"Split", "SplitN", "SplitAfter"}, 8},
		{"aliased package", "str.ToUp", -1, []string{"ToUpper"}, 4},
		{"unimported stdlib package", "bytes.Equal", -1, []string{"Equal", "EqualFold"}, 6},
		{"global variable", "coun", -1, []string{"counter"}, 0},
		{"user function", "helper", -1, []string{"helperFunc"}, 0},
		{"keyword", "fun", -1, []string{"func"}, 0},
		{"builtin", "app", -1, []string{"append"}, 0},
		{"cell identifier", "myLocalVar := 1\nmyLo", -1, []string{"myLocalVar"}, 16},
		{"struct fields", "rec.Na", -1, []string{"Name"}, 4},
		{"compiled methods", "d.Seco", -1, []string{"Seconds"}, 2},
		{"import path", "import \"encoding/js", -1, []string{"encoding/json"}, 8},
		{"import block path", "import (\n\t\"net/ht", -1, []string{"net/http", "net/http/httptest"}, 11},
		{"non-ASCII before cursor", "s := \"héllo→\"; strings.ToL", -1, []string{"ToLower"}, 23},
		{"cursor in the middle", "strings.Spl + 1", 11, []string{"Split"}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := tt.cursor
			if cur < 0 {
				cur = utf8.RuneCountInString(tt.code)
			}
			// Its speed is make bench's "complete_request" row, not a
			// timed assertion that fails on a loaded machine.
			res, err := te.Complete(context.Background(), tt.code, cur)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !slices.Contains(res.Matches, w) {
					t.Errorf("matches %v lack %q", res.Matches, w)
				}
			}
			if tt.wantStart >= 0 && res.CursorStart != tt.wantStart {
				t.Errorf("CursorStart = %d, want %d", res.CursorStart, tt.wantStart)
			}
			if res.CursorEnd != cur {
				t.Errorf("CursorEnd = %d, want %d", res.CursorEnd, cur)
			}
			if types, _ := res.Metadata["_jupyter_types_experimental"].([]map[string]any); len(types) != len(res.Matches) {
				t.Errorf("%d type entries for %d matches", len(types), len(res.Matches))
			}
			for _, m := range res.Matches {
				if strings.HasPrefix(m, "gokernel") {
					t.Errorf("internal name %q offered", m)
				}
			}
		})
	}
}

func TestInspect(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "import \"strings\"\nnums := []int{1, 2}\nfunc add(a, b int) int { return a + b }")
	tests := []struct {
		name   string
		code   string
		cursor int
		found  bool
		has    []string
	}{
		{"user variable", "nums", 2, true, []string{"[]int", "[1 2]"}},
		{"user function", "add(1, 2)", 1, true, []string{"func add(a, b int) int"}},
		{"stdlib function", "strings.Split(s, \",\")", 10, true, []string{"func strings.Split(s, sep string) []string", "Split slices s"}},
		{"stdlib type", "strings.Builder", 9, true, []string{"Builder"}},
		{"cursor after name", "é strings.Split(", 15, true, []string{"strings.Split"}},
		{"unknown", "zzz", 1, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := te.Inspect(context.Background(), tt.code, tt.cursor, 0)
			if err != nil {
				t.Fatal(err)
			}
			if res.Found != tt.found {
				t.Fatalf("Found = %v (%v)", res.Found, res.Data)
			}
			text, _ := res.Data["text/plain"].(string)
			for _, h := range tt.has {
				if !strings.Contains(text, h) {
					t.Errorf("inspect text %q lacks %q", text, h)
				}
			}
		})
	}
	// Without Go sources the signature comes from reflect.
	if got := reflectSignature("strings", "Split", te.packageSymbols("strings")["Split"]); got != "func strings.Split(string, string) []string" {
		t.Errorf("reflect signature %q", got)
	}
}

func TestIsComplete(t *testing.T) {
	te := newTestEngine(t)
	tests := []struct {
		code   string
		status string
		indent string
	}{
		{"x := 1", "complete", ""},
		{"", "complete", ""},
		{"func f() {", "incomplete", "    "},
		{"func f() {\n\tif true {", "incomplete", "        "},
		{"x := []int{1,\n", "incomplete", "    "},
		{"x := 1 +", "incomplete", "    "},
		{"s := `raw", "incomplete", ""},
		{"/* comment", "incomplete", ""},
		{"s := \"open", "invalid", ""},
		{"x := 1 }", "invalid", ""},
		{"fmt.Println(\"hi\")\n", "complete", ""},
	}
	for _, tt := range tests {
		res, err := te.IsComplete(context.Background(), tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tt.status || res.Indent != tt.indent {
			t.Errorf("IsComplete(%q) = %+v, want %s %q", tt.code, res, tt.status, tt.indent)
		}
	}
}

func BenchmarkExecuteTrivial(b *testing.B) {
	e, err := New(Options{Stdout: devNull(b), Stderr: devNull(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Execute(ctx, kernel.ExecuteRequest{Code: "1 + 2", ExecutionCount: i + 1}, &fakeOutput{})
		if err != nil || res.Error != nil {
			b.Fatal(err, res.Error)
		}
	}
}

func BenchmarkComplete(b *testing.B) {
	e, err := New(Options{Stdout: devNull(b), Stderr: devNull(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := e.Complete(ctx, "strings.Spl", 11); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := New(Options{Stdout: devNull(b), Stderr: devNull(b)}); err != nil {
			b.Fatal(err)
		}
	}
}
