package lower

import (
	"strings"
	"testing"
)

// TestChunkHelperImports checks that a helper import is evaluated once per
// session (yaegi reports a second one as redeclared) and that the %T
// helper of a chunk names only types of earlier chunks (the helpers are
// evaluated before the chunk that declares the others).
func TestChunkHelperImports(t *testing.T) {
	var lw Lowerer
	h1, _, err := lw.Chunk([]byte("type P struct{ X int }\n\nfunc f(v any) string { defer func() { recover() }(); return fmt.Sprintf(\"%T\", v) }"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(h1), `import _gk_reflect "reflect"`) {
		t.Errorf("first chunk's helpers lack the reflect import:\n%s", h1)
	}
	if strings.Contains(string(h1), "_gk_T") {
		t.Errorf("first chunk's %%T helper names the type it declares:\n%s", h1)
	}
	h2, code, err := lw.Chunk([]byte("p := P{1}\ndefer func() { recover() }()\nfmt.Printf(\"%T\\n\", p)"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(h2), `import _gk_reflect`) {
		t.Errorf("second chunk imports reflect again:\n%s", h2)
	}
	if !strings.Contains(string(h2), `return "main.P"`) || !strings.Contains(string(code), "_gk_T(p)") {
		t.Errorf("second chunk does not name P through _gk_T:\nhelpers:\n%s\ncode:\n%s", h2, code)
	}
}
