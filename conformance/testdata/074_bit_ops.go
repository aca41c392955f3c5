package main

import (
	"fmt"
	"math/bits"
)

func main() {
	var x uint8 = 0b1011_0010
	fmt.Println(x, x>>2, x<<1, x&0x0F, x|1, x^0xFF, x&^0x30)
	fmt.Println(bits.OnesCount8(x), bits.LeadingZeros32(1), bits.Reverse8(1))
	var i int32 = -8
	fmt.Println(i>>1, uint32(i)>>28)
	fmt.Println(0o17, 0x1p4, 1_000_000)
}
