// Package compiled is gokernel's compiled tier: declaration cells built by
// the Go toolchain (gc) as plugins and loaded into the interpreter's
// process, so that their functions run at the speed of compiled Go while
// the interpreter keeps serving simple cells in well under a millisecond.
//
// Each compiled cell becomes one Go package (gkcells/cN, package name
// cellN) that imports the packages of the earlier compiled cells it uses,
// and one plugin main package that exports the cell package's symbol table
// in the shape `yaegi extract` generates. The interpreter Uses that table
// and dot-imports the cell package, so later cells, interpreted or
// compiled, see the cell's functions, variables and constants under their
// own names. Packages are shared across plugins and the host (one copy of
// each package's variables in the process), so values persist.
//
// A typed front-end (go/types over the latest compiled declarations of the
// session) decides whether a cell can be compiled and is the basis of the
// rewrite: every use of a name declared by an earlier compiled cell is
// replaced by a reference to that cell's exported forwarder (unexported
// names cannot cross packages otherwise), and every function entry and
// loop body gets a check of the cell's stop flag so that an interrupt stops
// compiled code. Anything the tier cannot compile correctly goes to the
// interpreter. See docs/compiled-tier.md for the design and its figures.
package compiled
