package goeval

import (
	"reflect"

	"github.com/traefik/yaegi/interp"
)

// clearRootDefers empties the defer stack of yaegi's global frame. A defer
// statement at the top level of a cell pushes onto that stack, which yaegi
// v0.16.1 runs at the end of every Eval and never clears: without this,
// the deferred call of one cell would run again after every later cell
// (measured). Called after each Eval, it makes top-level defers run once,
// when the run that declared them ends. The field names are yaegi
// v0.16.1's (Interpreter.frame, frame.deferred); if they change, nothing
// is done.
func clearRootDefers(in *interp.Interpreter) {
	if in == nil {
		return
	}
	fr := reflect.ValueOf(in).Elem().FieldByName("frame")
	if !fr.IsValid() || fr.Kind() != reflect.Pointer || fr.IsNil() {
		return
	}
	zeroField(fr.Elem(), "deferred")
}
