package compiled

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"plugin"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// Third-party modules in a running session (docs/modules.md). A cell's
// import of a package the interpreter does not have is resolved in the
// session's build module (the kernel's own module graph as the base, plus
// the notebook's go.mod), fetched with the user's GOPROXY, built with the
// package's yaegi symbol table into a plugin, and loaded into this process:
// the interpreter Uses the table, compiled cells import the package.

// ErrNoToolchain wraps the reason modules cannot be fetched and built in
// this session (no matching Go toolchain, no cgo).
var ErrNoToolchain = errors.New("no Go toolchain for modules")

// modState is the session's third-party modules. Its mutex serializes the
// module operations (they run the go command on the session's go.mod).
type modState struct {
	mu     sync.Mutex
	inited bool
	ws     string // the notebook's workspace: go.mod and go.sum
	wsNote string // why the workspace is not the default place ("" if it is)
	host   map[string]hostMod
	// pins are the workspace go.mod's modules and versions; ignored are
	// pins this session cannot use (the kernel links another version).
	pins    map[string]string
	ignored map[string]string
	// loaded maps each module with packages in this process to the
	// version loaded; pkgs are the packages whose symbols the interpreter
	// has (the packages cells imported).
	loaded map[string]string
	pkgs   map[string]bool
	// generics maps a loaded package to its exported generic functions
	// and types, which its symbol table lacks.
	generics map[string]map[string]bool
	// forced are the modules whose version the session's graph wanted
	// above the one in this process: the process's version is used.
	forced map[string]forcedMod
	// restart are pins changed for modules already loaded: they apply
	// after a restart.
	restart map[string]string
	// requesting are the packages being loaded now.
	requesting []string
	seq        int
}

// forcedMod is a module held at the version this process has.
type forcedMod struct {
	want, used, by string
}

// goModule is one line of `go list -m -json`.
type goModule struct {
	Path, Version string
	Main          bool
	Replace       *goModule
	Error         *struct{ Err string }
}

// version is the version whose code the build uses (the replacement's).
func (m goModule) version() string {
	if m.Replace != nil && m.Replace.Version != "" {
		return m.Replace.Version
	}
	return m.Version
}

// goPackage is one package of `go list -json`.
type goPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Standard   bool
	Module     *goModule
	Error      *struct{ Err string }
}

// ensureSession probes the toolchain and creates the session directory
// once, whatever the tier's mode (modules work with compiled cells off).
func (t *Tier) ensureSession(ctx context.Context) error {
	t.setupMu.Lock()
	defer t.setupMu.Unlock()
	if t.tc != nil {
		return nil
	}
	if t.setupErr != nil {
		return t.setupErr
	}
	if err := t.setUp(ctx); err != nil {
		if ctx.Err() == nil {
			t.setupErr = err
		}
		return err
	}
	return nil
}

