package worker

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4GiB", 4 << 30, true}, {"512MB", 512e6, true}, {"1.5G", 3 << 29, true}, {"1073741824", 1 << 30, true},
		{"2 gib", 2 << 30, true}, {"", 0, false}, {"lots", 0, false}, {"-1G", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v", tt.in, got, err)
		}
	}
}
