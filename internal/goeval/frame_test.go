package goeval

import (
	"reflect"
	"strconv"
	"testing"
)

// TestFrameGrowsAmortized runs cells that each add global slots and checks
// that values stay right across the frame's growth and that the frame is
// not reallocated for every cell (yaegi's own resize copies it each time).
func TestFrameGrowsAmortized(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "x := 0")
	frame := func() []reflect.Value {
		fr := reflect.ValueOf(te.in).Elem().FieldByName("frame").Elem()
		d, ok := fieldPtr[[]reflect.Value](fr, "data")
		if !ok {
			t.Fatal("yaegi's frame has no data field: update frame.go")
		}
		return *d
	}
	reallocs := 0
	for i := 1; i <= 600; i++ {
		before := frame()
		// A trailing value takes a global slot: every cell grows the frame.
		if got := te.mustOK(t, "x++\nx"); got != strconv.Itoa(i) {
			t.Fatalf("cell %d: x = %s", i, got)
		}
		after := frame()
		if len(after) <= len(before) {
			t.Fatalf("cell %d added no slot (%d -> %d): the test no longer measures growth", i, len(before), len(after))
		}
		if len(before) > 0 && &before[0] != &after[0] {
			reallocs++
		}
	}
	if reallocs > 10 {
		t.Errorf("the frame was reallocated %d times in 600 cells; want amortized growth (a few)", reallocs)
	}
}
