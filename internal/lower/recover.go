package lower

import "go/ast"

// recoverCall lowers recover() to _gk_recover(recover()): yaegi v0.16.1
// hands a deferred function the value of panic(err) wrapped in a
// reflect.Value when err holds a compiled error, so r.(error) fails and
// %T prints reflect.Value. The helper unwraps it. recover is still called
// directly by the deferred function, as Go requires.
func (l *lowering) recoverCall(ce *ast.CallExpr) {
	l.helper("_gk_recover", helperRecover)
	l.helper("_gk_reflect", `import _gk_reflect "reflect"`)
	l.ed.insert(l.off(ce.Pos()), "_gk_recover(")
	l.ed.insert(l.off(ce.End()), ")")
}

// helperRecover imports reflect under a reserved name, so that it neither
// clashes with nor depends on the user's imports.
const helperRecover = `func _gk_recover(r interface{}) interface{} {
	if v, ok := r.(_gk_reflect.Value); ok && v.IsValid() && v.CanInterface() {
		return v.Interface()
	}
	return r
}`

// callsRecover reports whether the file calls the recover builtin.
func callsRecover(f *ast.File) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if ce, ok := n.(*ast.CallExpr); ok {
			if id, ok := unparen(ce.Fun).(*ast.Ident); ok && isBuiltin(id, "recover") {
				found = true
			}
		}
		return !found
	})
	return found
}

// indexExpr checks the index of s[i] with a helper, s[_gk_ix(i, len(s))],
// when the session recovers panics and s is a variable whose slice type
// the syntax shows: yaegi panics with reflect's message ("reflect: slice
// index out of range"), the helper with Go's ("runtime error: index out of
// range [3] with length 1"), so a recovered value prints as in Go.
func (l *lowering) indexExpr(ie *ast.IndexExpr) {
	if !l.checkBounds {
		return
	}
	x, ok := unparen(ie.X).(*ast.Ident)
	if !ok || x.Obj == nil || x.Obj.Kind != ast.Var || l.kindOf(l.typeOf(x, 0)) != 's' {
		return
	}
	l.helper("_gk_ix", helperIndex)
	l.helper("_gk_errors", `import _gk_errors "errors"`)
	l.helper("_gk_fmt", `import _gk_fmt "fmt"`)
	l.ed.insert(l.off(ie.Index.Pos()), "_gk_ix(")
	l.ed.insert(l.off(ie.Index.End()), ", len("+x.Name+"))")
}

const helperIndex = `func _gk_ix[I ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr](i I, n int) I {
	if i < 0 {
		panic(_gk_errors.New(_gk_fmt.Sprintf("runtime error: index out of range [%d]", i)))
	}
	if uint64(i) >= uint64(n) {
		panic(_gk_errors.New(_gk_fmt.Sprintf("runtime error: index out of range [%d] with length %d", i, n)))
	}
	return i
}`
