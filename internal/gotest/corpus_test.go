package gotest

import (
	"strings"
	"testing"
	"time"
)

func TestCorpusShape(t *testing.T) {
	seqs, err := LoadCorpus("corpus")
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) < 100 {
		t.Fatalf("the corpus has %d sequences, want at least 100", len(seqs))
	}
	topics := map[string]int{}
	for _, s := range seqs {
		topics[s.Topic]++
		if !strings.Contains(s.Program, "func main()") {
			t.Errorf("%s: the equivalent program has no func main", s.Name)
		}
	}
	for _, want := range []string{"decl", "redef", "generics", "iter", "closure", "method", "embed", "errors", "stringer", "scanner", "goroutine", "stdlib"} {
		if topics[want] < 2 {
			t.Errorf("topic %s has %d sequences, want at least 2", want, topics[want])
		}
	}
}

func TestEquivalentProgram(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []string
		want  []string // in this order in the program
	}{
		{"decl then stmt", []string{"type T int", "import \"fmt\"\n\nfmt.Println(T(1))"},
			[]string{"import (\n\t\"fmt\"\n)", "type T int", "func main() {\n\tfmt.Println(T(1))\n}"}},
		{"imports deduplicated", []string{"import \"fmt\"\nfmt.Println(1)", "import \"fmt\"\nfmt.Println(2)"},
			[]string{"import (\n\t\"fmt\"\n)", "fmt.Println(1)\n\tfmt.Println(2)"}},
		{"statements keep their order around declarations", []string{"x := 1", "func f() int { return 2 }", "println(x + f())"},
			[]string{"func f() int { return 2 }", "x := 1\n\tprintln(x + f())"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := equivalentProgram(tc.cells)
			if err != nil {
				t.Fatal(err)
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("program lacks %q after byte %d:\n%s", w, at, got)
				}
				at += i + len(w)
			}
		})
	}
	if _, err := equivalentProgram([]string{"func f( {"}); err == nil {
		t.Error("a cell that is neither declarations nor statements was accepted")
	}
}

func TestParseSequence(t *testing.T) {
	for _, tc := range []struct {
		name, text, err string
	}{
		{"ok", "topic: x\n-- cell --\nvar a = 1\n-- cell --\nprintln(a)\n", ""},
		{"no topic", "-- cell --\nvar a = 1\n-- cell --\nprintln(a)\n", "no topic"},
		{"one cell", "topic: x\n-- cell --\nprintln(1)\n", "2 to 6"},
		{"bad section", "topic: x\n-- nope --\n", "unknown section"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseSequence(tc.name, []byte(tc.text))
			if tc.err == "" {
				if err != nil || len(s.Cells) != 2 || s.Topic != "x" {
					t.Fatalf("got %+v, %v", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestKernelProgress(t *testing.T) {
	in := "a\ncompiling In[3] with go build (the first compile after installing Go builds the standard library for plugins)...\nb\n"
	if got := KernelProgress.ReplaceAllString(in, ""); got != "a\nb\n" {
		t.Errorf("got %q", got)
	}
	if got := KernelProgress.ReplaceAllString("compiling In[3] by hand\n", ""); got == "" {
		t.Error("a program's own line was removed")
	}
}

func TestCompare(t *testing.T) {
	ok := Reference{Stdout: "a\n", Stderr: "b\n", Combined: "a\nb\n"}
	cell := func(out, errOut string) cellResult {
		return cellResult{Stdout: out, Stderr: errOut, Combined: out + errOut, Status: "ok"}
	}
	for _, tc := range []struct {
		name   string
		ref    Reference
		nb     notebook
		pass   bool
		cat    string
		silent bool
	}{
		{"same", ok, notebook{Failed: -1, Cells: []cellResult{cell("a\n", ""), cell("", "b\n")}}, true, "", false},
		{"other stream, same text", ok, notebook{Failed: -1, Cells: []cellResult{cell("a\nb\n", "")}}, true, "", false},
		{"silent", ok, notebook{Failed: -1, Cells: []cellResult{cell("a\n", "c\n")}}, false, catOutput, true},
		{"compile", ok, notebook{Failed: 0, Cells: []cellResult{{Status: "error", EName: "CompileError", EValue: "In[1]:1:1: undefined: x"}}}, false, catCompile, false},
		{"import", ok, notebook{Failed: 0, Cells: []cellResult{{Status: "error", EName: "CompileError", EValue: `In[1]:3:8: package "unsafe" is neither in the standard library (Go 1.22 API) nor compiled into this kernel`}}}, false, catImport, false},
		{"check", ok, notebook{Failed: 1, Cells: []cellResult{cell("", ""), {Status: "error", EName: "panic", EValue: "fail"}}}, false, catCheck, false},
		{"os.Exit", ok, notebook{Failed: 1, Cells: []cellResult{cell("", ""), {Status: "error", EName: "InterpreterRestarted", EValue: "the interpreter process stopped (exit status 1)"}}}, false, catCheck, false},
		{"runtime", ok, notebook{Failed: 1, Cells: []cellResult{cell("", ""), {Status: "error", EName: "panic", EValue: "runtime error: index out of range [3] with length 1"}}}, false, catRuntime, false},
		{"reflect panic", ok, notebook{Failed: 1, Cells: []cellResult{cell("", ""), {Status: "error", EName: "panic", EValue: "12:3: reflect.Set: value of type int is not assignable to type error"}}}, false, catRuntime, false},
		{"os.Exit(0) after the output", ok, notebook{Failed: 1, Cells: []cellResult{cell("a\n", "b\n"), {Status: "error", EName: "panic", EValue: "os.Exit(0) called: the kernel keeps running"}}}, true, "", false},
		{"os.Exit(1)", ok, notebook{Failed: 1, Cells: []cellResult{cell("a\n", "b\n"), {Status: "error", EName: "panic", EValue: "os.Exit(1) called: the kernel keeps running"}}}, false, catCheck, false},
		{"timeout", ok, notebook{Failed: 0, Cells: []cellResult{{TimedOut: true}}}, false, catTimeout, false},
		{"go run failed", Reference{ExitCode: 1}, notebook{Failed: -1}, false, catRefFail, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := compare(tc.ref, tc.nb)
			if v.Pass != tc.pass || v.Category != tc.cat || v.Silent != tc.silent {
				t.Fatalf("got %+v, want pass %v category %q silent %v", v, tc.pass, tc.cat, tc.silent)
			}
		})
	}
}

// TestCorpus runs the multi-cell corpus through real kernel processes and
// compares it with go run: the pass count may not fall below the floor of
// testdata/corpus-baseline.json, and no silent wrong answer may appear that
// is not listed there. The kernel is $GOTEST_KERNEL (make test sets it to
// bin/gokernel) or one built here.
func TestCorpus(t *testing.T) {
	const file = "corpus-baseline.json"
	base := loadBaseline(t, file)
	seqs, err := LoadCorpus("corpus")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range seqs {
		names[s.Name] = true
	}
	for n := range base.Silent {
		if !names[n] {
			t.Errorf("%s lists %s, which is not in the corpus", file, n)
		}
	}
	jobs, err := CorpusJobs(seqs, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	results := runInKernels(t, jobs, KernelEnv(), 60*time.Second)
	for _, r := range results {
		if r.Category == catRefFail {
			t.Errorf("%s: go run of the equivalent program fails (%s): fix the sequence", r.ID, r.Reason)
		}
	}
	holdToBaseline(t, "multi-cell corpus", file, base, results)
}
