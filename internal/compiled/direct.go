package compiled

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A cell's go build is most of its latency: ~0.5 s, of which the go
// command's own work (loading packages, computing action IDs over the
// standard library) is ~0.15 s, the compiles 0.07 s and the plugin link
// ~0.3 s. When a cell needs only the standard library and earlier cells
// this tier built itself, the tier runs the compiler and the linker as the
// go command would, with the standard library's plugin-mode archives the
// front-end already knows (go list -export -deps, at warm-up): the same
// archives, so plugin.Open sees the same package versions. Any failure
// falls back to go build, which reports the real error.

// directBuild builds the plugin of a cell plan at so with compile and
// link. ok is false when the cell needs what only the go command knows (a
// module, an earlier cell the go command built, a build flag other than
// -trimpath, an archive the front-end has not listed): the caller runs go
// build then. A library cell's archive is kept for later cells' builds.
func (t *Tier) directBuild(ctx context.Context, p *Plan, cellDir, mainDir, so string) (ok bool, cpu time.Duration, err error) {
	if t.tc.ToolDir == "" || os.Getenv("GOKERNEL_DIRECT_BUILD") == "off" {
		return false, 0, nil
	}
	for _, f := range t.tc.Flags {
		if f != "-trimpath" {
			return false, 0, nil
		}
	}
	t.fe.mu.Lock()
	archives := make(map[string]string, len(t.fe.exports))
	for k, v := range t.fe.exports {
		archives[k] = v
	}
	t.fe.mu.Unlock()
	t.mu.Lock()
	for k, v := range t.archives {
		archives[k] = v
	}
	t.mu.Unlock()
	imports, ok := directImports(t.module, p.cellSrc, p.gkSrc)
	if !ok {
		return false, 0, nil
	}
	for _, path := range append(imports, "runtime", "runtime/cgo") {
		if archives[path] == "" {
			return false, 0, nil
		}
	}
	whole := p.mainSrc == ""
	cellArchive := filepath.Join(cellDir, "_pkg_.a")
	mainPath, mainArchive := p.path, cellArchive
	if !whole {
		mainPath, mainArchive = t.module+"/"+filepath.Base(mainDir), filepath.Join(mainDir, "_pkg_.a")
	}
	compile := filepath.Join(t.tc.ToolDir, "compile")
	common := []string{"-lang=go" + langVersion(t.tc.Version), "-complete", "-installsuffix", "dynlink", "-goversion", t.tc.Version, "-c=2", "-dynlink", "-nolocalimports", "-pack"}

	var cfg strings.Builder
	for _, path := range imports {
		fmt.Fprintf(&cfg, "packagefile %s=%s\n", path, archives[path])
	}
	// File names as the go command gives them (they are in the export
	// data, whose hash plugin.Open compares with a go-built importer's
	// copy): absolute, or the package path under -trimpath.
	trim := func(dir, path string) []string {
		if len(t.tc.Flags) == 0 {
			return nil
		}
		return []string{"-trimpath", dir + "=>" + path}
	}
	if err := t.tool(ctx, &cpu, compile, cellDir, cfg.String(), append(append([]string{"-o", cellArchive, "-p", p.path}, trim(cellDir, p.path)...), common...), "cell.go", "gk.go"); err != nil {
		return false, cpu, fatal(err)
	}
	if !whole {
		if err := t.tool(ctx, &cpu, compile, mainDir, fmt.Sprintf("packagefile %s=%s\n", p.path, cellArchive), append(append([]string{"-o", mainArchive, "-p", mainPath}, trim(mainDir, mainPath)...), common...), "main.go"); err != nil {
			return false, cpu, fatal(err)
		}
	}
	// The link takes every archive it may need: it loads only what the
	// main package reaches.
	archives[p.path] = cellArchive
	archives[mainPath] = mainArchive
	paths := make([]string, 0, len(archives))
	for path := range archives {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	var link strings.Builder
	for _, path := range paths {
		fmt.Fprintf(&link, "packagefile %s=%s\n", path, archives[path])
	}
	extld := "-extld=gcc"
	if cc, _, _ := strings.Cut(t.tc.CC, " "); cc != "" {
		extld = "-extld=" + cc
	}
	linkDir := mainDir
	if whole {
		linkDir = cellDir
	}
	if err := t.tool(ctx, &cpu, filepath.Join(t.tc.ToolDir, "link"), linkDir, link.String(), []string{"-o", so, "-installsuffix", "dynlink", "-pluginpath", mainPath, "-buildmode=plugin", "-w", extld}, mainArchive); err != nil {
		return false, cpu, fatal(err)
	}
	if !whole && !p.stmts {
		// A library cell: later cells import it.
		t.mu.Lock()
		if t.archives == nil {
			t.archives = map[string]string{}
		}
		t.archives[p.path] = cellArchive
		t.mu.Unlock()
	}
	return true, cpu, nil
}

// errDirect: a direct build step failed; go build gets the cell.
var errDirect = errors.New("direct build failed")

// fatal is err unless it only means falling back to go build.
func fatal(err error) error {
	if errors.Is(err, errDirect) {
		return nil
	}
	return err
}

// tool runs a Go tool in dir with cfg as its -importcfg. A failure is an
// error only when ctx ended (the caller then stops); otherwise it is
// logged and the caller falls back to go build.
func (t *Tier) tool(ctx context.Context, cpu *time.Duration, bin, dir, cfg string, args []string, files ...string) error {
	cfgFile := filepath.Join(dir, "importcfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return errDirect
	}
	args = append(append([]string{}, args...), "-importcfg", cfgFile)
	args = append(args, files...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, t.tc.Env...), "GOROOT="+t.tc.GOROOT)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if cmd.ProcessState != nil {
		*cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t.log.Debug("compiled tier: direct build failed, using go build", "tool", filepath.Base(bin), "err", err, "out", strings.TrimSpace(out.String()))
		return errDirect
	}
	return nil
}

// directImports lists the packages the sources import, ok false when one
// is neither in the standard library nor a cell package (module).
func directImports(module string, srcs ...string) ([]string, bool) {
	seen := map[string]bool{}
	var out []string
	fset := token.NewFileSet()
	for _, src := range srcs {
		f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly)
		if err != nil {
			return nil, false
		}
		for _, is := range f.Imports {
			path, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return nil, false
			}
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") || path == "C" || path == module {
				return nil, false
			}
			if !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
		}
	}
	sort.Strings(out)
	return out, true
}
