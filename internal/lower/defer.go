package lower

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// yaegi v0.16.1 stores the values of a deferred call's function and
// arguments as the reflect.Values of their frame slots, not copies: a
// variable assigned after the defer statement, or a slot reused by the
// next iteration of a loop, changes what the deferred call receives
// (x := 1; defer fmt.Println(x); x = 2 prints 2). A deferred function
// literal is made into a closure only when the defer runs, so it sees the
// last per-iteration copy of a loop variable (2 2 2).
//
// deferStmt evaluates the arguments at the defer statement into fresh
// variables, which nothing assigns afterwards, on the defer's lines:
//
//	defer fmt.Println("x", x)  →  { _gk_d1_0 := x; defer fmt.Println("x", _gk_d1_0) }
//
// and passes the loop variables a deferred function literal uses as
// parameters of the same names:
//
//	defer func() { use(i) }()  →  defer func(i int) { use(i) }(i)
func (l *lowering) deferStmt(ds *ast.DeferStmt, stack []ast.Node) {
	if fl, ok := unparen(ds.Call.Fun).(*ast.FuncLit); ok {
		l.deferClosure(ds, fl, stack)
		return
	}
	if !l.deferHoistable(ds) {
		return
	}
	ce := ds.Call
	id := l.id()
	var lhs, args []string
	fresh := false
	for i, a := range ce.Args {
		if _, ok := l.constValue(a); ok {
			lhs = append(lhs, "_")
			args = append(args, l.text(a))
			continue
		}
		name := "_gk_d" + id + "_" + strconv.Itoa(i)
		fresh = true
		lhs = append(lhs, name)
		args = append(args, name)
	}
	if !fresh {
		return
	}
	fun := l.text(ce.Fun)
	if name := printName(ce); name != "" {
		// The print rewrite's callee and writer (prints.go), which
		// cannot edit the call this replacement covers.
		fun = name
		args = append([]string{"_gk_os.Stderr"}, args...)
		l.hoisted[ce] = true
	}
	l.ed.replace(l.off(ds.Defer), l.off(ce.Lparen)+1, "{ "+strings.Join(lhs, ", ")+" := ")
	l.ed.replace(l.off(ce.Rparen), l.off(ce.Rparen)+1, "; defer "+fun+"("+strings.Join(args, ", ")+") }")
}

// deferHoistable reports whether deferStmt rewrites the arguments of ds:
// a call of a named function or method (not a builtin the pass rewrites,
// not a generic function, whose type arguments could come from the
// arguments) with at least one argument, no function literal among them
// (yaegi mis-runs a deferred call that receives a closure from a variable),
// no trailing comma or space before ")", no ..., and, for a single argument, not a
// call (it may return several values).
func (l *lowering) deferHoistable(ds *ast.DeferStmt) bool {
	ce := ds.Call
	// yaegi cannot run a deferred call with ... at all (measured).
	if len(ce.Args) == 0 || ce.Ellipsis.IsValid() || !simpleFun(ce.Fun) || !l.oneLine(ds.Defer, ce.Lparen) {
		return false
	}
	if id, ok := unparen(ce.Fun).(*ast.Ident); ok {
		if id.Obj == nil && (id.Name == "min" || id.Name == "max" || id.Name == "clear") {
			return false
		}
		if id.Obj != nil {
			if fd, ok := id.Obj.Decl.(*ast.FuncDecl); ok && fd.Type.TypeParams != nil {
				return false
			}
		}
	}
	if len(ce.Args) == 1 {
		if _, ok := unparen(ce.Args[0]).(*ast.CallExpr); ok {
			return false
		}
	}
	lit := false
	for _, a := range ce.Args {
		ast.Inspect(a, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				lit = true
			}
			return !lit
		})
		if _, ok := l.constValue(a); ok && !l.oneLine(a.Pos(), a.End()) {
			return false // copied into the new call
		}
	}
	if lit {
		return false
	}
	return ce.Args[len(ce.Args)-1].End() == ce.Rparen
}

// simpleFun reports whether e is a name or a chain of selectors on a name.
func simpleFun(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return simpleFun(e.X)
	}
	return false
}

// deferClosure passes the loop variables that a deferred function literal
// uses (of the loops around it in the same function, not assigned in their
// loop body or in the literal) as parameters of the same names. Nothing is
// done when one of their types is not visible, or the literal or call has
// unnamed or variadic parameters.
func (l *lowering) deferClosure(ds *ast.DeferStmt, fl *ast.FuncLit, stack []ast.Node) {
	ce := ds.Call
	if ce.Ellipsis.IsValid() || fl.Type.Params == nil || !fl.Type.Params.Closing.IsValid() {
		return
	}
	for _, f := range fl.Type.Params.List {
		if len(f.Names) == 0 {
			return
		}
		if _, ok := f.Type.(*ast.Ellipsis); ok {
			return
		}
	}
	// Loop variables in scope, innermost function only.
	type loopVar struct {
		id   *ast.Ident
		body *ast.BlockStmt
	}
	var vars []loopVar
	for i := len(stack) - 2; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			i = -1
		case *ast.ForStmt:
			if as, ok := n.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
				for _, e := range as.Lhs {
					if id, ok := e.(*ast.Ident); ok && id.Name != "_" && id.Obj != nil {
						vars = append(vars, loopVar{id, n.Body})
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok && id.Name != "_" && id.Obj != nil {
						vars = append(vars, loopVar{id, n.Body})
					}
				}
			}
		}
	}
	if len(vars) == 0 {
		return
	}
	used := map[*ast.Object]bool{}
	ast.Inspect(fl.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Obj != nil {
			used[id.Obj] = true
		}
		return true
	})
	var params, args []string
	for _, v := range vars {
		if !used[v.id.Obj] {
			continue
		}
		if assigned(v.body, v.id) || assigned(fl.Body, v.id) {
			return
		}
		t := l.typeText(l.identType(v.id, 0))
		if t == "" {
			return
		}
		params = append(params, v.id.Name+" "+t)
		args = append(args, v.id.Name)
	}
	if len(params) == 0 {
		return
	}
	sep := ""
	if len(fl.Type.Params.List) > 0 {
		sep = ", "
	}
	l.ed.insert(l.off(fl.Type.Params.Closing), sep+strings.Join(params, ", "))
	sep = ""
	if len(ce.Args) > 0 {
		sep = ", "
	}
	l.ed.insert(l.off(ce.Rparen), sep+strings.Join(args, ", "))
}
