// Package builder implements `gokernel build`: it builds a kernel binary
// with more Go packages importable from cells.
//
//	gokernel build --with github.com/google/uuid@v1.6.0 [--with PKG[@VERSION] ...] [-o PATH] [--src DIR]
//
// Cells can only import packages whose symbols are compiled into the
// kernel. The command needs the gokernel source tree (--src, else
// $GOKERNEL_SRC, else the module of the current directory when it is
// gokernel) and a Go toolchain. It never writes to the source tree:
//
//  1. go.mod and go.sum are copied to a temporary directory, where
//     `go get PKG@VERSION` adds each package's module;
//  2. yaegi's extractor (github.com/traefik/yaegi/cmd/yaegi extract, at
//     the version in go.mod) generates each package's symbol table;
//  3. the kernel is built from the source tree with -modfile pointing at
//     the temporary go.mod and -overlay replacing extra.go (which returns
//     no symbols) by a file returning the generated tables, which are
//     overlaid as new files of package main.
//
// Each --with names a package (usually the module's root package); its
// version defaults to latest. Generic functions and types of the package
// are left out, as yaegi cannot call uninstantiated generic code.
package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
)

// modulePath is gokernel's module path; the source tree must be this module.
const modulePath = "github.com/gokernel/gokernel"

// options configures buildKernel.
type options struct {
	// Src is the gokernel source tree (the directory of its go.mod).
	Src string
	// With lists the packages to add, as import/path[@version].
	With []string
	// Output is the path of the kernel binary to write.
	Output string
	// Log receives progress and the go command's output (nil: discarded).
	Log io.Writer
	// Env is the environment of the go commands (nil: os.Environ()).
	Env []string
}

// Main runs `gokernel build` with args (after "build") and returns the
// process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gokernel build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var with []string
	fs.Func("with", "package to add, as import/path[@version] (repeatable)", func(v string) error { with = append(with, v); return nil })
	out := fs.String("o", "gokernel", "path of the kernel binary to write")
	src := fs.String("src", "", "gokernel source tree (default: $GOKERNEL_SRC, else the module of the current directory)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gokernel build --with PKG[@VERSION] [--with ...] [-o PATH] [--src DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if len(with) == 0 || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	dir, err := findSource(*src)
	if err != nil {
		fmt.Fprintln(stderr, "gokernel build:", err)
		return 1
	}
	opts := options{Src: dir, With: with, Output: *out, Log: stderr}
	if err := buildKernel(context.Background(), opts); err != nil {
		fmt.Fprintln(stderr, "gokernel build:", err)
		return 1
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "built %s with %s\nInstall it and restart the kernel to use them:\n  %s install --user\n", abs, strings.Join(with, ", "), abs)
	return 0
}

// findSource returns the gokernel source tree: dir if not empty, else
// $GOKERNEL_SRC, else the main module of the current directory if it is
// gokernel.
func findSource(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("GOKERNEL_SRC")
	}
	if dir == "" {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("finding the gokernel source: go env GOMOD: %w", err)
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			return "", errors.New("the gokernel source tree is needed: run in it, pass --src DIR or set GOKERNEL_SRC")
		}
		dir = filepath.Dir(gomod)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("%s is not the gokernel source tree: %w", abs, err)
	}
	if mp := modfile.ModulePath(b); mp != modulePath {
		return "", fmt.Errorf("%s is module %q, not %s: pass --src DIR or set GOKERNEL_SRC", abs, mp, modulePath)
	}
	return abs, nil
}

