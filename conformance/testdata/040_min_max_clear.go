package main

import "fmt"

func main() {
	fmt.Println(min(3, 1, 2), max(3, 1, 2))
	fmt.Println(min(2.5, 1.0), max("a", "b"))
	a, b := 10, 20
	fmt.Println(min(a, b), max(a, b, 15))
	m := map[string]int{"a": 1}
	clear(m)
	fmt.Println(len(m))
	s := []int{1, 2, 3}
	clear(s)
	fmt.Println(s)
}
