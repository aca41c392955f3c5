package gotok

import (
	"go/token"
	"testing"
)

func TestScan(t *testing.T) {
	tests := []struct {
		src        string
		depth      int
		unbalanced bool
		last       token.Token
		ends       bool
		errs       int
	}{
		{src: "", last: token.ILLEGAL},
		{src: "x := 1\n", last: token.INT, ends: true},
		{src: "x := 1", last: token.INT, ends: true}, // EOF ends the line too
		{src: "f(1,\n", depth: 1, last: token.COMMA},
		{src: "for {\n\tx++\n", depth: 1, last: token.INC, ends: true},
		{src: "a +\n", last: token.ADD},
		{src: "}\n", depth: -1, unbalanced: true, last: token.RBRACE, ends: true},
		{src: "s := `raw\n", last: token.STRING, ends: true, errs: 1},
		{src: "if x {\n}\n", last: token.RBRACE, ends: true},
	}
	for _, tc := range tests {
		got := Scan(tc.src)
		if got.Depth != tc.depth || got.Unbalanced != tc.unbalanced || got.Last != tc.last ||
			got.EndsStatement != tc.ends || len(got.Errors) != tc.errs {
			t.Errorf("Scan(%q) = %+v, want depth %d unbalanced %v last %v ends %v errors %d",
				tc.src, got, tc.depth, tc.unbalanced, tc.last, tc.ends, tc.errs)
		}
	}
}
