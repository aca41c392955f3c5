package lower

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// source lowers one complete Go file (package clause plus declarations, as
// the engine hands each chunk to yaegi) from the Go 1.26 language to the
// subset yaegi v0.16.1 runs. See the package documentation for the list of
// rewrites and their limits.
//
// Every rewrite replaces text on a single line with text on a single line and
// helper declarations are appended after the last line, so each statement of
// the input keeps its line number and yaegi's error positions still point at
// the user's cell. A rewrite that would need a type the pass cannot see
// syntactically is not done: yaegi then reports its own error.
//
// A parse error of the input is returned unchanged (a scanner.ErrorList); the
// engine should then evaluate the original source so that yaegi reports it.
func source(src []byte) ([]byte, error) {
	return new(Lowerer).source(src)
}

// Lowerer lowers the successive chunks of one interpreter session. Cells
// use functions, types and variables declared by earlier cells; remembering
// those declarations lets the pass see, for instance, that n in
// "for i := range n" is an int declared two cells ago, or that a min
// declared by the user shadows the builtin. The zero value is ready to use;
// a Lowerer must not be used concurrently.
type Lowerer struct {
	// decls are the top-level declarations of earlier chunks by name, the
	// newest winning; methods are their methods by name. Indexes, not the
	// chunks themselves, so a cell costs the same after 10,000 cells.
	decls   map[string]*ast.Object
	methods map[string][]*ast.FuncDecl
	// imported are the helper imports earlier chunks evaluated.
	imported map[string]bool
	// recovers is set once a chunk calls recover.
	recovers bool
	// chunks is set while Chunk lowers a chunk.
	chunks bool
	// compiledMethods and compiledTypes are the methods and types of
	// cells the compiled tier ran (Compiled): method values and method
	// expressions on them are lowered as on interpreted ones.
	compiledMethods map[string][]*ast.FuncDecl
	compiledTypes   map[string]bool
}

// CompiledVars records the variables a compiled statement cell defined
// (var declarations with their types, as source), so that later chunks
// see their types as they see an interpreted cell's (a range over
// maps.Keys(counts) needs counts' type).
func (lw *Lowerer) CompiledVars(src []byte) {
	f, err := parser.ParseFile(token.NewFileSet(), "cell.go", append([]byte(declPrefix), src...), 0)
	if err != nil {
		return
	}
	if lw.decls == nil {
		lw.decls = map[string]*ast.Object{}
		lw.methods = map[string][]*ast.FuncDecl{}
	}
	for name, o := range declsOf(f) {
		if o.Kind == ast.Var {
			lw.decls[name] = o
		}
	}
}

// Compiled records the declarations of a cell the compiled tier ran, so
// that later chunks lower method values and method expressions of its
// types (yaegi v0.16.1 gets them wrong on compiled types too) and range
// over its iterator methods.
func (lw *Lowerer) Compiled(src []byte) {
	f, err := parser.ParseFile(token.NewFileSet(), "cell.go", append([]byte(declPrefix), src...), parser.SkipObjectResolution)
	if err != nil {
		return
	}
	if lw.compiledMethods == nil {
		lw.compiledMethods, lw.compiledTypes = map[string][]*ast.FuncDecl{}, map[string]bool{}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				continue
			}
			// A type compiled again (redefined) replaces its methods.
			base, _ := recvBase(d)
			kept := lw.compiledMethods[d.Name.Name][:0:0]
			for _, m := range lw.compiledMethods[d.Name.Name] {
				if b, _ := recvBase(m); b != base {
					kept = append(kept, m)
				}
			}
			lw.compiledMethods[d.Name.Name] = append(kept, d)
		case *ast.GenDecl:
			if d.Tok == token.TYPE {
				for _, sp := range d.Specs {
					lw.compiledTypes[sp.(*ast.TypeSpec).Name.Name] = true
				}
			}
		}
	}
}

// source lowers one chunk like the package-level source, resolving names
// the chunk does not declare against the chunks lowered before.
func (lw *Lowerer) source(src []byte) ([]byte, error) {
	code, helpers, err := lw.lower(src)
	if err != nil || len(helpers) == 0 {
		return code, err
	}
	return joinHelpers(code, helpers), nil
}

