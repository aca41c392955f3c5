package lower

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"sync"
)

// yaegi v0.16.1 types the := statements at the top level of a REPL chunk
// (they declare globals) in its global type analysis, before compiling the
// statements. That analysis cannot type two kinds of right-hand sides that
// work inside functions:
//
//   - comma-ok forms, v, ok := m[k] / x.(T) / <-ch: its compiler panics
//     ("nil type");
//   - calls of generic functions (min/max helpers, slices.Clone, user
//     generics): "constant definition loop" or a nil dereference at run time.
//
// Assignments to existing globals are compiled later, with full types. So
// topLevel declares the variables first from an expression the analysis
// can type and that has no side effect, then assigns the real right-hand
// side, on the same line:
//
//	v, ok := m[k]        →  v, ok := m[k], false; v, ok = m[k]
//	s, ok := x.(string)  →  s, ok := *new(string), false; s, ok = x.(string)
//	ys := slices.Clone(xs) → ys := *new([]int); ys = slices.Clone(xs)
//
// The type comes from the syntax (the asserted type, typeOf, the generic
// signature with its type parameters bound from the arguments), or the
// declaration duplicates a side-effect-free operand of the same type (a map
// index on names and literals, an argument whose parameter type is the
// result type). When neither is possible the statement is left alone.
func (l *lowering) topLevel() {
	if !l.replTop {
		return
	}
	for _, d := range l.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil {
			continue
		}
		for _, st := range fd.Body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					l.topDefine(st)
				}
			case *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt, *ast.BlockStmt:
				l.topScoped(st)
			case *ast.ForStmt:
				if !l.captures(st.Body) { // else wrapTopLoop puts it in a closure
					l.topScoped(st)
				}
			case *ast.RangeStmt:
				if !l.captures(st.Body) {
					l.topScoped(st)
				}
			}
		}
	}
}

func (l *lowering) topDefine(as *ast.AssignStmt) {
	if len(as.Rhs) != 1 {
		return
	}
	lhs := map[string]bool{}
	for _, e := range as.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok {
			return
		}
		if id.Name != "_" {
			lhs[id.Name] = true
		}
	}
	if len(lhs) == 0 {
		return
	}
	zeros := l.topZeros(as)
	if len(zeros) != len(as.Lhs) {
		return
	}
	// v := f(v) redeclares a global of an earlier cell: yaegi gives the
	// new v its own slot, and the right side reads that slot (zero), with
	// or without this rewrite. Leave it to yaegi.
	used := false
	ast.Inspect(as.Rhs[0], func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && lhs[id.Name] {
			used = true
		}
		return !used
	})
	if used {
		return
	}
	var names, vals []string
	for i, e := range as.Lhs {
		if name := e.(*ast.Ident).Name; name != "_" {
			if zeros[i] == "" {
				return
			}
			names = append(names, name)
			vals = append(vals, zeros[i])
		}
	}
	l.ed.insert(l.off(as.Pos()), strings.Join(names, ", ")+" := "+strings.Join(vals, ", ")+"; ")
	l.ed.replace(l.off(as.TokPos), l.off(as.TokPos)+len(":="), "=")
}

// topScoped puts a compound statement that declares variables (with :=
// or var, outside function literals) into func() { ... }(). At the top
// level of a chunk yaegi v0.16.1 mixes up the variables of nested scopes
// with globals of the same name: `if x := 5; ...` or `{ x := "s" }` after
// a global x of another type panics (reflect.Set), and a block's variable
// replaces the global (measured). Inside a function, scopes work.
// Statements with return or goto (outside function literals) are left
// alone: in a closure they would mean something else.
//
// A statement with a defer (outside function literals) stays at the top
// level when none of the names it declares is a global: in a closure the
// deferred call would run when the statement ends, not with the cell.
func (l *lowering) topScoped(st ast.Stmt) {
	declares, jumps, defers, clash := false, false, false, false
	names := func(es ...ast.Expr) {
		for _, e := range es {
			if id, ok := e.(*ast.Ident); ok && l.globals[id.Name] {
				clash = true
			}
		}
	}
	ast.Inspect(st, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			defers = true
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				declares = true
				names(n.Lhs...)
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				declares = true
				names(n.Key, n.Value)
			}
		case *ast.DeclStmt:
			declares = true
			if g, ok := n.Decl.(*ast.GenDecl); ok {
				for _, sp := range g.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok {
						for _, id := range vs.Names {
							names(id)
						}
					}
				}
			}
		case *ast.ReturnStmt:
			jumps = true
		case *ast.BranchStmt:
			jumps = jumps || n.Tok == token.GOTO
		case *ast.LabeledStmt:
			jumps = true
		}
		return true
	})
	if !declares || jumps || defers && !clash {
		return
	}
	// Not starting with "func": yaegi would take the chunk for declarations.
	l.ed.insert(l.off(st.Pos()), "{ func() { ")
	l.ed.insert(l.off(st.End()), " }() }")
}

