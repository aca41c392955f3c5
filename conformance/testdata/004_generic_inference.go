package main

import "fmt"

func Pair[K comparable, V any](k K, v V) map[K]V {
	return map[K]V{k: v}
}

func First[T any](xs ...T) T { return xs[0] }

func Reduce[T, A any](xs []T, init A, f func(A, T) A) A {
	acc := init
	for _, x := range xs {
		acc = f(acc, x)
	}
	return acc
}

func main() {
	fmt.Println(Pair("a", 1))
	fmt.Println(First(3, 4, 5))
	fmt.Println(Reduce([]int{1, 2, 3}, "", func(a string, x int) string { return a + fmt.Sprint(x) }))
}
