package main

import (
	"fmt"
	"os"
	"text/tabwriter"
)

func main() {
	rows := [][]string{{"name", "qty"}, {"apple", "3"}, {"kiwi", "12"}}
	for _, r := range rows {
		fmt.Printf("%-8s|%4s|\n", r[0], r[1])
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 1, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
	w.Flush()
}
