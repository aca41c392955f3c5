package goeval

import (
	"context"
	"errors"
	"fmt"
	"go/scanner"
	"io"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/internal/lower"
	"github.com/gokernel/gokernel/internal/pkgs/stdext"
	"github.com/gokernel/gokernel/kernel"
)

// LanguageVersion is the Go version whose standard library cells see. yaegi
// v0.16.1 ships symbol tables for go1.21 and go1.22 only; built with any newer
// Go toolchain the go1.22 tables are selected (//go:build go1.22), so
// interpreted code sees the Go 1.22 standard library API.
const LanguageVersion = "1.22"

// Options configures an Engine.
type Options struct {
	// Stdout and Stderr receive all cell output. They must be files (e.g.
	// the write ends of os.Pipe) because yaegi only rebinds os.Stdout and
	// os.Stderr inside cells to *os.File values; fmt, log, print/println
	// and direct writes to os.Stdout/os.Stderr all land here.
	Stdout, Stderr *os.File
	// Compiler is the compiled tier; nil (or a disabled tier) means every
	// cell is interpreted.
	Compiler *compiled.Tier
	// Logger receives the engine's debug and warning lines; nil discards them.
	Logger *slog.Logger
}

// Engine evaluates Go cells in one persistent yaegi interpreter. Execute,
// Define and Lookup must not run concurrently with each other (the kernel
// calls them from its shell goroutine); Complete, Inspect and IsComplete
// only read state under a lock.
type Engine struct {
	opts   Options
	in     *interp.Interpreter
	runner runner // runs compiled cells (runner.go)
	stderr *frameFilter
	stdin  *stdinReader
	// cell is the Output of the cell that runs or ran last: displays and
	// stdin reach the front end through it.
	cell kernel.CurrentOutput

	mu       sync.Mutex // guards the fields below (read by Complete/Inspect)
	imported map[importSpec]bool
	aliases  map[string]string // package name in cells → import path
	types    map[string]string // global type name → normalized declaration
	methods  map[string]string // "T.M" → normalized method declaration
	consts   map[string]bool
	cellNo   int
	// declSigs holds the user's function and type declarations for
	// completion and inspection (Globals only lists variables).
	declSigs map[string]string
	// funcSrc holds the latest source of every top-level function, and
	// methodUses the names each method's body uses, so that a
	// redefinition can declare the callers again (rebind.go).
	funcSrc map[string]*funcDecl
	// lendable are the interpreted declarations a compiled statement
	// cell may declare again (lend.go).
	lendable map[string]compiled.Lent
	// nothingRan: the last run's error came before any of its cell ran
	// (the interpreter refused to compile it).
	nothingRan bool
	// redefRefused: that error was a type redefinition (redefError).
	redefRefused bool
	// staleGeneric are generic functions redefined after the interpreter
	// took their first body: only compiled cells may use them.
	staleGeneric map[string]bool
	genericLent  int // how many of them are generic
	funcSeq      int
	methodUses   map[string]map[string]bool
	// funcCells maps a declared function or method name to the cell that
	// last declared it, so panic frames name and quote that cell.
	funcCells map[string]cellSource
	// compiledOnly maps a name a compiled cell declared that the
	// interpreter cannot have (a generic func, a func taking interfaces)
	// to the hint its "undefined" error gets.
	compiledOnly map[string]string
	// compiledVars maps a compiled cell's package-level variable to the
	// pointer expression interpreted cells use instead (compiledvars.go).
	compiledVars map[string]string
	// extra holds the symbol tables added with Use ("path/name" → symbols).
	extra map[string]map[string]reflect.Value
	// gorootDir caches where the Go sources are (nil: not looked up yet).
	gorootDir *string
	// docs are go/doc's readings of the standard library packages
	// inspected last, newest first (pkgDoc).
	docs []*pkgDoc

	// result receives the trailing expression's value during Execute.
	result *cellResult
	// stdlibNames maps unambiguous standard library package names to
	// their paths, for auto-imports; built once, read on every cell.
	stdlibNames map[string]string

	// lw lowers modern Go (min/max/clear, range over int and func, loop
	// variables, generic inference) in every run before yaegi sees it. It
	// is only used by run, which Execute serializes.
	lw lower.Lowerer
	// srcPkgs caches the members of the packages served as source by
	// lower (slices, maps, cmp, iter), for completion and inspection.
	srcPkgs map[string]map[string]srcMember
}

