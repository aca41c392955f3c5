package goeval

import (
	"reflect"
	"testing"
)

func TestAutoImports(t *testing.T) {
	te := newTestEngine(t)
	for _, tc := range []struct {
		code string
		want []string
	}{
		{"strings.ToUpper(\"a\")", []string{"strings"}},
		// What follows range is the ranged expression, never a declaration.
		{"for _, f := range strings.Fields(\"a b\") { _ = f }", []string{"strings"}},
		{"for range time.Tick(1) { break }", []string{"time"}},
		{"strings := 1\n_ = strings", nil},
		{"x.y", nil},
	} {
		if got := te.autoImports(tc.code); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("autoImports(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
	if got := te.mustOK(t, "n := 0\nfor range strings.Fields(\"a b c\") { n++ }\nn"); got != "3" {
		t.Errorf("range over an auto-imported package's result: n = %s, want 3", got)
	}
}
