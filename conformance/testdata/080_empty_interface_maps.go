package main

import (
	"fmt"
	"sort"
)

func main() {
	data := map[string]any{
		"name": "x",
		"n":    3,
		"tags": []string{"a"},
		"sub":  map[string]any{"k": 1.5},
	}
	keys := make([]string, 0)
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s=%v (%T)\n", k, data[k], data[k])
	}
}
