// Package stdext completes yaegi's standard library symbol tables with the
// API added to Go after 1.22.
//
// yaegi v0.16.1 ships symbol tables (github.com/traefik/yaegi/stdlib) for the
// Go 1.21 and 1.22 standard library only. The kernel is built with a newer
// toolchain, so the compiled implementations are that toolchain's, but an
// interpreted cell can only reach the exported names listed in the tables:
// strings.Lines, bytes.SplitSeq, os.OpenRoot, crypto/sha3 and everything
// else released since Go 1.23 was invisible.
//
// Symbols holds exactly what yaegi's tables lack, in the same shape as
// stdlib.Symbols ("import/path/name" → name → value): the missing symbols of
// the packages yaegi covers, and the standard packages first released after
// Go 1.22 that export anything non-generic (crypto/sha3, crypto/mlkem,
// structs, testing/synctest, ...). Generic functions and types cannot be
// compiled in (yaegi only calls instantiated code) and are left out;
// iter, cmp, slices and maps are served as Go source by the lower package
// instead. The two tables are disjoint: Merge combines them for Use.
//
// The *_gen.go files are generated from the toolchain that runs
// `go generate ./internal/pkgs/stdext` (see internal/gen); regenerate them when the
// go line of go.mod moves to a new Go release.
package stdext

import "reflect"

//go:generate go run ./internal/gen

// Symbols maps "import/path/name" to the standard library symbols yaegi's
// stdlib.Symbols lacks. The generated init functions fill it at program
// start; it is read-only afterwards.
var Symbols = map[string]map[string]reflect.Value{}

// IterFuncs maps "pkgname.Func" (with the package's default name, as a
// cell writes it: "strings.Lines") to the functions of Symbols that return
// an iterator. Code rewriting range over func needs them: it cannot see
// that a compiled function returns one, and yaegi cannot infer a generic
// helper's type parameters from a compiled iterator's named type
// (iter.Seq[string]) but can from the plain func type of IterFunc.Func.
var IterFuncs = map[string]IterFunc{}

// IterFunc describes a function returning an iterator.
type IterFunc struct {
	// Arity is the number of values the iterator yields (0 to 2).
	Arity int
	// Func is the iterator's underlying func type, with packages named as
	// a cell names them: "func(yield func(string) bool)",
	// "func(yield func(ast.Node) bool)".
	Func string
}

// Merge returns base (e.g. yaegi's stdlib.Symbols) completed with Symbols,
// as a new table: base and its per-package maps are not modified, and
// Symbols wins for a name both define (none today, see the tests).
func Merge(base map[string]map[string]reflect.Value) map[string]map[string]reflect.Value {
	out := make(map[string]map[string]reflect.Value, len(base)+len(Symbols))
	for k, v := range base {
		out[k] = v
	}
	for k, add := range Symbols {
		old := out[k]
		m := make(map[string]reflect.Value, len(old)+len(add))
		for n, v := range old {
			m[n] = v
		}
		for n, v := range add {
			m[n] = v
		}
		out[k] = m
	}
	return out
}
