package main

import "fmt"

type state func(r rune) state

func main() {
	count := 0
	var inWord, outWord state
	inWord = func(r rune) state {
		if r == ' ' {
			return outWord
		}
		return inWord
	}
	outWord = func(r rune) state {
		if r != ' ' {
			count++
			return inWord
		}
		return outWord
	}
	s := outWord
	for _, r := range "  the quick  brown fox " {
		s = s(r)
	}
	fmt.Println(count)
}
