// Command gokernel is a Jupyter kernel for Go with built-in Google sign-in
// and BigQuery magics.
//
//	gokernel kernel -f CONNECTION_FILE   run the kernel (what kernel.json starts)
//	gokernel install [--user|--sys-prefix|--prefix DIR] [--name N] [--display-name D] [--env K=V]
//	gokernel uninstall [same scope options]
//	gokernel build --with PKG[@VERSION] ... [-o PATH]   a kernel with more packages (see package builder)
//	gokernel version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/internal/builder"
	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/internal/goeval"
	"github.com/gokernel/gokernel/internal/prebind"
	"github.com/gokernel/gokernel/internal/worker"
	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/kernelspec"
)

// version is set at build time with -ldflags "-X main.version=..."; the
// module version from the build info is used otherwise.
var version = ""

func kernelVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "0.1.0-dev"
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	_, _ = io.WriteString(w, `gokernel: a Jupyter kernel for Go, with %auth (Google sign-in) and %bq (BigQuery).

usage:
  gokernel install [--user | --sys-prefix | --prefix DIR] [--name gokernel] [--display-name Go] [--env K=V ...]
  gokernel uninstall [--user | --sys-prefix | --prefix DIR] [--name gokernel]
  gokernel kernel -f CONNECTION_FILE
  gokernel build --with PKG[@VERSION] [--with ...] [-o PATH] [--src DIR]
                 build a kernel whose cells can import those packages (needs the gokernel source and Go)
  gokernel version
`)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "kernel":
		return runKernel(args[1:], stderr)
	case "worker":
		return runWorker(stderr)
	case "install", "uninstall":
		return kernelspec.Main(args, stdout, stderr)
	case "build":
		return builder.Main(args[1:], stdout, stderr)
	case compiled.ExtractCommand:
		// Hidden: the session's symbol tables of module packages (run by the worker).
		return compiled.ExtractMain(args[1:], stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "gokernel %s (%s, interpreted Go %s)\n", kernelVersion(), runtime.Version(), languageVersion)
		return 0
	case "help", "-h", "--help", "-help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "gokernel: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
}

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if v := os.Getenv("GOKERNEL_LOG_LEVEL"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func runKernel(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gokernel kernel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	connFile := fs.String("f", "", "path of the connection file the front end wrote")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *connFile == "" {
		fmt.Fprintln(stderr, "gokernel kernel: -f CONNECTION_FILE is required")
		return 2
	}
	log := newLogger(stderr)
	// The sockets bound before main (internal/prebind), by port.
	listenFDs := map[int]uintptr{}
	for _, sk := range prebind.Sockets() {
		listenFDs[sk.Port] = sk.FD
	}
	ci, err := kernel.ReadConnectionFile(*connFile)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		log.Error("cannot find my own executable", "err", err)
		return 1
	}
	env := append(os.Environ(), "GOTRACEBACK=none")
	if os.Getenv("GOROOT") == "" {
		// runtime.GOROOT() reads the environment the process started
		// with; this binary is built with -trimpath, so without it cells
		// would see "" where go run's programs see the toolchain's root.
		if root := compiled.GOROOT(); root != "" {
			env = append(env, "GOROOT="+root)
		}
	}
	sup := worker.NewSupervisor(worker.Options{Command: []string{exe, "worker"}, Env: env, Logger: log,
		RestoreOf: func(code string) worker.Restore {
			r := goeval.RestoreOf(code)
			return worker.Restore{Source: r.Source, Declared: r.Declared, Lost: r.Lost}
		}})
	srv, err := kernel.NewServer(kernel.Config{
		Conn: ci, ListenFDs: listenFDs,
		RouterConfig: kernel.RouterConfig{
			Engine: sup, Logger: log,
			Implementation: "gokernel", ImplementationVersion: kernelVersion(), LanguageVersion: languageVersion,
			Banner: fmt.Sprintf("gokernel %s: Go %s interpreted by yaegi. %s %%help lists the magics (%%auth signs you in to Google, %%bq queries BigQuery).",
				kernelVersion(), languageVersion, compiled.Banner()),
		},
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	// Start the interpreter while the front end connects.
	go func() {
		if err := sup.Start(); err != nil {
			log.Error("starting the interpreter", "err", err)
		}
		// From here the kernel process only moves messages between
		// sockets and the interpreter process, which keeps every CPU for
		// the cells. With a second P, each goroutine hand-off (socket
		// reader, request loop, IOPub writer) woke an idle thread that
		// found nothing to do: 14 context switches and ~390 µs of CPU per
		// trivial cell, against 7.5 and ~280 µs on one P (README,
		// Benchmarks). Not before: starting the child (a vfork and exec
		// that keep their thread's P) would hold up the sockets' setup
		// and the first kernel_info_reply. An explicit GOMAXPROCS still
		// wins.
		if os.Getenv("GOMAXPROCS") == "" {
			runtime.GOMAXPROCS(1)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGINT {
				log.Info("SIGINT: interrupting the running cell")
				srv.Interrupt()
				continue
			}
			log.Info("signal: shutting down", "signal", sig.String())
			cancel()
		}
	}()
	go watchParent(ctx, cancel, log)
	go trimMemory(ctx)
	if err := srv.Serve(ctx); err != nil {
		log.Error("kernel stopped", "err", err)
		return 1
	}
	return 0
}

// watchParent stops the kernel when the process that started it is gone
// (JPY_PARENT_PID, as ipykernel's ParentPoller), so no kernel lingers.
func watchParent(ctx context.Context, stop context.CancelFunc, log *slog.Logger) {
	pid, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID"))
	if err != nil || pid <= 1 {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := syscall.Kill(pid, 0); err != nil && errors.Is(err, syscall.ESRCH) {
				log.Warn("parent process is gone; shutting down", "pid", pid)
				stop()
				return
			}
		}
	}
}

// trimMemory hands the memory the kernel process freed back to the OS once
// a burst of work is over (a second in which it allocated next to nothing
// after one in which it did), so its RSS follows its live heap instead of
// the high-water mark of its last burst. An idle kernel is not woken into
// a GC: only the ticker runs, reading one runtime metric.
func trimMemory(ctx context.Context) {
	const quiet = 64 << 10 // bytes allocated per second that count as idle (heartbeats)
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocated := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last, worked := allocated(), false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := allocated()
			busy := now-last > quiet
			last = now
			switch {
			case busy:
				worked = true
			case worked:
				debug.FreeOSMemory()
				worked, last = false, allocated()
			}
		}
	}
}

