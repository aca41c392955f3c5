package goeval

import (
	"context"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gokernel/gokernel/internal/gotok"
	"github.com/gokernel/gokernel/internal/lower"
	"github.com/gokernel/gokernel/kernel"
)

// goKeywords are Go's keywords, from go/token, in token order.
func goKeywords() []string {
	var out []string
	for t := token.ILLEGAL; t <= token.TILDE; t++ { // TILDE is the last token
		if t.IsKeyword() {
			out = append(out, t.String())
		}
	}
	return out
}

// goBuiltinNames are the predeclared identifiers a cell can use (types,
// constants, nil and the builtin functions, min/max/clear included),
// sorted, from go/types' universe.
func goBuiltinNames() []string { return types.Universe.Names() }

func isKeyword(s string) bool { return token.IsKeyword(s) }

func isLetter(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isDigit(r rune) bool  { return unicode.IsDigit(r) }

// runeToByte converts a code-point offset (Jupyter's unit) into a byte offset of s.
func runeToByte(s string, cp int) int {
	if cp <= 0 {
		return 0
	}
	i := 0
	for n := 0; n < cp && i < len(s); n++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}

// byteToRune converts a byte offset of s into a code-point offset.
func byteToRune(s string, b int) int {
	if b > len(s) {
		b = len(s)
	}
	return utf8.RuneCountInString(s[:b])
}

// identStart returns the byte offset where the identifier ending at b starts.
func identStart(s string, b int) int {
	for b > 0 {
		r, w := utf8.DecodeLastRuneInString(s[:b])
		if !isLetter(r) && !isDigit(r) {
			break
		}
		b -= w
	}
	return b
}

// identEnd returns the byte offset where the identifier containing b ends.
func identEnd(s string, b int) int {
	for b < len(s) {
		r, w := utf8.DecodeRuneInString(s[b:])
		if !isLetter(r) && !isDigit(r) {
			break
		}
		b += w
	}
	return b
}

// importPaths returns the import paths of the packages cells can import, sorted.
func (e *Engine) importPaths() []string {
	keys := e.extraKeys()
	for k := range stdlib.Symbols {
		keys = append(keys, k)
	}
	for _, p := range lower.Packages() {
		keys = append(keys, p+"/"+defaultPkgName(p))
	}
	paths := make([]string, 0, len(keys))
	for _, k := range keys {
		if i := lastSlash(k); i > 0 {
			paths = append(paths, k[:i])
		}
	}
	sort.Strings(paths)
	return slices.Compact(paths)
}

// pkgName is the name an import of path binds without an alias.
func (e *Engine) pkgName(path string) string {
	for _, k := range e.extraKeys() {
		if i := lastSlash(k); i > 0 && k[:i] == path {
			return k[i+1:]
		}
	}
	return defaultPkgName(path)
}

// packagePath resolves a package name used in a cell to its import path:
// the cell's imports first, then a standard package of that name.
func (e *Engine) packagePath(name string) (string, bool) {
	e.mu.Lock()
	p, ok := e.aliases[name]
	e.mu.Unlock()
	if ok {
		return p, true
	}
	for _, k := range e.extraKeys() {
		if i := lastSlash(k); i > 0 && k[i+1:] == name {
			return k[:i], true
		}
	}
	if isSourcePackage(name) {
		return name, true // slices, maps, cmp, iter: path == name
	}
	for k := range stdlib.Symbols {
		if i := lastSlash(k); i > 0 && k[i+1:] == name {
			// Prefer the shortest path for ambiguous names (rand → math/rand).
			if !ok || len(k[:i]) < len(p) {
				p, ok = k[:i], true
			}
		}
	}
	return p, ok
}

// packageSymbols returns the exported symbols of an import path.
func (e *Engine) packageSymbols(path string) map[string]reflect.Value {
	t, _ := e.symbolTable(path + "/" + e.pkgName(path))
	return t
}

// Complete answers complete_request. cursorPos and the returned offsets are
// in Unicode code points.
func (e *Engine) Complete(ctx context.Context, code string, cursorPos int) (kernel.CompleteResult, error) {
	cur := runeToByte(code, cursorPos)
	start := identStart(code, cur)
	prefix := code[start:cur]
	res := kernel.CompleteResult{CursorStart: byteToRune(code, start), CursorEnd: byteToRune(code, cur), Metadata: map[string]any{}}

	if qs, ok := importStringStart(code, cur); ok {
		res.CursorStart = byteToRune(code, qs)
		p := code[qs:cur]
		var types []map[string]any
		for _, path := range e.importPaths() {
			if strings.HasPrefix(path, p) {
				res.Matches = append(res.Matches, path)
				types = append(types, map[string]any{"start": res.CursorStart, "end": res.CursorEnd, "text": path, "type": "module"})
			}
		}
		res.Metadata["_jupyter_types_experimental"] = types
		return res, nil
	}

	// Matches carry a kind for JupyterLab's _jupyter_types_experimental.
	type match struct{ text, kind string }
	var ms []match
	seen := map[string]bool{}
	add := func(s, kind string) {
		if strings.HasPrefix(s, prefix) && !seen[s] && !strings.HasPrefix(s, "gokernel") {
			seen[s] = true
			ms = append(ms, match{s, kind})
		}
	}
	finish := func(sorted bool) (kernel.CompleteResult, error) {
		if sorted {
			sort.Slice(ms, func(i, j int) bool { return ms[i].text < ms[j].text })
		}
		types := make([]map[string]any, len(ms))
		for i, m := range ms {
			res.Matches = append(res.Matches, m.text)
			types[i] = map[string]any{"start": res.CursorStart, "end": res.CursorEnd, "text": m.text, "type": m.kind}
		}
		res.Metadata["_jupyter_types_experimental"] = types
		return res, nil
	}
	if start > 0 && code[start-1] == '.' {
		xs := identStart(code, start-1)
		x := code[xs : start-1]
		if x == "" {
			return finish(true)
		}
		if v, ok := e.safeGlobals()[x]; ok {
			for _, m := range memberNames(v) {
				add(m, "property")
			}
		} else if path, ok := e.packagePath(x); ok {
			for name, sym := range e.packageSymbols(path) {
				if ast.IsExported(name) {
					add(name, symbolKind(sym))
				}
			}
			for name, m := range e.sourceMembers(path) {
				add(name, m.kind)
			}
		}
		return finish(true)
	}

	for name := range e.safeGlobals() {
		add(name, "variable")
	}
	e.mu.Lock()
	for name := range e.aliases {
		add(name, "module")
	}
	for name, sig := range e.decls() {
		kind := "function"
		if strings.HasPrefix(sig, "type ") {
			kind = "class"
		}
		add(name, kind)
	}
	e.mu.Unlock()
	for _, n := range cellIdents(code, start) {
		add(n, "text")
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].text < ms[j].text })
	for _, k := range goKeywords() {
		add(k, "keyword")
	}
	for _, b := range goBuiltinNames() {
		add(b, "function")
	}
	return finish(false)
}

