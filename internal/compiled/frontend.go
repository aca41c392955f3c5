package compiled

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// frontEnd is the typed session front-end: go/types over the latest
// compiled declaration of every name. It decides whether a cell can be
// compiled and rewrites it into a cell package.
type frontEnd struct {
	t *Tier

	mu      sync.Mutex // guards everything below
	fset    *token.FileSet
	std     types.Importer    // the standard library, from gc export data
	exports map[string]string // import path → export data file
	latest  map[string]*decl  // name → latest compiled declaration
	byObj   map[types.Object]*decl
	// opened maps the names of open whole cells to their sources, for
	// reopening (reopen.go).
	opened map[string]*openSrc
	seq    int
}

// decl is a package-level name a compiled cell declared.
type decl struct {
	obj   types.Object
	path  string // gkcells/cS
	alias string // import name in other cells: _gkS
	ref   string // what a use in another cell becomes: _gkS.Gk_f_fib
}

func newFrontEnd(t *Tier) *frontEnd {
	fe := &frontEnd{t: t, fset: token.NewFileSet(), exports: map[string]string{}, latest: map[string]*decl{}, byObj: map[types.Object]*decl{}, opened: map[string]*openSrc{}}
	fe.std = importer.ForCompiler(fe.fset, "gc", fe.lookup)
	return fe
}

// lookup opens the export data of a standard library package, asking the
// go command for its file the first time (`go list -export`).
func (fe *frontEnd) lookup(path string) (io.ReadCloser, error) {
	file, ok := fe.exports[path]
	if !ok {
		for p, f := range fe.listExports(context.Background(), []string{path}, false) {
			fe.exports[p] = f
		}
		if file, ok = fe.exports[path]; !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
	}
	return os.Open(file)
}

// listExports records the export data files of paths, compiled as plugin
// builds compile them (so the build cache entries are the ones go build
// -buildmode=plugin reuses), into a new map. nice lowers the go command's
// CPU priority (its compiler children inherit it).
func (fe *frontEnd) listExports(ctx context.Context, paths []string, nice bool) map[string]string {
	found := map[string]string{}
	args := append([]string{"list", "-buildmode=plugin"}, fe.t.tc.Flags...)
	// -deps: the archives of every package they need too, which a
	// statement cell's link takes (direct.go).
	args = append(args, "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}")
	args = append(args, paths...)
	cmd := fe.t.goCmd(ctx, fe.t.dir, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		fe.t.log.Debug("go list -export", "paths", paths, "err", err)
		return found
	}
	if nice {
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, 10)
	}
	if err := cmd.Wait(); err != nil {
		fe.t.log.Debug("go list -export", "paths", paths, "err", err)
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		p, f, ok := strings.Cut(sc.Text(), "\t")
		if ok && f != "" {
			found[p] = f
		}
	}
	return found
}

// prefetch records the export data files of paths in one go command,
// without holding fe.mu while it runs (cells keep being planned).
func (fe *frontEnd) prefetch(ctx context.Context, paths []string, nice bool) {
	found := fe.listExports(ctx, paths, nice)
	fe.mu.Lock()
	defer fe.mu.Unlock()
	for p, f := range found {
		fe.exports[p] = f
	}
}

// shadow forgets the compiled declarations of names.
func (fe *frontEnd) shadow(names []string) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	for _, n := range names {
		delete(fe.latest, n)
	}
	fe.forgetOpen(names)
}

