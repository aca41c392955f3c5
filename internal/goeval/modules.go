package goeval

import (
	"context"
	"errors"
	"go/scanner"
	"go/token"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/kernel"
)

// errModule names a cell error of fetching, building or loading a Go
// module the cell imports.
const errModule = "ModuleError"

// cellImports returns the import paths of a cell's import declarations,
// in order (a scan: the cell need not parse yet).
func cellImports(code string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	f := fset.AddFile("", fset.Base(), len(code))
	s.Init(f, []byte(code), nil, 0)
	var paths []string
	inImport, group := false, false
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return paths
		}
		switch {
		case tok == token.IMPORT:
			inImport, group = true, false
		case !inImport:
		case tok == token.LPAREN:
			group = true
		case tok == token.STRING:
			if p, err := strconv.Unquote(lit); err == nil {
				paths = append(paths, p)
			}
			if !group {
				inImport = false
			}
		case tok == token.RPAREN:
			inImport = false
		case tok == token.IDENT, tok == token.PERIOD, tok == token.SEMICOLON:
			// an alias, a dot import, the end of a spec
		default:
			inImport = false
		}
	}
}

// isModulePath reports whether an import path names a package of a Go
// module outside the standard library (its first element has a dot).
func isModulePath(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return strings.Contains(first, ".") && !strings.HasPrefix(p, ".")
}

// hasPackage reports whether cells can import path without a module: the
// standard library, the packages served as source, and the symbol tables
// the kernel and earlier cells added.
func (e *Engine) hasPackage(p string) bool {
	if isSourcePackage(p) {
		return true
	}
	name := path.Base(p)
	if _, ok := stdlib.Symbols[p+"/"+name]; ok {
		return true
	}
	for _, k := range e.extraKeys() {
		if i := lastSlash(k); i > 0 && k[:i] == p {
			return true
		}
	}
	for k := range stdlib.Symbols {
		if i := lastSlash(k); i > 0 && k[:i] == p {
			return true
		}
	}
	return false
}

// loadModules fetches, builds and loads the module packages the cell
// imports that the session does not have yet (see compiled.LoadPackages),
// before the cell runs. A nil result means the cell can run.
func (e *Engine) loadModules(ctx context.Context, fname, code string, out kernel.Output) *kernel.EvalError {
	t := e.opts.Compiler
	if t == nil {
		return nil
	}
	var missing []string
	for _, p := range cellImports(code) {
		if isModulePath(p) && !e.hasPackage(p) && !strings.HasPrefix(p, "gokernel/") {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	syms, err := t.LoadPackages(ctx, missing, out)
	if err != nil {
		if ctx.Err() != nil {
			return kernel.NewEvalError(errInterrupted, "interrupted", "Interrupted: the cell was interrupted while its modules were fetched or built; nothing of it ran, the notebook state is kept")
		}
		msg := err.Error()
		if errors.Is(err, compiled.ErrNoToolchain) {
			msg = strings.TrimPrefix(msg, compiled.ErrNoToolchain.Error()+": ")
		}
		return kernel.NewEvalError(errModule, msg, append([]string{fname + ": " + errModule}, strings.Split(msg, "\n")...)...)
	}
	if err := e.Use(syms); err != nil {
		return kernel.NewEvalError(errModule, err.Error(), fname+": "+errModule+": giving the packages to the interpreter: "+err.Error())
	}
	return nil
}

// noSymbol matches yaegi's error for a name a compiled package lacks.
var noSymbol = regexp.MustCompile(`package \w+ "([^"]+)" has no symbol (\w+)`)

// genericHint adds to ee, when it is about a generic function or type of a
// loaded module package, why the interpreter lacks it and what works.
func (e *Engine) genericHint(ee *kernel.EvalError) {
	t := e.opts.Compiler
	if ee == nil || t == nil {
		return
	}
	sm := noSymbol.FindStringSubmatch(ee.Value)
	if sm == nil {
		return
	}
	if hint := t.GenericHint(sm[1], sm[2]); hint != "" {
		ee.Value += ": " + hint
		ee.Traceback = append(ee.Traceback, hint)
	}
}
