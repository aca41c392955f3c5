package compiled

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// An open whole cell (openCell) is its plugin's main package, and Go adds
// methods to a type only in the type's package: a later cell that declares
// a method of one of its types (a String method after the type, a
// corrected method) reopens the cell. The cell is built again as a new
// plugin, from its source with the later cell's declarations added (those
// they redeclare left out), and its names are the new plugin's from then
// on. Its package-level variables keep their values (Build copies them
// from the earlier plugin); values of its types made before keep the
// earlier types, which the engine converts or names (goeval/reopen.go).

// openSrc is the source of an open whole cell, for reopening it.
type openSrc struct {
	fname string   // its cell, In[N]: where its lines are
	code  string   // the cell as planned: a reopened cell's merged source
	names []string // the names it declared
	vars  []string // its package-level variables
	types []string // its types
	// syms is its plugin's symbol table: the variables' pointers
	// (Gk_p_x), from which a reopened cell's variables are copied.
	syms map[string]reflect.Value
}

// reopenHeader is the file header a cell is parsed with for reopening:
// the //line directive makes every position the cell's own.
func reopenHeader(fname string) string { return "package main\n//line " + fname + ":1:1\n" }

// reopen returns the merged source of the open whole cell whose types the
// declaration cell f (source code, cell fname) adds methods to, and that
// cell; "" and nil when f adds no method to such a type; a reason when it
// does but cannot reopen it.
func (fe *frontEnd) reopen(f *ast.File, fname, code string) (string, *openSrc, string) {
	if len(fe.opened) == 0 {
		return "", nil, ""
	}
	ownTypes := map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				ownTypes[s.(*ast.TypeSpec).Name.Name] = true
			}
		}
	}
	var src *openSrc
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil {
			continue
		}
		r := recvBase(fd)
		s := fe.opened[r]
		if s == nil || ownTypes[r] {
			continue
		}
		if src != nil && src != s {
			return "", nil, "adds methods to the types of two compiled cells"
		}
		src = s
	}
	if src == nil {
		return "", nil, ""
	}

	fset := token.NewFileSet()
	nf, err := parser.ParseFile(fset, "", reopenHeader(fname)+code, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", nil, "reopen: " + err.Error()
	}
	of, err := parser.ParseFile(fset, "", reopenHeader(src.fname)+src.code, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return "", nil, "reopen: the earlier cell: " + err.Error()
	}
	redeclared := map[string]bool{}
	for _, d := range nf.Decls {
		for _, k := range declKeys(d) {
			redeclared[k] = true
		}
	}

	// Imports are per file and must come first: the two cells' imports
	// become one block.
	imports := map[string]string{} // name (or _path) → spec
	var order []string
	for _, file := range []*ast.File{of, nf} {
		for _, is := range file.Imports {
			path, _ := strconv.Unquote(is.Path.Value)
			name, spec := path[strings.LastIndex(path, "/")+1:], strconv.Quote(path)
			if is.Name != nil {
				name, spec = is.Name.Name, is.Name.Name+" "+spec
			}
			if name == "_" || name == "." {
				name = name + path
			}
			if old, ok := imports[name]; ok {
				if old != spec {
					return "", nil, "imports " + spec + " where the compiled cell it adds methods to imports " + old
				}
				continue
			}
			imports[name] = spec
			order = append(order, name)
		}
	}
	var b strings.Builder
	if len(order) > 0 {
		b.WriteString("import (\n")
		for _, name := range order {
			b.WriteString("\t" + imports[name] + "\n")
		}
		b.WriteString(")\n")
	}

	// The earlier cell, without what the new one declares again.
	old := []byte(reopenHeader(src.fname) + src.code)
	for _, d := range of.Decls {
		g, isGen := d.(*ast.GenDecl)
		if isGen && g.Tok == token.IMPORT {
			continue
		}
		keys := declKeys(d)
		hit := 0
		for _, k := range keys {
			if redeclared[k] {
				hit++
			}
		}
		if hit == 0 {
			continue
		}
		if !isGen {
			blank(old, fset.Position(declStart(d)).Offset, fset.Position(d.End()).Offset)
			continue
		}
		whole := len(g.Specs) == 1 && !g.Lparen.IsValid()
		for _, s := range g.Specs {
			sk := specKeys(s)
			n := 0
			for _, k := range sk {
				if redeclared[k] {
					n++
				}
			}
			switch {
			case n == 0:
			case n < len(sk):
				return "", nil, "declares again only some of the names " + strings.Join(sk, ", ") + " of one declaration in the compiled cell it adds methods to"
			case whole:
				blank(old, fset.Position(declStart(d)).Offset, fset.Position(d.End()).Offset)
			default:
				blank(old, fset.Position(s.Pos()).Offset, fset.Position(s.End()).Offset)
			}
		}
	}
	writeRest(&b, fset, of, old)
	writeRest(&b, fset, nf, []byte(reopenHeader(fname)+code))
	return b.String(), src, ""
}

