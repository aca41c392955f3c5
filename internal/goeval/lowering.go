package goeval

import (
	"strings"
)

// lowerRun lowers the text of one run with the engine's Lowerer (package
// lower): min, max, clear, range over integers and functions, Go 1.22 loop
// variables and generic calls yaegi cannot infer become code yaegi v0.16.1
// runs. It returns the helper declarations to evaluate before the run and
// the lowered text, which has the lines of text. When the text cannot be
// lowered (a syntax error, which yaegi then reports itself, or a lowering
// that would move lines), text is returned unchanged.
func (e *Engine) lowerRun(kind itemKind, text string) (helpers, lowered string) {
	// Lowerer.Chunk picks declaration or statement mode from the first
	// token; a statement run may start with a function literal
	// ("func() { ... }()"), so it gets an empty statement in front.
	src := text
	if kind == stmtItem {
		src = ";" + text
	}
	h, code, err := e.chunk([]byte(src))
	if err != nil {
		return "", text
	}
	out := string(code)
	if kind == stmtItem {
		if !strings.HasPrefix(out, ";") {
			return "", text
		}
		out = out[1:]
	}
	if strings.Count(out, "\n") != strings.Count(text, "\n") {
		return "", text
	}
	return string(h), out
}

// chunk is Lowerer.Chunk, with a panic of the pass turned into an error so
// that a bug in lowering leaves the cell to yaegi instead of failing it.
func (e *Engine) chunk(src []byte) (helpers, code []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			helpers, code, err = nil, nil, errLowerPanic
		}
	}()
	return e.lw.Chunk(src)
}

// errLowerPanic is returned by chunk when the lowering pass panicked.
var errLowerPanic = lowerPanicError{}

type lowerPanicError struct{}

func (lowerPanicError) Error() string { return "goeval: the lowering pass panicked" }
