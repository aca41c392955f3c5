package main

import "fmt"

type Acc struct{ n int }

func (a *Acc) Add(d int) { a.n += d }
func (a Acc) Get() int   { return a.n }

func main() {
	a := &Acc{}
	add := a.Add
	add(5)
	add(3)
	fmt.Println(a.Get())
	get := Acc.Get
	fmt.Println(get(*a))
	inc := (*Acc).Add
	inc(a, 10)
	fmt.Println(a.n)
	fs := []func(int){a.Add, a.Add}
	for _, f := range fs {
		f(1)
	}
	fmt.Println(a.n)
}
