package main

import "fmt"

func Ptr[T any](v T) *T { return &v }

func Zero[T any]() T {
	var z T
	return z
}

func OrDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func main() {
	p := Ptr(42)
	fmt.Println(*p)
	fmt.Printf("%q %v %v\n", Zero[string](), Zero[int](), Zero[[]int]() == nil)
	fmt.Println(OrDefault("", "dflt"), OrDefault(3, 9))
}
