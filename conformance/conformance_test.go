package conformance

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/internal/goeval"
	"github.com/gokernel/gokernel/kernel"
)

// knownFailures lists the programs whose notebook run (default split) does
// not match `go run`, with the reason. Keep it in sync with KNOWN_FAILURES.md.
var knownFailures = map[string]string{
	"044_errors_as":              "yaegi: errors.As with a pointer to an interpreted pointer type panics (\"*target must be interface or implement error\"): reflect sees no Error method",
	"073_closures_state_machine": "yaegi: a recursive named func type (type state func(r rune) state) makes its compiler panic (\"reflect.Type is nil\")",
	"079_interface_nil":          "yaegi: a nil *E returned as error compares equal to nil (Go: a non-nil interface holding a nil pointer)",
	"099_errors_custom_types":    "yaegi: errors.As to an interpreted struct type implementing error panics (\"*target must be interface or implement error\")",
}

// programTimeout bounds each `go run` and each notebook run.
const programTimeout = 60 * time.Second

// outcome is the result of one program.
type outcome struct {
	name string
	pass bool
}

func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 80 {
		t.Fatalf("corpus has %d programs, want at least 80", len(files))
	}
	mode := os.Getenv("CONFORMANCE_MODE")
	if mode == "" {
		mode = "body"
	}
	if mode != "body" && mode != "call" {
		t.Fatalf("CONFORMANCE_MODE=%q: want body or call", mode)
	}
	for name := range knownFailures {
		if _, err := os.Stat(filepath.Join("testdata", name+".go")); err != nil {
			t.Errorf("knownFailures lists %s, which is not in testdata", name)
		}
	}

	sem := make(chan struct{}, max(2, runtime.NumCPU()))
	var mu sync.Mutex
	var results []outcome
	t.Run("programs", func(t *testing.T) {
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".go")
			t.Run(name, func(t *testing.T) {
				if os.Getenv(compiled.EnvVar) == "" {
					// With the compiled tier programs run one at a
					// time: they share the process's os.Stdout.
					t.Parallel()
				}
				pass := runProgram(t, sem, file, mode)
				mu.Lock()
				results = append(results, outcome{name, pass})
				mu.Unlock()
				reason, known := knownFailures[name]
				switch {
				case mode != "body":
					// Informational mode: failures were logged by runProgram.
				case pass && known:
					t.Errorf("%s passes now: remove it from the list of known failures (knownFailures and KNOWN_FAILURES.md)", name)
				case !pass && known:
					t.Logf("known failure: %s", reason)
				case !pass:
					t.Errorf("%s: notebook output differs from go run (see above); fix it or list it in knownFailures with its reason", name)
				}
			})
		}
	})
	passed := 0
	var failed []string
	for _, r := range results {
		if r.pass {
			passed++
		} else {
			failed = append(failed, r.name)
		}
	}
	sort.Strings(failed)
	t.Logf("conformance (%s split): %d/%d programs pass (%.1f%%); failing: %v",
		mode, passed, len(results), 100*float64(passed)/float64(max(1, len(results))), failed)
}

// runProgram runs file with go run and through the engine, and reports
// whether their stdout match. Differences are logged.
func runProgram(t *testing.T, sem chan struct{}, file, mode string) bool {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := splitProgram(src, mode)
	if err != nil {
		t.Fatalf("splitting %s: %v", file, err)
	}

	sem <- struct{}{}
	want, err := goRun(file)
	<-sem
	if err != nil {
		t.Fatalf("go run %s: %v\n%s", file, err, want)
	}

	sem <- struct{}{}
	got, cellErr, compiledCells := notebookRun(cells)
	<-sem
	if compiledCells > 0 {
		t.Logf("compiled cells: %d", compiledCells)
	}
	if cellErr == "" && got == want {
		return true
	}
	if cellErr != "" {
		t.Logf("cell error: %s", cellErr)
	}
	t.Logf("go run printed:\n%s\nthe notebook printed:\n%s", want, got)
	return false
}

