package goeval

import "testing"

// TestGoStatementValuesPerIteration: a go statement in a loop gives its
// goroutine that iteration's function and arguments, at a cell's top level
// and inside an interpreted function, however the goroutine takes them (a
// closure over the loop variable, an argument, a copy). The rewrite that
// adds panic recovery once read them from slots yaegi shares across
// iterations, and 2000 goroutines summed to 1999412 instead of 2001000.
func TestGoStatementValuesPerIteration(t *testing.T) {
	const decl = "import \"sync\"\n\nvar (\n\tmu    sync.Mutex\n\ttotal int\n)\n\nfunc add(n int) {\n\tmu.Lock()\n\ttotal += n\n\tmu.Unlock()\n}"
	for _, tt := range []struct{ name, loop, want string }{
		{"three-clause closure", "for i := 1; i <= 2000; i++ {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tadd(i)\n\t}()\n}", "2001000"},
		{"range closure", "for i := range 2000 {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tadd(i + 1)\n\t}()\n}", "2001000"},
		{"copy", "for i := 1; i <= 2000; i++ {\n\tj := i\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tadd(j)\n\t}()\n}", "2001000"},
		{"argument", "for i := 1; i <= 2000; i++ {\n\twg.Add(1)\n\tgo func(n int) {\n\t\tdefer wg.Done()\n\t\tadd(n)\n\t}(i)\n}", "2001000"},
		{"named func", "for i := 1; i <= 2000; i++ {\n\twg.Add(1)\n\tgo addDone(&wg, i)\n}", "2001000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			te := newTestEngine(t)
			runStepsOn(t, te, []step{
				{code: decl},
				{code: "func addDone(wg *sync.WaitGroup, n int) {\n\tdefer wg.Done()\n\tadd(n)\n}"},
				{code: "func inFunc() int {\n\ttotal = 0\n\tvar wg sync.WaitGroup\n" + tt.loop + "\n\twg.Wait()\n\treturn total\n}"},
			})
			for range 3 {
				runStepsOn(t, te, []step{
					{code: "total = 0\nvar wg sync.WaitGroup\n" + tt.loop + "\nwg.Wait()"},
					{code: "total", want: tt.want},
					{code: "inFunc()", want: tt.want},
				})
			}
		})
	}
}
