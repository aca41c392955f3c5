package goeval

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"go/types"
	"maps"
	"sort"
	"strconv"
	"strings"
)

// itemKind says how yaegi must see a top-level piece of a cell: yaegi's REPL
// mode accepts either only declarations or only statements in one Eval.
type itemKind int

const (
	declItem itemKind = iota
	stmtItem
)

// item is one top-level declaration or statement of a cell, as byte offsets
// into the cell text.
type item struct {
	kind       itemKind
	isImport   bool
	start, end int
	// defines are the names a top-level `a, b := ...` statement declares;
	// refs are all identifiers of the item, rhsRefs those after its :=.
	defines []string
	refs    map[string]bool
	rhsRefs map[string]bool
	// define is the offset of the := of a top-level define, rhs the
	// offset of the first token after it.
	define, rhs int
	// typedVar: a single `var names T = values` declaration.
	typedVar bool
	// isFunc: a function or method declaration.
	isFunc bool
}

// run is a maximal sequence of consecutive items of the same kind: one Eval.
type run struct {
	kind       itemKind
	start, end int
	// text, when set, replaces code[start:end] (a rewritten single item;
	// its first character is at start in the cell).
	text string
}

// cellPos is a 1-based line and column in the cell (columns in bytes, as go/token counts them).
type cellPos struct{ line, col int }

// splitCell cuts code at top-level `;` / newline tokens (bracket depth 0) and
// groups the pieces into runs of declarations and statements. A scanner error
// (unterminated string, illegal character) is returned as a scanner.ErrorList
// whose positions are cell positions.
func splitCell(code string) ([]run, error) {
	fset := token.NewFileSet()
	file := fset.AddFile(yaegiFile, -1, len(code))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(file, []byte(code), func(pos token.Position, msg string) { errs.Add(pos, msg) }, 0)

	var items []item
	depth := 0
	cur := item{start: -1}
	var first, second token.Token
	// Leading `a, b :=` of the current item: lhsOpen while only names and
	// commas were seen.
	lhsOpen := true
	var lhs []string
	flush := func() {
		if cur.start < 0 {
			return
		}
		cur.kind = classify(code[cur.start:cur.end], first, second)
		cur.isImport = first == token.IMPORT
		cur.isFunc = cur.kind == declItem && first == token.FUNC
		cur.typedVar = first == token.VAR && second == token.IDENT && isTypedVar(code[cur.start:cur.end])
		items = append(items, cur)
		cur = item{start: -1}
		lhsOpen, lhs = true, nil
	}
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		off := file.Offset(pos)
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		case token.SEMICOLON:
			if depth == 0 {
				if lit == ";" && cur.start >= 0 {
					cur.end = off + 1
				}
				flush()
				continue
			}
		}
		if cur.start < 0 {
			cur.start = off
			first, second = tok, token.ILLEGAL
		} else if second == token.ILLEGAL {
			second = tok
		}
		if tok == token.IDENT {
			if cur.refs == nil {
				cur.refs = map[string]bool{}
			}
			cur.refs[lit] = true
			if cur.defines != nil {
				if cur.rhsRefs == nil {
					cur.rhsRefs = map[string]bool{}
				}
				cur.rhsRefs[lit] = true
			}
		}
		if cur.defines != nil && cur.rhs == 0 {
			cur.rhs = off
		}
		if lhsOpen && depth == 0 {
			switch tok {
			case token.IDENT:
				lhs = append(lhs, lit)
			case token.COMMA:
			case token.DEFINE:
				cur.defines = append([]string{}, lhs...)
				cur.define = off
				lhsOpen = false
			default:
				lhsOpen = false
			}
		} else if lhsOpen {
			lhsOpen = false
		}
		l := len(lit)
		if l == 0 {
			l = len(tok.String())
		}
		// An automatic semicolon at the end of input ("\n" at len(code))
		// must not reach past the code.
		cur.end = min(off+l, len(code))
	}
	flush()
	if len(errs) > 0 {
		return nil, errs
	}
	var runs []run
	otherDecls := false      // the last run has declarations other than imports
	var seen map[string]bool // identifiers of the last run (statement runs)
	funcSeen := false
	tmp := 0
	for _, it := range items {
		funcSeen = funcSeen || it.isFunc
		if it.typedVar && !funcSeen {
			// var r Reader = rw: as a declaration yaegi's global analysis
			// fails on it ("variable definition loop" when the value is a
			// global); as a statement of the run it declares the same
			// global. Not after a function of the cell, which may use it.
			it.kind = stmtItem
		}
		if it.kind == stmtItem && selfDefine(it) {
			// x := f(x) redeclaring a global of an earlier cell: yaegi gives
			// the new x its slot before the right side runs, which then
			// reads a zero x. Evaluate the right side into temporaries in
			// one Eval, declare the names from them in another.
			var tmps []string
			for _, name := range it.defines {
				if name == "_" {
					tmps = append(tmps, "_")
					continue
				}
				tmps = append(tmps, fmt.Sprintf("gokernelTmp%d", tmp))
				tmp++
			}
			rhsText := lineDirective(posAt(code, it.rhs)) + code[it.rhs:it.end]
			var names, vals []string
			for i, name := range it.defines {
				if name != "_" {
					names = append(names, name)
					vals = append(vals, tmps[i])
				}
			}
			runs = append(runs,
				run{kind: stmtItem, start: it.start, end: it.end, text: strings.Join(tmps, ", ") + " := " + rhsText},
				run{kind: stmtItem, start: it.start, end: it.end, text: strings.Join(names, ", ") + " := " + strings.Join(vals, ", ")})
			seen = nil
			continue
		}
		// Go wants imports before other declarations of a file: an import
		// after them starts a new run. A top-level := that redeclares a
		// name an earlier statement of the run uses starts one too: yaegi
		// gives the new variable its slot when it analyses the run, before
		// running it, so the earlier statements would read the new, zero,
		// variable instead of the one of an earlier cell.
		if n := len(runs); n > 0 && seen != nil && runs[n-1].kind == it.kind && !(it.isImport && otherDecls) && !redeclares(it, seen) {
			runs[n-1].end = it.end
			otherDecls = otherDecls || !it.isImport
			for k := range it.refs {
				seen[k] = true
			}
			continue
		}
		runs = append(runs, run{kind: it.kind, start: it.start, end: it.end})
		otherDecls = it.kind == declItem && !it.isImport
		seen = map[string]bool{}
		for k := range it.refs {
			seen[k] = true
		}
	}
	return runs, nil
}

