package main

import "fmt"

func main() {
	var a int8 = 127
	a++
	fmt.Println(a)
	var u uint8 = 0
	u--
	fmt.Println(u)
	var b int32 = 1 << 30
	fmt.Println(b * 4)
	fmt.Println(7/2, -7/2, 7%3, -7%3, 7.0/2)
	var f float32 = 0.1
	fmt.Println(float64(f) == 0.1, f)
}
