package goeval

import (
	"reflect"

	"github.com/traefik/yaegi/interp"
)

// Use makes more compiled packages importable by cells (e.g. the display
// package, whose functions are bound to this engine's output). The map's
// keys are "import/path/name", as in yaegi's interp.Exports.
func (e *Engine) Use(symbols map[string]map[string]reflect.Value) error {
	return e.in.Use(interp.Exports(symbols))
}
