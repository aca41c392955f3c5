package main

import (
	"strings"
	"testing"
)

// yaegi's internal lines go to the kernel's log, with or without the
// logger's date and time; a cell's own log lines go to the cell.
func TestYaegiLogFilter(t *testing.T) {
	for _, tc := range []struct {
		line   string
		kernel bool
	}{
		{"nil type\n", true},
		{"2026/12/04 01:02:03 nil type\n", true},
		{"nil reflect type\n", true},
		{"2026/12/04 01:02:03 compositeGenerator not implemented for x\n", true},
		{"the cell's own line\n", false},
		{"a nil type error in the cell: not nil type\n", true},
		{"vanilla type\n", false},
	} {
		var cell, kernel strings.Builder
		if _, err := (yaegiLogFilter{cell: &cell, kernel: &kernel}).Write([]byte(tc.line)); err != nil {
			t.Fatal(err)
		}
		if got := kernel.Len() > 0; got != tc.kernel || (cell.Len() > 0) == tc.kernel {
			t.Errorf("%q: to the kernel %v, want %v", tc.line, got, tc.kernel)
		}
	}
}
