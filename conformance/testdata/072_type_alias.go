package main

import "fmt"

type MyInt = int

type Pair[T any] struct{ A, B T }

type IntPair = Pair[int]

func main() {
	var x MyInt = 5
	var y int = x
	fmt.Println(x + y)
	p := IntPair{1, 2}
	fmt.Println(p, p.A+p.B)
	fmt.Printf("%T\n", x)
}
