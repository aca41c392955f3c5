package main

import (
	"fmt"
	"iter"
)

type Tree struct {
	Left, Right *Tree
	Val         int
}

func (t *Tree) All() iter.Seq[int] {
	return func(yield func(int) bool) {
		t.walk(yield)
	}
}

func (t *Tree) walk(yield func(int) bool) bool {
	if t == nil {
		return true
	}
	return t.Left.walk(yield) && yield(t.Val) && t.Right.walk(yield)
}

func main() {
	t := &Tree{Val: 5, Left: &Tree{Val: 2}, Right: &Tree{Val: 8, Left: &Tree{Val: 6}}}
	for v := range t.All() {
		fmt.Print(v, " ")
	}
	fmt.Println()
}
