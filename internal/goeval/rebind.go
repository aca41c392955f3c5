package goeval

import (
	"context"
	"fmt"
	"go/ast"
	"reflect"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/kernel"
)

// A notebook redefines functions: a later cell's func f replaces f from
// that cell on, and funcs declared earlier that call f call the new one
// (the corpus models this as a func variable; it is what a notebook user
// means by running a corrected cell). Both tiers bind a call when they
// compile the caller, so the engine declares the callers again after a
// redefinition: the latest source of every function that uses a redefined
// name, transitively, is run once more as a hidden cell (through the same
// path as a cell, so a compiled caller is rebuilt against the new
// version). Methods cannot be declared again (the interpreter keeps a
// type's first method set), so a method that calls a redefined function
// is named on stderr instead of silently calling the old one.

// funcDecl is the latest source of a top-level function of the session.
type funcDecl struct {
	src     string          // the declaration, after as many newlines as it had lines before it in its cell
	fname   string          // its cell, In[N]
	count   int             // its cell's execution count
	seq     int             // declaration order
	uses    map[string]bool // identifiers its body names
	generic bool
	// compiled: its cell was compiled (the compiled tier redefines
	// generic code correctly: a new plugin).
	compiled bool
}

// cellFunc is a top-level function or method of a cell, as parsed.
type cellFunc struct {
	name    string // the func's name, or T.M for a method
	method  bool
	generic bool
	src     string
	uses    map[string]bool
}

// cellFuncs reads a cell's top-level functions and methods.
func cellFuncs(code string) []cellFunc {
	if !strings.Contains(code, "func") {
		return nil
	}
	return funcsOf(cellDeclRuns(code))
}

// funcsOf reads the functions and methods of parsed declaration runs.
func funcsOf(runs []declRun) []cellFunc {
	var out []cellFunc
	for _, r := range runs {
		for _, d := range r.file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Name.Name == "init" || fd.Name.Name == "_" {
				continue
			}
			// The signature too: a reopened compiled type (reopen.go)
			// makes its users declared again.
			uses := map[string]bool{}
			for _, part := range []ast.Node{fd.Recv, fd.Type, fd.Body} {
				if part == nil || reflect.ValueOf(part).IsNil() {
					continue
				}
				ast.Inspect(part, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok {
						uses[id.Name] = true
					}
					return true
				})
			}
			cf := cellFunc{name: fd.Name.Name, generic: fd.Type.TypeParams != nil, uses: uses}
			if recv := recvTypeName(fd); recv != "" {
				cf.name, cf.method = recv+"."+fd.Name.Name, true
			}
			cf.src = strings.Repeat("\n", r.line+r.fset.Position(fd.Pos()).Line-1) + r.slice(fd)
			out = append(out, cf)
		}
	}
	return out
}

// redefinesGeneric returns the first function of an interpreted cell that
// redefines a generic function an earlier interpreted cell declared:
// yaegi v0.16.1 keeps the first body of a generic function (measured: the
// old body ran after the redefinition), so it would silently run old code.
func (e *Engine) redefinesGeneric(code string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.funcSrc) == 0 || !strings.Contains(code, "func") {
		return ""
	}
	for _, cf := range cellFuncs(code) {
		if old, ok := e.funcSrc[cf.name]; ok && !cf.method && old.generic && !old.compiled && !sameSource(old.src, cf.src) {
			if e.opts.Compiler.Enabled() && !e.interpretedCallersLocked(cf.name) {
				// Later cells that use it are compiled with the new
				// source (lend.go); one that cannot be is refused
				// (usesStaleGeneric).
				if e.staleGeneric == nil {
					e.staleGeneric = map[string]bool{}
				}
				e.staleGeneric[cf.name] = true
				continue
			}
			return cf.name
		}
	}
	return ""
}

// interpretedCallersLocked reports whether an interpreted function uses
// name (callers hold e.mu).
func (e *Engine) interpretedCallersLocked(name string) bool {
	for n, d := range e.funcSrc {
		if n != name && !d.compiled && d.uses[name] {
			return true
		}
	}
	return false
}

// usesStaleGeneric returns a generic function redefined after the
// interpreter took its first body that an interpreted cell uses (the
// interpreter would run the old body).
func (e *Engine) usesStaleGeneric(code string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.staleGeneric) == 0 {
		return ""
	}
	declared := map[string]bool{}
	for _, cf := range cellFuncs(code) {
		declared[cf.name] = true
	}
	for _, id := range cellIdents(code, -1) {
		if e.staleGeneric[id] && !declared[id] {
			return id
		}
	}
	return ""
}

