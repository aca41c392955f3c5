package main

import "fmt"

func main() {
	for i := range 3 {
		for j := range i {
			fmt.Print(i, j, " ")
		}
	}
	fmt.Println()
	var total int64
	var n int64 = 5
	for i := range n {
		total += i
	}
	fmt.Printf("%d %T\n", total, total)
}
