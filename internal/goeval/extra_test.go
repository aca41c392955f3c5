package goeval

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestGoStatementForms(t *testing.T) {
	skipUnderRace(t)
	te := newTestEngine(t)
	te.mustOK(t, "import (\"fmt\"; \"sync\")\ntype Acc struct{ mu sync.Mutex; n int }\nfunc (a *Acc) Add(xs ...int) { a.mu.Lock(); for _, x := range xs { a.n += x }; a.mu.Unlock() }\nvar wg sync.WaitGroup\nacc := &Acc{}")
	got := te.mustOK(t, "xs := []int{1, 2, 3}\nwg.Add(3)\ngo func() { defer wg.Done(); acc.Add(xs...) }()\ngo func(n int) {\n\tdefer wg.Done()\n\tacc.Add(n)\n}(\n\t10,\n)\nf := func(a, b int) { defer wg.Done(); acc.Add(a, b) }\ngo f(100, len(xs))\nwg.Wait()\nacc.n")
	if got != "119" {
		t.Fatalf("acc.n = %q", got)
	}
	// A method value as the goroutine function, with a variadic spread.
	got = te.mustOK(t, "done := make(chan bool)\nadd := func(xs ...int) { acc.Add(xs...); done <- true }\ngo add(xs...)\n<-done\nacc.n")
	if got != "125" {
		t.Fatalf("acc.n = %q", got)
	}
	// Positions after a multi-line go statement stay right.
	res := te.exec(t, "go func() {\n\tfmt.Sprint(1)\n}()\nundefinedAfter")
	if res.Error == nil || !strings.HasPrefix(res.Error.Value, "In[4]:4:1:") {
		t.Fatalf("error after go statement: %+v", res.Error)
	}
	// An error inside the goroutine body keeps its position too.
	res = te.exec(t, "go func() {\n\tundefinedInside()\n}()")
	if res.Error == nil || !strings.HasPrefix(res.Error.Value, "In[5]:2:2:") {
		t.Fatalf("error in go body: %+v", res.Error)
	}
}

func TestTypeRedefinitionOfFunctionsAndMethods(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "type V struct{ A int }\nfunc (v V) Get() int { return v.A }")
	// yaegi keeps the first method body: a changed method is refused, not silently ignored.
	res := te.exec(t, "type V struct{ A int }\nfunc (v V) Get() int { return v.A * 2 }")
	if res.Error == nil || res.Error.Name != errCompile || !strings.Contains(res.Error.Value, "In[2]:2:12: method V.Get is already defined with a different definition") {
		t.Fatalf("method redefinition: %+v", res.Error)
	}
	// The same method again is fine, and a function (not a method) may change.
	te.mustOK(t, "func (v V) Get() int { return v.A }\nfunc F() int { return 1 }")
	te.mustOK(t, "func F() int { return 2 }")
	if got := te.mustOK(t, "V{3}.Get() + F()"); got != "5" {
		t.Fatalf("after redefinitions: %q", got)
	}
	// A comment or formatting change is not a different definition.
	te.mustOK(t, "type V struct {\n\tA int // the value\n}")
}

func TestPanicFramesAcrossCells(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "\n\nfunc inner() {\n\tvar p *struct{ X int }\n\t_ = p.X\n}")
	res := te.exec(t, "func outer() {\n\tinner()\n}\nouter()")
	if res.Error == nil {
		t.Fatal("no error")
	}
	tb := strings.Join(res.Error.Traceback, "\n")
	for _, want := range []string{"In[1]:", "main.inner", "In[2]:2:2  main.outer", "In[2]:4:1  cell top level"} {
		if !strings.Contains(tb, want) {
			t.Errorf("traceback lacks %q:\n%s", want, tb)
		}
	}
}

func TestUseExtraPackage(t *testing.T) {
	te := newTestEngine(t)
	err := te.Use(map[string]map[string]reflect.Value{"example.com/greet/greet": {
		"Hello": reflect.ValueOf(func(name string) string { return "hello " + name }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := te.mustOK(t, "import \"example.com/greet\"\ngreet.Hello(\"go\")"); got != `"hello go"` {
		t.Fatalf("got %q", got)
	}
	ctx := context.Background()
	res, err := te.Complete(ctx, "greet.He", 8)
	if err != nil || !slices.Contains(res.Matches, "Hello") {
		t.Fatalf("complete: %v %v", res.Matches, err)
	}
	res, err = te.Complete(ctx, "import \"example.com/gr", 22)
	if err != nil || !slices.Contains(res.Matches, "example.com/greet") {
		t.Fatalf("complete import: %v %v", res.Matches, err)
	}
	ins, err := te.Inspect(ctx, "greet.Hello", 8, 0)
	if err != nil || !ins.Found || ins.Data["text/plain"] != "func greet.Hello(string) string" {
		t.Fatalf("inspect: %+v %v", ins, err)
	}
}

func TestReimportInParenthesizedList(t *testing.T) {
	e := newTestEngine(t)
	e.mustOK(t, `import "fmt"`)
	if got := e.mustOK(t, "import (\"fmt\"; \"strings\")\nstrings.Repeat(\"ab\", 2)"); got != `"abab"` {
		t.Fatalf("got %q", got)
	}
}

func TestWriteCallsShowNothing(t *testing.T) {
	e := newTestEngine(t)
	if got := e.mustOK(t, "import \"os\"\nos.Stdout.WriteString(\"x\\n\")"); got != "" {
		t.Fatalf("a Write call showed %q", got)
	}
}

func TestAutoImportStdlib(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"fmt and strings", "fmt.Sprint(1)\nstrings.ToUpper(\"a\")", `"A"`},
		{"declared name is not a package", "time := 3\ntime + 1", "4"},
		{"nested selector", "x := struct{ s string }{\"q\"}\nstrconv.Quote(x.s)", `"\"q\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEngine(t)
			if got := e.mustOK(t, tt.code); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
