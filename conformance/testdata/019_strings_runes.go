package main

import (
	"fmt"
	"unicode/utf8"
)

func main() {
	s := "héllo, 世界"
	fmt.Println(len(s), utf8.RuneCountInString(s))
	for i, r := range "aé世" {
		fmt.Println(i, string(r), r)
	}
	rs := []rune(s)
	fmt.Println(string(rs[7:]))
	b := []byte("abc")
	b[0] = 'A'
	fmt.Println(string(b), b)
	fmt.Println(s[1], s[:1])
}