// symbolKind classifies a package symbol for completion metadata.
func symbolKind(sym reflect.Value) string {
	switch {
	case sym.Kind() == reflect.Func:
		return "function"
	case sym.Kind() == reflect.Pointer && sym.IsNil():
		return "class" // types are exported as (*T)(nil)
	case sym.Kind() == reflect.Pointer:
		return "variable"
	}
	return "constant"
}

// decls returns the user's function and type declarations (name → signature).
// Callers hold e.mu.
func (e *Engine) decls() map[string]string {
	if e.declSigs == nil {
		e.declSigs = map[string]string{}
	}
	return e.declSigs
}

// cellIdents returns the identifiers of code (except the one being typed at
// skip), so names declared in the cell being edited complete too.
func cellIdents(code string, skip int) []string {
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(code))
	var s scanner.Scanner
	s.Init(f, []byte(code), func(token.Position, string) {}, 0)
	var out []string
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT && f.Offset(pos) != skip {
			out = append(out, lit)
		}
	}
}

// memberNames lists the exported fields and methods of a value (and of what
// it points to).
func memberNames(v reflect.Value) []string {
	var out []string
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			out = append(out, tt.Method(i).Name)
		}
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
		for i := 0; i < st.NumMethod(); i++ {
			out = append(out, st.Method(i).Name)
		}
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			if f := st.Field(i); f.IsExported() {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// importStringStart reports whether cur is inside the string of an import
// spec, and where that string's content starts.
func importStringStart(code string, cur int) (int, bool) {
	lineStart := strings.LastIndexByte(code[:cur], '\n') + 1
	line := code[lineStart:cur]
	q := strings.LastIndexByte(line, '"')
	if q < 0 || strings.Count(line, "\"")%2 == 0 {
		return 0, false
	}
	before := strings.TrimSpace(line[:q])
	inImport := strings.HasPrefix(before, "import")
	if !inImport {
		// Inside an import ( ... ) block: the last "import (" before the
		// line is not closed yet.
		head := code[:lineStart]
		if i := strings.LastIndex(head, "import ("); i >= 0 && !strings.Contains(head[i:], ")") {
			inImport = true
		}
	}
	if !inImport {
		return 0, false
	}
	return lineStart + q + 1, true
}

// Inspect answers inspect_request: the type and value of a user variable,
// the signature of a user function or type, or the signature and doc of a
// standard library symbol.
func (e *Engine) Inspect(ctx context.Context, code string, cursorPos, detailLevel int) (kernel.InspectResult, error) {
	cur := runeToByte(code, cursorPos)
	s, t := identStart(code, cur), identEnd(code, cur)
	if s == t && s > 0 {
		// Cursor right after an identifier followed by "(" or end: use the previous one.
		s, t = identStart(code, s-1), identEnd(code, s-1)
		if s == t {
			if cur > 0 && (code[cur-1] == '(' || code[cur-1] == ' ') {
				s = identStart(code, cur-1)
				t = cur - 1
			}
		}
	}
	name := code[s:t]
	if name == "" {
		return kernel.InspectResult{}, nil
	}
	var qual string
	if s > 0 && code[s-1] == '.' {
		qual = code[identStart(code, s-1) : s-1]
	}
	text, ok := e.describe(qual, name, detailLevel)
	if !ok {
		return kernel.InspectResult{}, nil
	}
	return kernel.InspectResult{Found: true, Data: kernel.MIMEBundle{"text/plain": text}}, nil
}

// describe returns the inspect text for name (qualified by qual, a package
// name or a variable, when not "").
func (e *Engine) describe(qual, name string, detail int) (string, bool) {
	globals := e.safeGlobals()
	if qual == "" {
		if v, ok := globals[name]; ok && v.IsValid() && v.CanInterface() {
			return fmt.Sprintf("%s: %T\n%s", name, v.Interface(), formatValue(v.Interface())), true
		}
		e.mu.Lock()
		sig, ok := e.decls()[name]
		path, isPkg := e.aliases[name]
		e.mu.Unlock()
		if ok {
			return sig, true
		}
		if isPkg {
			return fmt.Sprintf("package %s // import %q", name, path), true
		}
		if isKeyword(name) {
			return "Go keyword " + name, true
		}
		if types.Universe.Lookup(name) != nil {
			return "Go builtin " + name, true
		}
		return "", false
	}
	if v, ok := globals[qual]; ok && v.IsValid() {
		if m := v.MethodByName(name); m.IsValid() {
			return fmt.Sprintf("%s.%s: %s", qual, name, m.Type()), true
		}
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct {
			if f := v.FieldByName(name); f.IsValid() && f.CanInterface() {
				return fmt.Sprintf("%s.%s: %s\n%s", qual, name, f.Type(), formatValue(f.Interface())), true
			}
		}
		return "", false
	}
	path, ok := e.packagePath(qual)
	if !ok {
		return "", false
	}
	if m, ok := e.sourceMembers(path)[name]; ok {
		// Served as interpreted source: show its declaration (the API
		// cells get) with the standard library's doc when available.
		text := m.decl
		doc := m.doc
		if _, d, ok := e.sourceDoc(path, name); ok && d != "" {
			doc = d
		}
		if doc != "" {
			text += "\n\n" + doc
		}
		return text, true
	}
	sym, ok := e.packageSymbols(path)[name]
	if !ok {
		return "", false
	}
	pkg := e.pkgName(path)
	text := reflectSignature(pkg, name, sym)
	if decl, doc, ok := e.sourceDoc(path, name); ok {
		text = decl
		if doc != "" {
			text += "\n\n" + doc
		}
	}
	return text, true
}

// reflectSignature formats a standard-library symbol from its reflect value:
// functions as `func strings.Split(string, string) []string` (reflect has
// no parameter names), types by kind, variables and constants with their value.
func reflectSignature(pkg, name string, sym reflect.Value) string {
	full := pkg + "." + name
	t := sym.Type()
	switch {
	case t.Kind() == reflect.Func:
		s := t.String() // "func(string, string) []string"
		return "func " + full + strings.TrimPrefix(s, "func")
	case t.Kind() == reflect.Pointer && sym.IsNil():
		// Types are exported as (*T)(nil).
		return fmt.Sprintf("type %s %s", full, t.Elem().Kind())
	case t.Kind() == reflect.Pointer && sym.Elem().CanInterface():
		return fmt.Sprintf("var %s %s = %v", full, t.Elem(), sym.Elem().Interface())
	}
	if sym.CanInterface() {
		return fmt.Sprintf("const %s = %v", full, sym.Interface())
	}
	return full
}

// goroot finds the Go sources for documentation: $GOROOT, else `go env
// GOROOT` (runtime.GOROOT is deprecated: the build machine's root means
// nothing where the binary runs). The answer is cached; "" means none.
func (e *Engine) goroot() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gorootDir != nil {
		return *e.gorootDir
	}
	dir := os.Getenv("GOROOT")
	if dir == "" {
		if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
			dir = strings.TrimSpace(string(out))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "src")); dir != "" && err != nil {
		dir = ""
	}
	e.gorootDir = &dir
	return dir
}

