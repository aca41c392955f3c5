package lower

import (
	"fmt"
	"strings"
)

// The constraints are spelled out in each helper: a constraint interface
// declared next to them makes yaegi report "constant definition loop".

// Helpers are appended to the rewritten file under reserved _gk_ names. They
// are re-declared by every chunk that needs them, which yaegi accepts.
// Each one is written in the subset yaegi v0.16.1 runs: no variadic generic
// functions (they panic the interpreter), type parameters inferable from
// the first argument.

func (l *lowering) helper(name, text string) { l.helpers[name] = text }

const ordered = `~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string`

func minMax2(name string) string {
	op := "<"
	if name == "max" {
		op = ">"
	}
	// b != b catches a NaN second argument; a NaN first one is kept because
	// no comparison with it is true.
	return fmt.Sprintf("func _gk_%s2[T "+ordered+"](a, b T) T {\n\tif b != b || b %s a {\n\t\treturn b\n\t}\n\treturn a\n}", name, op)
}

func minMaxN(name string, n int) string {
	params := make([]string, n)
	for i := range params {
		params[i] = fmt.Sprintf("a%d", i)
	}
	body := "a0"
	for i := 1; i < n; i++ {
		body = fmt.Sprintf("_gk_%s2(%s, a%d)", name, body, i)
	}
	return fmt.Sprintf("func _gk_%s%d[T "+ordered+"](%s T) T { return %s }", name, n, strings.Join(params, ", "), body)
}

const helperClearMap = `func _gk_clearm[K comparable, V any](m map[K]V) {
	for k := range m {
		delete(m, k)
	}
}`

const helperClearSlice = `func _gk_clears[T any](s []T) {
	var z T
	for i := range s {
		s[i] = z
	}
}`

// The range-over-func helpers take the loop body as a func() bool that reads
// the yielded values through pointers: a closure with typed parameters would
// need the element types, which the syntax does not show, while yaegi infers
// them from the iterator argument.
const helperIt0 = `func _gk_it0(seq func(func() bool), body func() bool) { seq(body) }`

const helperIz1 = `func _gk_iz1[V any](seq func(func(V) bool)) *V { var v V; return &v }`

const helperIt1 = `func _gk_it1[V any](seq func(func(V) bool), p *V, body func() bool) {
	seq(func(v V) bool { *p = v; return body() })
}`

const helperIt1n = `func _gk_it1n[V any](seq func(func(V) bool), body func() bool) {
	seq(func(V) bool { return body() })
}`

// The key and value pointers come from two single-result helpers: yaegi
// v0.16.1 loses the variables of a generic multi-value := in a block at the
// top level of a REPL chunk ("undefined: _gk_k1").
const helperIz2k = `func _gk_iz2k[K, V any](seq func(func(K, V) bool)) *K { var k K; return &k }`

const helperIz2v = `func _gk_iz2v[K, V any](seq func(func(K, V) bool)) *V { var v V; return &v }`

const helperIt2 = `func _gk_it2[K, V any](seq func(func(K, V) bool), pk *K, pv *V, body func() bool) {
	seq(func(k K, v V) bool { *pk, *pv = k, v; return body() })
}`

const helperIt2n = `func _gk_it2n[K, V any](seq func(func(K, V) bool), body func() bool) {
	seq(func(K, V) bool { return body() })
}`
