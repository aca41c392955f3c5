package goeval

import (
	"strings"
	"testing"
)

// TestTopLevelStatements runs statements at the top level of cells that
// yaegi v0.16.1 mis-compiles there (and runs inside functions): comma-ok
// forms and generic calls in :=, shadowing in nested scopes, redeclared
// globals, function literals called at the start of a cell. lower and
// splitCell rewrite them.
func TestTopLevelStatements(t *testing.T) {
	runCellTests(t, []cellTest{
		{
			name: "comma-ok",
			cells: []string{
				"m := map[string]int{\"a\": 1}\nv, ok := m[\"a\"]\n_, missing := m[\"zz\"]\nfmt.Println(v, ok, missing)",
				"var x any = \"s\"\ns, isStr := x.(string)\nn, isInt := x.(int)\nfmt.Println(s, isStr, n, isInt)",
				"ch := make(chan int, 1)\nch <- 5\nclose(ch)\nr, open := <-ch\nr2, open2 := <-ch\nfmt.Println(r, open, r2, open2)",
				// Globals, not copies: a goroutine and a closure see later assignments.
				"done := make(chan bool)\ngo func() { v, ok = 42, false; done <- true }()\n<-done\nget := func() int { return v }\nv++\nfmt.Println(get(), ok)",
				// Re-running a cell and redeclaring with another type.
				"v, ok := m[\"a\"]\nfmt.Println(v, ok)",
				"v, ok := x.(string)\nv + \"!\"",
			},
			stdout: "1 true false\ns true 0 false\n5 true 0 false\n43 false\n1 true\n",
			want:   `"s!"`,
		},
		{
			name: "generic results",
			cells: []string{
				"func Ptr[T any](v T) *T { return &v }\nfunc Filter[T any](seq iter.Seq[T], keep func(T) bool) iter.Seq[T] {\n\treturn func(yield func(T) bool) {\n\t\tfor v := range seq {\n\t\t\tif keep(v) && !yield(v) {\n\t\t\t\treturn\n\t\t\t}\n\t\t}\n\t}\n}",
				"a, b := 3, 7\nxs := []int{3, 1, 2}\nm := map[string]int{\"x\": 1}",
				"hi := max(a, b)\nlo := min(a, 1, b)\nys := slices.Clone(xs)\nslices.Sort(ys)\nc := maps.Clone(m)\nc[\"y\"] = 2\np := Ptr(42)\nfmt.Println(hi, lo, xs, ys, len(m), len(c), *p)",
				"evens := Filter(slices.Values([]int{1, 2, 3, 4}), func(v int) bool { return v%2 == 0 })\nks := maps.Keys(c)\ncol := maps.Collect(maps.All(m))\nfmt.Println(slices.Collect(evens), slices.Sorted(ks), col)",
				"v, ok := m[\"x\"]",
				"w, found := m[strconv.Itoa(v)]\nfmt.Println(w, found)\nhi2 := max(hi, 10)\nhi2",
			},
			stdout: "7 1 [3 1 2] [1 2 3] 1 2 42\n[2 4] [x y] map[x:1]\n0 false\n",
			want:   "10",
		},
		{
			name: "shadowing in nested scopes",
			cells: []string{
				"var x = \"package\"",
				"fmt.Println(x)\nx := \"main\"\n{\n\tx := \"block\"\n\tfmt.Println(x)\n}\nif x := 5; x > 3 {\n\tfmt.Println(\"if\", x)\n}\nswitch x := 1.5; {\ndefault:\n\tfmt.Println(\"switch\", x)\n}\nfor x := 0; x < 1; x++ {\n\tfmt.Println(\"for\", x)\n}\nfmt.Println(x)",
				"x + \"!\"",
			},
			stdout: "package\nblock\nif 5\nswitch 1.5\nfor 0\nmain\n",
			want:   `"main!"`,
		},
		{
			name: "redeclared global read earlier in the cell",
			cells: []string{
				"y := 5",
				"z := y\ny := z + 1\nfmt.Println(y)",
			},
			stdout: "6\n",
		},
		{
			name: "redeclaration reading the global it replaces",
			cells: []string{
				"x := 1\ndf := []int{1, 2}\nfunc transform(d []int) []int { return append(d, len(d)+1) }",
				"x := x + 1\ndf := transform(df)\ndf := transform(\n\tdf)\nfmt.Println(x, df)",
				"x, y := x*10, x\nm := map[int]int{2: 5}\nx, ok := m[x/10]\nfmt.Println(x, y, ok)",
				"x",
			},
			stdout: "2 [1 2 3 4]\n5 2 true\n",
			want:   "5",
		},
		{
			name: "typed var initialized from a global, among statements",
			cells: []string{
				"type Reader interface{ Read() string }\ntype ReadWriter interface {\n\tReader\n\tWrite(s string)\n}\ntype buf struct{ data []string }\nfunc (b *buf) Read() string { s := b.data[0]; b.data = b.data[1:]; return s }\nfunc (b *buf) Write(s string) { b.data = append(b.data, s) }",
				"var rw ReadWriter = &buf{}\nrw.Write(\"a\")\nvar r Reader = rw\n_, ok := r.(ReadWriter)\nfmt.Println(ok)",
				"func readIt() string { return r.Read() }",
				"readIt()",
			},
			stdout: "true\n",
			want:   `"a"`,
		},
		{
			name: "defers at the top level run with the cell, with the values of the defer statement",
			cells: []string{
				"for i := 0; i < 3; i++ {\n\tdefer fmt.Println(\"deferred\", i)\n}\nx := 1\ndefer fmt.Println(\"x at defer:\", x)\nx = 2\nfmt.Println(\"x now:\", x)",
				"func() {\n\tfor i := 0; i < 3; i++ {\n\t\tdefer func() { fmt.Print(i, \" \") }()\n\t}\n}()\nfmt.Println()",
			},
			stdout: "x now: 2\nx at defer: 1\ndeferred 2\ndeferred 1\ndeferred 0\n2 1 0 \n",
		},
		{
			name: "cell starting with a function literal runs once",
			cells: []string{
				"func() { fmt.Println(\"A\") }()",
				"fmt.Println(\"B\")",
				"n := 2\nn",
			},
			stdout: "A\nB\n",
			want:   "2",
		},
	})
}

