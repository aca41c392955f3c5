package worker

import "testing"

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
