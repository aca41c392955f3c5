package compiled

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// planStmts plans a cell of top-level statements with a loop (the
// compute-heavy kind of simple cell): the statements become the body of
// the cell package's Gk_run, the names the cell defines at its top level
// are handed back to the interpreter as its globals when Gk_run returns
// (values copied: the cell may not create closures, goroutines or
// deferred calls that could keep using the compiled copies), and a
// trailing expression becomes the cell's result. Callers hold fe.mu.
func (fe *frontEnd) planStmts(p *Plan, n int, code string, resolve Resolver, refused bool) (*Plan, string) {
	fname := fmt.Sprintf("In[%d]", n)
	header := "package " + p.pkgName + "\n"
	// The cell's own imports go to the file's header (blanked in the
	// statements, so no line moves).
	imports, code, importedNames := leadingImports(code)
	pkgClause := header
	header += imports
	open := "func Gk_run() {\n//line " + fname + ":1:1\n"
	// First parse: is it statements, what does it define?
	f, err := parser.ParseFile(fe.fset, fname, header+open+code+"\n}\n", parser.SkipObjectResolution)
	if err != nil {
		return nil, "not a cell of declarations or of statements only"
	}
	var body *ast.BlockStmt
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Gk_run" {
			body = fd.Body
		}
	}
	if body == nil {
		return nil, "not a cell of declarations or of statements only"
	}
	hasLoop, why := false, ""
	var lits []*ast.FuncLit
	ast.Inspect(body, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			hasLoop = true
		case *ast.FuncLit:
			// Its returns, defers and labels are its own.
			lits = append(lits, x)
			return false
		case *ast.GoStmt:
			why = "starts a goroutine"
		case *ast.DeferStmt:
			why = "defers a call"
		case *ast.ReturnStmt:
			why = "returns"
		case *ast.LabeledStmt:
			why = "has a label"
		case *ast.DeclStmt:
			if g, ok := x.Decl.(*ast.GenDecl); ok && g.Tok != token.VAR {
				why = "declares a " + g.Tok.String() + " inside statements"
			}
		case *ast.Ident:
			if strings.HasPrefix(x.Name, "Gk_") || strings.HasPrefix(x.Name, "gk_") {
				why = "uses the reserved name " + x.Name
			}
		}
		return why == ""
	})
	if why != "" {
		return nil, "a statement cell that " + why + " stays interpreted"
	}
	defs, seen, _ := topDefs(body)
	selected := unexportedSelections(code)
	// The names the cell defines are copied back to the interpreter when
	// Gk_run returns: a closure over one of them would keep using the
	// compiled copy.
	for _, lit := range lits {
		ast.Inspect(lit.Body, func(x ast.Node) bool {
			if id, ok := x.(*ast.Ident); ok && seen[id.Name] && why == "" {
				why = "creates a closure over " + id.Name
			}
			return why == ""
		})
	}
	if why != "" {
		return nil, "a statement cell that " + why + " stays interpreted"
	}
	if !hasLoop && !refused && !fe.t.mayBorrow(code) {
		return nil, "a statement cell without a loop stays interpreted (sub-ms)"
	}
	if hasLoop && !refused && fe.t.mode != Always && onlyPrintingLoops(body) && !fe.t.mayBorrow(code) {
		// Its time is the output's: 100,000 fmt.Println(i) take ~0.17 s
		// interpreted, and a build alone ~0.2 s.
		return nil, "a statement cell whose loops only print stays interpreted (output-bound)"
	}
	// A trailing expression that is not a call is no valid statement in
	// Go: it becomes the assignment to the result before type-checking
	// (a trailing call is decided after, when its type is known).
	if k := len(body.List); k > 0 {
		if es, ok := body.List[k-1].(*ast.ExprStmt); ok {
			if _, call := es.X.(*ast.CallExpr); !call || valueBuiltin(es.X) {
				base0 := fe.fset.File(f.Pos()).Base() + len(header+open)
				start, end := int(es.X.Pos())-base0, int(es.X.End())-base0
				if start >= 0 && end <= len(code) && start <= end {
					code = code[:start] + "Gk_result, Gk_hasResult = " + code[start:end] + ", true" + code[end:]
				}
			}
		}
	}
	tail := "\nGk_out = []interface{}{" + strings.Join(defs, ", ") + "}\n}\n\n// Gk_out holds the values of the names the cell defined, Gk_result its trailing value.\nvar (\n\tGk_out       []interface{}\n\tGk_result    interface{}\n\tGk_hasResult bool\n)\n"
	var info *types.Info
	var pkg *types.Package
	base := 0
	// Declarations of interpreted cells the statements use (a generic
	// function the interpreter cannot instantiate across cells, the
	// types and funcs it needs) are declared again in the cell package,
	// from their source: borrowed.
	var borrowed strings.Builder
	lent := map[string]bool{}
	generic := false
	// Interpreted globals the statements use, through their addresses:
	// declared as package variables for the type-check, then rewritten to
	// (*Gk_v_name) and set by Gk_bind before Gk_run.
	lentVars := map[string]LentVar{}
	var varImports []string
	extraImports, why := checkAutoImport(func(imports []string) ([]error, string) {
		for round := 0; ; round++ {
			var hb strings.Builder
			writeCellHeader(&hb, header, nil, append(slices.Clone(imports), varImports...))
			hb.WriteString(open)
			hdr := hb.String()
			if f, err = parser.ParseFile(fe.fset, fname, hdr+code+tail+borrowed.String(), parser.SkipObjectResolution); err != nil {
				return nil, "statements: " + err.Error()
			}
			base = fe.fset.File(f.Pos()).Base() + len(hdr)
			pkg = types.NewPackage(p.path, p.pkgName)
			for _, d := range fe.latest {
				pkg.Scope().Insert(d.obj)
			}
			info = &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}, Types: map[ast.Expr]types.TypeAndValue{}}
			errs := fe.typeCheck(f, pkg, info)
			if len(errs) == 0 || fe.t.lend == nil || round >= 8 {
				return errs, ""
			}
			more := false
			for _, err := range errs {
				te, ok := err.(types.Error)
				if !ok {
					continue
				}
				name, ok := strings.CutPrefix(te.Msg, "undefined: ")
				if !ok || lent[name] || seen[name] {
					continue
				}
				if d, ok := fe.t.lend(name); ok {
					lent[name], more = true, true
					generic = generic || d.Generic
					fmt.Fprintf(&borrowed, "\n//line %s:1:1\n%s\n", d.Origin, d.Source)
				} else if fe.t.lendVar != nil {
					if v, ok := fe.t.lendVar(name); ok && !clashes(v.Imports, importedNames) && (!v.Retyped || slices.Contains(selected, name)) {
						lent[name], more = true, true
						lentVars[name] = v
						fmt.Fprintf(&borrowed, "\nvar %s %s\n", name, v.Type)
						for _, path := range v.Imports {
							if !slices.Contains(varImports, path) {
								varImports = append(varImports, path)
							}
						}
					}
				}
			}
			if !more {
				return errs, ""
			}
		}
	}, resolve, func(name string) bool { return seen[name] || lent[name] || importedNames[name] })
	if why != "" {
		return nil, why
	}
	if len(lent) > len(lentVars) && !generic && !refused {
		// Borrowing is for what the interpreter gets wrong; a cell that
		// only uses interpreted non-generic code stays with it (its
		// values keep the interpreter's types).
		return nil, "uses interpreted declarations (" + strings.Join(sortedKeys(lent), ", ") + ") and no generic code"
	}
	if !hasLoop && !generic && !refused {
		return nil, "a statement cell without a loop stays interpreted (sub-ms)"
	}
	code += tail + borrowed.String()
	tail = ""
	if why := untouched(fe.fset, info, nil); why != "" {
		return nil, why
	}
	// The defined names' types: an interface-typed global would come back
	// with its dynamic type, so such cells stay interpreted.
	var runBody *ast.BlockStmt
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Gk_run" {
			runBody = fd.Body
		}
	}
	if runBody == nil || len(runBody.List) == 0 {
		return nil, "internal: no Gk_run"
	}
	_, _, idents := topDefs(runBody)
	p.defTypes = map[string]string{}
	for id := range idents {
		if obj, ok := info.Defs[id].(*types.Var); ok {
			if _, isIface := obj.Type().Underlying().(*types.Interface); isIface {
				return nil, "defines " + id.Name + " of interface type " + obj.Type().String()
			}
			p.defTypes[id.Name] = types.TypeString(obj.Type(), func(pk *types.Package) string { return pk.Name() })
		}
	}
	// The trailing expression (the statement before the generated
	// Gk_out assignment) becomes the result, if it is one value.
	var extra []edit
	if k := len(runBody.List); k >= 2 {
		if es, ok := runBody.List[k-2].(*ast.ExprStmt); ok {
			if tv, ok := info.Types[es.X]; ok && tv.IsValue() {
				if _, tuple := tv.Type.(*types.Tuple); !tuple && isCall(es.X) {
					start, end := int(es.X.Pos())-base, int(es.X.End())-base
					extra = append(extra, edit{start, start, "Gk_result, Gk_hasResult = "}, edit{end, end, ", true"})
				}
			}
		}
	}
	if len(lentVars) > 0 {
		var bind strings.Builder
		bind.WriteString("\n// Gk_bind gives the cell the interpreter's variables it uses.\nfunc Gk_bind(p map[string]interface{}) {\n")
		for _, name := range sortedKeys(lentVars) {
			v := lentVars[name]
			obj := pkg.Scope().Lookup(name)
			for id, o := range info.Uses {
				if o == obj && obj != nil {
					off := int(id.Pos()) - base
					extra = append(extra, edit{off, off + len(id.Name), "(*Gk_v_" + name + ")"})
				}
			}
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR || len(g.Specs) != 1 || g.Specs[0].(*ast.ValueSpec).Names[0].Name != name {
					continue
				}
				extra = append(extra, edit{int(g.Pos()) - base, int(g.End()) - base, "var Gk_v_" + name + " *" + v.Type})
			}
			if v.Retyped {
				fmt.Fprintf(&bind, "\tGk_v_%s = (*%s)(gk_retype(p[%q], Gk_v_%s))\n", name, v.Type, name, name)
			} else {
				fmt.Fprintf(&bind, "\tGk_v_%s = gk_conv(p[%q], Gk_v_%s).(*%s)\n", name, name, name, v.Type)
			}
			p.lentVars = append(p.lentVars, name)
		}
		bind.WriteString("}\n")
		code += bind.String()
		extraImports = append(extraImports, varImports...)
	}
	rewritten, cells, ok := fe.rewrite(code, base, f, info, nil, extra...)
	if !ok {
		return nil, "internal: overlapping rewrites"
	}
	var cell strings.Builder
	writeCellHeader(&cell, header, cells, extraImports)
	cell.WriteString(open)
	cell.WriteString(rewritten)
	cell.WriteString(tail)
	p.cellSrc = cell.String()
	// Only the helpers the cell uses, and their imports: every package
	// is linked into the plugin, and fmt, os and reflect add ~0.08 s to
	// the link of a cell that needs none of them.
	imports, helpers := "\tgkruntime \"runtime\"\n\tgkatomic \"sync/atomic\"\n", ""
	if strings.Contains(p.cellSrc, "gk_goPanic") {
		imports += "\tgkfmt \"fmt\"\n\tgkos \"os\"\n"
		helpers += goPanicSrc
	}
	if strings.Contains(p.cellSrc, "gk_conv") || strings.Contains(p.cellSrc, "gk_retype") {
		imports += "\tgkreflect \"reflect\"\n"
	}
	if strings.Contains(p.cellSrc, "gk_conv") {
		helpers += convSrc
	}
	if strings.Contains(p.cellSrc, "gk_retype") {
		imports += "\tgkunsafe \"unsafe\"\n"
		helpers += retypeSrc
	}
	p.gkSrc = pkgClause + "\n// Generated by gokernel: the cell's stop flag.\n\nimport (\n" + imports + ")\n\n// Gk_stop is set on interrupt.\nvar Gk_stop gkatomic.Bool\n\n" + gkExitSrc + helpers
	p.mainSrc = fmt.Sprintf("package main\n\nimport c %q\n\n// What the kernel looks up.\nvar (\n\tRun       = c.Gk_run\n\tOut       = &c.Gk_out\n\tResult    = &c.Gk_result\n\tHasResult = &c.Gk_hasResult\n\tStop      = &c.Gk_stop\n)\n", p.path)
	if len(p.lentVars) > 0 {
		p.mainSrc += "\n// Bind sets the cell's pointers to the interpreter's variables.\nvar Bind = c.Gk_bind\n"
	}
	p.pkg = pkg
	p.stmts = true
	p.defs = defs
	return p, ""
}

