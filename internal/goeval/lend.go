package goeval

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"github.com/gokernel/gokernel/internal/compiled"
)

// The interpreter cannot call generic code across cells (yaegi v0.16.1:
// "undefined type for U", nil dereferences), so a statement cell that
// uses a generic function or type an interpreted cell declared is
// compiled, and the declarations it needs are declared again in its
// package from their source. The engine lends them: the latest source of
// every interpreted top-level func, type (with its methods) and const.
// Variables are never lent (their values live in the interpreter).

// recordLendable updates the lendable declarations after a successful
// cell: an interpreted cell's declarations become lendable, a compiled
// cell's names stop being lent (the compiled tier has them).
func (e *Engine) recordLendable(code string, n int, compiledCell bool) {
	if e.opts.Compiler == nil || !strings.ContainsAny(code, "ftc") {
		return
	}
	code, _, err := programCell(code)
	if err != nil {
		return
	}
	runs, err := splitCell(code)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lendable == nil {
		e.lendable = map[string]compiled.Lent{}
	}
	origin := fmt.Sprintf("In[%d]", n)
	for _, r := range runs {
		if r.kind != declItem {
			continue
		}
		text := code[r.start:r.end]
		const header = "package p;"
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", header+text, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		slice := func(from, to token.Pos) string {
			return (header + text)[fset.Position(from).Offset:fset.Position(to).Offset]
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.Name == "init" || d.Name.Name == "main" || d.Body == nil {
					continue
				}
				if recv := recvTypeName(d); recv != "" {
					if l, ok := e.lendable[recv]; ok && !compiledCell {
						l.Source += "\n" + slice(d.Pos(), d.End())
						e.lendable[recv] = l
					}
					continue
				}
				e.lend(d.Name.Name, compiledCell, compiled.Lent{Source: slice(d.Pos(), d.End()), Origin: origin, Generic: d.Type.TypeParams != nil})
			case *ast.GenDecl:
				switch d.Tok {
				case token.TYPE:
					for _, sp := range d.Specs {
						ts := sp.(*ast.TypeSpec)
						e.lend(ts.Name.Name, compiledCell, compiled.Lent{Source: "type " + slice(ts.Pos(), ts.End()), Origin: origin, Generic: ts.TypeParams != nil})
					}
				case token.CONST:
					src := slice(d.Pos(), d.End())
					for _, sp := range d.Specs {
						for _, id := range sp.(*ast.ValueSpec).Names {
							e.lend(id.Name, compiledCell, compiled.Lent{Source: src, Origin: origin})
						}
					}
				case token.VAR:
					for _, sp := range d.Specs {
						for _, id := range sp.(*ast.ValueSpec).Names {
							e.lend(id.Name, true, compiled.Lent{})
						}
					}
				}
			}
		}
	}
	for _, name := range topLevelDefines(code) {
		e.lend(name, true, compiled.Lent{})
	}
}

// lend records one declaration (callers hold e.mu).
func (e *Engine) lend(name string, compiledCell bool, l compiled.Lent) {
	if old, ok := e.lendable[name]; ok && old.Generic {
		e.genericLent--
	}
	if compiledCell || name == "_" {
		delete(e.lendable, name)
		return
	}
	if l.Generic {
		e.genericLent++
	}
	e.lendable[name] = l
}

// lent answers the compiled tier's question for a name.
func (e *Engine) lent(name string) (compiled.Lent, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l, ok := e.lendable[name]
	return l, ok
}

// anyGenericLent reports whether a lendable declaration is generic.
func (e *Engine) anyGenericLent() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.genericLent > 0
}
