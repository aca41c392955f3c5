package main

import (
	"fmt"
	"strings"
)

func main() {
	s := "  Hello, World  "
	fmt.Println(strings.TrimSpace(s))
	fmt.Println(strings.ToUpper("go"), strings.ToLower("GO"))
	fmt.Println(strings.Split("a,b,c", ","), strings.Fields(" a  b "))
	fmt.Println(strings.Join([]string{"x", "y"}, "-"))
	fmt.Println(strings.Contains("seafood", "foo"), strings.HasPrefix("golang", "go"), strings.Index("chicken", "ken"))
	fmt.Println(strings.Replace("oink oink oink", "k", "ky", 2), strings.ReplaceAll("aaa", "a", "b"))
	fmt.Println(strings.Repeat("ab", 3), strings.Count("cheese", "e"))
	fmt.Println(strings.Title("x") != "", strings.TrimLeft("xxhix", "x"), strings.TrimSuffix("a.go", ".go"))
	before, after, found := strings.Cut("key=value", "=")
	fmt.Println(before, after, found)
	fmt.Println(strings.EqualFold("Go", "GO"), strings.Map(func(r rune) rune { return r + 1 }, "abc"))
}
