package main

import "fmt"

func try(f func()) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println("panic:", r)
		}
	}()
	f()
}

func main() {
	try(func() {
		s := []int{1}
		i := 3
		_ = s[i]
	})
	try(func() {
		var m map[string]int
		m["a"] = 1
	})
	try(func() { panic("custom") })
	fmt.Println("done")
}