// topDefs are the names a statement body defines at its top level (:= and
// var), in order, and their defining identifiers.
func topDefs(body *ast.BlockStmt) ([]string, map[string]bool, map[*ast.Ident]bool) {
	var defs []string
	seen := map[string]bool{}
	idents := map[*ast.Ident]bool{}
	for _, st := range body.List {
		var ids []*ast.Ident
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						ids = append(ids, id)
					}
				}
			}
		case *ast.DeclStmt:
			for _, sp := range st.Decl.(*ast.GenDecl).Specs {
				ids = append(ids, sp.(*ast.ValueSpec).Names...)
			}
		}
		for _, id := range ids {
			if id.Name == "_" {
				continue
			}
			idents[id] = true
			if !seen[id.Name] {
				seen[id.Name] = true
				defs = append(defs, id.Name)
			}
		}
	}
	return defs, seen, idents
}

// valueBuiltin reports whether x calls a builtin whose value must be used
// (len(xs) alone is no statement).
func valueBuiltin(x ast.Expr) bool {
	ce, ok := x.(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := ce.Fun.(*ast.Ident)
	if !ok {
		return false
	}
	switch id.Name {
	case "len", "cap", "min", "max", "append", "make", "new", "complex", "real", "imag":
		return true
	}
	return false
}

// convSrc declares gk_conv: the interpreter made the types of its values
// with reflect (reflect.MapOf(string, time.Duration)) before the plugin
// brought its own descriptors of the same types, and the runtime does not
// unify the two, so a type assertion fails ("types from different
// scopes"); a conversion between the identical types works.
const convSrc = "// gk_conv converts v to the type of to (identical types described twice).\nfunc gk_conv(v, to interface{}) interface{} { return gkreflect.ValueOf(v).Convert(gkreflect.TypeOf(to)).Interface() }\n"

// retypeSrc declares gk_retype and gk_layout. A value of a lent type that
// an earlier compiled statement cell made (c := NewCache[string, int](2))
// has that cell's version of the type; a later cell that reads its
// unexported fields declares the type again from the same source, so its
// version has the same layout, which gk_layout checks (field names,
// offsets, tags, kinds, sizes, element types, cycles allowed) before the
// cell sees the interpreter's variable through a pointer of its own type.
// If the type was redefined since the value was made, the layouts differ
// and the cell fails with that, before it runs.
const retypeSrc = `// gk_retype gives p, a pointer to a variable of an earlier cell's version
// of a type declared again here, as a pointer to this cell's version.
func gk_retype(p, to interface{}) gkunsafe.Pointer {
	from, want := gkreflect.TypeOf(p), gkreflect.TypeOf(to)
	if !gk_layout(from.Elem(), want.Elem(), map[[2]gkreflect.Type]bool{}) {
		panic("gokernel: the variable's type " + from.Elem().String() + " is not the same as the cell's " + want.Elem().String() + ": a type it uses was redefined since the value was made")
	}
	return gkunsafe.Pointer(gkreflect.ValueOf(p).Pointer())
}

// gk_layout reports whether values of a and b have the same layout.
func gk_layout(a, b gkreflect.Type, seen map[[2]gkreflect.Type]bool) bool {
	if a == b || seen[[2]gkreflect.Type{a, b}] {
		return true
	}
	seen[[2]gkreflect.Type{a, b}] = true
	if a.Kind() != b.Kind() || a.Size() != b.Size() || a.Name() != b.Name() {
		return false
	}
	switch a.Kind() {
	case gkreflect.Struct:
		if a.NumField() != b.NumField() {
			return false
		}
		for i := 0; i < a.NumField(); i++ {
			fa, fb := a.Field(i), b.Field(i)
			if fa.Name != fb.Name || fa.Offset != fb.Offset || fa.Tag != fb.Tag || fa.Anonymous != fb.Anonymous || !gk_layout(fa.Type, fb.Type, seen) {
				return false
			}
		}
	case gkreflect.Array:
		return a.Len() == b.Len() && gk_layout(a.Elem(), b.Elem(), seen)
	case gkreflect.Pointer, gkreflect.Slice, gkreflect.Chan:
		return gk_layout(a.Elem(), b.Elem(), seen)
	case gkreflect.Map:
		return gk_layout(a.Key(), b.Key(), seen) && gk_layout(a.Elem(), b.Elem(), seen)
	case gkreflect.Interface:
		return a.NumMethod() == b.NumMethod()
	case gkreflect.Func:
		return a.String() == b.String()
	}
	return true
}
`

// unexportedSelections returns the identifiers in code that are followed
// by a selector of an unexported name (c.data, c.put()): where the
// interpreter cannot reach into a compiled value.
func unexportedSelections(code string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(code)), []byte(code), nil, 0)
	var out []string
	var prev [2]string // the last two tokens: identifier, then "."
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		switch {
		case tok == token.IDENT && prev[1] == "." && prev[0] != "" && !token.IsExported(lit) && !slices.Contains(out, prev[0]):
			out = append(out, prev[0])
		}
		switch tok {
		case token.IDENT:
			prev = [2]string{lit, ""}
		case token.PERIOD:
			prev[1] = "."
		default:
			prev = [2]string{}
		}
	}
}