// sourceDoc returns the declaration (without body) and doc comment of a
// package-level symbol of a standard library package.
func (e *Engine) sourceDoc(path, name string) (decl, text string, ok bool) {
	pd := e.pkgDoc(path)
	if pd == nil {
		return "", "", false
	}
	return docDecl(pd.fset, pd.doc, defaultPkgName(path), name)
}

// pkgDoc is go/doc's reading of one package's source.
type pkgDoc struct {
	path string
	fset *token.FileSet
	doc  *doc.Package
}

// maxPkgDocs bounds the packages whose reading is kept: inspecting names
// of one package in a row is the common case, and net/http's takes 2 MB.
const maxPkgDocs = 8

// pkgDoc returns go/doc's reading of the standard library package path
// from $GOROOT/src, of the files go/build selects for this platform (build
// tags and _GOOS suffixes respected, so os.PathListSeparator is ':' on
// Unix, not Plan 9's NUL); nil when there is no source. The packages read
// last are kept, newest first: reading net/http takes 30 ms.
func (e *Engine) pkgDoc(path string) *pkgDoc {
	e.mu.Lock()
	for i, pd := range e.docs {
		if pd.path == path {
			copy(e.docs[1:i+1], e.docs[:i])
			e.docs[0] = pd
			e.mu.Unlock()
			return pd
		}
	}
	e.mu.Unlock()
	root := e.goroot()
	if root == "" {
		return nil
	}
	ctxt := build.Default
	ctxt.GOROOT = root
	dir := filepath.Join(root, "src", filepath.FromSlash(path))
	bp, err := ctxt.ImportDir(dir, 0)
	if err != nil {
		return nil
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, fn := range append(bp.GoFiles, bp.CgoFiles...) {
		if f, err := parser.ParseFile(fset, filepath.Join(dir, fn), nil, parser.ParseComments|parser.SkipObjectResolution); err == nil {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil
	}
	// AllDecls keeps declarations whole (unexported struct fields too), as
	// the source shows them.
	dp, err := doc.NewFromFiles(fset, files, path, doc.AllDecls)
	if err != nil {
		return nil
	}
	pd := &pkgDoc{path: path, fset: fset, doc: dp}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.docs = append([]*pkgDoc{pd}, e.docs[:min(len(e.docs), maxPkgDocs-1)]...)
	return pd
}

// docDecl finds the package-level name in dp: its declaration as one
// spec (a function without body, named pkg.name) and its doc comment.
func docDecl(fset *token.FileSet, dp *doc.Package, pkg, name string) (decl, text string, ok bool) {
	show := func(node any) string {
		var b strings.Builder
		_ = printer.Fprint(&b, fset, node)
		return b.String()
	}
	// value finds name in const or var groups: the one spec is shown,
	// with its own doc or else the group's.
	value := func(vs []*doc.Value) (string, string, bool) {
		for _, v := range vs {
			for _, s := range v.Decl.Specs {
				s := s.(*ast.ValueSpec)
				if slices.ContainsFunc(s.Names, func(id *ast.Ident) bool { return id.Name == name }) {
					text := s.Doc.Text()
					if text == "" {
						text = v.Doc
					}
					// The doc is the text; printed in the declaration
					// it would split "const" from the name.
					one := *s
					one.Doc = nil
					return show(&ast.GenDecl{Tok: v.Decl.Tok, Specs: []ast.Spec{&one}}), text, true
				}
			}
		}
		return "", "", false
	}
	fn := func(fs []*doc.Func) (string, string, bool) {
		for _, f := range fs {
			if f.Name == name && f.Recv == "" {
				return show(&ast.FuncDecl{Name: ast.NewIdent(pkg + "." + name), Type: f.Decl.Type}), f.Doc, true
			}
		}
		return "", "", false
	}
	if decl, text, ok := fn(dp.Funcs); ok {
		return decl, text, true
	}
	if decl, text, ok := value(slices.Concat(dp.Consts, dp.Vars)); ok {
		return decl, text, true
	}
	// go/doc files constructors and typed constants and variables under
	// their type.
	for _, t := range dp.Types {
		if t.Name == name {
			for _, s := range t.Decl.Specs {
				if s.(*ast.TypeSpec).Name.Name == name {
					return show(&ast.GenDecl{Tok: token.TYPE, Specs: []ast.Spec{s}}), t.Doc, true
				}
			}
		}
		if decl, text, ok := fn(t.Funcs); ok {
			return decl, text, true
		}
		if decl, text, ok := value(slices.Concat(t.Consts, t.Vars)); ok {
			return decl, text, true
		}
	}
	return "", "", false
}

// IsComplete answers is_complete_request from the token stream: open
// brackets, a trailing operator or an unterminated raw string or comment
// need more input; other scanner errors cannot be fixed by more input.
func (e *Engine) IsComplete(ctx context.Context, code string) (kernel.IsCompleteResult, error) {
	sum := gotok.Scan(code)
	if sum.Unbalanced {
		return kernel.IsCompleteResult{Status: "invalid"}, nil
	}
	depth, last, errs := sum.Depth, sum.Last, sum.Errors
	for _, m := range errs {
		if m == "raw string literal not terminated" || m == "comment not terminated" {
			return kernel.IsCompleteResult{Status: "incomplete", Indent: ""}, nil
		}
	}
	if len(errs) > 0 {
		return kernel.IsCompleteResult{Status: "invalid"}, nil
	}
	if depth > 0 {
		return kernel.IsCompleteResult{Status: "incomplete", Indent: strings.Repeat("    ", depth)}, nil
	}
	if continues(last) {
		return kernel.IsCompleteResult{Status: "incomplete", Indent: "    "}, nil
	}
	return kernel.IsCompleteResult{Status: "complete"}, nil
}

// continues reports whether a line ending with tok must go on: binary
// operators, commas, dots, assignments and arrows.
func continues(tok token.Token) bool {
	switch tok {
	case token.COMMA, token.PERIOD, token.ARROW, token.DEFINE, token.ASSIGN, token.COLON:
		return true
	}
	return tok.IsOperator() && tok.Precedence() > 0 || (tok >= token.ADD_ASSIGN && tok <= token.AND_NOT_ASSIGN)
}
