package main

import (
	"fmt"
	"iter"
)

func Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func main() {
	for x := range Count(5) {
		if x == 1 {
			continue
		}
		if x == 4 {
			break
		}
		fmt.Println(x)
	}
}
