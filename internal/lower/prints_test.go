package lower

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/traefik/yaegi/interp"
)

// TestPrints checks the print/println rewrite: the builtins write to the
// cell's os.Stderr in the runtime's format (go run's output of the same
// statements), nothing to standard output.
func TestPrints(t *testing.T) {
	tests := []struct{ name, stmts, want string }{
		{"basic kinds", `println(int64(-7), uint8(7), uintptr(7), 8.0, 1.5, float32(0.1), complex(9.0, 10.0), true, "hello")`,
			"-7 7 7 8 1.5 0.1 (9+10i) true hello\n"},
		{"nil composites", `println((interface{})(nil), (interface{ f() })(nil), (map[int]int)(nil), ([]int)(nil), (chan int)(nil))`,
			"(0x0,0x0) (0x0,0x0) 0x0 [0/0]0x0 0x0\n"},
		{"print", `print("a", 1, 2, "\n")`, "a12\n"},
		{"named type", "type Celsius float64\nprintln(Celsius(21.5))", "21.5\n"},
		{"interface variable", "var err error\nprintln(err)", "(0x0,0x0)\n"},
		{"deferred", "func() {\n\tdefer println(\"late\", 2)\n\tprintln(\"early\")\n}()", "early\nlate 2\n"},
		{"deferred with a variable", "func() {\n\tx := 1\n\tdefer println(\"x\", x)\n\tx = 2\n\tprintln(x)\n}()", "2\nx 1\n"},
		{"empty", "println()", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr, cellErr bytes.Buffer
			i := newInterp(t, &stdout, &stderr)
			// As the engine does: the cell's os.Stderr is a writer of ours.
			var w io.Writer = &cellErr
			if err := i.Use(interp.Exports{"os/os": {"Stderr": reflect.ValueOf(&w).Elem()}}); err != nil {
				t.Fatal(err)
			}
			src := "package main\n\nfunc main() {\n" + tt.stmts + "\n}\n"
			if err := evalLowered(i, src); err != nil {
				out, _ := source([]byte(src))
				t.Fatalf("%v\n%s", err, out)
			}
			if cellErr.String() != tt.want || stdout.Len() != 0 {
				t.Errorf("stderr %q, stdout %q; want stderr %q", cellErr.String(), stdout.String(), tt.want)
			}
		})
	}
}
