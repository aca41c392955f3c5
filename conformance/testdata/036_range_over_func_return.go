package main

import (
	"fmt"
	"iter"
)

func Evens() iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; ; i += 2 {
			if !yield(i) {
				return
			}
		}
	}
}

func firstAbove(n int) int {
	for v := range Evens() {
		if v > n {
			return v
		}
	}
	return -1
}

func main() {
	fmt.Println(firstAbove(7), firstAbove(100))
}