// selfDefine reports whether a top-level := reads one of the names it
// declares (x := f(x)).
func selfDefine(it item) bool {
	for _, name := range it.defines {
		if name != "_" && it.rhsRefs[name] {
			return true
		}
	}
	return false
}

// isTypedVar reports whether text is one `var names T = values`
// declaration (not a group).
func isTypedVar(text string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package main;"+text, parser.SkipObjectResolution)
	if err != nil || len(f.Decls) != 1 {
		return false
	}
	gd, ok := f.Decls[0].(*ast.GenDecl)
	if !ok || gd.Tok != token.VAR || gd.Lparen.IsValid() || len(gd.Specs) != 1 {
		return false
	}
	vs := gd.Specs[0].(*ast.ValueSpec)
	return vs.Type != nil && len(vs.Values) > 0
}

// redeclares reports whether the statement it declares a name with := that
// seen (the identifiers of the run so far) contains.
func redeclares(it item, seen map[string]bool) bool {
	if it.kind != stmtItem {
		return false
	}
	for _, name := range it.defines {
		if name != "_" && seen[name] {
			return true
		}
	}
	return false
}

// classify decides whether an item is a declaration by its first token, as
// yaegi does. `func(` may start a method declaration or a function literal
// expression: try to parse it as a declaration.
func classify(text string, first, second token.Token) itemKind {
	switch first {
	case token.IMPORT, token.TYPE, token.VAR, token.CONST:
		return declItem
	case token.FUNC:
		if second == token.IDENT {
			return declItem
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "", "package main;"+text, parser.SkipObjectResolution); err == nil {
			return declItem
		}
	}
	return stmtItem
}