// topZeros returns, for each name on the left of as, an expression of its
// type without side effects, or nil when as needs no rewrite or no such
// expression is known.
func (l *lowering) topZeros(as *ast.AssignStmt) []string {
	rhs := unparen(as.Rhs[0])
	if len(as.Lhs) == 2 {
		switch r := rhs.(type) {
		case *ast.IndexExpr:
			if l.pure(r.X) && l.pure(r.Index) && l.oneLine(r.Pos(), r.End()) {
				return []string{l.text(r), "false"}
			}
			if m, ok := l.under(l.typeOf(r.X, 0)).(*ast.MapType); ok {
				return []string{zeroOf(l.typeText(m.Value)), "false"}
			}
			return nil
		case *ast.TypeAssertExpr:
			if r.Type != nil && l.oneLine(r.Type.Pos(), r.Type.End()) {
				return []string{zeroOf(l.text(r.Type)), "false"}
			}
			return nil
		case *ast.UnaryExpr:
			if r.Op != token.ARROW {
				return nil
			}
			if c, ok := l.under(l.typeOf(r.X, 0)).(*ast.ChanType); ok {
				return []string{zeroOf(l.typeText(c.Value)), "false"}
			}
			return nil
		}
	}
	ce, ok := rhs.(*ast.CallExpr)
	if !ok {
		return nil
	}
	return l.genericZeros(ce)
}

// zeroOf returns the zero value expression of the type text t ("" if t is "").
func zeroOf(t string) string {
	if t == "" {
		return ""
	}
	return "*new(" + t + ")"
}

// pure reports whether evaluating e twice is harmless and cheap: names,
// literals, field selections on those.
func (l *lowering) pure(e ast.Expr) bool {
	switch e := unparen(e).(type) {
	case *ast.Ident:
		return e.Name != "_"
	case *ast.BasicLit:
		return true
	case *ast.SelectorExpr:
		return l.pure(e.X)
	}
	return false
}

// genericZeros returns zero expressions of the results of a call of a
// generic function (min/max, a generic function declared in the chunks, a
// generic function of slices, maps or cmp), or nil for other calls.
func (l *lowering) genericZeros(ce *ast.CallExpr) []string {
	if id, ok := unparen(ce.Fun).(*ast.Ident); ok && (isBuiltin(id, "min") || isBuiltin(id, "max")) {
		if len(ce.Args) < 2 || ce.Ellipsis != token.NoPos {
			return nil
		}
		if _, ok := l.constValue(ce); ok {
			return nil // folded to a constant
		}
		for _, a := range ce.Args {
			if _, ok := l.constValue(a); ok {
				continue
			}
			if t := zeroOf(l.typeText(l.typeOf(a, 0))); t != "" {
				return []string{t}
			}
			if l.pure(a) {
				return []string{l.text(a)}
			}
			return []string{""}
		}
		return nil
	}
	g := l.instantiate(ce, 0)
	if g == nil {
		return nil
	}
	out := make([]string, len(g.results))
	for i, r := range g.results {
		if r != nil {
			out[i] = zeroOf(expandIter(r))
			continue
		}
		// An unbound result type parameter: an argument of that type.
		if id, ok := g.decl.Type.Results.List[0].Type.(*ast.Ident); ok && len(g.results) == 1 {
			for j, p := range g.params {
				if pid, ok := p.(*ast.Ident); ok && pid.Name == id.Name && j < len(ce.Args) && l.pure(ce.Args[j]) {
					if _, lit := unparen(ce.Args[j]).(*ast.BasicLit); !lit {
						out[i] = l.text(ce.Args[j])
					}
				}
			}
		}
	}
	return out
}

// generic is a call of a generic function with its type parameters bound
// as far as the syntax shows.
type generic struct {
	decl    *ast.FuncDecl
	params  []ast.Expr // parameter types, one per argument position (variadic: the element)
	results []ast.Expr // result types with type parameters substituted; nil where unbound
}