// goRun returns the stdout of `go run file`.
func goRun(file string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), programTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// splitProgram cuts a program into notebook cells (see the package
// documentation): in "body" mode the declarations without func main, then
// main's statements; in "call" mode the declarations, then "main()".
func splitProgram(src []byte, mode string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "prog.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	var mainFn *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			mainFn = fd
		}
	}
	if mainFn == nil {
		return nil, fmt.Errorf("no func main")
	}
	declStart := off(f.Name.End())
	if mode == "call" {
		// A cell declaring main would make yaegi run it: rename it.
		n := off(mainFn.Name.Pos())
		decls := string(src[declStart:n]) + "runMain" + string(src[n+len("main"):])
		return []string{strings.TrimSpace(decls), "runMain()"}, nil
	}
	start := off(mainFn.Pos())
	if mainFn.Doc != nil {
		start = off(mainFn.Doc.Pos())
	}
	decls := string(src[declStart:start]) + string(src[off(mainFn.End()):])
	body := string(src[off(mainFn.Body.Lbrace)+1 : off(mainFn.Body.Rbrace)])
	return []string{strings.TrimSpace(decls), dedent(body)}, nil
}

// dedent removes one leading tab from every line of a function body, so
// the cell looks like what a person would type.
func dedent(body string) string {
	lines := strings.Split(strings.Trim(body, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// notebookRun executes cells in a fresh engine and returns what they wrote
// to stdout, the first cell error ("" if none) and how many cells the
// compiled tier (GOKERNEL_COMPILE) took.
func notebookRun(cells []string) (stdout, cellErr string, compiledCells int) {
	or, ow, err := os.Pipe()
	if err != nil {
		return "", err.Error(), 0
	}
	er, ew, err := os.Pipe()
	if err != nil {
		return "", err.Error(), 0
	}
	var out, errOut bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _, _ = io.Copy(&out, or) }()
	go func() { defer wg.Done(); _, _ = io.Copy(&errOut, er) }()
	opts := goeval.Options{Stdout: ow, Stderr: ew}
	if mode := os.Getenv(compiled.EnvVar); mode != "" {
		// The compiled tier: compiled code writes to the process's
		// os.Stdout (the worker's pipe in the kernel), so it is the
		// capture pipe while the program runs.
		m, err := compiled.ParseMode(mode)
		if err != nil {
			return "", err.Error(), 0
		}
		tier := compiled.New(compiled.Options{Mode: m, NoWarm: true})
		tier.Start(context.Background())
		opts.Compiler = tier
		old := os.Stdout
		os.Stdout = ow
		defer func() { os.Stdout = old }()
	}
	e, err := goeval.New(opts)
	if err != nil {
		return "", err.Error(), 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), programTimeout)
	defer cancel()
	for i, c := range cells {
		if c == "" {
			continue
		}
		res, err := e.Execute(ctx, kernel.ExecuteRequest{Code: c, ExecutionCount: i + 1}, nopOutput{})
		if err != nil {
			cellErr = err.Error()
			break
		}
		if res.Error != nil {
			cellErr = fmt.Sprintf("cell %d: %s: %s\n%s", i+1, res.Error.Name, res.Error.Value, strings.Join(res.Error.Traceback, "\n"))
			break
		}
	}
	if opts.Compiler != nil {
		compiledCells = opts.Compiler.Status().Cells
	}
	_ = e.Close()
	// Goroutines a cell started may still hold the write ends; closing
	// them ends the copies. Programs of the corpus finish their goroutines.
	ow.Close()
	ew.Close()
	wg.Wait()
	or.Close()
	er.Close()
	if cellErr != "" && errOut.Len() > 0 {
		cellErr += "\nstderr: " + errOut.String()
	}
	return out.String(), cellErr, compiledCells
}

// nopOutput is a kernel.Output for cells that do not display or read input.
type nopOutput struct{}

func (nopOutput) Stream(name, text string) {}
func (nopOutput) Display(d kernel.Display) {}
func (nopOutput) ClearOutput(wait bool)    {}
func (nopOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", io.EOF
}
