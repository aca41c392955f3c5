package main

import (
	"fmt"
	"strings"
	"unicode"
)

func main() {
	s := "Hello, Wörld 42"
	var up, digit, space int
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			up++
		case unicode.IsDigit(r):
			digit++
		case unicode.IsSpace(r):
			space++
		}
	}
	fmt.Println(up, digit, space)
	fmt.Println(strings.IndexRune(s, 'ö'), strings.IndexByte(s, 'W'))
	fmt.Println(strings.ToTitle("ö"), unicode.ToUpper('ß') == 'ß')
	fmt.Printf("%x % x\n", "hi", []byte("hi"))
}
