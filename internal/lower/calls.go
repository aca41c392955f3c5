package lower

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// call handles builtin and generic calls. It returns false when the call was
// replaced as a whole, so that its arguments must not be rewritten again.
func (l *lowering) call(ce *ast.CallExpr, stack []ast.Node) bool {
	switch fun := unparen(ce.Fun).(type) {
	case *ast.SelectorExpr:
		l.fmtCall(ce, fun)
		l.showCall(ce, fun)
		l.cmpOr(ce, fun)
	case *ast.Ident:
		switch {
		case (isBuiltin(fun, "min") || isBuiltin(fun, "max")) && ce.Ellipsis == token.NoPos && len(ce.Args) > 0:
			return l.minMax(ce, fun)
		case isBuiltin(fun, "clear") && len(ce.Args) == 1 && len(stack) >= 2:
			if _, ok := stack[len(stack)-2].(*ast.ExprStmt); ok {
				l.clear(ce, fun)
			}
		case isBuiltin(fun, "print") || isBuiltin(fun, "println"):
			l.printCall(ce, fun, stack)
		case isBuiltin(fun, "recover") && len(ce.Args) == 0:
			l.recoverCall(ce)
		case fun.Obj != nil && fun.Obj.Kind == ast.Fun:
			l.inferTypeArgs(ce, fun)
		}
	}
	return true
}

// cmpOr lowers cmp.Or with more than two arguments to nested two-argument
// calls, cmp.Or(cmp.Or(a, b), c), the same first non-zero value: the served
// cmp.Or takes two, because yaegi v0.16.1 panics on variadic generic
// functions.
func (l *lowering) cmpOr(ce *ast.CallExpr, sel *ast.SelectorExpr) {
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Name != "cmp" || pkg.Obj != nil || sel.Sel.Name != "Or" || ce.Ellipsis != token.NoPos || len(ce.Args) < 3 {
		return
	}
	head := pkg.Name + ".Or("
	l.ed.insert(l.off(sel.Pos()), strings.Repeat(head, len(ce.Args)-2))
	for _, a := range ce.Args[1 : len(ce.Args)-1] {
		l.ed.insert(l.off(a.End()), ")")
	}
}

// minMax lowers the Go 1.21 min/max builtins. Calls on constants are folded
// (they must stay constant expressions); others call generic helpers of a
// fixed arity, because yaegi v0.16.1 panics on variadic generic functions
// and infers a type parameter from the first argument only, so untyped
// constant arguments are moved behind the typed ones.
func (l *lowering) minMax(ce *ast.CallExpr, fun *ast.Ident) bool {
	if len(ce.Args) == 1 {
		l.ed.replace(l.off(fun.Pos()), l.off(fun.End()), "")
		return true
	}
	if v, ok := l.constValue(ce); ok && l.oneLine(ce.Pos(), ce.End()) {
		text := v.ExactString()
		if v.Kind() == constant.Float {
			if f, exact := constant.Float64Val(v); exact || true {
				text = strconv.FormatFloat(f, 'g', -1, 64)
				if !strings.ContainsAny(text, ".eEn") {
					text += ".0"
				}
			}
		}
		l.ed.replace(l.off(ce.Pos()), l.off(ce.End()), "("+text+")")
		return false
	}
	n := len(ce.Args)
	name := "_gk_" + fun.Name + strconv.Itoa(n)
	l.helper("_gk_"+fun.Name+"2", minMax2(fun.Name))
	if n > 2 {
		l.helper(name, minMaxN(fun.Name, n))
	}
	l.ed.replace(l.off(fun.Pos()), l.off(fun.End()), name)
	// Move a prefix of constant arguments to the end.
	k := 0
	for k < n {
		if _, ok := l.constValue(ce.Args[k]); !ok {
			break
		}
		k++
	}
	if k == 0 || k == n || !l.oneLine(ce.Args[0].Pos(), ce.Args[k].Pos()) {
		return true
	}
	var moved []string
	for _, a := range ce.Args[:k] {
		if hasCall(a) || !l.oneLine(a.Pos(), a.End()) {
			return true
		}
		moved = append(moved, l.text(a))
	}
	l.ed.replace(l.off(ce.Args[0].Pos()), l.off(ce.Args[k].Pos()), "")
	l.ed.insert(l.off(ce.Args[n-1].End()), ", "+strings.Join(moved, ", "))
	return false
}

func hasCall(e ast.Node) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if _, ok := n.(*ast.CallExpr); ok {
			found = true
		}
		return !found
	})
	return found
}

