package compiled

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"plugin"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/internal/typenames"
)

// Options configures a Tier.
type Options struct {
	Mode   Mode
	Logger *slog.Logger
	// Dir is the per-user base directory; "" means baseDir().
	Dir string
	// NoWarm skips the background warm-up (tests that start many tiers
	// on an already warm build cache).
	NoWarm bool
	// Dir of the notebook (whose workspace keeps its modules' go.mod);
	// "" means the process's working directory when New runs.
	NotebookDir string
	// Extractor is the command that generates symbol tables of module
	// packages (ExtractMain); nil means this binary's extract subcommand.
	Extractor []string
}

// Tier is the compiled tier of one interpreter process. Plan, Build and
// Shadow are called from the engine's goroutine; Interrupt from any.
type Tier struct {
	mode Mode
	log  *slog.Logger
	opts Options

	cwd string // the notebook's directory

	// setupMu guards setting up the session (Start, or the first module
	// operation when compiled cells are off) and setupErr.
	setupMu  sync.Mutex
	setupErr error
	// Set by setUp before ready is stored (and under setupMu), read-only after.
	tc     *toolchain
	base   string
	dir    string // this session's directory
	module string // module path of the cell packages
	fe     *frontEnd

	started   atomic.Bool   // Start was called
	ready     atomic.Bool   // Start set the tier up: cells may be compiled
	setUpDone chan struct{} // closed when Start has probed the toolchain (either way)
	done      chan struct{} // closed when Start returned (set up and warm, or failed)

	mu     sync.Mutex // guards the fields below
	reason string     // why the tier is unavailable ("" when it is)
	stops  []*atomic.Bool
	builds []time.Duration
	cpus   []time.Duration // CPU time of each go build
	loaded int
	bytes  int64 // written to the session directory by builds
	warm   bool
	// programs describe the whole cells loaded (Status.Programs).
	programs []string
	// again maps a statement cell's generated source (rerunKey) to its
	// loaded plugin: the same cell run again runs it again, as go run
	// runs a cached binary; rerun counts those runs.
	again map[string]*rerunnable
	rerun int
	// archives maps the library cells directBuild built to their
	// archives, for later cells' direct builds.
	archives map[string]string
	// pkgNames maps the package path of every cell built to the name its
	// types are shown with ("main" for a whole cell, cellN for a library
	// cell): typenames rewrites the names of its types and functions with it.
	pkgNames map[string]string

	mods modState // third-party modules (modules.go)
	// lend gives interpreted declarations by name (SetLender).
	lend       func(name string) (Lent, bool)
	anyGeneric func() bool
	lendVar    func(name string) (LentVar, bool)
	// hostMods lists the modules linked into this process (nil:
	// hostModules, from the build info; test binaries have none there).
	hostMods func() (map[string]hostMod, error)
}

