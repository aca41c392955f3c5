package lower

import (
	"bytes"
	"fmt"
	"go/token"
	"strings"
	"testing"
)

// runSession evaluates chunks in one interpreter the way the engine does
// (Lowerer.Chunk, helpers first) and returns what they printed.
func runSession(t *testing.T, chunks []string) string {
	t.Helper()
	out, err := evalSession(t, chunks)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// evalSession is runSession returning the first error of a chunk.
func evalSession(t *testing.T, chunks []string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	i := newInterp(t, &stdout, &stderr)
	var lw Lowerer
	for n, c := range chunks {
		src := c
		switch firstToken([]byte(c)) {
		case token.IMPORT, token.TYPE, token.FUNC:
		default:
			src = ";" + c // a statement chunk, as the engine passes it
		}
		helpers, code, err := lw.Chunk([]byte(src))
		if err != nil {
			return stdout.String(), fmt.Errorf("chunk %d: %w", n, err)
		}
		if len(helpers) > 0 {
			if _, err := i.Eval(string(helpers)); err != nil {
				return stdout.String(), fmt.Errorf("chunk %d helpers: %w\n%s", n, err, helpers)
			}
		}
		if _, err := i.Eval(string(code)); err != nil {
			return stdout.String(), fmt.Errorf("chunk %d: %w\n%s\nhelpers:\n%s", n, err, code, helpers)
		}
	}
	return stdout.String(), nil
}

// TestStringers checks the String-method rewrite: values of cell-declared
// types with String, Error or GoString methods print as Go prints them
// inside slices, maps, struct fields and []any, by value and by pointer.
// The wanted outputs are go run's.
func TestStringers(t *testing.T) {
	decls := `type Temp float64

func (t Temp) String() string { return fmt.Sprintf("%.1f°C", float64(t)) }

type Node struct{ ID int }

func (n *Node) String() string { return fmt.Sprint("node#", n.ID) }

type Money struct{ Cents int }

func (m Money) String() string { return fmt.Sprintf("$%d.%02d", m.Cents/100, m.Cents%100) }

type Item struct {
	Name    string
	Price   Money
	private int
}

type E struct{ n int }

func (e E) Error() string { return "E" + string(rune('0'+e.n)) }

type ID string

func (i ID) GoString() string { return "ID(" + string(i) + ")" }
func (i ID) String() string   { return "#" + string(i) }

type Boom struct{}

func (*Boom) String() string { panic("boom") }

type Plain struct{ A, B int }

type Shape interface{ Area() float64 }`
	tests := []struct {
		name  string
		stmts string
		want  string
	}{
		{"interface and slice", "var x any = Temp(21.5)\nfmt.Println(x, []Temp{1, 2.25})\nfmt.Printf(\"%v %s|%6.2f|\\n\", x, Temp(-3), Temp(2))",
			"21.5°C [1.0°C 2.2°C]\n21.5°C -3.0°C|  2.00|\n"},
		{"pointer receiver", "n := Node{5}\nfmt.Println(&n, n)\nfmt.Println([]*Node{{1}, {2}})",
			"node#5 {5}\n[node#1 node#2]\n"},
		{"struct field and map value", "fmt.Println(Item{\"tea\", Money{350}, 3})\nfmt.Println(map[string]Money{\"x\": {1205}, \"a\": {1}})\nfmt.Printf(\"%+v\\n\", Item{\"cake\", Money{99}, 4})",
			"{tea $3.50 3}\nmap[a:$0.01 x:$12.05]\n{Name:cake Price:$0.99 private:4}\n"},
		{"errors", "errs := []error{E{1}, E{2}, errors.New(\"plain\")}\nfmt.Println(errs)\nfmt.Printf(\"%v|%s\\n\", errs[0], E{3})",
			"[E1 E2 plain]\nE1|E3\n"},
		{"GoString", "fmt.Printf(\"%v %#v %s\\n\", ID(\"a1\"), ID(\"b2\"), []ID{\"c3\"})", "#a1 ID(b2) [#c3]\n"},
		{"[]any", "n := Node{5}\nfmt.Println([]any{Temp(3), 7, \"s\", &n, n, Item{\"i\", Money{1}, 0}})",
			"[3.0°C 7 s node#5 {5} {i $0.01 0}]\n"},
		{"no method", "var f any = 2.5\nfmt.Println(f, []float64{1.5}, &struct{ ID int }{3}, []Plain{{1, 2}})",
			"2.5 [1.5] &{3} [{1 2}]\n"},
		{"Sprint spacing", "s := fmt.Sprint(Temp(1), \"x\", 3, 4)\nfmt.Println(s, len(s))", "1.0°Cx3 4 10\n"},
		{"nil and panic", "var np *Node\nfmt.Println([]*Node{np}, []*Boom{{}})",
			"[<nil>] [%!v(PANIC=String method: boom)]\n"},
		{"log", "var b strings.Builder\nlog.SetFlags(0)\nlog.SetOutput(&b)\nlog.Println([]Temp{4})\nfmt.Print(b.String())", "[4.0°C]\n"},
		{"field selector", "it := Item{\"tea\", Money{5}, 0}\nfmt.Println(it.Name, []Money{it.Price})", "tea [$0.05]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runSession(t, []string{`import ("errors"; "fmt"; "log"; "strings")`, decls, tt.stmts})
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestStringersLaterMethod checks that a String method declared in a
// later chunk than its type is used, and that a chunk's helpers only call
// methods of earlier chunks (they are evaluated before the chunk).
func TestStringersLaterMethod(t *testing.T) {
	got := runSession(t, []string{
		`import "fmt"`,
		"type Color struct{ R, G, B uint8 }",
		"func (c Color) String() string { return fmt.Sprintf(\"#%02x%02x%02x\", c.R, c.G, c.B) }\n\nfunc show(cs []Color) string { return fmt.Sprint(cs) }",
		"fmt.Println(Color{255, 128, 0}, []any{Color{1, 2, 3}, 7})",
	})
	if want := "#ff8000 [#010203 7]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestStringersUntouched checks that cells without session types with
// these methods are not rewritten: no helper, no extra Eval.
func TestStringersUntouched(t *testing.T) {
	var lw Lowerer
	if _, _, err := lw.Chunk([]byte("type P struct{ X int }")); err != nil {
		t.Fatal(err)
	}
	h, code, err := lw.Chunk([]byte(";fmt.Println(P{1}, []P{{2}}, x)"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 0 || strings.Contains(string(code), "_gk_sh") {
		t.Errorf("rewritten without a String method:\nhelpers:\n%s\ncode:\n%s", h, code)
	}
}