// cellResult collects the trailing value of the running cell.
type cellResult struct {
	set  bool
	text string
	// rich is the value's rich bundle (see rich.go), valid while its
	// text/plain is text.
	rich kernel.MIMEBundle
}

// Engine is the kernel's engine; the composition root (package main) checks
// that it also serves the magics' variable access.
var _ kernel.Engine = (*Engine)(nil)

// New starts an interpreter with the standard library loaded and stdio
// wired to opts.
func New(opts Options) (*Engine, error) {
	if opts.Stdout == nil || opts.Stderr == nil {
		return nil, errors.New("goeval: Options.Stdout and Options.Stderr are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{
		opts:         opts,
		stderr:       &frameFilter{w: opts.Stderr},
		imported:     map[importSpec]bool{},
		aliases:      map[string]string{},
		compiledVars: map[string]string{},
		compiledOnly: map[string]string{},
		types:        map[string]string{},
		methods:      map[string]string{},
		extra:        map[string]map[string]reflect.Value{},
		consts:       map[string]bool{},
		funcCells:    map[string]cellSource{},
		result:       &cellResult{},
	}
	e.stdin = &stdinReader{cell: &e.cell}
	// yaegi gets the frame filter as Stderr (log output and panic frames go
	// through it); os.Stderr/os.Stdout inside cells are set to the real
	// files below, since yaegi only does that itself for *os.File writers.
	// slices, maps, cmp and iter are served as Go source by lower (the
	// Go 1.23+ API, in what yaegi runs) instead of yaegi's own versions.
	e.in = interp.New(interp.Options{
		Stdout: opts.Stdout, Stderr: e.stderr, Stdin: e.stdin,
		GoPath: ".", SourcecodeFilesystem: lower.Stdlib(),
	})
	if err := e.in.Use(lower.Exports(stdext.Merge(stdlib.Symbols))); err != nil {
		return nil, fmt.Errorf("goeval: loading the standard library: %w", err)
	}
	if err := e.in.Use(systemSymbols()); err != nil {
		return nil, fmt.Errorf("goeval: loading os/exec, syscall and unsafe: %w", err)
	}
	if err := lower.Install(e.in); err != nil {
		return nil, fmt.Errorf("goeval: installing slices, maps, cmp and iter: %w", err)
	}
	var stdin io.Reader = e.stdin
	stdout, stderr := opts.Stdout, opts.Stderr
	if err := e.in.Use(interp.Exports{"os/os": {
		"Stdin":  reflect.ValueOf(&stdin).Elem(),
		"Stdout": reflect.ValueOf(&stdout).Elem(),
		"Stderr": reflect.ValueOf(&stderr).Elem(),
		// The real environment, not yaegi's private (and empty) copy:
		// cells see $HOME, and what %env, os.Setenv and !commands set
		// is one environment, as in IPython's os.environ.
		"Getenv": reflect.ValueOf(os.Getenv), "LookupEnv": reflect.ValueOf(os.LookupEnv),
		"Setenv": reflect.ValueOf(os.Setenv), "Unsetenv": reflect.ValueOf(os.Unsetenv),
		"Environ": reflect.ValueOf(os.Environ), "ExpandEnv": reflect.ValueOf(os.ExpandEnv),
		"Clearenv": reflect.ValueOf(os.Clearenv),
	}}); err != nil {
		return nil, fmt.Errorf("goeval: wiring os stdio: %w", err)
	}
	result := reflect.ValueOf(e.setResult)
	goPanic := reflect.ValueOf(e.goPanic)
	// MapTypes makes yaegi wrap interpreted values passed to these helpers
	// so that their String and Error methods (and for Result the rich
	// display methods, see rich.go) are callable from Go.
	ifaces := []reflect.Type{
		reflect.TypeOf((*fmt.Stringer)(nil)).Elem(),
		reflect.TypeOf((*error)(nil)).Elem(),
	}
	if err := e.useRichWrappers(); err != nil {
		return nil, err
	}
	if err := e.in.Use(interp.Exports{
		rtPath + "/rt": {"Result": result, "GoPanic": goPanic},
		".":            {"MapTypes": reflect.ValueOf(map[reflect.Value][]reflect.Type{result: resultInterfaces(), goPanic: ifaces})},
	}); err != nil {
		return nil, fmt.Errorf("goeval: loading runtime helpers: %w", err)
	}
	if err := e.in.Use(interp.Exports{varsPath + "/vars": {}}); err != nil {
		return nil, fmt.Errorf("goeval: loading vars package: %w", err)
	}
	for _, imp := range []string{
		fmt.Sprintf("import %s %q", rtAlias, rtPath),
		fmt.Sprintf("import %s %q", varsAlias, varsPath),
	} {
		if _, err := e.in.Eval(imp); err != nil {
			return nil, fmt.Errorf("goeval: %s: %w", imp, err)
		}
	}
	opts.Compiler.SetLender(e.lent, e.anyGenericLent)
	opts.Compiler.SetVarLender(e.lentVar)
	return e, nil
}

// setResult is rt.Result: it receives the trailing expression's values. A
// multi-value call shows its first value, as yaegi's own Eval result does.
// Values with rich forms (see rich.go) also get their rich bundle; the ID a
// display function returns is no result (its display is already shown).
func (e *Engine) setResult(vs ...any) {
	if len(vs) == 0 || isDisplayID(vs[0]) {
		return
	}
	e.result.set = true
	e.result.text, e.result.rich = formatResult(vs[0])
}

// formatValue renders a result for text/plain: strings are Go-quoted so
// they are visibly strings; everything else is fmt.Sprint (which uses String
// and Error methods).
func formatValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// goPanic is rt.GoPanic: the deferred recover of every rewritten go
// statement calls it, so a goroutine panic is reported instead of killing
// the process.
func (e *Engine) goPanic(r any) {
	if r == nil {
		return
	}
	_, msg := describePanic(r)
	frames := e.stderr.takeGoroutine(goroutineID())
	out := "panic in goroutine: " + msg + "\n"
	for _, f := range frames {
		out += "    " + f + "\n"
	}
	out += "[the goroutine stopped; the kernel keeps running]\n"
	_, _ = io.WriteString(e.opts.Stderr, out)
}

// Close releases the engine: the compiled tier's build directory. The
// interpreter has no resources to free; goroutines started by cells keep
// running until the process exits.
func (e *Engine) Close() error { return e.opts.Compiler.Close() }

// Output returns the Output of the cell that runs, or ran last (nil before
// the first): what the display package writes to, so that displays made by
// goroutines after their cell ended still reach the front end.
func (e *Engine) Output() kernel.Output { return e.cell.Get() }

// Execute runs one cell. Errors of the cell are reported in
// ExecuteResult.Error; the returned error is reserved for engine failures.
func (e *Engine) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	res, info, err := e.execute(ctx, req, out)
	if err == nil && res.Error == nil {
		if mayDeclare(req.Code) {
			// Parsed once for both: what later cells may borrow, and
			// the callers of what the cell redefined.
			runs := cellDeclRuns(req.Code)
			e.recordLendable(runs, req.Code, info.count, info.compiled)
			e.rebindCallers(ctx, info.count, runs, info.compiled)
		}
		e.cell.Set(out)
	}
	return res, err
}

