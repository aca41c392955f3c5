package main

import (
	"fmt"
	"strings"
)

// In a notebook, main's := below redeclare the globals of the first cell
// (df := transform(df)): the right side must read the earlier value.

var df = []string{"b", "a"}
var n = 2

func transform(d []string) []string {
	out := append([]string(nil), d...)
	return append(out, strings.Repeat("c", len(d)))
}

func main() {
	df := transform(df)
	fmt.Println(df, len(df))
	n, ok := n*10, n > 1
	fmt.Println(n, ok)
	var label fmt.Stringer = nil
	fmt.Println(label == nil)
}
