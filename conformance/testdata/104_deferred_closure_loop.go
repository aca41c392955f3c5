package main

import "fmt"

func main() {
	func() {
		for i := 0; i < 3; i++ {
			defer func() { fmt.Print(i, " ") }()
		}
	}()
	fmt.Println()
	var printers []func()
	for i := range 3 {
		printers = append(printers, func() { fmt.Print(i*10, " ") })
	}
	for _, p := range printers {
		p()
	}
	fmt.Println()
}
