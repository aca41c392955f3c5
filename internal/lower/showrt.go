package lower

import (
	"fmt"
	"io"
	"reflect"
	"strings"
)

// The compiled half of the String-method rewrite (stringers.go). yaegi
// v0.16.1 gives fmt a value of a cell-declared type as a value of the
// reflect type it synthesized, which has no methods: fmt only sees a String
// or Error method when yaegi wraps the value itself, which it does for an
// operand of a fmt call but not for a value inside a slice, map, struct or
// []any. The lowered code converts such operands, with their static types,
// into the values below, whose Format methods do what fmt does with the
// methods the interpreted values have.

// shown is a value of a cell-declared type with a String, Error or
// GoString method, the methods bound to the value.
type shown struct {
	str, gostr func() string
	raw        any
	// nilPtr: raw is a nil pointer; fmt prints <nil> when its method
	// panics.
	nilPtr bool
}

// showValue is exported to interpreted code as _gk_rt.Show.
func showValue(str, gostr func() string, raw any, nilPtr bool) any {
	return &shown{str: str, gostr: gostr, raw: raw, nilPtr: nilPtr}
}

// Format follows fmt's handleMethods: %#v uses GoString, the verbs v, s,
// x, X and q use Error or String, the other verbs format the value itself;
// a panicking method prints as fmt's catchPanic does.
func (s *shown) Format(f fmt.State, verb rune) {
	var method string
	defer func() {
		if method == "" {
			return
		}
		if r := recover(); r != nil {
			if s.nilPtr {
				io.WriteString(f, "<nil>")
				return
			}
			fmt.Fprintf(f, "%%!%c(PANIC=%s method: %v)", verb, method, r)
		}
	}()
	if verb == 'v' && f.Flag('#') {
		if s.gostr != nil {
			method = "GoString"
			io.WriteString(f, s.gostr())
			return
		}
		fmt.Fprintf(f, "%#v", s.raw)
		return
	}
	if s.str != nil && strings.ContainsRune("vsxXq", verb) {
		method = "String"
		text := s.str()
		method = ""
		fmt.Fprintf(f, fmt.FormatString(f, verb), text)
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.raw)
}

// newList is exported as _gk_rt.List: a []any built by compiled code,
// because an []any built by interpreted code reaches fmt with yaegi's
// internal wrappers as elements.
func newList(n int) []any { return make([]any, n) }

// setList is exported as _gk_rt.Set.
func setList(l []any, i int, v any) { l[i] = v }

// shownMap collects the entries of a map whose values need converting;
// Value makes it a real map with the original key type, so that fmt
// sorts and prints the keys as Go does.
type shownMap struct {
	keys, vals []any
}

// newMap is exported as _gk_rt.Map.
func newMap() *shownMap { return &shownMap{} }

// putMap is exported as _gk_rt.Put.
func putMap(m *shownMap, k, v any) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

// mapValue is exported as _gk_rt.MapValue.
func mapValue(m *shownMap) any {
	if len(m.keys) == 0 {
		return map[any]any{}
	}
	kt := reflect.TypeOf(m.keys[0])
	for _, k := range m.keys[1:] {
		if reflect.TypeOf(k) != kt {
			kt = reflect.TypeOf((*any)(nil)).Elem()
			break
		}
	}
	if kt == nil || !kt.Comparable() {
		kt = reflect.TypeOf((*any)(nil)).Elem()
	}
	mv := reflect.MakeMapWithSize(reflect.MapOf(kt, reflect.TypeOf((*any)(nil)).Elem()), len(m.keys))
	for i, k := range m.keys {
		kv := reflect.ValueOf(k)
		if !kv.IsValid() {
			kv = reflect.Zero(kt)
		}
		vv := reflect.ValueOf(&m.vals[i]).Elem()
		mv.SetMapIndex(kv.Convert(kt), vv)
	}
	return mv.Interface()
}

// shownStruct is a struct value of a cell-declared type some of whose
// fields need converting, with Go's field names (yaegi renames unexported
// fields, so %+v of its own struct type prints Xname).
type shownStruct struct {
	names []string
	vals  []any
}

// newStruct is exported as _gk_rt.Struct.
func newStruct() *shownStruct { return &shownStruct{} }

// setField is exported as _gk_rt.Field.
func setField(s *shownStruct, name string, v any) {
	s.names = append(s.names, name)
	s.vals = append(s.vals, v)
}

// Format prints {a b} or, with %+v, {A:a B:b}, each field formatted with
// the same verb and flags, as fmt does.
func (s *shownStruct) Format(f fmt.State, verb rune) {
	io.WriteString(f, "{")
	for i, v := range s.vals {
		if i > 0 {
			io.WriteString(f, " ")
		}
		if verb == 'v' && f.Flag('+') {
			io.WriteString(f, s.names[i]+":")
		}
		formatNested(f, verb, v)
	}
	io.WriteString(f, "}")
}

// formatNested formats a value that fmt would print at depth > 0: a
// non-nil pointer to a composite prints as an address, not as &{...}
// (the converted values of this file excepted: fmt calls their Format
// first).
func formatNested(f fmt.State, verb rune, v any) {
	rv := reflect.ValueOf(v)
	if _, conv := v.(fmt.Formatter); conv {
		fmt.Fprintf(f, fmt.FormatString(f, verb), v)
		return
	}
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && verb == 'v' && !f.Flag('#') {
		switch rv.Elem().Kind() {
		case reflect.Array, reflect.Slice, reflect.Struct, reflect.Map:
			fmt.Fprintf(f, "%p", v)
			return
		}
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), v)
}