// joinHelpers appends helper declarations to a complete file. The imports
// helpers begin with go on the line of the package clause, so that the
// file's lines keep their numbers.
func joinHelpers(code, helpers []byte) []byte {
	var imports []string
	for bytes.HasPrefix(helpers, []byte("import ")) {
		line, rest, _ := bytes.Cut(helpers, []byte("\n"))
		imports = append(imports, string(line))
		helpers = bytes.TrimLeft(rest, "\n")
	}
	out := append([]byte(nil), code...)
	if len(imports) > 0 {
		if f, err := parser.ParseFile(token.NewFileSet(), "cell.go", code, parser.PackageClauseOnly); err == nil {
			at := int(f.Name.End()) - 1
			ins := "; " + strings.Join(imports, "; ")
			out = append(append(append([]byte(nil), code[:at]...), ins...), code[at:]...)
		}
	}
	return append(append(out, "\n\n"...), helpers...)
}

// lower returns the rewritten file and, separately, the helper
// declarations it needs.
func (lw *Lowerer) lower(src []byte) ([]byte, []byte, error) {
	return lw.lowerMode(src, false)
}

func (lw *Lowerer) lowerMode(src []byte, replTop bool) ([]byte, []byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", src, 0)
	if err != nil {
		return nil, nil, err
	}
	l := &lowering{
		src:     src,
		file:    f,
		base:    fset.File(f.Pos()).Base(),
		ed:      editor{src: src},
		rf:      map[*ast.RangeStmt]*rfLoop{},
		codes:   map[ast.Node]map[string]int{},
		helpers: map[string]string{},
		methods: map[string][]*ast.FuncDecl{},
		replTop: replTop,
		hoisted: map[*ast.CallExpr]bool{},
	}
	for name, fds := range lw.compiledMethods {
		l.methods[name] = append([]*ast.FuncDecl(nil), fds...)
	}
	for name, fds := range lw.methods {
		l.methods[name] = append(l.methods[name], fds...)
	}
	l.compiledTypes = lw.compiledTypes
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
			l.methods[fd.Name.Name] = append(l.methods[fd.Name.Name], fd)
		}
	}
	l.showMethods = l.methods
	if lw.chunks {
		l.showMethods = lw.methods
	}
	resolvePrior(f, lw.decls)
	l.globals = map[string]bool{}
	for name := range lw.decls {
		l.globals[name] = true
	}
	for name := range declsOf(f) {
		l.globals[name] = true
	}
	l.checkBounds = lw.recovers || callsRecover(f)
	l.types = map[string]*ast.Object{}
	for name, o := range lw.decls {
		l.types[name] = o
	}
	if !lw.chunks {
		// A chunk's helpers are evaluated before it: they may only name
		// the types of earlier chunks.
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, sp := range g.Specs {
					ts := sp.(*ast.TypeSpec)
					l.types[ts.Name.Name] = &ast.Object{Kind: ast.Typ, Name: ts.Name.Name, Decl: ts}
				}
			}
		}
	}
	l.run()
	l.topLevel()
	out, err := l.ed.apply()
	if err != nil {
		return nil, nil, err
	}
	lw.recovers = l.checkBounds
	var helpers bytes.Buffer
	if len(l.helpers) > 0 {
		names := make([]string, 0, len(l.helpers))
		for n := range l.helpers {
			names = append(names, n)
		}
		sort.Strings(names)
		// Imports (a helper may begin with one) come first.
		sort.SliceStable(names, func(i, j int) bool {
			return strings.HasPrefix(l.helpers[names[i]], "import ") && !strings.HasPrefix(l.helpers[names[j]], "import ")
		})
		for _, n := range names {
			helpers.WriteString(l.helpers[n])
			helpers.WriteString("\n\n")
		}
	}
	whole := joinHelpers(out, helpers.Bytes())
	if _, err := parser.ParseFile(token.NewFileSet(), "cell.go", whole, 0); err != nil {
		return nil, nil, fmt.Errorf("lower: internal error: rewritten source does not parse: %v", err)
	}
	lw.remember(f)
	return out, helpers.Bytes(), nil
}

// remember indexes the top-level declarations of a lowered chunk.
func (lw *Lowerer) remember(f *ast.File) {
	if lw.decls == nil {
		lw.decls = map[string]*ast.Object{}
		lw.methods = map[string][]*ast.FuncDecl{}
	}
	for name, o := range declsOf(f) {
		lw.decls[name] = o
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
			lw.methods[fd.Name.Name] = append(lw.methods[fd.Name.Name], fd)
		}
	}
}

