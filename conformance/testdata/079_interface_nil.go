package main

import "fmt"

type E struct{}

func (*E) Error() string { return "E" }

func mayFail(fail bool) error {
	var p *E
	if fail {
		return p
	}
	return nil
}

func main() {
	fmt.Println(mayFail(false) == nil)
	fmt.Println(mayFail(true) == nil)
	var i any
	fmt.Println(i == nil)
	i = (*int)(nil)
	fmt.Println(i == nil)
}