// names lists the names whose latest declaration is compiled.
func (fe *frontEnd) names() []string {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	var out []string
	for n := range fe.latest {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Plan is a cell the front-end accepted: the sources of its cell package
// and plugin.
type Plan struct {
	seq                    int
	fname                  string // In[N]
	path, pkgName, dirName string
	alias                  string
	cellSrc, gkSrc         string
	mainSrc                string
	names                  []string
	pkg                    *types.Package
	// stmts: a statement cell, run once by Gk_run; defs are the names it
	// defines, handed to the interpreter.
	stmts bool
	defs  []string
	// lentVars are the interpreter's globals a statement cell uses
	// through pointers (Gk_bind).
	lentVars []string
	// defTypes are the Go types of a statement cell's defs, as source.
	defTypes map[string]string
	// exported maps a declared name to the forwarder other cells use.
	fwd map[string]string
	// whole: the cell is built as the plugin's main package (why: it
	// declares types, methods, generics, variables or untyped constants).
	// Its types are main.T to %T, as with go run; no later compiled cell
	// can import it, so its names are the interpreter's from then on.
	whole string
	// consts are the cell's untyped constants as Go declarations, run in
	// the interpreter after the import (a symbol table cannot carry an
	// untyped constant).
	consts []string
	// vars are the cell's package-level variables (whole cells).
	vars []string
	// open: a whole cell of types without func main (openCell), which a
	// later cell may reopen; code is the source it was planned from,
	// types its types.
	open  bool
	code  string
	types []string
	// reopened is the open cell this one reopens (its source is part of
	// code); redeclared are the names this cell declared itself.
	reopened   *openSrc
	redeclared map[string]bool
	// only maps a name the interpreter cannot get (a generic func or
	// type, a func taking interfaces or funcs) to why.
	only map[string]string
}

// Resolver maps a package name a cell uses without importing it to an
// import path (the session's imports, unambiguous standard library names).
type Resolver func(name string) (path string, ok bool)

// Plan checks whether the cell code (execution count n) can be compiled
// and returns its plan, or nil and the reason it is left to the
// interpreter. Nothing is recorded until Build succeeds.
func (t *Tier) Plan(n int, code string, resolve Resolver) (*Plan, string) {
	return t.plan(n, code, resolve, false)
}

// PlanRefused is Plan for a cell the interpreter refused to compile
// (nothing of it ran): a statement cell is then compiled without a loop
// too, since the interpreter's answer is an error (a standard library
// function yaegi lacks, a generic it cannot instantiate).
func (t *Tier) PlanRefused(n int, code string, resolve Resolver) (*Plan, string) {
	return t.plan(n, code, resolve, true)
}

func (t *Tier) plan(n int, code string, resolve Resolver, refused bool) (*Plan, string) {
	if !t.Enabled() {
		return nil, t.Reason()
	}
	// Only cells with a function or a loop can be compiled; the check
	// keeps parsing off the path of simple cells.
	if t.mode != Always && !refused && !strings.Contains(code, "func") && !strings.Contains(code, "for") && !t.mayBorrow(code) {
		return nil, "no function and no loop"
	}
	if why := t.full(); why != "" {
		return nil, why
	}
	return t.fe.plan(n, code, resolve, refused)
}

// goRecover starts the body of a function literal a compiled go statement
// runs: a panic in the goroutine is reported and the kernel keeps running,
// as for interpreted goroutines.
const goRecover = "defer gk_goPanic(); "

// stopCheck is inserted at every function entry and loop body. An
// interrupted goroutine exits (runtime.Goexit runs its deferred calls):
// a panic would kill the process when the goroutine was started by an
// interpreted go statement, whose recover the interpreter's stop skips.
// The panic never runs (gk_exit does not return): it tells gc that the
// check's branch ends there, so no value of the function has to be saved
// across the call on the hot path. With a plain call, fib(30) took 1.2-1.45x
// the time of an unchecked fib; with this form the same.
const stopCheck = "if Gk_stop.Load() { panic(gk_exit()) }; "

// gkExitSrc declares the function stopCheck calls.
const gkExitSrc = "// gk_exit ends an interrupted goroutine; it never returns.\nfunc gk_exit() interface{} { gkruntime.Goexit(); return nil }\n\n"

func (fe *frontEnd) plan(n int, code string, resolve Resolver, refused bool) (*Plan, string) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	seq := fe.seq + 1
	p := &Plan{seq: seq, path: fmt.Sprintf("%s/c%d", fe.t.module, seq), pkgName: fmt.Sprintf("cell%d", n), dirName: fmt.Sprintf("c%d", seq), alias: fmt.Sprintf("_gk%d", seq), fwd: map[string]string{}}
	header := "package " + p.pkgName + "\n"
	fname := fmt.Sprintf("In[%d]", n)
	p.fname = fname
	code = neutralizeBuildLines(code)
	f, err := parser.ParseFile(fe.fset, fname, header+code, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return fe.planStmts(p, n, code, resolve, refused)
	}
	if merged, src, why := fe.reopen(f, fname, code); why != "" {
		return nil, why
	} else if src != nil {
		p.reopened, p.redeclared = src, map[string]bool{}
		for _, d := range f.Decls {
			for _, k := range declKeys(d) {
				p.redeclared[k] = true
			}
		}
		code = merged
		if f, err = parser.ParseFile(fe.fset, fname, header+code, parser.ParseComments|parser.SkipObjectResolution); err != nil {
			return nil, "reopen: " + err.Error()
		}
	}
	p.code = code
	base := fe.fset.File(f.Pos()).Base() + len(header) // token.Pos of code[0]
	hasFunc, whole := false, ""
	declared := map[string]bool{}
	imported := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			switch d.Tok {
			case token.TYPE:
				whole = "declares a type"
				for _, s := range d.Specs {
					declared[s.(*ast.TypeSpec).Name.Name] = true
				}
			case token.IMPORT:
				for _, s := range d.Specs {
					is := s.(*ast.ImportSpec)
					path, _ := strconv.Unquote(is.Path.Value)
					if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") && !fe.t.hasPackage(path) || path == "C" || strings.HasPrefix(path, "gokernel/") {
						return nil, "imports " + path + ", which only the interpreter has"
					}
					name := path[strings.LastIndex(path, "/")+1:]
					if is.Name != nil {
						name = is.Name.Name
					}
					imported[name] = true
				}
			default:
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					if d.Tok == token.VAR {
						whole = "declares a package-level variable"
					} else if vs.Type == nil && (len(vs.Values) > 0 || d.Lparen.IsValid()) {
						whole = "declares a constant that may be untyped"
					}
					for _, id := range vs.Names {
						declared[id.Name] = true
					}
				}
			}
		case *ast.FuncDecl:
			if d.Body != nil {
				hasFunc = true
			}
			if d.Recv != nil {
				whole = "declares a method"
				continue
			}
			if d.Type.TypeParams != nil {
				whole = "declares a generic function"
			}
			if d.Name.Name != "init" {
				declared[d.Name.Name] = true
			}
		}
	}
	if !hasFunc && whole == "" && fe.t.mode != Always {
		return nil, "declares no function"
	}
	for _, name := range []string{"panic", "recover", "int", "string", "nil"} {
		if declared[name] {
			// The generated code of the cell package uses them.
			return nil, "declares the predeclared name " + name
		}
	}
	if declared["main"] && whole == "" {
		// A program: compiled as one package, so that its funcs may take
		// interfaces and funcs (only the interpreter's calls of them are
		// refused, see wholeSymbol).
		whole = "declares func main"
	}
	if refused && whole == "" {
		// The interpreter cannot run it: compiled as one package, its
		// funcs may take funcs and interfaces (the interpreter's calls
		// of those are refused clearly, as in a program cell).
		whole = "the interpreter refused it"
	}
	open := false
	// A reopening cell stays open even when the interpreter refused it
	// first (it does: the type is not its own).
	if whole != "" && fe.t.mode != Always && !declared["main"] && (!refused || p.reopened != nil) {
		// A whole cell's unexported fields and methods are out of the
		// interpreter's reach (reflect hides them) and a later cell
		// cannot add methods to its types: in auto mode a cell of types
		// without func main is compiled only when everything it declares
		// is in the open (openCell, after type-checking).
		if whole != "declares a type" && whole != "declares a method" && whole != "declares a package-level variable" && whole != "declares a constant that may be untyped" || !hasType(f) {
			return nil, whole + " and no func main (in auto mode only a program cell or a cell of types with exported fields and methods is compiled as a whole package)"
		}
		open = true
		p.open = true
	}
	if whole != "" {
		// The plugin's main package: reparsed with its own clause.
		header = "package main\n"
		p.whole = whole
		if f, err = parser.ParseFile(fe.fset, fname, header+code, parser.ParseComments|parser.SkipObjectResolution); err != nil {
			return nil, "reparse: " + err.Error()
		}
		base = fe.fset.File(f.Pos()).Base() + len(header)
	}
	reserved := ""
	ast.Inspect(f, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok && (strings.HasPrefix(id.Name, "Gk_") || strings.HasPrefix(id.Name, "gk_")) {
			reserved = id.Name
		}
		return reserved == ""
	})
	if reserved != "" {
		return nil, "uses the reserved name " + reserved
	}

	// Type-check against the latest compiled declarations; names the
	// session's imports or the standard library resolve are imported
	// (as the interpreter's auto-imports do).
	var pkg *types.Package
	var info *types.Info
	extraImports, why := checkAutoImport(func(imports []string) ([]error, string) {
		if len(imports) > 0 {
			// Imports are per file: the cell is parsed again with them
			// in its header.
			var b strings.Builder
			writeCellHeader(&b, header, nil, imports)
			hdr := b.String()
			var err error
			if f, err = parser.ParseFile(fe.fset, fname, hdr+code, parser.ParseComments|parser.SkipObjectResolution); err != nil {
				return nil, "auto-imports: " + err.Error()
			}
			base = fe.fset.File(f.Pos()).Base() + len(hdr)
		}
		pkgName := p.pkgName
		if p.whole != "" {
			pkgName = "main"
		}
		pkg = types.NewPackage(p.path, pkgName)
		for name, d := range fe.latest {
			if !declared[name] {
				pkg.Scope().Insert(d.obj)
			}
		}
		info = &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}, Types: map[ast.Expr]types.TypeAndValue{}}
		return fe.typeCheck(f, pkg, info), ""
	}, resolve, func(name string) bool { return imported[name] || declared[name] })
	if why != "" {
		return nil, why
	}

	exits := exitCalls(f, info)
	if why := untouched(fe.fset, info, exits); why != "" {
		return nil, why
	}

	// Declared objects: forwarders and the symbol table.
	type declObj struct {
		name string
		obj  types.Object
	}
	var objs []declObj
	for id, obj := range info.Defs {
		if obj == nil || obj.Parent() != pkg.Scope() || id.Name == "_" || id.Name == "init" {
			continue
		}
		objs = append(objs, declObj{id.Name, obj})
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].name < objs[j].name })
	var gk strings.Builder
	var syms strings.Builder
	if open {
		if why := openCell(f, info); why != "" {
			return nil, why
		}
	}
	for _, d := range objs {
		if p.whole != "" {
			if why := fe.wholeSymbol(p, d.name, d.obj, &syms); why != "" {
				return nil, why
			}
			if open && len(p.only) > 0 {
				return nil, "declares " + d.name + ", which the interpreter could not use from a compiled cell (" + p.only[d.name] + "), and no func main"
			}
			p.names = append(p.names, d.name)
			if _, ok := d.obj.(*types.TypeName); ok {
				p.types = append(p.types, d.name)
			}
			continue
		}
		switch o := d.obj.(type) {
		case *types.TypeName:
			return nil, "internal: a type outside a whole cell"
		case *types.Func:
			sig := o.Type().(*types.Signature)
			for i := 0; i < sig.Params().Len(); i++ {
				if pt := sig.Params().At(i).Type(); !closedType(pt, map[types.Type]bool{}) {
					return nil, "declares " + d.name + " with a parameter of type " + pt.String() + ", which could carry interpreted code into compiled code (funcs, interfaces)"
				}
			}
			for i := 0; i < sig.Results().Len(); i++ {
				if rt := sig.Results().At(i).Type(); !outSafe(rt) {
					return nil, "declares " + d.name + " with a result of type " + rt.String() + ", a func whose callers could pass interpreted code into compiled code"
				}
			}
			fw := "Gk_f_" + d.name
			fmt.Fprintf(&gk, "var %s = %s\n", fw, d.name)
			p.fwd[d.name] = p.alias + "." + fw
			fmt.Fprintf(&syms, "\t\t%q: %s,\n", d.name, d.name)
		case *types.Var:
			// A cell with package-level variables is a whole cell
			// (whole.go: interpreted uses go through pointers).
			return nil, "internal: a variable outside a whole cell"
		case *types.Const:
			fw := "Gk_c_" + d.name
			fmt.Fprintf(&gk, "const %s = %s\n", fw, d.name)
			p.fwd[d.name] = p.alias + "." + fw
			b, ok := o.Type().Underlying().(*types.Basic)
			if !ok {
				return nil, "declares a constant of an unusual type"
			}
			if b.Info()&types.IsUntyped != 0 {
				// yaegi v0.16.1 takes a dot-imported constant.Value for
				// a value of type constant.int64Val, not an untyped
				// constant, and a typed stand-in would change untyped
				// arithmetic silently (k/3*2.0): untyped constants stay
				// interpreted.
				return nil, "declares the untyped constant " + d.name + " (untyped constants stay in the interpreter in this stage)"
			}
			fmt.Fprintf(&syms, "\t\t%q: %s,\n", d.name, d.name)
		}
		p.names = append(p.names, d.name)
	}

	if refused && !p.open && p.whole != "" && !declared["main"] && hasType(f) && len(p.only) == 0 && openCell(f, info) == "" {
		// A type the interpreter could not declare (redefined), whose
		// fields and methods are all in the open: a later cell may add
		// methods to it as to an open cell's.
		p.open = true
	}
	rewritten, cells, ok := fe.rewrite(code, base, f, info, exits)
	if !ok {
		return nil, "internal: overlapping rewrites"
	}

	var cell strings.Builder
	writeCellHeader(&cell, header, cells, extraImports)
	fmt.Fprintf(&cell, "//line %s:1:1\n", fname)
	cell.WriteString(rewritten)
	cell.WriteString("\n")
	// The rewritten exits may have been the only uses of their imports.
	for _, use := range exitImportUses(exits) {
		cell.WriteString("var _ = " + use + "\n")
	}
	p.cellSrc = cell.String()

	var g strings.Builder
	g.WriteString(header)
	g.WriteString("\n// Generated by gokernel: the cell's stop flag, forwarders for later cells, symbol table for the interpreter.\n\n")
	// Only the helpers the cell uses, and their imports: every package
	// is linked into the plugin (fmt, log and os cost link time).
	goPanic := strings.Contains(p.cellSrc, "gk_goPanic")
	usesExit := strings.Contains(p.cellSrc, "gk_osExit") || strings.Contains(p.cellSrc, "gk_fatal")
	g.WriteString("import (\n\tgkruntime \"runtime\"\n\tgkatomic \"sync/atomic\"\n")
	if goPanic || usesExit {
		g.WriteString("\tgkfmt \"fmt\"\n")
	}
	if goPanic {
		g.WriteString("\tgkos \"os\"\n")
	}
	if usesExit {
		g.WriteString("\tgklog \"log\"\n")
	}
	g.WriteString(")\n\n")
	g.WriteString("// Gk_stop is set on interrupt; compiled code checks it at function entries and loop iterations.\nvar Gk_stop gkatomic.Bool\n\n")
	g.WriteString(gkExitSrc)
	if goPanic {
		g.WriteString(goPanicSrc)
	}
	if usesExit {
		g.WriteString(exitHelperSrc + "\n")
	}
	g.WriteString(gk.String())
	// Plain values, not reflect.Values: the plugin then needs no reflect
	// (every package it imports is linked into it); the kernel makes the
	// table yaegi takes (symbolTable).
	fmt.Fprintf(&g, "\n// Gk_symbols is the cell's symbol table: names to values; a name after a NUL is a variable, given by its address.\nvar Gk_symbols = map[string]map[string]interface{}{\n\t%q: {\n%s\t},\n}\n", p.path+"/"+p.pkgName, syms.String())
	if p.whole != "" {
		// The cell is the plugin: the kernel looks these up in it.
		g.WriteString("\n// Gk_stopRef is what the kernel looks up to set Gk_stop.\nvar Gk_stopRef = &Gk_stop\n")
		p.gkSrc = g.String()
		p.pkg = pkg
		return p, ""
	}
	p.gkSrc = g.String()
	p.mainSrc = fmt.Sprintf("package main\n\nimport c %q\n\n// Symbols and Stop are what the kernel looks up.\nvar (\n\tSymbols = c.Gk_symbols\n\tStop    = &c.Gk_stop\n)\n", p.path)
	p.pkg = pkg
	return p, ""
}