// cellInfo is what execute tells Execute about a cell it ran.
type cellInfo struct {
	count    int  // the execution count the cell ran as
	compiled bool // the compiled tier ran it
}

// execute runs one cell (Execute without redefinition's follow-up).
func (e *Engine) execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, cellInfo, error) {
	e.cell.Set(out)
	e.stdin.begin(ctx, req.AllowStdin)
	defer e.stdin.end()
	e.mu.Lock()
	e.cellNo++
	n := req.ExecutionCount
	if n <= 0 {
		n = e.cellNo
	}
	e.mu.Unlock()
	fname := fmt.Sprintf("In[%d]", n)
	var res kernel.ExecuteResult
	info := cellInfo{count: n}
	code, program, err := programCell(req.Code)
	if err != nil {
		src := cellSource{fname: fname, code: req.Code, funcCell: e.funcCell}
		res.Error = src.compileError(errCompile, err)
		return res, info, nil
	}
	if ee := e.loadModules(ctx, fname, code, out); ee != nil {
		res.Error = ee
		return res, info, nil
	}
	e.opts.Compiler.WaitSetUp(ctx, code)
	if c := e.opts.Compiler; c.Enabled() {
		// Compiled code checks its stop flags at function entries and
		// loop iterations; an interrupt sets them, the next cell clears
		// them.
		c.Resume()
		stop := context.AfterFunc(ctx, c.Interrupt)
		defer stop()
		if r, ok := e.executeCompiled(ctx, fname, n, code, program, false, out); ok {
			info.compiled = true
			if r.Error == nil {
				e.lw.Compiled([]byte(code))
			}
			return r, info, nil
		}
	}
	if name := e.redefinesGeneric(code); name != "" {
		src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
		res.Error = src.compileError(errCompile, fmt.Errorf("%s is a generic function an earlier cell declared: the interpreter cannot declare a generic function again (it would keep running the first body); rename it or restart the kernel", name))
		return res, info, nil
	}
	if name := e.usesStaleGeneric(code); name != "" {
		src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
		res.Error = src.compileError(errCompile, fmt.Errorf("%s was redefined: compiled cells use its new body, but this cell is interpreted and the interpreter keeps the first one; use %s in a cell that can be compiled (no interpreted variables), or rename it", name, name))
		return res, info, nil
	}
	orig := code
	code = e.useCompiledVars(code)
	e.importMissing(code)
	res.Value, res.Error = e.run(ctx, fname, code)
	if res.Error != nil && e.nothingRan && !program && e.opts.Compiler.Enabled() {
		// The interpreter refused the cell before running any of it: the
		// compiled tier may take a statement cell it would have left to
		// the interpreter (no loop), whose answer is now an error.
		redef := e.redefRefused
		if r, ok := e.executeCompiled(ctx, fname, n, orig, false, true, out); ok {
			info.compiled = true
			if r.Error == nil {
				e.lw.Compiled([]byte(orig))
			}
			return r, info, nil
		}
		if decls, stmts, ok := splitMixed(orig); ok && redef {
			// A cell that redefines a type and then uses it: the
			// declarations are compiled (the new type is a compiled
			// one, values made before keep the old type), then the
			// statements run in the interpreter with the new type.
			if r, ok := e.executeCompiled(ctx, fname, n, decls, false, true, out); ok {
				info.compiled = true
				if r.Error != nil {
					return r, info, nil
				}
				e.lw.Compiled([]byte(decls))
				orig = stmts
				code = e.useCompiledVars(stmts)
				e.importMissing(code)
				res.Value, res.Error = e.run(ctx, fname, code)
			}
		}
	}
	e.genericHint(res.Error)
	e.compiledOnlyHint(res.Error, code)
	e.unrewriteVars(res.Error)
	if c := e.opts.Compiler; c.HasCompiled() || len(e.compiledOnly) > 0 || len(e.compiledVars) > 0 {
		names := cellNames(code)
		c.Shadow(names)
		e.forgetCompiledOnly(names)
	}
	if len(req.UserExpressions) > 0 {
		res.UserExpressions = map[string]kernel.UserExpression{}
		for name, expr := range req.UserExpressions {
			res.UserExpressions[name] = e.userExpression(ctx, expr)
		}
	}
	return res, info, nil
}

