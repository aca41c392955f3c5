package main

import "fmt"

func main() {
	var a [5]int
	a[2] = 7
	b := a
	b[0] = 1
	fmt.Println(a, b, len(a))
	c := [...]string{"x", "y"}
	fmt.Println(len(c), c)
	fmt.Println(a == [5]int{0, 0, 7, 0, 0})
	var m [2][3]int
	m[1][2] = 5
	fmt.Println(m)
	p := &a
	p[4] = 9
	fmt.Println(a[4])
}
