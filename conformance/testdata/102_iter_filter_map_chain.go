package main

import (
	"fmt"
	"iter"
	"slices"
)

func Filter[T any](seq iter.Seq[T], keep func(T) bool) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v := range seq {
			if keep(v) && !yield(v) {
				return
			}
		}
	}
}

func main() {
	evens := Filter(slices.Values([]int{1, 2, 3, 4, 5, 6}), func(v int) bool { return v%2 == 0 })
	fmt.Println(slices.Collect(evens))
}