// rebindCallers records a successful cell's functions and declares again
// the earlier functions that call one it redefined.
func (e *Engine) rebindCallers(ctx context.Context, n int, runs []declRun, compiledCell bool) {
	funcs := funcsOf(runs)
	if len(funcs) == 0 {
		return
	}
	e.mu.Lock()
	if e.funcSrc == nil {
		e.funcSrc, e.methodUses = map[string]*funcDecl{}, map[string]map[string]bool{}
	}
	changed := map[string]bool{}
	declared := map[string]bool{}
	var methods []cellFunc
	for _, cf := range funcs {
		declared[cf.name] = true
		if cf.method {
			methods = append(methods, cf)
			continue
		}
		if old, ok := e.funcSrc[cf.name]; ok && !sameSource(old.src, cf.src) {
			changed[cf.name] = true
		}
		e.funcSeq++
		e.funcSrc[cf.name] = &funcDecl{src: cf.src, fname: fmt.Sprintf("In[%d]", n), count: n, seq: e.funcSeq, uses: cf.uses, generic: cf.generic, compiled: compiledCell}
	}
	for _, m := range methods {
		e.methodUses[m.name] = m.uses
	}
	e.mu.Unlock()
	if len(changed) == 0 {
		return
	}
	e.redeclareUsers(ctx, changed, declared, "which this cell redefined")
}

// redeclareUsers declares again, as hidden cells, the latest source of
// every interpreted function that uses a name in changed, transitively
// (declared: the names the cell itself declared), and names on stderr the
// methods and generic functions that cannot be declared again. what says
// what happened to the changed names.
func (e *Engine) redeclareUsers(ctx context.Context, changed, declared map[string]bool, what string) {
	e.mu.Lock()
	// The callers, transitively: a caller declared again is itself new.
	var again []*funcDecl
	var staleGeneric []string
	names := map[*funcDecl]string{}
	via := map[*funcDecl]string{}
	for grew := true; grew; {
		grew = false
		for name, d := range e.funcSrc {
			if declared[name] || changed[name] {
				continue
			}
			for c := range changed {
				if !d.uses[c] {
					continue
				}
				if d.generic && !d.compiled {
					// yaegi keeps a generic function's first body.
					staleGeneric = append(staleGeneric, name+" uses "+c)
					break
				}
				changed[name] = true
				again = append(again, d)
				names[d], via[d] = name, c
				grew = true
				break
			}
		}
	}
	var stale []string
	for m, uses := range e.methodUses {
		if declared[m] {
			continue
		}
		for c := range changed {
			if uses[c] {
				stale = append(stale, m+" uses "+c)
				break
			}
		}
	}
	e.mu.Unlock()
	sort.Strings(stale)
	for _, s := range stale {
		fmt.Fprintf(e.opts.Stderr, "[gokernel] note: method %s, %s; the interpreter cannot declare a method again, so it keeps the earlier version\n", s, what)
	}
	sort.Strings(staleGeneric)
	for _, s := range staleGeneric {
		fmt.Fprintf(e.opts.Stderr, "[gokernel] note: generic function %s, %s; the interpreter cannot declare a generic function again, so it keeps the earlier version\n", s, what)
	}
	if len(again) == 0 {
		return
	}
	sort.Slice(again, func(i, j int) bool { return again[i].seq < again[j].seq })
	for _, d := range again {
		// One hidden cell per caller, as its own cell (line numbers and
		// panics name it), in declaration order.
		res, _, err := e.execute(ctx, kernel.ExecuteRequest{Code: d.src, ExecutionCount: d.count}, discardOutput{})
		if err == nil && res.Error != nil {
			err = fmt.Errorf("%s: %s", res.Error.Name, res.Error.Value)
		}
		if err != nil {
			fmt.Fprintf(e.opts.Stderr, "[gokernel] note: %s (%s) uses %s, %s, and could not be declared again, so it keeps the earlier version: %v\n", names[d], d.fname, via[d], what, err)
		}
	}
}

// sameSource reports whether two declarations are the same text (a cell
// run again redefines nothing).
func sameSource(a, b string) bool {
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}

// discardOutput is the Output of the hidden cells rebindCallers runs.
type discardOutput struct{}

func (discardOutput) Stream(name, text string) {}
func (discardOutput) Display(d kernel.Display) {}
func (discardOutput) ClearOutput(wait bool)    {}
func (discardOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", fmt.Errorf("no input while functions are declared again")
}
