package magics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/token"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gokernel/gokernel/internal/gotok"
	"github.com/gokernel/gokernel/kernel"
)

// Shell commands (!cmd lines, %%bash, %%sh) run in the process that runs
// the cells (the worker), so that %cd and %env apply to them as to Go code.
// Each runs in a process group of its own: an interrupt kills the whole
// group, including whatever the command started, and never the kernel.

// userShell is the shell !cmd lines run in: $SHELL, else /bin/sh.
func userShell() string {
	if s := os.Getenv("SHELL"); s != "" {
		return s
	}
	return "/bin/sh"
}

// ExitError is a shell command's non-zero exit, or its death by a signal.
type ExitError struct {
	// Command names what ran, for the message.
	Command string
	// Code is the exit status, or -1 when a signal ended the command.
	Code int
	// Signal is the signal that ended it, if one did.
	Signal syscall.Signal
}

func (e *ExitError) Error() string {
	if e.Code < 0 {
		return fmt.Sprintf("%s: killed by signal %d (%s)", e.Command, int(e.Signal), e.Signal)
	}
	return fmt.Sprintf("%s: exit status %d", e.Command, e.Code)
}

const (
	// shellPoll is how often a running command is checked for waiting on
	// its stdin, once its output has paused for as long.
	shellPoll = 100 * time.Millisecond
	// killGrace is how long a command's group has between SIGINT and
	// SIGKILL when the cell is interrupted.
	killGrace = 500 * time.Millisecond
	// drainAfterExit bounds the wait for output after the command exited:
	// a background job it started (cmd &) may hold the pipes open.
	drainAfterExit = 200 * time.Millisecond
)