// commit records a built cell's declarations as the latest (syms: its
// symbol table).
func (fe *frontEnd) commit(p *Plan, syms map[string]map[string]reflect.Value) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	fe.seq = max(fe.seq, p.seq)
	if p.whole != "" {
		fe.recordOpen(p, syms)
		// No later compiled cell can import a main package.
		for _, name := range p.names {
			delete(fe.latest, name)
		}
		return
	}
	for _, name := range p.names {
		obj := p.pkg.Scope().Lookup(name)
		if obj == nil {
			continue
		}
		d := &decl{obj: obj, path: p.path, alias: p.alias, ref: p.fwd[name]}
		fe.latest[name] = d
		fe.byObj[obj] = d
	}
}

// closedType reports whether values of t can hold no interpreted code: no
// funcs, interfaces or unsafe pointers anywhere inside (unexported fields
// included). Interpreted funcs and interpreted types' methods reach
// compiled code only through such values, and there they differ from Go:
// a panic in an interpreted closure called from compiled code surfaces as
// reflect's panic ("reflect: slice index out of range" for an index out of
// range), and fmt in compiled code does not see an interpreted type's
// String method. Compiled functions take only closed parameters; values
// flowing out (results) are safe.
func closedType(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return true
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() != types.UnsafePointer
	case *types.Pointer:
		return closedType(u.Elem(), seen)
	case *types.Slice:
		return closedType(u.Elem(), seen)
	case *types.Array:
		return closedType(u.Elem(), seen)
	case *types.Map:
		return closedType(u.Key(), seen) && closedType(u.Elem(), seen)
	case *types.Chan:
		return closedType(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if !closedType(u.Field(i).Type(), seen) {
				return false
			}
		}
		return true
	}
	return false // funcs, interfaces, type parameters
}

