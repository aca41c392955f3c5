package main

import (
	"fmt"
	"reflect"
)

type T struct {
	A int    `db:"a_col" json:"a"`
	B string `db:"b_col"`
}

func main() {
	typ := reflect.TypeOf(T{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		fmt.Println(f.Name, f.Type, f.Tag.Get("db"), f.Tag.Get("json"))
	}
	v := reflect.ValueOf(T{5, "x"})
	fmt.Println(v.Field(0).Int(), v.Field(1).String())
}
