package goeval

import (
	"go/parser"
	"go/token"
	"slices"
	"strings"

	"github.com/gokernel/gokernel/kernel"
)

// useCompiledVars rewrites an interpreted cell's uses of compiled cells'
// package-level variables into uses through their pointers: yaegi v0.16.1
// refuses `x = 5` on a compiled package's variable and silently drops
// `xs = append(xs, 4)`, while assignments through a pointer to the same
// variable work, and compiled code sees them. A use is an identifier the
// cell does not declare itself at any level (go/parser's resolution:
// parameters, locals, and the cell's own package-level names shadow);
// selectors, field names and composite-literal keys are no uses. The cell
// keeps its lines (a use grows by a few columns).
func (e *Engine) useCompiledVars(code string) string {
	if len(e.compiledVars) == 0 {
		return code
	}
	mentioned := false
	for name := range e.compiledVars {
		if strings.Contains(code, name) {
			mentioned = true
			break
		}
	}
	if !mentioned {
		return code
	}
	runs, err := splitCell(code)
	if err != nil {
		return code // the interpreter reports the syntax error
	}
	own := map[string]bool{}
	for _, n := range cellNames(code) {
		own[n] = true
	}
	type use struct {
		off  int
		name string
	}
	var uses []use
	for _, r := range runs {
		text := code[r.start:r.end]
		prefix, suffix := "package p;", ""
		if r.kind != declItem {
			prefix, suffix = "package p; func _() {", "\n}"
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", prefix+text+suffix, 0)
		if err != nil {
			continue
		}
		for _, id := range f.Unresolved {
			if _, ok := e.compiledVars[id.Name]; !ok || own[id.Name] {
				continue
			}
			off := fset.Position(id.Pos()).Offset - len(prefix)
			if off < 0 || off+len(id.Name) > len(text) || text[off:off+len(id.Name)] != id.Name {
				continue
			}
			uses = append(uses, use{r.start + off, id.Name})
		}
	}
	if len(uses) == 0 {
		return code
	}
	slices.SortFunc(uses, func(a, b use) int { return b.off - a.off })
	for _, u := range uses {
		code = code[:u.off] + e.compiledVars[u.name] + code[u.off+len(u.name):]
	}
	return code
}

// unrewriteVars gives an error's text the user's names back: the quoted
// source and the messages of a rewritten cell (or of a function it
// declared) read x, not the pointer expression useCompiledVars put there.
func (e *Engine) unrewriteVars(ee *kernel.EvalError) {
	if ee == nil || len(e.compiledVars) == 0 {
		return
	}
	pairs := make([]string, 0, 2*len(e.compiledVars))
	for name, ptr := range e.compiledVars {
		pairs = append(pairs, ptr, name)
	}
	r := strings.NewReplacer(pairs...)
	ee.Value = r.Replace(ee.Value)
	for i, l := range ee.Traceback {
		ee.Traceback[i] = r.Replace(l)
	}
}
