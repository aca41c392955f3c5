package main

import (
	"encoding/json"
	"fmt"
)

type Address struct {
	City string `json:"city"`
	Zip  string `json:"zip,omitempty"`
}

type User struct {
	Name    string   `json:"name"`
	Age     int      `json:"age"`
	Email   string   `json:"-"`
	Tags    []string `json:"tags"`
	Address *Address `json:"address,omitempty"`
}

func main() {
	u := User{Name: "Ann", Age: 30, Email: "x@y", Tags: []string{"a", "b"}, Address: &Address{City: "Paris"}}
	b, err := json.Marshal(u)
	fmt.Println(string(b), err)
	b, _ = json.MarshalIndent(map[string]any{"k": 1, "a": []int{1}}, "", "  ")
	fmt.Println(string(b))
}