// outSafe reports whether a result of type t keeps interpreted code out
// of compiled code: a func result must itself take only closed parameters
// (its callers are interpreted cells).
func outSafe(t types.Type) bool { return outSafeSeen(t, map[types.Type]bool{}) }

// outSafeSeen is outSafe through the types seen so far (a func type can
// return itself: type F func() F).
func outSafeSeen(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return true
	}
	seen[t] = true
	sig, ok := t.Underlying().(*types.Signature)
	if !ok {
		return true
	}
	for i := 0; i < sig.Params().Len(); i++ {
		if !closedType(sig.Params().At(i).Type(), map[types.Type]bool{}) {
			return false
		}
	}
	for i := 0; i < sig.Results().Len(); i++ {
		if !outSafeSeen(sig.Results().At(i).Type(), seen) {
			return false
		}
	}
	return true
}

// untouchable are the standard library objects a compiled cell may not
// use, with the reason; such cells are interpreted.
var untouchable = map[string]string{
	"os.Stdin":                  "input requests go through the interpreter",
	"os.Exit":                   "it would end the interpreter process",
	"syscall.Exit":              "it would end the interpreter process",
	"log.Fatal":                 "it would end the interpreter process",
	"log.Fatalf":                "it would end the interpreter process",
	"log.Fatalln":               "it would end the interpreter process",
	"log.*Logger.Fatal":         "it would end the interpreter process",
	"log.*Logger.Fatalf":        "it would end the interpreter process",
	"log.*Logger.Fatalln":       "it would end the interpreter process",
	"runtime.Goexit":            "it would end the interpreter's goroutine",
	"os/signal.Notify":          "the kernel's signals are not the cell's",
	"syscall.Kill":              "it could signal the interpreter process",
	"os.*Process.Kill":          "it could kill the interpreter process",
	"os.*Process.Signal":        "it could signal the interpreter process",
	"runtime/debug.SetMaxStack": "it changes the interpreter process",
}

