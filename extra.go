package main

import "reflect"

// extraSymbols returns the yaegi symbol tables of the packages that
// `gokernel build --with` compiles into a kernel. A kernel built from the
// source tree as is has none: gokernel build replaces this file (go build
// -overlay) with a generated one that returns them (see package builder).
func extraSymbols() map[string]map[string]reflect.Value { return nil }
