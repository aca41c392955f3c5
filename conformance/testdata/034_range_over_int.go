package main

import "fmt"

func main() {
	for i := range 3 {
		fmt.Print(i, " ")
	}
	fmt.Println()
	n := 4
	sum := 0
	for i := range n {
		sum += i
	}
	fmt.Println(sum)
	count := 0
	for range 5 {
		count++
	}
	fmt.Println(count)
}
