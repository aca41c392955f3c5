package main

import (
	"fmt"
	"maps"
	"slices"
)

func main() {
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	c := maps.Clone(m)
	c["d"] = 4
	fmt.Println(len(m), len(c), maps.Equal(m, c))
	maps.DeleteFunc(c, func(k string, v int) bool { return v%2 == 0 })
	fmt.Println(slices.Sorted(maps.Keys(c)))
	dst := map[string]int{"z": 0}
	maps.Copy(dst, m)
	fmt.Println(dst)
	col := maps.Collect(maps.All(map[int]string{1: "x"}))
	fmt.Println(col)
}
