package main

import (
	"encoding/json"
	"fmt"
)

type Item struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

func main() {
	var items []Item
	err := json.Unmarshal([]byte(`[{"id":1,"name":"pen","price":1.5},{"id":2,"name":"ink","price":3}]`), &items)
	fmt.Println(items, err)
	var generic map[string]any
	json.Unmarshal([]byte(`{"a":1,"b":[true,null],"c":{"d":"e"}}`), &generic)
	fmt.Println(generic["a"], generic["b"], generic["c"].(map[string]any)["d"])
	var bad Item
	err = json.Unmarshal([]byte(`{"id":"x"}`), &bad)
	fmt.Println(err != nil)
}
