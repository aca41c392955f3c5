package lower

import "go/ast"

// typeSwitchError lowers case error in a type switch that binds a
// variable, switch x := v.(type), to case _gk_rt.Error, the error
// interface as a compiled type (see Exports): yaegi v0.16.1 never matches
// case error (the default case runs), while it matches a compiled
// interface type by reflection, which covers compiled error values and
// pointers to interpreted types with an Error method. A switch without a
// variable compares type names instead and is left alone.
func (l *lowering) typeSwitchError(ts *ast.TypeSwitchStmt) {
	if _, ok := ts.Assign.(*ast.AssignStmt); !ok {
		return
	}
	for _, st := range ts.Body.List {
		cc, ok := st.(*ast.CaseClause)
		if !ok || len(cc.List) != 1 {
			continue
		}
		if id, ok := cc.List[0].(*ast.Ident); ok && isBuiltin(id, "error") {
			l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
			l.ed.replace(l.off(id.Pos()), l.off(id.End()), "_gk_rt.Error")
		}
	}
}