// clashes reports whether an import path's package name is one the cell
// imports itself.
func clashes(paths []string, imported map[string]bool) bool {
	for _, p := range paths {
		if imported[p[strings.LastIndex(p, "/")+1:]] {
			return true
		}
	}
	return false
}

// onlyPrintingLoops reports whether every loop at the top of body does
// nothing but print: each statement of its body a call of fmt.Print,
// Println or Printf, print or println, whose arguments call nothing.
func onlyPrintingLoops(body *ast.BlockStmt) bool {
	loops := 0
	for _, st := range body.List {
		var loopBody *ast.BlockStmt
		switch st := st.(type) {
		case *ast.ForStmt:
			loopBody = st.Body
		case *ast.RangeStmt:
			loopBody = st.Body
		default:
			bad := false
			ast.Inspect(st, func(x ast.Node) bool {
				switch x.(type) {
				case *ast.ForStmt, *ast.RangeStmt:
					bad = true
				}
				return !bad
			})
			if bad {
				return false // a loop inside something else
			}
			continue
		}
		loops++
		if len(loopBody.List) == 0 {
			return false
		}
		for _, ls := range loopBody.List {
			es, ok := ls.(*ast.ExprStmt)
			if !ok {
				return false
			}
			call, ok := es.X.(*ast.CallExpr)
			if !ok || !printCall(call.Fun) {
				return false
			}
			for _, a := range call.Args {
				calls := false
				ast.Inspect(a, func(x ast.Node) bool {
					_, c := x.(*ast.CallExpr)
					_, lit := x.(*ast.FuncLit)
					calls = calls || c || lit
					return !calls
				})
				if calls {
					return false
				}
			}
		}
	}
	return loops > 0
}

