package gotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// suiteFolders are the folders of $GOROOT/test whose `// run` programs make
// the yardstick ("" is test/ itself).
var suiteFolders = []string{"", "typeparam", "ken", "chan", "interface"}

// Program is one self-checking program of Go's test suite.
type Program struct {
	// Folder is the folder under $GOROOT/test ("." for test/ itself).
	Folder string `json:"folder"`
	// Name is the file name.
	Name string `json:"name"`
	// Path is the file's path on this machine.
	Path string `json:"-"`
	// SHA256 is the hash of the file's content.
	SHA256 string `json:"sha256"`
}

// ID names the program as folder/name.
func (p Program) ID() string { return p.Folder + "/" + p.Name }

// Discover lists the single-file programs of goroot/test and its suite
// folders whose first line is exactly `// run`, sorted by folder and name.
func Discover(goroot string) ([]Program, error) {
	var ps []Program
	for _, f := range suiteFolders {
		dir := filepath.Join(goroot, "test", f)
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no Go files in %s: is GOROOT (%s) a full Go installation with its test folder?", dir, goroot)
		}
		sort.Strings(files)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			first, _, _ := bytes.Cut(src, []byte("\n"))
			if string(bytes.TrimRight(first, "\r")) != "// run" {
				continue
			}
			folder := f
			if folder == "" {
				folder = "."
			}
			sum := sha256.Sum256(src)
			ps = append(ps, Program{Folder: folder, Name: filepath.Base(file), Path: file, SHA256: hex.EncodeToString(sum[:])})
		}
	}
	return ps, nil
}

// SuiteCells turns a program into the two cells of the yardstick: the file
// without its package clause (blanked, so that line numbers stay those of
// the file), then `main()`.
func SuiteCells(src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "prog.go", src, parser.PackageClauseOnly)
	if err != nil {
		return nil, fmt.Errorf("parsing the package clause: %w", err)
	}
	start := fset.Position(f.Package).Offset
	end := fset.Position(f.Name.End()).Offset
	cell := string(src[:start]) + strings.Repeat(" ", end-start) + string(src[end:])
	return []string{cell, "main()"}, nil
}

// SuiteJobs makes a job of every `// run` program of Go's test suite in
// goroot: its two cells, compared with go run of the file.
func SuiteJobs(goroot string) ([]Job, error) {
	ps, err := Discover(goroot)
	if err != nil {
		return nil, err
	}
	var js []Job
	for _, p := range ps {
		src, err := os.ReadFile(p.Path)
		if err != nil {
			return nil, err
		}
		cells, err := SuiteCells(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.ID(), err)
		}
		js = append(js, Job{Group: p.Folder, ID: p.ID(), Cells: cells, RefFile: p.Path, Dir: filepath.Dir(p.Path)})
	}
	return js, nil
}
