package goeval

import (
	"strings"
	"testing"
)

func TestSmoke(t *testing.T) {
	te := newTestEngine(t)
	for _, c := range []string{
		"import \"fmt\"\nfunc f() int { return 3 }\nfmt.Println(f())\nx := f() * 2\nx",
		"1+2",
		`"hello"`,
		"[]int{1,4,9}",
		"type T struct{A int}\nfunc (t T) String() string { return fmt.Sprint(\"T!\", t.A) }\nT{5}",
		"type T struct{A, B int}",
		"import \"fmt\"\nfmt.Println(1)",
		"func v() {}\nv()",
		"var m map[string]int\nfunc g() {\n\tm[\"a\"] = 1\n}\n\ng()",
		"y := 1\n\nundefinedThing + 1",
		"go func() { panic(\"boom\") }()",
		"import \"os\"\nos.Exit(3)",
		"x := ",
	} {
		res := te.exec(t, c)
		t.Logf("%q -> %v %+v", c, res.Value, res.Error)
		if res.Error != nil {
			t.Log(strings.Join(res.Error.Traceback, "\n"))
		}
	}
	te.stderr.waitFor(t, "boom")
	t.Log(te.stdout.String(), te.stderr.String())
}
