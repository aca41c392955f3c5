package main

import "fmt"

func main() {
	var v any = "hello"
	s, ok := v.(string)
	fmt.Println(s, ok)
	n, ok := v.(int)
	fmt.Println(n, ok)
	defer func() {
		fmt.Println("recovered:", recover() != nil)
	}()
	_ = v.(int)
}