// constValue evaluates untyped constant expressions built from literals,
// which is what min/max folding needs; identifiers are not followed.
func (l *lowering) constValue(e ast.Expr) (constant.Value, bool) {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return l.constValue(e.X)
	case *ast.BasicLit:
		v := constant.MakeFromLiteral(e.Value, e.Kind, 0)
		return v, v.Kind() != constant.Unknown
	case *ast.UnaryExpr:
		x, ok := l.constValue(e.X)
		if !ok || (e.Op != token.SUB && e.Op != token.ADD) || x.Kind() == constant.String {
			return nil, false
		}
		return constant.UnaryOp(e.Op, x, 0), true
	case *ast.BinaryExpr:
		x, ok1 := l.constValue(e.X)
		y, ok2 := l.constValue(e.Y)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch e.Op {
		case token.ADD, token.SUB, token.MUL:
		case token.QUO:
			if constant.Sign(y) == 0 {
				return nil, false
			}
		default:
			return nil, false
		}
		if (x.Kind() == constant.String) != (y.Kind() == constant.String) {
			return nil, false
		}
		if x.Kind() == constant.String && e.Op != token.ADD {
			return nil, false
		}
		op := e.Op
		if op == token.QUO && x.Kind() == constant.Int && y.Kind() == constant.Int {
			op = token.QUO_ASSIGN
		}
		return constant.BinaryOp(x, op, y), true
	case *ast.CallExpr:
		fun, ok := unparen(e.Fun).(*ast.Ident)
		if !ok || !(isBuiltin(fun, "min") || isBuiltin(fun, "max")) || len(e.Args) == 0 || e.Ellipsis != token.NoPos {
			return nil, false
		}
		var best constant.Value
		isFloat := false
		for _, a := range e.Args {
			v, ok := l.constValue(a)
			if !ok {
				return nil, false
			}
			if best != nil && (v.Kind() == constant.String) != (best.Kind() == constant.String) {
				return nil, false
			}
			if v.Kind() == constant.Float {
				isFloat = true
			}
			op := token.LSS
			if fun.Name == "max" {
				op = token.GTR
			}
			if best == nil || constant.Compare(v, op, best) {
				best = v
			}
		}
		if isFloat {
			best = constant.ToFloat(best)
		}
		return best, true
	}
	return nil, false
}

// clear lowers the Go 1.21 builtin when the argument's type is visible as a
// map or a slice.
func (l *lowering) clear(ce *ast.CallExpr, fun *ast.Ident) {
	switch l.kindOf(l.typeOf(ce.Args[0], 0)) {
	case 'm':
		l.helper("_gk_clearm", helperClearMap)
		l.ed.replace(l.off(fun.Pos()), l.off(fun.End()), "_gk_clearm")
	case 's':
		l.helper("_gk_clears", helperClearSlice)
		l.ed.replace(l.off(fun.Pos()), l.off(fun.End()), "_gk_clears")
	}
}

// inferTypeArgs makes type arguments explicit for calls of generic
// functions declared in this file when they can be inferred from the
// syntactic types of the arguments: yaegi v0.16.1 mis-infers type
// parameters that appear only in a func-typed argument's result, and fails
// on functions whose type parameters appear in no argument.
func (l *lowering) inferTypeArgs(ce *ast.CallExpr, fun *ast.Ident) {
	fd, ok := fun.Obj.Decl.(*ast.FuncDecl)
	if !ok || fd.Recv != nil || fd.Type.TypeParams == nil || len(fd.Type.TypeParams.List) == 0 {
		return
	}
	var tparams []string
	isTP := map[string]bool{}
	for _, f := range fd.Type.TypeParams.List {
		for _, n := range f.Names {
			tparams = append(tparams, n.Name)
			isTP[n.Name] = true
		}
	}
	var params []ast.Expr
	for _, f := range fd.Type.Params.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			params = append(params, f.Type)
		}
	}
	strong := map[string]string{}
	weak := map[string]string{}
	for i, a := range ce.Args {
		var p ast.Expr
		switch {
		case i < len(params)-1 || (i == len(params)-1 && !isEllipsis(params[i])):
			p = params[i]
		case len(params) > 0 && isEllipsis(params[len(params)-1]):
			p = params[len(params)-1].(*ast.Ellipsis).Elt
			if ce.Ellipsis != token.NoPos {
				p = &ast.ArrayType{Elt: p}
			}
		default:
			return
		}
		if lit, ok := unparen(a).(*ast.BasicLit); ok {
			if id, ok := p.(*ast.Ident); ok && isTP[id.Name] {
				t := defaultType(lit.Kind)
				if prev, ok := weak[id.Name]; ok && prev != t {
					weak[id.Name] = "?"
				} else {
					weak[id.Name] = t
				}
			}
			continue
		}
		at := l.typeOf(a, 0)
		if at == nil {
			continue
		}
		if !l.unify(p, at, isTP, strong) {
			return
		}
	}
	args := make([]string, len(tparams))
	for i, tp := range tparams {
		t, ok := strong[tp]
		if !ok {
			t, ok = weak[tp]
		}
		if !ok || t == "" || t == "?" {
			return
		}
		args[i] = t
	}
	l.ed.insert(l.off(fun.End()), "["+strings.Join(args, ", ")+"]")
}

