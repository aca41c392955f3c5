package goeval

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// step is one cell of a scenario and what it must produce.
type step struct {
	code    string
	want    string // text/plain result; "" means no result
	errName string // expected error name; "" means success
	errHas  string // substring of the error value
	errLine string // substring of the traceback, e.g. "In[2]:3:"
	stdout  string // substring that must appear on stdout
	stderr  string // substring that must appear on stderr
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	runStepsOn(t, newTestEngine(t), steps)
}

// runStepsOn is runSteps on an existing engine.
func runStepsOn(t *testing.T, te *testEngine, steps []step) {
	t.Helper()
	for i, s := range steps {
		res := te.exec(t, s.code)
		if s.errName == "" {
			if res.Error != nil {
				t.Fatalf("step %d %q: unexpected error %s: %s\n%s", i, s.code, res.Error.Name, res.Error.Value, strings.Join(res.Error.Traceback, "\n"))
			}
			got := ""
			if res.Value != nil {
				got, _ = res.Value["text/plain"].(string)
			}
			if got != s.want {
				t.Fatalf("step %d %q: result %q, want %q", i, s.code, got, s.want)
			}
		} else {
			if res.Error == nil {
				t.Fatalf("step %d %q: no error, want %s", i, s.code, s.errName)
			}
			if res.Error.Name != s.errName || !strings.Contains(res.Error.Value, s.errHas) {
				t.Fatalf("step %d %q: error %s: %s, want %s containing %q", i, s.code, res.Error.Name, res.Error.Value, s.errName, s.errHas)
			}
			tb := strings.Join(res.Error.Traceback, "\n")
			if !strings.Contains(tb, s.errLine) {
				t.Fatalf("step %d %q: traceback lacks %q:\n%s", i, s.code, s.errLine, tb)
			}
		}
		if s.stdout != "" {
			te.stdout.waitFor(t, s.stdout)
		}
		if s.stderr != "" {
			te.stderr.waitFor(t, s.stderr)
		}
	}
}

