package gotest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Job is one program to run as cells and compare with go run.
type Job struct {
	// Group is the table row the job counts in (a folder, a corpus topic).
	Group string
	// ID names the job uniquely.
	ID string
	// Cells are the notebook cells, run in order in one kernel.
	Cells []string
	// RefFile is the single-file program go run runs for the reference.
	RefFile string
	// Dir is the directory the kernel runs in.
	Dir string
}

// Result is the outcome of one job.
type Result struct {
	Group   string  `json:"group"`
	ID      string  `json:"id"`
	Verdict         // pass, category, silent, reason
	Seconds float64 `json:"seconds"`
	// CellCount is how many cells the job has.
	CellCount int `json:"cells"`
	// Want and Got are go run's and the notebook's stdout, kept for failures.
	Want string `json:"want,omitempty"`
	Got  string `json:"got,omitempty"`
	// ProgressLines counts the kernel progress lines removed from stderr.
	ProgressLines int `json:"progress_lines,omitempty"`
}

// Config is how jobs run.
type Config struct {
	Kernel     string        // the gokernel executable
	Tmp        string        // where connection files go
	Transport  string        // "tcp" (default) or "ipc"
	Env        []string      // the kernels' environment
	Parallel   int           // jobs at a time
	Timeout    time.Duration // per notebook run, plus twice the time go run took
	RefTimeout time.Duration // per go run
	Cache      *RefCache
	Progress   io.Writer // one line per finished job; nil for none
	// KernelProgress matches the kernel's own progress lines on stderr
	// (compiled cells report a slow go build there); they are removed
	// before the comparison, as they are not the program's output. Nil
	// keeps every line.
	KernelProgress *regexp.Regexp
}

// KernelProgress matches the line the compiled tier writes to a cell's
// stderr while go build runs longer than a second (goeval/compiled.go).
var KernelProgress = regexp.MustCompile(`(?m)^compiling In\[\d+\] with go build [^\n]*\.\.\.\n`)

// RunJobs runs every job's reference (cached) and notebook, Parallel at a
// time, and returns the results in the jobs' order.
func RunJobs(ctx context.Context, cfg Config, jobs []Job) ([]Result, error) {
	results := make([]Result, len(jobs))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, max(1, cfg.Parallel))
	var wg sync.WaitGroup
	done := 0
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			r, err := runJob(ctx, cfg, j)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", j.ID, err)
			}
			results[i] = r
			done++
			if cfg.Progress != nil {
				mark := "ok  "
				if !r.Pass {
					mark = "FAIL"
					if r.Category == catRefFail {
						mark = "skip"
					}
				}
				fmt.Fprintf(cfg.Progress, "[%d/%d] %s %s %.1fs %s %s\n", done, len(jobs), mark, j.ID, r.Seconds, r.Category, r.Reason)
			}
		}()
	}
	wg.Wait()
	if err := cfg.Cache.Save(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return results, firstErr
}

