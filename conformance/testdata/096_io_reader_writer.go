package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

type upper struct{ w io.Writer }

func (u upper) Write(p []byte) (int, error) {
	return u.w.Write([]byte(strings.ToUpper(string(p))))
}

func main() {
	n, err := io.Copy(upper{os.Stdout}, strings.NewReader("shout\n"))
	fmt.Println(n, err)
	b, _ := io.ReadAll(io.LimitReader(strings.NewReader("abcdef"), 3))
	fmt.Println(string(b))
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprint(pw, "through pipe")
		pw.Close()
	}()
	all, _ := io.ReadAll(pr)
	fmt.Println(string(all))
}
