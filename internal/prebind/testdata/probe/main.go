// Command probe prints the sockets package prebind bound before main, one
// "port listening" line each, for prebind's tests.
package main

import (
	"fmt"
	"syscall"

	"github.com/gokernel/gokernel/internal/prebind"
)

func main() {
	for _, s := range prebind.Sockets() {
		v, err := syscall.GetsockoptInt(int(s.FD), syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
		fmt.Println(s.Port, err == nil && v == 1)
	}
	fmt.Println("second call:", len(prebind.Sockets()))
}
