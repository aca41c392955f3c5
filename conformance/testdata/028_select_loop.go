package main

import "fmt"

func main() {
	data := make(chan int)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 3; i++ {
			data <- i
		}
		close(done)
	}()
	total := 0
	for {
		select {
		case v := <-data:
			total += v
			continue
		case <-done:
		}
		break
	}
	fmt.Println("total", total)
}
