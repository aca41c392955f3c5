package gotest

import (
	"bytes"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sequence is one entry of the multi-cell corpus: cells a user would type
// one after the other, and the single program Go runs for the reference.
//
// A sequence is a file in txtar-like form:
//
//	topic: generics
//	A comment line or two on what is tested.
//	-- cell --
//	func Map[T, U any](s []T, f func(T) U) []U { ... }
//	-- cell --
//	fmt.Println(Map([]int{1, 2}, strconv.Itoa))
//	-- main.go --
//	(optional) the equivalent program, when concatenation cannot give it
//	(redefinitions); otherwise it is generated: the declaration cells at
//	package level, the statement cells in order in func main.
type Sequence struct {
	Name    string
	Topic   string
	Cells   []string
	Program string // the equivalent program
}

// LoadCorpus reads every *.txtar file of dir, sorted by name.
func LoadCorpus(dir string) ([]Sequence, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .txtar sequences in %s", dir)
	}
	sort.Strings(files)
	var seqs []Sequence
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s, err := parseSequence(strings.TrimSuffix(filepath.Base(f), ".txtar"), b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		seqs = append(seqs, s)
	}
	return seqs, nil
}

// parseSequence parses one sequence file (see Sequence).
func parseSequence(name string, b []byte) (Sequence, error) {
	s := Sequence{Name: name}
	var cur *strings.Builder
	var program *strings.Builder
	var sections []*strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") {
			switch strings.TrimSpace(trimmed[3 : len(trimmed)-3]) {
			case "cell":
				cur = &strings.Builder{}
				sections = append(sections, cur)
			case "main.go":
				program = &strings.Builder{}
				cur = program
			default:
				return s, fmt.Errorf("unknown section %q (want -- cell -- or -- main.go --)", trimmed)
			}
			continue
		}
		if cur == nil {
			if t, ok := strings.CutPrefix(trimmed, "topic:"); ok {
				s.Topic = strings.TrimSpace(t)
			}
			continue
		}
		cur.WriteString(line)
	}
	if s.Topic == "" {
		return s, fmt.Errorf("no topic: line")
	}
	for _, c := range sections {
		s.Cells = append(s.Cells, strings.TrimSpace(c.String()))
	}
	if len(s.Cells) < 2 || len(s.Cells) > 6 {
		return s, fmt.Errorf("%d cells: a sequence has 2 to 6", len(s.Cells))
	}
	if program != nil {
		s.Program = program.String()
	} else {
		p, err := equivalentProgram(s.Cells)
		if err != nil {
			return s, err
		}
		s.Program = p
	}
	return s, nil
}

// equivalentProgram makes the single program that does what cells do: the
// imports of every cell, the declarations of the declaration cells at
// package level, and the statements of the other cells, in order, in func
// main. A cell may start with imports and continue with either
// declarations or statements.
func equivalentProgram(cells []string) (string, error) {
	imports := map[string]string{} // path -> import spec text
	var decls, stmts []string
	for i, c := range cells {
		fset := token.NewFileSet()
		src := "package main\n" + c
		f, err := parser.ParseFile(fset, "cell.go", src, parser.ImportsOnly)
		if err != nil {
			return "", fmt.Errorf("cell %d: %w", i+1, err)
		}
		rest := src[len("package main\n"):]
		if len(f.Imports) > 0 {
			last := f.Decls[len(f.Decls)-1]
			end := fset.Position(last.End()).Offset
			for _, im := range f.Imports {
				imports[im.Path.Value] = src[fset.Position(im.Pos()).Offset:fset.Position(im.End()).Offset]
			}
			rest = src[end:]
		}
		if strings.TrimSpace(rest) == "" {
			continue
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "cell.go", "package main\n"+rest, parser.SkipObjectResolution); err == nil {
			decls = append(decls, strings.TrimSpace(rest))
			continue
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "cell.go", "package main\nfunc main() {\n"+rest+"\n}\n", parser.SkipObjectResolution); err != nil {
			return "", fmt.Errorf("cell %d is neither declarations nor statements: %w", i+1, err)
		}
		stmts = append(stmts, strings.TrimSpace(rest))
	}
	var b bytes.Buffer
	b.WriteString("package main\n\n")
	if len(imports) > 0 {
		var specs []string
		for _, s := range imports {
			specs = append(specs, s)
		}
		sort.Strings(specs)
		b.WriteString("import (\n\t" + strings.Join(specs, "\n\t") + "\n)\n\n")
	}
	for _, d := range decls {
		b.WriteString(d + "\n\n")
	}
	b.WriteString("func main() {\n")
	for _, s := range stmts {
		b.WriteString(s + "\n")
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return b.String(), nil // go run will say what is wrong
	}
	return string(out), nil
}

// CorpusJobs writes each sequence's program under work and returns the
// jobs; the kernels run in work too.
func CorpusJobs(seqs []Sequence, work string) ([]Job, error) {
	var js []Job
	for _, s := range seqs {
		dir := filepath.Join(work, s.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		file := filepath.Join(dir, "main.go")
		if err := os.WriteFile(file, []byte(s.Program), 0o644); err != nil {
			return nil, err
		}
		js = append(js, Job{Group: s.Topic, ID: s.Name, Cells: s.Cells, RefFile: file, Dir: dir})
	}
	return js, nil
}
