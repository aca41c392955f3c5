package goeval

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"strings"

	"github.com/gokernel/gokernel/internal/lower"
)

// srcMember is an exported declaration of a package that cells import as
// interpreted Go source (lower.Stdlib: slices, maps, cmp, iter). Those
// packages have no compiled symbol table, so completion and inspection read
// their members from the source.
type srcMember struct {
	kind string // completion kind: "function", "class", "variable", "constant"
	decl string // declaration without body, qualified: func slices.Sort[E cmp.Ordered](x []E)
	doc  string // doc comment of the served source
}

// isSourcePackage reports whether path is served as source by lower.
func isSourcePackage(path string) bool {
	for _, p := range lower.Packages() {
		if p == path {
			return true
		}
	}
	return false
}

// sourceMembers returns the exported members of a package served as source
// by lower, or nil for any other path. The sources are parsed once per
// engine.
func (e *Engine) sourceMembers(path string) map[string]srcMember {
	if !isSourcePackage(path) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srcPkgs == nil {
		e.srcPkgs = map[string]map[string]srcMember{}
		for _, p := range lower.Packages() {
			e.srcPkgs[p] = parseSourceMembers(p)
		}
	}
	return e.srcPkgs[path]
}

// parseSourceMembers reads the exported declarations of one package of lower.Stdlib.
func parseSourceMembers(path string) map[string]srcMember {
	pkg := defaultPkgName(path)
	out := map[string]srcMember{}
	src, err := fs.ReadFile(lower.Stdlib(), "src/"+path+"/"+pkg+".go")
	if err != nil {
		return out
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, pkg+".go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return out
	}
	print := func(n ast.Node) string {
		var b strings.Builder
		_ = printer.Fprint(&b, fset, n)
		return b.String()
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil || !d.Name.IsExported() {
				continue
			}
			decl := print(&ast.FuncDecl{Name: ast.NewIdent(pkg + "." + d.Name.Name), Type: d.Type})
			out[d.Name.Name] = srcMember{kind: "function", decl: decl, doc: d.Doc.Text()}
		case *ast.GenDecl:
			kind := map[token.Token]string{token.TYPE: "class", token.VAR: "variable", token.CONST: "constant"}[d.Tok]
			for _, s := range d.Specs {
				var names []*ast.Ident
				doc := d.Doc
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = []*ast.Ident{s.Name}
					if s.Doc != nil {
						doc = s.Doc
					}
				case *ast.ValueSpec:
					names = s.Names
					if s.Doc != nil {
						doc = s.Doc
					}
				}
				for _, n := range names {
					if n.IsExported() {
						decl := print(&ast.GenDecl{Tok: d.Tok, Specs: []ast.Spec{s}})
						out[n.Name] = srcMember{kind: kind, decl: d.Tok.String() + " " + pkg + "." + strings.TrimPrefix(decl, d.Tok.String()+" "), doc: doc.Text()}
					}
				}
			}
		}
	}
	return out
}
