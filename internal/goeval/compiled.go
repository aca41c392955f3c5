package goeval

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/kernel"
)

// progressAfter is how long a compile runs before the cell says it is
// compiling.
const progressAfter = time.Second

// executeCompiled runs the cell through the compiled tier when its
// front-end accepts it: the cell is built as a plugin, loaded, and its
// names brought into the interpreter's scope. ok is false when the cell
// must be interpreted instead (nothing of it ran).
//
// A program cell (program: it started with package main) comes with a call
// of its main appended (programCell); its declarations are compiled and
// main is called once they are loaded.
func (e *Engine) executeCompiled(ctx context.Context, fname string, n int, code string, program, refused bool, out kernel.Output) (res kernel.ExecuteResult, ok bool) {
	t := e.opts.Compiler
	decls := code
	if program {
		decls = strings.TrimSuffix(code, programMainCall)
	}
	plan, why := t.Plan(n, decls, e.resolvePackage)
	if refused {
		plan, why = t.PlanRefused(n, decls, e.resolvePackage)
	}
	if plan == nil {
		e.opts.Logger.Debug("cell interpreted", "cell", fname, "why", why)
		return res, false
	}
	// Progress is a display, not stream text: the cell's stdout and
	// stderr stay what the program prints.
	id := fmt.Sprintf("gokernel-compile-%d-%d", n, time.Now().UnixNano())
	start := time.Now()
	var shown atomic.Bool
	timer := time.AfterFunc(progressAfter, func() {
		shown.Store(true)
		out.Display(kernel.Display{ID: id, Metadata: map[string]any{}, Data: kernel.MIMEBundle{
			"text/plain": fmt.Sprintf("compiling %s with go build...", fname)}})
	})
	loaded, err := t.Build(ctx, plan)
	if !timer.Stop() && shown.Load() {
		out.Display(kernel.Display{ID: id, Update: true, Metadata: map[string]any{}, Data: kernel.MIMEBundle{
			"text/plain": fmt.Sprintf("%s compiled by go build in %.1f s", fname, time.Since(start).Seconds())}})
	}
	if err != nil {
		if ctx.Err() != nil {
			res.Error = &kernel.EvalError{Name: errInterrupted, Value: "interrupted", Traceback: []string{"Interrupted: the cell was interrupted while it compiled; nothing of it ran, the notebook state is kept"}}
			return res, true
		}
		if errors.Is(err, compiled.ErrBuild) {
			// The front-end accepted what gc refused (or the build
			// broke): nothing ran, so the interpreter gets the cell.
			e.opts.Logger.Warn("compiled tier: build failed, cell interpreted", "cell", fname, "err", err)
			return res, false
		}
		src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
		res.Error = src.compileError(errCompile, fmt.Errorf("compiled cell: %w", err))
		return res, true
	}
	e.opts.Logger.Debug("cell compiled", "cell", fname, "build", loaded.BuildTime.String())

	if loaded.Run != nil {
		return e.runCompiled(ctx, fname, code, loaded), true
	}
	if err := e.in.Use(loaded.Symbols); err != nil {
		src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
		res.Error = src.compileError(errCompile, fmt.Errorf("compiled cell: giving its symbols to the interpreter: %w", err))
		return res, true
	}
	// Through run, like a cell's own import, so that the engine records
	// it: the import, the variables' pointers, the untyped constants.
	for _, step := range []struct{ src, what string }{
		{loaded.Import, "importing it into the interpreter"},
		{loaded.VarImport, "importing its variables into the interpreter"},
		{loaded.After, "declaring its untyped constants in the interpreter"},
	} {
		if step.src == "" {
			continue
		}
		if _, ee := e.run(ctx, fname, step.src); ee != nil {
			ee.Value = "compiled cell: " + step.what + ": " + ee.Value
			res.Error = ee
			return res, true
		}
	}
	e.forgetCompiledOnly(loaded.Names)
	for _, note := range loaded.Notes {
		fmt.Fprintf(e.opts.Stderr, "[gokernel] note: %s\n", note)
	}
	for _, v := range loaded.Vars {
		e.compiledVars[v] = "(*" + loaded.VarAlias + ".Gk_p_" + v + ")"
	}
	for name, why := range loaded.Only {
		e.compiledOnly[name] = fmt.Sprintf("%s is declared in the compiled cell %s and only that cell's code can use it: %s; declare what uses it in the same cell", name, fname, why)
	}
	e.afterReopen(ctx, loaded)
	if program && decls != code {
		// main has no results (gc checked); what yaegi returns for the
		// call of a compiled func without results is no value.
		_, res.Error = e.run(ctx, fname, strings.TrimPrefix(programMainCall, "\n"))
	}
	return res, true
}

// forgetCompiledOnly drops what the engine knows of compiled names a later
// cell declared again: their hints, their variables' pointers.
func (e *Engine) forgetCompiledOnly(names []string) {
	for _, n := range names {
		delete(e.compiledOnly, n)
		delete(e.compiledVars, n)
	}
}

// compiledOnlyHint adds to an error of a cell (code) that uses a compiled
// cell's name the interpreter cannot have why that is: to "undefined:
// name", and to whatever yaegi says when the cell instantiates such a
// generic type ("constant definition loop", "undefined type").
func (e *Engine) compiledOnlyHint(ee *kernel.EvalError, code string) {
	if ee == nil || len(e.compiledOnly) == 0 {
		return
	}
	add := func(hint string) {
		ee.Value += ": " + hint
		ee.Traceback = append(ee.Traceback, hint)
	}
	for _, m := range undefinedName.FindAllStringSubmatch(ee.Value+"\n"+strings.Join(ee.Traceback, "\n"), -1) {
		if hint, ok := e.compiledOnly[m[1]]; ok {
			add(hint)
			return
		}
	}
	if ee.Name != errCompile {
		return
	}
	for _, tok := range cellIdents(code, -1) {
		if hint, ok := e.compiledOnly[tok]; ok {
			add(hint)
			return
		}
	}
}