func runJob(ctx context.Context, cfg Config, j Job) (Result, error) {
	res := Result{Group: j.Group, ID: j.ID, CellCount: len(j.Cells)}
	ref, err := cfg.Cache.GoRun(ctx, j.RefFile, cfg.RefTimeout)
	if err != nil {
		return res, err
	}
	if !ref.OK() {
		res.Verdict = compare(ref, notebook{})
		res.Want = ref.Combined
		return res, nil
	}
	// A program that is slow under go run (some build other programs)
	// gets that much more time twice over: a timeout should mean a hang.
	timeout := cfg.Timeout + time.Duration(2*ref.Seconds*float64(time.Second))
	nb := runCells(ctx, cfg.Kernel, j.Dir, cfg.Tmp, cfg.Transport, cfg.Env, j.Cells, timeout)
	res.Seconds = nb.Seconds
	if cfg.KernelProgress != nil {
		for i := range nb.Cells {
			c := &nb.Cells[i]
			res.ProgressLines += len(cfg.KernelProgress.FindAllStringIndex(c.Stderr, -1))
			c.Stderr = cfg.KernelProgress.ReplaceAllString(c.Stderr, "")
			c.Combined = cfg.KernelProgress.ReplaceAllString(c.Combined, "")
		}
	}
	res.Verdict = compare(ref, nb)
	if !res.Pass {
		res.Want = clip(ref.Stdout + ref.Stderr)
		res.Got = clip(nb.Stdout() + nb.Stderr())
	}
	return res, nil
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// Summary counts results per group.
type Summary struct {
	Groups []GroupCount
	Total  GroupCount
	// ByCategory counts failures per category.
	ByCategory map[string]int
	// Silent lists the silent wrong answers.
	Silent []string
	// Skipped lists the jobs whose go run failed (not counted).
	Skipped []string
}

// GroupCount is the pass/total of one group.
type GroupCount struct {
	Group  string
	Pass   int
	Total  int
	Silent int
}

// Percent is 100·Pass/Total.
func (g GroupCount) Percent() float64 {
	if g.Total == 0 {
		return 0
	}
	return 100 * float64(g.Pass) / float64(g.Total)
}

// summarize counts results; groups keep the order they first appear in.
func summarize(rs []Result) Summary {
	s := Summary{ByCategory: map[string]int{}}
	idx := map[string]int{}
	for _, r := range rs {
		if r.Category == catRefFail {
			s.Skipped = append(s.Skipped, r.ID)
			continue
		}
		i, ok := idx[r.Group]
		if !ok {
			i = len(s.Groups)
			idx[r.Group] = i
			s.Groups = append(s.Groups, GroupCount{Group: r.Group})
		}
		g := &s.Groups[i]
		g.Total++
		s.Total.Total++
		if r.Pass {
			g.Pass++
			s.Total.Pass++
			continue
		}
		s.ByCategory[r.Category]++
		if r.Silent {
			g.Silent++
			s.Total.Silent++
			s.Silent = append(s.Silent, r.ID)
		}
	}
	s.Total.Group = "total"
	return s
}

// WriteTable prints the per-group table, the failure counts by category
// and every failure with its category and reason.
func WriteTable(w io.Writer, title string, rs []Result) Summary {
	s := summarize(rs)
	fmt.Fprintf(w, "\n%s\n", title)
	fmt.Fprintf(w, "%-14s %6s %6s %7s %7s\n", "group", "pass", "total", "%", "silent")
	for _, g := range append(append([]GroupCount{}, s.Groups...), s.Total) {
		fmt.Fprintf(w, "%-14s %6d %6d %6.1f%% %7d\n", g.Group, g.Pass, g.Total, g.Percent(), g.Silent)
	}
	fmt.Fprintf(w, "\nfailures by category:")
	for _, c := range categories {
		fmt.Fprintf(w, " %s %d,", c, s.ByCategory[c])
	}
	fmt.Fprintf(w, " silent wrong answers %d\n", s.Total.Silent)
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "not counted (go run itself fails): %s\n", strings.Join(s.Skipped, ", "))
	}
	var fails []Result
	for _, r := range rs {
		if !r.Pass && r.Category != catRefFail {
			fails = append(fails, r)
		}
	}
	sort.SliceStable(fails, func(i, j int) bool {
		if fails[i].Silent != fails[j].Silent {
			return fails[i].Silent
		}
		return catRank(fails[i].Category) < catRank(fails[j].Category)
	})
	if len(fails) > 0 {
		fmt.Fprintf(w, "\nfailures (silent wrong answers first):\n")
	}
	for _, r := range fails {
		mark := ""
		if r.Silent {
			mark = "SILENT "
		}
		fmt.Fprintf(w, "  %s%-8s %-36s %s\n", mark, r.Category, r.ID, r.Reason)
	}
	return s
}

func catRank(c string) int {
	for i, x := range categories {
		if x == c {
			return i
		}
	}
	return len(categories)
}
