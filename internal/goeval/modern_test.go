package goeval

import (
	"strings"
	"testing"
)

// TestModernGo runs Go 1.22+ features through the engine, cell by cell, the
// way notebooks use them: declarations in one cell, uses in later ones. The
// engine lowers them (package lower) before yaegi sees them.
func TestModernGo(t *testing.T) {
	runCellTests(t, []cellTest{
		{
			name:   "min max clear",
			cells:  []string{"a, b := 3, 7\nm := map[string]int{\"x\": 1}\ns := []int{1, 2, 3}", "fmt.Println(min(a, b), max(a, b, 10), min(2.5, 1))\nclear(m)\nclear(s)\nfmt.Println(len(m), s)"},
			stdout: "3 10 1\n0 [0 0 0]\n",
		},
		{
			name:   "min across cells",
			cells:  []string{"n := 4", "min(n, 2)"},
			want:   "2",
			stdout: "",
		},
		{
			name:   "range over int",
			cells:  []string{"for i := range 3 {\n\tfmt.Print(i, \" \")\n}\nfmt.Println()", "n := 2", "for range n {\n\tfmt.Print(\"x\")\n}\nfmt.Println()"},
			stdout: "0 1 2 \nxx\n",
		},
		{
			name: "loop variables per iteration",
			cells: []string{
				"var fs []func()\nfor i := 0; i < 3; i++ {\n\tfs = append(fs, func() { fmt.Print(i, \" \") })\n}",
				"for _, f := range fs {\n\tf()\n}\nfmt.Println()",
				"var gs []func() int\nfor _, v := range []int{0, 1, 2} {\n\tgs = append(gs, func() int { return v })\n}\nfor _, g := range gs {\n\tfmt.Print(g(), \" \")\n}\nfmt.Println()",
			},
			stdout: "0 1 2 \n0 1 2 \n",
		},
		{
			name: "range over func with break and return",
			cells: []string{
				"func Count(n int) iter.Seq[int] {\n\treturn func(yield func(int) bool) {\n\t\tfor i := 0; i < n; i++ {\n\t\t\tif !yield(i) {\n\t\t\t\treturn\n\t\t\t}\n\t\t}\n\t}\n}",
				"func firstOver(k int) int {\n\tfor x := range Count(100) {\n\t\tif x > k {\n\t\t\treturn x\n\t\t}\n\t}\n\treturn -1\n}",
				"for x := range Count(10) {\n\tif x == 3 {\n\t\tbreak\n\t}\n\tif x == 1 {\n\t\tcontinue\n\t}\n\tfmt.Print(x, \" \")\n}\nfmt.Println()",
				"firstOver(41)",
			},
			stdout: "0 2 \n",
			want:   "42",
		},
		{
			name: "range over Seq2",
			cells: []string{
				"func Pairs(m []string) iter.Seq2[int, string] {\n\treturn func(yield func(int, string) bool) {\n\t\tfor i, s := range m {\n\t\t\tif !yield(i, s) {\n\t\t\t\treturn\n\t\t\t}\n\t\t}\n\t}\n}",
				"for i, s := range Pairs([]string{\"a\", \"b\"}) {\n\tfmt.Println(i, s)\n}",
			},
			stdout: "0 a\n1 b\n",
		},
		{
			name: "slices",
			cells: []string{
				"xs := []int{3, 1, 2}\nslices.Sort(xs)\nfmt.Println(xs)",
				"type P struct {\n\tName string\n\tAge  int\n}\nps := []P{{\"b\", 2}, {\"a\", 3}, {\"c\", 1}}",
				"slices.SortFunc(ps, func(a, b P) int { return cmp.Compare(a.Age, b.Age) })\nfmt.Println(ps)",
				"fmt.Println(slices.Collect(slices.Values(xs)), slices.Sorted(slices.Values([]string{\"z\", \"a\"})))",
				"slices.Contains(xs, 2)",
			},
			stdout: "[1 2 3]\n[{c 1} {b 2} {a 3}]\n[1 2 3] [a z]\n",
			want:   "true",
		},
		{
			name:   "maps.Keys sorted",
			cells:  []string{"m := map[string]int{\"b\": 2, \"a\": 1, \"c\": 3}", "fmt.Println(slices.Sorted(maps.Keys(m)))", "for _, k := range slices.Sorted(maps.Keys(m)) {\n\tfmt.Print(k, m[k], \" \")\n}\nfmt.Println()"},
			stdout: "[a b c]\na1 b2 c3 \n",
		},
		{
			name: "generic inference across cells",
			cells: []string{
				"func Map[T, U any](xs []T, f func(T) U) []U {\n\tvar out []U\n\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}",
				"xs := []int{1, 2, 3}",
				"fmt.Printf(\"%q\\n\", Map(xs, func(x int) string { return strconv.Itoa(x * 10) }))",
				"func lengths(ws []string) []int {\n\tls := Map(ws, func(w string) int { return len(w) })\n\treturn ls\n}",
				"var ls []int\nls = lengths([]string{\"a\", \"abc\"})\nls",
			},
			stdout: "[\"10\" \"20\" \"30\"]\n",
			want:   "[1 3]",
		},
	})
}

