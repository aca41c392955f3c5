package main

import "fmt"

type Point struct{ X, Y int }

type Line struct{ A, B Point }

func main() {
	p, q := Point{1, 2}, Point{1, 2}
	fmt.Println(p == q, p != Point{2, 1})
	l1 := Line{p, Point{3, 4}}
	l2 := Line{q, Point{3, 4}}
	fmt.Println(l1 == l2)
	seen := map[Point]bool{p: true}
	fmt.Println(seen[q])
	anon := struct{ A int }{1}
	fmt.Println(anon == struct{ A int }{1})
}
