package lower

import (
	"strings"
	"testing"
)

// TestNilErrReturn checks that a nil pointer of a session type returned
// as an error fails with an explanation (yaegi would make it a nil error,
// Go a non-nil one), while non-nil pointers, &T{}, other
// interfaces and compiled pointer types are untouched.
func TestNilErrReturn(t *testing.T) {
	decls := `type MyErr struct{ msg string }

func (e *MyErr) Error() string { return "my " + e.msg }

func mayFail(fail bool) error {
	var p *MyErr
	if fail {
		p = &MyErr{"error"}
	}
	return p
}

func lit() error { return &MyErr{"lit"} }

func ptr() error { p := &MyErr{"ptr"}; return p }

func asAny() any { var p *MyErr; return p }

func pathErr() error { var p *fs.PathError; return p }`
	tests := []struct {
		name, stmts, want, err string
	}{
		{"non-nil", "fmt.Println(mayFail(true), lit())\nfmt.Println(ptr() != nil)", "my error my lit\ntrue\n", ""},
		{"other interfaces", "fmt.Println(asAny() == nil, pathErr() == nil)", "false false\n", ""},
		{"nil", "fmt.Println(mayFail(false) == nil)", "", "a nil *MyErr returned as an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := evalSession(t, []string{`import ("fmt"; "io/fs")`, decls, tt.stmts})
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one containing %q", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
