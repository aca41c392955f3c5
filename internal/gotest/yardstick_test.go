package gotest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kernelUnderTest is the kernel the yardstick tests run: $GOTEST_KERNEL (make
// test passes bin/gokernel) or one built here.
func kernelUnderTest(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("GOTEST_KERNEL")
	if exe == "" {
		exe = filepath.Join(t.TempDir(), "gokernel")
		t.Logf("building the kernel (set GOTEST_KERNEL to use a built one)")
		cmd := exec.Command("go", "build", "-trimpath", "-o", exe, "github.com/gokernel/gokernel")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	exe, err := filepath.Abs(exe)
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// baseline is a yardstick's testdata file: its pass-count floor and the
// silent wrong answers known today.
type baseline struct {
	Floor  int               `json:"floor"`
	Silent map[string]string `json:"silent"`
}

// loadBaseline reads testdata/file.
func loadBaseline(t *testing.T, file string) baseline {
	t.Helper()
	var base baseline
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &base); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return base
}

// runInKernels runs jobs through real kernels (the kernel under test, with
// env), two at a time, against go run results cached where make gotest
// keeps them.
func runInKernels(t *testing.T, jobs []Job, env []string, timeout time.Duration) []Result {
	t.Helper()
	exe := kernelUnderTest(t)
	cache, err := OpenRefCache(filepath.Join("..", "..", "artifacts", "gotest", "gorun-cache.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Kernel: exe, Tmp: t.TempDir(), Env: env, Parallel: 2,
		Timeout: timeout, RefTimeout: 3 * time.Minute, Cache: cache, KernelProgress: KernelProgress}
	results, err := RunJobs(context.Background(), cfg, jobs)
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// holdToBaseline logs the table and holds the results to base (read from
// testdata/file): no pass count below the floor, no silent wrong answer
// that is not listed.
func holdToBaseline(t *testing.T, title, file string, base baseline, results []Result) {
	t.Helper()
	var table strings.Builder
	sum := WriteTable(&table, title, results)
	t.Log(table.String())
	for _, r := range results {
		switch {
		case r.Silent && base.Silent[r.ID] == "":
			t.Errorf("%s: a new silent wrong answer: %s\nwant:\n%s\ngot:\n%s", r.ID, r.Reason, r.Want, r.Got)
		case r.Pass && base.Silent[r.ID] != "":
			t.Logf("%s passes now: remove it from the silent list of %s", r.ID, file)
		}
	}
	t.Logf("%s: %d/%d pass (%.1f%%), %d silent wrong answers (floor %d)",
		title, sum.Total.Pass, sum.Total.Total, sum.Total.Percent(), sum.Total.Silent, base.Floor)
	if sum.Total.Pass < base.Floor {
		t.Errorf("%d pass, below the floor of %d (testdata/%s)", sum.Total.Pass, base.Floor, file)
	}
	if sum.Total.Pass > base.Floor {
		t.Logf("the pass count is above the floor: raise floor in testdata/%s to %d", file, sum.Total.Pass)
	}
}
