package main

import (
	"fmt"
	"math"
)

const Pi2 = math.Pi * 2
const Greeting = "hello"

type Level uint8

const (
	Low Level = iota + 1
	Mid
	High
)

func main() {
	var f32 float32 = Pi2
	fmt.Printf("%.4f %.4f\n", f32, Pi2)
	fmt.Println(len(Greeting), Greeting+" world")
	fmt.Println(Low, Mid, High, High > Low)
	const huge = 1e300 * 1e300 / 1e300
	fmt.Println(huge)
}
