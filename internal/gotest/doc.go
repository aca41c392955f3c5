// Package gotest is the yardstick of how much Go a notebook runs: it runs
// programs as notebook cells in real gokernel processes, over the Jupyter
// protocol (ZeroMQ, the kernel's request loop, the worker supervisor and
// the worker process: the code path a notebook uses), and compares each
// with `go run` of the equivalent program.
//
// Two sets of programs are measured (command gotest, make gotest and make
// gotest-corpus):
//
//   - suite: the single-file programs of Go's own test suite
//     ($GOROOT/test, test/typeparam, test/ken, test/chan, test/interface)
//     whose first line is exactly `// run`. They check themselves (they
//     panic or exit non-zero when Go gets something wrong) and some have a
//     .out file. Each runs as two cells: the file without its package
//     clause, then `main()`.
//   - corpus: sequences of 2 to 6 cells written for notebooks (corpus/*.txtar):
//     declarations in one cell and uses in later ones, redefinitions,
//     generics, iterators, closures over top-level loop variables, method
//     values, embedding, errors.As, String methods, goroutines and the
//     slices/maps/cmp packages. The equivalent program is generated (the
//     declaration cells at package level, the statement cells in main) or,
//     where that cannot express the notebook (redefinitions), written in
//     the sequence's main.go section.
//
// A program passes when go run passes (exit status 0 and the .out file
// when there is one), every cell succeeds, and the cells print what go run
// prints on stdout and stderr (the same text in the same order on the
// other stream also passes, with a note). A failure gets one category:
// compile (the interpreter refused the code), import (a package the
// kernel lacks), check (the program's own check failed: its panic or a
// non-zero os.Exit), runtime (a runtime error, a panic from inside the
// interpreter such as reflect misuse or a failed type assertion, or a
// crash of the interpreter process), output (every cell succeeded but the
// output differs: a silent wrong answer, the worst kind), timeout (a
// hang). A cell ending in os.Exit(0) ends the program as go run's does.
// The kernel's own progress lines on stderr (a compiled cell's slow go
// build) are removed before comparing (-keep-progress keeps them).
//
// go run results are cached in artifacts/gotest/gorun-cache.json, keyed by
// the Go version and the hash of the program and its .out file.
package gotest
