package main

import "fmt"

func main() {
	var groups [][]string
	groups = append(groups, []string{"a"})
	groups[0] = append(groups[0], "b")
	groups = append(groups, nil)
	fmt.Println(groups, len(groups[1]))
	a := []int{1, 2, 3, 4, 5}
	a = append(a[:1], a[2:]...)
	fmt.Println(a)
	stack := []int{}
	stack = append(stack, 1, 2, 3)
	top := stack[len(stack)-1]
	stack = stack[:len(stack)-1]
	fmt.Println(top, stack)
}