// modEnv is the go command's environment for module operations: the
// build environment with the user's GOPROXY and GOFLAGS (GOPRIVATE,
// GONOSUMDB, GOSUMDB and GOINSECURE pass through as they are).
func (t *Tier) modEnv() []string {
	var env []string
	for _, kv := range t.tc.Env {
		if strings.HasPrefix(kv, "GOPROXY=") || strings.HasPrefix(kv, "GOFLAGS=") {
			continue
		}
		env = append(env, kv)
	}
	for _, k := range []string{"GOPROXY", "GOFLAGS"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// goRun runs the go command in the session directory with env, feeding
// its stderr to p (downloads, -v package lines) and returning stdout and
// the stderr lines that are neither (errors). It kills the command's
// whole process group when ctx is done.
func (t *Tier) goRun(ctx context.Context, env []string, p *modProgress, args ...string) ([]byte, string, error) {
	cmd := exec.CommandContext(ctx, t.tc.Go, args...)
	cmd.Dir, cmd.Env = t.dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	var errs strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "go: downloading "):
				p.downloading(strings.TrimPrefix(line, "go: downloading "))
			case isPackageLine(line):
				p.compiling(line)
			default:
				errs.WriteString(line)
				errs.WriteString("\n")
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	_ = pw.Close()
	<-done
	if err != nil && ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	return stdout.Bytes(), strings.TrimSpace(errs.String()), err
}

// isPackageLine reports whether a line of go build -v output names a
// package (an import path alone on its line).
func isPackageLine(line string) bool {
	return line != "" && !strings.ContainsAny(line, " \t:#") && !strings.HasPrefix(line, "go")
}

// modInit sets up the session's build module once: the kernel's modules
// at its versions, the notebook's pins, and a go.sum with their sums.
func (t *Tier) modInit(ctx context.Context, p *modProgress) error {
	m := &t.mods
	if m.inited {
		return nil
	}
	hostMods := t.hostMods
	if hostMods == nil {
		hostMods = hostModules
	}
	host, err := hostMods()
	if err != nil {
		return err
	}
	ws, note, err := workspaceDir(t.cwd)
	if err != nil {
		return err
	}
	pins, err := readPins(ws)
	if err != nil {
		return err
	}
	var sums []string
	if data, err := os.ReadFile(filepath.Join(ws, "go.sum")); err == nil {
		sums = strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	m.host, m.ws, m.wsNote = host, ws, note
	m.pins, m.ignored = map[string]string{}, map[string]string{}
	m.loaded, m.pkgs, m.forced, m.restart = map[string]string{}, map[string]bool{}, map[string]forcedMod{}, map[string]string{}
	m.generics = map[string]map[string]bool{}
	for path, v := range pins {
		if h, ok := host[path]; ok && h.Version != v {
			m.ignored[path] = v
			continue
		}
		m.pins[path] = v
	}
	var mod strings.Builder
	fmt.Fprintf(&mod, "module %s\n\ngo %s\n\n// The kernel's own modules, at the versions linked into it.\nrequire (\n", t.module, strings.TrimPrefix(t.tc.Version, "go"))
	var repl strings.Builder
	for _, path := range sortedKeys(host) {
		h := host[path]
		fmt.Fprintf(&mod, "\t%s %s\n", path, h.Version)
		if h.Sum != "" && h.ReplPath == "" {
			sums = append(sums, fmt.Sprintf("%s %s %s", path, h.Version, h.Sum))
		}
		if h.ReplPath != "" {
			fmt.Fprintf(&repl, "\t%s => %s %s\n", path, h.ReplPath, h.ReplVersion)
		}
	}
	mod.WriteString(")\n")
	if len(m.pins) > 0 {
		mod.WriteString("\n// The notebook's modules.\nrequire (\n")
		for _, path := range sortedKeys(m.pins) {
			if _, ok := host[path]; !ok {
				fmt.Fprintf(&mod, "\t%s %s\n", path, m.pins[path])
			}
		}
		mod.WriteString(")\n")
	}
	if repl.Len() > 0 {
		fmt.Fprintf(&mod, "\nreplace (\n%s)\n", repl.String())
	}
	if err := writeAtomic(filepath.Join(t.dir, "go.mod"), []byte(mod.String()), 0o600); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(t.dir, "go.sum"), []byte(strings.Join(slices.Compact(slices.Sorted(slices.Values(sums))), "\n")+"\n"), 0o600); err != nil {
		return err
	}
	p.set("resolving", "the kernel's module graph")
	if _, msg, err := t.goRun(ctx, t.modEnv(), p, "list", "-mod=mod", "-m", "all"); err != nil {
		return fmt.Errorf("resolving the session's modules (the kernel's own and the notebook's go.mod %s): %w: %s", filepath.Join(ws, "go.mod"), err, goMessage(msg))
	}
	m.inited = true
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// goMessage trims the go command's error output to what a user reads:
// without "go: " prefixes and download lines, at most 40 lines.
func goMessage(s string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.HasPrefix(line, "go: downloading ") || strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, strings.TrimPrefix(line, "go: "))
	}
	if len(out) > 40 {
		out = append(out[:40], fmt.Sprintf("... (%d more lines)", len(out)-40))
	}
	return strings.Join(out, "\n")
}

// snapshot saves the session's go.mod and go.sum; the returned func puts
// them back (a failed or interrupted operation changes nothing).
func (t *Tier) snapshot() func() {
	saved := map[string][]byte{}
	for _, f := range []string{"go.mod", "go.sum"} {
		if data, err := os.ReadFile(filepath.Join(t.dir, f)); err == nil {
			saved[f] = data
		}
	}
	forced := make(map[string]forcedMod, len(t.mods.forced))
	for k, v := range t.mods.forced {
		forced[k] = v
	}
	return func() {
		for f, data := range saved {
			_ = writeAtomic(filepath.Join(t.dir, f), data, 0o600)
		}
		t.mods.forced = forced
	}
}

// noToolchainError is the message for a cell that imports paths when
// modules cannot be built in this session.
func noToolchainError(paths []string, why error) error {
	var with []string
	for _, p := range paths {
		with = append(with, "--with "+p+"@latest")
	}
	return fmt.Errorf("%w: importing %s needs the Go toolchain this kernel was built with to fetch and build the module in the session, and %v.\n"+
		"Install it (with cgo and a C compiler) and run the cell again, or build a kernel that includes the package: "+
		"gokernel build %s -o ~/bin/gokernel-custom && ~/bin/gokernel-custom install --user, then restart the kernel",
		ErrNoToolchain, strings.Join(paths, ", "), why, strings.Join(with, " "))
}

