package goeval

import (
	"reflect"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// dropRoots forgets the syntax trees yaegi v0.16.1 keeps of every Eval
// (Interpreter.roots, read only by its debugger, which gokernel does not
// use). Keeping them made a notebook grow by about 3.5 KB per cell for the
// life of the kernel (measured: 10,000 trivial cells, +35 MB). Functions and
// types a cell declared stay reachable through the interpreter's scopes.
// If the field changes in another yaegi version, nothing is done.
func dropRoots(in *interp.Interpreter) {
	if in == nil {
		return
	}
	r := reflect.ValueOf(in).Elem().FieldByName("roots")
	if !r.IsValid() || r.Kind() != reflect.Slice || r.Len() == 0 {
		return
	}
	r = reflect.NewAt(r.Type(), unsafe.Pointer(r.UnsafeAddr())).Elem()
	r.Set(reflect.Zero(r.Type()))
}
