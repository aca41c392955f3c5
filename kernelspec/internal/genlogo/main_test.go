package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestAssetsUpToDate fails when the checked-in logos differ from what the
// generator draws, so a generator change cannot silently go unregenerated.
func TestAssetsUpToDate(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "assets", name))
		if err != nil {
			t.Fatalf("%v (run go generate ./kernelspec)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("assets/%s is stale: run go generate ./kernelspec", name)
		}
	}
}

func TestPNGRejectsBadSize(t *testing.T) {
	for _, size := range []int{0, 8, 20} {
		if _, err := PNG(size); err == nil {
			t.Errorf("PNG(%d): want error", size)
		}
	}
}