// hasPackage reports whether an earlier cell loaded the symbols of
// package path into this session.
func (t *Tier) hasPackage(path string) bool {
	t.mods.mu.Lock()
	defer t.mods.mu.Unlock()
	return t.mods.pkgs[path]
}

// LoadPackages makes module packages importable: it resolves their
// modules in the session's build module (fetching them with the user's
// GOPROXY), holds every module this process already has at its version,
// builds the packages' symbol tables into a plugin and loads it. The
// returned tables are for the interpreter's Use. Progress is a display
// on out, updated in place. On an error (or an interrupt: ctx) nothing
// changed.
func (t *Tier) LoadPackages(ctx context.Context, paths []string, out kernel.Output) (map[string]map[string]reflect.Value, error) {
	p := newModProgress(out, strings.Join(paths, ", "))
	p.set("resolving", "")
	if err := t.ensureSession(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		p.done("cannot fetch modules: no usable Go toolchain")
		return nil, noToolchainError(paths, err)
	}
	m := &t.mods
	m.mu.Lock()
	defer m.mu.Unlock()
	syms, err := t.load(ctx, paths, p)
	if err != nil {
		if ctx.Err() != nil {
			p.done("interrupted: nothing was loaded, the notebook state is kept")
			return nil, ctx.Err()
		}
		p.done("failed: " + firstLine(err.Error()))
		return nil, err
	}
	return syms, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (t *Tier) load(ctx context.Context, paths []string, p *modProgress) (map[string]map[string]reflect.Value, error) {
	m := &t.mods
	if err := t.modInit(ctx, p); err != nil {
		return nil, err
	}
	restore := t.snapshot()
	ok := false
	defer func() {
		if !ok {
			restore()
		}
	}()
	start := time.Now()
	env := t.modEnv()

	// Which packages no module of the session provides yet.
	p.set("resolving", strings.Join(paths, ", "))
	pkgs, err := t.listPackages(ctx, env, p, paths)
	if err != nil {
		return nil, err
	}
	var get []string
	for _, pk := range pkgs {
		if pk.Error == nil {
			continue
		}
		e := pk.Error.Err
		if strings.Contains(e, "no required module provides package") || strings.Contains(e, "cannot find module providing package") {
			get = append(get, pk.ImportPath+"@latest")
			continue
		}
		return nil, fmt.Errorf("cannot add package %s: %s", pk.ImportPath, explainGet(e))
	}
	if len(get) > 0 {
		p.set("resolving", "go get "+strings.Join(get, " "))
		args := append([]string{"get"}, get...)
		if _, msg, err := t.goRun(ctx, env, p, args...); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("cannot add %s: %s", strings.Join(paths, ", "), explainGet(msg))
		}
	}
	m.requesting = paths
	defer func() { m.requesting = nil }()
	notes, err := t.holdLinked(ctx, env, p, nil)
	if err != nil {
		return nil, err
	}
	pkgs, err = t.listDeps(ctx, env, p, paths)
	if err != nil {
		return nil, err
	}

	// The symbol tables, then the plugin.
	m.seq++
	name := fmt.Sprintf("m%d", m.seq)
	dir := filepath.Join(t.dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	const symbolsGo = "// Code generated by gokernel for the packages cells import. DO NOT EDIT.\n\npackage main\n\nimport \"reflect\"\n\n// Symbols holds the packages' symbol tables, for the interpreter.\nvar Symbols = map[string]map[string]reflect.Value{}\n"
	if err := os.WriteFile(filepath.Join(dir, "symbols.go"), []byte(symbolsGo), 0o600); err != nil {
		return nil, fmt.Errorf("writing %s: %w", dir, err)
	}
	p.set("generating symbol tables", strings.Join(paths, ", "))
	if err := t.extract(ctx, dir, paths); err != nil {
		return nil, err
	}
	p.set("compiling", "")
	so := filepath.Join(t.dir, name+".so")
	args := append([]string{"build", "-mod=mod", "-buildmode=plugin", "-v", "-ldflags=-s -w"}, t.tc.Flags...)
	args = append(args, "-o", so, "./"+name)
	if _, msg, err := t.goRun(ctx, t.tc.Env, p, args...); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, t.buildError(paths, msg)
	}
	p.set("loading", name+".so")
	syms, err := openModulePlugin(so)
	if err != nil {
		return nil, t.loadError(err)
	}
	ok = true
	for _, pk := range pkgs {
		if pk.Module != nil && !pk.Module.Main {
			m.loaded[pk.Module.Path] = pk.Module.version()
		}
	}
	direct := map[string]string{}
	for _, pk := range pkgs {
		if slices.Contains(paths, pk.ImportPath) && pk.Module != nil {
			m.pkgs[pk.ImportPath] = true
			m.generics[pk.ImportPath] = genericNames(pk.Dir, pk.GoFiles)
			direct[pk.Module.Path] = pk.Module.version()
		}
	}
	t.mu.Lock()
	t.loaded++
	t.mu.Unlock()
	if err := t.savePins(direct); err != nil {
		notes = append(notes, "the notebook's go.mod was not updated: "+err.Error())
	}
	var mods []string
	for _, path := range sortedKeys(direct) {
		mods = append(mods, path+" "+direct[path])
	}
	text := fmt.Sprintf("loaded %s in %.1f s", strings.Join(mods, ", "), time.Since(start).Seconds())
	if len(notes) > 0 {
		text += "\n" + strings.Join(notes, "\n")
	}
	p.done(text)
	return syms, nil
}

