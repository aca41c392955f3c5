package kernel

import (
	"reflect"
	"testing"
)

func TestHistoryEntries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []string
	}{
		{"empty", nil},
		{"one", []string{"x := 1"}},
		{"empty sources keep their line", []string{"a", "", "ü\nb", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h history
			want := []historyEntry{}
			for i, c := range tc.cells {
				h.add(c)
				want = append(want, historyEntry{Line: i + 1, Source: c})
			}
			if got := h.entries(); !reflect.DeepEqual(got, want) {
				t.Fatalf("entries() = %+v, want %+v", got, want)
			}
		})
	}
}
