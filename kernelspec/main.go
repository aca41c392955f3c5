package kernelspec

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes returned by Main, following the flag package's convention that
// misuse is 2, so scripts can tell a typo from a failed install.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// setEnv parses one --env K=V into env, rejecting values that are not K=V
// so a typo fails loudly instead of producing an odd kernel environment.
func setEnv(env map[string]string, s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("%q is not of the form KEY=VALUE (missing '=')", s)
	}
	if k == "" {
		return fmt.Errorf("%q has an empty variable name", s)
	}
	env[k] = v
	return nil
}

// Main runs the `install` or `uninstall` subcommand; args starts with the
// subcommand name (os.Args[1:] of the gokernel command). It writes a line
// describing what it did to stdout, errors and usage to stderr, and returns
// the process exit code (ExitOK, ExitError or ExitUsage) rather than calling
// os.Exit so it can be tested.
//
//	gokernel install [--user | --sys-prefix | --prefix DIR] [--name NAME]
//	                 [--display-name NAME] [--env K=V ...] [-- KERNEL-ARGS...]
//	gokernel uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "gokernel: missing subcommand: want install or uninstall")
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	if cmd != "install" && cmd != "uninstall" {
		fmt.Fprintf(stderr, "gokernel: unknown subcommand %q: want install or uninstall\n", cmd)
		return ExitUsage
	}
	install := cmd == "install"

	fs := flag.NewFlagSet("gokernel "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.Bool("user", false, "install for the current user (default)")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the active Python environment's sys.prefix")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter")
	name := fs.String("name", DefaultName, "kernelspec `name` (letters, digits, '.', '_', '-')")
	var displayName string
	env := map[string]string{}
	if install {
		fs.StringVar(&displayName, "display-name", DefaultDisplayName, "`name` shown by notebook front ends")
		fs.Func("env", "set `KEY=VALUE` in the kernel's environment (repeatable)", func(v string) error { return setEnv(env, v) })
	}
	fs.Usage = func() {
		if install {
			fmt.Fprintln(stderr, "usage: gokernel install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name NAME] [--env K=V ...] [-- KERNEL-ARGS...]")
		} else {
			fmt.Fprintln(stderr, "usage: gokernel uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]")
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		// flag has already printed the error and usage.
		return ExitUsage
	}

	var scopes []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "user", "sys-prefix", "prefix":
			scopes = append(scopes, "--"+f.Name)
		}
	})
	if len(scopes) > 1 {
		fmt.Fprintf(stderr, "gokernel %s: %s are mutually exclusive\n", cmd, strings.Join(scopes, " and "))
		return ExitUsage
	}
	opts := Options{Scope: User, Name: *name, DisplayName: displayName}
	switch {
	case *sysPrefix:
		opts.Scope = SysPrefix
	case len(scopes) == 1 && scopes[0] == "--prefix":
		if *prefix == "" {
			fmt.Fprintf(stderr, "gokernel %s: --prefix needs a directory\n", cmd)
			return ExitUsage
		}
		opts.Scope, opts.Prefix = Prefix, *prefix
	case len(scopes) == 1 && scopes[0] == "--user" && !*user:
		fmt.Fprintf(stderr, "gokernel %s: --user=false is meaningless; pick --sys-prefix or --prefix instead\n", cmd)
		return ExitUsage
	}
	if len(env) > 0 {
		opts.Env = env
	}

	// Positional arguments are extra kernel argv for install, but only after
	// an explicit "--", so a mistyped option is not silently baked into
	// kernel.json.
	if extra := fs.Args(); len(extra) > 0 {
		i := len(rest) - len(extra)
		if !install || i == 0 || rest[i-1] != "--" {
			fmt.Fprintf(stderr, "gokernel %s: unexpected argument %q", cmd, extra[0])
			if install {
				fmt.Fprint(stderr, " (put extra kernel arguments after --)")
			}
			fmt.Fprintln(stderr)
			return ExitUsage
		}
		opts.Args = extra
	}
	if err := ValidateName(opts.Name); err != nil {
		fmt.Fprintf(stderr, "gokernel %s: %v\n", cmd, err)
		return ExitUsage
	}

	if install {
		dir, err := Install(opts)
		if err != nil {
			fmt.Fprintf(stderr, "gokernel install: %v\n", err)
			return ExitError
		}
		fmt.Fprintf(stdout, "Installed kernelspec %s in %s\n", strings.ToLower(opts.Name), dir)
		return ExitOK
	}
	dir, err := Uninstall(opts)
	if err != nil {
		fmt.Fprintf(stderr, "gokernel uninstall: %v\n", err)
		return ExitError
	}
	fmt.Fprintf(stdout, "Removed kernelspec %s from %s\n", strings.ToLower(opts.Name), dir)
	return ExitOK
}
