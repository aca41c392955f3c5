package goeval

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// Restore is what a new interpreter process replays of a cell after the
// old one died: the cell's declarations, without its statements (which
// would run their side effects again).
type Restore struct {
	// Source holds the cell's imports, types, funcs, methods and consts,
	// and its typed variables as zero-valued declarations; "" when it
	// declares none of them.
	Source string
	// Declared names what Source declares ("import fmt", "type T",
	// "func f", "method T.M", "const k", "var v").
	Declared []string
	// Lost names the variables whose values the crash loses: the cell's
	// package-level variables and top-level := definitions.
	Lost []string
}

// RestoreOf reads a cell's declarations for Restore. Magic and shell cells
// (%, !) and cells that do not split have none.
func RestoreOf(code string) Restore {
	var r Restore
	if t := strings.TrimSpace(code); t == "" || t[0] == '%' || t[0] == '!' {
		return r
	}
	// The supervisor reads every successful cell on the execute path:
	// cells with nothing to declare are not parsed.
	declares := false
	for _, kw := range []string{"import", "type", "func", "const", "var", ":=", "package"} {
		if strings.Contains(code, kw) {
			declares = true
			break
		}
	}
	if !declares {
		return r
	}
	code, _, err := programCell(code)
	if err != nil {
		return r
	}
	runs, err := splitCell(code)
	if err != nil {
		return r
	}
	var src strings.Builder
	for _, run := range runs {
		text := code[run.start:run.end]
		if run.kind != declItem {
			r.Lost = append(r.Lost, topLevelDefines(text)...)
			continue
		}
		const header = "package p;"
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", header+text, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		slice := func(n ast.Node) string {
			return (header + text)[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset]
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name == "init" {
					continue // it ran once, for variables the crash lost
				}
				src.WriteString(slice(d) + "\n")
				if recv := recvTypeName(d); recv != "" {
					r.Declared = append(r.Declared, "method "+recv+"."+d.Name.Name)
				} else {
					r.Declared = append(r.Declared, "func "+d.Name.Name)
				}
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					src.WriteString(slice(d) + "\n")
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.ImportSpec:
							r.Declared = append(r.Declared, "import "+s.Path.Value)
						case *ast.TypeSpec:
							r.Declared = append(r.Declared, "type "+s.Name.Name)
						case *ast.ValueSpec:
							for _, id := range s.Names {
								r.Declared = append(r.Declared, "const "+id.Name)
							}
						}
					}
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					for _, id := range vs.Names {
						if id.Name != "_" {
							r.Lost = append(r.Lost, id.Name)
						}
					}
					if vs.Type == nil {
						continue // its type is its initializer's: not replayed
					}
					names := make([]string, len(vs.Names))
					for i, id := range vs.Names {
						names[i] = id.Name
					}
					src.WriteString("var " + strings.Join(names, ", ") + " " + slice(vs.Type) + "\n")
					for _, n := range names {
						r.Declared = append(r.Declared, "var "+n)
					}
				}
			}
		}
	}
	r.Source = src.String()
	return r
}

// topLevelDefines are the names a statement run defines with := or var at
// its top level.
func topLevelDefines(text string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p; func _() {"+text+"\n}", parser.SkipObjectResolution)
	if err != nil || len(f.Decls) == 0 {
		return nil
	}
	var out []string
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
						out = append(out, id.Name)
					}
				}
			}
		case *ast.DeclStmt:
			if g, ok := st.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
				out = appendSpecNames(out, g)
			}
		}
	}
	return out
}
