package main

import (
	"fmt"
	"os"
)

func main() {
	s := fmt.Sprint("a", 1, 2, "b", 3.0)
	fmt.Println(s)
	fmt.Println(fmt.Sprintln("x", 1) == "x 1\n")
	fmt.Fprintln(os.Stdout, "to stdout", true)
	var e error = fmt.Errorf("err %d", 7)
	fmt.Println(e)
	fmt.Printf("%v %s\n", e, e)
	fmt.Print("no newline", "\n")
	fmt.Printf("%08.3f|%+d|% d\n", 3.14159, 5, 5)
}
