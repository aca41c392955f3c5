package goeval

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/internal/compiled"
)

// A cell that adds methods to a compiled type reopens the type's cell: the
// compiled tier builds it again as a new plugin (compiled/reopen.go), so
// the name T is a new Go type from that cell on. What the session made
// with the earlier T must follow, or it would silently lack the new
// methods (fmt.Println of an old value ignores a String method added
// later): interpreted functions that name T are declared again against
// the new type, interpreted variables of type T or *T, and slices, arrays and
// maps of them, are converted (the two types have the same fields; a
// pointer keeps pointing at the same value), and a variable that holds
// the earlier type deeper inside (a struct field, an interface) is named
// on stderr.

// afterReopen brings the session's functions and variables over to the
// new versions of the types a compiled cell reopened.
func (e *Engine) afterReopen(ctx context.Context, l *compiled.Loaded) {
	if len(l.Reopened) == 0 {
		return
	}
	changed := map[string]bool{}
	declared := map[string]bool{}
	for _, n := range l.Names {
		declared[n] = true
	}
	e.mu.Lock()
	for _, rt := range l.Reopened {
		changed[rt.Name] = true
		// Every method of a reopened type is the new plugin's.
		for m := range e.methodUses {
			if strings.HasPrefix(m, rt.Name+".") {
				declared[m] = true
			}
		}
	}
	e.mu.Unlock()
	e.migrateGlobals(l)
	e.redeclareUsers(ctx, changed, declared, "whose type a compiled cell reopened")
}

// migrateGlobals converts the interpreter's variables of reopened types.
func (e *Engine) migrateGlobals(l *compiled.Loaded) {
	compiledName := map[string]bool{}
	for _, n := range l.Names {
		compiledName[n] = true
	}
	var stale []string
	for name, v := range e.safeGlobals() {
		if compiledName[name] || strings.HasPrefix(name, "_gk") || !v.IsValid() {
			continue
		}
		t := v.Type()
		for _, rt := range l.Reopened {
			to, ok := swapType(t, rt)
			if !ok {
				budget := 10000
				if holds(t, rt.Old, map[reflect.Type]bool{}) || holdsValue(v, rt.Old, map[uintptr]bool{}, &budget) {
					stale = append(stale, fmt.Sprintf("%s (%s)", name, t))
				}
				continue
			}
			if err := e.convertGlobal(name, v, to); err != nil {
				stale = append(stale, fmt.Sprintf("%s (%s: %v)", name, t, err))
			}
			break
		}
	}
	sort.Strings(stale)
	for _, s := range stale {
		fmt.Fprintf(e.opts.Stderr, "[gokernel] note: the variable %s holds values of a type a compiled cell reopened: they keep the earlier type and its methods; make them again to get the new ones\n", s)
	}
}

// convertGlobal defines the global name again as v converted to type to.
func (e *Engine) convertGlobal(name string, v reflect.Value, to reflect.Type) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return e.Define(name, convertDeep(v, to).Interface())
}

// swapType is t with the reopened type's old version replaced by its new
// one, where a value can be converted: T, *T, and slices, arrays and maps
// of those (ok false otherwise, or when t does not name the old type).
func swapType(t reflect.Type, rt compiled.ReopenedType) (reflect.Type, bool) {
	switch {
	case t == rt.Old:
		return rt.New, true
	case t.Kind() == reflect.Pointer && t.Elem() == rt.Old:
		return reflect.PointerTo(rt.New), true
	}
	switch t.Kind() {
	case reflect.Slice:
		if e, ok := swapType(t.Elem(), rt); ok {
			return reflect.SliceOf(e), true
		}
	case reflect.Array:
		if e, ok := swapType(t.Elem(), rt); ok {
			return reflect.ArrayOf(t.Len(), e), true
		}
	case reflect.Map:
		k, okk := swapType(t.Key(), rt)
		if !okk {
			k = t.Key()
		}
		e, oke := swapType(t.Elem(), rt)
		if !oke {
			e = t.Elem()
		}
		if (okk || oke) && !holds(k, rt.Old, map[reflect.Type]bool{}) && !holds(e, rt.Old, map[reflect.Type]bool{}) {
			return reflect.MapOf(k, e), true
		}
	}
	return nil, false
}

// convertDeep converts v to type to (from swapType): a pointer keeps
// pointing at the same value; slices, arrays and maps are copied element
// by element (a slice no longer shares its backing array with others).
func convertDeep(v reflect.Value, to reflect.Type) reflect.Value {
	if v.Type() == to {
		return v
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(to)
		}
		out := reflect.MakeSlice(to, v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(convertDeep(v.Index(i), to.Elem()))
		}
		return out
	case reflect.Array:
		out := reflect.New(to).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(convertDeep(v.Index(i), to.Elem()))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(to)
		}
		out := reflect.MakeMapWithSize(to, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(convertDeep(it.Key(), to.Key()), convertDeep(it.Value(), to.Elem()))
		}
		return out
	}
	return v.Convert(to)
}

// holds reports whether values of t can contain values of old.
func holds(t, old reflect.Type, seen map[reflect.Type]bool) bool {
	if t == old {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		return holds(t.Elem(), old, seen)
	case reflect.Map:
		return holds(t.Key(), old, seen) || holds(t.Elem(), old, seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if holds(t.Field(i).Type, old, seen) {
				return true
			}
		}
	}
	return false
}

// holdsValue reports whether v holds a value of type old somewhere inside
// an interface (an error wrapping a value of the type): types cannot tell.
// It looks at up to *budget values.
func holdsValue(v reflect.Value, old reflect.Type, seen map[uintptr]bool, budget *int) bool {
	if !v.IsValid() || *budget <= 0 {
		return false
	}
	*budget--
	if v.Type() == old {
		return true
	}
	switch v.Kind() {
	case reflect.Interface:
		return !v.IsNil() && holdsValue(v.Elem(), old, seen, budget)
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return false
		}
		seen[v.Pointer()] = true
		return holdsValue(v.Elem(), old, seen, budget)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if holdsValue(v.Field(i), old, seen, budget) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if holdsValue(v.Index(i), old, seen, budget) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if holdsValue(it.Key(), old, seen, budget) || holdsValue(it.Value(), old, seen, budget) {
				return true
			}
		}
	}
	return false
}