// RunShell runs argv with its output streamed to env.Out as it comes
// (stdout and stderr apart). Its stdin is /dev/null, or, when
// env.AllowStdin, a pipe fed from the front end's input box, which opens
// whenever the command waits to read that pipe (seen in /proc). Cancelling
// ctx (an interrupt) ends the command's whole process group, SIGINT then
// SIGKILL. A non-zero exit is an *ExitError naming name.
func RunShell(ctx context.Context, env Env, name string, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	outR, outW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	defer errR.Close()
	cmd.Stdout, cmd.Stderr = outW, errW
	var inR, inW *os.File
	var inPipe string
	if env.AllowStdin {
		if inR, inW, err = os.Pipe(); err != nil {
			outW.Close()
			errW.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		cmd.Stdin = inR
		var st syscall.Stat_t
		if syscall.Fstat(int(inR.Fd()), &st) == nil {
			inPipe = fmt.Sprintf("pipe:[%d]", st.Ino)
		}
	}
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if inR != nil {
		inR.Close()
	}
	if err != nil {
		if inW != nil {
			inW.Close()
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	pgid := cmd.Process.Pid

	var lastOutput atomic.Int64
	lastOutput.Store(time.Now().UnixNano())
	var copies sync.WaitGroup
	for _, p := range []struct {
		name string
		r    *os.File
	}{{"stdout", outR}, {"stderr", errR}} {
		copies.Add(1)
		go func() {
			defer copies.Done()
			streamText(p.r, func(s string) {
				lastOutput.Store(time.Now().UnixNano())
				env.Out.Stream(p.name, s)
			})
		}()
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	inputCtx, cancelInput := context.WithCancel(ctx)
	defer cancelInput()
	type answer struct {
		text string
		err  error
	}
	answers := make(chan answer, 1)
	asking := false
	tick := time.NewTicker(shellPoll)
	defer tick.Stop()
	var werr error
	interrupted := false
wait:
	for {
		select {
		case werr = <-waited:
			break wait
		case <-ctx.Done():
			interrupted = true
			werr = killGroup(pgid, waited)
			break wait
		case <-tick.C:
			idle := time.Since(time.Unix(0, lastOutput.Load())) >= shellPoll
			if inW != nil && !asking && idle && inPipe != "" && waitsOn(pgid, inPipe) {
				asking = true
				go func() {
					s, err := env.Out.Input(inputCtx, "", false)
					answers <- answer{s, err}
				}()
			}
		case a := <-answers:
			asking = false
			if a.err != nil {
				// No input to give (stdin not allowed after all, or
				// the request was abandoned): the command reads EOF.
				inW.Close()
				inW = nil
				continue
			}
			if _, err := io.WriteString(inW, a.text+"\n"); err != nil {
				inW.Close()
				inW = nil
			}
		}
	}
	cancelInput()
	if asking {
		<-answers
	}
	if inW != nil {
		inW.Close()
	}
	drained := make(chan struct{})
	go func() { copies.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drainAfterExit):
		// Closing the read ends stops the copies; a background job
		// still writing gets EPIPE.
		outR.Close()
		errR.Close()
		<-drained
	}
	if interrupted {
		return ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &ExitError{Command: name, Code: -1, Signal: ws.Signal()}
		}
		return &ExitError{Command: name, Code: ee.ExitCode()}
	}
	if werr != nil {
		return fmt.Errorf("%s: %w", name, werr)
	}
	return nil
}

// killGroup ends the process group pgid: SIGINT, as a terminal's Ctrl-C
// would send, then SIGKILL after killGrace. It returns what Wait returned.
func killGroup(pgid int, waited <-chan error) error {
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	select {
	case err := <-waited:
		// The shell is gone; whatever it left in the group goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return err
	case <-time.After(killGrace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return <-waited
}

// streamText reads r to its end and hands each chunk to emit as it comes,
// holding back a UTF-8 sequence cut at a chunk's end until its rest arrives.
func streamText(r io.Reader, emit func(string)) {
	buf := make([]byte, 32<<10)
	var carry []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			b := append(carry, buf[:n]...)
			cut := len(b)
			// Back up over at most 3 bytes of an incomplete rune.
			for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
				if utf8.RuneStart(b[i]) {
					if !utf8.FullRune(b[i:]) {
						cut = i
					}
					break
				}
			}
			if cut > 0 {
				emit(string(b[:cut]))
			}
			carry = append([]byte(nil), b[cut:]...)
		}
		if err != nil {
			if len(carry) > 0 {
				emit(string(carry))
			}
			return
		}
	}
}

// readSyscall is the number of read(2) on this architecture, as
// /proc/PID/syscall shows it; "" where unknown (then wchan decides).
var readSyscall = map[string]string{"amd64": "0", "arm64": "63", "386": "3", "arm": "3", "riscv64": "63", "ppc64le": "3", "s390x": "3"}[runtime.GOARCH]

// waitsOn reports whether the command (leader, the process group's first
// process) or one of its descendants is blocked reading its stdin, the
// pipe pipeName ("pipe:[inode]"): /proc/PID/syscall shows read(0, ...) in
// progress, or, where that file cannot be read, the process sleeps in the
// kernel's pipe read. Descendants are found through
// /proc/PID/task/TID/children (a few files, where a scan of /proc took
// milliseconds); without that file every process of the group is looked at.
func waitsOn(leader int, pipeName string) bool {
	for _, pid := range commandProcesses(leader) {
		dir := "/proc/" + strconv.Itoa(pid)
		if l, err := os.Readlink(dir + "/fd/0"); err != nil || l != pipeName {
			continue
		}
		if sc, err := os.ReadFile(dir + "/syscall"); err == nil && readSyscall != "" {
			f := strings.Fields(string(sc))
			if len(f) >= 2 && f[0] == readSyscall && f[1] == "0x0" {
				return true
			}
			continue
		}
		if w, err := os.ReadFile(dir + "/wchan"); err == nil && bytes.Contains(w, []byte("pipe_read")) {
			return true
		}
	}
	return false
}

// commandProcesses returns leader and its descendants, or, where the
// kernel does not list children, the processes of leader's group.
func commandProcesses(leader int) []int {
	pids := []int{leader}
	for i := 0; i < len(pids) && len(pids) < 4096; i++ {
		tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pids[i]) + "/task")
		if err != nil {
			continue
		}
		for _, t := range tasks {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pids[i]) + "/task/" + t.Name() + "/children")
			if err != nil {
				if i == 0 && errors.Is(err, os.ErrNotExist) {
					return groupProcesses(leader)
				}
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					pids = append(pids, pid)
				}
			}
		}
	}
	return pids
}

