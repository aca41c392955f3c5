package goeval

import (
	"go/token"
	"reflect"
	"strings"
	"testing"
)

func fileCount(fset *token.FileSet) int {
	n := 0
	fset.Iterate(func(*token.File) bool { n++; return true })
	return n
}

// TestRetentionBounded runs many statement cells and checks that yaegi's
// per-Eval bookkeeping (files, scope children) does not grow with them,
// while what later cells need (a function's positions) is kept.
func TestRetentionBounded(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "x := 0\nfunc boom() { panic(\"kept position\") }")
	first := te.exec(t, "boom()")
	if first.Error == nil {
		t.Fatal("boom() did not fail")
	}
	files := fileCount(te.in.FileSet())
	for i := 0; i < 200; i++ {
		te.mustOK(t, "x++")
	}
	if got := te.mustOK(t, "x"); got != "200" {
		t.Fatalf("x = %q after 200 increments", got)
	}
	if got := fileCount(te.in.FileSet()); got > files+1 {
		t.Errorf("file set holds %d files after 200 statement cells, %d before: files leak", got, files)
	}
	scopes := 0
	for _, sc := range mainScopes(t, te.Engine) {
		scopes += sc
	}
	if scopes != 0 {
		t.Errorf("package scopes list %d children after the cells; want 0", scopes)
	}
	res := te.exec(t, "boom()")
	if res.Error == nil {
		t.Fatal("boom() did not fail")
	}
	// The frame of boom, declared in In[1], reads the same as right after
	// its declaration: its file was kept.
	frame := func(tb []string) string {
		for _, l := range tb {
			if strings.Contains(l, "main.boom") {
				return strings.TrimSpace(l)
			}
		}
		return ""
	}
	if want, got := frame(first.Error.Traceback), frame(res.Error.Traceback); want == "" || got != want {
		t.Errorf("the frame of a function declared 200 cells earlier changed: %q, was %q\n%s", got, want, strings.Join(res.Error.Traceback, "\n"))
	}
}

func TestPositionFree(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"x++", true},
		{"import \"fmt\"\nfmt.Println(1)", true},
		{"for i := range 3 { _ = i }", true},
		{"gokernelrt.Result(x)", true},
		{"gofunc := 1; funcs := 2; types++", true},
		{"é := 1", true},
		{";/*line _.go:1:1*/x++", true},
		// Keywords in strings and comments count: a false "no" only keeps a file.
		{"s := \"func type go\"", false},
		{"// func in a comment\ny := 2", false},
		{"func f() {}", false},
		{"f := func() {}", false},
		{"type T int", false},
		{"var v struct{ A int }", false},
		{"var i interface{ M() }", false},
		{"go println()", false},
	} {
		if got := positionFree(tc.src); got != tc.want {
			t.Errorf("positionFree(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// mainScopes returns the length of every package scope's child list.
func mainScopes(t *testing.T, e *Engine) []int {
	t.Helper()
	var out []int
	iv := reflect.ValueOf(e.in).Elem()
	scopes := iv.FieldByName("scopes")
	if !scopes.IsValid() {
		t.Fatal("yaegi's Interpreter has no scopes field: update retention.go")
	}
	it := scopes.MapRange()
	for it.Next() {
		out = append(out, it.Value().Elem().FieldByName("child").Len())
	}
	return out
}
