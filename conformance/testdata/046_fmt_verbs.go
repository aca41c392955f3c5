package main

import "fmt"

type P struct {
	X, Y int
	Name string
}

func main() {
	p := P{1, 2, "pt"}
	fmt.Printf("%v|%+v|%T\n", p, p, p)
	fmt.Printf("%d|%5d|%-5d|%05d|%x|%X|%o|%b\n", 42, 42, 42, 42, 255, 255, 8, 5)
	fmt.Printf("%f|%.2f|%8.3f|%e|%g\n", 3.14159, 3.14159, 3.14159, 1234.5678, 0.000001)
	fmt.Printf("%s|%q|%10s|%-10s|%x\n", "go", "go", "go", "go", "go")
	fmt.Printf("%c|%U|%t|%p\n", 'A', 'A', true, nil)
	fmt.Printf("%v|%v|%v\n", []int{1, 2}, map[string]int{"a": 1}, [2]bool{true})
	fmt.Printf("%6.2f%%\n", 12.3456)
	fmt.Println(fmt.Sprintf("%[2]d %[1]d", 1, 2))
	fmt.Printf("%v %d\n", &p == nil, []byte("hi"))
}
