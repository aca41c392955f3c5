package lower

import (
	"go/ast"
	"strconv"
)

// nilErrReturn makes a nil pointer of a session type returned as an error
// fail clearly. In Go, return p with p a nil *MyErr gives a non-nil error
// (an interface holding a typed nil pointer: the classic gotcha); yaegi
// v0.16.1 converts a nil pointer to the error interface as a nil error, so
// err != nil is false and the program silently takes the other branch.
// The interpreter cannot hold a typed nil in an error, so the operand goes
// through a function literal that panics with an explanation when it is nil:
//
//	return p → return func(p *MyErr) *MyErr { if p == nil { panic("...") }; return p }(p)
//
// Only operands whose static type the syntax shows to be a pointer to a
// session type, in a result declared error; &T{...} and new(T) are never
// nil and are left alone. (yaegi keeps typed nil pointers in other
// interfaces, any included.)
func (l *lowering) nilErrReturn(rs *ast.ReturnStmt, stack []ast.Node) {
	var ft *ast.FuncType
	for i := len(stack) - 2; i >= 0 && ft == nil; i-- {
		switch x := stack[i].(type) {
		case *ast.FuncDecl:
			ft = x.Type
		case *ast.FuncLit:
			ft = x.Type
		case *ast.RangeStmt:
			if l.rf[x] != nil {
				// The return becomes part of a range-over-func
				// rewrite.
				return
			}
		}
	}
	if ft == nil {
		return
	}
	results := flatten(ft.Results)
	if len(results) != len(rs.Results) {
		return
	}
	for i, r := range rs.Results {
		id, ok := results[i].(*ast.Ident)
		if !ok || !isBuiltin(id, "error") || l.types["error"] != nil {
			continue
		}
		switch x := unparen(r).(type) {
		case *ast.UnaryExpr, *ast.CompositeLit:
			continue
		case *ast.CallExpr:
			if f, ok := x.Fun.(*ast.Ident); ok && isBuiltin(f, "new") {
				continue
			}
		}
		p, ok := l.typeOf(r, 0).(*ast.StarExpr)
		if !ok {
			continue
		}
		base, ok := unparen(p.X).(*ast.Ident)
		if !ok || (l.sessionIdent(base) == nil && (base.Obj == nil || base.Obj.Kind != ast.Typ)) {
			continue
		}
		msg := "gokernel: a nil *" + base.Name + " returned as an error: in Go that is a non-nil error " +
			"(an interface holding a nil pointer), but the interpreter cannot represent it and would make it nil; " +
			"return nil explicitly when there is no error"
		// Inline, not a helper: the type is often declared in the same
		// chunk, and a chunk's helpers are evaluated before it.
		name := "func(p *" + base.Name + ") *" + base.Name + " { if p == nil { panic(" + strconv.Quote(msg) + ") }; return p }"
		l.ed.insert(l.off(r.Pos()), name+"(")
		l.ed.insert(l.off(r.End()), ")")
	}
}
