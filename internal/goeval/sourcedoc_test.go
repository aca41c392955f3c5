package goeval

import (
	"runtime"
	"strings"
	"testing"
)

func TestSourceDoc(t *testing.T) {
	e := &Engine{}
	if e.goroot() == "" {
		t.Skip("no Go sources (GOROOT)")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("the build-tagged cases expect a Unix")
	}
	tests := []struct {
		name       string
		path, sym  string
		found      bool
		decl, doc  string // substrings
		notDecl    string
		notDocText string
	}{
		{name: "function", path: "strings", sym: "Split", found: true,
			decl: "func strings.Split(s, sep string) []string", doc: "Split slices s"},
		{name: "type", path: "strings", sym: "Builder", found: true,
			decl: "type Builder struct", doc: "A Builder is used"},
		{name: "constructor go/doc files under its type", path: "strings", sym: "NewReader", found: true,
			decl: "func strings.NewReader(s string) *Reader", doc: "NewReader returns"},
		{name: "variable", path: "io", sym: "EOF", found: true,
			decl: `var EOF = errors.New("EOF")`, doc: "EOF is the error"},
		{name: "constant of a group with its own doc", path: "os", sym: "O_RDONLY", found: true,
			decl: "const O_RDONLY int = syscall.O_RDONLY", doc: "Exactly one of O_RDONLY"},
		{name: "constant of a group with the group's doc", path: "os", sym: "O_WRONLY", found: true,
			decl: "const O_WRONLY int = syscall.O_WRONLY", doc: "Flags to OpenFile"},
		// path_plan9.go sorts before path_unix.go: a reader that ignores
		// build tags finds Plan 9's NUL.
		{name: "constant in a build-tagged file", path: "os", sym: "PathListSeparator", found: true,
			decl: "PathListSeparator = ':'", notDecl: `'\000'`},
		{name: "variable in a build-tagged file", path: "os", sym: "Interrupt", found: true,
			decl: "syscall.SIGINT", notDecl: "syscall.Note"},
		// pipe2_unix.go (Linux) and file_plan9.go wrap the doc differently.
		{name: "function in a build-tagged file", path: "os", sym: "Pipe", found: true,
			decl: "func os.Pipe()", doc: "return bytes written to w.", notDocText: "bytes\nwritten"},
		{name: "unknown name", path: "strings", sym: "NoSuchThing"},
		{name: "method is not package-level", path: "strings", sym: "WriteString"},
		{name: "unknown package", path: "no/such/pkg", sym: "X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decl, doc, ok := e.sourceDoc(tt.path, tt.sym)
			if ok != tt.found {
				t.Fatalf("sourceDoc(%s, %s) found = %v, want %v\n%s", tt.path, tt.sym, ok, tt.found, decl)
			}
			if !strings.Contains(decl, tt.decl) || tt.notDecl != "" && strings.Contains(decl, tt.notDecl) {
				t.Errorf("decl = %q, want it to contain %q and not %q", decl, tt.decl, tt.notDecl)
			}
			if !strings.Contains(doc, tt.doc) || tt.notDocText != "" && strings.Contains(doc, tt.notDocText) {
				t.Errorf("doc = %q, want it to contain %q and not %q", doc, tt.doc, tt.notDocText)
			}
		})
	}
}

// TestSourceDocKeepsFewPackages: the readings kept are bounded and the
// newest first.
func TestSourceDocKeepsFewPackages(t *testing.T) {
	e := &Engine{}
	if e.goroot() == "" {
		t.Skip("no Go sources (GOROOT)")
	}
	paths := []string{"errors", "io", "strings", "bytes", "sort", "unicode", "path", "bufio", "strconv", "errors"}
	for _, p := range paths {
		if e.pkgDoc(p) == nil {
			t.Fatalf("no reading of %s", p)
		}
	}
	if len(e.docs) != maxPkgDocs {
		t.Fatalf("%d readings kept, want %d", len(e.docs), maxPkgDocs)
	}
	if e.docs[0].path != "errors" || e.docs[1].path != "strconv" {
		t.Errorf("readings not newest first: %s, %s", e.docs[0].path, e.docs[1].path)
	}
}
