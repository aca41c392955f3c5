package goeval

import (
	"testing"

	"github.com/gokernel/gokernel/internal/compiled"
)

// TestLentTypeValuesReachUnexportedFields: a value of a generic type an
// interpreted cell declared, made by a compiled statement cell (which
// declares the type again), has that cell's version of the type; a later
// cell that reads its unexported fields is compiled with the type
// declared again and sees the same variable, reads and writes shared with
// the cells that do not need it (interpreted, exported methods). After the
// type is redefined, the old value's unexported fields are a clear error.
func TestLentTypeValuesReachUnexportedFields(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins with the go command (seconds per cell)")
	}
	te, _ := newCompiledEngine(t, compiled.Auto)
	runStepsOn(t, te, []step{
		{code: `type Cache[K comparable, V any] struct {
	data  map[K]V
	order []K
	limit int
}

func NewCache[K comparable, V any](limit int) *Cache[K, V] {
	return &Cache[K, V]{data: map[K]V{}, limit: limit}
}

func (c *Cache[K, V]) Put(k K, v V) {
	if _, ok := c.data[k]; !ok {
		c.order = append(c.order, k)
	}
	c.data[k] = v
	if len(c.order) > c.limit {
		delete(c.data, c.order[0])
		c.order = c.order[1:]
	}
}`},
		{code: "c := NewCache[string, int](2)\nc.Put(\"a\", 1)\nc.Put(\"b\", 2)\nc.Put(\"c\", 3)"},
		{code: "_, hasA := c.data[\"a\"]\nfmt.Sprint(hasA, c.data[\"b\"], c.order)", want: `"false 2 [b c]"`},
		{code: "hasA", want: "false"},
		{code: "c.limit = 5\nc.Put(\"d\", 4)\nlen(c.order)", want: "3"},
		{code: "c.Put(\"e\", 5)"},
		{code: "fmt.Sprint(len(c.data), c.limit, c.order)", want: `"4 5 [b c d e]"`},
		{code: `type Cache[K comparable, V any] struct {
	data  map[K]V
	limit int
}`},
		// Redefined (by a compiled cell: the interpreter cannot redefine a
		// type): the old value's fields are out of reach, said so.
		{code: "c.limit", errName: errPanic, errHas: "an interpreted cell cannot read the unexported fields"},
		{code: "c.Put(\"f\", 6)\nlen(c.order)", want: "5"},
	})
}
