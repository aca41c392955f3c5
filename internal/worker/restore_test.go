package worker

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// TestCrashReplaysDeclarations: after the child dies in a cell, the
// successful cells' declarations are replayed into the new child in order,
// their output discarded, and the crashed cell's error says what was
// restored, what failed and which variables' values are lost.
func TestCrashReplaysDeclarations(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	side := filepath.Join(t.TempDir(), "replayed")
	restores := map[string]Restore{
		"value a": {Source: "append " + side + " a\nstdout replay output", Declared: []string{"func a"}},
		"value b": {Source: "nosuchcommand", Declared: []string{"func b"}},
		"value c": {Lost: []string{"v"}},
		"value d": {Source: "append " + side + " d", Declared: []string{"type d"}, Lost: []string{"w"}},
	}
	s := NewSupervisor(Options{
		Command:     []string{exe, "-test.run=^$"},
		Env:         append(os.Environ(), workerEnv+"=fake", "GOTRACEBACK=none"),
		StopTimeout: time.Second,
		Logger:      slog.New(slog.DiscardHandler),
		RestoreOf:   func(code string) Restore { return restores[code] },
	})
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	for i, code := range []string{"value a", "value b", "value c", "nosuchcommand", "value d"} {
		if _, err := s.Execute(ctx, kernel.ExecuteRequest{Code: code, ExecutionCount: i + 1}, &recorder{}); err != nil && code != "nosuchcommand" {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	res, err := s.Execute(ctx, kernel.ExecuteRequest{Code: "crash boom", ExecutionCount: 6}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if !restarted(res) {
		t.Fatalf("crash result %+v", res)
	}
	msg := res.Error.Value
	for _, want := range []string{"fatal error: boom", "restored: func a, type d", "not restored: func b", "values lost (variables, zero or undefined now): v, w"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q:\n%s", want, msg)
		}
	}
	if b, err := os.ReadFile(side); err != nil || string(b) != "a\nd\n" {
		t.Errorf("replayed side effects %q (%v), want a then d", b, err)
	}
	if strings.Contains(rec.stream("stdout"), "replay output") {
		t.Errorf("the replay's output reached the crashed cell: %q", rec.stream("stdout"))
	}
	res, err = s.Execute(ctx, kernel.ExecuteRequest{Code: "value ok"}, &recorder{})
	if err != nil || res.Value["text/plain"] != "ok" {
		t.Fatalf("after the replay: %v %v", res, err)
	}
	// A crash outside a cell (completion): the next cell replays first and
	// says so on its stderr.
	if _, err := s.Complete(ctx, "crash", 5); err == nil {
		t.Fatal("completion in a crashing child: no error")
	}
	rec = &recorder{}
	res, err = s.Execute(ctx, kernel.ExecuteRequest{Code: "value after"}, rec)
	if err != nil || res.Value["text/plain"] != "after" {
		t.Fatalf("the cell after a crash in completion: %v %v", res, err)
	}
	if got := rec.stream("stderr"); !strings.Contains(got, "[gokernel] ") || !strings.Contains(got, "restored: func a, type d") {
		t.Errorf("the cell after a crash in completion says %q", got)
	}
	// A second crash replays what the first one restored, again.
	res, _ = s.Execute(ctx, kernel.ExecuteRequest{Code: "crash again"}, &recorder{})
	if !strings.Contains(res.Error.Value, "restored: func a, type d") || strings.Contains(res.Error.Value, "func b") {
		t.Errorf("second crash: %s", res.Error.Value)
	}
}
