package main

import (
	"fmt"
	"time"
)

func main() {
	d := 90 * time.Minute
	fmt.Println(d, d.Hours(), d.Minutes())
	d2, _ := time.ParseDuration("1h15m30.5s")
	fmt.Println(d2, d2.Seconds())
	fmt.Println(time.Duration(1500)*time.Millisecond, d.Truncate(time.Hour), d.Round(time.Hour))
	fmt.Println(2*time.Second + 300*time.Millisecond)
}
