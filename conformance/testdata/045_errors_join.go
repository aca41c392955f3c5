package main

import (
	"errors"
	"fmt"
)

var (
	ErrA = errors.New("a failed")
	ErrB = errors.New("b failed")
)

func main() {
	err := errors.Join(ErrA, ErrB)
	fmt.Println(err)
	fmt.Println(errors.Is(err, ErrA), errors.Is(err, ErrB))
	fmt.Println(errors.Join(nil, nil) == nil)
	e2 := fmt.Errorf("both: %w and %w", ErrA, ErrB)
	fmt.Println(e2, errors.Is(e2, ErrB))
}
