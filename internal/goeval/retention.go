package goeval

import (
	"context"
	"go/token"
	"reflect"

	"github.com/traefik/yaegi/interp"
)

// yaegi v0.16.1 keeps, for the life of the interpreter, things of every
// Eval that nothing reads again. A notebook evaluates thousands of cells in
// one interpreter, so each is a leak there. This file drops them after each
// Eval. Measured with 10,000 cells `x++` (worker live heap after a GC):
// roots +35 MB before dropRoots; then scope children +3.5 MB and file set
// entries +5.5 MB before dropScopeChildren and forgetFiles.
//
// The fields are reached by name through reflect: if a later yaegi renames
// them, nothing is done (the leak comes back, nothing breaks).

// eval is the one way the engine calls yaegi's Eval: it runs src, then
// forgets what yaegi kept of the run that no later cell can need.
func (e *Engine) eval(ctx context.Context, src string) (reflect.Value, error) {
	fset := e.in.FileSet()
	base := fset.Base()
	v, err := compileAndRun(ctx, &e.runner, e.in, src)
	clearRootDefers(e.in) // see toplevel_defer.go
	dropRoots(e.in)
	dropScopeChildren(e.in)
	forgetFiles(fset, base, positionFree(src))
	return v, err
}

// dropRoots forgets the syntax trees yaegi keeps of every Eval
// (Interpreter.roots, read only by its debugger, which gokernel does not
// use): about 3.5 KB per cell. Functions and types a cell declared stay
// reachable through the interpreter's scopes.
func dropRoots(in *interp.Interpreter) {
	if in == nil {
		return
	}
	zeroField(reflect.ValueOf(in).Elem(), "roots")
}

// dropScopeChildren empties the child lists of the interpreter's package
// scopes. yaegi appends every block scope it compiles to its parent's list
// (scope.child) and never reads the list again, so the package scope of
// "main" grew by one function-body scope, with its symbol map, per cell.
// The scopes themselves stay alive as long as compiled code refers to them.
func dropScopeChildren(in *interp.Interpreter) {
	if in == nil {
		return
	}
	iv := reflect.ValueOf(in).Elem()
	if u := iv.FieldByName("universe"); u.IsValid() && u.Kind() == reflect.Pointer && !u.IsNil() {
		zeroField(u.Elem(), "child")
	}
	scopes := iv.FieldByName("scopes")
	if !scopes.IsValid() || scopes.Kind() != reflect.Map {
		return
	}
	it := scopes.MapRange()
	for it.Next() {
		if sc := it.Value(); sc.Kind() == reflect.Pointer && !sc.IsNil() {
			zeroField(sc.Elem(), "child")
		}
	}
}

// zeroField sets the slice field name of the addressable struct v to nil.
func zeroField(v reflect.Value, name string) {
	if f, ok := settable(v, name); ok && f.Kind() == reflect.Slice && f.Len() > 0 {
		f.Set(reflect.Zero(f.Type()))
	}
}

// forgetFiles removes from fset the files an Eval added (those at or after
// base). yaegi adds two per Eval: a scratch file to scan the source's first
// token (never referred to again: always removed) and the parsed source.
// The parsed source is removed only when all is true, that is when nothing
// compiled from it can run or be reported on after the Eval (see
// positionFree); otherwise its positions stay resolvable for later panics
// and error messages.
func forgetFiles(fset *token.FileSet, base int, all bool) {
	for p := base; p < fset.Base(); {
		f := fset.File(token.Pos(p))
		if f == nil {
			return
		}
		p = f.Base() + f.Size() + 1
		if all || f.Name() == "" {
			fset.RemoveFile(f)
		}
	}
}

// positionFree reports whether src declares nothing that outlives its Eval
// with a source position: no function or method (declared or literal, so no
// closure kept in a variable), no type (named, struct or interface: yaegi
// may resolve a type's nodes again in a later cell) and no goroutine. Its
// statements run during the Eval, so once it returns, nothing of it needs a
// position. It looks for those keywords as words anywhere, comments and
// strings included: a false "no" only keeps a file, and it is on every
// cell's path, where a full scan cost 6% of a trivial cell.
func positionFree(src string) bool {
	for i := 0; i < len(src); {
		if !isWordByte(src[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(src) && isWordByte(src[j]) {
			j++
		}
		// After a dot a word is a selector, never a keyword (and the line
		// directives on every cell name the file "_.go").
		if i == 0 || src[i-1] != '.' {
			switch src[i:j] {
			case "func", "type", "struct", "interface", "go":
				return false
			}
		}
		i = j
	}
	return true
}

// isWordByte reports whether b can be part of an identifier (any byte of a
// multi-byte UTF-8 letter counts, which only makes words longer).
func isWordByte(b byte) bool {
	return b == '_' || b >= 0x80 || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}
