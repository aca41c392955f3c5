package compiled

import (
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// exitHelpers are the calls that would end the interpreter process and the
// cell package's helpers that replace them: the panic the interpreter's
// own os.Exit makes ("os.Exit(n)"), which the kernel reports as the
// program's exit and survives, after log.Fatal's line is written.
var exitHelpers = map[string]string{
	"os.Exit":      "gk_osExit",
	"syscall.Exit": "gk_osExit",
	"log.Fatal":    "gk_fatal",
	"log.Fatalf":   "gk_fatalf",
	"log.Fatalln":  "gk_fatalln",
}

// exitHelperSrc defines exitHelpers' functions in a cell package.
const exitHelperSrc = `// gk_osExit and gk_fatal* stand for os.Exit and log.Fatal*: the panic the interpreter's os.Exit makes, which the kernel reports and survives.
func gk_osExit(code int) { panic("os.Exit(" + gkfmt.Sprint(code) + ")") }
func gk_fatal(v ...interface{})  { _ = gklog.Output(2, gkfmt.Sprint(v...)); panic("os.Exit(1)") }
func gk_fatalf(format string, v ...interface{}) {
	_ = gklog.Output(2, gkfmt.Sprintf(format, v...))
	panic("os.Exit(1)")
}
func gk_fatalln(v ...interface{}) { _ = gklog.Output(2, gkfmt.Sprintln(v...)); panic("os.Exit(1)") }
`

// exitCall is a call of one of exitHelpers' functions: its selector
// (os.Exit) and the helper that replaces it.
type exitCall struct {
	sel    *ast.SelectorExpr
	helper string
}

// exitCalls finds the calls of exitHelpers' functions (pkg.Func(...), the
// function not taken as a value), by the selector's name.
func exitCalls(f *ast.File, info *types.Info) map[*ast.Ident]exitCall {
	out := map[*ast.Ident]exitCall{}
	ast.Inspect(f, func(x ast.Node) bool {
		call, ok := x.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || !isPkgName(info.Uses[id]) {
			return true
		}
		obj := info.Uses[sel.Sel]
		if obj == nil || obj.Pkg() == nil {
			return true
		}
		if h, ok := exitHelpers[obj.Pkg().Path()+"."+obj.Name()]; ok {
			out[sel.Sel] = exitCall{sel, h}
		}
		return true
	})
	return out
}

func isPkgName(o types.Object) bool { _, ok := o.(*types.PkgName); return ok }

// exitImportUses are `pkg.Name` expressions that keep the imports of the
// rewritten exit calls used, in a stable order.
func exitImportUses(exits map[*ast.Ident]exitCall) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range exits {
		use := c.sel.X.(*ast.Ident).Name + "." + c.sel.Sel.Name
		if !seen[use] {
			seen[use] = true
			out = append(out, use)
		}
	}
	sort.Strings(out)
	return out
}

// neutralizeBuildLines turns build constraints (//go:build, // +build) in
// a cell into plain comments of the same length: in a cell package they
// come after the package clause, where gc refuses them ("misplaced
// compiler directive"), and a cell has no build to constrain.
func neutralizeBuildLines(code string) string {
	if !strings.Contains(code, "//go:build") && !strings.Contains(code, "// +build") {
		return code
	}
	lines := strings.SplitAfter(code, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(t, "//go:build") {
			lines[i] = strings.Replace(l, "//go:build", "//gobuild:", 1)
		} else if strings.HasPrefix(t, "// +build") {
			lines[i] = strings.Replace(l, "// +build", "//  build", 1)
		}
	}
	return strings.Join(lines, "")
}
