package main

import (
	"fmt"
	"math/rand"
)

func main() {
	r := rand.New(rand.NewSource(42))
	a := r.Intn(1000)
	r2 := rand.New(rand.NewSource(42))
	b := r2.Intn(1000)
	fmt.Println(a == b, a >= 0 && a < 1000)
	xs := []int{1, 2, 3, 4}
	r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	fmt.Println(len(xs))
}
