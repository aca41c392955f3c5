package main

import "fmt"

func f() (result int) {
	defer func() { result *= 2 }()
	return 21
}

func main() {
	for i := 0; i < 3; i++ {
		defer fmt.Println("deferred", i)
	}
	fmt.Println(f())
	x := 1
	defer fmt.Println("x at defer:", x)
	x = 2
	fmt.Println("x now:", x)
}