// New returns the tier in its starting state: every cell is interpreted
// until Start has probed the toolchain (run it in a goroutine, so that
// nothing waits for the go command).
func New(opts Options) *Tier {
	t := &Tier{mode: opts.Mode, log: opts.Logger, opts: opts, done: make(chan struct{}), setUpDone: make(chan struct{}), cwd: opts.NotebookDir}
	if t.cwd == "" {
		t.cwd, _ = os.Getwd()
	}
	if t.log == nil {
		t.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	t.reason = "the compiled tier is starting (probing the Go toolchain)"
	if t.mode == Off {
		t.reason = "compiled cells are off (" + EnvVar + " is off or unset)"
	}
	return t
}

// Start probes the toolchain, creates the private session directory and
// then warms the build cache. When compiled cells cannot work, Reason
// says why and every cell stays interpreted. It returns when done.
func (t *Tier) Start(ctx context.Context) {
	t.started.Store(true)
	defer close(t.done)
	if t.mode == Off {
		close(t.setUpDone)
		return
	}
	err := t.ensureSession(ctx)
	t.mu.Lock()
	t.reason = ""
	if err != nil {
		t.reason = err.Error()
	}
	t.mu.Unlock()
	if err == nil {
		t.ready.Store(true)
	}
	close(t.setUpDone)
	if err != nil {
		t.log.Info("compiled cells unavailable: every cell is interpreted", "reason", err.Error())
		return
	}
	if t.opts.NoWarm {
		t.mu.Lock()
		t.warm = true
		t.mu.Unlock()
		return
	}
	t.warmUp(ctx)
}

func (t *Tier) setUp(ctx context.Context) error {
	tc, err := probe(ctx)
	if err != nil {
		return err
	}
	base := t.opts.Dir
	if base == "" {
		if base, err = baseDir(); err != nil {
			return err
		}
	}
	dir, err := newSessionDir(base)
	if err != nil {
		return err
	}
	// The module path is the session directory's random suffix: a plugin
	// is known by its package path, and one process may hold several
	// sessions (tests).
	mod := "gk" + dir[strings.LastIndex(dir, "-")+1:]
	goMod := "module " + mod + "\n\ngo " + langVersion(tc.Version) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	t.tc, t.base, t.dir, t.module = tc, base, dir, mod
	t.fe = newFrontEnd(t)
	return nil
}

// langVersion is the go directive for a toolchain version: go1.26.8 → 1.26.
func langVersion(v string) string {
	v = strings.TrimPrefix(v, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

// Lent is an interpreted cell's declaration that a compiled statement cell
// may declare again from its source (Tier.SetLender).
type Lent struct {
	Source  string // the declaration (a type with its methods)
	Origin  string // the cell it came from, In[N]
	Generic bool   // a generic func or type
}

// LentVar is an interpreted global a compiled statement cell uses through
// its address.
type LentVar struct {
	Type    string   // its Go type, e.g. []int or map[string]time.Duration
	Imports []string // the packages Type names
	Ptr     any      // its address (*T)
	// Retyped says that Type names types a compiled statement cell
	// declared again from an interpreted cell's source (lent generic
	// types): the cell declares them again too, and sees the variable
	// through a pointer of its own version of the type, after checking
	// that the two versions have the same layout (gk_retype). Only for a
	// cell that needs it: one that reads an unexported field or calls an
	// unexported method of the variable, which the interpreter cannot.
	Retyped bool
}

// SetVarLender gives the tier the session's interpreted globals by name.
func (t *Tier) SetVarLender(lend func(name string) (LentVar, bool)) {
	if t != nil {
		t.lendVar = lend
	}
}

// SetLender gives the tier the session's interpreted declarations by name
// (funcs, types with their methods, consts; never variables). Set once,
// before cells run.
// anyGeneric reports whether any lent declaration is generic (the check
// on every cell that might borrow stops there when none is).
func (t *Tier) SetLender(lend func(name string) (Lent, bool), anyGeneric func() bool) {
	if t != nil {
		t.lend, t.anyGeneric = lend, anyGeneric
	}
}

// mayBorrow reports whether a statement cell without a loop might use an
// interpreted generic declaration (checked for real after type-checking).
func (t *Tier) mayBorrow(code string) bool {
	if t.lend == nil || !t.anyGeneric() {
		return false
	}
	for _, name := range identsOf(code) {
		if d, ok := t.lend(name); ok && d.Generic {
			return true
		}
	}
	if t.lendVar != nil {
		for _, name := range unexportedSelections(code) {
			if v, ok := t.lendVar(name); ok && v.Retyped {
				return true
			}
		}
	}
	return false
}

// WaitSetUp waits until Start has probed the toolchain, or ctx ends, when
// code might be compiled: a cell that arrives while the tier is starting
// is then routed as it would be a second later, instead of being
// interpreted because it came early (under load the probe took seconds,
// and the same cell gave a different answer). The probe is the go
// command's version and environment, not the warm-up, which never waits.
func (t *Tier) WaitSetUp(ctx context.Context, code string) {
	if t == nil || t.mode == Off || !t.started.Load() || t.ready.Load() {
		return
	}
	if t.mode != Always && !strings.Contains(code, "func") && !strings.Contains(code, "for") {
		return
	}
	select {
	case <-t.setUpDone:
	case <-ctx.Done():
	}
}

// Enabled reports whether cells may be compiled now.
func (t *Tier) Enabled() bool { return t != nil && t.mode != Off && t.ready.Load() }

// Reason says why compiled cells are unavailable ("" when they are not).
func (t *Tier) Reason() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reason
}

// Close removes the session directory once Start is done. Loaded
// plugins stay mapped.
func (t *Tier) Close() error {
	if t == nil {
		return nil
	}
	if t.started.Load() {
		<-t.done
	}
	t.setupMu.Lock()
	defer t.setupMu.Unlock()
	if t.dir == "" {
		return nil
	}
	return os.RemoveAll(t.dir)
}

// Interrupt makes compiled code stop at its next function entry or loop
// iteration (with a panic the cell reports as an interrupt).
func (t *Tier) Interrupt() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.stops {
		s.Store(true)
	}
}

// Resume clears the stop flags before a cell runs.
func (t *Tier) Resume() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.stops {
		s.Store(false)
	}
}