func TestCells(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"mixed declarations and statements", []step{
			{code: "import \"fmt\"\nfunc sq(x int) int { return x * x }\nfmt.Println(\"sq\", sq(3))\ntype P struct{ X, Y int }\np := P{1, 2}\nconst K = 10\np.X + K", want: "11", stdout: "sq 9"},
			{code: "var total int\nfor i := 0; i < 4; i++ { total += i }\nfunc twice(n int) int { return 2 * n }\ntwice(total)", want: "12"},
			{code: "x := 1; y := 2; func add(a, b int) int { return a + b }; add(x, y)", want: "3"},
		}},
		{"state persists and re-import works", []step{
			{code: "import \"strings\"\ns := strings.ToUpper(\"ab\")"},
			{code: "import \"strings\"\nstrings.Repeat(s, 2)", want: `"ABAB"`},
			{code: "import (\n\t\"strings\"\n\tstr \"strings\"\n\t\"fmt\"\n)\nfmt.Sprint(str.ToLower(s), strings.ToLower(s))", want: `"abab"`},
			{code: "import \"strings\"\nimport \"fmt\"\n"},
		}},
		{"redeclaration", []step{
			{code: "x := 1"},
			{code: "x := \"now a string\"\nx", want: `"now a string"`},
			{code: "func f() int { return 1 }"},
			{code: "func f(a int) string { return \"two\" }\nf(0)", want: `"two"`},
			{code: "var y = 1\nconst C = 10"},
			{code: "var y = \"s\"\nconst C = 20\ny + \"!\"", want: `"s!"`},
		}},
		{"type redefinition", []step{
			{code: "type T struct{ A int }"},
			{code: "type T struct{ A int }\nT{A: 1}", want: "{1}"},
			{code: "type T struct{ A, B int }", errName: errCompile, errHas: "type T is already defined with a different definition", errLine: "In[3]:1:6"},
			{code: "x := 5\ntype T struct{ A, B int }\nx", errName: errCompile, errHas: "restart the kernel", errLine: "In[4]:2:6"},
			{code: "x", errName: errCompile, errHas: "undefined: x"}, // nothing of the rejected cell ran
			{code: "type (\n\tT struct{A int}\n\tU int\n)\nU(3)", want: "3"},
		}},
		{"trailing values", []step{
			{code: "1+2", want: "3"},
			{code: "[]int{1, 4, 9}", want: "[1 4 9]"},
			{code: `"hello"`, want: `"hello"`},
			{code: "import \"time\"\ntime.Duration(1500) * time.Millisecond", want: "1.5s"},
			{code: "import \"fmt\"\ntype S struct{ N int }\nfunc (s S) String() string { return fmt.Sprintf(\"S<%d>\", s.N) }\nS{7}", want: "S<7>"},
			{code: "&S{8}", want: "S<8>"},
			{code: "import \"errors\"\nerrors.New(\"bad\")", want: "bad"},
			{code: "import \"strconv\"\nstrconv.Atoi(\"42\")", want: "42"},
			{code: "x := 1"},
			{code: "x = 3"},
			{code: "var z = 4"},
			{code: "func v() {}\nv()"},
			{code: "zz := 5\nv()"},
			{code: "zz", want: "5"},
			{code: "fmt.Println(\"printed\")", stdout: "printed\n"},
			{code: "fmt.Printf(\"%d\\n\", 5)", stdout: "5\n"},
			{code: "import \"os\"\nfmt.Fprintln(os.Stderr, \"to stderr\")", stderr: "to stderr\n"},
			{code: "import \"log\"\nlog.Println(\"logged\")", stderr: "logged\n"},
			{code: "println(\"builtin\")", stderr: "builtin\n"}, // as in Go: the builtin writes to standard error
			{code: "os.Stdout.WriteString(\"direct\\n\")", stdout: "direct\n"},
			{code: "x + 1\n// a comment", want: "4"},
			{code: "m := map[string]int{\"a\": 1}\nm", want: "map[a:1]"},
			{code: "var e error\ne", want: "<nil>"},
			{code: "import \"math\"\nmath.Pi", want: "3.141592653589793"},
			{code: "func() int { return 5 }()", want: "5"},
			{code: "type PS struct{ n int }\nfunc (p *PS) String() string { return \"ps\" }\n&PS{1}", want: "ps"},
			{code: "func Max[T int | float64](a, b T) T { if a > b { return a }; return b }\nMax(3, 7)", want: "7"},
			{code: "nil", want: "<nil>"},
			{code: "fmt.Sprintf(\"%d\", 3)", want: `"3"`},
		}},
		{"lowered for yaegi, and what stays unsupported", []step{
			{code: "for i := range 3 { _ = i }"},
			{code: "min(1, 2)", want: "1"},
			{code: "import \"nonexistent/pkg\"", errName: errCompile, errHas: "compiled into this kernel", errLine: "In[3]:1:8"},
			{code: "1", want: "1"},
		}},
		{"errors with cell positions", []step{
			{code: "a := 1\n\nundefinedThing + a", errName: errCompile, errHas: "undefined: undefinedThing", errLine: "In[1]:3:1"},
			{code: "var q int = \"s\"", errName: errCompile, errHas: "cannot", errLine: "In[2]:1:13"},
			{code: "x := 1\nfunc f() {\n\treturn 1 +\n}", errName: errSyntax, errLine: "In[3]:4:1"},
			{code: "s := \"unterminated\nx := 1", errName: errSyntax, errHas: "string literal not terminated", errLine: "In[4]:1:6"},
			{code: "x := ", errName: errSyntax, errLine: "In[5]:1:"},
			{code: "import \"fmt\"\nfmt.Println(1)\nfmt.Println(undefinedY)", errName: errCompile, errHas: "undefined: undefinedY", errLine: "In[6]:3:13"},
		}},
		{"panics", []step{
			{code: "func h() { panic(\"deep\") }\nfunc g() { h() }\n\ng()", errName: errPanic, errHas: "deep", errLine: "In[1]:1:12  main.h"},
			{code: "g()", errName: errPanic, errHas: "deep", errLine: "In[2]:1:1  cell top level"},
			{code: "import \"errors\"\npanic(errors.New(\"an error value\"))", errName: errPanic, errHas: "an error value", errLine: "In[3]:2:"},
			{code: "var m map[string]int\nm[\"a\"] = 1", errName: errRuntime, errHas: "assignment to entry in nil map", errLine: "In[4]:2:"},
			{code: "s := []int{1}\ni := 5\ns[i]", errName: errRuntime, errHas: "out of range"},
			{code: "import \"os\"\nos.Exit(3)", errName: errPanic, errHas: "os.Exit(3) called: the kernel keeps running"},
			{code: "import \"log\"\nlog.Fatal(\"fatal!\")", errName: errPanic, errHas: "fatal!", stderr: "fatal!"},
			{code: "1 + 1", want: "2"},
			// A frame in a function an earlier cell declared points at that
			// cell's line (not clamped to the calling cell) and quotes it.
			{code: "y := 1\n\nfunc b3() {\n\tpanic(\"q\")\n}"},
			{code: "b3()", errName: errPanic, errHas: "q", errLine: "In[9]:4:2  main.b3\n       4 | \tpanic(\"q\")"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.steps) })
	}
}

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("yaegi v0.16.1 races internally between interpreted goroutines and later Evals")
	}
}

