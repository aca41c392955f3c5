package gotest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Reference is what `go run` of a program did: the yardstick a notebook
// run is compared with.
type Reference struct {
	// ExitCode is the exit status of go run (-1 when it timed out).
	ExitCode int `json:"exit_code"`
	// Stdout and Stderr are the program's two streams; Combined is both in
	// the order written (what Go's own test harness compares with .out).
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	Combined string `json:"combined"`
	TimedOut bool   `json:"timed_out,omitempty"`
	// OutFile tells whether a .out file is next to the program, and
	// OutMatch whether Combined equals it.
	OutFile  bool `json:"out_file,omitempty"`
	OutMatch bool `json:"out_match,omitempty"`
	// Seconds is how long go run took when it was not cached.
	Seconds float64 `json:"seconds"`
}

// OK reports whether go run passed: exit status 0 and, with a .out file,
// the expected output.
func (r Reference) OK() bool {
	return !r.TimedOut && r.ExitCode == 0 && (!r.OutFile || r.OutMatch)
}

// RefCache keeps go run results in a JSON file, keyed by the Go version and
// the hash of the program (and its .out file): go run of 349 programs costs
// minutes of compiling, and neither changes between runs.
type RefCache struct {
	path    string
	version string
	mu      sync.Mutex
	m       map[string]Reference
	dirty   bool
}

// OpenRefCache loads the cache at path (a missing file is an empty cache).
func OpenRefCache(path string) (*RefCache, error) {
	c := &RefCache{path: path, version: runtime.Version(), m: map[string]Reference{}}
	if v, err := goVersion(); err == nil {
		c.version = v
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the go run cache: %w", err)
	}
	if err := json.Unmarshal(b, &c.m); err != nil {
		// A corrupt cache is only lost time: start afresh.
		c.m = map[string]Reference{}
	}
	return c, nil
}

// GoVersion is the version of the go command the references come from.
func (c *RefCache) GoVersion() string { return c.version }

// goVersion asks the go command on PATH for its version (the toolchain
// that runs the references, which may differ from the runner's own).
func goVersion() (string, error) {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (c *RefCache) key(src, out []byte) string {
	h := sha256.New()
	h.Write(src)
	h.Write([]byte{0})
	h.Write(out)
	// "2": the format of Reference (Combined from one pipe).
	return "2:" + c.version + ":" + hex.EncodeToString(h.Sum(nil))
}

// Save writes the cache back if it changed.
func (c *RefCache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	// Another run may have saved since this one loaded: keep its entries.
	if b, err := os.ReadFile(c.path); err == nil {
		var disk map[string]Reference
		if json.Unmarshal(b, &disk) == nil {
			for k, v := range disk {
				if _, ok := c.m[k]; !ok {
					c.m[k] = v
				}
			}
		}
	}
	b, err := json.MarshalIndent(c.m, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("saving the go run cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(c.path), ".gorun-cache-*")
	if err != nil {
		return fmt.Errorf("saving the go run cache: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("saving the go run cache: %w", err)
	}
	if err := os.Rename(f.Name(), c.path); err != nil {
		return fmt.Errorf("saving the go run cache: %w", err)
	}
	c.dirty = false
	return nil
}

// GoRun returns the reference result of the program in file (run in its
// own directory, as Go's test harness does), from the cache when the same
// Go version ran the same source before.
func (c *RefCache) GoRun(ctx context.Context, file string, timeout time.Duration) (Reference, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return Reference{}, fmt.Errorf("reading %s: %w", file, err)
	}
	outFile := strings.TrimSuffix(file, ".go") + ".out"
	want, err := os.ReadFile(outFile)
	hasOut := err == nil
	key := c.key(src, want)
	c.mu.Lock()
	r, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err = goRun(ctx, file, timeout)
	if err != nil {
		return r, err
	}
	r.OutFile = hasOut
	r.OutMatch = hasOut && r.Combined == string(want)
	if ctx.Err() != nil {
		return r, ctx.Err() // interrupted runs are not cached
	}
	c.mu.Lock()
	c.m[key] = r
	c.dirty = true
	c.mu.Unlock()
	return r, nil
}

// goRun runs `go run file` in the file's directory twice: once with its
// two streams apart, once with both on one pipe, the exact order Go's
// test harness compares with a .out file (the second run reuses the
// executable go run cached).
func goRun(ctx context.Context, file string, timeout time.Duration) (Reference, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return Reference{}, err
	}
	var stdout, stderr, combined lockedBuffer
	start := time.Now()
	r := Reference{}
	r.ExitCode, r.TimedOut, err = runOnce(ctx, abs, timeout, &stdout, &stderr)
	r.Seconds = time.Since(start).Seconds()
	if err != nil {
		return r, err
	}
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	if r.TimedOut {
		r.Combined = r.Stdout + r.Stderr
		return r, nil
	}
	code, timedOut, err := runOnce(ctx, abs, timeout, &combined, &combined)
	if err != nil {
		return r, err
	}
	r.Combined = combined.String()
	if code != r.ExitCode || timedOut {
		// A program whose outcome varies between runs is no yardstick.
		r.ExitCode, r.TimedOut = -2, timedOut
	}
	return r, nil
}

// runOnce runs go run of abs with the given writers; a timeout kills its
// process group.
func runOnce(ctx context.Context, abs string, timeout time.Duration, stdout, stderr *lockedBuffer) (code int, timedOut bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.Command("go", "run", filepath.Base(abs))
	cmd.Dir = filepath.Dir(abs)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return 0, false, fmt.Errorf("go run %s: %w", abs, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-waited
		return -1, true, nil
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, false, nil
	case errors.As(err, &ee):
		return ee.ExitCode(), false, nil
	}
	return 0, false, fmt.Errorf("go run %s: %w", abs, err)
}

// lockedBuffer is a bytes.Buffer safe for the two copying goroutines of
// exec.Cmd.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
