package goeval

import (
	"fmt"
	"reflect"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// Use makes more compiled packages importable by cells (e.g. the display
// package, whose functions are bound to this engine's output). The map's
// keys are "import/path/name", as in yaegi's interp.Exports.
func (e *Engine) Use(symbols map[string]map[string]reflect.Value) error {
	if err := e.in.Use(interp.Exports(symbols)); err != nil {
		return fmt.Errorf("goeval: use: %w", err)
	}
	// Remember them so completion and inspection know these packages too.
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, syms := range symbols {
		if e.extra[k] == nil {
			e.extra[k] = map[string]reflect.Value{}
		}
		for n, v := range syms {
			e.extra[k][n] = v
		}
	}
	return nil
}

// symbolTables returns the symbol tables cells can import from, keyed
// "path/name": the standard library plus what Use added.
func (e *Engine) symbolTable(key string) (map[string]reflect.Value, bool) {
	e.mu.Lock()
	t, ok := e.extra[key]
	e.mu.Unlock()
	if ok {
		return t, true
	}
	t, ok = stdlib.Symbols[key]
	return t, ok
}

// extraKeys returns the "path/name" keys of the packages Use added.
func (e *Engine) extraKeys() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	keys := make([]string, 0, len(e.extra))
	for k := range e.extra {
		keys = append(keys, k)
	}
	return keys
}
