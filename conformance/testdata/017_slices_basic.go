package main

import "fmt"

func main() {
	s := make([]int, 3, 10)
	fmt.Println(len(s), cap(s), s)
	s = append(s, 1, 2)
	t := s[1:4]
	t[0] = 99
	fmt.Println(s, t, len(t), cap(t))
	u := s[1:3:4]
	fmt.Println(len(u), cap(u))
	c := make([]int, 2)
	n := copy(c, s)
	fmt.Println(n, c)
	var nilS []int
	fmt.Println(nilS == nil, len(nilS))
	grid := [][]int{{1, 2}, {3, 4}}
	fmt.Println(grid[1][0])
}
