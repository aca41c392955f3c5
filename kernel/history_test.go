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

func TestGlobRegexp(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"", "anything", true}, {"*", "anything", true}, {"*", "", true},
		{"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "abbbc", true}, {"x*", "abc", false},
		{"*print*", `fmt.Println("x")`, false}, {"*Print*", `fmt.Println("x")`, true},
		{"abc", "abc", true}, {"abc", "abcd", false},
		{"*", "two\nlines", true}, {"a*b", "a\n/\nb", true},
		{"?", "x", true}, {"?", "", false}, {"?", "ü", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[ab]x", "bx", true}, {"[ab]x", "cx", false}, {"[a-c]", "b", true}, {"[a-c]", "d", false},
		{"[^ab]x", "cx", true}, {"[^ab]x", "ax", false}, {"[]]", "]", true}, {"[^]]", "]", false},
		{"[.]", ".", true}, {"[.]", "a", false}, {"[\\]", "\\", true}, {"[^", "[^", true},
		{"x.y", "x.y", true}, {"x.y", "xzy", false}, {"(a)+", "(a)+", true}, {"$x", "$x", true},
	}
	for _, tt := range tests {
		re, err := globRegexp(tt.pat)
		if err != nil {
			t.Errorf("globRegexp(%q): %v", tt.pat, err)
			continue
		}
		if got := re.MatchString(tt.s); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestHistoryQuery(t *testing.T) {
	var h history
	for _, c := range []string{"x := 1", "fmt.Println(x)", "x := 1", "y := 2", "fmt.Print(y)"} {
		h.add(c)
	}
	lines := func(es []historyEntry) []int {
		out := []int{}
		for _, e := range es {
			out = append(out, e.Line)
		}
		return out
	}
	tests := []struct {
		name    string
		req     historyRequest
		want    []int
		wantErr bool
	}{
		{"tail 2", historyRequest{HistAccessType: "tail", N: 2}, []int{4, 5}, false},
		{"tail all", historyRequest{HistAccessType: "tail"}, []int{1, 2, 3, 4, 5}, false},
		{"tail more than there is", historyRequest{HistAccessType: "tail", N: 99}, []int{1, 2, 3, 4, 5}, false},
		{"range", historyRequest{HistAccessType: "range", Start: 2, Stop: 4}, []int{2, 3}, false},
		{"range open end", historyRequest{HistAccessType: "range", Start: 4}, []int{4, 5}, false},
		{"range other session", historyRequest{HistAccessType: "range", Session: 7, Start: 1}, []int{}, false},
		{"search star", historyRequest{HistAccessType: "search", Pattern: "fmt.*"}, []int{2, 5}, false},
		{"search question mark", historyRequest{HistAccessType: "search", Pattern: "? := ?"}, []int{1, 3, 4}, false},
		{"search set", historyRequest{HistAccessType: "search", Pattern: "[y] := *"}, []int{4}, false},
		{"search unique keeps the latest", historyRequest{HistAccessType: "search", Pattern: "x := 1", Unique: true}, []int{3}, false},
		{"search n", historyRequest{HistAccessType: "search", Pattern: "*", N: 2}, []int{4, 5}, false},
		{"unknown type", historyRequest{HistAccessType: "sideways"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.query(tt.req)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !reflect.DeepEqual(lines(got), tt.want) {
				t.Fatalf("lines %v, want %v", lines(got), tt.want)
			}
		})
	}
}
