package lower

import (
	"go/ast"
	"go/token"
)

// printName returns the compiled replacement of a call of the print or
// println builtin, or "".
func printName(ce *ast.CallExpr) string {
	fun, ok := unparen(ce.Fun).(*ast.Ident)
	switch {
	case !ok || ce.Ellipsis != token.NoPos:
		return ""
	case isBuiltin(fun, "print"):
		return "_gk_rt.Print"
	case isBuiltin(fun, "println"):
		return "_gk_rt.Println"
	}
	return ""
}

// printCall lowers the print and println builtins to _gk_rt.Print and
// _gk_rt.Println (printrt.go), which write to the cell's os.Stderr in the
// runtime's format, as Go does; yaegi writes to standard output with fmt's
// formats:
//
//	println(x, err) → _gk_rt.Println(_gk_os.Stderr, x, _gk_rt.Eface(err))
//
// An operand whose static type is an interface goes through _gk_rt.Eface,
// since the runtime prints an interface as its two words ((0x0,0x0) when
// nil), not its dynamic value. Not under go and defer, whose operands the
// defer rewrite may move: there only the callee changes.
func (l *lowering) printCall(ce *ast.CallExpr, fun *ast.Ident, stack []ast.Node) {
	if ce.Ellipsis != token.NoPos {
		return
	}
	l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
	l.helper("_gk_os", `import _gk_os "os"`)
	if l.hoisted[ce] {
		return // deferStmt wrote the call
	}
	l.ed.replace(l.off(fun.Pos()), l.off(fun.End()), printName(ce))
	w := "_gk_os.Stderr"
	if len(ce.Args) > 0 {
		w += ", "
	}
	l.ed.insert(l.off(ce.Lparen)+1, w)
	if len(stack) >= 2 {
		switch stack[len(stack)-2].(type) {
		case *ast.DeferStmt, *ast.GoStmt:
			return
		}
	}
	for _, a := range ce.Args {
		if t := l.typeOf(a, 0); t != nil && l.isIface(t) {
			l.ed.insert(l.off(a.Pos()), "_gk_rt.Eface(")
			l.ed.insert(l.off(a.End()), ")")
		}
	}
}
