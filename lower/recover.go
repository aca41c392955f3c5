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
