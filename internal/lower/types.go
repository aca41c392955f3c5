package lower

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/gokernel/gokernel/internal/pkgs/stdext"
)

// The pass has no type checker: cells refer to globals of earlier cells that
// go/types would not know. typeOf recovers the type expression of an
// expression only when it is written in this file (literals, conversions,
// declarations with types, := from such expressions, parameters, results of
// functions declared here); otherwise it returns nil and the caller leaves
// the code alone.

var intNames = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"uintptr": true, "byte": true, "rune": true,
}

var basicNames = map[string]bool{
	"bool": true, "string": true, "float32": true, "float64": true,
	"complex64": true, "complex128": true, "error": true, "any": true,
}

func (l *lowering) typeText(t ast.Expr) string {
	if t == nil {
		return ""
	}
	s := types.ExprString(t)
	if strings.ContainsAny(s, "\n") || strings.Contains(s, "BadExpr") {
		return ""
	}
	return s
}

// isTypeExpr reports whether e denotes a type, as far as the syntax shows.
func isTypeExpr(e ast.Expr) bool {
	switch e := unparen(e).(type) {
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.StructType:
		return true
	case *ast.Ident:
		if e.Obj == nil {
			return intNames[e.Name] || basicNames[e.Name]
		}
		return e.Obj.Kind == ast.Typ
	case *ast.IndexExpr:
		return isIterType(e.X) || isTypeExpr(e.X)
	case *ast.IndexListExpr:
		return isIterType(e.X) || isTypeExpr(e.X)
	}
	return false
}

// isIterType reports whether e is iter.Seq or iter.Seq2, with "iter" not
// declared in this file (it is then the package, imported here or earlier).
func isIterType(e ast.Expr) bool {
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := s.X.(*ast.Ident)
	return ok && x.Name == "iter" && x.Obj == nil && (s.Sel.Name == "Seq" || s.Sel.Name == "Seq2")
}

func (l *lowering) typeOf(e ast.Expr, depth int) ast.Expr {
	if depth > 16 || e == nil {
		return nil
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return l.typeOf(e.X, depth+1)
	case *ast.BasicLit:
		return ast.NewIdent(defaultType(e.Kind))
	case *ast.CompositeLit:
		return e.Type
	case *ast.FuncLit:
		return e.Type
	case *ast.UnaryExpr:
		switch e.Op {
		case token.AND:
			if t := l.typeOf(e.X, depth+1); t != nil {
				return &ast.StarExpr{X: t}
			}
			return nil
		case token.ARROW:
			if c, ok := l.under(l.typeOf(e.X, depth+1)).(*ast.ChanType); ok {
				return c.Value
			}
			return nil
		case token.NOT:
			return ast.NewIdent("bool")
		}
		return l.typeOf(e.X, depth+1)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ, token.LAND, token.LOR:
			return ast.NewIdent("bool")
		case token.SHL, token.SHR:
			return l.typeOf(e.X, depth+1)
		}
		if _, ok := unparen(e.X).(*ast.BasicLit); ok {
			return l.typeOf(e.Y, depth+1)
		}
		return l.typeOf(e.X, depth+1)
	case *ast.StarExpr:
		if p, ok := l.typeOf(e.X, depth+1).(*ast.StarExpr); ok {
			return p.X
		}
	case *ast.IndexExpr:
		switch t := l.under(l.typeOf(e.X, depth+1)).(type) {
		case *ast.ArrayType:
			return t.Elt
		case *ast.MapType:
			return t.Value
		}
	case *ast.SliceExpr:
		if t, ok := l.under(l.typeOf(e.X, depth+1)).(*ast.ArrayType); ok {
			if t.Len == nil {
				return l.typeOf(e.X, depth+1)
			}
			return &ast.ArrayType{Elt: t.Elt}
		}
	case *ast.Ident:
		return l.identType(e, depth)
	case *ast.CallExpr:
		return l.callType(e, depth)
	}
	return nil
}

