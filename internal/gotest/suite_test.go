package gotest

import (
	"os/exec"
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
	const file = "suite-compiled-baseline.json"
	base := loadBaseline(t, file)
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	jobs, err := SuiteJobs(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	results := runInKernels(t, jobs, append(KernelEnv(), "GOKERNEL_COMPILE=auto"), 30*time.Second)
	holdToBaseline(t, "Go's test suite, compiled tier", file, base, results)
}