// groupProcesses returns the processes of group pgid, from a scan of /proc.
func groupProcesses(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && processGroup(pid) == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// processGroup returns the process group of pid from /proc/PID/stat, or -1.
func processGroup(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 {
		return -1
	}
	g, err := strconv.Atoi(f[2])
	if err != nil {
		return -1
	}
	return g
}

// shellMagic is %%bash or %%sh: the cell body is a script for that shell.
type shellMagic struct{ shell string }

func (m shellMagic) Name() string { return m.shell }
func (m shellMagic) Summary() string {
	return "run the cell as a " + m.shell + " script (output live, stdin from the input box, interrupt kills it)"
}
func (m shellMagic) Usage() string {
	return fmt.Sprintf(`usage: %%%%%[1]s
SCRIPT...

Runs the rest of the cell with %[1]s -c in the directory and environment of
the Go session (%%cd, %%env). Output streams as it comes; a command that reads
its stdin gets the front end's input box; interrupting the cell ends the
script and everything it started (its process group). A non-zero exit fails
the cell (CalledProcessError), so Run All stops there.

For one command in a Go cell, start a line with ! instead: !ls -l`, m.shell)
}

func (m shellMagic) Run(ctx context.Context, inv Invocation, env Env) (kernel.ExecuteResult, error) {
	if !inv.Cell {
		return kernel.ExecuteResult{}, &UsageError{Magic: m.shell, Msg: "a cell magic: write %%" + m.shell + " on the first line and the script below it (or !cmd for one line)", Usage: m.Usage()}
	}
	if len(inv.Args) > 0 {
		return kernel.ExecuteResult{}, &UsageError{Magic: m.shell, Msg: fmt.Sprintf("unexpected %q after %%%%%s", inv.Line, m.shell), Usage: m.Usage()}
	}
	err := RunShell(ctx, env, m.shell, []string{m.shell, "-c", inv.Body})
	var ee *ExitError
	if errors.As(err, &ee) {
		return kernel.ExecuteResult{}, &kernel.EvalError{Name: "CalledProcessError", Value: ee.Error(), Traceback: []string{"CalledProcessError: %%" + ee.Error()}}
	}
	return kernel.ExecuteResult{}, err
}

// segment is a piece of a Go cell: Go source, or one !cmd line.
type segment struct {
	shell bool
	text  string
	// line is the cell line (0-based) the segment starts on, so that Go
	// errors name the cell's own line numbers.
	line int
}

// splitShellLines cuts a Go cell at its !cmd lines: a line whose first
// non-blank character is ! where a new top-level statement may start (the
// Go before it is complete: no open bracket, string or comment, no operator
// left hanging), so that `ok := a &&\n!b` and `if !done {` stay Go. A
// trailing backslash continues a !cmd line on the next one. It returns nil
// when the cell has no !cmd line.
func splitShellLines(code string) []segment {
	var segs []segment
	goStart, pos := 0, 0
	found := false
	for pos < len(code) {
		end := strings.IndexByte(code[pos:], '\n')
		if end < 0 {
			end = len(code)
		} else {
			end += pos + 1
		}
		line := code[pos:end]
		if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "!") && !strings.HasPrefix(t, "!=") && goComplete(code[goStart:pos]) {
			// Continuation lines.
			for strings.HasSuffix(strings.TrimRight(line, "\r\n"), `\`) && end < len(code) {
				next := strings.IndexByte(code[end:], '\n')
				if next < 0 {
					next = len(code)
				} else {
					next += end + 1
				}
				line, end = code[pos:next], next
			}
			if g := code[goStart:pos]; strings.TrimSpace(g) != "" {
				segs = append(segs, segment{text: g, line: strings.Count(code[:goStart], "\n")})
			}
			cmd := strings.TrimSpace(strings.TrimPrefix(strings.TrimLeft(line, " \t"), "!"))
			segs = append(segs, segment{shell: true, text: cmd, line: strings.Count(code[:pos], "\n")})
			found = true
			goStart = end
		}
		pos = end
	}
	if !found {
		return nil
	}
	if g := code[goStart:]; strings.TrimSpace(g) != "" {
		segs = append(segs, segment{text: g, line: strings.Count(code[:goStart], "\n")})
	}
	return segs
}

// goComplete reports whether src ends where a new statement may begin: it
// scans without errors, every bracket is closed, and its last token ends a
// statement (Go's automatic semicolon), or it has no tokens at all.
func goComplete(src string) bool {
	if strings.TrimSpace(src) == "" {
		return true
	}
	sum := gotok.Scan(src)
	return len(sum.Errors) == 0 && sum.Depth == 0 && !sum.Unbalanced &&
		(sum.EndsStatement || sum.Last == token.SEMICOLON || sum.Last == token.ILLEGAL || sum.Last == token.RBRACE)
}

// runMixed runs a Go cell with !cmd lines: its pieces in order, Go in the
// session, commands in the user's shell. A command's non-zero exit is shown
// and the cell goes on (as IPython does); a Go error or an interrupt stops
// it. The cell's result is its last piece's, if Go.
func (e *Engine) runMixed(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output, segs []segment) (kernel.ExecuteResult, error) {
	var res kernel.ExecuteResult
	env := Env{Out: out, Vars: e.Go, AllowStdin: req.AllowStdin}
	for i, s := range segs {
		res = kernel.ExecuteResult{}
		if !s.shell {
			r := req
			r.Code = strings.Repeat("\n", s.line) + s.text
			if i < len(segs)-1 {
				r.UserExpressions = nil // evaluated once, with the last piece
			}
			var err error
			if res, err = e.Go.Execute(ctx, r, out); err != nil || res.Error != nil {
				return res, err
			}
			continue
		}
		err := RunShell(ctx, env, "!"+s.text, []string{userShell(), "-c", s.text})
		var ee *ExitError
		switch {
		case errors.As(err, &ee):
			out.Stream("stderr", ee.Error()+"\n")
		case err != nil && ctx.Err() != nil:
			return kernel.ExecuteResult{Error: &kernel.EvalError{Name: "Interrupted", Value: "!" + s.text + " interrupted",
				Traceback: []string{"Interrupted: !" + s.text}}}, nil
		case err != nil:
			return kernel.ExecuteResult{Error: &kernel.EvalError{Name: "ShellError", Value: err.Error(), Traceback: []string{"ShellError: " + err.Error()}}}, nil
		}
	}
	return res, nil
}
