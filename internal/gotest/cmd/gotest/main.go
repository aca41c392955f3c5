// Command gotest measures how much of Go a gokernel notebook runs: it runs
// programs as notebook cells in real kernel processes (over the Jupyter
// protocol) and compares each with `go run` of the same program.
//
//	go run ./internal/gotest/cmd/gotest suite   # Go's own test suite ($GOROOT/test, `// run` programs)
//	go run ./internal/gotest/cmd/gotest corpus  # the multi-cell corpus (internal/gotest/corpus)
//
// It prints a table (pass/total per folder or topic, failures by category,
// every failure with its reason) and writes every program's result to
// artifacts/gotest/<set>.json and .tsv. go run results are cached in
// artifacts/gotest/gorun-cache.json, keyed by Go version and file hash.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gokernel/gokernel/internal/gotest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "suite" && args[0] != "corpus") {
		fmt.Fprintln(stderr, "usage: gotest suite|corpus [flags]  (gotest suite -h lists the flags)")
		return 2
	}
	set := args[0]
	fs := flag.NewFlagSet("gotest "+set, flag.ContinueOnError)
	fs.SetOutput(stderr)
	kernelExe := fs.String("kernel", "bin/gokernel", "the gokernel executable to test")
	goroot := fs.String("goroot", "", "the Go installation whose test folder is used (default: go env GOROOT)")
	corpusDir := fs.String("dir", "internal/gotest/corpus", "corpus: the folder of .txtar sequences")
	jobs := fs.Int("j", 2, "programs run at a time")
	timeout := fs.Duration("timeout", 30*time.Second, "per-program deadline of the notebook run, plus twice what go run took (a hang counts as a failure)")
	refTimeout := fs.Duration("gorun-timeout", 3*time.Minute, "per-program deadline of go run")
	artifacts := fs.String("artifacts", "artifacts/gotest", "where results and the go run cache go")
	filter := fs.String("run", "", "only programs whose folder/name matches this regular expression")
	verbose := fs.Bool("v", false, "print one line per finished program")
	keepProgress := fs.Bool("keep-progress", false, "compare the kernel's own progress lines on stderr (\"compiling In[n] with go build ...\") too; by default they are removed")
	transport := fs.String("transport", "tcp", "how the runner connects to each kernel: tcp (loopback, as jupyter_client does) or ipc")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var re *regexp.Regexp
	if *filter != "" {
		var err error
		if re, err = regexp.Compile(*filter); err != nil {
			fmt.Fprintln(stderr, "gotest: -run:", err)
			return 2
		}
	}
	exe, err := filepath.Abs(*kernelExe)
	if err == nil {
		_, err = os.Stat(exe)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gotest: kernel %s: %v (build it with make build)\n", *kernelExe, err)
		return 1
	}
	if *goroot == "" {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			fmt.Fprintln(stderr, "gotest: go env GOROOT:", err)
			return 1
		}
		*goroot = strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(*artifacts, 0o755); err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "gotest-")
	if err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	cache, err := gotest.OpenRefCache(filepath.Join(*artifacts, "gorun-cache.json"))
	if err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 1
	}

	var js []gotest.Job
	var title string
	switch set {
	case "suite":
		js, err = gotest.SuiteJobs(*goroot)
		title = fmt.Sprintf("Go's test suite (%s/test, `// run` programs) as two cells each, against go run (%s)", *goroot, cache.GoVersion())
	case "corpus":
		js, err = corpusJobs(*corpusDir, filepath.Join(tmp, "corpus"))
		title = fmt.Sprintf("multi-cell corpus (%s) against go run of the equivalent program (%s)", *corpusDir, cache.GoVersion())
	}
	if err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 1
	}
	if re != nil {
		var kept []gotest.Job
		for _, j := range js {
			if re.MatchString(j.ID) {
				kept = append(kept, j)
			}
		}
		js = kept
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *transport != "tcp" && *transport != "ipc" {
		fmt.Fprintf(stderr, "gotest: -transport %q: want tcp or ipc\n", *transport)
		return 2
	}
	cfg := gotest.Config{Kernel: exe, Tmp: tmp, Transport: *transport, Env: gotest.KernelEnv(), Parallel: *jobs,
		Timeout: *timeout, RefTimeout: *refTimeout, Cache: cache}
	if *verbose {
		cfg.Progress = stderr
	}
	if !*keepProgress {
		cfg.KernelProgress = gotest.KernelProgress
	}
	start := time.Now()
	results, err := gotest.RunJobs(ctx, cfg, js)
	if err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 1
	}
	sum := gotest.WriteTable(stdout, title, results)
	fmt.Fprintf(stdout, "\n%s: %d/%d pass (%.1f%%), %d silent wrong answers, in %s with -j%d\n",
		set, sum.Total.Pass, sum.Total.Total, sum.Total.Percent(), sum.Total.Silent, time.Since(start).Round(time.Second), *jobs)
	if err := writeResults(*artifacts, set, cache.GoVersion(), exe, results, sum); err != nil {
		fmt.Fprintln(stderr, "gotest:", err)
		return 1
	}
	fmt.Fprintf(stdout, "results: %s\n", filepath.Join(*artifacts, set+".json"))
	return 0
}

// corpusJobs makes a job of every sequence of the corpus; the equivalent
// programs are written under work.
func corpusJobs(dir, work string) ([]gotest.Job, error) {
	seqs, err := gotest.LoadCorpus(dir)
	if err != nil {
		return nil, err
	}
	return gotest.CorpusJobs(seqs, work)
}

// writeResults writes the per-program results as JSON and TSV.
func writeResults(dir, set, goVersion, exe string, rs []gotest.Result, sum gotest.Summary) error {
	doc := map[string]any{
		"set": set, "go": goVersion, "kernel": exe, "when": time.Now().UTC().Format(time.RFC3339),
		"pass": sum.Total.Pass, "total": sum.Total.Total, "silent": sum.Total.Silent,
		"by_category": sum.ByCategory, "groups": sum.Groups, "skipped": sum.Skipped, "results": rs,
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, set+".json"), b, 0o644); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	var t strings.Builder
	t.WriteString("group\tid\tpass\tcategory\tsilent\tseconds\treason\n")
	for _, r := range rs {
		fmt.Fprintf(&t, "%s\t%s\t%v\t%s\t%v\t%.2f\t%s\n", r.Group, r.ID, r.Pass, r.Category, r.Silent, r.Seconds,
			strings.NewReplacer("\t", " ", "\n", " ").Replace(r.Reason))
	}
	if err := os.WriteFile(filepath.Join(dir, set+".tsv"), []byte(t.String()), 0o644); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}
