package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir, err := os.MkdirTemp("", "gokernel-root-")
	if err != nil {
		panic(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		panic(err)
	}
	fmt.Println(root.Name() == dir)
	if err := root.Mkdir("sub", 0o755); err != nil {
		panic(err)
	}
	if err := root.WriteFile("sub/a.txt", []byte("hello from the root\n"), 0o644); err != nil {
		panic(err)
	}
	b, err := root.ReadFile("sub/a.txt")
	fmt.Print(string(b))
	fmt.Println(err)

	fi, err := root.Stat("sub")
	fmt.Println(fi.IsDir(), fi.Name(), err)

	// Paths may not leave the root, with .. or a symlink.
	_, err = root.Open("../outside.txt")
	fmt.Println(err != nil, strings.Contains(fmt.Sprint(err), "escapes"))
	if err := os.Symlink("/etc", filepath.Join(dir, "link")); err == nil {
		_, err = root.Open("link/hostname")
		fmt.Println("symlink escape refused:", err != nil)
	}

	sub, err := root.OpenRoot("sub")
	if err != nil {
		panic(err)
	}
	f, err := sub.Open("a.txt")
	if err != nil {
		panic(err)
	}
	head := make([]byte, 5)
	_, err = io.ReadFull(f, head)
	fmt.Println(string(head), err)
	f.Close()
	sub.Close()

	g, err := os.OpenInRoot(dir, "sub/a.txt")
	if err != nil {
		panic(err)
	}
	all, _ := io.ReadAll(g)
	g.Close()
	fmt.Println(len(all))

	root.Close()
	fmt.Println(os.RemoveAll(dir))
}
