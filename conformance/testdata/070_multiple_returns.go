package main

import (
	"errors"
	"fmt"
)

func divmod(a, b int) (q, r int) {
	q = a / b
	r = a % b
	return
}

func parse(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	return len(s), nil
}

func main() {
	q, r := divmod(17, 5)
	fmt.Println(q, r)
	if n, err := parse("abc"); err == nil {
		fmt.Println("len", n)
	}
	if _, err := parse(""); err != nil {
		fmt.Println("error:", err)
	}
	a, b := 1, 2
	a, b = b, a
	fmt.Println(a, b)
}