// declsOf returns the top-level declarations of one chunk by name.
func declsOf(pf *ast.File) map[string]*ast.Object {
	decls := map[string]*ast.Object{}
	add := func(name string, kind ast.ObjKind, decl any) {
		if name != "_" {
			decls[name] = &ast.Object{Kind: kind, Name: name, Decl: decl}
		}
	}
	addGen := func(g *ast.GenDecl) {
		for _, sp := range g.Specs {
			switch sp := sp.(type) {
			case *ast.TypeSpec:
				add(sp.Name.Name, ast.Typ, sp)
			case *ast.ValueSpec:
				kind := ast.Var
				if g.Tok == token.CONST {
					kind = ast.Con
				}
				for _, n := range sp.Names {
					add(n.Name, kind, sp)
				}
			}
		}
	}
	for _, d := range pf.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			addGen(d)
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			if d.Name.Name != "main" || d.Body == nil {
				add(d.Name.Name, ast.Fun, d)
				continue
			}
			// Statement chunks: their top-level declarations.
			for _, st := range d.Body.List {
				switch st := st.(type) {
				case *ast.AssignStmt:
					if st.Tok == token.DEFINE {
						for _, e := range st.Lhs {
							if id, ok := e.(*ast.Ident); ok {
								add(id.Name, ast.Var, st)
							}
						}
					}
				case *ast.DeclStmt:
					if g, ok := st.Decl.(*ast.GenDecl); ok {
						addGen(g)
					}
				}
			}
		}
	}
	return decls
}

// resolvePrior points the identifiers that f leaves unresolved at the
// declarations of earlier chunks, so that the rest of the pass treats them
// like declarations of this file.
func resolvePrior(f *ast.File, decls map[string]*ast.Object) {
	for _, id := range f.Unresolved {
		if id.Obj == nil {
			if o, ok := decls[id.Name]; ok {
				id.Obj = o
			}
		}
	}
}

// lowering holds the state of one source call; nothing outlives it.
type lowering struct {
	src     []byte
	file    *ast.File
	base    int
	ed      editor
	nextID  int
	rf      map[*ast.RangeStmt]*rfLoop
	codes   map[ast.Node]map[string]int
	helpers map[string]string
	methods map[string][]*ast.FuncDecl
	// compiledTypes are the types of compiled cells (Lowerer.Compiled).
	compiledTypes map[string]bool
	// globals are the names declared at the top level by this chunk and
	// the earlier ones.
	globals map[string]bool
	// replTop marks a statement chunk that yaegi will run at the top level
	// of its REPL, where closures in loops do not get fresh variables.
	replTop bool
	// checkBounds is set when the session recovers panics: slice indexes
	// are then checked by a helper that panics with Go's message.
	checkBounds bool
	// types are the session's top-level declarations (earlier chunks and
	// this one), for the fmt rewrite.
	types map[string]*ast.Object
	// showMethods are the methods the String-method rewrite may call:
	// in Lowerer.Chunk those of earlier chunks (the helpers are evaluated
	// before the chunk), otherwise all.
	showMethods map[string][]*ast.FuncDecl
	show        *shower
	// hoisted are the print calls deferStmt rewrote (prints.go).
	hoisted map[*ast.CallExpr]bool
}

// rfLoop is a range-over-func loop chosen for rewriting. Jumps out of its
// body are turned into "set control code, return false" and replayed by a
// dispatch after the call to the iterator.
type rfLoop struct {
	id         int
	rs         *ast.RangeStmt
	arity      int
	fn         ast.Node
	results    []string // result types of the enclosing function
	resultVars bool     // this loop declares the _gk_r vars for returns
	needCtl    bool
	dispatch   []string
	seen       map[int]bool
	label      *ast.LabeledStmt
}

func (l *lowering) off(p token.Pos) int { return int(p) - l.base }

func (l *lowering) text(n ast.Node) string {
	return string(l.src[l.off(n.Pos()):l.off(n.End())])
}

// oneLine reports whether the source between two positions has no newline,
// i.e. whether it may be replaced without moving later lines.
func (l *lowering) oneLine(from, to token.Pos) bool {
	a, b := l.off(from), l.off(to)
	if a < 0 || b > len(l.src) || a > b {
		return false
	}
	return !bytes.ContainsAny(l.src[a:b], "\n")
}

