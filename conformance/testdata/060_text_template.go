package main

import (
	"os"
	"strings"
	"text/template"
)

type Inv struct {
	Customer string
	Items    []string
	Total    float64
}

func main() {
	funcs := template.FuncMap{"upper": strings.ToUpper}
	t := template.Must(template.New("inv").Funcs(funcs).Parse(
		"Dear {{upper .Customer}},\n{{range $i, $e := .Items}}{{$i}}: {{$e}}\n{{end}}Total: {{printf \"%.2f\" .Total}}\n{{if gt .Total 10.0}}big{{else}}small{{end}}\n"))
	t.Execute(os.Stdout, Inv{"bob", []string{"pen", "ink"}, 12.5})
}
