package builder

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/internal/worker"
	"github.com/gokernel/gokernel/kernel"
)

func TestFindSource(t *testing.T) {
	src, err := findSource("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "extra.go")); err != nil {
		t.Fatalf("source tree %s: %v", src, err)
	}
	if _, err := findSource(t.TempDir()); err == nil {
		t.Error("FindSource(empty dir) succeeded")
	}
}

// nullOutput is a kernel.Output that drops everything.
type nullOutput struct{}

func (nullOutput) Stream(name, text string) {}
func (nullOutput) Display(d kernel.Display) {}
func (nullOutput) ClearOutput(wait bool)    {}
func (nullOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", nil
}

// TestBuildWithModule builds a kernel with github.com/google/uuid and checks
// that a cell imports it. The module and the kernel's own dependencies come
// through the user's GOPROXY (the module proxy), as for a user: a test that
// only reads the module cache passes on a warm machine alone.
func TestBuildWithModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a whole kernel")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	src, err := findSource("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "gokernel")
	var log bytes.Buffer
	start := time.Now()
	err = buildKernel(ctx, options{
		Src: src, With: []string{"github.com/google/uuid@v1.6.0"}, Output: bin, Log: &log,
		Env: append(os.Environ(), "GOFLAGS=-buildvcs=false"),
	})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, log.String())
	}
	t.Logf("built in %v", time.Since(start))

	sup := worker.NewSupervisor(worker.Options{Command: []string{bin, "worker"}, Env: append(os.Environ(), "GOTRACEBACK=none")})
	defer sup.Close()
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	res, err := sup.Execute(ctx, kernel.ExecuteRequest{Code: "import \"github.com/google/uuid\"\nlen(uuid.NewString())"}, nullOutput{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != nil {
		t.Fatalf("cell failed: %s: %s\n%s", res.Error.Name, res.Error.Value, strings.Join(res.Error.Traceback, "\n"))
	}
	if got := res.Value["text/plain"]; got != "36" {
		t.Fatalf("len(uuid.NewString()) = %v, want 36", got)
	}
	// The source tree is untouched.
	if b, err := os.ReadFile(filepath.Join(src, "extra.go")); err != nil || !strings.Contains(string(b), "return nil") {
		t.Errorf("extra.go changed: %v", err)
	}
}
