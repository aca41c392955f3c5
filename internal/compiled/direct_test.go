package compiled

import (
	"context"
	"testing"
	"time"
)

// TestDirectBuild: once the warm-up listed the standard library's
// archives, statement, library and whole cells that need only it and
// earlier directly built cells are built with compile and link (no go
// command), load, and run; a cell importing a package whose archive the
// tier does not know is built by go build.
func TestDirectBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	tier := New(Options{Mode: Auto, Dir: t.TempDir()})
	tier.Start(context.Background())
	if !tier.Enabled() {
		t.Skipf("compiled tier unavailable: %s", tier.Reason())
	}
	for deadline := time.Now().Add(3 * time.Minute); !tier.Status().Warm; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the tier did not warm up")
		}
	}
	resolve := func(name string) (string, bool) {
		if name == "strings" || name == "fmt" {
			return name, true
		}
		return "", false
	}
	build := func(n int, code string) *Loaded {
		t.Helper()
		p, why := tier.Plan(n, code, resolve)
		if p == nil {
			t.Fatalf("In[%d] not compiled: %s", n, why)
		}
		l, err := tier.Build(context.Background(), p)
		if err != nil {
			t.Fatalf("In[%d]: %v", n, err)
		}
		return l
	}
	tests := []struct {
		code   string
		direct bool
	}{
		{"func tri(n int) int {\n\ts := 0\n\tfor i := range n + 1 {\n\t\ts += i\n\t}\n\treturn s\n}", true},
		// A statement cell using the library cell above: its archive
		// is the tier's own.
		{"t := 0\nfor i := range 3 {\n\tt += tri(i) + len(strings.Repeat(\"x\", i))\n}\nt", true},
		{"type P struct{ X int }\n\nfunc (p P) String() string { return fmt.Sprint(\"P\", p.X) }\n\nfunc main() { _ = P{1}.String() }", true},
	}
	// A binary built with -race (go test -race) builds cells with it,
	// which only go build does: then every cell must fall back.
	plain := true
	for _, f := range tier.tc.Flags {
		plain = plain && f == "-trimpath"
	}
	for i, tc := range tests {
		l := build(i+1, tc.code)
		if want := tc.direct && plain; l.Direct != want {
			t.Errorf("In[%d]: Direct = %v, want %v (build flags %v)", i+1, l.Direct, want, tier.tc.Flags)
		}
		if l.Run != nil {
			l.Run()
			if !*l.HasResult || *l.Result != 0+0+1+1+3+2 {
				t.Errorf("In[%d]: result %v (has %v), want 7", i+1, *l.Result, *l.HasResult)
			}
		}
	}
	// A library cell go build built: a later cell that imports it is
	// built by go build too (the tier does not know its archive).
	t.Setenv("GOKERNEL_DIRECT_BUILD", "off")
	if l := build(10, "func quad(n int) int { return tri(n) * 4 }"); l.Direct {
		t.Fatal("GOKERNEL_DIRECT_BUILD=off: built directly")
	}
	t.Setenv("GOKERNEL_DIRECT_BUILD", "")
	l := build(11, "q := 0\nfor i := range 3 {\n\tq += quad(i)\n}\nq")
	if l.Direct {
		t.Error("a cell using a go-built library cell was built directly")
	}
	l.Run()
	if *l.Result != 16 {
		t.Errorf("q = %v, want 16", *l.Result)
	}
}
