package goeval

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"sort"
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
func (e *Engine) recordLendable(runs []declRun, code string, n int, compiledCell bool) {
	if e.opts.Compiler == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lendable == nil {
		e.lendable = map[string]compiled.Lent{}
	}
	origin := fmt.Sprintf("In[%d]", n)
	for _, r := range runs {
		slice := func(from, to token.Pos) string {
			return r.src[r.fset.Position(from).Offset:r.fset.Position(to).Offset]
		}
		for _, d := range r.file.Decls {
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
	if !strings.Contains(code, ":=") {
		return
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

// lentVar lends an interpreted global to a compiled statement cell: the
// Go type of its value (from reflect: basic kinds, standard library named
// types, and slices, arrays, maps, pointers and channels of those) and
// its address, through which the compiled cell reads and assigns it.
// Nothing is lent while the session has an interpreted named type that is
// not a struct or interface: yaegi gives such a type's values their
// underlying reflect type (a Celsius is a float64 to reflect), so the
// global's real type could not be told.
func (e *Engine) lentVar(name string) (compiled.LentVar, bool) {
	v, ok := e.safeGlobals()[name]
	if !ok || !v.IsValid() || !v.CanAddr() {
		return compiled.LentVar{}, false
	}
	if lv, ok := e.retypedVar(v); ok {
		return lv, true
	}
	e.mu.Lock()
	for _, norm := range e.types {
		f := strings.Fields(norm)
		if len(f) < 2 || strings.Contains(f[0], "[") || !strings.HasPrefix(f[1], "struct") && !strings.HasPrefix(f[1], "interface") {
			e.mu.Unlock()
			return compiled.LentVar{}, false
		}
	}
	e.mu.Unlock()
	imports := map[string]bool{}
	expr, ok := typeExpr(v.Type(), func(t reflect.Type) (string, bool) {
		if !stdlibPath(t.PkgPath()) || strings.Contains(t.Name(), "[") {
			return "", false
		}
		imports[t.PkgPath()] = true
		return t.String(), true
	}, 0)
	if !ok {
		return compiled.LentVar{}, false
	}
	lv := compiled.LentVar{Type: expr, Ptr: v.Addr().Interface()}
	for p := range imports {
		lv.Imports = append(lv.Imports, p)
	}
	sort.Strings(lv.Imports)
	return lv, true
}

// retypedVar lends a global whose value has a type a compiled statement
// cell declared again from an interpreted cell's source (a lent generic
// type: c := NewCache[string, int](2) made *cellN.Cache[string,int]), so
// that a later cell that reads its unexported fields is compiled with the
// type declared again too (LentVar.Retyped). yaegi cannot mistake such a
// value's type: only compiled code makes it. The type is written with the
// names the lending cell declares (Cache[string,int]); type arguments must
// be spelled by predeclared names alone (reflect writes others with their
// paths).
func (e *Engine) retypedVar(v reflect.Value) (compiled.LentVar, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.genericLent == 0 {
		return compiled.LentVar{}, false
	}
	found := false
	expr, ok := typeExpr(v.Type(), func(t reflect.Type) (string, bool) {
		base, args, generic := strings.Cut(t.Name(), "[")
		l, lendable := e.lendable[base]
		if !compiledCellPath(t.PkgPath()) || !lendable || !strings.HasPrefix(l.Source, "type ") {
			return "", false
		}
		if generic && strings.Trim(args, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_,[]*") != "" {
			return "", false
		}
		found = true
		return t.Name(), true
	}, 0)
	if !ok || !found {
		return compiled.LentVar{}, false
	}
	return compiled.LentVar{Type: expr, Ptr: v.Addr().Interface(), Retyped: true}, true
}

// typeExpr writes t as a Go type expression when it is made of basic
// types and of named types that named writes, in slices, arrays,
// pointers, maps and channels.
func typeExpr(t reflect.Type, named func(reflect.Type) (string, bool), depth int) (string, bool) {
	if depth > 8 {
		return "", false
	}
	if t.Name() != "" {
		if t.PkgPath() == "" {
			if t.Kind() <= reflect.Complex128 || t.Kind() == reflect.String {
				return t.Name(), t.Name() == t.Kind().String()
			}
			return "", false // error, or an interpreted type
		}
		return named(t)
	}
	elem := func(prefix string) (string, bool) {
		s, ok := typeExpr(t.Elem(), named, depth+1)
		return prefix + s, ok
	}
	switch t.Kind() {
	case reflect.Slice:
		return elem("[]")
	case reflect.Array:
		return elem(fmt.Sprintf("[%d]", t.Len()))
	case reflect.Pointer:
		return elem("*")
	case reflect.Map:
		k, ok := typeExpr(t.Key(), named, depth+1)
		if !ok {
			return "", false
		}
		return elem("map[" + k + "]")
	case reflect.Chan:
		switch t.ChanDir() {
		case reflect.RecvDir:
			return elem("<-chan ")
		case reflect.SendDir:
			return elem("chan<- ")
		}
		return elem("chan ")
	}
	return "", false // funcs, interfaces, structs: interpreted values or types
}

// stdlibPath reports whether an import path is the standard library's
// (no dot in its first element), as the compiled tier needs it.
func stdlibPath(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	if strings.Contains(first, ".") || first == "main" || strings.HasPrefix(p, "gokernel") {
		return false
	}
	return !compiledCellPath(p)
}

// compiledCellPath reports whether an import path is a compiled cell's
// package: gk<digits>/cN.
func compiledCellPath(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return strings.HasPrefix(first, "gk") && strings.Trim(first[2:], "0123456789") == ""
}

// mayDeclare reports whether a cell may declare a top-level name (the
// parse is skipped for the rest: expressions, calls, assignments).
func mayDeclare(code string) bool {
	for _, kw := range []string{"func", "type", "const", "var", ":="} {
		if strings.Contains(code, kw) {
			return true
		}
	}
	return false
}
