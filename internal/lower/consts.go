package lower

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// genDecl lowers two constant forms yaegi v0.16.1 mis-compiles:
//
//   - an implicitly repeated const spec with several names (A, B = iota,
//     iota * 10 then C, D) fails with "constant definition loop", and iota
//     counts names, not specs, after a spec with several names: in such a
//     group, implicit repetitions are written out and iota is replaced by
//     the spec's index (C, D = 1, 1 * 10), which is what the spec means;
//   - yaegi gives an untyped constant a default type when it is declared
//     (const Pi2 = math.Pi * 2 is a float64), so var f float32 = Pi2 does
//     not compile: a var of a basic numeric type initialized from a
//     constant expression naming untyped constants gets a conversion,
//     var f float32 = float32((Pi2) * 1) (a direct conversion gives 0).
func (l *lowering) genDecl(gd *ast.GenDecl) {
	switch gd.Tok {
	case token.CONST:
		l.constGroup(gd)
	case token.VAR:
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			t, ok := vs.Type.(*ast.Ident)
			if !ok || t.Obj != nil || !numericNames[t.Name] || len(vs.Values) != len(vs.Names) {
				continue
			}
			for _, v := range vs.Values {
				named := false
				if l.untypedConst(v, &named, 0) && named {
					// T(c) of such a constant is 0 in yaegi; T((c) * 1) is right.
					l.ed.insert(l.off(v.Pos()), t.Name+"((")
					l.ed.insert(l.off(v.End()), ") * 1)")
				}
			}
		}
	}
}

var numericNames = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"uintptr": true, "byte": true, "rune": true,
	"float32": true, "float64": true,
}

// untypedConst reports whether e is an untyped constant expression as far
// as the syntax shows: literals, constants declared without a type from
// such expressions, constants of package math, and operators on those.
// named is set when e uses a name.
func (l *lowering) untypedConst(e ast.Expr, named *bool, depth int) bool {
	if depth > 16 {
		return false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return l.untypedConst(e.X, named, depth+1)
	case *ast.UnaryExpr:
		return e.Op != token.AND && e.Op != token.ARROW && l.untypedConst(e.X, named, depth+1)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.SHL, token.SHR, token.AND, token.OR, token.XOR, token.AND_NOT:
		default:
			return false
		}
		return l.untypedConst(e.X, named, depth+1) && l.untypedConst(e.Y, named, depth+1)
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if ok && x.Obj == nil && x.Name == "math" && (isMathConst(e.Sel.Name) || strings.HasPrefix(e.Sel.Name, "Max") || strings.HasPrefix(e.Sel.Name, "Min") || e.Sel.Name == "SmallestNonzeroFloat64") {
			*named = true
			return true
		}
	case *ast.Ident:
		if e.Obj == nil || e.Obj.Kind != ast.Con {
			return false
		}
		vs, ok := e.Obj.Decl.(*ast.ValueSpec)
		if !ok || vs.Type != nil || len(vs.Values) != len(vs.Names) {
			return false
		}
		for i, n := range vs.Names {
			if n.Name == e.Name {
				*named = true
				return l.untypedConst(vs.Values[i], named, depth+1)
			}
		}
	}
	return false
}

// isMathConst reports whether name is one of the untyped mathematical
// constants of package math.
func isMathConst(name string) bool {
	switch name {
	case "E", "Pi", "Phi", "Sqrt2", "SqrtE", "SqrtPi", "SqrtPhi", "Ln2", "Log2E", "Ln10", "Log10E":
		return true
	}
	return false
}

// constGroup rewrites a const group with a multi-name spec (see genDecl).
func (l *lowering) constGroup(gd *ast.GenDecl) {
	multi := false
	for _, sp := range gd.Specs {
		vs := sp.(*ast.ValueSpec)
		multi = multi || len(vs.Names) > 1
		for _, v := range vs.Values {
			if !l.oneLine(v.Pos(), v.End()) {
				return
			}
			bad := false
			ast.Inspect(v, func(n ast.Node) bool {
				if ce, ok := n.(*ast.CallExpr); ok {
					if id, ok := unparen(ce.Fun).(*ast.Ident); ok && (isBuiltin(id, "min") || isBuiltin(id, "max")) {
						bad = true
					}
				}
				return !bad
			})
			if bad {
				return
			}
		}
	}
	if !multi {
		return
	}
	// withIndex returns the source of the values of vs with iota replaced by k.
	withIndex := func(vs *ast.ValueSpec, k int) string {
		from, to := l.off(vs.Values[0].Pos()), l.off(vs.Values[len(vs.Values)-1].End())
		var b strings.Builder
		cur := from
		for _, v := range vs.Values {
			ast.Inspect(v, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && isBuiltin(id, "iota") {
					b.Write(l.src[cur:l.off(id.Pos())])
					b.WriteString(strconv.Itoa(k))
					cur = l.off(id.End())
				}
				return true
			})
		}
		b.Write(l.src[cur:to])
		return b.String()
	}
	var last *ast.ValueSpec
	for k, sp := range gd.Specs {
		vs := sp.(*ast.ValueSpec)
		if len(vs.Values) > 0 {
			last = vs
			ast.Inspect(vs, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && isBuiltin(id, "iota") {
					l.ed.replace(l.off(id.Pos()), l.off(id.End()), strconv.Itoa(k))
				}
				return true
			})
			continue
		}
		if last == nil || vs.Type != nil || len(last.Values) != len(vs.Names) {
			continue
		}
		text := " = " + withIndex(last, k)
		if last.Type != nil {
			if !l.oneLine(last.Type.Pos(), last.Type.End()) {
				continue
			}
			text = " " + l.text(last.Type) + text
		}
		l.ed.insert(l.off(vs.Names[len(vs.Names)-1].End()), text)
	}
}