// edit replaces code[off:end] with text.
type edit struct {
	off, end int
	text     string
}

// rewrite applies the front-end's edits to code (whose first byte is at
// token.Pos base in f): uses of earlier compiled cells' names become
// references to their forwarders, and function entries and loop bodies
// check the stop flag. It returns the text and the cell packages it
// references (path → import name).
func (fe *frontEnd) rewrite(code string, base int, f *ast.File, info *types.Info, exits map[*ast.Ident]exitCall, extra ...edit) (string, map[string]string, bool) {
	edits := append([]edit(nil), extra...)
	for _, c := range exits {
		// The selector os.Exit (or log.Fatalf, ...) becomes the helper.
		edits = append(edits, edit{int(c.sel.Pos()) - base, int(c.sel.End()) - base, c.helper})
	}
	cells := map[string]string{} // path → alias
	for id, obj := range info.Uses {
		d, ok := fe.byObj[obj]
		if !ok {
			continue
		}
		off := int(id.Pos()) - base
		edits = append(edits, edit{off, off + len(id.Name), d.ref})
		cells[d.path] = d.alias
	}
	ast.Inspect(f, func(x ast.Node) bool {
		var body *ast.BlockStmt
		switch x := x.(type) {
		case *ast.GoStmt:
			// Before the literal's stop check (same offset, stable sort).
			if lit, ok := x.Call.Fun.(*ast.FuncLit); ok {
				if off := int(lit.Body.Lbrace) - base + 1; off > 0 && off <= len(code) {
					edits = append(edits, edit{off, off, goRecover})
				}
			}
		case *ast.FuncDecl:
			body = x.Body
		case *ast.FuncLit:
			body = x.Body
		case *ast.ForStmt:
			body = x.Body
		case *ast.RangeStmt:
			body = x.Body
		}
		if body != nil {
			if off := int(body.Lbrace) - base + 1; off > 0 && off <= len(code) {
				edits = append(edits, edit{off, off, stopCheck})
			}
		}
		return true
	})
	edits, ok := goStmts(code, base, f, info, edits)
	if !ok {
		return "", nil, false
	}
	text, ok := applyEdits(code, 0, len(code), edits)
	return text, cells, ok
}

