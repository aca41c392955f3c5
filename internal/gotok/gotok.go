// Package gotok summarises a piece of Go source by its token stream, without
// parsing it: how deep its brackets are left open and what its last typed
// token is. Both the kernel's is_complete answer and the shell magic's search
// for where Go ends and a command begins need exactly this, and a partial cell
// cannot be parsed.
package gotok

import (
	"go/scanner"
	"go/token"
)

// Summary is what one scan of a source found.
type Summary struct {
	// Depth is the number of brackets (parentheses, square brackets,
	// braces) still open at the end.
	Depth int
	// Unbalanced is true when a closing bracket came with none open: no
	// amount of further input repairs that.
	Unbalanced bool
	// Last is the last token the user typed: an automatic semicolon (a
	// newline that ends a statement) is reported as token.SEMICOLON only
	// when nothing follows it; token.ILLEGAL means no tokens at all.
	Last token.Token
	// EndsStatement is true when the source's last line ended a statement
	// by Go's automatic-semicolon rule.
	EndsStatement bool
	// Errors are the scanner's messages, in order.
	Errors []string
}

// Scan reads src's tokens once and summarises them.
func Scan(src string) Summary {
	var sum Summary
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(_ token.Position, msg string) { sum.Errors = append(sum.Errors, msg) }, 0)
	sum.Last = token.ILLEGAL
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			sum.Depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			sum.Depth--
			if sum.Depth < 0 {
				sum.Unbalanced = true
			}
		}
		if tok == token.SEMICOLON && lit == "\n" {
			// An automatic semicolon: not a token the user typed, but the
			// line ended a statement.
			sum.EndsStatement = true
			continue
		}
		sum.Last = tok
		sum.EndsStatement = false
	}
	return sum
}
