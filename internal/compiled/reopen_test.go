package compiled

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestReopenMerge checks the source a reopening cell is built from: the
// earlier cell's declarations without those the new cell declares again,
// one import block, and //line directives that keep each part's positions.
func TestReopenMerge(t *testing.T) {
	earlier := "import \"fmt\"\n\nvar N, M = 1, 2\n\ntype Box struct{ W, H int }\n\n// Area is the area.\nfunc (b Box) Area() int { return b.W * b.H }\n\nfunc (b Box) Show() string { return fmt.Sprint(b.Area()) }\n"
	tests := []struct {
		name, code     string
		has, lacks     []string
		why            string
		notReopen      bool
		wantReopenFrom bool
	}{
		{name: "adds a method", code: "func (b *Box) Grow() { b.W++ }",
			has: []string{"import (\n\t\"fmt\"\n)\n", "//line In[1]:3:1\nvar N, M", "//line In[2]:1:1\nfunc (b *Box) Grow()", "func (b Box) Area() int"}},
		{name: "redefines a method", code: "import \"strings\"\n\nfunc (b Box) Area() int { return strings.Count(\"\", \"\") }",
			has: []string{"\t\"fmt\"\n\t\"strings\"\n", "//line In[2]:3:1\nfunc (b Box) Area() int { return strings"}, lacks: []string{"b.W * b.H", "Area is the area"}},
		{name: "same import twice", code: "import \"fmt\"\n\nfunc (b Box) S() string { return fmt.Sprint(b.W) }", has: []string{"import (\n\t\"fmt\"\n)\n"}},
		{name: "import clash", code: "import fmt \"strings\"\n\nfunc (b Box) S() string { return fmt.ToUpper(\"\") }", why: "imports fmt \"strings\""},
		{name: "part of a declaration", code: "var N = 3\n\nfunc (b Box) S() int { return N }", why: "only some of the names N, M"},
		{name: "a type of its own", code: "type Box int\n\nfunc (b Box) S() int { return 1 }", notReopen: true},
		{name: "no method", code: "func f() int { return 1 }", notReopen: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fe := &frontEnd{opened: map[string]*openSrc{}}
			src := &openSrc{fname: "In[1]", code: earlier, names: []string{"Box", "N", "M"}}
			for _, n := range src.names {
				fe.opened[n] = src
			}
			f, err := parser.ParseFile(token.NewFileSet(), "", "package cell2\n"+tc.code, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			merged, got, why := fe.reopen(f, "In[2]", tc.code)
			if tc.why != "" {
				if !strings.Contains(why, tc.why) {
					t.Fatalf("why %q, want %q", why, tc.why)
				}
				return
			}
			if why != "" {
				t.Fatalf("refused: %s", why)
			}
			if tc.notReopen {
				if got != nil {
					t.Fatalf("reopened:\n%s", merged)
				}
				return
			}
			if got != src {
				t.Fatalf("reopened %v, want the earlier cell", got)
			}
			// The earlier cell's lines need the In[1] directive (its
			// source is parsed as cell 1 here).
			if _, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+merged, 0); err != nil {
				t.Fatalf("merged source does not parse: %v\n%s", err, merged)
			}
			for _, s := range tc.has {
				if !strings.Contains(merged, s) {
					t.Errorf("merged lacks %q:\n%s", s, merged)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(merged, s) {
					t.Errorf("merged has %q:\n%s", s, merged)
				}
			}
		})
	}
}