func TestGoroutinePanic(t *testing.T) {
	skipUnderRace(t)
	te := newTestEngine(t)
	te.mustOK(t, "import \"time\"\nfunc boom(s string, n int) { panic(s) }")
	te.mustOK(t, "msg := \"from goroutine\"\ngo boom(msg, 1)\nmsg = \"changed\"")
	te.stderr.waitFor(t, "panic in goroutine: from goroutine")
	// Arguments are evaluated before the goroutine starts, as in Go.
	if strings.Contains(te.stderr.String(), "changed") {
		t.Fatalf("argument evaluated late: %s", te.stderr.String())
	}
	// Untyped constant arguments still convert; func literals; builtins; nested go.
	te.mustOK(t, "func takesFloat(f float64, d time.Duration) { if f != 2 { panic(\"bad\") } }\ngo takesFloat(2, 3*time.Millisecond)")
	te.mustOK(t, "done := make(chan int)\ngo func(x int) {\n\tgo func() { done <- x }()\n}(41)\n<-done + 1")
	te.mustOK(t, "ch := make(chan int)\ngo close(ch)\n<-ch")
	te.mustOK(t, "func spawn() { go func() { var m map[int]int; m[1] = 1 }() }\nspawn()")
	te.stderr.waitFor(t, "panic in goroutine: assignment to entry in nil map")
	time.Sleep(50 * time.Millisecond)
	if got := te.mustOK(t, "40 + 2"); got != "42" {
		t.Fatalf("after goroutine panics: %q", got)
	}
	// The position of a user line after a rewritten go statement is kept.
	res := te.exec(t, "go boom(\"x\", 1); undefinedAfterGo")
	if res.Error == nil || !strings.Contains(res.Error.Value, "1:18") {
		t.Fatalf("position after go statement: %+v", res.Error)
	}
}