// goCmd is the go command with the tier's environment, run in dir.
func (t *Tier) goCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, t.tc.Go, args...)
	cmd.Dir = dir
	cmd.Env = t.tc.Env
	cmd.WaitDelay = time.Second
	return cmd
}

// Loaded is a compiled cell loaded into the process.
type Loaded struct {
	// Symbols is the cell package's symbol table, for interp.Use.
	Symbols map[string]map[string]reflect.Value
	// Import is the declaration that brings the cell's names into the
	// interpreter's scope.
	Import string
	// Names are the names the cell declared.
	Names []string
	// A statement cell (Import is ""): Run runs it once; then Out holds
	// the values of Defs, the names it defined at its top level, in
	// order, and Result its trailing value when HasResult.
	Run  func()
	Defs []string
	// Bind, when set, must be given the addresses of the interpreter's
	// variables named BindNames before Run.
	Bind      func(map[string]any)
	BindNames []string
	// DefTypes are the Go types of Defs as source (package names).
	DefTypes  map[string]string
	Out       *[]any
	Result    *any
	HasResult *bool
	// After is source the interpreter runs after the import: the untyped
	// constants of a whole cell, declared again with their exact values.
	After string
	// Vars are the package-level variables of a whole cell. yaegi v0.16.1
	// loses assignments to a compiled package's variables, so interpreted
	// cells reach them through pointers: x is (*VarAlias.Gk_p_x) once
	// VarImport ran.
	Vars                []string
	VarAlias, VarImport string
	// Only maps names the cell declared that the interpreter cannot have
	// (generic funcs and types, funcs taking interfaces or funcs) to why.
	Only map[string]string
	// Reopened are the types of the earlier cell this cell reopened
	// (reopen.go): values made before it have the earlier types.
	Reopened []ReopenedType
	// Notes say what reopening could not keep, for the cell's stderr.
	Notes []string
	// Rerun: the cell is one run before, whose plugin runs again (no
	// build). Direct: the tier ran compile and link itself (direct.go).
	Rerun, Direct bool
	// BuildTime is how long go build took.
	BuildTime time.Duration
}

// ErrBuild wraps a go build failure: the cell was not compiled and
// nothing of it ran.
var ErrBuild = errors.New("go build failed")