// instantiate binds the type parameters of a generic callee from explicit
// type arguments and from the syntactic types of the arguments. It returns
// nil when ce does not call a known generic function.
func (l *lowering) instantiate(ce *ast.CallExpr, depth int) *generic {
	if depth > 16 {
		return nil
	}
	fun := unparen(ce.Fun)
	var explicit []ast.Expr
	switch f := fun.(type) {
	case *ast.IndexExpr:
		fun, explicit = f.X, []ast.Expr{f.Index}
	case *ast.IndexListExpr:
		fun, explicit = f.X, f.Indices
	}
	var fd *ast.FuncDecl
	switch f := fun.(type) {
	case *ast.Ident:
		if f.Obj != nil {
			fd, _ = f.Obj.Decl.(*ast.FuncDecl)
		}
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && x.Obj == nil {
			fd = stdGeneric(x.Name + "." + f.Sel.Name)
		}
	}
	if fd == nil || fd.Recv != nil || fd.Type.TypeParams == nil || len(fd.Type.TypeParams.List) == 0 {
		return nil
	}
	isTP := map[string]bool{}
	var tparams []string
	constraints := map[string]ast.Expr{}
	for _, f := range fd.Type.TypeParams.List {
		for _, n := range f.Names {
			isTP[n.Name] = true
			tparams = append(tparams, n.Name)
			constraints[n.Name] = f.Type
		}
	}
	b := map[string]ast.Expr{}
	for i, t := range explicit {
		if i < len(tparams) {
			b[tparams[i]] = t
		}
	}
	all := flatten(fd.Type.Params)
	g := &generic{decl: fd}
	weak := map[string]ast.Expr{}
	for i, a := range ce.Args {
		var p ast.Expr
		switch {
		case i < len(all)-1 || (i == len(all)-1 && !isEllipsis(all[i])):
			p = all[i]
		case len(all) > 0 && isEllipsis(all[len(all)-1]):
			p = all[len(all)-1].(*ast.Ellipsis).Elt
			if ce.Ellipsis != token.NoPos {
				p = &ast.ArrayType{Elt: p}
			}
		default:
			return nil
		}
		g.params = append(g.params, p)
		if lit, ok := unparen(a).(*ast.BasicLit); ok {
			if id, ok := p.(*ast.Ident); ok && isTP[id.Name] {
				if _, ok := weak[id.Name]; !ok {
					weak[id.Name] = ast.NewIdent(defaultType(lit.Kind))
				}
			}
			continue
		}
		at := l.typeOf(a, depth+1)
		if at == nil {
			continue
		}
		if !l.bind(p, at, isTP, b) {
			return nil
		}
	}
	for k, v := range weak {
		if _, ok := b[k]; !ok {
			b[k] = v
		}
	}
	// Core types of constraints (~[]E) bind the type parameters inside them.
	for _, tp := range tparams {
		c := constraints[tp]
		if u, ok := c.(*ast.UnaryExpr); ok && u.Op == token.TILDE {
			c = u.X
		}
		if t, ok := b[tp]; ok && isTypeLiteral(c) {
			l.bind(c, t, isTP, b)
		}
	}
	for _, r := range flatten(fd.Type.Results) {
		g.results = append(g.results, l.subst(r, isTP, b))
	}
	return g
}

func isTypeLiteral(e ast.Expr) bool {
	switch e.(type) {
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.StarExpr:
		return true
	}
	return false
}

// bind matches a parameter type against an argument type structurally and
// records the argument's type expressions for the type parameters. It
// fails only on conflicting bindings.
func (l *lowering) bind(p, a ast.Expr, isTP map[string]bool, b map[string]ast.Expr) bool {
	p, a = unparen(p), unparen(a)
	if id, ok := p.(*ast.Ident); ok && isTP[id.Name] {
		t := l.typeText(a)
		if t == "" {
			return true
		}
		if prev, ok := b[id.Name]; ok {
			return l.typeText(prev) == t
		}
		b[id.Name] = a
		return true
	}
	rec := func(p, a ast.Expr) bool { return l.bind(p, a, isTP, b) }
	if ok, composite := matchComposite(p, a, expandIterExpr(l.under(a)), rec); composite {
		return ok
	}
	switch p.(type) {
	case *ast.IndexExpr, *ast.IndexListExpr:
		if isIterType(indexBase(p)) {
			return l.bind(expandIterExpr(p), a, isTP, b)
		}
		if types.ExprString(indexBase(p)) != types.ExprString(indexBase(a)) {
			return true
		}
		pi, ai := indices(p), indices(a)
		if len(pi) != len(ai) {
			return true
		}
		return matchPairs(pi, ai, rec)
	}
	return true
}

func indexBase(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.IndexExpr:
		return e.X
	case *ast.IndexListExpr:
		return e.X
	}
	return nil
}

func indices(e ast.Expr) []ast.Expr {
	switch e := e.(type) {
	case *ast.IndexExpr:
		return []ast.Expr{e.Index}
	case *ast.IndexListExpr:
		return e.Indices
	}
	return nil
}