// explainGet turns go get's failure into the message a cell shows.
func explainGet(msg string) string {
	msg = goMessage(msg)
	switch {
	case strings.Contains(msg, "malformed module path"), strings.Contains(msg, "invalid version"), strings.Contains(msg, "unknown revision"),
		strings.Contains(msg, "no matching versions"), strings.Contains(msg, "not available"), strings.Contains(msg, "404"), strings.Contains(msg, "410"),
		strings.Contains(msg, "400 Bad Request"), strings.Contains(msg, "does not contain package"):
		return "no such module or version on the module proxy (" + goProxy() + "):\n" + msg
	}
	return msg
}

// goProxy is the GOPROXY module operations use, for messages.
func goProxy() string {
	if v := os.Getenv("GOPROXY"); v != "" {
		return "GOPROXY=" + v
	}
	return "GOPROXY from go env"
}

// listPackages is `go list -e -json` of paths, in the session module.
func (t *Tier) listPackages(ctx context.Context, env []string, p *modProgress, paths []string) ([]goPackage, error) {
	args := append([]string{"list", "-mod=mod", "-e", "-json=ImportPath,Standard,Module,Error"}, paths...)
	out, msg, err := t.goRun(ctx, env, p, args...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("go list %s: %w: %s", strings.Join(paths, " "), err, goMessage(msg))
	}
	return decodeAll[goPackage](out)
}

// listDeps lists paths and every package they import (downloading what is
// missing), for the record of what this process links.
func (t *Tier) listDeps(ctx context.Context, env []string, p *modProgress, paths []string) ([]goPackage, error) {
	args := append([]string{"list", "-mod=mod", "-deps", "-json=ImportPath,Dir,GoFiles,Standard,Module,Error"}, paths...)
	out, msg, err := t.goRun(ctx, env, p, args...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("listing the packages %s imports: %w: %s", strings.Join(paths, ", "), err, goMessage(msg))
	}
	pkgs, err := decodeAll[goPackage](out)
	if err != nil {
		return nil, err
	}
	for _, pk := range pkgs {
		if pk.Error != nil {
			return nil, fmt.Errorf("package %s: %s", pk.ImportPath, goMessage(pk.Error.Err))
		}
	}
	return pkgs, nil
}

// decodeAll decodes a stream of JSON values.
func decodeAll[T any](data []byte) ([]T, error) {
	var out []T
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v T
		if err := dec.Decode(&v); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading the go command's output: %w", err)
		}
		out = append(out, v)
	}
}

