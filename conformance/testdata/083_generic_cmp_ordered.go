package main

import (
	"cmp"
	"fmt"
)

func MaxOf[T cmp.Ordered](xs ...T) T {
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

type Pair[K cmp.Ordered, V any] struct {
	Key K
	Val V
}

func main() {
	fmt.Println(MaxOf(3, 9, 2), MaxOf("b", "z", "a"))
	p := Pair[string, int]{"x", 1}
	fmt.Printf("%+v\n", p)
}
