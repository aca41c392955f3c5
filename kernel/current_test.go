package kernel

import (
	"context"
	"sync"
	"testing"
)

// namedOutput is an Output that only has a name, to tell outputs apart.
type namedOutput string

func (namedOutput) Stream(string, string) {}
func (namedOutput) Display(Display)       {}
func (namedOutput) ClearOutput(bool)      {}
func (namedOutput) Input(context.Context, string, bool) (string, error) {
	return "", nil
}

func TestCurrentOutput(t *testing.T) {
	tests := []struct {
		name string
		set  []Output
		want Output
	}{
		{"zero value holds none", nil, nil},
		{"one cell", []Output{namedOutput("a")}, namedOutput("a")},
		{"the latest cell wins", []Output{namedOutput("a"), namedOutput("b")}, namedOutput("b")},
		{"outputs of different types", []Output{namedOutput("a"), &requestOutput{}, namedOutput("c")}, namedOutput("c")},
		{"cleared", []Output{namedOutput("a"), nil}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c CurrentOutput
			for _, out := range tt.set {
				c.Set(out)
			}
			if got := c.Get(); got != tt.want {
				t.Errorf("Get() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCurrentOutputConcurrent is for the race detector: cells start while
// goroutines of earlier cells relay output.
func TestCurrentOutputConcurrent(t *testing.T) {
	var c CurrentOutput
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range 1000 {
				c.Set(namedOutput(rune('a' + i)))
			}
		}()
		go func() {
			defer wg.Done()
			for range 1000 {
				if out := c.Get(); out != nil {
					out.Stream("stdout", "x")
				}
			}
		}()
	}
	wg.Wait()
	if c.Get() == nil {
		t.Error("Get() = nil after Set")
	}
}