// Build compiles p and loads its plugin. On an error nothing of the cell
// ran, unless the error says the cell's initialization panicked.
func (t *Tier) Build(ctx context.Context, p *Plan) (*Loaded, error) {
	key := ""
	if p.stmts {
		key = rerunKey(p)
		t.mu.Lock()
		r := t.again[key]
		if r != nil && !r.busy.Load() {
			t.rerun++
		} else {
			r = nil
		}
		t.mu.Unlock()
		if r != nil {
			l := r.l
			l.BuildTime, l.Rerun = 0, true
			return &l, nil
		}
	}
	cellDir := filepath.Join(t.dir, p.dirName)
	mainDir := filepath.Join(t.dir, "p"+strings.TrimPrefix(p.dirName, "c"))
	for _, d := range []string{cellDir, mainDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBuild, err)
		}
	}
	files := map[string]string{
		filepath.Join(cellDir, "cell.go"): p.cellSrc,
		filepath.Join(cellDir, "gk.go"):   p.gkSrc,
	}
	target := mainDir
	if p.mainSrc == "" {
		target = cellDir // a whole cell is its plugin's main package
	} else {
		files[filepath.Join(mainDir, "main.go")] = p.mainSrc
	}
	for name, src := range files {
		if err := os.WriteFile(name, []byte(src), 0o600); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBuild, err)
		}
	}
	so := filepath.Join(t.dir, p.dirName+".so")
	start := time.Now()
	direct, cpu, err := t.directBuild(ctx, p, cellDir, mainDir, so)
	if err != nil {
		return nil, err
	}
	if !direct {
		// -w: no DWARF in the plugin (stack traces keep their file:line
		// from pclntab); the link, most of a warm build's CPU, takes
		// ~0.38 s of CPU instead of ~0.6 s. The symbol table stays: it
		// says where typenames finds the types' names.
		args := append([]string{"build", "-buildmode=plugin", "-ldflags=-w"}, t.tc.Flags...)
		args = append(args, "-o", so, "./"+filepath.Base(target))
		cmd := t.goCmd(ctx, t.dir, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if cmd.ProcessState != nil {
			// The go command's usage includes its waited-for children
			// (compile, link): CPU time, which the machine's load does
			// not inflate as it does wall time.
			cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: %v: %s", ErrBuild, err, strings.TrimSpace(out.String()))
		}
	}
	if err := t.showNames(p, so); err != nil {
		// The plugin still works; its generic instantiations' names spell
		// package paths.
		t.log.Warn("compiled tier: type names keep their package paths", "cell", p.fname, "err", err)
	}
	took := time.Since(start)
	t.log.Debug("compiled tier: built", "cell", p.fname, "direct", direct, "wall", took.String(), "cpu", cpu.String())
	if err := os.Chmod(so, 0o600); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBuild, err)
	}
	var written int64
	for _, src := range files {
		written += int64(len(src))
	}
	if fi, err := os.Stat(so); err == nil {
		written += fi.Size()
	}
	t.mu.Lock()
	t.bytes += written
	t.builds = append(t.builds, took)
	t.cpus = append(t.cpus, cpu)
	t.mu.Unlock()
	l := &Loaded{Direct: direct, Names: p.names, Defs: p.defs, BuildTime: took, Only: p.only, Vars: p.vars, BindNames: p.lentVars, DefTypes: p.defTypes}
	if len(p.vars) > 0 {
		l.VarAlias = fmt.Sprintf("_gkv%d", p.seq)
		l.VarImport = fmt.Sprintf("import %s %q", l.VarAlias, p.path)
	}
	if len(p.consts) > 0 {
		l.After = "const (\n\t" + strings.Join(p.consts, "\n\t") + "\n)"
	}
	stop, err := open(so, p.stmts, p.whole != "", l)
	if err != nil {
		t.fe.burn(p)
		return nil, err
	}
	t.mu.Lock()
	t.stops = append(t.stops, stop)
	t.loaded++
	if p.whole != "" {
		t.programs = append(t.programs, p.fname+": "+strings.Join(p.names, ", "))
	}
	t.mu.Unlock()
	l.Notes = migrateVars(p, l.Symbols)
	l.Reopened = reopenedTypes(p, l.Symbols)
	t.fe.commit(p, l.Symbols)
	if !p.stmts {
		l.Import = fmt.Sprintf("import . %q", p.path)
	} else {
		// A run the interrupt left behind (blocked in a system call)
		// shares the plugin's result variables: not run again while
		// it lasts.
		r := &rerunnable{}
		run := l.Run
		l.Run = func() {
			r.busy.Store(true)
			defer r.busy.Store(false)
			run()
		}
		r.l = *l
		t.mu.Lock()
		if t.again == nil {
			t.again = map[string]*rerunnable{}
		}
		t.again[key] = r
		t.mu.Unlock()
	}
	return l, nil
}

// rerunnable is a loaded statement cell that may run again.
type rerunnable struct {
	l    Loaded
	busy atomic.Bool // its Run is running
}

