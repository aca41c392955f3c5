package magics

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/constant"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/gokernel/gokernel/internal/htmltable"
	"github.com/gokernel/gokernel/kernel"
)

// Globals is implemented by a Go engine that can list the session's
// variables and constants (goeval.Engine does), for %who and %whos.
type Globals interface {
	Globals() map[string]reflect.Value
}

// whoMagic is %who (names) or, long, %whos (a table with types and values).
type whoMagic struct {
	g    GoEngine
	long bool
}

func (m whoMagic) Name() string {
	if m.long {
		return "whos"
	}
	return "who"
}
func (m whoMagic) Summary() string {
	if m.long {
		return "the session's variables as a table: name, type, short value"
	}
	return "the names of the session's variables"
}
func (m whoMagic) Usage() string {
	return fmt.Sprintf(`usage: %%%s [TYPE...]

Lists the variables and constants the session's cells declared%s.
With TYPE, only those whose type is one of them (%%%s int string, or a
type's package-qualified name such as time.Duration or []int).`,
		m.Name(), map[bool]string{false: ", by name", true: ",\nwith their type and a short value (at most 60 characters)"}[m.long], m.Name())
}

// whoEntry is one variable as %who and %whos show it.
type whoEntry struct{ name, typ, value string }

func (m whoMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	gl, ok := m.g.(Globals)
	if !ok {
		return kernel.ExecuteResult{}, errors.New("this Go engine cannot list its variables")
	}
	var entries []whoEntry
	for name, v := range gl.Globals() {
		if strings.HasPrefix(name, "__gokernel") || name == "_" {
			continue
		}
		e := whoEntry{name: name}
		if c, ok := valueOf(v).(constant.Value); ok {
			e.typ, e.value = "untyped const", c.ExactString()
		} else if v.IsValid() {
			e.typ = v.Type().String()
			if v.CanInterface() {
				e.value = shortValue(v.Interface())
			}
		}
		if len(inv.Args) > 0 && !slices.Contains(inv.Args, e.typ) {
			continue
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b whoEntry) int { return strings.Compare(a.name, b.name) })
	if len(entries) == 0 {
		env.Out.Stream("stdout", "Interactive namespace is empty.\n")
		return kernel.ExecuteResult{}, nil
	}
	if !m.long {
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.name
		}
		env.Out.Stream("stdout", strings.Join(names, "\t")+"\n")
		return kernel.ExecuteResult{}, nil
	}
	var text strings.Builder
	tw := tabwriter.NewWriter(&text, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "Variable\tType\tData/Info")
	fmt.Fprintln(tw, "--------\t----\t---------")
	var h strings.Builder
	ht := htmltable.Writer{B: &h}
	ht.Open("")
	ht.Head("Variable")
	ht.Head("Type")
	ht.Head("Data/Info")
	ht.Body()
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.name, e.typ, strings.ReplaceAll(e.value, "\t", " "))
		ht.Row()
		ht.Cell("", e.name)
		ht.CellHTML("", "<code>"+htmltable.Escape(e.typ)+"</code>")
		ht.CellHTML("", "<code>"+htmltable.Escape(e.value)+"</code>")
	}
	ht.Close()
	_ = tw.Flush()
	env.Out.Display(kernel.Display{Data: kernel.MIMEBundle{"text/plain": strings.TrimRight(text.String(), "\n"), "text/html": h.String()}})
	return kernel.ExecuteResult{}, nil
}

func valueOf(v reflect.Value) any {
	if v.IsValid() && v.CanInterface() {
		return v.Interface()
	}
	return nil
}

// shortValue renders v on one line of at most 60 characters.
func shortValue(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = strconv.Quote(x)
	default:
		s = fmt.Sprintf("%v", v)
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:57]) + "..."
	}
	return s
}

// envMagic is %env: show or set the session's environment variables.
type envMagic struct{}

