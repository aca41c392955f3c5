package magics

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gokernel/gokernel/kernel"
)

// GoEngine is a kernel.Engine whose state magics can read and write.
type GoEngine interface {
	kernel.Engine
	Vars
}

// Engine sends magic cells to a Registry and every other cell to the Go engine.
type Engine struct {
	Go       GoEngine
	Registry *Registry
}

// NewEngine composes a Go engine with a magic registry, and adds the magics
// of a Go session: %doc, %time, %timeit, %who, %whos, %env, %cd, %pwd,
// %%writefile, %%bash and %%sh.
func NewEngine(goEngine GoEngine, reg *Registry) *Engine {
	reg.Register(docMagic{goEngine})
	reg.Register(timeMagic{goEngine})
	reg.Register(timeitMagic{goEngine})
	reg.Register(whoMagic{g: goEngine})
	reg.Register(whoMagic{g: goEngine, long: true})
	reg.Register(envMagic{})
	reg.Register(cdMagic{})
	reg.Register(pwdMagic{})
	reg.Register(writefileMagic{})
	reg.Register(shellMagic{"bash"})
	reg.Register(shellMagic{"sh"})
	return &Engine{Go: goEngine, Registry: reg}
}

// Execute implements kernel.Engine.
func (e *Engine) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	if !IsMagic(req.Code) {
		if segs := splitShellLines(req.Code); segs != nil {
			return e.runMixed(ctx, req, out, segs)
		}
		return e.Go.Execute(ctx, req, out)
	}
	return e.Registry.Run(ctx, req.Code, Env{Out: out, Vars: e.Go, AllowStdin: req.AllowStdin, ExecutionCount: req.ExecutionCount})
}

// Complete completes magic names after a leading % and defers everything else.
func (e *Engine) Complete(ctx context.Context, code string, cursor int) (kernel.CompleteResult, error) {
	if IsMagic(code) {
		prefix := []rune(code)
		if cursor >= 0 && cursor <= len(prefix) {
			prefix = prefix[:cursor]
		}
		text := string(prefix)
		if !strings.ContainsAny(text, " \n\t") {
			word := strings.TrimLeft(text, "%")
			start := utf8.RuneCountInString(text) - utf8.RuneCountInString(word)
			var matches []string
			for _, n := range e.Registry.Names() {
				if strings.HasPrefix(n, word) {
					matches = append(matches, n)
				}
			}
			return kernel.CompleteResult{Matches: matches, CursorStart: start, CursorEnd: cursor}, nil
		}
		return kernel.CompleteResult{CursorStart: cursor, CursorEnd: cursor}, nil
	}
	return e.Go.Complete(ctx, code, cursor)
}

// Inspect shows a magic's usage when the cursor is on a magic cell.
func (e *Engine) Inspect(ctx context.Context, code string, cursor, detail int) (kernel.InspectResult, error) {
	if IsMagic(code) {
		inv, err := Parse(code)
		if err != nil {
			return kernel.InspectResult{}, nil
		}
		if m, ok := e.Registry.Lookup(inv.Name); ok {
			return kernel.InspectResult{Found: true, Data: kernel.MIMEBundle{"text/plain": m.Usage()}}, nil
		}
		return kernel.InspectResult{}, nil
	}
	return e.Go.Inspect(ctx, code, cursor, detail)
}

// IsComplete treats a line magic as complete and a cell magic's body as
// free text that a blank line ends.
func (e *Engine) IsComplete(ctx context.Context, code string) (kernel.IsCompleteResult, error) {
	if IsMagic(code) {
		t := strings.TrimLeft(code, " \t\r\n")
		if strings.HasPrefix(t, "%%") && !strings.HasSuffix(code, "\n\n") {
			return kernel.IsCompleteResult{Status: "incomplete", Indent: ""}, nil
		}
		return kernel.IsCompleteResult{Status: "complete"}, nil
	}
	if segs := splitShellLines(code); segs != nil && segs[len(segs)-1].shell {
		// A !cmd line ends a statement; a trailing backslash continues it.
		if strings.HasSuffix(strings.TrimRight(code, " \t\r\n"), `\`) {
			return kernel.IsCompleteResult{Status: "incomplete", Indent: ""}, nil
		}
		return kernel.IsCompleteResult{Status: "complete"}, nil
	}
	return e.Go.IsComplete(ctx, code)
}

// Close closes the Go engine.
func (e *Engine) Close() error { return e.Go.Close() }

// docMagic shows documentation in the front end's pager.
type docMagic struct{ g GoEngine }

func (docMagic) Name() string { return "doc" }
func (docMagic) Summary() string {
	return "show the documentation of a Go symbol or variable in the pager"
}
func (docMagic) Usage() string {
	return "usage: %doc NAME\n\nShows what inspection (Shift+Tab) knows about NAME in the pager:\n" +
		"the signature and doc comment of a package symbol (%doc strings.Split),\nor the type and value of a variable (%doc x)."
}

func (d docMagic) Run(ctx context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	if len(inv.Args) != 1 {
		return kernel.ExecuteResult{}, &UsageError{Magic: "doc", Msg: "expected one NAME", Usage: d.Usage()}
	}
	name := inv.Args[0]
	res, err := d.g.Inspect(ctx, name, utf8.RuneCountInString(name), 1)
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	if !res.Found {
		return kernel.ExecuteResult{}, kernel.NewEvalError("NotFound", "no documentation found for "+name)
	}
	return kernel.ExecuteResult{Page: &kernel.Page{Data: res.Data}}, nil
}