// TestTopLevelErrorPositions checks that errors in and after rewritten
// top-level statements point at the user's lines.
func TestTopLevelErrorPositions(t *testing.T) {
	runErrorPositionTests(t, []errorPositionTest{
		{"comma-ok", "m := map[int]int{}\nv, ok := m[undefinedF]", errCompile, "In[1]:2:12"},
		{"after generic call", "import \"slices\"\nxs := []int{1}\nys := slices.Clone(xs)\nundefinedG(ys)", errCompile, "In[1]:4:1"},
		{"after comma-ok", "var x any = 1\nn, ok := x.(int)\nundefinedH(n, ok)", errCompile, "In[1]:3:1"},
		{"inside wrapped if", "a := 1\nif b := a; b > 0 {\n\tundefinedI(b)\n}", errCompile, "In[1]:3:2"},
		{"after redeclaration split", "q := 1\nr := q\nq := 2\nundefinedJ(q, r)", errCompile, "In[1]:4:1"},
		{"in a self-redeclaration", "q := 1\nq := q +\n\tundefinedK(q)\nundefinedL()", errCompile, "In[1]:3:2"},
		{"after a self-redeclaration", "q := 1\nq := q + 1\nundefinedL(q)", errCompile, "In[1]:3:1"},
		{"in a deferred call's arguments", "q := 1\ndefer fmt.Println(q,\n\tundefinedN(q))", errCompile, "In[1]:3:2"},
		{"after a deferred call", "q := 1\ndefer fmt.Println(\"q\", q)\nundefinedO(q)", errCompile, "In[1]:3:1"},
		{"in a typed var among statements", "q := 1\nvar w fmt.Stringer = undefinedM(q)", errCompile, "In[1]:2:22"},
	})
}

// cellTest is a notebook session in miniature: cells run in order in one
// engine, each of which must succeed.
type cellTest struct {
	name   string
	cells  []string
	stdout string // exact stdout of all cells; not checked when empty
	want   string // text/plain result of the last cell
}

// runCellTests runs each test in a subtest with a fresh engine and checks
// the last cell's result and the stdout of all cells.
func runCellTests(t *testing.T, tests []cellTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEngine(t)
			var got string
			for _, c := range tt.cells {
				got = te.mustOK(t, c)
			}
			if got != tt.want {
				t.Errorf("last result %q, want %q", got, tt.want)
			}
			if tt.stdout != "" {
				out := te.stdout.waitFor(t, tt.stdout)
				if out != tt.stdout {
					t.Errorf("stdout %q, want %q", out, tt.stdout)
				}
			}
		})
	}
}

// errorPositionTest is a cell that must fail with error errName and a
// traceback containing errLine ("In[1]:line:col", or a prefix of it).
type errorPositionTest struct {
	name, code, errName, errLine string
}

// runErrorPositionTests runs each test's cell as the first of a fresh
// engine, so that its lines are In[1]'s, and checks the error it reports.
func runErrorPositionTests(t *testing.T, tests []errorPositionTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEngine(t)
			res := te.exec(t, tt.code)
			if res.Error == nil {
				t.Fatalf("no error, want %s", tt.errName)
			}
			tb := strings.Join(res.Error.Traceback, "\n")
			if res.Error.Name != tt.errName || !strings.Contains(tb, tt.errLine) {
				t.Fatalf("error %s: %s, want %s at %s; traceback:\n%s", res.Error.Name, res.Error.Value, tt.errName, tt.errLine, tb)
			}
		})
	}
}