// run evaluates code and returns its trailing value or its error.
func (e *Engine) run(ctx context.Context, fname, code string) (kernel.MIMEBundle, *kernel.EvalError) {
	e.nothingRan, e.redefRefused = false, false
	src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
	runs, err := splitCell(code)
	if err != nil {
		return nil, src.compileError(errSyntax, err)
	}
	// The runs of this cell see each other's declarations before they are
	// committed, so they prepare against a copy of the session's.
	e.mu.Lock()
	st := e.declared().clone()
	e.mu.Unlock()
	st.lower = e.lowerRun

	// Prepare every run before running any, so that a syntax error or a
	// type redefinition anywhere in the cell runs nothing.
	preps := make([]*prepared, len(runs))
	for i, r := range runs {
		p, err := prepare(code, r, i == len(runs)-1, st)
		if err != nil {
			var rd *redefError
			if errors.As(err, &rd) {
				// Nothing ran: the compiled tier may take the cell (a
				// type redefined as a compiled type).
				e.nothingRan, e.redefRefused = true, true
				return nil, src.compileError(errCompile, err)
			}
			return nil, src.compileError(errSyntax, err)
		}
		st.record(p, e.importName)
		preps[i] = p
	}

	e.result.set = false
	e.nothingRan = false
	var value kernel.MIMEBundle
	ran := false
	for _, p := range preps {
		e.stderr.reset() // frames of panics recovered by earlier code are not ours
		if p.helpers != "" {
			// Declarations the lowered run calls (_gk_min2, ...): a
			// separate Eval, so they shift no line of the run.
			if _, err := e.eval(ctx, p.helpers); err != nil {
				return nil, src.compileError(errCompile, fmt.Errorf("lowering helpers: %w", err))
			}
		}
		_, err := e.eval(ctx, p.src)
		if err != nil && p.trailing && isCompileError(err) {
			// The wrapped form did not compile: most likely a call without
			// a result. Nothing ran yet, so evaluate the plain form.
			var v reflect.Value
			// yaegi's words for a call without results: its plain Eval
			// then returns whatever value its frame held last (the 5 of
			// an earlier x := 5 for runtime.GC()), which is no result.
			void := strings.Contains(err.Error(), "as type ()")
			v, err = e.eval(ctx, p.plain)
			if err == nil && !void && shownPlain(v) {
				// Wrapping failed for another reason (a yaegi limitation):
				// show what Eval returned, without String methods.
				e.result.set, e.result.text = true, formatValue(v.Interface())
			}
		}
		if err != nil {
			e.nothingRan = !ran && isCompileError(err)
			return nil, e.evalError(ctx, src, err)
		}
		// Imports, types, funcs and consts have no effects to repeat.
		ran = ran || p.kind != declItem || strings.Contains(p.src, "var") || strings.Contains(p.src, "init")
		e.commit(src, p)
	}
	if e.result.set {
		value = e.result.bundle()
	}
	return value, nil
}