// subst returns t with its type parameters replaced by their bindings, or
// nil when one is unbound.
func (l *lowering) subst(t ast.Expr, isTP map[string]bool, b map[string]ast.Expr) ast.Expr {
	ok := true
	var walk func(e ast.Expr) string
	walk = func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.Ident:
			if isTP[e.Name] {
				bt, found := b[e.Name]
				if !found {
					ok = false
					return e.Name
				}
				s := l.typeText(bt)
				if s == "" {
					ok = false
				}
				return s
			}
			return e.Name
		case *ast.ArrayType:
			n := ""
			if e.Len != nil {
				n = types.ExprString(e.Len)
			}
			return "[" + n + "]" + walk(e.Elt)
		case *ast.MapType:
			return "map[" + walk(e.Key) + "]" + walk(e.Value)
		case *ast.StarExpr:
			return "*" + walk(e.X)
		case *ast.ParenExpr:
			return "(" + walk(e.X) + ")"
		case *ast.ChanType:
			switch e.Dir {
			case ast.SEND:
				return "chan<- " + walk(e.Value)
			case ast.RECV:
				return "<-chan " + walk(e.Value)
			}
			return "chan " + walk(e.Value)
		case *ast.Ellipsis:
			return "..." + walk(e.Elt)
		case *ast.SelectorExpr:
			return types.ExprString(e)
		case *ast.IndexExpr:
			return walk(e.X) + "[" + walk(e.Index) + "]"
		case *ast.IndexListExpr:
			var parts []string
			for _, x := range e.Indices {
				parts = append(parts, walk(x))
			}
			return walk(e.X) + "[" + strings.Join(parts, ", ") + "]"
		case *ast.FuncType:
			var ps, rs []string
			for _, x := range flatten(e.Params) {
				ps = append(ps, walk(x))
			}
			for _, x := range flatten(e.Results) {
				rs = append(rs, walk(x))
			}
			s := "func(" + strings.Join(ps, ", ") + ")"
			switch len(rs) {
			case 0:
			case 1:
				s += " " + rs[0]
			default:
				s += " (" + strings.Join(rs, ", ") + ")"
			}
			return s
		}
		ok = false
		return ""
	}
	text := walk(t)
	if !ok || text == "" {
		return nil
	}
	x, err := parser.ParseExpr(text)
	if err != nil {
		return nil
	}
	return x
}

// expandIterExpr returns iter.Seq[V] and iter.Seq2[K, V] as their func
// types; other types unchanged.
func expandIterExpr(t ast.Expr) ast.Expr {
	if t == nil || !isIterType(indexBase(t)) {
		return t
	}
	is := indices(t)
	var params []*ast.Field
	for _, x := range is {
		params = append(params, &ast.Field{Type: x})
	}
	yield := &ast.FuncType{Params: &ast.FieldList{List: params}, Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("bool")}}}}
	return &ast.FuncType{Params: &ast.FieldList{List: []*ast.Field{{Names: []*ast.Ident{ast.NewIdent("yield")}, Type: yield}}}}
}

// expandIter returns the text of t with iter.Seq/Seq2 spelled as func types
// (a cell need not import iter for the type to be usable). "" when t is nil.
func expandIter(t ast.Expr) string {
	if t == nil {
		return ""
	}
	var walk func(e ast.Expr) ast.Expr
	walk = func(e ast.Expr) ast.Expr {
		switch x := e.(type) {
		case *ast.IndexExpr, *ast.IndexListExpr:
			if isIterType(indexBase(x)) {
				f := expandIterExpr(x).(*ast.FuncType)
				y := f.Params.List[0].Type.(*ast.FuncType)
				for _, p := range y.Params.List {
					p.Type = walk(p.Type)
				}
				return f
			}
		case *ast.ArrayType:
			return &ast.ArrayType{Len: x.Len, Elt: walk(x.Elt)}
		case *ast.MapType:
			return &ast.MapType{Key: walk(x.Key), Value: walk(x.Value)}
		case *ast.StarExpr:
			return &ast.StarExpr{X: walk(x.X)}
		case *ast.ChanType:
			return &ast.ChanType{Dir: x.Dir, Value: walk(x.Value)}
		}
		return e
	}
	s := types.ExprString(walk(t))
	if strings.Contains(s, "BadExpr") {
		return ""
	}
	return s
}

var (
	stdOnce  sync.Once
	stdFuncs map[string]*ast.FuncDecl
)

// stdGeneric returns the declaration of a generic function of the packages
// served as source ("slices.Clone"), or nil.
func stdGeneric(name string) *ast.FuncDecl {
	stdOnce.Do(func() {
		stdFuncs = map[string]*ast.FuncDecl{}
		for _, p := range packages {
			src, err := gostd.ReadFile("gostd/" + p + ".go.txt")
			if err != nil {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), p+".go", src, parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() && fd.Type.TypeParams != nil {
					stdFuncs[p+"."+fd.Name.Name] = fd
				}
			}
		}
	})
	return stdFuncs[name]
}
