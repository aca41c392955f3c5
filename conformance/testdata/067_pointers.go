package main

import "fmt"

type Node struct {
	Val  int
	Next *Node
}

func double(p *int) { *p *= 2 }

func main() {
	x := 5
	double(&x)
	fmt.Println(x)
	p := new(int)
	*p = 3
	fmt.Println(*p)
	var head *Node
	for i := 3; i > 0; i-- {
		head = &Node{i, head}
	}
	for n := head; n != nil; n = n.Next {
		fmt.Print(n.Val)
	}
	fmt.Println()
	pp := &p
	**pp = 7
	fmt.Println(*p)
}