func (l *lowering) id() string {
	l.nextID++
	return strconv.Itoa(l.nextID)
}

func (l *lowering) run() {
	var stack []ast.Node
	ast.Inspect(l.file, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if rs, ok := top.(*ast.RangeStmt); ok && l.rf[rs] != nil {
				l.finishRangeFunc(l.rf[rs], stack)
			}
			return false
		}
		stack = append(stack, n)
		descend := true
		switch n := n.(type) {
		case *ast.RangeStmt:
			l.enterRange(n, stack)
		case *ast.ForStmt:
			l.enterFor(n, stack)
		case *ast.CallExpr:
			descend = l.call(n, stack)
		case *ast.ReturnStmt:
			l.jump(n, stack)
			l.nilErrReturn(n, stack)
		case *ast.BranchStmt:
			l.jump(n, stack)
		case *ast.DeferStmt:
			l.deferStmt(n, stack)
		case *ast.GenDecl:
			l.genDecl(n)
		case *ast.SelectStmt:
			l.selectContinue(n, stack)
		case *ast.SelectorExpr:
			l.methodExpr(n)
			l.methodValue(n, stack)
		case *ast.IndexExpr:
			l.indexExpr(n)
		case *ast.TypeSwitchStmt:
			l.typeSwitchError(n)
			l.typeSwitchUnwrap(n)
		case *ast.TypeAssertExpr:
			l.typeAssertUnwrap(n)
		case *ast.StructType:
			l.jsonHidden(n)
		}
		if !descend {
			stack = stack[:len(stack)-1]
		}
		return descend
	})
}

// isBuiltin reports whether id refers to the predeclared identifier of that
// name: the parser resolved no declaration for it in this file.
func isBuiltin(id *ast.Ident, name string) bool {
	return id.Name == name && id.Obj == nil
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// ---- loops ----

func (l *lowering) enterRange(rs *ast.RangeStmt, stack []ast.Node) {
	if l.tryRangeFunc(rs, stack) {
		return
	}
	if l.isIntExpr(rs.X) && l.oneLine(rs.For, rs.X.Pos()) && l.oneLine(rs.X.End(), rs.Body.Lbrace) {
		// { _gk_nN := X; for _gk_iN := _gk_nN - _gk_nN; ... } keeps X's type
		// and evaluates it once without a generic helper: yaegi panics
		// ("nil reflect type") on a generic multi-value := in a for
		// statement at the top level of a REPL chunk.
		id := l.id()
		i, n := "_gk_i"+id, "_gk_n"+id
		label := ""
		if len(stack) >= 2 {
			if ls, ok := stack[len(stack)-2].(*ast.LabeledStmt); ok && ls.Stmt == rs && l.oneLine(ls.Label.Pos(), ls.Colon) {
				label = ls.Label.Name + ": "
				l.ed.replace(l.off(ls.Label.Pos()), l.off(ls.Colon)+1, "")
			}
		}
		l.wrapTopLoop(rs, rs.Body, stack)
		l.ed.replace(l.off(rs.For), l.off(rs.X.Pos()), "{ "+n+" := ")
		bind := ""
		if rs.Key != nil && !isBlank(rs.Key) {
			if rs.Tok == token.DEFINE {
				k := l.text(rs.Key)
				bind = " " + k + " := " + i + "; _ = " + k + ";"
			} else {
				bind = " " + l.text(rs.Key) + " = " + i + ";"
			}
		}
		l.ed.replace(l.off(rs.X.End()), l.off(rs.Body.Lbrace)+1, "; "+label+"for "+i+" := "+n+" - "+n+"; "+i+" < "+n+"; "+i+"++ {"+bind)
		l.ed.replace(l.off(rs.Body.Rbrace), l.off(rs.Body.Rbrace)+1, "} }")
		return
	}
	// Go 1.22 gives each iteration fresh variables; yaegi v0.16.1 shares
	// them, which only shows when the body captures them.
	if rs.Tok == token.DEFINE && l.captures(rs.Body) {
		var names []string
		for _, e := range []ast.Expr{rs.Key, rs.Value} {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				names = append(names, id.Name)
			}
		}
		if len(names) > 0 {
			l.wrapTopLoop(rs, rs.Body, stack)
			l.ed.insert(l.off(rs.Body.Lbrace)+1, copyVars(l.id(), names))
		}
	}
}

