package goeval

import "testing"

// FuzzSplitCell: the cell splitter must never panic, whatever a user types.
func FuzzSplitCell(f *testing.F) {
	for _, s := range []string{
		"x := 1\nfunc f() {}\nf()",
		"import (\"fmt\"; \"strings\")\nfmt.Println(strings.ToUpper(\"a\"))",
		"type T struct{ A int }\nfunc (t T) M() int { return t.A }\nT{1}.M()",
		"for {\n", "\"unterminated", "`raw\nstring`", "/* comment", "}}}{{{", "x := []int{1,\n2}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		_, _ = splitCell(code)
	})
}