func (envMagic) Name() string { return "env" }
func (envMagic) Summary() string {
	return "show or set environment variables: %env, %env NAME, %env NAME=VALUE"
}
func (envMagic) Usage() string {
	return `usage: %env                 every variable (values of names with KEY, TOKEN, SECRET,
                             PASSWORD or CREDENTIAL in them are hidden)
       %env NAME            the value of NAME
       %env NAME=VALUE      set NAME (also: %env NAME VALUE); $OTHER and ${OTHER} in
                            VALUE expand, e.g. %env PATH=$HOME/bin:$PATH
       %env -u NAME         unset NAME

The variables are those of the process that runs the cells: Go code
(os.Getenv), !commands and %%bash see the change at once.`
}

// ReadsLine: a value is kept as written (spaces, quotes).
func (envMagic) ReadsLine() {}

// secretNameParts mark variables whose values %env does not list.
var secretNameParts = []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"}

func isSecretName(name string) bool {
	u := strings.ToUpper(name)
	for _, p := range secretNameParts {
		if strings.Contains(u, p) {
			return true
		}
	}
	return false
}

func (m envMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	line := strings.TrimSpace(inv.Line)
	if inv.Cell || inv.Body != "" {
		return kernel.ExecuteResult{}, &UsageError{Magic: "env", Msg: "%env is a line magic", Usage: m.Usage()}
	}
	switch {
	case line == "":
		vars := os.Environ()
		slices.Sort(vars)
		var b strings.Builder
		for _, kv := range vars {
			k, v, _ := strings.Cut(kv, "=")
			if isSecretName(k) {
				v = "<hidden>"
			}
			fmt.Fprintf(&b, "%s=%s\n", k, v)
		}
		env.Out.Stream("stdout", b.String())
		return kernel.ExecuteResult{}, nil
	case line == "-h" || line == "--help" || line == "-help":
		return kernel.ExecuteResult{}, flag.ErrHelp
	case strings.HasPrefix(line, "-u ") || strings.HasPrefix(line, "-u\t"):
		name := strings.TrimSpace(line[2:])
		if !validEnvName(name) {
			return kernel.ExecuteResult{}, &UsageError{Magic: "env", Msg: fmt.Sprintf("%q is not a variable name", name), Usage: m.Usage()}
		}
		if err := os.Unsetenv(name); err != nil {
			return kernel.ExecuteResult{}, err
		}
		env.Out.Stream("stdout", "env: unset "+name+"\n")
		return kernel.ExecuteResult{}, nil
	}
	name, value, set := strings.Cut(line, "=")
	if i := strings.IndexAny(line, " \t"); i >= 0 && (!set || i < len(name)) {
		name, value, set = line[:i], strings.TrimSpace(line[i+1:]), true
	}
	name = strings.TrimSpace(name)
	if !validEnvName(name) {
		return kernel.ExecuteResult{}, &UsageError{Magic: "env", Msg: fmt.Sprintf("%q is not a variable name", name), Usage: m.Usage()}
	}
	if !set {
		v, ok := os.LookupEnv(name)
		if !ok {
			return kernel.ExecuteResult{}, &kernel.EvalError{Name: "KeyError", Value: "environment variable " + name + " is not set",
				Traceback: []string{"KeyError: environment variable " + name + " is not set"}}
		}
		return kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": strconv.Quote(v)}}, nil
	}
	value = os.ExpandEnv(value)
	if err := os.Setenv(name, value); err != nil {
		return kernel.ExecuteResult{}, err
	}
	shown := value
	if isSecretName(name) {
		shown = "<hidden>"
	}
	env.Out.Stream("stdout", fmt.Sprintf("env: %s=%s\n", name, shown))
	return kernel.ExecuteResult{}, nil
}

// validEnvName: letters, digits and _, not starting with a digit.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// cdMagic is %cd: change the session's working directory.
type cdMagic struct{}

func (cdMagic) Name() string { return "cd" }
func (cdMagic) Summary() string {
	return "change the working directory of the session: %cd DIR, %cd -, %cd"
}
func (cdMagic) Usage() string {
	return `usage: %cd [DIR]

Changes the working directory of the process that runs the cells, so Go code
(os.ReadFile("x")), !commands and %%bash all see it. No DIR goes home, - goes
back to the previous directory; ~ expands to your home. A DIR with spaces
needs no quotes. Prints the new directory.`
}

