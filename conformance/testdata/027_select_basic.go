package main

import (
	"fmt"
	"time"
)

func main() {
	a := make(chan string, 1)
	b := make(chan string, 1)
	a <- "from a"
	select {
	case m := <-a:
		fmt.Println(m)
	case m := <-b:
		fmt.Println(m)
	}
	select {
	case m := <-b:
		fmt.Println(m)
	default:
		fmt.Println("nothing ready")
	}
	select {
	case <-b:
	case <-time.After(10 * time.Millisecond):
		fmt.Println("timeout")
	}
}