// yaegiLogFilter sends the standard logger's lines to the cell's stderr,
// except yaegi's internal errors, which go to the kernel's log.
type yaegiLogFilter struct{ cell, kernel io.Writer }

// Write sends yaegi v0.16.1's own lines (log.Panic("nil type"), "nil
// reflect type", "compositeGenerator not implemented ...") to the kernel.
func (f yaegiLogFilter) Write(p []byte) (int, error) {
	// " " + line: the logger's prefix (date, time) ends with a space,
	// and without flags the line is the message alone.
	line := " " + string(p)
	if strings.HasSuffix(line, " nil type\n") || strings.HasSuffix(line, " nil reflect type\n") || strings.Contains(line, "compositeGenerator not implemented") {
		return f.kernel.Write(p)
	}
	return f.cell.Write(p)
}

func runWorker(stderr io.Writer) int {
	// The front end signals the whole process group; only the kernel
	// process decides what an interrupt means.
	signal.Ignore(syscall.SIGINT)
	logFile := worker.LogFile()
	log := newLogger(logFile).With("process", "worker")
	slog.SetDefault(log)
	// The standard logger is compiled cells' log package: its lines are
	// the cell's stderr, as with go run. yaegi reports some internal
	// errors through it too ("nil type"); those belong in the kernel's log.
	stdlog.SetOutput(yaegiLogFilter{cell: os.Stderr, kernel: logFile})
	// Cells are programs run without arguments (go run prog.go): what
	// they see in os.Args, in both tiers, is the program name alone.
	os.Args = os.Args[:1]
	if limit, err := worker.ApplyMemoryLimit(os.Getenv("GOKERNEL_MEMORY_LIMIT")); err != nil {
		log.Warn("no memory limit", "err", err)
	} else if limit > 0 {
		log.Debug("memory limit", "bytes", limit)
	}
	engine, err := newEngine(log)
	if err != nil {
		fmt.Fprintln(stderr, "gokernel worker:", err)
		return 1
	}
	if err := worker.RunChild(engine); err != nil {
		fmt.Fprintln(stderr, "gokernel worker:", err)
		return 1
	}
	return 0
}
