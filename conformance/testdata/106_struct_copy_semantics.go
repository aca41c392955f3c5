package main

import "fmt"

type Inner struct{ Vals []int }
type Outer struct {
	In  Inner
	Arr [2]int
	M   map[string]int
}

func main() {
	a := Outer{Inner{[]int{1}}, [2]int{1, 2}, map[string]int{"k": 1}}
	b := a
	b.Arr[0] = 100
	b.In.Vals[0] = 100
	b.M["k"] = 100
	fmt.Println(a.Arr, a.In.Vals, a.M["k"])
	fmt.Println(b.Arr, b.In.Vals, b.M["k"])
}
