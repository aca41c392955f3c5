package main

import (
	"fmt"
	"strings"
	"unicode"
)

func main() {
	f := strings.FieldsFunc("a1b2c3", unicode.IsDigit)
	fmt.Println(f, len(f))
	fmt.Println(strings.SplitN("a:b:c", ":", 2), strings.LastIndex("go gopher", "go"))
	fmt.Println(strings.TrimFunc("123abc456", unicode.IsDigit))
	fmt.Println(strings.ContainsAny("hello", "xyz"), strings.ContainsRune("abc", 'b'))
	fmt.Println(strings.Compare("a", "b"), strings.TrimPrefix("prefix-body", "prefix-"))
}
