package main

import (
	"fmt"
	"math"
)

func main() {
	fmt.Println(math.Sqrt(16), math.Pow(2, 10), math.Abs(-3.5))
	fmt.Println(math.Floor(2.7), math.Ceil(2.1), math.Round(2.5), math.Trunc(-2.7))
	fmt.Printf("%.4f %.4f %.4f\n", math.Sin(math.Pi/2), math.Log(math.E), math.Exp(1))
	fmt.Println(math.MaxInt64, math.MinInt8, math.MaxUint16)
	fmt.Println(math.Inf(1), math.IsNaN(math.NaN()), math.Hypot(3, 4))
	fmt.Println(math.Mod(7, 3), math.Max(1, 2), math.Min(1, 2))
}