// applyEdits returns code[off:end] with the edits (all inside it) applied.
func applyEdits(code string, off, end int, edits []edit) (string, bool) {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].off < edits[j].off })
	var out strings.Builder
	last := off
	for _, e := range edits {
		if e.off < last || e.end > end {
			return "", false
		}
		out.WriteString(code[last:e.off])
		out.WriteString(e.text)
		last = e.end
	}
	out.WriteString(code[last:end])
	return out.String(), true
}

// untouched says why a cell uses an object compiled code must not touch
// ("" when it uses none). The process's stdin is not the front end's
// (input requests go through the interpreter), and exits would end the
// interpreter process (the interpreter contains them).
func untouched(fset *token.FileSet, info *types.Info, exits map[*ast.Ident]exitCall) string {
	for id, obj := range info.Uses {
		if obj == nil || obj.Pkg() == nil {
			continue
		}
		if _, ok := exits[id]; ok {
			continue // called, and rewritten to a contained exit
		}
		key := obj.Pkg().Path() + "." + obj.Name()
		if fn, ok := obj.(*types.Func); ok {
			if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
				key = obj.Pkg().Path() + "." + types.TypeString(recv.Type(), func(*types.Package) string { return "" }) + "." + obj.Name()
			}
		}
		if why, bad := untouchable[key]; bad {
			return fmt.Sprintf("uses %s at %s (%s)", id.Name, fset.Position(id.Pos()), why)
		}
	}
	return ""
}