// holdLinked keeps every module this process already has (the kernel's
// own, and those earlier cells loaded) at the version it has: a plugin
// shares their packages with the process, and plugin.Open refuses a
// package built from other code (a replace directive is not enough: with
// -trimpath the build records the selected version in the package's file
// names). Where the session's graph now selects a newer version (a new
// module needs it), go get puts the process's version back, which
// downgrades the modules that need more to their newest versions that work
// with it. explicit are the versions %go get asked for: if one of them
// had to go down, that is an error. It returns a note for each change.
func (t *Tier) holdLinked(ctx context.Context, env []string, p *modProgress, explicit map[string]string) ([]string, error) {
	m := &t.mods
	before, err := t.listModules(ctx, env, p)
	if err != nil {
		return nil, err
	}
	var gets []string
	held := map[string]forcedMod{}
	for _, mod := range before {
		have, ok := t.processVersion(mod.Path)
		if !ok || mod.Main || mod.version() == have {
			continue
		}
		held[mod.Path] = forcedMod{want: mod.Version, used: have, by: t.requiredBy(ctx, env, mod.Path, mod.Version)}
		gets = append(gets, mod.Path+"@"+have)
	}
	if len(gets) == 0 {
		return nil, nil
	}
	p.set("resolving", "keeping the kernel's versions: go get "+strings.Join(gets, " "))
	if _, msg, err := t.goRun(ctx, env, p, append([]string{"get"}, gets...)...); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, t.skewError(held, nil, goMessage(msg))
	}
	after, err := t.listModules(ctx, env, p)
	if err != nil {
		return nil, err
	}
	was := map[string]string{}
	for _, mod := range before {
		was[mod.Path] = mod.Version
	}
	now := map[string]string{}
	for _, mod := range after {
		now[mod.Path] = mod.Version
	}
	var notes []string
	var lowered []string
	for _, path := range sortedKeys(was) {
		if _, isHeld := held[path]; isHeld {
			continue
		}
		if v, asked := explicit[path]; asked && now[path] != v {
			lowered = append(lowered, fmt.Sprintf("%s %s (the newest that works with them: %s)", path, v, orNone(now[path])))
			continue
		}
		if now[path] != was[path] && (m.pins[path] != "" || explicit[path] != "" || t.requested(path)) {
			notes = append(notes, fmt.Sprintf("note: using %s %s, not %s: the newest version that works with the kernel's modules", path, orNone(now[path]), was[path]))
		}
	}
	if len(lowered) > 0 {
		return nil, t.skewError(held, lowered, "")
	}
	for path, f := range held {
		m.forced[path] = f
		notes = append(notes, fmt.Sprintf("note: %s needs %s %s, but this process has %s: that version is kept (a package in the process cannot be replaced by other code)", f.by, path, f.want, f.used))
	}
	sort.Strings(notes)
	return notes, nil
}