// wrapTopLoop puts a loop at the top level of a REPL statement chunk into
// func() { ... }(): there yaegi v0.16.1 shares loop variables between
// closures even with per-iteration copies (measured: 333), and "i := i"
// in the body makes the loop spin forever. Inside a function the copies
// work.
func (l *lowering) wrapTopLoop(loop ast.Stmt, body *ast.BlockStmt, stack []ast.Node) {
	if !l.replTop || !l.captures(body) || len(stack) < 4 {
		return
	}
	start := ast.Node(loop)
	i := len(stack) - 2
	if ls, ok := stack[i].(*ast.LabeledStmt); ok && ls.Stmt == loop {
		start, i = ls, i-1
	}
	if i < 1 {
		return
	}
	blk, ok := stack[i].(*ast.BlockStmt)
	if !ok {
		return
	}
	if fd, ok := stack[i-1].(*ast.FuncDecl); !ok || fd.Name.Name != "main" || fd.Body != blk || fd.Recv != nil {
		return
	}
	// Not starting with "func": yaegi would take the chunk for declarations.
	l.ed.insert(l.off(start.Pos()), "{ func() { ")
	l.ed.insert(l.off(body.Rbrace)+1, " }() }")
}

func (l *lowering) enterFor(fs *ast.ForStmt, stack []ast.Node) {
	as, ok := fs.Init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || !l.captures(fs.Body) {
		return
	}
	l.wrapTopLoop(fs, fs.Body, stack)
	var names []string
	for _, e := range as.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		if assigned(fs.Body, id) {
			l.carryLoopVars(fs, as, stack)
			return
		}
		names = append(names, id.Name)
	}
	if len(names) > 0 {
		l.ed.insert(l.off(fs.Body.Lbrace)+1, copyVars(l.id(), names))
	}
}

// carryLoopVars gives a three-clause loop whose body assigns a loop
// variable Go 1.22's semantics: each iteration has its own variable,
// initialized from the previous iteration's value at its end. The body
// starts with a pointer to the loop's variable and a fresh copy under the
// user's name, and the copy is carried back through the pointer at the end
// of the body and before every continue of this loop (the header stays
// as written, so no identifier moves):
//
//	for i := 0; i < 6; i++ { if c { continue }; ... }
//	for i := 0; i < 6; i++ { _gk_c1_p0 := &i; _gk_c1_t0 := i; i := _gk_c1_t0; if c { { *_gk_c1_p0 = i; continue } }; ...; *_gk_c1_p0 = i }
func (l *lowering) carryLoopVars(fs *ast.ForStmt, init *ast.AssignStmt, stack []ast.Node) {
	id := l.id()
	var head, back []string
	for i, e := range init.Lhs {
		v, ok := e.(*ast.Ident)
		if !ok || v.Name == "_" {
			continue
		}
		p, t := "_gk_c"+id+"_p"+strconv.Itoa(i), "_gk_c"+id+"_t"+strconv.Itoa(i)
		head = append(head, p+" := &"+v.Name+"; "+t+" := "+v.Name+"; "+v.Name+" := "+t+";")
		back = append(back, "*"+p+" = "+v.Name+";")
	}
	carry := strings.Join(back, " ")
	l.ed.insert(l.off(fs.Body.Lbrace)+1, " "+strings.Join(head, " "))
	l.ed.insert(l.off(fs.Body.Rbrace), "; "+carry+" ")
	label := ""
	if len(stack) >= 2 {
		if ls, ok := stack[len(stack)-2].(*ast.LabeledStmt); ok && ls.Stmt == fs {
			label = ls.Label.Name
		}
	}
	var walk func(n ast.Node, depth int)
	walk = func(n ast.Node, depth int) {
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ForStmt, *ast.RangeStmt:
				if m != n {
					var body *ast.BlockStmt
					if f, ok := m.(*ast.ForStmt); ok {
						body = f.Body
					} else {
						body = m.(*ast.RangeStmt).Body
					}
					walk(body, depth+1)
					return false
				}
			case *ast.BranchStmt:
				if m.Tok == token.CONTINUE && (m.Label == nil && depth == 0 || m.Label != nil && m.Label.Name == label) {
					l.ed.insert(l.off(m.Pos()), "{ "+carry+" ")
					l.ed.insert(l.off(m.End()), " }")
				}
			}
			return true
		})
	}
	walk(fs.Body, 0)
}

