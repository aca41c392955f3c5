package lower

// programs is the corpus run by TestPrograms: each program runs once with
// the go tool and once through Source and yaegi; outputs must match.
var programs = []progCase{
	{"fmt_named_types", `package main

import "fmt"

type Shape interface{ Area() float64 }

type Rect struct{ W, H float64 }

func (r Rect) Area() float64 { return r.W * r.H }

type Level int

const (
	Low Level = iota
	High
)

func (l Level) String() string { return [...]string{"low", "high"}[l] }

type Temp float64

func (t Temp) String() string { return "temp" }

func main() {
	r := Rect{3, 4}
	var s Shape = r
	fmt.Printf("%T %T %T %v\n", r, &r, s, r)
	fmt.Println(fmt.Sprintf("%8T|", s))
	fmt.Printf("%v %s %d %x\n", High, Low, High, High)
	var t Temp = 21.5
	fmt.Printf("%v %.1f %T\n", t, t, t)
	fmt.Printf("%T %d\n", 3, 4)
}
`},
	{"type_switch_error", `package main

import (
	"errors"
	"fmt"
	"io"
)

type pathErr struct{ path string }

func (p *pathErr) Error() string { return "bad path " + p.path }

func open() error { return &pathErr{"/x"} }

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case int:
		return fmt.Sprint("int ", x)
	case error:
		return "error " + x.Error()
	case fmt.Stringer:
		return "stringer " + x.String()
	default:
		return fmt.Sprintf("other %T", x)
	}
}

func main() {
	for _, v := range []any{nil, 1, errors.New("plain"), fmt.Errorf("wrapped: %w", io.EOF), open(), 2.5} {
		fmt.Println(describe(v))
	}
}
`},
	{"index_recover", `package main

import "fmt"

func try(f func()) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println("panic:", r)
		}
	}()
	f()
}

func main() {
	s := []int{1, 2}
	for _, i := range []int{1, 2, -1} {
		try(func() { fmt.Println(s[i]) })
	}
	var b uint8 = 7
	try(func() { s[b] = 3 })
	try(func() { s[1]++; fmt.Println(s) })
	var names []string
	try(func() { _ = names[0] })
}
`},
	{"recover_error", `package main

import (
	"errors"
	"fmt"
)

var errBoom = errors.New("boom")

func catch(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

func main() {
	r := catch(func() { panic(errBoom) })
	err, ok := r.(error)
	fmt.Printf("%T %v %v\n", r, ok, errors.Is(err, errBoom))
	r = catch(func() { panic("text") })
	s, ok := r.(string)
	fmt.Printf("%T %q %v\n", r, s, ok)
	fmt.Println(catch(func() {}) == nil)
}
`},
	{"method_expressions", `package main

import "fmt"

type Acc struct{ n int }

func (a *Acc) Add(d int)              { a.n += d }
func (a Acc) Get() int                { return a.n }
func (a *Acc) Sum(xs ...int) (int, bool) { for _, x := range xs { a.n += x }; return a.n, len(xs) > 0 }

func main() {
	a := &Acc{}
	inc := (*Acc).Add
	inc(a, 10)
	get := Acc.Get
	pget := (*Acc).Get
	fmt.Println(get(*a), pget(a))
	sum := (*Acc).Sum
	fmt.Println(sum(a, 1, 2))
	fmt.Println((*Acc).Sum(a))
}
`},
	{"select_continue", `package main

import "fmt"

func main() {
	data := make(chan int)
	done := make(chan struct{})
	go func() {
		for i := 1; i <= 3; i++ {
			data <- i
		}
		close(done)
	}()
	total, rounds := 0, 0
outer:
	for {
		rounds++
		select {
		case v := <-data:
			total += v
			continue
		case <-done:
		}
		for j := 0; j < 2 && rounds < 6; j++ {
			select {
			case <-done:
				fmt.Println("inner", j, rounds)
				continue outer
			}
		}
		break
	}
	fmt.Println("total", total, "rounds", rounds)
}
`},
	{"const_forms", `package main

import (
	"fmt"
	"math"
)

type Bits uint8

const (
	A, B = iota, iota * 10
	C, D
	E, F Bits = iota + 1, 1 << iota
	G, H
)

const (
	x0 = iota
	x1
	p, q = iota, -iota
	r, s
	x4 = iota * 100
	x5
)

const Pi2 = math.Pi * 2
const Half = Pi2 / 4 / math.Pi
const K = 1 << 3

func main() {
	fmt.Println(A, B, C, D, E, F, G, H)
	fmt.Println(x0, x1, p, q, r, s, x4, x5)
	var f32 float32 = Pi2
	var h32, k8 = float32(1), int8(2)
	var k int8 = K
	var f64 float64 = math.MaxInt8 + Half
	fmt.Printf("%.4f %v %v %v %v\n", f32, h32, k8, k, f64)
}
`},
	{"defer_values", `package main

import "fmt"

type acc struct{ n int }

func (a *acc) show(label string, v int) { fmt.Println(label, a.n, v) }

func half(x float64, tags ...string) { fmt.Println(x/2, tags) }

func named() (r int) {
	defer func() { r *= 2 }()
	r = 5
	return r + 1
}

func loops() {
	for i := 0; i < 3; i++ {
		defer fmt.Println("arg", i, i*10)
	}
	for i := 0; i < 3; i++ {
		defer func() { fmt.Print("closure ", i, "; ") }()
	}
	for k, v := range []string{"a", "b"} {
		defer func(p string) { fmt.Print(p, k, v, "; ") }("range ")
	}
	for i := 0; i < 2; i++ {
		defer func() {
			if r := recover(); r != nil {
				fmt.Println("recovered", r, i)
			}
		}()
	}
	panic("boom")
}

func main() {
	x := 1
	a := &acc{n: 1}
	tags := []string{"t"}
	defer half(3, tags[0], tags[0])
	defer a.show("show", x)
	defer fmt.Println("x at defer:", x)
	x = 2
	a.n = 7
	tags[0] = "changed"
	fmt.Println("x now:", x, named())
	loops()
	fmt.Println()
}
`},
	{"minmax", `package main

import "fmt"

func main() {
	a, b := 3, 7
	fmt.Println(min(a, b), max(a, b), min(b, a, 1), max(a, 10, b))
	x := 2.5
	fmt.Println(min(1, x), max(x, 2), min(x, 0.5, 3))
	fmt.Println(min("b", "a", "c"), max("b", "a"))
	s := "zz"
	fmt.Println(min(s, "aa"), max("a", s))
	fmt.Println(min(3, 1, 2), max(2.5, 1), min(1))
	const c = max(1, 2, 3)
	fmt.Println(c)
	var f32 float32 = 1.5
	fmt.Printf("%T %v\n", min(2, f32), min(2, f32))
	type Celsius float64
	fmt.Println(max(Celsius(3), 4)) // %T would differ: yaegi gives float64
	fmt.Println(min(max(a, 4), 5))
}
`},
	{"minmax_shadowed", `package main

import "fmt"

func min(xs ...string) string { return "user min" }

func main() {
	fmt.Println(min("a", "b"))
	max := func(a, b int) int { return a * b }
	fmt.Println(max(3, 4))
}
`},
	{"clear", `package main

import "fmt"

type Set map[string]bool

func main() {
	m := map[string]int{"a": 1, "b": 2}
	clear(m)
	fmt.Println(len(m), m)
	s := []int{1, 2, 3}
	clear(s[1:])
	fmt.Println(s)
	var t = make([]string, 2)
	t[0] = "x"
	clear(t)
	fmt.Printf("%q\n", t)
	set := Set{"k": true}
	clear(set)
	fmt.Println(len(set))
}
`},
	{"range_int", `package main

import "fmt"

func sum(n int) int {
	t := 0
	for i := range n {
		t += i
	}
	return t
}

func main() {
	for i := range 3 {
		fmt.Print(i, " ")
	}
	fmt.Println()
	k := 0
	for range 4 {
		k++
	}
	fmt.Println(k, sum(5))
	for i := range int64(2) {
		fmt.Printf("%T %v\n", i, i)
	}
	var u uint8 = 3
	for i := range u {
		fmt.Printf("%T %v\n", i, i)
	}
	calls := 0
	next := func() int { calls++; return 3 }
	for i := range next() {
		i += 10
		fmt.Print(i, " ")
	}
	fmt.Println(calls)
	var j int
	for j = range 3 {
	}
	fmt.Println(j)
rows:
	for r := range 3 {
		for c := range 3 {
			if c > r {
				continue rows
			}
			if r == 2 {
				break rows
			}
			fmt.Print(r, c, " ")
		}
	}
	fmt.Println()
}
`},
	{"loopvar", `package main

import "fmt"

func main() {
	var fs []func()
	for i := 0; i < 3; i++ {
		fs = append(fs, func() { fmt.Print(i, " ") })
	}
	for _, f := range fs {
		f()
	}
	fmt.Println()
	var ps []*int
	for i := 0; i < 3; i++ {
		ps = append(ps, &i)
	}
	for _, p := range ps {
		fmt.Print(*p, " ")
	}
	fmt.Println()
	fs = nil
	for _, v := range []string{"a", "b", "c"} {
		fs = append(fs, func() { fmt.Print(v, " ") })
	}
	for _, f := range fs {
		f()
	}
	fmt.Println()
	fs = nil
	for i := range 3 {
		fs = append(fs, func() { fmt.Print(i, " ") })
	}
	for _, f := range fs {
		f()
	}
	fmt.Println()
}
`},
	{"rangefunc", `package main

import (
	"fmt"
	"iter"
)

func Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				fmt.Println("stopped at", i)
				return
			}
		}
	}
}

func Pairs() iter.Seq2[string, int] {
	return func(yield func(string, int) bool) {
		_ = yield("a", 1) && yield("b", 2) && yield("c", 3)
	}
}

func find(target int) (int, error) {
	for x := range Count(10) {
		if x == target {
			return x * 100, nil
		}
	}
	return -1, fmt.Errorf("not found")
}

func named() (n int, s string) {
	for k, v := range Pairs() {
		n, s = v, k
		if v == 2 {
			return
		}
	}
	return 0, "none"
}

func main() {
	for x := range Count(5) {
		if x == 1 {
			continue
		}
		if x == 3 {
			break
		}
		fmt.Println("x", x)
	}
	for k, v := range Pairs() {
		fmt.Println(k, v)
	}
	for k := range Pairs() {
		fmt.Print(k)
	}
	fmt.Println()
	n := 0
	for range Count(4) {
		n++
	}
	fmt.Println(n)
	fmt.Println(find(7))
	fmt.Println(find(70))
	fmt.Println(named())
	var fs []func()
	for x := range Count(3) {
		fs = append(fs, func() { fmt.Print(x, " ") })
	}
	for _, f := range fs {
		f()
	}
	fmt.Println()
}
`},
	{"rangefunc_labels_nested", `package main

import "fmt"

func Count(n int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func grid() string {
outer:
	for x := range Count(4) {
		for y := range Count(4) {
			if y > x {
				continue outer
			}
			if x == 3 && y == 1 {
				break outer
			}
			if x == 2 && y == 2 {
				continue
			}
			fmt.Print(x, y, " ")
		}
	}
	fmt.Println()
rows:
	for i := 0; i < 3; i++ {
		for y := range Count(3) {
			if y == 1 {
				continue rows
			}
			if i == 2 {
				break rows
			}
			fmt.Print(i, y, " ")
		}
	}
	fmt.Println()
	for x := range Count(3) {
		for y := range Count(3) {
			switch {
			case y == 1:
				continue
			case x == 2:
				return fmt.Sprint("returned at ", x, y)
			}
			for z := 0; z < 2; z++ {
				if z == 1 {
					break
				}
				fmt.Print(x, y, z, " ")
			}
		}
	}
	return "end"
}

func main() {
	fmt.Println(grid())
	total := 0
	func() {
		for x := range Count(10) {
			if x == 4 {
				return
			}
			total += x
		}
	}()
	fmt.Println(total)
	for x := range func(yield func(int) bool) { _ = yield(7) && yield(8) } {
		fmt.Println("lit", x)
	}
}
`},
	{"rangefunc_methods", `package main

import (
	"fmt"
	"iter"
	"slices"
	"maps"
)

type List struct{ items []string }

func (l *List) All() iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i, s := range l.items {
			if !yield(i, s) {
				return
			}
		}
	}
}

func main() {
	l := &List{items: []string{"x", "y"}}
	for i, s := range l.All() {
		fmt.Println(i, s)
	}
	for i, v := range slices.All([]string{"p", "q"}) {
		fmt.Println(i, v)
	}
	for v := range slices.Values([]int{4, 5}) {
		fmt.Println(v)
	}
	for i, v := range slices.Backward([]int{1, 2, 3}) {
		fmt.Print(i, v, " ")
	}
	fmt.Println()
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	sum := 0
	for k, v := range maps.All(m) {
		sum += v + len(k)
	}
	for k := range maps.Keys(m) {
		sum += len(k)
	}
	for v := range maps.Values(m) {
		sum += v
	}
	fmt.Println(sum)
	for c := range slices.Chunk([]int{1, 2, 3, 4, 5}, 2) {
		fmt.Println(c)
	}
}
`},
	{"slices_pkg", `package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

type P struct {
	Name string
	Age  int
}

func main() {
	xs := []int{5, 2, 8, 1, 9, 2}
	slices.Sort(xs)
	fmt.Println(xs, slices.IsSorted(xs))
	fs := []float64{2.5, -1, 3}
	slices.Sort(fs)
	ss := []string{"pear", "apple", "fig"}
	slices.Sort(ss)
	fmt.Println(fs, ss)
	type ID int
	ids := []ID{3, 1, 2}
	slices.Sort(ids)
	fmt.Println(ids)
	ps := []P{{"a", 30}, {"b", 20}, {"c", 30}, {"d", 20}}
	slices.SortStableFunc(ps, func(a, b P) int { return cmp.Compare(a.Age, b.Age) })
	fmt.Println(ps)
	slices.SortFunc(ss, func(a, b string) int { return strings.Compare(b, a) })
	fmt.Println(ss)
	i, ok := slices.BinarySearch(xs, 8)
	j, ok2 := slices.BinarySearch(xs, 3)
	fmt.Println(i, ok, j, ok2)
	fmt.Println(slices.Contains(xs, 9), slices.Contains(xs, 7), slices.Index(xs, 8), slices.Index(xs, 4))
	fmt.Println(slices.IndexFunc(xs, func(v int) bool { return v > 4 }))
	r := slices.Clone(xs)
	slices.Reverse(r)
	fmt.Println(r, xs, slices.Equal(r, xs), slices.Equal(xs, slices.Clone(xs)))
	fmt.Println(slices.Compact([]int{1, 1, 2, 2, 2, 3, 1}))
	fmt.Println(slices.Insert([]int{1, 2, 5}, 2, 3, 4))
	fmt.Println(slices.Delete([]int{0, 1, 2, 3, 4}, 1, 3))
	fmt.Println(slices.Max(xs), slices.Min(xs), slices.Max(ss), slices.Min(fs))
	fmt.Println(slices.Collect(slices.Values([]string{"u", "v"})))
	fmt.Println(slices.Sorted(slices.Values([]int{3, 1, 2})))
	fmt.Println(slices.ContainsFunc(xs, func(v int) bool { return v < 0 }))
	fmt.Println(slices.Repeat([]string{"ab"}, 3))
	fmt.Println(slices.DeleteFunc([]int{1, 2, 3, 4}, func(v int) bool { return v%2 == 0 }))
	fmt.Println(slices.Clone([]int(nil)) == nil, slices.Replace([]int{1, 2, 3}, 0, 2, 9))
}
`},
	{"maps_pkg", `package main

import (
	"fmt"
	"maps"
	"slices"
)

func main() {
	m := map[string]int{"b": 2, "a": 1, "c": 3}
	keys := slices.Sorted(maps.Keys(m))
	fmt.Println(keys)
	vals := slices.Sorted(maps.Values(m))
	fmt.Println(vals)
	c := maps.Clone(m)
	fmt.Println(maps.Equal(m, c), len(c))
	c["d"] = 4
	fmt.Println(maps.Equal(m, c))
	dst := map[string]int{"z": 26}
	maps.Copy(dst, m)
	fmt.Println(dst)
	maps.DeleteFunc(dst, func(k string, v int) bool { return v%2 == 0 })
	fmt.Println(dst)
	fmt.Println(maps.Collect(maps.All(map[int]string{1: "x"})))
	fmt.Println(maps.Collect(slices.All([]string{"p", "q"})))
	var nilMap map[string]int
	fmt.Println(maps.Clone(nilMap) == nil)
}
`},
	{"iter_types", `package main

import (
	"fmt"
	"iter"
	"slices"
)

func Filter[V any](seq iter.Seq[V], keep func(V) bool) iter.Seq[V] {
	return func(yield func(V) bool) {
		for v := range seq {
			if keep(v) && !yield(v) {
				return
			}
		}
	}
}

func main() {
	even := Filter(slices.Values([]int{1, 2, 3, 4, 5, 6}), func(v int) bool { return v%2 == 0 })
	fmt.Println(slices.Collect(even))
	var s2 iter.Seq2[int, int] = func(yield func(int, int) bool) { yield(1, 2) }
	for a, b := range s2 {
		fmt.Println(a + b)
	}
}
`},
	{"infer", `package main

import (
	"fmt"
	"strconv"
)

func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func Reduce[T, A any](xs []T, init A, f func(A, T) A) A {
	acc := init
	for _, x := range xs {
		acc = f(acc, x)
	}
	return acc
}

type List[T any] struct{ items []T }

func NewList[T any](xs ...T) *List[T] { return &List[T]{items: xs} }

func main() {
	xs := []int{1, 2, 3}
	fmt.Println(Map(xs, func(x int) string { return strconv.Itoa(x * 2) }))
	fmt.Println(Reduce(xs, "", func(a string, x int) string { return a + strconv.Itoa(x) }))
	l := NewList(1, 2, 3)
	fmt.Println(len(l.items))
}
`},
	{"loopvar_assigned", `package main

import "fmt"

func main() {
	var got []func() int
	for i := 0; i < 6; i++ {
		if i%2 == 0 {
			i++
		}
		got = append(got, func() int { return i })
	}
	var fs []func() int
outer:
	for i, j := 0, 10; i < j; i++ {
		if i == 2 {
			i += 2
			continue
		}
		for k := 0; k < 2; k++ {
			if k == 1 {
				continue outer
			}
			fs = append(fs, func() int { return i*100 + j + k })
		}
		j--
	}
	for _, g := range append(got, fs...) {
		fmt.Print(g(), " ")
	}
	fmt.Println()
}
`},
	{"cmp_or_many", `package main

import (
	"cmp"
	"fmt"
)

func main() {
	name, fallback := "", "fallback"
	fmt.Println(cmp.Or(name, "", fallback), cmp.Or(0, 3, 5), cmp.Or(0, 0, 0, 7), cmp.Or("a", "b"))
}
`},
	{"type_switch_cell_types", `package main

import (
	"errors"
	"fmt"
)

type AuthErr struct{ User string }

func (e *AuthErr) Error() string { return "auth " + e.User }

type LimitErr struct{ N int }

func (e *LimitErr) Error() string { return "limit" }

func describe(err error) string {
	switch e := err.(type) {
	case nil:
		return "ok"
	case *AuthErr:
		return "bad user " + e.User
	case *LimitErr:
		return fmt.Sprint("limit ", e.N)
	default:
		return "other: " + e.Error()
	}
}

func main() {
	for _, err := range []error{nil, &AuthErr{"eve"}, &LimitErr{3}, errors.New("boom")} {
		fmt.Println(describe(err))
	}
	var err error = &LimitErr{7}
	if l, ok := err.(*LimitErr); ok {
		fmt.Println("assert", l.N)
	}
	_, ok := err.(*AuthErr)
	fmt.Println(ok)
}
`},
	{"method_values", `package main

import "fmt"

type Greeter struct{ Name string }

func (g Greeter) Hello() string { return "hello " + g.Name }

type Counter struct{ N int }

func (c *Counter) Inc() { c.N++ }

type Light struct{ On bool }

func (l *Light) Toggle() { l.On = !l.On }

func main() {
	g := Greeter{"ann"}
	hello := g.Hello
	g.Name = "bob"
	fmt.Println(hello(), g.Hello())
	gp := &Greeter{"cy"}
	h2 := gp.Hello
	gp.Name = "di"
	fmt.Println(h2())
	var c Counter
	inc := c.Inc
	inc()
	inc()
	fmt.Println(c.N)
	lights := []*Light{{}, {On: true}}
	var toggles []func()
	for _, l := range lights {
		toggles = append(toggles, l.Toggle)
	}
	for _, t := range toggles {
		t()
	}
	a, b := &Light{}, &Light{On: true}
	ta := a.Toggle
	a = b
	ta()
	fmt.Println(lights[0].On, lights[1].On, a.On, b.On)
}
`},
	{"unexported_fields_json_plusv", `package main

import (
	"encoding/json"
	"fmt"
)

type Config struct {
	Name    string   ` + "`json:\"name\"`" + `
	Port    int      ` + "`json:\"port,omitempty\"`" + `
	private int
	a, b    bool
}

func main() {
	b, err := json.Marshal(Config{Name: "svc", private: 3, a: true})
	fmt.Println(string(b), err)
	var c Config
	err = json.Unmarshal([]byte(` + "`" + `{"name":"x","port":8080,"private":5,"Xprivate":6}` + "`" + `), &c)
	fmt.Printf("%+v %v|%v\n", c, err, c)
	fmt.Println(fmt.Sprintf("%+v", Config{private: 1}))
}
`},
}
