package goeval

import (
	"context"
	"fmt"
	"go/scanner"
	"go/token"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/internal/lower"
)

// stdlibByName maps a package name to its import path for the standard
// library packages whose name is unambiguous (rand, template, scanner...
// exist twice and are left to the user).
func stdlibByName() map[string]string {
	byName := map[string]string{}
	dup := map[string]bool{}
	for k := range stdlib.Symbols {
		p := path.Dir(k)
		name := path.Base(k)
		if strings.Contains(p, "internal") || strings.HasPrefix(p, "vendor/") {
			continue
		}
		if old, ok := byName[name]; ok && old != p {
			dup[name] = true
		}
		byName[name] = p
	}
	for n := range dup {
		delete(byName, n)
	}
	for _, p := range lower.Packages() {
		byName[p] = p // iter has no symbol table: it is served as source
	}
	return byName
}

// autoImports returns the standard library packages a cell uses as pkg.Name
// without importing them, as goimports would add: `fmt.Println("hi")` in a
// fresh notebook just works. A name the cell or the session declares
// (a variable called time, say) is never taken for a package.
func (e *Engine) autoImports(code string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	f := fset.AddFile("", fset.Base(), len(code))
	s.Init(f, []byte(code), nil, 0)
	type tok struct {
		t   token.Token
		lit string
	}
	var toks []tok
	for {
		_, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{t, lit})
	}
	declared := map[string]bool{}
	used := map[string]bool{}
	for i, tk := range toks {
		if tk.t != token.IDENT {
			continue
		}
		prevDot := i > 0 && toks[i-1].t == token.PERIOD
		next := token.ILLEGAL
		if i+1 < len(toks) {
			next = toks[i+1].t
		}
		prev := token.ILLEGAL
		if i > 0 {
			prev = toks[i-1].t
		}
		switch {
		case next == token.DEFINE || next == token.COMMA && !prevDot || prev == token.VAR || prev == token.CONST ||
			prev == token.FUNC || prev == token.TYPE || prev == token.IMPORT:
			declared[tk.lit] = true
		case !prevDot && next == token.PERIOD:
			used[tk.lit] = true
		}
	}
	if len(used) == 0 {
		return nil
	}
	globals := e.safeGlobals()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stdlibNames == nil {
		e.stdlibNames = stdlibByName()
	}
	byName := e.stdlibNames
	var paths []string
	for name := range used {
		p, ok := byName[name]
		if !ok || declared[name] {
			continue
		}
		if _, ok := e.aliases[name]; ok {
			continue
		}
		if _, ok := globals[name]; ok {
			continue
		}
		if _, ok := e.declSigs[name]; ok {
			continue
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// importMissing imports what autoImports found, before the cell runs.
func (e *Engine) importMissing(code string) {
	for _, p := range e.autoImports(code) {
		if _, err := e.eval(context.Background(), fmt.Sprintf("import %q", p)); err == nil {
			e.mu.Lock()
			spec := importSpec{path: p}
			e.imported[spec] = true
			e.aliases[e.importNameLocked(spec)] = p
			e.mu.Unlock()
		}
	}
}

// safeGlobals is Interpreter.Globals, which panics in yaegi v0.16.1 after
// some failed evaluations (an index out of range in its scope walk).
func (e *Engine) safeGlobals() (g map[string]reflect.Value) {
	defer func() {
		if recover() != nil {
			g = nil
		}
	}()
	return e.in.Globals()
}
