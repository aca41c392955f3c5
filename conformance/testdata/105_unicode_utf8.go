package main

import (
	"fmt"
	"unicode/utf8"
)

func main() {
	b := []byte("€uro")
	r, size := utf8.DecodeRune(b)
	fmt.Println(string(r), size, utf8.RuneLen('€'), utf8.ValidString("ok"))
	buf := make([]byte, 4)
	n := utf8.EncodeRune(buf, 'é')
	fmt.Println(buf[:n], utf8.RuneCount(b))
	fmt.Println(string(rune(65)), fmt.Sprint([]rune("héé")))
}