// yaegiFile is the file name yaegi gives all REPL input. It must stay the
// file name of every node: yaegi scopes imports by the file name of a node's
// position, so a line directive naming another file hides the cell's imports.
const yaegiFile = "_.go"

// lineDirective returns a /*line*/ comment that makes the character after it
// be reported at p of the cell. yaegi keeps the positions the parser
// computes, so errors and panic frames then give cell lines and columns
// directly (yaegi strips the "_.go:" prefix from its messages).
func lineDirective(p cellPos) string {
	return fmt.Sprintf("/*line %s:%d:%d*/", yaegiFile, p.line, p.col)
}

// posAt converts a byte offset of the cell into a cell position.
func posAt(code string, off int) cellPos {
	if off > len(code) {
		off = len(code)
	}
	line := 1 + strings.Count(code[:off], "\n")
	col := off - (strings.LastIndexByte(code[:off], '\n') + 1) + 1
	return cellPos{line, col}
}

// Names of the helper packages the engine imports into every interpreter.
// They start with "gokernel" so they cannot clash with ordinary user names.
const (
	rtAlias   = "gokernelrt"
	varsAlias = "gokernelvars"
	rtPath    = "gokernel.internal/rt"
	varsPath  = "gokernel.internal/vars"
)

// prepared is one run ready to be evaluated.
type prepared struct {
	kind itemKind
	// src is the text given to yaegi (with line directives).
	src string
	// plain is src without the trailing-value wrapper, used when the
	// wrapped form does not compile (void call).
	plain string
	// helpers are declarations src needs (from lowering), evaluated
	// before src in an Eval of their own; "" when none.
	helpers string
	// types are the type declarations of the run (name → normalized source),
	// recorded once the run succeeded.
	types map[string]string
	// imports are the import specs the run performs (alias+" "+path).
	imports []importSpec
	// consts are the constant names the run declares.
	consts []string
	// methods are the run's method declarations ("T.M" → normalized source).
	methods map[string]string
	// sigs are the run's function and type declarations for inspection.
	sigs map[string]string
	// funcs are the functions and methods the run declares: panic frames
	// name them, and their positions are in the cell that declared them.
	funcs []string
	// trailing is true when src reports the run's last expression through rt.Result.
	trailing bool
}

// importSpec is one import of a cell: the alias ("" for the default name) and path.
type importSpec struct{ name, path string }

// editor rebuilds source text with go statements rewritten and an optional
// trailing expression wrapped. Offsets are into text (the run's text), and
// base is the offset of text in the cell, so cell positions can be computed.
type editor struct {
	code   string // whole cell
	base   int    // offset of the run in the cell
	text   string // run text
	fset   *token.FileSet
	tf     *token.File
	gos    []*ast.GoStmt
	consts map[string]bool // names known to be constants (kept inline in go calls)
	tmp    int
}

// off returns the offset in text of a parsed position. The file was parsed
// with a prefix of prefixLen bytes before the run text.
func (e *editor) off(p token.Pos, prefixLen int) int {
	return e.tf.Offset(p) - prefixLen
}

// dir returns a line directive for the text offset o.
func (e *editor) dir(o int) string {
	return lineDirective(posAt(e.code, e.base+o))
}

// render returns text[s:end] with every outermost go statement in that range rewritten.
func (e *editor) render(s, end, prefixLen int) string {
	var b strings.Builder
	cur := s
	for _, g := range e.gos {
		gs, ge := e.off(g.Pos(), prefixLen), e.off(g.End(), prefixLen)
		if gs < cur || ge > end {
			continue // nested inside an earlier rewritten statement, or outside the range
		}
		b.WriteString(e.text[cur:gs])
		b.WriteString(e.rewriteGo(g, prefixLen))
		b.WriteString(e.dir(ge))
		cur = ge
	}
	b.WriteString(e.text[cur:end])
	return b.String()
}