// funcCell returns the cell that declared the function a panic frame names
// ("main.f" or a method name).
func (e *Engine) funcCell(frameFunc string) (cellSource, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.funcCells[strings.TrimPrefix(frameFunc, "main.")]
	return c, ok
}

// shownPlain reports whether a plain Eval's value is a real result: yaegi
// returns a *interface{} for calls without results and declarations, and
// a func(...interface{}) for calls of compiled functions without results
// (runtime.GC(), a compiled cell's func main).
func shownPlain(v reflect.Value) bool {
	return v.IsValid() && v.CanInterface() && v.Type() != reflect.TypeOf((*any)(nil)) && v.Type() != reflect.TypeOf(func(...any) {})
}

// isCompileError reports whether err happened before the run started to execute.
func isCompileError(err error) bool {
	var p interp.Panic
	if errors.As(err, &p) {
		return isInternalPanic(p)
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// isInternalPanic reports whether a panic came from yaegi's compiler (a
// "CFG post-order panic", or its log.Panic("nil type") on constructs it does
// not support) rather than from running the cell.
func isInternalPanic(p interp.Panic) bool {
	switch v := p.Value.(type) {
	case error:
		return strings.Contains(v.Error(), "CFG post-order panic")
	case string:
		return v == "nil type"
	}
	return false
}

// declared is a view of the session's declarations (the maps are the
// engine's own); callers hold e.mu.
func (e *Engine) declared() prepState {
	return prepState{imported: e.imported, aliases: e.aliases, types: e.types, methods: e.methods, consts: e.consts}
}

// commit records what a successful run of the cell src declared.
func (e *Engine) commit(src cellSource, p *prepared) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.declared().record(p, e.importNameLocked)
	for _, f := range p.funcs {
		e.funcCells[f] = cellSource{fname: src.fname, code: src.code}
	}
	for k, v := range p.sigs {
		e.decls()[k] = v
	}
}

// importName is the name an import binds in the cell.
func (e *Engine) importName(s importSpec) string {
	if s.name != "" {
		return s.name
	}
	return e.pkgName(s.path)
}

// importNameLocked is importName for callers holding e.mu.
func (e *Engine) importNameLocked(s importSpec) string {
	if s.name != "" {
		return s.name
	}
	for k := range e.extra {
		if i := lastSlash(k); i > 0 && k[:i] == s.path {
			return k[i+1:]
		}
	}
	return defaultPkgName(s.path)
}

// evalError converts an error from EvalWithContext.
func (e *Engine) evalError(ctx context.Context, src cellSource, err error) *kernel.EvalError {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// After a cancel, callbacks into interpreted closures do nothing
		// until the next Eval: run a no-op Eval to reset the interpreter.
		// The interrupted code stops at its next node once the run id
		// changed, but yaegi gives no way to wait for that: give it a
		// moment so the no-op Eval does not overlap its last steps.
		time.Sleep(10 * time.Millisecond)
		_, _ = e.eval(context.Background(), "_ = 0")
		return kernel.NewEvalError(errInterrupted, "interrupted", "Interrupted: the cell was interrupted; the notebook state is kept")
	}
	var p interp.Panic
	if errors.As(err, &p) {
		if isInternalPanic(p) {
			e.stderr.takeCell()
			return src.compileError(errCompile, fmt.Errorf("%v (the interpreter cannot compile this code: yaegi v0.16.1 lacks some Go >= 1.21 features, and the engine could not rewrite this use; for instance clear, range over an int or over a function need the operand's type visible in the cells)", p.Value))
		}
		return src.panicError(p, e.stderr.takeCell())
	}
	var el scanner.ErrorList
	if errors.As(err, &el) {
		return src.compileError(errSyntax, err)
	}
	return src.compileError(errCompile, err)
}