func (l *lowering) identType(e *ast.Ident, depth int) ast.Expr {
	if e.Obj == nil {
		if e.Name == "true" || e.Name == "false" {
			return ast.NewIdent("bool")
		}
		return nil
	}
	switch d := e.Obj.Decl.(type) {
	case *ast.Field:
		if el, ok := d.Type.(*ast.Ellipsis); ok {
			return &ast.ArrayType{Elt: el.Elt}
		}
		return d.Type
	case *ast.ValueSpec:
		if d.Type != nil {
			return d.Type
		}
		for i, n := range d.Names {
			if n.Name == e.Name && i < len(d.Values) && len(d.Values) == len(d.Names) {
				return l.typeOf(d.Values[i], depth+1)
			}
		}
	case *ast.AssignStmt:
		if len(d.Rhs) == 1 {
			if u, ok := d.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.RANGE {
				return l.rangeVarType(d, u.X, e.Name, depth)
			}
		}
		for i, x := range d.Lhs {
			if id, ok := x.(*ast.Ident); ok && id.Name == e.Name {
				if len(d.Lhs) == len(d.Rhs) {
					return l.typeOf(d.Rhs[i], depth+1)
				}
				if len(d.Rhs) == 1 {
					if ce, ok := d.Rhs[0].(*ast.CallExpr); ok {
						if ft := l.funcTypeOf(ce.Fun, depth); ft != nil {
							if rs := flatten(ft.Results); i < len(rs) {
								return rs[i]
							}
						}
					}
				}
			}
		}
	case *ast.FuncDecl:
		if d.Recv == nil && d.Type.TypeParams == nil {
			return d.Type
		}
	}
	return nil
}

// funcTypeOf returns the declared signature of a non-generic callee.
func (l *lowering) funcTypeOf(fun ast.Expr, depth int) *ast.FuncType {
	ft, _ := l.under(l.typeOf(fun, depth+1)).(*ast.FuncType)
	return ft
}

func (l *lowering) callType(e *ast.CallExpr, depth int) ast.Expr {
	fun := unparen(e.Fun)
	if isTypeExpr(fun) {
		return fun
	}
	if id, ok := fun.(*ast.Ident); ok && id.Obj == nil {
		switch id.Name {
		case "len", "cap", "copy":
			return ast.NewIdent("int")
		case "make":
			if len(e.Args) > 0 {
				return e.Args[0]
			}
		case "new":
			if len(e.Args) > 0 {
				return &ast.StarExpr{X: e.Args[0]}
			}
		case "append":
			if len(e.Args) > 0 {
				return l.typeOf(e.Args[0], depth+1)
			}
		case "min", "max":
			for _, a := range e.Args {
				if _, ok := unparen(a).(*ast.BasicLit); !ok {
					return l.typeOf(a, depth+1)
				}
			}
			if len(e.Args) > 0 {
				return l.typeOf(e.Args[0], depth+1)
			}
		}
		return nil
	}
	if g := l.instantiate(e, depth+1); g != nil {
		if len(g.results) == 1 {
			return g.results[0]
		}
		return nil
	}
	if ft := l.funcTypeOf(fun, depth); ft != nil {
		if rs := flatten(ft.Results); len(rs) == 1 {
			return rs[0]
		}
	}
	return nil
}

// under resolves type names declared in this file to their definitions.
func (l *lowering) under(t ast.Expr) ast.Expr {
	for i := 0; i < 16 && t != nil; i++ {
		switch x := unparen(t).(type) {
		case *ast.Ident:
			if x.Obj == nil || x.Obj.Kind != ast.Typ {
				return x
			}
			ts, ok := x.Obj.Decl.(*ast.TypeSpec)
			if !ok {
				return x
			}
			t = ts.Type
		case *ast.IndexExpr, *ast.IndexListExpr:
			// An instantiated generic type resolves through its generic
			// name; iter.Seq[V] and iter.Seq2[K, V] are kept, as callers
			// recognise them by name (isIterType).
			base := indexBase(x)
			if isIterType(base) {
				return x
			}
			if id, ok := base.(*ast.Ident); ok && id.Obj != nil && id.Obj.Kind == ast.Typ {
				t = id
				continue
			}
			return x
		default:
			return x
		}
	}
	return t
}

// kindOf classifies a type as map ('m'), slice ('s'), integer ('i') or
// unknown (0).
func (l *lowering) kindOf(t ast.Expr) byte {
	switch u := l.under(t).(type) {
	case *ast.MapType:
		return 'm'
	case *ast.ArrayType:
		if u.Len == nil {
			return 's'
		}
	case *ast.Ident:
		if u.Obj == nil && intNames[u.Name] {
			return 'i'
		}
	}
	return 0
}

func (l *lowering) isIntExpr(e ast.Expr) bool {
	return l.kindOf(l.typeOf(e, 0)) == 'i'
}

