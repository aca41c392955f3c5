package goeval

import (
	"reflect"
	"testing"
)

func TestCellImports(t *testing.T) {
	tests := []struct {
		code string
		want []string
	}{
		{`import "github.com/google/uuid"`, []string{"github.com/google/uuid"}},
		{"import (\n\t\"fmt\"\n\tu \"github.com/google/uuid\"\n\t. \"github.com/samber/lo\"\n)\nx := 1", []string{"fmt", "github.com/google/uuid", "github.com/samber/lo"}},
		{"s := \"import \\\"not/an/import\\\"\"\nfmt.Println(s)", nil},
		{"// import \"commented/out\"\nx := 2", nil},
		{"import \"a.b/c\"\nimport \"d.e/f\"", []string{"a.b/c", "d.e/f"}},
	}
	for _, tt := range tests {
		if got := cellImports(tt.code); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("cellImports(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestIsModulePath(t *testing.T) {
	for p, want := range map[string]bool{
		"github.com/google/uuid": true, "example.com/x": true, "fmt": false, "net/http": false,
		"gokernel/display": false, "./local": false,
	} {
		if got := isModulePath(p); got != want {
			t.Errorf("isModulePath(%q) = %v, want %v", p, got, want)
		}
	}
}
