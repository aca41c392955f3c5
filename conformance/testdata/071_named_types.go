package main

import (
	"fmt"
	"strings"
)

type Celsius float64
type Fahrenheit float64

func (c Celsius) ToF() Fahrenheit { return Fahrenheit(c*9/5 + 32) }

type Words []string

func (w Words) Join() string { return strings.Join(w, "+") }

type Handler func(string) string

func (h Handler) Twice(s string) string { return h(h(s)) }

func main() {
	fmt.Println(Celsius(100).ToF())
	fmt.Println(Words{"a", "b"}.Join())
	h := Handler(func(s string) string { return s + "!" })
	fmt.Println(h.Twice("hi"))
	type local int
	var l local = 3
	fmt.Println(l * 2)
}
