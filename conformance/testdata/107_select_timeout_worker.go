package main

import (
	"fmt"
	"time"
)

func slow(d time.Duration) <-chan string {
	ch := make(chan string, 1)
	go func() {
		time.Sleep(d)
		ch <- "done"
	}()
	return ch
}

func main() {
	select {
	case r := <-slow(time.Millisecond):
		fmt.Println(r)
	case <-time.After(2 * time.Second):
		fmt.Println("timeout")
	}
	select {
	case r := <-slow(2 * time.Second):
		fmt.Println(r)
	case <-time.After(5 * time.Millisecond):
		fmt.Println("timeout")
	}
}