// copyVars declares per-iteration copies of the loop variables through
// temporaries: yaegi mis-handles "v := v" in some positions.
func copyVars(id string, names []string) string {
	tmp := make([]string, len(names))
	for i := range names {
		tmp[i] = "_gk_l" + id + "_" + strconv.Itoa(i)
	}
	return " " + strings.Join(tmp, ", ") + " := " + strings.Join(names, ", ") + "; " + strings.Join(names, ", ") + " := " + strings.Join(tmp, ", ") + ";"
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// captures reports whether a loop body could observe the identity of its
// loop variables: closures, go/defer statements, taking an address or a
// method value of a method declared in the chunks (yaegi binds the
// variable). A defer whose arguments deferStmt copies into fresh variables
// does not.
func (l *lowering) captures(body *ast.BlockStmt) bool {
	found := false
	called := map[ast.Expr]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			called[n.Fun] = true
		case *ast.SelectorExpr:
			if !called[n] && len(l.methods[n.Sel.Name]) > 0 {
				found = true
			}
		case *ast.FuncLit, *ast.GoStmt:
			found = true
		case *ast.DeferStmt:
			found = !l.deferHoistable(n)
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigned reports whether the body assigns to the variable declared by id.
func assigned(body *ast.BlockStmt, id *ast.Ident) bool {
	same := func(e ast.Expr) bool {
		x, ok := unparen(e).(*ast.Ident)
		return ok && x.Name == id.Name && (x.Obj == id.Obj || x.Obj == nil)
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, e := range n.Lhs {
					if same(e) {
						found = true
					}
				}
			}
		case *ast.IncDecStmt:
			if same(n.X) {
				found = true
			}
		}
		return !found
	})
	return found
}

// ---- range over func ----

// enclosingFunc returns the innermost function around the top of stack.
func enclosingFunc(stack []ast.Node) (ast.Node, *ast.FuncType) {
	for i := len(stack) - 1; i >= 0; i-- {
		switch f := stack[i].(type) {
		case *ast.FuncLit:
			return f, f.Type
		case *ast.FuncDecl:
			return f, f.Type
		}
	}
	return nil, nil
}

func (l *lowering) tryRangeFunc(rs *ast.RangeStmt, stack []ast.Node) bool {
	arity := l.iterArity(rs.X)
	if arity < 0 {
		return false
	}
	nvars := 0
	if rs.Value != nil {
		nvars = 2
	} else if rs.Key != nil {
		nvars = 1
	}
	if nvars > arity {
		return false
	}
	if !l.oneLine(rs.For, rs.X.Pos()) || !l.oneLine(rs.X.End(), rs.Body.Lbrace) {
		return false
	}
	fn, ft := enclosingFunc(stack[:len(stack)-1])
	if fn == nil {
		return false
	}
	var results []string
	if ft.Results != nil {
		for _, fld := range ft.Results.List {
			t := l.typeText(fld.Type)
			if t == "" {
				return false
			}
			n := len(fld.Names)
			if n == 0 {
				n = 1
			}
			for i := 0; i < n; i++ {
				results = append(results, t)
			}
		}
	}
	// defer in the body would run when the yield closure returns instead of
	// when the function returns; leave such loops to yaegi's error.
	if hasDirect(rs.Body, func(n ast.Node) bool { _, ok := n.(*ast.DeferStmt); return ok }) ||
		hasDirect(rs.Body, func(n ast.Node) bool { b, ok := n.(*ast.BranchStmt); return ok && b.Tok == token.GOTO }) {
		return false
	}
	lp := &rfLoop{id: l.nextID + 1, rs: rs, arity: arity, fn: fn, results: results, seen: map[int]bool{}}
	l.nextID++
	if len(stack) >= 2 {
		if ls, ok := stack[len(stack)-2].(*ast.LabeledStmt); ok && ls.Stmt == rs {
			lp.label = ls
		}
	}
	l.rf[rs] = lp
	return true
}

// hasDirect reports whether pred holds for a node of body outside nested
// function literals.
func hasDirect(body ast.Node, pred func(ast.Node) bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if n != nil && pred(n) {
			found = true
		}
		return !found
	})
	return found
}

func (l *lowering) code(fn ast.Node, key string) int {
	if key == "return:" {
		return 1
	}
	m := l.codes[fn]
	if m == nil {
		m = map[string]int{}
		l.codes[fn] = m
	}
	if c, ok := m[key]; ok {
		return c
	}
	m[key] = len(m) + 2
	return m[key]
}

