package goeval

import (
	"iter"
	"testing"
)

type probeR struct{ n int }

func (r probeR) All() iter.Seq2[int, []any] {
	return func(y func(int, []any) bool) {
		for i := 0; i < r.n; i++ {
			if !y(i, []any{i}) {
				return
			}
		}
	}
}

func TestZZProbe(t *testing.T) {
	te := newTestEngine(t)
	if err := te.Define("r", probeR{3}); err != nil { t.Fatal(err) }
	for _, src := range []string{
		"s := 0\nfor i := range 10 { s += i }\ns",
		"s2 := 0\nfor i, row := range r.All() { s2 += i + row[0].(int) }\ns2",
		"type S struct { A int64 `bigquery:\"a\"`; B string }",
		"reflect.TypeOf(S{}).Field(0).Tag",
		"reflect.TypeOf(S{}).Field(0).Name",
		"var ss []S\nreflect.TypeOf(&ss).Elem().Elem().Name()",
	} {
		res := te.exec(t, src)
		t.Logf("%q => %v %v", src, res.Value["text/plain"], res.Error)
	}
}