// buildKernel writes a kernel binary with the packages of opts.With importable.
func buildKernel(ctx context.Context, opts options) error {
	if len(opts.With) == 0 {
		return errors.New("no packages to add (--with)")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	out, err := filepath.Abs(opts.Output)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gokernel-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	b := &build{opts: opts, tmp: tmp}
	if err := b.prepareModule(ctx); err != nil {
		return err
	}
	var paths []string
	for _, w := range opts.With {
		path, version, _ := strings.Cut(w, "@")
		if path == "" {
			return fmt.Errorf("--with %q: want import/path[@version]", w)
		}
		if version == "" {
			version = "latest"
		}
		fmt.Fprintf(opts.Log, "adding %s@%s\n", path, version)
		if err := b.goCmd(ctx, tmp, "get", path+"@"+version); err != nil {
			return fmt.Errorf("go get %s@%s: %w", path, version, err)
		}
		paths = append(paths, path)
	}
	gen := filepath.Join(tmp, "gen")
	if err := os.Mkdir(gen, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(opts.Log, "extracting symbols of %s\n", strings.Join(paths, ", "))
	args := append([]string{"run", "github.com/traefik/yaegi/cmd/yaegi", "extract", "-name", "main"}, paths...)
	if err := b.goCmd(ctx, gen, args...); err != nil {
		return fmt.Errorf("extracting symbols: %w", err)
	}
	overlay, err := b.overlay(gen, paths)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Log, "building %s\n", out)
	if err := b.goCmd(ctx, opts.Src, "build", "-mod=mod", "-modfile="+filepath.Join(tmp, "go.mod"), "-overlay="+overlay, "-o", out, "."); err != nil {
		return fmt.Errorf("building the kernel: %w", err)
	}
	return nil
}

// build is one run of buildKernel.
type build struct {
	opts options
	tmp  string // holds go.mod, go.sum, gen/ and overlay.json
}

// prepareModule copies the source tree's go.mod and go.sum to b.tmp, with
// relative replace directives made absolute.
func (b *build) prepareModule(ctx context.Context) error {
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(b.opts.Src, f))
		if err != nil && !(f == "go.sum" && os.IsNotExist(err)) {
			return err
		}
		if err := os.WriteFile(filepath.Join(b.tmp, f), data, 0o644); err != nil {
			return err
		}
	}
	var mod struct {
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "go", "mod", "edit", "-json")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = b.tmp, b.opts.Env, &stdout, b.opts.Log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go mod edit -json: %w", err)
	}
	if err := json.Unmarshal(stdout.Bytes(), &mod); err != nil {
		return fmt.Errorf("go mod edit -json: %w", err)
	}
	for _, r := range mod.Replace {
		if r.New.Version != "" || !(strings.HasPrefix(r.New.Path, "./") || strings.HasPrefix(r.New.Path, "../")) {
			continue
		}
		old := r.Old.Path
		if r.Old.Version != "" {
			old += "@" + r.Old.Version
		}
		if err := b.goCmd(ctx, b.tmp, "mod", "edit", "-replace", old+"="+filepath.Join(b.opts.Src, r.New.Path)); err != nil {
			return err
		}
	}
	return nil
}

// overlay writes the generated extra.go and the overlay file that puts it
// and the extracted symbol files into the source tree's main package.
func (b *build) overlay(gen string, paths []string) (string, error) {
	files, err := filepath.Glob(filepath.Join(gen, "*.go"))
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", fmt.Errorf("the extractor generated nothing for %s", strings.Join(paths, ", "))
	}
	replace := map[string]string{}
	for _, f := range files {
		replace[filepath.Join(b.opts.Src, "zz_gokernel_build_"+filepath.Base(f))] = f
	}
	extra := filepath.Join(b.tmp, "extra.go")
	src := fmt.Sprintf(`// Code generated by gokernel build. DO NOT EDIT.

package main

import "reflect"

// Packages added by gokernel build: %s.

// Symbols is filled by the generated init functions of the symbol files.
var Symbols = map[string]map[string]reflect.Value{}

func extraSymbols() map[string]map[string]reflect.Value { return Symbols }
`, strings.Join(paths, ", "))
	if err := os.WriteFile(extra, []byte(src), 0o644); err != nil {
		return "", err
	}
	replace[filepath.Join(b.opts.Src, "extra.go")] = extra
	data, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	path := filepath.Join(b.tmp, "overlay.json")
	return path, os.WriteFile(path, data, 0o644)
}

// goCmd runs the go command in dir, its output going to the log.
func (b *build) goCmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, b.opts.Env, b.opts.Log, b.opts.Log
	return cmd.Run()
}