// rewriteGo turns `go F(A...)` into a call that evaluates F and the
// non-constant arguments first (as Go does), then starts a goroutine that
// recovers its panic and reports it instead of killing the process. The whole
// replacement stays on the statement's lines; line directives keep the user's
// positions exact.
func (e *editor) rewriteGo(g *ast.GoStmt, prefixLen int) string {
	call := g.Call
	var b strings.Builder
	// The hoisted values are locals of a function literal called on the
	// spot: yaegi gives a block's variables one slot for a whole loop (and
	// a cell's top level the global frame's), so a goroutine that read
	// them from the block when it ran could see a later iteration's
	// (go add(i) in a loop summed the wrong numbers); a call's frame is
	// its own.
	b.WriteString("func() { ")
	piece := func(n ast.Node) string {
		s, t := e.off(n.Pos(), prefixLen), e.off(n.End(), prefixLen)
		return e.dir(s) + e.render(s, t, prefixLen)
	}
	e.tmp++
	id := e.tmp
	fun := piece(call.Fun)
	if !e.isBuiltin(call.Fun) {
		name := fmt.Sprintf("gokernelGoF%d", id)
		fmt.Fprintf(&b, "%s := %s; ", name, fun)
		fun = name
	}
	args := make([]string, len(call.Args))
	for i, a := range call.Args {
		if e.isConstant(a) {
			args[i] = piece(a)
			continue
		}
		name := fmt.Sprintf("gokernelGoA%d_%d", id, i)
		fmt.Fprintf(&b, "%s := %s; ", name, piece(a))
		args[i] = name
	}
	ell := ""
	if call.Ellipsis.IsValid() {
		ell = "..."
	}
	fmt.Fprintf(&b, "go func() { defer func() { %s.GoPanic(recover()) }(); %s(%s%s) }() }()",
		rtAlias, fun, strings.Join(args, ", "), ell)
	return b.String()
}

// isBuiltin reports whether a go statement calls a builtin: builtins have no
// function value to hoist.
func (e *editor) isBuiltin(x ast.Expr) bool {
	id, ok := x.(*ast.Ident)
	if !ok {
		return false
	}
	_, ok = types.Universe.Lookup(id.Name).(*types.Builtin)
	return ok
}

// isConstant reports whether x is (syntactically) a constant expression:
// literals, true/false/nil, known constant names, and operators on those.
// Such arguments stay inline so untyped constants still convert to the
// parameter type; evaluating them early would change nothing anyway.
func (e *editor) isConstant(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return x.Name == "true" || x.Name == "false" || x.Name == "nil" || e.consts[x.Name]
	case *ast.ParenExpr:
		return e.isConstant(x.X)
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && x.Op != token.AND && e.isConstant(x.X)
	case *ast.BinaryExpr:
		return e.isConstant(x.X) && e.isConstant(x.Y)
	case *ast.FuncLit:
		return true // a function literal has no side effects to hoist, and hoisting loses nothing
	}
	return false
}

// printLike reports whether a trailing call only prints (its result is a byte
// count nobody wants to see): fmt.Print*, fmt.Fprint*, log.*, print/println.
func printLike(x ast.Expr, imports map[string]string) bool {
	call, ok := x.(*ast.CallExpr)
	if !ok {
		return false
	}
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name == "print" || f.Name == "println"
	case *ast.SelectorExpr:
		// w.Write(...), os.Stdout.WriteString(...): their result is a byte
		// count nobody wants as Out[n], like fmt.Println's.
		if strings.HasPrefix(f.Sel.Name, "Write") {
			return true
		}
		pkg, ok := f.X.(*ast.Ident)
		if !ok {
			return false
		}
		switch imports[pkg.Name] {
		case "fmt":
			return strings.HasPrefix(f.Sel.Name, "Print") || strings.HasPrefix(f.Sel.Name, "Fprint")
		case "log":
			return true
		}
	}
	return false
}

// prepState is the engine state the preparation of a cell reads.
type prepState struct {
	imported map[importSpec]bool
	aliases  map[string]string // local package name → import path
	types    map[string]string
	methods  map[string]string // "T.M" → normalized method declaration
	consts   map[string]bool
	// lower, when set, lowers a run's text to what yaegi runs (see
	// Engine.lowerRun): it returns helper declarations to evaluate first
	// and the lowered text, which keeps the lines of the original.
	lower func(kind itemKind, text string) (helpers, lowered string)
}

