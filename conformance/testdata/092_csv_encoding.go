package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"
)

func main() {
	r := csv.NewReader(strings.NewReader("name,age\n\"Smith, J\",42\nDoe,7\n"))
	recs, err := r.ReadAll()
	fmt.Println(len(recs), err)
	for _, rec := range recs {
		fmt.Println(rec[0], "|", rec[1])
	}
	w := csv.NewWriter(os.Stdout)
	w.Write([]string{"a,b", "c"})
	w.Flush()
}
