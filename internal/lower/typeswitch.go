package lower

import (
	"errors"
	"go/ast"
	"reflect"
)

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

// typeSwitchUnwrap makes a type switch whose cases are cell-declared
// concrete types (T or *T, and nil) switch on _gk_rt.Unwrap(x): yaegi
// v0.16.1 puts an interpreted value that becomes an error into a wrapper
// and compares the wrapper's type, so case TimeoutErr never matched an
// error holding a TimeoutErr (the default case ran, silently).
func (l *lowering) typeSwitchUnwrap(ts *ast.TypeSwitchStmt) {
	var ta *ast.TypeAssertExpr
	switch a := ts.Assign.(type) {
	case *ast.AssignStmt:
		if len(a.Rhs) == 1 {
			ta, _ = a.Rhs[0].(*ast.TypeAssertExpr)
		}
	case *ast.ExprStmt:
		ta, _ = a.X.(*ast.TypeAssertExpr)
	}
	if ta == nil {
		return
	}
	concrete := false
	for _, st := range ts.Body.List {
		cc, ok := st.(*ast.CaseClause)
		if !ok {
			return
		}
		for _, e := range cc.List {
			switch {
			case l.cellConcrete(e):
				concrete = true
			case isBuiltin(identOf(e), "nil"):
			default:
				return
			}
		}
	}
	if !concrete {
		return
	}
	as, bound := ts.Assign.(*ast.AssignStmt)
	if !bound {
		l.unwrapSubject(ta.X)
		return
	}
	// The bound variable has the subject's type in the default, nil and
	// multi-type clauses: there it is declared again from the subject, in
	// a block of its own (the clause's block already holds it).
	x, ok := unparen(ta.X).(*ast.Ident)
	v, ok2 := as.Lhs[0].(*ast.Ident)
	if !ok || !ok2 {
		return
	}
	l.unwrapSubject(ta.X)
	for _, st := range ts.Body.List {
		cc := st.(*ast.CaseClause)
		if len(cc.List) == 1 && l.cellConcrete(cc.List[0]) {
			continue
		}
		l.ed.insert(l.off(cc.Colon)+1, " { "+v.Name+" := "+x.Name+"; _ = "+v.Name+";")
		l.ed.insert(l.off(cc.End()), " }")
	}
}

// typeAssertUnwrap does the same for x.(T) with T a cell-declared concrete
// type or a pointer to one.
func (l *lowering) typeAssertUnwrap(ta *ast.TypeAssertExpr) {
	if ta.Type != nil && l.cellConcrete(ta.Type) {
		l.unwrapSubject(ta.X)
	}
}

func (l *lowering) unwrapSubject(x ast.Expr) {
	l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
	l.ed.insert(l.off(x.Pos()), "_gk_rt.Unwrap(")
	l.ed.insert(l.off(x.End()), ")")
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := unparen(e).(*ast.Ident)
	return id
}

// cellConcrete reports whether e names a type declared in the cells (or
// locally) that is not an interface or generic, or a pointer to one.
func (l *lowering) cellConcrete(e ast.Expr) bool {
	if st, ok := unparen(e).(*ast.StarExpr); ok {
		e = st.X
	}
	spec := l.cellTypeSpec(identOf(e))
	if spec == nil || spec.Assign.IsValid() {
		return false
	}
	_, iface := spec.Type.(*ast.InterfaceType)
	return !iface
}

// cellTypeSpec returns the declaration of the non-generic type id names
// when it is declared in the cells or locally (nil otherwise).
func (l *lowering) cellTypeSpec(id *ast.Ident) *ast.TypeSpec {
	if id == nil {
		return nil
	}
	obj := id.Obj
	if obj == nil {
		obj = l.types[id.Name]
	}
	if obj == nil || obj.Kind != ast.Typ {
		return nil
	}
	spec, ok := obj.Decl.(*ast.TypeSpec)
	if !ok || spec.TypeParams != nil {
		return nil
	}
	return spec
}

// unwrap returns the value that yaegi v0.16.1 keeps inside the wrapper it
// makes when an interpreted value becomes a compiled interface (error): a
// struct whose first field is IValue. A type switch or assertion on the
// wrapper compares the wrapper's type, so an error holding a *AuthErr never
// matched case *AuthErr. For a value of a struct type with value-receiver
// methods the wrapper holds one of its fields instead of the value
// (measured: TimeoutErr{Secs: 3} became 3), so there is nothing to match:
// that is a clear error, not a default case run by mistake.
func unwrap(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct || rv.NumField() == 0 || rv.Type().Field(0).Name != "IValue" {
		return v
	}
	inner := rv.Field(0)
	if inner.IsNil() {
		return v
	}
	if inner.Elem().Kind() != reflect.Pointer {
		panic(errLostValue)
	}
	return inner.Interface()
}

// errLostValue is what unwrap panics with.
var errLostValue = errors.New("gokernel: the interpreter lost the value inside this error (a value of a cell-declared type whose Error method has a value receiver, held in an error), so a type switch or assertion on it cannot be answered; use a pointer receiver (func (e *T) Error() string) and &T{...}, or declare the code in one cell with func main, which is compiled")
