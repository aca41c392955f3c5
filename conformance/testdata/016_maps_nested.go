package main

import "fmt"

type key struct{ a, b int }

func main() {
	g := map[string]map[string]bool{}
	add := func(x, y string) {
		if g[x] == nil {
			g[x] = map[string]bool{}
		}
		g[x][y] = true
	}
	add("a", "b")
	add("a", "c")
	fmt.Println(len(g["a"]), g["a"]["c"], g["z"]["q"])
	m := map[key]string{{1, 2}: "x"}
	fmt.Println(m[key{1, 2}], m)
}
