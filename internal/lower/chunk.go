package lower

import (
	"bytes"
	"go/scanner"
	"go/token"
)

const (
	declPrefix = "package main; "
	stmtPrefix = "package main; func main() {"
	stmtSuffix = "\n}"
)

// Chunk lowers src as yaegi's REPL sees it: declarations or statements
// without a package clause, the way the engine passes chunks to Eval. It
// wraps the chunk like yaegi does, lowers it and unwraps it again, so code
// has the shape and the lines of src and keeps REPL semantics (statements
// run at top level, := declares globals). helpers holds declarations that
// code needs; evaluate them first, as a separate chunk:
//
//	helpers, code, err := lw.Chunk(src)
//	if err != nil { code, helpers = src, nil } // yaegi reports the problem
//	if len(helpers) > 0 { _, err = i.Eval(string(helpers)) }
//	_, err = i.Eval(string(code))
//
// This is the entry point engines should prefer over Source: evaluating a
// complete "package main" file makes yaegi run main, and a main declared
// by an earlier chunk would run again.
func (lw *Lowerer) Chunk(src []byte) (helpers, code []byte, err error) {
	prefix, suffix, top := stmtPrefix, stmtSuffix, true
	switch firstToken(src) {
	case token.PACKAGE:
		prefix, suffix, top = "", "", false
	case token.FUNC, token.TYPE, token.VAR, token.CONST, token.IMPORT:
		prefix, suffix, top = declPrefix, "", false
	}
	wrapped := append(append([]byte(prefix), src...), suffix...)
	lw.chunks = true
	out, helpers, err := lw.lowerMode(wrapped, top)
	lw.chunks = false
	if err != nil {
		return nil, nil, err
	}
	if !bytes.HasPrefix(out, []byte(prefix)) || !bytes.HasSuffix(out, []byte(suffix)) {
		return nil, nil, errInternal
	}
	return lw.importOnce(helpers), out[len(prefix) : len(out)-len(suffix)], nil
}

// importOnce drops the imports that begin helpers when an earlier chunk of
// the session imported them: yaegi keeps a session's imports and reports
// a second import of a name as redeclared.
func (lw *Lowerer) importOnce(helpers []byte) []byte {
	var out []byte
	for bytes.HasPrefix(helpers, []byte("import ")) {
		line, rest, _ := bytes.Cut(helpers, []byte("\n"))
		if !lw.imported[string(line)] {
			if lw.imported == nil {
				lw.imported = map[string]bool{}
			}
			lw.imported[string(line)] = true
			out = append(append(out, line...), "\n\n"...)
		}
		helpers = bytes.TrimLeft(rest, "\n")
	}
	return append(out, helpers...)
}

type lowerError string

func (e lowerError) Error() string { return string(e) }

const errInternal = lowerError("lower: internal error: chunk wrapper was rewritten")

func firstToken(src []byte) token.Token {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	for {
		_, tok, _ := s.Scan()
		if tok != token.COMMENT {
			return tok
		}
	}
}
