package main

import (
	"fmt"
	"sort"
)

type Emp struct {
	Dept string
	Name string
}

func main() {
	es := []Emp{{"b", "x"}, {"a", "y"}, {"b", "a"}, {"a", "b"}}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	sort.SliceStable(es, func(i, j int) bool { return es[i].Dept < es[j].Dept })
	fmt.Println(es)
	fmt.Println(sort.IsSorted(sort.StringSlice([]string{"a", "b"})))
	idx := sort.Search(100, func(i int) bool { return i*i >= 50 })
	fmt.Println(idx)
}
