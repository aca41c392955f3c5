package main

import "fmt"

func sum(prefix string, nums ...int) string {
	t := 0
	for _, n := range nums {
		t += n
	}
	return fmt.Sprint(prefix, len(nums), t)
}

func main() {
	fmt.Println(sum("a"))
	fmt.Println(sum("b", 1, 2, 3))
	xs := []int{4, 5}
	fmt.Println(sum("c", xs...))
	args := []any{1, "two", 3.0}
	fmt.Println(args...)
}
