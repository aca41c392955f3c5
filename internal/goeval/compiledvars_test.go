package goeval

import "testing"

// TestUseCompiledVars: uses of a compiled cell's variables go through
// their pointers; declarations, locals, parameters, selectors, fields and
// composite-literal keys of the same name are left alone.
func TestUseCompiledVars(t *testing.T) {
	e := &Engine{compiledVars: map[string]string{"n": "(*_gkv1.Gk_p_n)", "xs": "(*_gkv1.Gk_p_xs)"}}
	tests := []struct{ name, in, want string }{
		{"assign", "n = 5", "(*_gkv1.Gk_p_n) = 5"},
		{"append", "xs = append(xs, n)", "(*_gkv1.Gk_p_xs) = append((*_gkv1.Gk_p_xs), (*_gkv1.Gk_p_n))"},
		{"in a func", "func f() int { return n + 1 }", "func f() int { return (*_gkv1.Gk_p_n) + 1 }"},
		{"parameter shadows", "func f(n int) int { return n }", "func f(n int) int { return n }"},
		{"local shadows", "func f() int { n := 2; return n }", "func f() int { n := 2; return n }"},
		{"redeclared at top level", "n := 3\nn++", "n := 3\nn++"},
		{"declared by var", "var n = 1", "var n = 1"},
		{"selector and field", "type T struct{ n int }\nv := T{n: 1}\nv.n = n", "type T struct{ n int }\nv := T{n: 1}\nv.n = (*_gkv1.Gk_p_n)"},
		{"string and comment", "s := \"n\" // n\n_ = s", "s := \"n\" // n\n_ = s"},
		{"unmentioned", "fmt.Println(1)", "fmt.Println(1)"},
		{"mixed runs", "import \"fmt\"\nfmt.Println(n)\nfunc g() { n++ }", "import \"fmt\"\nfmt.Println((*_gkv1.Gk_p_n))\nfunc g() { (*_gkv1.Gk_p_n)++ }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.useCompiledVars(tt.in); got != tt.want {
				t.Errorf("useCompiledVars(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
