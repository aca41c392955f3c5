package compiled

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// toolchain is a Go toolchain that builds plugins this process can load:
// the same Go version, cgo on, and the build settings this binary was
// built with (a package built with other settings is "a different version
// of package" to plugin.Open).
type toolchain struct {
	// Go is the go command's path, GOROOT its root, Version its version;
	// ToolDir holds compile and link, CC is the C compiler (directBuild).
	Go, GOROOT, Version string
	ToolDir, CC         string
	// Flags are the go build flags that reproduce this binary's settings
	// (-trimpath, -race, -tags, ...).
	Flags []string
	// Env holds the build environment: this binary's GOAMD64-style
	// settings, GOFLAGS cleared, no workspace, no toolchain switching, no
	// network (cells import the standard library and each other only).
	Env []string
}

// hostSettings are the build settings of this binary.
func hostSettings() (map[string]string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("this binary carries no build information")
	}
	m := map[string]string{}
	for _, s := range bi.Settings {
		m[s.Key] = s.Value
	}
	return m, nil
}

// findGo returns the go command: $GOROOT/bin/go, the one on PATH, or the
// one in the GOROOT this binary was built from (where `go install` put it).
func findGo() (string, error) {
	var tried []string
	if r := os.Getenv("GOROOT"); r != "" {
		tried = append(tried, filepath.Join(r, "bin", "go"))
	}
	if p, err := exec.LookPath("go"); err == nil {
		tried = append(tried, p)
	}
	//lint:ignore SA1019 runtime.GOROOT is where this binary's toolchain was, the best guess without PATH
	if r := runtime.GOROOT(); r != "" {
		tried = append(tried, filepath.Join(r, "bin", "go"))
	}
	tried = append(tried, "/usr/local/go/bin/go")
	for _, p := range tried {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("no Go toolchain found (not on PATH, not in $GOROOT/bin, not where this kernel was built)")
}

// quickCheck says, without running anything, why compiled cells cannot
// work in this process ("" when they may): for the banner, which must not
// wait for the go command. probe is the real check.
func quickCheck() string {
	s, err := hostSettings()
	if err != nil {
		return err.Error()
	}
	if s["CGO_ENABLED"] != "1" {
		return "this kernel was built without cgo, which plugins need"
	}
	goBin, err := findGo()
	if err != nil {
		return err.Error()
	}
	root := filepath.Dir(filepath.Dir(goBin))
	if b, err := os.ReadFile(filepath.Join(root, "VERSION")); err == nil {
		v, _, _ := strings.Cut(string(b), "\n")
		if v = strings.TrimSpace(v); strings.HasPrefix(v, "go") && v != runtime.Version() {
			return fmt.Sprintf("the Go toolchain at %s is %s, this kernel was built with %s", goBin, v, runtime.Version())
		}
	}
	return ""
}

// probe finds a toolchain matching this binary, or says why there is none.
func probe(ctx context.Context) (*toolchain, error) {
	s, err := hostSettings()
	if err != nil {
		return nil, err
	}
	if s["CGO_ENABLED"] != "1" {
		return nil, errors.New("this kernel was built without cgo, which plugins need")
	}
	goBin, err := findGo()
	if err != nil {
		return nil, err
	}
	tc := &toolchain{Go: goBin}
	tc.Env = buildEnv(s)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "env", "-json", "GOVERSION", "GOROOT", "CGO_ENABLED", "CC", "GOTOOLDIR")
	cmd.Env = tc.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s env: %w: %s", goBin, err, strings.TrimSpace(stderr.String()))
	}
	var env struct{ GOVERSION, GOROOT, CGO_ENABLED, CC, GOTOOLDIR string }
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("%s env: %w", goBin, err)
	}
	tc.Version, tc.GOROOT, tc.ToolDir, tc.CC = env.GOVERSION, env.GOROOT, env.GOTOOLDIR, env.CC
	if tc.Version != runtime.Version() {
		return nil, fmt.Errorf("the Go toolchain at %s is %s, this kernel was built with %s: install %s or rebuild the kernel with this toolchain", goBin, tc.Version, runtime.Version(), runtime.Version())
	}
	if env.CGO_ENABLED != "1" {
		return nil, fmt.Errorf("cgo is off for %s (no C compiler %q found?), and plugins need it", goBin, env.CC)
	}
	if cc, _, _ := strings.Cut(env.CC, " "); cc != "" {
		if _, err := exec.LookPath(cc); err != nil {
			return nil, fmt.Errorf("the C compiler %q that plugins need is missing: %w", cc, err)
		}
	}
	tc.Flags = buildFlags(s)
	return tc, nil
}

// buildFlags are the go build flags of this binary's settings.
func buildFlags(s map[string]string) []string {
	var f []string
	for _, b := range []string{"-trimpath", "-race", "-msan", "-asan"} {
		if s[b] == "true" {
			f = append(f, b)
		}
	}
	for _, k := range []string{"-tags", "-gcflags", "-asmflags"} {
		if v := s[k]; v != "" {
			f = append(f, k+"="+v)
		}
	}
	return f
}

// buildEnv is the go command's environment: the process's, with the
// settings that change package builds set to this binary's and the ones
// that would make the build reach elsewhere turned off.
func buildEnv(s map[string]string) []string {
	drop := map[string]bool{"GOFLAGS": true, "GOWORK": true, "GOTOOLCHAIN": true, "GOPROXY": true, "GO111MODULE": true, "GOOS": true, "GOARCH": true, "CGO_ENABLED": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] {
			continue
		}
		if _, set := s[k]; set && strings.HasPrefix(k, "GO") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "GO111MODULE=on", "CGO_ENABLED=1")
	for k, v := range s {
		if strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_") && k != "CGO_ENABLED" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// GOROOT is the root of the Go toolchain on this machine ("" when there is
// none): what runtime.GOROOT() returns in a program go run built. This
// binary is built with -trimpath, so its own runtime.GOROOT() is empty;
// the kernel starts its worker with $GOROOT from this (when unset) so that cells of both
// tiers see what go run's programs see. No command runs.
func GOROOT() string {
	goBin, err := findGo()
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(goBin); err == nil {
		goBin = real
	}
	root := filepath.Dir(filepath.Dir(goBin))
	if _, err := os.Stat(filepath.Join(root, "src", "runtime")); err != nil {
		return ""
	}
	return root
}