func isLoop(n ast.Node) bool {
	switch n.(type) {
	case *ast.ForStmt, *ast.RangeStmt:
		return true
	}
	return false
}

// jump rewrites a return, break or continue whose target lies outside the
// yield closure of one or more range-over-func loops being lowered.
func (l *lowering) jump(s ast.Stmt, stack []ast.Node) {
	kind, label := "return", ""
	if b, ok := s.(*ast.BranchStmt); ok {
		if b.Tok != token.BREAK && b.Tok != token.CONTINUE {
			return
		}
		kind = b.Tok.String()
		if b.Label != nil {
			label = b.Label.Name
		}
	}
	var crossed []*rfLoop
	var target ast.Node
	var fn ast.Node
	for i := len(stack) - 2; i >= 0 && target == nil; i-- {
		switch x := stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			if kind != "return" {
				return
			}
			target, fn = x, x
			continue
		case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if kind == "return" {
				break
			}
			if label == "" {
				if kind == "break" || isLoop(x) {
					target = x
					continue
				}
			} else if i > 0 {
				if ls, ok := stack[i-1].(*ast.LabeledStmt); ok && ls.Label.Name == label {
					target = x
					continue
				}
			}
		}
		if rs, ok := stack[i].(*ast.RangeStmt); ok && l.rf[rs] != nil {
			crossed = append(crossed, l.rf[rs])
		}
	}
	if target == nil {
		return
	}
	var targetRF *rfLoop
	if rs, ok := target.(*ast.RangeStmt); ok {
		targetRF = l.rf[rs]
	}
	direct := ""
	if targetRF != nil {
		direct = "return false"
		if kind == "continue" {
			direct = "return true"
		}
	}
	if len(crossed) == 0 {
		if targetRF != nil {
			l.ed.replace(l.off(s.Pos()), l.off(s.End()), "{ "+direct+" }")
		}
		return
	}
	if fn == nil {
		fn = crossed[len(crossed)-1].fn
	}
	code := l.code(fn, kind+":"+label)
	inner := crossed[0]
	outer := crossed[len(crossed)-1]
	setInner := "_gk_c" + strconv.Itoa(inner.id) + " = " + strconv.Itoa(code) + "; return false }"
	final := direct
	if kind == "return" {
		rs := s.(*ast.ReturnStmt)
		outer.resultVars = outer.resultVars || len(outer.results) > 0
		vars := make([]string, len(outer.results))
		for i := range vars {
			vars[i] = "_gk_r" + strconv.Itoa(outer.id) + "_" + strconv.Itoa(i)
		}
		final = "return " + strings.Join(vars, ", ")
		switch {
		case len(rs.Results) > 0:
			if !l.oneLine(rs.Return, rs.Return+6) {
				return
			}
			if len(rs.Results) == len(vars) && len(vars) > 1 {
				// One assignment per result: yaegi v0.16.1 fails on
				// "a, err = x, nil" ("reflect: New(nil)").
				for i := 1; i < len(rs.Results); i++ {
					c := bytes.IndexByte(l.src[l.off(rs.Results[i-1].End()):l.off(rs.Results[i].Pos())], ',')
					if c < 0 {
						return
					}
					at := l.off(rs.Results[i-1].End()) + c
					l.ed.replace(at, at+1, "; "+vars[i]+" =")
				}
				l.ed.replace(l.off(rs.Return), l.off(rs.Return)+6, "{ "+vars[0]+" =")
			} else {
				l.ed.replace(l.off(rs.Return), l.off(rs.Return)+6, "{ "+strings.Join(vars, ", ")+" =")
			}
			l.ed.insert(l.off(rs.End()), "; "+setInner)
		case len(vars) > 0:
			// Bare return with named results: snapshot them now.
			names := l.resultNames(fn)
			if len(names) != len(vars) {
				return
			}
			var set strings.Builder
			for i := range vars {
				set.WriteString(vars[i] + " = " + names[i] + "; ")
			}
			l.ed.replace(l.off(rs.Pos()), l.off(rs.End()), "{ "+set.String()+setInner)
		default:
			l.ed.replace(l.off(rs.Pos()), l.off(rs.End()), "{ "+setInner)
		}
	} else {
		if targetRF == nil {
			final = kind
			if label != "" {
				final += " " + label
			}
		}
		l.ed.replace(l.off(s.Pos()), l.off(s.End()), "{ "+setInner)
	}
	for j, c := range crossed {
		c.needCtl = true
		if c.seen[code] {
			continue
		}
		c.seen[code] = true
		action := final
		if j+1 < len(crossed) {
			action = "_gk_c" + strconv.Itoa(crossed[j+1].id) + " = " + strconv.Itoa(code) + "; return false"
		}
		c.dispatch = append(c.dispatch, "if _gk_c"+strconv.Itoa(c.id)+" == "+strconv.Itoa(code)+" { "+action+" }; ")
	}
}

