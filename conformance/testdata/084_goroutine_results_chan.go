package main

import (
	"fmt"
	"sort"
)

func worker(id int, jobs <-chan int, results chan<- string) {
	for j := range jobs {
		results <- fmt.Sprintf("w%d:j%d", id%1, j)
	}
}

func main() {
	jobs := make(chan int, 10)
	results := make(chan string, 10)
	for w := 0; w < 3; w++ {
		go worker(w, jobs, results)
	}
	for j := 0; j < 5; j++ {
		jobs <- j
	}
	close(jobs)
	var out []string
	for i := 0; i < 5; i++ {
		out = append(out, <-results)
	}
	sort.Strings(out)
	fmt.Println(out)
}