// TestLoweredErrorPositions checks that errors in lowered cells still
// point at the user's lines: lowering keeps lines and helpers are
// evaluated separately, so they shift nothing.
func TestLoweredErrorPositions(t *testing.T) {
	runErrorPositionTests(t, []errorPositionTest{
		{"after min", "x := min(1, 2)\n\nundefinedA + x", errCompile, "In[1]:3:1"},
		{"inside range over int", "for i := range 3 {\n\t_ = i\n\tundefinedB()\n}", errCompile, "In[1]:3:2"},
		{"after range over func", "import \"slices\"\nfor v := range slices.Values([]int{1}) {\n\t_ = v\n}\nvar q int = \"s\"", errCompile, "In[1]:5:"},
		{"declaration with max", "func big(a, b int) int { return max(a, b) }\n\nfunc bad() int { return undefinedC }", errCompile, "In[1]:3:"},
		{"inside range over Seq2", "import \"maps\"\nfor k, v := range maps.All(map[int]int{1: 2}) {\n\t_, _ = k, v\n\tundefinedD()\n}", errCompile, "In[1]:4:2"},
		{"helpers do not shift lines", "a := []int{1}\nclear(a)\nfmt.Println(max(a[0], 1), min(2, 3, a[0]))\n\n\nundefinedE + a[0]", errCompile, "In[1]:6:1"},
	})
}

// TestSourcePackagesComplete checks completion and inspection of the
// packages served as source (slices, maps, cmp, iter), which have no
// compiled symbol table.
func TestSourcePackagesComplete(t *testing.T) {
	te := newTestEngine(t)
	tests := []struct {
		code string
		want []string
	}{
		{"slices.", []string{"Sort", "SortFunc", "Collect", "Sorted", "Values", "Contains"}},
		{"slices.So", []string{"Sort", "SortFunc", "SortStableFunc", "Sorted"}},
		{"maps.", []string{"Keys", "Values", "Clone", "Collect", "All"}},
		{"iter.", []string{"Seq", "Seq2"}},
		{"cmp.", []string{"Compare", "Ordered", "Less"}},
		{"import \"it", []string{"iter"}},
	}
	for _, tt := range tests {
		res, err := te.Complete(t.Context(), tt.code, len(tt.code))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			found := false
			for _, m := range res.Matches {
				found = found || m == w
			}
			if !found {
				t.Errorf("Complete(%q) = %v, lacks %s", tt.code, res.Matches, w)
			}
		}
	}
	for _, tt := range []struct{ code, want string }{
		{"slices.Sort", "func slices.Sort[E cmp.Ordered](x []E)"},
		{"maps.Keys", "func maps.Keys"},
		{"iter.Seq", "type iter.Seq[V any]"},
	} {
		res, err := te.Inspect(t.Context(), tt.code, len(tt.code), 0)
		if err != nil {
			t.Fatal(err)
		}
		text, _ := res.Data["text/plain"].(string)
		if !res.Found || !strings.Contains(text, tt.want) {
			t.Errorf("Inspect(%q) = %q, want it to contain %q", tt.code, text, tt.want)
		}
	}
}

// An error holding a value of a cell type with a value-receiver Error
// method: yaegi v0.16.1 keeps a field of it, not the value, so a type
// switch on it would run its default case; the cell fails clearly instead.
func TestTypeSwitchOnLostErrorValueFails(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "type TimeoutErr struct{ Secs int }\n\nfunc (e TimeoutErr) Error() string { return \"timeout\" }\n\ntype AuthErr struct{ User string }\n\nfunc (e *AuthErr) Error() string { return \"auth \" + e.User }")
	te.mustOK(t, "func kind(err error) string {\n\tswitch e := err.(type) {\n\tcase TimeoutErr:\n\t\treturn \"timeout\"\n\tcase *AuthErr:\n\t\treturn \"auth \" + e.User\n\tdefault:\n\t\treturn \"other \" + e.Error()\n\t}\n}")
	if got := te.mustOK(t, `kind(&AuthErr{"eve"})`); got != `"auth eve"` {
		t.Errorf("pointer case: got %s", got)
	}
	res := te.exec(t, "kind(TimeoutErr{3})")
	if res.Error == nil || !strings.Contains(res.Error.Value, "the interpreter lost the value inside this error") {
		t.Fatalf("value case: want a clear error, got value %v error %+v", res.Value, res.Error)
	}
	if got := te.mustOK(t, `kind(&AuthErr{"bob"})`); got != `"auth bob"` {
		t.Errorf("after the error: got %s", got)
	}
}