// printCall reports whether fun is fmt.Print, fmt.Println, fmt.Printf,
// print or println.
func printCall(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "print" || f.Name == "println"
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "fmt" && (f.Sel.Name == "Print" || f.Sel.Name == "Println" || f.Sel.Name == "Printf")
	}
	return false
}

func isCall(x ast.Expr) bool {
	_, ok := x.(*ast.CallExpr)
	return ok
}

// identsOf returns the identifiers of code, in order, once each.
func identsOf(code string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(code)), []byte(code), nil, 0)
	seen := map[string]bool{}
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT && !seen[lit] {
			seen[lit] = true
			out = append(out, lit)
		}
	}
}

// leadingImports splits the import declarations at the start of a
// statement cell from its statements: the imports' text (for the file's
// header), the code with them blanked (newlines kept), and the names
// they bind.
func leadingImports(code string) (string, string, map[string]bool) {
	names := map[string]bool{}
	if !strings.Contains(code, "import") {
		return "", code, names
	}
	const pre = "package p\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", pre+code, parser.ImportsOnly|parser.SkipObjectResolution)
	if err != nil || len(f.Imports) == 0 {
		return "", code, names
	}
	end := 0
	var b strings.Builder
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			break
		}
		from, to := fset.Position(g.Pos()).Offset-len(pre), fset.Position(g.End()).Offset-len(pre)
		if from < end || to > len(code) {
			return "", code, names
		}
		b.WriteString(code[from:to] + "\n")
		end = to
	}
	for _, is := range f.Imports {
		path := strings.Trim(is.Path.Value, "\"`")
		name := path[strings.LastIndex(path, "/")+1:]
		if is.Name != nil {
			name = is.Name.Name
		}
		names[name] = true
	}
	blank := strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, code[:end])
	return b.String(), blank + code[end:], names
}