// userExpression evaluates one user_expressions entry and returns its JSON reply.
func (e *Engine) userExpression(ctx context.Context, expr string) kernel.UserExpression {
	e.result.set = false
	v, ee := e.run(ctx, "user_expression", expr)
	if ee != nil {
		return kernel.UserExpression{Error: ee}
	}
	return kernel.UserExpression{Value: v}
}

// Lookup returns the current value of the global variable or constant name.
func (e *Engine) Lookup(name string) (any, bool) {
	v, ok := e.safeGlobals()[name]
	if !ok || !v.IsValid() || !v.CanInterface() {
		return nil, false
	}
	return v.Interface(), true
}

// Globals returns the session's variables and constants by name (not its
// functions and types), for %who and %whos.
func (e *Engine) Globals() map[string]reflect.Value { return e.safeGlobals() }

// Define creates or replaces the global variable name with value. The value
// keeps its compiled type, so cells can use its fields and methods.
func (e *Engine) Define(name string, value any) error {
	if !isIdent(name) {
		return fmt.Errorf("goeval: define %q: not a Go identifier", name)
	}
	sym := "V_" + name
	var ptr reflect.Value
	if value == nil {
		var x any
		ptr = reflect.ValueOf(&x)
	} else {
		ptr = reflect.New(reflect.TypeOf(value))
		ptr.Elem().Set(reflect.ValueOf(value))
	}
	if err := e.in.Use(interp.Exports{varsPath + "/vars": {sym: ptr.Elem()}}); err != nil {
		return fmt.Errorf("goeval: define %s: %w", name, err)
	}
	if _, err := e.eval(context.Background(), fmt.Sprintf("%s := %s.%s", name, varsAlias, sym)); err != nil {
		return fmt.Errorf("goeval: define %s: %w", name, err)
	}
	return nil
}

// isIdent reports whether s is a non-blank Go identifier and not a keyword.
func isIdent(s string) bool {
	if s == "" || s == "_" || isKeyword(s) {
		return false
	}
	for i, r := range s {
		if !(r == '_' || isLetter(r) || (i > 0 && isDigit(r))) {
			return false
		}
	}
	return true
}