// rerunKey identifies a statement cell by its generated source, with what
// differs between two runs of the same cell (its execution count, its
// package path) left out. The source names everything the cell's code
// depends on: earlier compiled cells by their packages (a redefined
// function is another package), lent declarations by their text, the
// interpreter's variables by their types, so an equal key is the same
// program. Nothing of the plugin's own state outlives a run: a statement
// cell's names are locals of Gk_run, its lent variables are bound again
// before each run.
func rerunKey(p *Plan) string {
	h := sha256.New()
	for _, src := range []string{p.cellSrc, p.gkSrc, p.mainSrc} {
		src = strings.ReplaceAll(src, p.path, "\x00path")
		src = strings.ReplaceAll(src, p.pkgName, "\x00pkg")
		src = strings.ReplaceAll(src, p.fname, "\x00cell")
		h.Write([]byte(src))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// open loads a cell plugin and fills l with what the kernel looks up in
// it; it returns the cell's stop flag.
// showNames rewrites the names of the plugin's types so that a cell
// package's path in a generic instantiation's name reads as the package's
// name, as go run shows it: main.F[main.foo], not main.F[gk12/c3.foo].
func (t *Tier) showNames(p *Plan, so string) error {
	name := p.pkgName
	if p.whole != "" {
		name = "main"
	}
	t.mu.Lock()
	if t.pkgNames == nil {
		t.pkgNames = map[string]string{}
	}
	t.pkgNames[p.path] = name
	names := maps.Clone(t.pkgNames)
	t.mu.Unlock()
	_, err := typenames.Rewrite(so, names)
	return err
}

func open(so string, stmts, whole bool, l *Loaded) (stop *atomic.Bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the compiled cell's initialization panicked: %v", r)
		}
	}()
	pl, err := plugin.Open(so)
	if err != nil {
		return nil, fmt.Errorf("loading the compiled cell: %w", err)
	}
	bad := func(name string, v any) error {
		return fmt.Errorf("loading the compiled cell: %s is a %T", name, v)
	}
	look := func(name string) (plugin.Symbol, error) {
		v, err := pl.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("loading the compiled cell: %w", err)
		}
		return v, nil
	}
	stopName, symName := "Stop", "Symbols"
	if whole {
		stopName, symName = "Gk_stopRef", "Gk_symbols"
	}
	f, err := look(stopName)
	if err != nil {
		return nil, err
	}
	fp, ok := f.(**atomic.Bool)
	if !ok {
		return nil, bad(stopName, f)
	}
	if !stmts {
		s, err := look(symName)
		if err != nil {
			return nil, err
		}
		sp, ok := s.(*map[string]map[string]any)
		if !ok {
			return nil, bad("Symbols", s)
		}
		l.Symbols = symbolTable(*sp)
		return *fp, nil
	}
	var run, out, result, has plugin.Symbol
	for _, x := range []struct {
		name string
		v    *plugin.Symbol
	}{{"Run", &run}, {"Out", &out}, {"Result", &result}, {"HasResult", &has}} {
		if *x.v, err = look(x.name); err != nil {
			return nil, err
		}
	}
	rp, ok1 := run.(*func())
	op, ok2 := out.(**[]any)
	resp, ok3 := result.(**any)
	hp, ok4 := has.(**bool)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, fmt.Errorf("loading the compiled cell: unexpected symbol types %T %T %T %T", run, out, result, has)
	}
	l.Run, l.Out, l.Result, l.HasResult = *rp, *op, *resp, *hp
	if len(l.BindNames) > 0 {
		b, err := look("Bind")
		if err != nil {
			return nil, err
		}
		bp, ok := b.(*func(map[string]any))
		if !ok {
			return nil, bad("Bind", b)
		}
		l.Bind = *bp
	}
	return *fp, nil
}

// HasCompiled reports whether some name's latest declaration is compiled
// (only then do interpreted cells' declarations need to Shadow).
func (t *Tier) HasCompiled() bool {
	if !t.Enabled() {
		return false
	}
	t.fe.mu.Lock()
	defer t.fe.mu.Unlock()
	return len(t.fe.latest) > 0 || len(t.fe.opened) > 0
}

// Shadow tells the tier that an interpreted cell (re)declared names: from
// now on they are the interpreter's, and a cell that uses them is not
// compiled (a compiled cell cannot see interpreted declarations).
func (t *Tier) Shadow(names []string) {
	if t.Enabled() {
		t.fe.shadow(names)
	}
}