// writeRest writes a parsed cell's declarations after its imports, from
// the line of the first one, under a //line directive naming where they
// come from.
func writeRest(b *strings.Builder, fset *token.FileSet, f *ast.File, text []byte) {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		// From the declaration itself: the parser takes the header's
		// //line directive for a first declaration's doc comment.
		pos := fset.Position(d.Pos())
		start := pos.Offset - (pos.Column - 1)
		fmt.Fprintf(b, "//line %s:%d:1\n", pos.Filename, pos.Line)
		b.Write(text[start:])
		b.WriteString("\n")
		return
	}
}

// declStart is where a declaration's text begins, its doc comment
// included.
func declStart(d ast.Decl) token.Pos {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Doc != nil {
			return d.Doc.Pos()
		}
	case *ast.GenDecl:
		if d.Doc != nil {
			return d.Doc.Pos()
		}
	}
	return d.Pos()
}

// blank replaces text[from:to] with spaces, newlines kept (positions after
// it stay the same).
func blank(text []byte, from, to int) {
	for i := from; i < to && i < len(text); i++ {
		if text[i] != '\n' {
			text[i] = ' '
		}
	}
}

// declKeys are the names a declaration declares: T.M for a method.
func declKeys(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil {
			return []string{recvBase(d) + "." + d.Name.Name}
		}
		if d.Name.Name == "init" || d.Name.Name == "_" {
			return nil
		}
		return []string{d.Name.Name}
	case *ast.GenDecl:
		if d.Tok == token.IMPORT {
			return nil
		}
		var out []string
		for _, s := range d.Specs {
			out = append(out, specKeys(s)...)
		}
		return out
	}
	return nil
}

// specKeys are the names a type or value spec declares ("_" left out).
func specKeys(s ast.Spec) []string {
	var out []string
	switch s := s.(type) {
	case *ast.TypeSpec:
		out = append(out, s.Name.Name)
	case *ast.ValueSpec:
		for _, id := range s.Names {
			if id.Name != "_" {
				out = append(out, id.Name)
			}
		}
	}
	return out
}

// recvBase is the name of a method's receiver type (T for *T, T[K]).
func recvBase(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	x := fd.Recv.List[0].Type
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// recordOpen records a built open whole cell as the latest source of its
// names, and forgets earlier open cells' claims on them.
func (fe *frontEnd) recordOpen(p *Plan, syms map[string]map[string]reflect.Value) {
	// An open cell whose name a whole cell declared again cannot be
	// reopened (its version would come back); a reopening cell declares
	// every name of the cell it reopens.
	fe.forgetOpen(p.names)
	if !p.open {
		return
	}
	s := &openSrc{fname: p.fname, code: p.code, names: p.names, vars: p.vars, types: p.types}
	for _, m := range syms {
		s.syms = m
	}
	for _, name := range p.names {
		fe.opened[name] = s
	}
}

// forgetOpen drops the open cells that declared names an interpreted cell
// declared again: reopening one would bring its version back.
func (fe *frontEnd) forgetOpen(names []string) {
	for _, n := range names {
		s := fe.opened[n]
		if s == nil {
			continue
		}
		for name, s2 := range fe.opened {
			if s2 == s {
				delete(fe.opened, name)
			}
		}
	}
}

// migrateVars copies the variables of the cell p reopened from its earlier
// plugin into the new one (syms), so that reopening keeps their values;
// it returns a note for each that could not be copied.
func migrateVars(p *Plan, syms map[string]map[string]reflect.Value) []string {
	if p.reopened == nil {
		return nil
	}
	var now map[string]reflect.Value
	for _, m := range syms {
		now = m
	}
	var notes []string
	for _, v := range p.reopened.vars {
		if p.redeclared[v] {
			continue
		}
		from, ok1 := p.reopened.syms["Gk_p_"+v]
		to, ok2 := now["Gk_p_"+v]
		if !ok1 || !ok2 {
			continue
		}
		src, dst := from.Elem(), to.Elem()
		switch {
		case src.Type() == dst.Type():
			dst.Set(src)
		case src.Type().ConvertibleTo(dst.Type()):
			dst.Set(src.Convert(dst.Type()))
		default:
			notes = append(notes, fmt.Sprintf("the variable %s was declared again from its initializer: its earlier value (of type %s) cannot be converted to the reopened %s", v, src.Type(), dst.Type()))
		}
	}
	sort.Strings(notes)
	return notes
}

// A ReopenedType is a type of a reopened cell: values of Old, made before,
// are not values of New, its type from then on.
type ReopenedType struct {
	Name     string
	Old, New reflect.Type
}

// reopenedTypes pairs the types of the cell p reopened with their new
// versions (syms: the new plugin's symbol table); a type p declared again
// itself is new, not reopened.
func reopenedTypes(p *Plan, syms map[string]map[string]reflect.Value) []ReopenedType {
	if p.reopened == nil {
		return nil
	}
	var now map[string]reflect.Value
	for _, m := range syms {
		now = m
	}
	var out []ReopenedType
	for _, name := range p.reopened.types {
		o, ok1 := p.reopened.syms[name]
		n, ok2 := now[name]
		if !ok1 || !ok2 || p.redeclared[name] || o.Kind() != reflect.Pointer || n.Kind() != reflect.Pointer {
			continue
		}
		out = append(out, ReopenedType{Name: name, Old: o.Type().Elem(), New: n.Type().Elem()})
	}
	return out
}
