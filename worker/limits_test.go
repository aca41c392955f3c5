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

func TestTailBufferKeepsReasonPastTheDump(t *testing.T) {
	tb := &tailBuffer{max: 64}
	tb.Write([]byte("some output\nfatal error: runtime: out of mem"))
	tb.Write([]byte("ory\n\ngoroutine 1 [running]:\n"))
	for i := 0; i < 100; i++ {
		tb.Write([]byte("runtime.mallocgc(...)\n\t/usr/local/go/src/runtime/malloc.go:1 +0x1\n"))
	}
	if got := tb.reason(); got != "fatal error: runtime: out of memory" {
		t.Fatalf("reason %q", got)
	}
}