func isEllipsis(e ast.Expr) bool {
	_, ok := e.(*ast.Ellipsis)
	return ok
}

func defaultType(k token.Token) string {
	switch k {
	case token.INT:
		return "int"
	case token.FLOAT:
		return "float64"
	case token.IMAG:
		return "complex128"
	case token.CHAR:
		return "rune"
	case token.STRING:
		return "string"
	}
	return "?"
}

// unify matches a parameter type against an argument type structurally,
// binding type parameter names to argument type texts. It is lenient where
// it cannot decide (it binds nothing) and fails only on conflicts.
func (l *lowering) unify(p, a ast.Expr, isTP map[string]bool, b map[string]string) bool {
	p, a = unparen(p), unparen(a)
	if id, ok := p.(*ast.Ident); ok && isTP[id.Name] {
		t := l.typeText(a)
		if t == "" {
			return true
		}
		if prev, ok := b[id.Name]; ok && prev != t {
			return false
		}
		b[id.Name] = t
		return true
	}
	rec := func(p, a ast.Expr) bool { return l.unify(p, a, isTP, b) }
	if ok, composite := matchComposite(p, a, l.under(a), rec); composite {
		return ok
	}
	switch p := p.(type) {
	case *ast.IndexExpr:
		if x, ok := a.(*ast.IndexExpr); ok && types.ExprString(p.X) == types.ExprString(x.X) {
			return l.unify(p.Index, x.Index, isTP, b)
		}
	case *ast.IndexListExpr:
		if x, ok := a.(*ast.IndexListExpr); ok && types.ExprString(p.X) == types.ExprString(x.X) && len(p.Indices) == len(x.Indices) {
			return matchPairs(p.Indices, x.Indices, rec)
		}
	}
	return true
}

// matchComposite is the structural step shared by unify and bind: when p
// is a type literal (array or slice, variadic, map, pointer, channel,
// func), it pairs p's component types with those of the argument a, whose
// underlying type is u, and returns what match says of them all; composite
// reports whether p was such a literal. Pointers are matched on a itself,
// since a named pointer type is not a *T literal at the call. A shape that
// does not fit decides nothing and matches, as both callers are lenient.
func matchComposite(p, a, u ast.Expr, match func(p, a ast.Expr) bool) (ok, composite bool) {
	switch p := p.(type) {
	case *ast.ArrayType:
		if x, ok := u.(*ast.ArrayType); ok {
			return match(p.Elt, x.Elt), true
		}
	case *ast.Ellipsis:
		if x, ok := u.(*ast.ArrayType); ok {
			return match(p.Elt, x.Elt), true
		}
	case *ast.MapType:
		if x, ok := u.(*ast.MapType); ok {
			return match(p.Key, x.Key) && match(p.Value, x.Value), true
		}
	case *ast.StarExpr:
		if x, ok := a.(*ast.StarExpr); ok {
			return match(p.X, x.X), true
		}
	case *ast.ChanType:
		if x, ok := u.(*ast.ChanType); ok {
			return match(p.Value, x.Value), true
		}
	case *ast.FuncType:
		x, ok := u.(*ast.FuncType)
		if !ok {
			return true, true
		}
		pp, ap := flatten(p.Params), flatten(x.Params)
		pr, ar := flatten(p.Results), flatten(x.Results)
		if len(pp) != len(ap) || len(pr) != len(ar) {
			return false, true
		}
		return matchPairs(pp, ap, match) && matchPairs(pr, ar, match), true
	default:
		return false, false
	}
	return true, true
}

// matchPairs calls match on ps[i], as[i] in order (the lengths are equal)
// and stops at the first pair that does not match.
func matchPairs(ps, as []ast.Expr, match func(p, a ast.Expr) bool) bool {
	for i := range ps {
		if !match(ps[i], as[i]) {
			return false
		}
	}
	return true
}

func flatten(fl *ast.FieldList) []ast.Expr {
	if fl == nil {
		return nil
	}
	var out []ast.Expr
	for _, f := range fl.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			out = append(out, f.Type)
		}
	}
	return out
}
