package goeval

import (
	"reflect"
	"testing"
)

// TestRestoreOf: a cell's declarations are kept for a replay, its
// statements dropped, and the variables whose values a crash loses named.
func TestRestoreOf(t *testing.T) {
	tests := []struct {
		name, code, src string
		declared, lost  []string
	}{
		{"statements only", "x := 5\nfmt.Println(x)", "", nil, []string{"x"}},
		{"magic", "%go", "", nil, nil},
		{"mixed", "import \"fmt\"\ntype T struct{ n int }\nfunc (t *T) Inc() { t.n++ }\nconst k = 2\nvar c int\nvar d = 3\nvar e, f int = 1, 2\nfunc show() { fmt.Println(c) }\nc = 7\nshow()",
			"import \"fmt\"\ntype T struct{ n int }\nfunc (t *T) Inc() { t.n++ }\nconst k = 2\nvar c int\nvar e, f int\nfunc show() { fmt.Println(c) }\n",
			[]string{"import \"fmt\"", "type T", "method T.Inc", "const k", "var c", "var e", "var f", "func show"}, []string{"c", "d", "e", "f"}},
		{"program", "package main\n\nfunc main() { println(1) }\n", "func main() { println(1) }\n", []string{"func main"}, nil},
		{"init is not run again", "func init() { println(1) }\nfunc f() {}", "func f() {}\n", []string{"func f"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := RestoreOf(tt.code)
			if r.Source != tt.src || !reflect.DeepEqual(r.Declared, tt.declared) || !reflect.DeepEqual(r.Lost, tt.lost) {
				t.Errorf("RestoreOf(%q) =\n%q %q %q\nwant\n%q %q %q", tt.code, r.Source, r.Declared, r.Lost, tt.src, tt.declared, tt.lost)
			}
		})
	}
}
