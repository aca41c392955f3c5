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
	if !ok || t.Obj == nil || t.Obj.Kind != ast.Typ || !l.oneLine(se.Pos(), se.End()) {
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
	params := []string{"_gk_r " + ptr + t.Name}
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
	call := "_gk_r." + se.Sel.Name + "(" + strings.Join(args, ", ") + ell + ")"
	if len(results) > 0 {
		call = "return " + call
	}
	text := sig + " { " + call + " }"
	if strings.ContainsAny(text, "\n") || strings.Contains(text, "BadExpr") {
		return
	}
	l.ed.replace(l.off(se.Pos()), l.off(se.End()), text)
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
