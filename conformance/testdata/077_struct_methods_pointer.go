package main

import "fmt"

type Rect struct{ W, H int }

func (r Rect) Area() int      { return r.W * r.H }
func (r *Rect) Scale(k int)   { r.W *= k; r.H *= k }
func (r Rect) String() string { return fmt.Sprintf("%dx%d", r.W, r.H) }

func main() {
	r := Rect{2, 3}
	r.Scale(2)
	fmt.Println(r, r.Area())
	rs := []Rect{{1, 1}, {2, 2}}
	for i := range rs {
		rs[i].Scale(3)
	}
	fmt.Println(rs[0].Area(), rs[1].Area())
	pr := &rs[0]
	fmt.Println(pr.Area(), *pr)
}
