package main

import "fmt"

func main() {
	cfg := struct {
		Host string
		Port int
	}{"localhost", 8080}
	fmt.Printf("%s:%d\n", cfg.Host, cfg.Port)
	rows := []struct {
		K string
		V int
	}{{"a", 1}, {"b", 2}}
	total := 0
	for _, r := range rows {
		total += r.V
	}
	fmt.Println(total, rows)
}
