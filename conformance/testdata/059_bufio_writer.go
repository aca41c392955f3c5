package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "buffered", 1)
	w.WriteString("more\n")
	w.Flush()
	r := bufio.NewReader(strings.NewReader("first\nsecond\n"))
	l, _ := r.ReadString('\n')
	fmt.Printf("%q\n", l)
}
