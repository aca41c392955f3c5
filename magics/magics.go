// Package magics dispatches cells that start with % or %% to named magic
// commands, and passes every other cell to the Go engine. It knows nothing of
// sockets: magics talk to the front end through kernel.Output only.
package magics

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/gokernel/gokernel/kernel"
)

// Vars is the notebook's Go state as magics see it: they read Go variables
// (query parameters) and define new ones (query results).
type Vars interface {
	// Lookup returns the current value of the Go variable name.
	Lookup(name string) (any, bool)
	// Define creates or replaces the Go variable name with value.
	Define(name string, value any) error
}

// Env is what a magic may use while it runs.
type Env struct {
	Out        kernel.Output
	Vars       Vars
	AllowStdin bool
	// ExecutionCount is the cell's In[n], for Go code a magic runs.
	ExecutionCount int
}

// Invocation is a parsed magic call.
type Invocation struct {
	// Name is the magic's name without its % prefix.
	Name string
	// Cell is true for %%name (the rest of the cell is Body).
	Cell bool
	// Args are the words after the name on the first line, split like a
	// shell does. Registry.Run fills them in, except for a LineReader.
	Args []string
	// Line is the text after the name on the first line, as written.
	Line string
	// Body is the cell text after the first line (cell magics only).
	Body string
}

// Magic is one named command.
type Magic interface {
	// Name is what follows % (e.g. "auth").
	Name() string
	// Summary is the one line %help shows.
	Summary() string
	// Usage is the full text %name --help prints.
	Usage() string
	// Run executes the magic. A returned error is shown as a kernel error
	// whose ename is "MagicError"; return *kernel.EvalError to choose the name.
	Run(ctx context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error)
}

// LineReader is implemented by a magic that reads its first line itself,
// because what follows its options is not shell words: %bq's SQL
// (`WHERE opt = '-h'`, `'don\'t'`) or %time's Go statement. Registry.Run
// gives such a magic inv.Line as written and no inv.Args, and shows the
// usage when Run returns an error matching flag.ErrHelp (what FlagSet.Parse
// returns for -h in option position). LeadingOptions splits the options off.
type LineReader interface {
	Magic
	// ReadsLine marks the magic; it is never called.
	ReadsLine()
}

// Registry holds the magics a kernel knows by name.
type Registry struct {
	magics map[string]Magic
}

// NewRegistry returns a registry that already knows %help.
func NewRegistry() *Registry {
	r := &Registry{magics: map[string]Magic{}}
	r.Register(helpMagic{r})
	return r
}

// Register adds m, replacing any magic of the same name.
func (r *Registry) Register(m Magic) { r.magics[m.Name()] = m }

// Lookup returns the magic called name.
func (r *Registry) Lookup(name string) (Magic, bool) {
	m, ok := r.magics[name]
	return m, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.magics))
	for n := range r.magics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsMagic reports whether code is a magic cell: its first non-blank line starts with %.
func IsMagic(code string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(code, unicode.IsSpace), "%")
}

// Parse splits a magic cell into its name, first line and body. It does not
// split the line into words (Registry.Run does that for the magics that
// want words), so it fails only when there is no magic name.
func Parse(code string) (Invocation, error) {
	code = strings.TrimLeftFunc(code, unicode.IsSpace)
	if !strings.HasPrefix(code, "%") {
		return Invocation{}, errors.New("not a magic: a magic cell starts with %")
	}
	first, body, _ := strings.Cut(code, "\n")
	inv := Invocation{}
	first = strings.TrimSuffix(first, "\r")
	if strings.HasPrefix(first, "%%") {
		inv.Cell = true
		first = first[2:]
		inv.Body = body
	} else {
		first = first[1:]
		if strings.TrimSpace(body) != "" {
			// A line magic owns only its line; the rest would silently vanish.
			inv.Body = body
		}
	}
	name, rest := first, ""
	if i := strings.IndexAny(first, " \t"); i >= 0 {
		name, rest = first[:i], first[i+1:]
	}
	if name == "" {
		return Invocation{}, errors.New("missing magic name after %")
	}
	inv.Name = name
	inv.Line = strings.TrimSpace(rest)
	return inv, nil
}