// burn retires p's package path after a failed load: a plugin path that
// plugin.Open saw cannot be opened again.
func (fe *frontEnd) burn(p *Plan) {
	fe.mu.Lock()
	defer fe.mu.Unlock()
	fe.seq = max(fe.seq, p.seq)
}

// goPanicSrc declares gk_goPanic, which reports a panic of a goroutine the
// cell started instead of ending the process.
const goPanicSrc = "// gk_goPanic reports a panic of a goroutine the cell started instead of ending the process.\nfunc gk_goPanic() {\n\tif r := recover(); r != nil {\n\t\tgkfmt.Fprintf(gkos.Stderr, \"panic in goroutine: %v\\n[the goroutine stopped; the kernel keeps running]\\n\", r)\n\t}\n}\n\n"

// typeCheck type-checks the cell file f as package pkg, recording into
// info, and returns all its errors (not only the first).
func (fe *frontEnd) typeCheck(f *ast.File, pkg *types.Package, info *types.Info) []error {
	var errs []error
	conf := types.Config{Importer: fe.std, GoVersion: "go" + langVersion(fe.t.tc.Version), Error: func(err error) { errs = append(errs, err) }}
	_ = types.NewChecker(&conf, fe.fset, pkg, info).Files([]*ast.File{f})
	return errs
}

