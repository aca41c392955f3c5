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

// TestSuiteCompiled runs Go's own test suite as notebook cells with the
// compiled tier on (GOKERNEL_COMPILE=auto), as make gotest-compiled does,
// and holds it to testdata/suite-compiled-baseline.json: the pass count
// may not drop below the floor, and a silent wrong answer not listed there
// fails. It needs the Go toolchain the kernel was built with, with cgo (a
// kernel whose compiled tier is off fails the floor, it is not skipped).
func TestSuiteCompiled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 349 programs through real kernels (minutes)")
	}
	var base baseline
	b, err := os.ReadFile(filepath.Join("testdata", "suite-compiled-baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &base); err != nil {
		t.Fatalf("suite-compiled-baseline.json: %v", err)
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	jobs, err := SuiteJobs(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	exe := kernelUnderTest(t)
	cache, err := OpenRefCache(filepath.Join("..", "..", "artifacts", "gotest", "gorun-cache.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Kernel: exe, Tmp: t.TempDir(), Env: append(KernelEnv(), "GOKERNEL_COMPILE=auto"), Parallel: 2,
		Timeout: 30 * time.Second, RefTimeout: 3 * time.Minute, Cache: cache, KernelProgress: KernelProgress}
	results, err := RunJobs(context.Background(), cfg, jobs)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	sum := WriteTable(&table, "Go's test suite as cells, compiled tier on", results)
	t.Log(table.String())
	for _, r := range results {
		switch {
		case r.Silent && base.Silent[r.ID] == "":
			t.Errorf("%s: a new silent wrong answer: %s\nwant:\n%s\ngot:\n%s", r.ID, r.Reason, r.Want, r.Got)
		case r.Pass && base.Silent[r.ID] != "":
			t.Logf("%s passes now: remove it from the silent list of suite-compiled-baseline.json", r.ID)
		}
	}
	t.Logf("Go's test suite, compiled tier: %d/%d pass (%.1f%%), %d silent wrong answers (floor %d)",
		sum.Total.Pass, sum.Total.Total, sum.Total.Percent(), sum.Total.Silent, base.Floor)
	if sum.Total.Pass < base.Floor {
		t.Errorf("%d programs pass, below the floor of %d (testdata/suite-compiled-baseline.json)", sum.Total.Pass, base.Floor)
	}
}