// SplitArgs splits s into words the way a POSIX shell does for plain words,
// 'single' and "double" quotes and backslash escapes. It never expands anything.
func SplitArgs(s string) ([]string, error) {
	var (
		args   []string
		cur    strings.Builder
		inWord bool
		quote  rune
		escape bool
	)
	for _, c := range s {
		switch {
		case escape:
			cur.WriteRune(c)
			escape = false
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case quote == '"':
			switch c {
			case '"':
				quote = 0
			case '\\':
				escape = true
			default:
				cur.WriteRune(c)
			}
		case c == '\\':
			escape, inWord = true, true
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case unicode.IsSpace(c):
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if escape {
		return nil, errors.New("trailing backslash")
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// NewFlagSet returns a FlagSet for a magic's options that reports errors
// instead of exiting and writes its usage to w.
func NewFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("%"+name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// UsageError is returned by a magic for bad options; the kernel shows
// its text as a MagicUsageError.
type UsageError struct {
	Magic string
	Msg   string
	Usage string
}

func (e *UsageError) Error() string {
	return fmt.Sprintf("%%%s: %s\n\n%s", e.Magic, e.Msg, e.Usage)
}

// Run executes a magic cell: %help and NAME --help are answered here, every
// other call goes to the named magic.
func (r *Registry) Run(ctx context.Context, code string, env Env) (kernel.ExecuteResult, error) {
	inv, err := Parse(code)
	if err != nil {
		return errorResult("MagicUsageError", err.Error()), nil
	}
	m, ok := r.Lookup(inv.Name)
	if !ok {
		return errorResult("UnknownMagic", fmt.Sprintf("unknown magic %%%s; %%help lists the magics this kernel has (%s)",
			inv.Name, "%"+strings.Join(r.Names(), ", %"))), nil
	}
	if _, raw := m.(LineReader); !raw {
		args, err := SplitArgs(inv.Line)
		if err != nil {
			return errorResult("MagicUsageError", fmt.Sprintf("%%%s: %v", inv.Name, err)), nil
		}
		inv.Args = args
		if wantsHelp(args) {
			env.Out.Stream("stdout", m.Usage()+"\n")
			return kernel.ExecuteResult{}, nil
		}
	}
	res, err := m.Run(ctx, inv, env)
	if errors.Is(err, flag.ErrHelp) {
		env.Out.Stream("stdout", m.Usage()+"\n")
		return kernel.ExecuteResult{}, nil
	}
	if err != nil {
		var ee *kernel.EvalError
		var ue *UsageError
		switch {
		case errors.As(err, &ee):
			res.Error = ee
		case errors.As(err, &ue):
			res.Error = &kernel.EvalError{Name: "MagicUsageError", Value: ue.Error(), Traceback: []string{ue.Error()}}
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			res.Error = &kernel.EvalError{Name: "Interrupted", Value: "%" + inv.Name + " interrupted", Traceback: []string{"%" + inv.Name + " interrupted"}}
		default:
			res.Error = &kernel.EvalError{Name: "MagicError", Value: err.Error(), Traceback: []string{"%" + inv.Name + ": " + err.Error()}}
		}
	}
	return res, nil
}

// wantsHelp reports whether args ask for the usage: -h, -help or --help in
// option position, that is before a "--" that ends the options.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// LeadingOptions splits the options at the start of line off the rest, for
// a LineReader: words that start with "-" are options (split like a shell
// does), a non-boolean flag of fs without "=value" takes the next word as
// its value, and "--" ends the options. The rest is returned as written,
// so quotes and backslashes in it survive. The options are not parsed:
// pass them to fs.Parse.
func LeadingOptions(line string, fs *flag.FlagSet) (opts []string, rest string, err error) {
	rest = strings.TrimSpace(line)
	for strings.HasPrefix(rest, "-") {
		w, r, err := nextWord(rest)
		if err != nil {
			return nil, "", err
		}
		opts = append(opts, w)
		rest = r
		if w == "--" {
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) {
			v, r, err := nextWord(rest)
			if err != nil {
				return nil, "", fmt.Errorf("the value of %s: %w", w, err)
			}
			opts = append(opts, v)
			rest = r
		}
	}
	return opts, rest, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// nextWord splits the first shell word off s (quotes and backslashes as
// SplitArgs reads them) and returns it with the untouched rest.
func nextWord(s string) (word, rest string, err error) {
	s = strings.TrimLeft(s, " \t")
	var quote rune
	escape := false
	end := len(s)
scan:
	for i, c := range s {
		switch {
		case escape:
			escape = false
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				escape = true
			}
		case c == '\\':
			escape = true
		case c == '\'' || c == '"':
			quote = c
		case c == ' ' || c == '\t' || c == '\n':
			end = i
			break scan
		}
	}
	ws, err := SplitArgs(s[:end])
	if err != nil {
		return "", "", fmt.Errorf("cannot read option %q: %w", s[:end], err)
	}
	if len(ws) != 1 {
		return "", "", fmt.Errorf("missing value after %q", s)
	}
	return ws[0], strings.TrimLeft(s[end:], " \t"), nil
}

func errorResult(name, msg string) kernel.ExecuteResult {
	return kernel.ExecuteResult{Error: &kernel.EvalError{Name: name, Value: msg, Traceback: []string{name + ": " + msg}}}
}

// helpMagic lists every magic with its summary.
type helpMagic struct{ r *Registry }

func (helpMagic) Name() string    { return "help" }
func (helpMagic) Summary() string { return "list the magics; %NAME --help shows one magic's usage" }
func (helpMagic) Usage() string {
	return "usage: %help [NAME]\n\nWith no NAME, lists every magic with a one-line summary.\nWith NAME, prints that magic's usage (same as %NAME --help)."
}

func (h helpMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	if len(inv.Args) > 0 {
		name := strings.TrimLeft(inv.Args[0], "%")
		m, ok := h.r.Lookup(name)
		if !ok {
			return kernel.ExecuteResult{}, fmt.Errorf("no magic named %%%s", name)
		}
		env.Out.Stream("stdout", m.Usage()+"\n")
		return kernel.ExecuteResult{}, nil
	}
	var b strings.Builder
	b.WriteString("Magics (a cell whose first line starts with %NAME or %%NAME):\n")
	for _, n := range h.r.Names() {
		m := h.r.magics[n]
		fmt.Fprintf(&b, "  %%%-8s %s\n", n, m.Summary())
	}
	b.WriteString("Any other cell is Go.\n")
	env.Out.Stream("stdout", b.String())
	return kernel.ExecuteResult{}, nil
}
