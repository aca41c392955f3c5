package main

import (
	"fmt"
	"maps"
	"slices"
)

func main() {
	xs := []string{"b", "a", "c"}
	for i, v := range slices.All(xs) {
		fmt.Println(i, v)
	}
	for v := range slices.Values(xs) {
		fmt.Print(v)
	}
	fmt.Println()
	m := map[string]int{"z": 26, "a": 1}
	fmt.Println(slices.Sorted(maps.Keys(m)))
	fmt.Println(slices.Sorted(maps.Values(m)))
	fmt.Println(slices.Collect(slices.Values([]int{3, 1})))
}
