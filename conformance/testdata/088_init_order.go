package main

import "fmt"

var a = b + 1
var b = f()

func f() int { return 10 }

var table = map[string]int{"x": a, "y": b}

func main() {
	fmt.Println(a, b, table["x"], table["y"])
}