// knownIterFuncs are the iterator constructors of the Go 1.23+ standard
// library that this package serves, by package and name, with the number of
// values they yield.
var knownIterFuncs = map[string]int{
	"slices.All": 2, "slices.Values": 1, "slices.Backward": 2, "slices.Chunk": 1,
	"maps.All": 2, "maps.Keys": 1, "maps.Values": 1,
}

func init() {
	for k, f := range stdext.IterFuncs {
		knownIterFuncs[k] = f.Arity
	}
}

// compiledIterType returns the plain func type of the iterator e returns
// when e calls a compiled function listed in stdext.IterFuncs, else "".
func compiledIterType(e ast.Expr) string {
	ce, ok := unparen(e).(*ast.CallExpr)
	if !ok {
		return ""
	}
	sel, ok := unparen(ce.Fun).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if x, ok := sel.X.(*ast.Ident); ok && x.Obj == nil {
		return stdext.IterFuncs[x.Name+"."+sel.Sel.Name].Func
	}
	return ""
}

// iterArity returns how many values the iterator e yields (0, 1 or 2), or -1
// when e is not visibly a range-over-func iterator.
func (l *lowering) iterArity(e ast.Expr) int {
	if n := l.arityOfType(l.typeOf(e, 0)); n >= 0 {
		return n
	}
	ce, ok := unparen(e).(*ast.CallExpr)
	if !ok {
		return -1
	}
	sel, ok := unparen(ce.Fun).(*ast.SelectorExpr)
	if !ok {
		return -1
	}
	if x, ok := sel.X.(*ast.Ident); ok && x.Obj == nil {
		if n, ok := knownIterFuncs[x.Name+"."+sel.Sel.Name]; ok {
			return n
		}
	}
	// A method declared in this file: all methods of that name must agree.
	n := -1
	for _, fd := range l.methods[sel.Sel.Name] {
		rs := flatten(fd.Type.Results)
		if len(rs) != 1 {
			return -1
		}
		a := l.arityOfType(rs[0])
		if a < 0 || (n >= 0 && a != n) {
			return -1
		}
		n = a
	}
	return n
}

func (l *lowering) arityOfType(t ast.Expr) int {
	switch u := l.under(t).(type) {
	case *ast.IndexExpr:
		if isIterType(u.X) && u.X.(*ast.SelectorExpr).Sel.Name == "Seq" {
			return 1
		}
	case *ast.IndexListExpr:
		if isIterType(u.X) && u.X.(*ast.SelectorExpr).Sel.Name == "Seq2" {
			return 2
		}
	case *ast.FuncType:
		ps := flatten(u.Params)
		if len(ps) != 1 || u.Results != nil && len(u.Results.List) > 0 {
			return -1
		}
		y, ok := l.under(ps[0]).(*ast.FuncType)
		if !ok {
			return -1
		}
		rs := flatten(y.Results)
		if len(rs) != 1 {
			return -1
		}
		if b, ok := rs[0].(*ast.Ident); !ok || b.Name != "bool" {
			return -1
		}
		if n := len(flatten(y.Params)); n <= 2 {
			return n
		}
	}
	return -1
}

// rangeVarType returns the type of the key (first) or value variable name
// of `for k, v := range x` (the parser's AssignStmt for it is as).
func (l *lowering) rangeVarType(as *ast.AssignStmt, x ast.Expr, name string, depth int) ast.Expr {
	idx := -1
	for i, e := range as.Lhs {
		if id, ok := e.(*ast.Ident); ok && id.Name == name {
			idx = i
		}
	}
	xt := l.typeOf(x, depth+1)
	if xt == nil {
		return nil
	}
	u := l.under(xt)
	if p, ok := u.(*ast.StarExpr); ok { // pointer to array
		u = l.under(p.X)
	}
	switch t := u.(type) {
	case *ast.ArrayType:
		if idx == 0 {
			return ast.NewIdent("int")
		}
		return t.Elt
	case *ast.MapType:
		if idx == 0 {
			return t.Key
		}
		return t.Value
	case *ast.ChanType:
		if idx == 0 {
			return t.Value
		}
	case *ast.Ident:
		switch {
		case t.Name == "string" && idx == 0:
			return ast.NewIdent("int")
		case t.Name == "string":
			return ast.NewIdent("rune")
		case intNames[t.Name] && idx == 0:
			return xt
		}
	}
	return nil
}
