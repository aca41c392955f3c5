package compiled

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/traefik/yaegi/extract"
)

// ExtractCommand is the hidden subcommand of the kernel binary that
// generates yaegi symbol tables (what `yaegi extract` makes) for module
// packages: `gokernel extract -o DIR PKG...`, run with the session
// module as its working directory. It is a child process because yaegi's
// extractor type-checks from source with go/build, which finds the module
// from the process's working directory; the kernel's own yaegi version
// generates them, so the tables match the interpreter that uses them.
const ExtractCommand = "extract"

// ExtractMain runs the extract subcommand with args (after its name) and
// returns the process exit code. Generic functions and types are left out
// (yaegi cannot call uninstantiated generic code); the package names them
// in a comment of the generated file.
func ExtractMain(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gokernel "+ExtractCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", ".", "directory of the generated files (package main)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: gokernel extract -o DIR PKG...")
		return 2
	}
	ext := extract.Extractor{Dest: "main"}
	r := strings.NewReplacer("/", "-", ".", "_", "~", "_")
	for _, pkg := range fs.Args() {
		var buf bytes.Buffer
		if _, err := ext.Extract(pkg, "", &buf); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", pkg, err)
			return 1
		}
		name := filepath.Join(*out, "zz_"+r.Replace(pkg)+".go")
		if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	return 0
}
