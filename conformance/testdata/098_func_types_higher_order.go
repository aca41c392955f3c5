package main

import (
	"fmt"
	"strings"
)

type Op func(float64, float64) float64

func apply(ops map[string]Op, name string, a, b float64) float64 { return ops[name](a, b) }

func compose(fs ...func(string) string) func(string) string {
	return func(s string) string {
		for _, f := range fs {
			s = f(s)
		}
		return s
	}
}

func main() {
	ops := map[string]Op{
		"add": func(a, b float64) float64 { return a + b },
		"mul": func(a, b float64) float64 { return a * b },
	}
	fmt.Println(apply(ops, "add", 2, 3), apply(ops, "mul", 2, 3))
	f := compose(strings.TrimSpace, strings.ToUpper, func(s string) string { return s + "!" })
	fmt.Println(f("  hey "))
}
