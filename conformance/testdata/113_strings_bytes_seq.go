package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// firstLong returns the first line longer than n bytes, stopping the
// iteration early.
func firstLong(text string, n int) string {
	for line := range strings.Lines(text) {
		if len(line) > n {
			return strings.TrimSuffix(line, "\n")
		}
	}
	return ""
}

func main() {
	text := "alpha beta\ngamma\n\ndelta epsilon zeta"
	for line := range strings.Lines(text) {
		fmt.Printf("%q\n", line)
	}
	n := 0
	for f := range strings.FieldsSeq(text) {
		n++
		fmt.Print(f, ";")
	}
	fmt.Println(n)
	for part := range strings.SplitSeq("a,b,,c,stop,d", ",") {
		if part == "" {
			continue
		}
		if part == "stop" {
			break
		}
		fmt.Print("[", part, "]")
	}
	fmt.Println()
	for s := range strings.SplitAfterSeq("x.y.z", ".") {
		fmt.Print(s, " ")
	}
	fmt.Println()
	for w := range strings.FieldsFuncSeq("one-two__three", func(r rune) bool { return !unicode.IsLetter(r) }) {
		fmt.Print(strings.ToUpper(w), " ")
	}
	fmt.Println()
	fmt.Println(firstLong(text, 12))

	total := 0
	for l := range bytes.Lines([]byte("1\n22\n333")) {
		total += len(bytes.TrimSpace(l))
	}
	fmt.Println(total)
	for kv := range bytes.SplitSeq([]byte("k1=v1&k2=v2"), []byte("&")) {
		k, v, _ := bytes.Cut(kv, []byte("="))
		fmt.Printf("%s:%s ", k, v)
	}
	fmt.Println()
	for f := range bytes.FieldsSeq([]byte("  a  bb ccc ")) {
		fmt.Print(len(f))
	}
	fmt.Println()
}