// record adds what a prepared run declares: imports, types, methods and
// constants. importName names an import as cells see it.
func (st prepState) record(p *prepared, importName func(importSpec) string) {
	for _, imp := range p.imports {
		st.imported[imp] = true
		st.aliases[importName(imp)] = imp.path
	}
	for k, v := range p.types {
		st.types[k] = v
	}
	for k, v := range p.methods {
		st.methods[k] = v
	}
	for _, c := range p.consts {
		st.consts[c] = true
	}
}

// clone returns a copy of st whose maps can change without touching st's.
func (st prepState) clone() prepState {
	c := st
	c.imported = maps.Clone(st.imported)
	c.aliases = maps.Clone(st.aliases)
	c.types = maps.Clone(st.types)
	c.methods = maps.Clone(st.methods)
	c.consts = maps.Clone(st.consts)
	return c
}

// prepare parses one run, removes imports already done, rejects a changed
// type redefinition, rewrites go statements and (when trailing) wraps the
// last expression statement. It returns an *kernel-style error via prepError.
func prepare(code string, r run, trailing bool, st prepState) (*prepared, error) {
	text := code[r.start:r.end]
	if r.text != "" {
		text = r.text
	}
	var helpers string
	if st.lower != nil {
		helpers, text = st.lower(r.kind, text)
		// Positions below are computed in the lowered text: its lines are
		// the cell's lines (columns move only after a rewrite on the line).
		code = code[:r.start] + text
	}
	dir := lineDirective(posAt(code, r.start))
	fset := token.NewFileSet()
	var prefix string
	if r.kind == declItem {
		prefix = "package main;" + dir
	} else {
		prefix = "package main; func main() {" + dir
	}
	src := prefix + text
	if r.kind == stmtItem {
		src += "\n}"
	}
	f, err := parser.ParseFile(fset, yaegiFile, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var tf *token.File
	fset.Iterate(func(f *token.File) bool { tf = f; return false })
	ed := &editor{code: code, base: r.start, text: text, fset: fset, tf: tf, consts: st.consts}
	p := &prepared{kind: r.kind, helpers: helpers, types: map[string]string{}, sigs: map[string]string{}, methods: map[string]string{}}
	var blanks [][2]int // text ranges to blank out (already imported specs)

	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && r.kind == declItem {
			var b strings.Builder
			_ = printer.Fprint(&b, fset, &ast.FuncDecl{Name: fd.Name, Type: fd.Type})
			p.sigs[fd.Name.Name] = b.String()
		}
		if fd, ok := d.(*ast.FuncDecl); ok && r.kind == declItem {
			p.funcs = append(p.funcs, fd.Name.Name)
			if recv := recvTypeName(fd); recv != "" {
				key := recv + "." + fd.Name.Name
				norm := nodeSource(fset, fd)
				if old, ok := st.methods[key]; ok && old != norm {
					return nil, &redefError{pos: fset.Position(fd.Name.Pos()), name: key, what: "method"}
				}
				p.methods[key] = norm
			}
		}
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		switch gd.Tok {
		case token.IMPORT:
			kept := 0
			for _, s := range gd.Specs {
				is := s.(*ast.ImportSpec)
				path, _ := strconv.Unquote(is.Path.Value)
				spec := importSpec{path: path}
				if is.Name != nil {
					spec.name = is.Name.Name
				}
				if st.imported[spec] {
					blanks = append(blanks, [2]int{ed.off(is.Pos(), len(prefix)), ed.off(is.End(), len(prefix))})
					continue
				}
				kept++
				p.imports = append(p.imports, spec)
			}
			if kept == 0 {
				// An import declaration with nothing left: blank it all.
				blanks = append(blanks, [2]int{ed.off(gd.Pos(), len(prefix)), ed.off(gd.End(), len(prefix))})
			}
		case token.TYPE:
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				norm := nodeSource(fset, ts)
				if old, ok := st.types[ts.Name.Name]; ok && old != norm {
					pos := fset.Position(ts.Pos())
					return nil, &redefError{pos: pos, name: ts.Name.Name, what: "type"}
				}
				p.types[ts.Name.Name] = norm
				p.sigs[ts.Name.Name] = "type " + norm
			}
		case token.CONST:
			for _, s := range gd.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					p.consts = append(p.consts, n.Name)
				}
			}
		}
	}

	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			ed.gos = append(ed.gos, g)
		}
		return true
	})
	sort.Slice(ed.gos, func(i, j int) bool { return ed.gos[i].Pos() < ed.gos[j].Pos() })

	// Blank already-imported specs, keeping newlines so positions do not move.
	if len(blanks) > 0 {
		bs := []byte(ed.text)
		for _, bl := range blanks {
			for i := bl[0]; i < bl[1]; i++ {
				if bs[i] != '\n' {
					bs[i] = ' '
				}
			}
			// An explicit ';' after a dropped spec ("fmt"; "strings") would
			// leave an empty spec behind: drop it too.
			j := bl[1]
			for j < len(bs) && (bs[j] == ' ' || bs[j] == '\t') {
				j++
			}
			if j < len(bs) && bs[j] == ';' {
				bs[j] = ' '
			}
		}
		ed.text = string(bs)
	}

	body := ed.render(0, len(ed.text), len(prefix))
	if r.kind == stmtItem {
		// yaegi picks declarations or statements by the first token: a
		// statement run starting with a function literal, func() {...}(),
		// would parse as a file declaring func main, which yaegi then runs
		// again after every later Eval (measured). A leading empty
		// statement makes it a statement chunk.
		dir = ";" + dir
	}
	p.plain = dir + body
	p.src = p.plain
	if trailing && r.kind == stmtItem {
		fd := f.Decls[0].(*ast.FuncDecl)
		if n := len(fd.Body.List); n > 0 {
			if es, ok := fd.Body.List[n-1].(*ast.ExprStmt); ok && !printLike(es.X, st.aliases) {
				s, t := ed.off(es.Pos(), len(prefix)), ed.off(es.End(), len(prefix))
				p.src = dir + ed.render(0, s, len(prefix)) + rtAlias + ".Result(" + ed.dir(s) +
					ed.render(s, t, len(prefix)) + ")" + ed.dir(t) + ed.render(t, len(ed.text), len(prefix))
				p.trailing = true
			}
		}
	}
	return p, nil
}

