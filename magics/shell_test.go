package magics

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

func TestSplitShellLines(t *testing.T) {
	tests := []struct {
		name, code string
		want       []segment
	}{
		{"no shell", "x := 1\ny := !true", nil},
		{"one line", "!ls -l", []segment{{shell: true, text: "ls -l"}}},
		{"indented", "  !ls", []segment{{shell: true, text: "ls"}}},
		{"mixed", "x := 1\n!echo $x\ny := 2\n", []segment{{text: "x := 1\n"}, {shell: true, text: "echo $x", line: 1}, {text: "y := 2\n", line: 2}}},
		{"continuation", "!echo a \\\n  b\nz", []segment{{shell: true, text: "echo a \\\n  b"}, {text: "z", line: 2}}},
		{"operator left hanging", "ok := a &&\n!b", nil},
		{"open brace", "if x {\n!y\n}", nil},
		{"open paren", "f(\n!b)", nil},
		{"raw string", "s := `\n!not a command\n`", nil},
		{"block comment", "/*\n!no\n*/", nil},
		{"after a closed block", "if x {\n}\n!echo hi", []segment{{text: "if x {\n}\n"}, {shell: true, text: "echo hi", line: 2}}},
		{"not-equal is Go", "x :=\n!= 3", nil},
		{"after a line comment", "x := 1 // note\n!pwd", []segment{{text: "x := 1 // note\n"}, {shell: true, text: "pwd", line: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitShellLines(tt.code); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitShellLines(%q) = %+v, want %+v", tt.code, got, tt.want)
			}
		})
	}
}

func TestStreamTextKeepsRunesWhole(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	done := make(chan struct{})
	go func() { streamText(r, func(s string) { got = append(got, s) }); close(done) }()
	e := []byte("é") // two bytes, written apart
	w.Write([]byte("a"))
	w.Write(e[:1])
	time.Sleep(20 * time.Millisecond)
	w.Write(e[1:])
	w.Write([]byte("b\xff"))
	w.Close()
	<-done
	for _, s := range got[:len(got)-1] {
		if !strings.HasPrefix(s, "\xff") && strings.ContainsRune(s, '\uFFFD') {
			t.Errorf("chunk %q split a rune", s)
		}
	}
	if j := strings.Join(got, ""); j != "aéb\xff" {
		t.Errorf("joined %q", j)
	}
}

// shellOut records a command's streams and answers input requests.
type shellOut struct {
	mu      sync.Mutex
	streams map[string]*strings.Builder
	answers []string
	asked   int
}

func newShellOut(answers ...string) *shellOut {
	return &shellOut{streams: map[string]*strings.Builder{"stdout": {}, "stderr": {}}, answers: answers}
}
func (o *shellOut) Stream(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.streams[name].WriteString(text)
}
func (o *shellOut) text(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.streams[name].String()
}
func (o *shellOut) Display(kernel.Display) {}
func (o *shellOut) ClearOutput(bool)       {}
func (o *shellOut) Input(ctx context.Context, _ string, _ bool) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.asked++
	if len(o.answers) == 0 {
		return "", kernel.ErrStdinNotAllowed
	}
	a := o.answers[0]
	o.answers = o.answers[1:]
	return a, nil
}

func TestRunShell(t *testing.T) {
	tests := []struct {
		name, script       string
		allowStdin         bool
		answers            []string
		wantOut, wantErr   string
		wantCode, wantAsks int
	}{
		{name: "ok", script: "echo out; echo err >&2", wantOut: "out\n", wantErr: "err\n"},
		{name: "exit", script: "echo x; exit 7", wantOut: "x\n", wantCode: 7},
		{name: "stdin not allowed is EOF", script: "read x && echo read || echo eof", wantOut: "eof\n"},
		{name: "stdin answered", script: "read a; read b; echo \"$a+$b\"", allowStdin: true, answers: []string{"1", "2"}, wantOut: "1+2\n", wantAsks: 2},
		{name: "no answer is EOF", script: "read a || echo eof", allowStdin: true, wantOut: "eof\n", wantAsks: 1},
		{name: "no read, no ask", script: "sleep 0.3; echo done", allowStdin: true, answers: []string{"unused"}, wantOut: "done\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := newShellOut(tt.answers...)
			err := RunShell(context.Background(), Env{Out: out, AllowStdin: tt.allowStdin}, "test", []string{"/bin/sh", "-c", tt.script})
			var ee *ExitError
			switch {
			case tt.wantCode != 0:
				if !errors.As(err, &ee) || ee.Code != tt.wantCode {
					t.Fatalf("err %v, want exit status %d", err, tt.wantCode)
				}
			case err != nil:
				t.Fatal(err)
			}
			if out.text("stdout") != tt.wantOut || out.text("stderr") != tt.wantErr || out.asked != tt.wantAsks {
				t.Errorf("stdout %q stderr %q asked %d; want %q %q %d", out.text("stdout"), out.text("stderr"), out.asked, tt.wantOut, tt.wantErr, tt.wantAsks)
			}
		})
	}
}

func TestRunShellInterruptKillsTheGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := newShellOut()
	go func() {
		// trap '' INT: the script ignores SIGINT, so SIGKILL must follow.
		done <- RunShell(ctx, Env{Out: out}, "test", []string{"/bin/sh", "-c", "trap '' INT; sleep 300 & echo $! > " + pidFile + "; wait"})
	}()
	var bg int
	for deadline := time.Now().Add(5 * time.Second); bg == 0; {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			bg, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if time.Now().After(deadline) {
			t.Fatal("the script did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t0 := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunShell did not return after the interrupt")
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("took %v to stop", d)
	}
	for deadline := time.Now().Add(2 * time.Second); syscall.Kill(bg, 0) == nil; {
		if time.Now().After(deadline) {
			t.Fatalf("background process %d survived", bg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFormatSeconds(t *testing.T) {
	tests := []struct {
		s    float64
		want string
	}{
		{0, "0 ns"}, {1e-9, "1.00 ns"}, {259e-9, "259 ns"}, {1.234e-6, "1.23 µs"}, {45.6e-3, "45.6 ms"},
		{0.2, "200 ms"}, {1, "1.00 s"}, {12.345, "12.3 s"}, {999e-9, "999 ns"},
	}
	for _, tt := range tests {
		if got := formatSeconds(tt.s); got != tt.want {
			t.Errorf("formatSeconds(%g) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestLoopBody(t *testing.T) {
	tests := map[string]string{
		"x * 2":         "_ = x * 2",
		"len(s)":        "_ = len(s)",
		"f(1)":          "f(1)",
		"x++":           "x++",
		"a := 1\nb(a)":  "a := 1\nb(a)",
		"fmt.Sprint(x)": "fmt.Sprint(x)",
	}
	for in, want := range tests {
		if got := loopBody(in); got != want {
			t.Errorf("loopBody(%q) = %q, want %q", in, got, want)
		}
	}
}

// stubGo is a Go engine that answers is_complete with "invalid", so that
// a test sees which cells Engine answers itself.
type stubGo struct{ GoEngine }

func (stubGo) IsComplete(context.Context, string) (kernel.IsCompleteResult, error) {
	return kernel.IsCompleteResult{Status: "invalid"}, nil
}

func TestIsCompleteShellLines(t *testing.T) {
	e := &Engine{Go: stubGo{}, Registry: NewRegistry()}
	for code, want := range map[string]string{
		"!ls -l":             "complete",
		"x := 1\n!echo hi":   "complete",
		"!echo a \\":         "incomplete",
		"x := 1":             "invalid",
		"!echo a\nx := (1 +": "invalid",
	} {
		got, err := e.IsComplete(context.Background(), code)
		if err != nil || got.Status != want {
			t.Errorf("IsComplete(%q) = %+v, %v; want %s", code, got, err, want)
		}
	}
}

// FuzzSplitShellLines: any cell either has no !cmd line or is cut into
// pieces that cover it in order: Go pieces verbatim, each command the
// text of its lines after the !, each piece on the line it says.
func FuzzSplitShellLines(f *testing.F) {
	for _, s := range []string{"!ls", "x := 1\n!echo $x\ny", "a &&\n!b", "s := `\n!x\n`", "!a \\\nb\n!c", "if x {\n!y\n}\n!z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		segs := splitShellLines(code)
		if segs == nil {
			return
		}
		lines := strings.SplitAfter(code, "\n")
		for _, s := range segs {
			if s.line < 0 || s.line >= len(lines) {
				t.Fatalf("segment %+v: line out of range in %q", s, code)
			}
			rest := strings.Join(lines[s.line:], "")
			if s.shell {
				if !strings.HasPrefix(strings.TrimLeft(rest, " \t"), "!") || !strings.Contains(rest, s.text) {
					t.Fatalf("command %+v not at its line in %q", s, code)
				}
			} else if !strings.HasPrefix(rest, s.text) {
				t.Fatalf("Go piece %+v not at its line in %q", s, code)
			}
		}
	})
}