// undefinedName matches the interpreter's error for an unknown name.
var undefinedName = regexp.MustCompile(`undefined: (\w+)`)

// resolvePackage maps a package name a compiled cell uses without
// importing it to a path: the session's imports first, then the
// unambiguous standard library names (the interpreter's auto-imports).
func (e *Engine) resolvePackage(name string) (string, bool) {
	e.mu.Lock()
	p, ok := e.aliases[name]
	e.mu.Unlock()
	if ok {
		return p, true
	}
	if e.stdlibNames == nil {
		e.stdlibNames = stdlibByName()
	}
	p, ok = e.stdlibNames[name]
	return p, ok
}

// cellNames are the package-level names an interpreted cell declares:
// funcs, types, vars, consts and top-level := definitions. The compiled
// tier forgets its own declarations of them.
func cellNames(code string) []string {
	runs, err := splitCell(code)
	if err != nil {
		return nil
	}
	var names []string
	for _, r := range runs {
		text := code[r.start:r.end]
		if r.text != "" {
			text = r.text
		}
		if r.kind == declItem {
			f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+text, parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						names = append(names, d.Name.Name)
					}
				case *ast.GenDecl:
					names = appendSpecNames(names, d)
				}
			}
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p; func _() {"+text+"\n}", parser.SkipObjectResolution)
		if err != nil || len(f.Decls) == 0 {
			continue
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		for _, st := range body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							names = append(names, id.Name)
						}
					}
				}
			case *ast.DeclStmt:
				if g, ok := st.Decl.(*ast.GenDecl); ok {
					names = appendSpecNames(names, g)
				}
			}
		}
	}
	return names
}

// appendSpecNames appends the names g declares (types, vars, consts).
func appendSpecNames(names []string, g *ast.GenDecl) []string {
	for _, s := range g.Specs {
		switch s := s.(type) {
		case *ast.TypeSpec:
			names = append(names, s.Name.Name)
		case *ast.ValueSpec:
			for _, id := range s.Names {
				names = append(names, id.Name)
			}
		}
	}
	return names
}

// runCompiled runs a compiled statement cell on its own goroutine (an
// interrupt ends it with runtime.Goexit at its next loop iteration), then
// hands the names it defined to the interpreter as globals and shows its
// trailing value.
func (e *Engine) runCompiled(ctx context.Context, fname, code string, l *compiled.Loaded) kernel.ExecuteResult {
	var res kernel.ExecuteResult
	done := make(chan struct{})
	var rec any
	panicked, finished := false, false
	if l.Bind != nil {
		ptrs := map[string]any{}
		for _, name := range l.BindNames {
			v, ok := e.lentVar(name)
			if !ok {
				src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
				res.Error = src.compileError(errCompile, fmt.Errorf("compiled cell: the variable %s changed before the cell ran", name))
				return res
			}
			ptrs[name] = v.Ptr
		}
		if err := bindSafely(l.Bind, ptrs); err != nil {
			src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
			res.Error = src.compileError(errCompile, fmt.Errorf("compiled cell: giving it the interpreter's variables: %w", err))
			return res
		}
	}
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				rec, panicked = r, true
			}
		}()
		l.Run()
		finished = true
	}()
	select {
	case <-done:
	case <-ctx.Done():
		// The stop flags are set (Execute's AfterFunc): the loop exits at
		// its next iteration; one blocked in a system call is left.
		select {
		case <-done:
		case <-time.After(time.Second):
		}
		res.Error = &kernel.EvalError{Name: errInterrupted, Value: "interrupted", Traceback: []string{"Interrupted: the cell was interrupted; the names it would have defined are not set, the notebook state is kept"}}
		return res
	}
	if panicked {
		name, msg := describePanic(rec)
		res.Error = &kernel.EvalError{Name: name, Value: msg, Traceback: []string{name + ": " + msg, "", "in " + fname + " (compiled)"}}
		return res
	}
	if !finished {
		res.Error = &kernel.EvalError{Name: errInterrupted, Value: "interrupted", Traceback: []string{"Interrupted: the cell was interrupted; the notebook state is kept"}}
		return res
	}
	out := *l.Out
	var decls strings.Builder
	for _, name := range l.Defs {
		if t, ok := l.DefTypes[name]; ok {
			fmt.Fprintf(&decls, "var %s %s\n", name, t)
		}
	}
	e.lw.CompiledVars([]byte(decls.String()))
	for i, name := range l.Defs {
		if i >= len(out) {
			break
		}
		if err := e.Define(name, out[i]); err != nil {
			src := cellSource{fname: fname, code: code, funcCell: e.funcCell}
			res.Error = src.compileError(errCompile, fmt.Errorf("compiled cell: defining %s in the interpreter: %w", name, err))
			return res
		}
	}
	e.opts.Compiler.Shadow(l.Defs)
	if *l.HasResult {
		e.result.set = false
		e.setResult(*l.Result)
		if e.result.set {
			res.Value = e.result.bundle()
		}
	}
	return res
}

// bindSafely calls a compiled cell's Gk_bind, whose type assertions panic
// when a variable's type is not the one the cell was compiled for.
func bindSafely(bind func(map[string]any), ptrs map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	bind(ptrs)
	return nil
}
