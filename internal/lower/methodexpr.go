package lower

import (
	"go/ast"
	"go/types"
	"strconv"
	"strings"
)

// methodExpr lowers a method expression, (*T).M or T.M, which yaegi
// v0.16.1 calls with the receiver twice ("reflect: Call with too many
// input arguments"), to the function literal it denotes when the method is
// declared in the chunks:
//
//	(*Acc).Add  →  func(_gk_r *Acc, _gk_p0 int) { _gk_r.Add(_gk_p0) }
func (l *lowering) methodExpr(se *ast.SelectorExpr) {
	ptr := "*"
	x := se.X
	if pe, ok := x.(*ast.ParenExpr); ok {
		st, ok := pe.X.(*ast.StarExpr)
		if !ok {
			return
		}
		x = st.X
	} else {
		ptr = ""
	}
	t, ok := x.(*ast.Ident)
	if !ok || (t.Obj == nil || t.Obj.Kind != ast.Typ) && !l.compiledTypes[t.Name] || !l.oneLine(se.Pos(), se.End()) {
		return
	}
	var fd *ast.FuncDecl
	for _, m := range l.methods[se.Sel.Name] {
		if base, isPtr := recvBase(m); base == t.Name && (ptr == "*" || !isPtr) {
			fd = m
		}
	}
	if fd == nil || fd.Type.TypeParams != nil {
		return
	}
	text := forwarder(fd, "_gk_r "+ptr+t.Name)
	if strings.ContainsAny(text, "\n") || strings.Contains(text, "BadExpr") {
		return
	}
	l.ed.replace(l.off(se.Pos()), l.off(se.End()), text)
}

// forwarder is a function literal that calls the method fd on _gk_r with
// its own parameters, after the leading parameters lead (the receiver of a
// method expression, or none):
//
//	func(_gk_r *Acc, _gk_p0 int) { _gk_r.Add(_gk_p0) }
func forwarder(fd *ast.FuncDecl, lead ...string) string {
	params := lead
	var args []string
	ell := ""
	for i, p := range flatten(fd.Type.Params) {
		name := "_gk_p" + strconv.Itoa(i)
		if e, ok := p.(*ast.Ellipsis); ok {
			params = append(params, name+" ..."+types.ExprString(e.Elt))
			ell = "..."
		} else {
			params = append(params, name+" "+types.ExprString(p))
		}
		args = append(args, name)
	}
	var results []string
	for _, r := range flatten(fd.Type.Results) {
		results = append(results, types.ExprString(r))
	}
	sig := "func(" + strings.Join(params, ", ") + ")"
	switch len(results) {
	case 0:
	case 1:
		sig += " " + results[0]
	default:
		sig += " (" + strings.Join(results, ", ") + ")"
	}
	call := "_gk_r." + fd.Name.Name + "(" + strings.Join(args, ", ") + ell + ")"
	if len(results) > 0 {
		call = "return " + call
	}
	return sig + " { " + call + " }"
}

// recvBase returns the name of a method's receiver base type ("" if it is
// generic or not a name) and whether the receiver is a pointer.
func recvBase(fd *ast.FuncDecl) (string, bool) {
	if fd.Recv == nil || len(fd.Recv.List) != 1 {
		return "", false
	}
	t := fd.Recv.List[0].Type
	s, isPtr := t.(*ast.StarExpr)
	if isPtr {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name, isPtr
	}
	return "", false
}

// methodValue lowers a method value x.M of a method declared in the
// chunks: yaegi v0.16.1 binds the variable x, not its value at that moment,
// so a later assignment to x changed what the bound method saw (Go
// evaluates the receiver when the method value is evaluated: a copy for a
// value receiver, the pointer for a pointer receiver). The receiver is
// evaluated into a fresh variable just before the enclosing statement, and
// the method value binds that:
//
//	hello := g.Hello  →  _gk_mv1 := g; hello := _gk_mv1.Hello      (value receiver)
//	inc := c.Inc      →  _gk_mv2 := &c; inc := _gk_mv2.Inc        (pointer receiver, c a T)
//
// x's type comes from the syntax (typeOf); when it is not visible, only a
// method with value receivers everywhere is lowered (copying x). Only for
// a variable receiver (no side effects move) in a statement of a block,
// and not when a cell struct has a field of that name.
func (l *lowering) methodValue(se *ast.SelectorExpr, stack []ast.Node) {
	x, ok := se.X.(*ast.Ident)
	if !ok || x.Obj == nil || x.Obj.Kind != ast.Var || len(stack) < 3 {
		return
	}
	ms := l.methods[se.Sel.Name]
	if len(ms) == 0 || l.hasField(se.Sel.Name) {
		return
	}
	if ce, ok := stack[len(stack)-2].(*ast.CallExpr); ok && ce.Fun == ast.Expr(se) {
		return // a call, not a method value
	}
	recv := ""
	if t := l.typeOf(x, 0); t != nil {
		// The type is visible: the method value is made inside a
		// function literal called on the receiver, whose parameter is a
		// fresh variable on every evaluation (a fresh variable before
		// the statement would be shared by a loop's iterations).
		ptrVar := false
		if st, ok := t.(*ast.StarExpr); ok {
			t, ptrVar = st.X, true
		}
		base, ok := t.(*ast.Ident)
		if !ok || !l.oneLine(se.Pos(), se.End()) {
			return
		}
		for _, m := range ms {
			name, ptrRecv := recvBase(m)
			if name != base.Name || m.Type.TypeParams != nil {
				continue
			}
			rt, arg := base.Name, x.Name
			switch {
			case ptrRecv && ptrVar:
				rt = "*" + rt
			case ptrRecv:
				rt, arg = "*"+rt, "&"+x.Name
			case ptrVar:
				arg = "*" + x.Name
			}
			// A forwarding literal rather than the method value _gk_r.M:
			// yaegi types a method value of a compiled type as its method
			// expression (func(*T) for func()).
			text := "func(_gk_r " + rt + ") " + types.ExprString(m.Type) + " { return " + forwarder(m) + " }(" + arg + ")"
			if strings.ContainsAny(text, "\n") || strings.Contains(text, "BadExpr") {
				return
			}
			l.ed.replace(l.off(se.Pos()), l.off(se.End()), text)
			return
		}
		return
	} else {
		recv = x.Name
		for _, m := range ms {
			if _, isPtr := recvBase(m); isPtr || m.Type.TypeParams != nil {
				return
			}
		}
	}
	if recv == "" {
		return
	}
	// The statement of a block that holds the selector.
	for i := len(stack) - 2; i >= 1; i-- {
		switch stack[i].(type) {
		case *ast.FuncLit, *ast.BlockStmt:
			return
		case ast.Stmt:
			switch stack[i-1].(type) {
			case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			default:
				return
			}
			v := "_gk_mv" + l.id()
			l.ed.insert(l.off(stack[i].Pos()), v+" := "+recv+"; ")
			l.ed.replace(l.off(x.Pos()), l.off(x.End()), v)
			return
		}
	}
}

// hasField reports whether a struct type declared in the chunks has a field
// of that name.
func (l *lowering) hasField(name string) bool {
	for _, obj := range l.types {
		spec, ok := obj.Decl.(*ast.TypeSpec)
		if !ok {
			continue
		}
		st, ok := spec.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.Name == name {
					return true
				}
			}
			if len(f.Names) == 0 {
				return true // an embedded field may promote one
			}
		}
	}
	return false
}