// redefError reports a type declaration that differs from the one the
// interpreter already has: yaegi would silently keep the old one.
type redefError struct {
	pos  token.Position
	name string
	what string // "type" or "method"
}

func (e *redefError) Error() string {
	return fmt.Sprintf("%s: %s %s is already defined with a different definition; the interpreter cannot redefine %ss: rename it or restart the kernel", e.pos, e.what, e.name, e.what)
}

// recvTypeName returns the receiver's type name of a method ("" for a function).
func recvTypeName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// nodeSource returns the normalized source of a node, used to tell a
// changed redefinition from a re-run: its tokens joined by single spaces,
// so comments, layout and semicolons do not count.
func nodeSource(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	if err := printer.Fprint(&b, fset, n); err != nil {
		return ""
	}
	src := b.String()
	f := token.NewFileSet().AddFile("", -1, len(src))
	var sc scanner.Scanner
	sc.Init(f, []byte(src), nil, 0)
	var toks []string
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON {
			continue
		}
		if lit == "" {
			lit = tok.String()
		}
		toks = append(toks, lit)
	}
	return strings.Join(toks, " ")
}

// splitMixed cuts a cell whose declarations all come before its
// statements into the two, each as a cell of the same lines (the other
// part blanked, so that positions stay the cell's); ok is false for a
// cell that is not such a mix.
func splitMixed(code string) (decls, stmts string, ok bool) {
	runs, err := splitCell(code)
	if err != nil {
		return "", "", false
	}
	d, st := []byte(code), []byte(code)
	sawDecl, sawStmt := false, false
	for _, r := range runs {
		switch r.kind {
		case declItem:
			if sawStmt {
				return "", "", false
			}
			sawDecl = true
			blankBytes(st[r.start:r.end])
		default:
			sawStmt = true
			blankBytes(d[r.start:r.end])
		}
	}
	if !sawDecl || !sawStmt {
		return "", "", false
	}
	return string(d), string(st), true
}

// blankBytes replaces text with spaces, newlines kept.
func blankBytes(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}
