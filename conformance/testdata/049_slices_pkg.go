package main

import (
	"fmt"
	"slices"
)

func main() {
	xs := []int{3, 1, 4, 1, 5, 9, 2, 6}
	ys := slices.Clone(xs)
	slices.Sort(ys)
	fmt.Println(xs, ys)
	fmt.Println(slices.Contains(xs, 9), slices.Index(xs, 4), slices.Max(xs), slices.Min(xs))
	i, found := slices.BinarySearch(ys, 5)
	fmt.Println(i, found)
	fmt.Println(slices.Compact(ys))
	zs := []int{1, 2, 3}
	slices.Reverse(zs)
	fmt.Println(zs, slices.Equal(zs, []int{3, 2, 1}))
	zs = slices.Insert(zs, 1, 10, 11)
	fmt.Println(zs)
	zs = slices.Delete(zs, 0, 2)
	fmt.Println(zs, slices.IndexFunc(zs, func(v int) bool { return v < 3 }))
}