// warmPackages are built for plugin mode (and their export data read) in
// the background after start, so the first compiled cell does not pay for
// rebuilding the standard library (6-9 s cold on 2 cores).
var warmPackages = []string{"runtime/cgo", "fmt", "strings", "strconv", "math", "sort", "errors", "time", "os", "slices", "maps", "sync", "bytes", "unicode", "math/rand", "math/bits", "reflect", "sync/atomic", "go/constant"}

// warmUp compiles warmPackages for plugin mode at low CPU priority and
// records their export data for the front-end, with one `go list -export
// -buildmode=plugin`: no link, so on a warm build cache it costs a fraction
// of a plugin build; on a cold one it builds what the first compiled cell
// would otherwise wait for.
func (t *Tier) warmUp(ctx context.Context) {
	start := time.Now()
	t.fe.prefetch(ctx, warmPackages, true)
	t.mu.Lock()
	t.warm = true
	t.mu.Unlock()
	t.log.Info("compiled tier warm", "took", time.Since(start).String())
}

// Status describes the tier for %go.
type Status struct {
	Mode      Mode
	Enabled   bool
	Reason    string
	Go        string // toolchain path
	Version   string
	Flags     []string
	Dir       string // session directory
	Base      string
	DirBytes  int64
	MaxBytes  int64
	Cells     int // plugins loaded
	MaxCells  int
	MedianMs  float64 // median go build time
	MedianCPU float64 // median CPU time of a go build, ms
	Warm      bool
	Compiled  []string // names declared by compiled cells, latest first
	// Programs are the program cells compiled whole ("In[3]: main, T"),
	// whose names are the interpreter's.
	Programs  []string
	Shadowed  int
	BuildsRun int
	// Rerun counts statement cells run again from their plugin.
	Rerun int
}

// Status reports the tier's state.
func (t *Tier) Status() Status {
	s := Status{Mode: t.mode, Enabled: t.Enabled(), Reason: t.Reason(), MaxBytes: maxSessionBytes, MaxCells: maxCells}
	if s.Enabled {
		s.Go, s.Version, s.Flags = t.tc.Go, t.tc.Version, t.tc.Flags
		s.Dir, s.Base = t.dir, t.base
		s.DirBytes = dirSize(t.dir)
	}
	t.mu.Lock()
	s.Warm = t.warm
	s.Cells = t.loaded
	s.BuildsRun = len(t.builds)
	s.Rerun = t.rerun
	s.Programs = append([]string(nil), t.programs...)
	if n := len(t.builds); n > 0 {
		d := append([]time.Duration(nil), t.builds...)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		s.MedianMs = float64(d[n/2].Microseconds()) / 1000
		c := append([]time.Duration(nil), t.cpus...)
		sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
		s.MedianCPU = float64(c[n/2].Microseconds()) / 1000
	}
	t.mu.Unlock()
	if s.Enabled {
		s.Compiled = t.fe.names()
	}
	return s
}

// full reports whether the session reached its caps (counters only: it
// runs for every cell).
func (t *Tier) full() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.loaded
	if n >= maxCells {
		return fmt.Sprintf("this session loaded %d compiled cells, the cap (plugins cannot be unloaded)", n)
	}
	if t.bytes >= maxSessionBytes {
		return fmt.Sprintf("this session's build directory %s reached its cap of %d MiB", t.dir, maxSessionBytes>>20)
	}
	return ""
}

// symbolTable is the table yaegi's Use takes, from a cell plugin's plain
// one: a value per name, a variable (its name after a NUL, by address)
// as the addressable variable itself.
func symbolTable(plain map[string]map[string]any) map[string]map[string]reflect.Value {
	out := make(map[string]map[string]reflect.Value, len(plain))
	for pkg, syms := range plain {
		m := make(map[string]reflect.Value, len(syms))
		for name, v := range syms {
			if rest, isVar := strings.CutPrefix(name, "\x00"); isVar {
				m[rest] = reflect.ValueOf(v).Elem()
				continue
			}
			m[name] = reflect.ValueOf(v)
		}
		out[pkg] = m
	}
	return out
}