// requested reports whether path is the module of a package being loaded
// now (set by load for its notes).
func (t *Tier) requested(path string) bool {
	for _, p := range t.mods.requesting {
		if p == path || strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

// processVersion is the version of module path this process has: the
// kernel's, or what an earlier cell loaded.
func (t *Tier) processVersion(path string) (string, bool) {
	m := &t.mods
	if h, ok := m.host[path]; ok {
		if h.ReplPath != "" && h.ReplVersion == "" {
			return "", false // a directory replacement: not a version the graph can select
		}
		return h.Version, true
	}
	v, ok := m.loaded[path]
	return v, ok
}

// listModules is `go list -m -json all` in the session module.
func (t *Tier) listModules(ctx context.Context, env []string, p *modProgress) ([]goModule, error) {
	out, msg, err := t.goRun(ctx, env, p, "list", "-mod=mod", "-m", "-json", "all")
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("resolving the session's modules: %w: %s", err, goMessage(msg))
	}
	return decodeAll[goModule](out)
}

// skewError says that modules need newer versions of modules this process
// has, and what to do.
func (t *Tier) skewError(held map[string]forcedMod, lowered []string, detail string) error {
	var b strings.Builder
	for _, path := range sortedKeys(held) {
		f := held[path]
		whose := "the kernel links"
		if _, ok := t.mods.host[path]; !ok {
			whose = "this session loaded"
		}
		fmt.Fprintf(&b, "%s needs %s %s, but %s %s %s, and a package in this process cannot be replaced by other code.\n", f.by, path, f.want, whose, path, f.used)
	}
	if len(lowered) > 0 {
		fmt.Fprintf(&b, "Keeping those versions does not allow %s.\n", strings.Join(lowered, ", "))
	}
	if detail != "" {
		b.WriteString(detail + "\n")
	}
	b.WriteString("What to do: use a version that works with the kernel's (%go get MODULE@VERSION; %go mod shows the versions), " +
		"or build a kernel that links the newer one: gokernel build --with MODULE@VERSION -o ~/bin/gokernel-custom && ~/bin/gokernel-custom install --user, then restart the kernel")
	return errors.New(b.String())
}

// requiredBy names the modules of the session's graph that require
// path@version ("a module" when the graph does not say).
func (t *Tier) requiredBy(ctx context.Context, env []string, path, version string) string {
	out, _, err := t.goRun(ctx, env, nil, "mod", "graph")
	if err != nil {
		return "a module"
	}
	var by []string
	for _, line := range strings.Split(string(out), "\n") {
		from, to, ok := strings.Cut(line, " ")
		if ok && to == path+"@"+version && strings.Contains(from, "@") { // the main module has no version
			by = append(by, strings.Replace(from, "@", " ", 1))
		}
	}
	if len(by) == 0 {
		return "a module"
	}
	sort.Strings(by)
	return strings.Join(by, ", ")
}

// extract runs the kernel's extract subcommand for paths into dir.
func (t *Tier) extract(ctx context.Context, dir string, paths []string) error {
	argv := t.opts.Extractor
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding the kernel binary for symbol extraction: %w", err)
		}
		argv = []string{exe, ExtractCommand}
	}
	args := append(append(argv[1:len(argv):len(argv)], "-o", dir), paths...)
	cmd := exec.CommandContext(ctx, argv[0], args...)
	cmd.Dir = t.dir
	cmd.Env = append(slices.Clone(t.tc.Env), "GOFLAGS=-mod=mod", "GOROOT="+t.tc.GOROOT, "PATH="+filepath.Join(t.tc.GOROOT, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("generating the symbol tables of %s: %w: %s", strings.Join(paths, ", "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// buildError is the message of a failed plugin build: the compiler's
// errors, and when the session held modules at this process's versions,
// which ones and what to do.
func (t *Tier) buildError(paths []string, msg string) error {
	m := &t.mods
	text := fmt.Sprintf("building %s failed:\n%s", strings.Join(paths, ", "), goMessage(msg))
	if len(m.forced) == 0 {
		return errors.New(text)
	}
	var with []string
	for _, p := range paths {
		with = append(with, "--with "+p+"@latest")
	}
	for _, path := range sortedKeys(m.forced) {
		f := m.forced[path]
		text += fmt.Sprintf("\n\n%s needs %s %s, but this process has %s %s and packages it has cannot be replaced by other code; built against %s, it does not compile (above).", f.by, path, f.want, path, f.used, f.used)
	}
	text += fmt.Sprintf("\nWhat to do: use a version that works with it (%%go get MODULE@VERSION, %%go mod shows the versions), or build a kernel that links the newer version: gokernel build %s -o ~/bin/gokernel-custom && ~/bin/gokernel-custom install --user, then restart the kernel.", strings.Join(with, " "))
	return errors.New(text)
}

// loadError explains a plugin that does not load.
func (t *Tier) loadError(err error) error {
	if strings.Contains(err.Error(), "different version of package") {
		if s, _ := hostSettings(); s["-trimpath"] != "true" {
			return fmt.Errorf("%w\nThis kernel binary was built without -trimpath, so the packages in it carry the file paths of the module cache it was built from, and a build from another module cache (GOMODCACHE) differs: rebuild the kernel with go build -trimpath (make build does), or use the module cache it was built with", err)
		}
		return fmt.Errorf("%w\nThe plugin has a package this process has, built differently: the kernel binary was built with other settings or sources than this toolchain reproduces (see %%go mod); build a kernel with the package instead (gokernel build --with)", err)
	}
	return err
}

// openModulePlugin loads a module plugin and returns its symbol tables.
func openModulePlugin(so string) (syms map[string]map[string]reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("a package's initialization panicked: %v", r)
		}
	}()
	pl, err := plugin.Open(so)
	if err != nil {
		return nil, fmt.Errorf("loading the packages: %w", err)
	}
	s, err := pl.Lookup("Symbols")
	if err != nil {
		return nil, fmt.Errorf("loading the packages: %w", err)
	}
	sp, ok := s.(*map[string]map[string]reflect.Value)
	if !ok {
		return nil, fmt.Errorf("loading the packages: Symbols is a %T", s)
	}
	return *sp, nil
}

// savePins records the modules of the packages cells imported in the
// notebook's go.mod (under its lock, merged with what another kernel of
// the same directory wrote) and the session's sums in its go.sum.
func (t *Tier) savePins(direct map[string]string) error {
	m := &t.mods
	unlock, err := lockDir(m.ws)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := readPins(m.ws)
	if err != nil {
		return err
	}
	if cur == nil {
		cur = map[string]string{}
	}
	for path, v := range m.ignored {
		cur[path] = v // kept for the next session or machine, not used here
	}
	for path, v := range direct {
		if _, pending := m.restart[path]; pending {
			continue
		}
		cur[path] = v
		m.pins[path] = v
	}
	for path, v := range m.restart {
		cur[path] = v
	}
	return writeWorkspace(m.ws, strings.TrimPrefix(t.tc.Version, "go"), cur, t.userSums())
}

// userSums are the lines of the session's go.sum for the modules this
// process loaded or the notebook pins, not the rest of the kernel's own
// modules, merged with the workspace's.
func (t *Tier) userSums() []string {
	m := &t.mods
	want := func(path, version string) bool {
		// The kernel's own modules are not the notebook's, unless a cell
		// imported one: then go.mod pins it and go.sum must vouch for it
		// on the next machine.
		if h, ok := m.host[path]; ok && version == h.Version && m.pins[path] != version {
			return false
		}
		return m.loaded[path] == version || m.pins[path] == version || m.restart[path] == version || m.ignored[path] == version
	}
	seen := map[string]bool{}
	var out []string
	for i, f := range []string{filepath.Join(t.dir, "go.sum"), filepath.Join(m.ws, "go.sum")} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) != 3 || seen[line] {
				continue
			}
			if i == 0 && !want(fields[0], strings.TrimSuffix(fields[1], "/go.mod")) {
				continue
			}
			seen[line] = true
			out = append(out, line)
		}
	}
	return out
}

