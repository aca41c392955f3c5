package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

type Person struct {
	Name string
	Age  int
}

func main() {
	ps := []Person{{"Alice", 30}, {"bob", 25}, {"Carol", 30}, {"dave", 20}}
	slices.SortFunc(ps, func(a, b Person) int { return cmp.Compare(a.Age, b.Age) })
	fmt.Println(ps)
	slices.SortStableFunc(ps, func(a, b Person) int {
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	fmt.Println(ps)
	fmt.Println(cmp.Compare(1, 2), cmp.Compare("b", "a"), cmp.Less(1.5, 2.5))
}
