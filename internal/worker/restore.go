package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gokernel/gokernel/kernel"
)

// Restore is what a new interpreter process replays of one cell that
// succeeded, after the process that ran it died: its declarations as
// source, what they declare, and the variables whose values are lost. The
// supervisor knows nothing of Go: Options.RestoreOf reads cells.
type Restore struct {
	Source   string
	Declared []string
	Lost     []string
}

// journalEntry is a successful cell's Restore and execution count.
type journalEntry struct {
	count int
	Restore
}

// maxJournal bounds the cells kept for a replay.
const maxJournal = 10000

// replayTimeout bounds a whole replay (compiled cells are rebuilt).
const replayTimeout = 5 * time.Minute

// record keeps a successful cell's declarations for a replay.
func (s *Supervisor) record(req kernel.ExecuteRequest) {
	if s.opts.RestoreOf == nil {
		return
	}
	r := s.opts.RestoreOf(req.Code)
	if r.Source == "" && len(r.Lost) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.journal) < maxJournal {
		s.journal = append(s.journal, journalEntry{count: req.ExecutionCount, Restore: r})
	}
}

// restarted is the result of a cell during which the interpreter process
// died: a new process is started, the session's declarations are replayed
// into it (their output discarded), and the message says what came back
// and what is lost.
func (s *Supervisor) restarted(crash error, out kernel.Output) kernel.ExecuteResult {
	s.mu.Lock()
	journal := slices.Clone(s.journal)
	s.mu.Unlock()
	if s.opts.RestoreOf == nil || len(journal) == 0 {
		// Start the next interpreter now so the next cell does not wait.
		go func() { _ = s.Start() }()
		return restartedResult(crash)
	}
	ctx, cancel := context.WithTimeout(context.Background(), replayTimeout)
	defer cancel()
	s.out.Set(discardOutput{})
	defer s.out.Set(out)
	var restored, failed, lost []string
	var kept []journalEntry
	for i, j := range journal {
		lost = append(lost, j.Lost...)
		if j.Source == "" {
			kept = append(kept, j)
			continue
		}
		r, err := s.call(ctx, envelope{Op: opExecute, Execute: &kernel.ExecuteRequest{Code: j.Source, Silent: true, ExecutionCount: j.count}})
		switch {
		case errors.Is(err, errCrashed):
			go func() { _ = s.Start() }()
			for _, rest := range journal[i:] {
				failed = append(failed, rest.Declared...)
			}
			s.setJournal(kept)
			return restartedReport(crash, restored, append(failed, fmt.Sprintf("(the replay of In[%d] ended the new process too)", j.count)), lost)
		case err != nil || r.Error != "" || r.Result == nil:
			why := r.Error
			if err != nil {
				why = err.Error()
			}
			failed = append(failed, fmt.Sprintf("%s (In[%d]: %s)", strings.Join(j.Declared, ", "), j.count, firstLine(why)))
		case r.Result.Error != nil:
			failed = append(failed, fmt.Sprintf("%s (In[%d]: %s)", strings.Join(j.Declared, ", "), j.count, firstLine(r.Result.Error.Value)))
		default:
			restored = append(restored, j.Declared...)
			kept = append(kept, j)
		}
	}
	s.setJournal(kept)
	return restartedReport(crash, restored, failed, lost)
}

// noteCrash remembers a crash seen outside a cell (completion, inspection),
// so that the next cell replays the declarations first.
func (s *Supervisor) noteCrash(err error) {
	if !errors.Is(err, errCrashed) || s.opts.RestoreOf == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.journal) > 0 {
		s.pendingReplay = err
	}
}

// takePendingReplay returns and clears the crash noteCrash remembered.
func (s *Supervisor) takePendingReplay() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.pendingReplay
	s.pendingReplay = nil
	return err
}

func (s *Supervisor) setJournal(j []journalEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal = j
}

// restartedReport says what a replay restored, what it could not, and
// which variables' values are lost.
func restartedReport(crash error, restored, failed, lost []string) kernel.ExecuteResult {
	var b strings.Builder
	b.WriteString(crash.Error())
	b.WriteString(". A new interpreter has been started and the session's declarations were replayed into it from the cells that declared them")
	if len(restored) > 0 {
		fmt.Fprintf(&b, "; restored: %s", strings.Join(restored, ", "))
	}
	if len(failed) > 0 {
		fmt.Fprintf(&b, "; not restored: %s", strings.Join(failed, "; "))
	}
	if lost = dedupe(lost); len(lost) > 0 {
		fmt.Fprintf(&b, "; values lost (variables, zero or undefined now): %s", strings.Join(lost, ", "))
	}
	b.WriteString(".")
	return kernel.ExecuteResult{Error: kernel.NewEvalError(errRestarted, b.String())}
}

// dedupe keeps the first of each name, in order.
func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// discardOutput is where a replay's output goes: nowhere.
type discardOutput struct{}

func (discardOutput) Stream(string, string)  {}
func (discardOutput) Display(kernel.Display) {}
func (discardOutput) ClearOutput(bool)       {}
func (discardOutput) Input(context.Context, string, bool) (string, error) {
	return "", errors.New("no input while the session's declarations are replayed")
}