// getModules is %go get: it adds or changes the versions of modules in the
// session and the notebook's go.mod. upgrade (-u) also upgrades their
// dependencies. A module this process already has at another version
// cannot change in place: the notebook's go.mod gets the new version,
// which a restart applies. It returns the report to show.
func (t *Tier) getModules(ctx context.Context, upgrade bool, args []string, out kernel.Output) (string, error) {
	p := newModProgress(out, strings.Join(args, ", "))
	p.set("resolving", "")
	if err := t.ensureSession(ctx); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		p.done("cannot fetch modules: no usable Go toolchain")
		return "", fmt.Errorf("%w: %%go get needs the Go toolchain this kernel was built with (with cgo and a C compiler): %v; without it, gokernel build --with MODULE@VERSION builds a kernel that includes a module", ErrNoToolchain, err)
	}
	m := &t.mods
	m.mu.Lock()
	defer m.mu.Unlock()
	report, err := t.get(ctx, upgrade, args, p)
	if err != nil {
		if ctx.Err() != nil {
			p.done("interrupted: nothing changed")
			return "", ctx.Err()
		}
		p.done("failed: " + firstLine(err.Error()))
		return "", err
	}
	p.done("done")
	return report, nil
}

func (t *Tier) get(ctx context.Context, upgrade bool, args []string, p *modProgress) (string, error) {
	m := &t.mods
	if err := t.modInit(ctx, p); err != nil {
		return "", err
	}
	restore := t.snapshot()
	ok := false
	defer func() {
		if !ok {
			restore()
		}
	}()
	env := t.modEnv()
	var lines, gets []string
	pins := map[string]string{}
	restart := map[string]string{}
	for _, arg := range args {
		path, query, _ := strings.Cut(arg, "@")
		if query == "" {
			query = "latest"
		}
		p.set("resolving", path+"@"+query)
		out, msg, err := t.goRun(ctx, env, p, "list", "-mod=mod", "-m", "-json", path+"@"+query)
		if err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", fmt.Errorf("%s: %s", arg, explainGet(msg))
		}
		mods, err := decodeAll[goModule](out)
		if err != nil || len(mods) != 1 {
			return "", fmt.Errorf("%s: unexpected go list output: %v", arg, err)
		}
		v := mods[0].Version
		if mods[0].Error != nil {
			return "", fmt.Errorf("%s: %s", arg, explainGet(mods[0].Error.Err))
		}
		if h, isHost := m.host[path]; isHost && h.Version != v {
			return "", fmt.Errorf("%s %s: the kernel links %s %s, and a session cannot use another version of a module the kernel has (its packages are the kernel's). "+
				"Use %s, or build a kernel with %s: gokernel build --with %s@%s -o ~/bin/gokernel-custom && ~/bin/gokernel-custom install --user, then restart the kernel",
				path, v, path, h.Version, h.Version, v, path, v)
		}
		if have, isLoaded := m.loaded[path]; isLoaded && have != v {
			restart[path] = v
			lines = append(lines, fmt.Sprintf("%s: %s is loaded in this session and its code cannot be replaced in a running process; the notebook's go.mod now says %s: restart the kernel to use it", path, have, v))
			continue
		}
		gets = append(gets, path+"@"+v)
		pins[path] = v
	}
	if len(gets) > 0 {
		p.set("resolving", "go get "+strings.Join(gets, " "))
		a := []string{"get"}
		if upgrade {
			a = append(a, "-u")
		}
		if _, msg, err := t.goRun(ctx, env, p, append(a, gets...)...); err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", fmt.Errorf("go get %s: %s", strings.Join(gets, " "), explainGet(msg))
		}
		notes, err := t.holdLinked(ctx, env, p, pins)
		if err != nil {
			return "", err
		}
		for _, path := range sortedKeys(pins) {
			old := m.pins[path]
			switch {
			case old == "":
				lines = append(lines, fmt.Sprintf("%s %s added: the next import of its packages uses it", path, pins[path]))
			case old != pins[path]:
				lines = append(lines, fmt.Sprintf("%s %s (was %s): the next import of its packages uses it", path, pins[path], old))
			default:
				lines = append(lines, fmt.Sprintf("%s %s: unchanged", path, pins[path]))
			}
		}
		lines = append(lines, notes...)
	}
	for path, v := range restart {
		m.restart[path] = v
	}
	if err := t.savePins(pins); err != nil {
		return "", err
	}
	ok = true
	return strings.Join(lines, "\n"), nil
}