func (l *lowering) resultNames(fn ast.Node) []string {
	var ft *ast.FuncType
	switch f := fn.(type) {
	case *ast.FuncDecl:
		ft = f.Type
	case *ast.FuncLit:
		ft = f.Type
	}
	var names []string
	if ft == nil || ft.Results == nil {
		return nil
	}
	for _, fld := range ft.Results.List {
		for _, n := range fld.Names {
			names = append(names, n.Name)
		}
	}
	return names
}

func (l *lowering) finishRangeFunc(lp *rfLoop, stack []ast.Node) {
	rs := lp.rs
	id := strconv.Itoa(lp.id)
	s := "_gk_s" + id
	if lp.label != nil {
		l.ed.replace(l.off(lp.label.Label.Pos()), l.off(lp.label.Colon)+1, "")
	}
	// yaegi infers the helpers' type parameters from a plain func type, not
	// from a compiled iterator's named type (iter.Seq[string]): convert.
	conv := compiledIterType(rs.X)
	if conv != "" {
		l.ed.replace(l.off(rs.For), l.off(rs.X.Pos()), "{ "+s+" := ("+conv+")(")
	} else {
		l.ed.replace(l.off(rs.For), l.off(rs.X.Pos()), "{ "+s+" := ")
	}
	var b strings.Builder
	if conv != "" {
		b.WriteString(")")
	}
	b.WriteString("; ")
	if lp.needCtl {
		b.WriteString("_gk_c" + id + " := 0; ")
	}
	if lp.resultVars {
		for i, t := range lp.results {
			fmt.Fprintf(&b, "var _gk_r%s_%d %s; ", id, i, t)
		}
	}
	bind := func(e ast.Expr, ptr string) {
		if e == nil || isBlank(e) {
			return
		}
		t := l.text(e)
		if rs.Tok == token.DEFINE {
			b.WriteString(" " + t + " := *" + ptr + "; _ = " + t + ";")
		} else {
			b.WriteString(" " + t + " = *" + ptr + ";")
		}
	}
	used := func(e ast.Expr) bool { return e != nil && !isBlank(e) }
	switch {
	case lp.arity == 0:
		l.helper("_gk_it0", helperIt0)
		b.WriteString("_gk_it0(" + s + ", func() bool {")
	case lp.arity == 1 && used(rs.Key):
		l.helper("_gk_iz1", helperIz1)
		l.helper("_gk_it1", helperIt1)
		p := "_gk_p" + id
		b.WriteString(p + " := _gk_iz1(" + s + "); _gk_it1(" + s + ", " + p + ", func() bool {")
		bind(rs.Key, p)
	case lp.arity == 1:
		l.helper("_gk_it1n", helperIt1n)
		b.WriteString("_gk_it1n(" + s + ", func() bool {")
	case used(rs.Key) || used(rs.Value):
		l.helper("_gk_iz2k", helperIz2k)
		l.helper("_gk_iz2v", helperIz2v)
		l.helper("_gk_it2", helperIt2)
		k, v := "_gk_k"+id, "_gk_v"+id
		b.WriteString(k + " := _gk_iz2k(" + s + "); " + v + " := _gk_iz2v(" + s + "); _gk_it2(" + s + ", " + k + ", " + v + ", func() bool {")
		bind(rs.Key, k)
		bind(rs.Value, v)
	default:
		l.helper("_gk_it2n", helperIt2n)
		b.WriteString("_gk_it2n(" + s + ", func() bool {")
	}
	l.ed.replace(l.off(rs.X.End()), l.off(rs.Body.Lbrace)+1, b.String())
	l.ed.replace(l.off(rs.Body.Rbrace), l.off(rs.Body.Rbrace)+1, "return true }); "+strings.Join(lp.dispatch, "")+"}")
}
