package main

import (
	"fmt"
	"strconv"
)

func main() {
	n, err := strconv.Atoi("123")
	fmt.Println(n+1, err)
	_, err = strconv.Atoi("abc")
	fmt.Println(err)
	f, _ := strconv.ParseFloat("3.25", 64)
	fmt.Println(f * 2)
	b, _ := strconv.ParseBool("true")
	fmt.Println(b, strconv.Itoa(99)+"!", strconv.Quote("hi\n"))
	i, _ := strconv.ParseInt("-ff", 16, 64)
	fmt.Println(i, strconv.FormatInt(255, 2), strconv.FormatFloat(1.5, 'f', 3, 64))
	u, err := strconv.ParseUint("300", 10, 8)
	fmt.Println(u, err)
}
