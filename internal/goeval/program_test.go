package goeval

import (
	"strings"
	"testing"
)

// TestFuncMainIsOrdinary: declaring func main runs nothing, later cells do
// not run it again, calling it runs it once; a whole-program cell (package
// main) runs its init and main once, like go run.
func TestFuncMainIsOrdinary(t *testing.T) {
	te := newTestEngine(t)
	te.mustOK(t, "import \"fmt\"\nvar runs int\nfunc main() { runs++; fmt.Println(\"main ran\") }")
	te.mustOK(t, "x := 1")
	te.mustOK(t, "x++")
	if got := te.mustOK(t, "runs"); got != "0" {
		t.Fatalf("after declaring main and two cells: runs = %s, want 0", got)
	}
	te.mustOK(t, "main()")
	if got := te.mustOK(t, "runs"); got != "1" {
		t.Fatalf("after one call of main: runs = %s, want 1", got)
	}
	te.mustOK(t, "package main\n\nimport \"fmt\"\n\nvar order []string\n\nfunc init() { order = append(order, \"init\") }\n\nfunc main() {\n\torder = append(order, \"main\")\n\tfmt.Println(\"program ran\")\n}")
	if got := te.mustOK(t, "fmt.Sprint(order)"); got != `"[init main]"` {
		t.Fatalf("after a program cell: order = %s, want [init main]", got)
	}
	te.mustOK(t, "y := 2")
	if got := te.mustOK(t, "fmt.Sprint(order)"); got != `"[init main]"` {
		t.Fatalf("a later cell ran init or main again: order = %s", got)
	}
	out := te.stdout.waitFor(t, "program ran") // written after main ran
	if n := strings.Count(out, "main ran"); n != 1 {
		t.Fatalf("stdout has %d \"main ran\", want 1: %q", n, out)
	}
}

func TestProgramCells(t *testing.T) {
	runSteps(t, []step{
		{code: "package main\nfunc helper() int { return 7 }", want: ""},
		{code: "helper()", want: "7"},
		{code: "package lib\nfunc f() {}", errName: errCompile, errHas: "package lib is not a main package"},
		{code: "package main\nimport \"fmt\"\nfunc main() {\n\tfmt.Println(\"hi\")\n\tvar s string = 1\n}", errName: errCompile, errLine: "In[4]:5:"},
		{code: "// a comment first\npackage main\nimport \"fmt\"\nfunc main() { fmt.Println(\"after comment\") }", stdout: "after comment\n"},
	})
}

// TestSystemPackages: os/exec, syscall and unsafe are importable; exits
// through syscall.Exit are contained like os.Exit.
func TestSystemPackages(t *testing.T) {
	runSteps(t, []step{
		{code: "import \"os/exec\"\nout, err := exec.Command(\"sh\", \"-c\", \"echo from-sh\").Output()\nstring(out)", want: `"from-sh\n"`},
		{code: "err", want: "<nil>"},
		{code: "_, lerr := exec.LookPath(\"surely-not-a-command-gk\")\nerrors.Is(lerr, exec.ErrNotFound)", want: "true"},
		{code: "import \"syscall\"\nsyscall.Getpid() == os.Getpid()", want: "true"},
		{code: "syscall.Exit(4)", errName: errPanic, errHas: "os.Exit(4) called: the kernel keeps running"},
		{code: "import \"unsafe\"\nunsafe.Sizeof(int64(0))", want: "8"},
		{code: "v := int32(41)\np := unsafe.Pointer(&v)\n*(*int32)(p) += 1\nv", want: "42"},
	})
}