func TestInterrupt(t *testing.T) {
	skipUnderRace(t)
	for _, code := range []string{
		"for {}",
		"n := 0\nfor { n++ }",
		"ch := make(chan int)\n<-ch",
		"import \"time\"\ntime.Sleep(time.Hour)",
		"select {}",
	} {
		t.Run(code, func(t *testing.T) {
			te := newTestEngine(t)
			te.mustOK(t, "kept := 7")
			ctx, cancel := context.WithCancel(context.Background())
			cancelled := make(chan time.Time, 1)
			go func() { time.Sleep(100 * time.Millisecond); cancelled <- time.Now(); cancel() }()
			res := te.execWith(t, ctx, kernel.ExecuteRequest{Code: code}, &fakeOutput{})
			el := time.Since(<-cancelled)
			t.Logf("returned %v after the cancel", el)
			if el > time.Second {
				t.Fatalf("interrupt took %v", el)
			}
			if res.Error == nil || res.Error.Name != errInterrupted || res.Error.Value != "interrupted" {
				t.Fatalf("got %+v", res.Error)
			}
			if got := te.mustOK(t, "kept * 6"); got != "42" {
				t.Fatalf("state after interrupt: %q", got)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	te := newTestEngine(t)
	out := &fakeOutput{allow: true, inputs: []string{"alice", "line two", "x y", "scan1", "scan2"}}
	req := func(code string) kernel.ExecuteResult {
		return te.execWith(t, context.Background(), kernel.ExecuteRequest{Code: code, AllowStdin: true}, out)
	}
	check := func(res kernel.ExecuteResult, want string) {
		t.Helper()
		if res.Error != nil {
			t.Fatalf("error %+v", res.Error)
		}
		if got, _ := res.Value["text/plain"].(string); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	check(req("import \"fmt\"\nvar s string\nfmt.Scanln(&s)\ns"), `"alice"`)
	check(req("import (\"bufio\"; \"os\")\nr := bufio.NewReader(os.Stdin)\nl, _ := r.ReadString('\\n')\nl"), `"line two\n"`)
	check(req("var a, b string\nfmt.Scan(&a, &b)\na + b"), `"xy"`)
	check(req("sc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nv1 := sc.Text()\nsc.Scan()\nv1 + sc.Text()"), `"scan1scan2"`)

	// AllowStdin=false fails at once with a clear message.
	start := time.Now()
	res := te.execWith(t, context.Background(), kernel.ExecuteRequest{Code: "_, err := fmt.Scanln(&s)\nerr.Error()", AllowStdin: false}, &fakeOutput{})
	check(res, `"stdin is not available: the front end does not accept input requests (allow_stdin is false)"`)
	if time.Since(start) > time.Second {
		t.Fatal("stdin refusal was slow")
	}

}

func TestStdinInterrupt(t *testing.T) {
	skipUnderRace(t)
	te := newTestEngine(t)
	te.mustOK(t, "import \"fmt\"\nvar s string")
	// An interrupt ends a pending read.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	res := te.execWith(t, ctx, kernel.ExecuteRequest{Code: "fmt.Scanln(&s)", AllowStdin: true}, &fakeOutput{allow: true, block: true})
	if res.Error == nil || res.Error.Name != errInterrupted || time.Since(start) > time.Second {
		t.Fatalf("pending read not interrupted: %+v after %v", res.Error, time.Since(start))
	}
}

func TestUserExpressions(t *testing.T) {
	te := newTestEngine(t)
	res := te.execWith(t, context.Background(), kernel.ExecuteRequest{
		Code:            "x := 20",
		UserExpressions: map[string]string{"double": "x * 2", "bad": "nope + 1"},
	}, &fakeOutput{})
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	if d := res.UserExpressions["double"]; d.Error != nil || d.Value["text/plain"] != "40" {
		t.Fatalf("double: %+v", d)
	}
	if b := res.UserExpressions["bad"]; b.Error == nil || b.Error.Name != errCompile || !strings.Contains(b.Error.Value, "undefined: nope") {
		t.Fatalf("bad: %+v", b)
	}
}

// point is a compiled type given to the interpreter by Define.
type point struct{ X, Y int }

func (p point) Sum() int { return p.X + p.Y }

func TestLookupDefine(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "n := 41\nconst Greeting = \"hi\"\ntype Loc struct{ A int }\nl := Loc{3}")
	if v, ok := te.Lookup("n"); !ok || v != 41 {
		t.Fatalf("Lookup(n) = %v, %v", v, ok)
	}
	if _, ok := te.Lookup("missing"); ok {
		t.Fatal("Lookup(missing) found")
	}
	if v, ok := te.Lookup("l"); !ok || !strings.Contains(strings.ReplaceAll(sprint(v), " ", ""), "{3}") {
		t.Fatalf("Lookup(l) = %v, %v", v, ok)
	}
	if err := te.Define("p", point{2, 3}); err != nil {
		t.Fatal(err)
	}
	if got := te.mustOK(t, "p.X*10 + p.Sum()"); got != "25" {
		t.Fatalf("compiled value: %q", got)
	}
	if err := te.Define("p", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if got := te.mustOK(t, "len(p)"); got != "2" {
		t.Fatalf("redefined value: %q", got)
	}
	if err := te.Define("rows", []map[string]any{{"k": 1}}); err != nil {
		t.Fatal(err)
	}
	if got := te.mustOK(t, "rows[0][\"k\"]"); got != "1" {
		t.Fatalf("rows: %q", got)
	}
	if err := te.Define("nothing", nil); err != nil {
		t.Fatal(err)
	}
	if got := te.mustOK(t, "nothing == nil"); got != "true" {
		t.Fatalf("nil define: %q", got)
	}
	if v, ok := te.Lookup("p"); !ok || len(v.([]string)) != 2 {
		t.Fatalf("Lookup after Define: %v %v", v, ok)
	}
	if err := te.Define("bad name", 1); err == nil {
		t.Fatal("Define accepted a bad name")
	}
}

func sprint(v any) string { return formatValue(v) }

// TestVoidCallShowsNothing: a call without results shows no Out[n], also
// when yaegi's frame still holds an earlier cell's value (it returned the
// 5 of x := 5 for runtime.GC(), a silent wrong answer).
func TestVoidCallShowsNothing(t *testing.T) {
	runSteps(t, []step{
		{code: "x := 5"},
		{code: "runtime.GC()"},
		{code: "func f() {}\nf()"},
		{code: "y := 7\nruntime.GC()"},
		{code: "x + y", want: "12"},
	})
}
