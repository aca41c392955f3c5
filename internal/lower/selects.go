package lower

import (
	"go/ast"
	"go/token"
)

// selectContinue works around yaegi v0.16.1 running a continue inside a
// select case as a jump to the end of the select (the rest of the loop
// body then runs). A continue that ends a case body becomes a flag set
// there, and the continue moves after the select, on the same lines:
//
//	select {              _gk_c1 := false; select {
//	case v := <-ch:       case v := <-ch:
//		total += v            total += v
//		continue              _gk_c1 = true
//	}                     }; if _gk_c1 { continue }
//
// A continue elsewhere in a case (inside an if, say) is left alone.
func (l *lowering) selectContinue(ss *ast.SelectStmt, stack []ast.Node) {
	if len(stack) < 2 {
		return
	}
	if _, ok := stack[len(stack)-2].(*ast.BlockStmt); !ok {
		return
	}
	var conts []*ast.BranchStmt
	label := ""
	for _, c := range ss.Body.List {
		cc := c.(*ast.CommClause)
		if len(cc.Body) == 0 {
			continue
		}
		br, ok := cc.Body[len(cc.Body)-1].(*ast.BranchStmt)
		if !ok || br.Tok != token.CONTINUE {
			continue
		}
		name := ""
		if br.Label != nil {
			name = br.Label.Name
		}
		if len(conts) > 0 && name != label {
			return
		}
		label = name
		conts = append(conts, br)
	}
	if len(conts) == 0 {
		return
	}
	// The loop the continue targets must not be a range-over-func loop the
	// pass rewrites (its continues are rewritten by jump).
outer:
	for i := len(stack) - 2; i >= 0; i-- {
		var loop ast.Stmt
		switch n := stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return
		case *ast.ForStmt:
			loop = n
		case *ast.RangeStmt:
			loop = n
			if l.rf[n] != nil {
				if label == "" || labelOf(stack, i) == label {
					return
				}
			}
		}
		if loop == nil {
			continue
		}
		if label == "" || labelOf(stack, i) == label {
			break outer
		}
	}
	flag := "_gk_c" + l.id()
	for _, br := range conts {
		l.ed.replace(l.off(br.Pos()), l.off(br.End()), flag+" = true")
	}
	l.ed.insert(l.off(ss.Pos()), flag+" := false; ")
	cont := "continue"
	if label != "" {
		cont += " " + label
	}
	l.ed.insert(l.off(ss.End()), "; if "+flag+" { "+cont+" }")
}

// labelOf returns the label of the statement stack[i] ("" if none).
func labelOf(stack []ast.Node, i int) string {
	if i > 0 {
		if ls, ok := stack[i-1].(*ast.LabeledStmt); ok && ls.Stmt == stack[i] {
			return ls.Label.Name
		}
	}
	return ""
}