// ReadsLine: a directory may hold spaces and need no quotes.
func (cdMagic) ReadsLine() {}

func (m cdMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	dir := strings.TrimSpace(inv.Line)
	switch dir {
	case "-h", "--help", "-help":
		return kernel.ExecuteResult{}, flag.ErrHelp
	case "":
		h, err := os.UserHomeDir()
		if err != nil {
			return kernel.ExecuteResult{}, err
		}
		dir = h
	case "-":
		dir = os.Getenv("OLDPWD")
		if dir == "" {
			return kernel.ExecuteResult{}, errors.New("no previous directory (OLDPWD is not set)")
		}
	default:
		if strings.HasPrefix(dir, `"`) || strings.HasPrefix(dir, "'") {
			w, err := SplitArgs(dir)
			if err != nil || len(w) != 1 {
				return kernel.ExecuteResult{}, &UsageError{Magic: "cd", Msg: fmt.Sprintf("cannot read %s as one directory", dir), Usage: m.Usage()}
			}
			dir = w[0]
		}
		dir = expandHome(dir)
	}
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		return kernel.ExecuteResult{}, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	// Shells started later read these.
	_ = os.Setenv("OLDPWD", old)
	_ = os.Setenv("PWD", wd)
	env.Out.Stream("stdout", wd+"\n")
	return kernel.ExecuteResult{}, nil
}

// expandHome replaces a leading ~ or ~/ with the user's home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(h, p[1:])
}

// pwdMagic is %pwd: the session's working directory, as Out.
type pwdMagic struct{}

func (pwdMagic) Name() string    { return "pwd" }
func (pwdMagic) Summary() string { return "the working directory of the session" }
func (pwdMagic) Usage() string {
	return "usage: %pwd\n\nShows the working directory of the process that runs the cells (see %cd) as Out."
}

func (m pwdMagic) Run(_ context.Context, inv Invocation, _ Env) (kernel.ExecuteResult, error) {
	if len(inv.Args) > 0 {
		return kernel.ExecuteResult{}, &UsageError{Magic: "pwd", Msg: "%pwd takes no arguments", Usage: m.Usage()}
	}
	wd, err := os.Getwd()
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	return kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": strconv.Quote(wd)}}, nil
}

// writefileMagic is %%writefile: the cell body into a file.
type writefileMagic struct{}

func (writefileMagic) Name() string    { return "writefile" }
func (writefileMagic) Summary() string { return "write the cell to a file: %%writefile [-a] FILE" }
func (writefileMagic) Usage() string {
	return `usage: %%writefile [-a] FILE
CONTENT...

Writes the rest of the cell to FILE (relative to the session's directory,
see %cd; ~ expands), replacing it, or with -a appending to it. Quote a
name with spaces.`
}

func (m writefileMagic) Run(_ context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	if !inv.Cell {
		return kernel.ExecuteResult{}, &UsageError{Magic: "writefile", Msg: "a cell magic: %%writefile FILE on the first line, the content below", Usage: m.Usage()}
	}
	args := inv.Args
	appendTo := false
	if len(args) > 0 && (args[0] == "-a" || args[0] == "--append") {
		appendTo, args = true, args[1:]
	}
	if len(args) != 1 {
		return kernel.ExecuteResult{}, &UsageError{Magic: "writefile", Msg: "expected one FILE", Usage: m.Usage()}
	}
	name := expandHome(args[0])
	_, statErr := os.Stat(name)
	exists := statErr == nil
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendTo {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return kernel.ExecuteResult{}, err
	}
	if _, err := f.WriteString(inv.Body); err != nil {
		f.Close()
		return kernel.ExecuteResult{}, fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return kernel.ExecuteResult{}, fmt.Errorf("writing %s: %w", name, err)
	}
	verb := "Writing"
	switch {
	case appendTo:
		verb = "Appending to"
	case exists:
		verb = "Overwriting"
	}
	env.Out.Stream("stdout", verb+" "+args[0]+"\n")
	return kernel.ExecuteResult{}, nil
}
