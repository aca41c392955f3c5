package compiled

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// goStmts rewrites every `go f(args)` whose function is not a literal into
// a goroutine on a literal whose first deferred call reports its panic, so
// that a panic in it does not end the interpreter process:
//
//	go f(a, g(b))  →  { gk_a0, gk_a1 := a, g(b); go func() { defer gk_goPanic(); f(gk_a0, gk_a1) }() }
//
// As in Go, the function value and the arguments are evaluated where the
// go statement is; constants, nil and package-level funcs stay in place
// (no evaluation to keep in order, and untyped constants keep the
// parameter's type). The statement keeps its lines. edits are the cell's
// other edits; those inside a rewritten statement are folded into it.
func goStmts(code string, base int, f *ast.File, info *types.Info, edits []edit) ([]edit, bool) {
	var gos []*ast.GoStmt
	ast.Inspect(f, func(x ast.Node) bool {
		if g, ok := x.(*ast.GoStmt); ok {
			if _, lit := g.Call.Fun.(*ast.FuncLit); !lit {
				gos = append(gos, g)
			}
		}
		return true
	})
	// Inner statements first: an outer one folds in their rewrite.
	sort.Slice(gos, func(i, j int) bool { return gos[i].End()-gos[i].Pos() < gos[j].End()-gos[j].Pos() })
	for _, g := range gos {
		off, end := int(g.Pos())-base, int(g.End())-base
		var inside, rest []edit
		for _, e := range edits {
			if e.off >= off && e.end <= end {
				inside = append(inside, e)
			} else {
				rest = append(rest, e)
			}
		}
		piece := func(x ast.Expr) (string, bool) {
			o, e := int(x.Pos())-base, int(x.End())-base
			var in []edit
			for _, ed := range inside {
				if ed.off >= o && ed.end <= e {
					in = append(in, ed)
				}
			}
			return applyEdits(code, o, e, in)
		}
		var names, values, callArgs []string
		n := 0
		fresh := func() string { n++; return fmt.Sprintf("gk_a%d", n-1) }
		fun, ok := piece(g.Call.Fun)
		if !ok {
			return nil, false
		}
		if !stableFunc(g.Call.Fun, info) {
			v := fresh()
			names, values = append(names, v), append(values, fun)
			fun = v
		}
		args := g.Call.Args
		if len(args) == 1 {
			if tup, ok := info.TypeOf(args[0]).(*types.Tuple); ok {
				// go f(g()): g's results are the arguments.
				text, ok := piece(args[0])
				if !ok {
					return nil, false
				}
				var vs []string
				for range tup.Len() {
					vs = append(vs, fresh())
				}
				// A multi-value call needs its own assignment.
				names, values = append(names, strings.Join(vs, ", ")), append(values, "\x00"+text)
				callArgs = vs
				args = nil
			}
		}
		for _, a := range args {
			text, ok := piece(a)
			if !ok {
				return nil, false
			}
			if tv, ok := info.Types[a]; ok && (tv.Value != nil || tv.IsNil() || tv.IsType()) {
				callArgs = append(callArgs, text)
				continue
			}
			v := fresh()
			names, values = append(names, v), append(values, text)
			callArgs = append(callArgs, v)
		}
		dots := ""
		if g.Call.Ellipsis.IsValid() {
			dots = "..."
		}
		var b strings.Builder
		b.WriteString("{ ")
		// Assignments in source order (one per multi-value call, one for
		// the rest, which Go evaluates left to right).
		var plainN, plainV []string
		flush := func() {
			if len(plainN) > 0 {
				fmt.Fprintf(&b, "%s := %s; ", strings.Join(plainN, ", "), strings.Join(plainV, ", "))
				plainN, plainV = nil, nil
			}
		}
		for i, v := range values {
			if strings.HasPrefix(v, "\x00") {
				flush()
				fmt.Fprintf(&b, "%s := %s; ", names[i], v[1:])
				continue
			}
			plainN, plainV = append(plainN, names[i]), append(plainV, v)
		}
		flush()
		fmt.Fprintf(&b, "go func() { %s%s(%s%s) }() }", goRecover, fun, strings.Join(callArgs, ", "), dots)
		if strings.Count(b.String(), "\n") != strings.Count(code[off:end], "\n") {
			return nil, false
		}
		edits = append(rest, edit{off, end, b.String()})
	}
	return edits, true
}

// stableFunc reports whether evaluating the go statement's function later
// is the same as now: a package-level func, a builtin, a func of an
// imported package (not a method value, a variable or a call result).
func stableFunc(fun ast.Expr, info *types.Info) bool {
	switch x := ast.Unparen(fun).(type) {
	case *ast.Ident:
		switch o := info.Uses[x].(type) {
		case *types.Builtin:
			return true
		case *types.Func:
			return o.Type().(*types.Signature).Recv() == nil
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if _, pkg := info.Uses[id].(*types.PkgName); pkg {
				return true
			}
		}
	case *ast.IndexExpr: // f[int]
		return stableFunc(x.X, info)
	case *ast.IndexListExpr:
		return stableFunc(x.X, info)
	}
	return false
}
