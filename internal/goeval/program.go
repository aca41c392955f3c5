package goeval

import (
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// programCell recognizes a cell that is a whole program: its first token is
// a package clause. Such a cell runs like `go run`: its declarations join
// the session and its main runs once, at the end of the cell. The clause
// is blanked out (same length, so positions in errors stay the cell's) and
// a call of main is appended when the program declares one. ok is false
// for every other cell, which is returned unchanged. A clause naming
// another package than main is an error, as go run would give.
func programCell(code string) (out string, ok bool, err error) {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var s scanner.Scanner
	s.Init(file, []byte(code), nil, 0)
	pos, tok, _ := s.Scan()
	if tok != token.PACKAGE {
		return code, false, nil
	}
	_, tok, name := s.Scan()
	if tok != token.IDENT {
		return code, false, nil // a syntax error: let the normal path report it
	}
	if name != "main" {
		return code, false, &programError{msg: "package " + name + " is not a main package: a cell that starts with a package clause is a program and must be package main"}
	}
	start := file.Offset(pos)
	end := start + len("package")
	for end < len(code) && (code[end] == ' ' || code[end] == '\t') {
		end++
	}
	end += len(name)
	out = code[:start] + strings.Repeat(" ", end-start) + code[end:]
	if f, perr := parser.ParseFile(token.NewFileSet(), "", code, parser.SkipObjectResolution); perr == nil && declaresMain(f) {
		out += programMainCall
	}
	return out, true, nil
}

// declaresMain reports whether f has a top-level func main().
func declaresMain(f *ast.File) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			return true
		}
	}
	return false
}

// programMainCall is what programCell appends to a program with a main.
const programMainCall = "\nmain()"

// programError is a package clause that is not package main.
type programError struct{ msg string }

func (e *programError) Error() string { return e.msg }
