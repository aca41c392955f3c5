package main

import (
	"errors"
	"fmt"
)

type ValidationError struct {
	Field string
}

func (v ValidationError) Error() string { return "invalid " + v.Field }

func validate(age int) error {
	if age < 0 {
		return ValidationError{"age"}
	}
	return nil
}

func main() {
	err := validate(-1)
	var ve ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	fmt.Println(validate(5) == nil)
	wrapped := fmt.Errorf("ctx: %w", err)
	fmt.Println(wrapped, errors.As(wrapped, &ve))
}
