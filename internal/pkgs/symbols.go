// Package pkgs holds the curated third-party packages compiled into the
// kernel, as yaegi symbol tables: gonum's plot (plot, plotter, plotutil, vg,
// vg/draw), gonum's stat, stat/distuv, floats and mat, and civil dates
// (cloud.google.com/go/civil, the DATE/TIME/DATETIME types of BigQuery).
// math/big (big.Rat for NUMERIC) comes with the standard library.
//
// The tables are generated (see gen.go); the engine loads them with Use.
// Generic functions and types cannot be extracted (yaegi can only call
// instantiated code); none of the packages above exports any.
package pkgs

import "reflect"

// Symbols maps "import/path/name" to the package's exported symbols, in
// the shape of yaegi's interp.Exports. The generated init functions fill it
// at program start; it is read-only afterwards.
var Symbols = map[string]map[string]reflect.Value{}