// modReport is %go mod: where the notebook's go.mod is, the modules the
// session uses and their state.
func (t *Tier) modReport(ctx context.Context) string {
	var b strings.Builder
	if err := t.ensureSession(ctx); err != nil {
		ws, note, werr := workspaceDir(t.cwd)
		if werr == nil {
			fmt.Fprintf(&b, "notebook modules: %s\n", filepath.Join(ws, "go.mod"))
			if note != "" {
				fmt.Fprintf(&b, "  (%s)\n", note)
			}
		}
		fmt.Fprintf(&b, "modules cannot be fetched or built in this session: %v\nwithout the toolchain, gokernel build --with MODULE@VERSION builds a kernel that includes a module", err)
		return b.String()
	}
	m := &t.mods
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := t.modInit(ctx, nil); err != nil {
		return "modules: " + err.Error()
	}
	fmt.Fprintf(&b, "notebook modules: %s (and go.sum beside it)\n", filepath.Join(m.ws, "go.mod"))
	if m.wsNote != "" {
		fmt.Fprintf(&b, "  (%s)\n", m.wsNote)
	} else {
		fmt.Fprintf(&b, "  (%s in the notebook's directory; %s=DIR moves it; keep it with the notebook: Run All elsewhere gets these versions)\n", workspaceSubdir, workspaceEnvVar)
	}
	paths := map[string]bool{}
	for p := range m.pins {
		paths[p] = true
	}
	for p := range m.restart {
		paths[p] = true
	}
	for p := range m.ignored {
		paths[p] = true
	}
	if len(paths) == 0 {
		b.WriteString("  no modules yet: import a package of any module in a cell, or %go get MODULE@VERSION\n")
	}
	for _, path := range sortedKeys(paths) {
		v := m.pins[path]
		var state []string
		if lv, ok := m.loaded[path]; ok {
			v = lv
			state = append(state, "loaded")
		} else {
			state = append(state, "not imported yet")
		}
		if h, ok := m.host[path]; ok {
			v = h.Version
			state = append(state, "linked into the kernel")
		}
		if nv, ok := m.restart[path]; ok {
			state = append(state, "go.mod says "+nv+": a restart applies it")
		}
		if iv, ok := m.ignored[path]; ok {
			state = append(state, "go.mod says "+iv+", but the kernel links "+v+", which is used")
		}
		fmt.Fprintf(&b, "  %s %s (%s)\n", path, v, strings.Join(state, "; "))
	}
	for _, path := range sortedKeys(m.forced) {
		f := m.forced[path]
		fmt.Fprintf(&b, "  held: %s needs %s %s; %s is used (this process has it)\n", f.by, path, f.want, f.used)
	}
	fmt.Fprintf(&b, "kernel's own modules: %d, at the versions linked into it (they win for packages a cell's module shares with the kernel)\n", len(m.host))
	fmt.Fprintf(&b, "session build module: %s (%s, %s)", filepath.Join(t.dir, "go.mod"), t.tc.Go, t.tc.Version)
	return b.String()
}

// genericNames are the exported generic functions and types declared in
// a package's files (parsed, not type-checked: it is only for messages).
func genericNames(dir string, files []string) map[string]bool {
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Type.TypeParams != nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok && ts.TypeParams != nil && ts.Name.IsExported() {
						names[ts.Name.Name] = true
					}
				}
			}
		}
	}
	return names
}

// GenericHint explains why a loaded package's symbol name is missing from
// the interpreter when it is generic ("" otherwise).
func (t *Tier) GenericHint(pkg, name string) string {
	t.mods.mu.Lock()
	generic := t.mods.generics[pkg][name]
	t.mods.mu.Unlock()
	if !generic {
		return ""
	}
	how := "set GOKERNEL_COMPILE=auto in the kernel's environment (gokernel install --user --env GOKERNEL_COMPILE=auto) and restart, then call it from a cell that declares a function"
	if t.Enabled() {
		how = "call it from a cell that declares a function, which is compiled"
	}
	return fmt.Sprintf("%s.%s is generic: the interpreter can only call the non-generic API of a compiled package (yaegi cannot instantiate compiled generic code); compiled cells can: %s, e.g. func f(xs []int) []int { return %s.%s(xs) }",
		path.Base(pkg), name, how, path.Base(pkg), name)
}