// checkAutoImport type-checks a cell with check (given the extra imports
// of its header) and, when names the check reports undefined are packages
// resolve knows, once more with those imported, as the interpreter's
// auto-imports do; skip tells the names the cell declares or imports
// itself, which are no package. It returns the extra imports of the
// passing check, or why the cell cannot be compiled.
func checkAutoImport(check func(imports []string) (errs []error, why string), resolve Resolver, skip func(name string) bool) ([]string, string) {
	errs, why := check(nil)
	if why != "" || len(errs) == 0 {
		return nil, why
	}
	var imports []string
	if resolve != nil {
		added := map[string]bool{}
		for _, err := range errs {
			te, ok := err.(types.Error)
			if !ok {
				continue
			}
			name, ok := strings.CutPrefix(te.Msg, "undefined: ")
			if !ok || added[name] || skip(name) {
				continue
			}
			if path, ok := resolve(name); ok {
				imports = append(imports, path)
				added[name] = true
			}
		}
	}
	if len(imports) > 0 {
		if errs, why = check(imports); why != "" || len(errs) == 0 {
			return imports, why
		}
	}
	return nil, "does not type-check against the compiled declarations: " + errs[0].Error()
}

// writeCellHeader writes a cell package's package clause (header) and its
// imports: the earlier cells' packages it uses, by their local names, in
// path order, then the extra imports.
func writeCellHeader(b *strings.Builder, header string, cells map[string]string, extraImports []string) {
	b.WriteString(header)
	for _, path := range slices.Sorted(maps.Keys(cells)) {
		fmt.Fprintf(b, "import %s %q\n", cells[path], path)
	}
	for _, path := range extraImports {
		fmt.Fprintf(b, "import %q\n", path)
	}
}
