package goeval

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// declRun is one declaration run of a cell, parsed: crash restore,
// redefinition rebinding and lending all read a cell's top-level
// declarations from these.
type declRun struct {
	file *ast.File
	fset *token.FileSet
	src  string // the parsed text (a package clause, then the run)
	line int    // lines of the cell before the run
}

// slice returns the source of n.
func (d declRun) slice(n ast.Node) string {
	return d.src[d.fset.Position(n.Pos()).Offset:d.fset.Position(n.End()).Offset]
}

// cellDeclRuns parses the declaration runs of a cell (nil for a cell that
// does not split; a run that does not parse is skipped).
func cellDeclRuns(code string) []declRun {
	code, _, err := programCell(code)
	if err != nil {
		return nil
	}
	runs, err := splitCell(code)
	if err != nil {
		return nil
	}
	const header = "package p;"
	var out []declRun
	for _, r := range runs {
		if r.kind != declItem {
			continue
		}
		src := header + code[r.start:r.end]
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		out = append(out, declRun{file: f, fset: fset, src: src, line: strings.Count(code[:r.start], "\n")})
	}
	return out
}
