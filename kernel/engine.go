package kernel

import "context"

// MIMEBundle maps a MIME type ("text/plain", "text/html", ...) to its data.
// Values are JSON-encodable: strings for text types, objects for JSON types.
type MIMEBundle map[string]any

// Display is one rich output: a display_data or update_display_data message.
type Display struct {
	Data     MIMEBundle     `json:"data"`
	Metadata map[string]any `json:"metadata"`
	// ID is the display_id; an update with the same ID replaces the earlier output in place.
	ID string `json:"display_id,omitempty"`
	// Update makes this an update_display_data for an existing ID.
	Update bool `json:"update,omitempty"`
}

// EvalError describes a failed cell the way Jupyter shows it.
type EvalError struct {
	Name      string   `json:"ename"`
	Value     string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

// NewEvalError returns an error named name with the message value. Its
// traceback is the given lines, or the one line "name: value" without them.
func NewEvalError(name, value string, traceback ...string) *EvalError {
	if len(traceback) == 0 {
		traceback = []string{name + ": " + value}
	}
	return &EvalError{Name: name, Value: value, Traceback: traceback}
}

// Error implements error so engines can return it directly.
func (e *EvalError) Error() string { return e.Name + ": " + e.Value }

// Output is what an Engine talks to while it runs a cell. Everything sent
// through it is attributed to the request being executed. Implementations are
// safe for concurrent use: goroutines started by a cell may write at any time.
type Output interface {
	// Stream appends text to "stdout" or "stderr". The kernel batches it.
	Stream(name, text string)
	// Display publishes display_data (or update_display_data when d.Update).
	Display(d Display)
	// ClearOutput asks the front end to clear the cell's output.
	ClearOutput(wait bool)
	// Input asks the front end for a line of input (input_request). It
	// fails at once when the request did not allow stdin, and returns when
	// ctx is done.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// ExecuteRequest is what the kernel hands an Engine for one cell.
type ExecuteRequest struct {
	Code            string
	Silent          bool
	StoreHistory    bool
	AllowStdin      bool
	UserExpressions map[string]string
	// ExecutionCount is the count this cell will be shown with.
	ExecutionCount int
}

// ExecuteResult is the outcome of one cell. A nil Error means success.
type ExecuteResult struct {
	// Value is the trailing expression's rich form, nil when the cell has none.
	Value MIMEBundle
	// Metadata goes with Value in execute_result.
	Metadata map[string]any
	Error    *EvalError
	// UserExpressions holds one result per requested user expression.
	UserExpressions map[string]UserExpression
	// Page, when set, is shown in the front end's pager (%doc).
	Page *Page
}

// UserExpression is the outcome of one user expression: its rich value, or
// the error that evaluating it gave.
type UserExpression struct {
	Value    MIMEBundle
	Metadata map[string]any
	Error    *EvalError
}

// Page is text for the front end's pager, e.g. documentation.
type Page struct {
	Data MIMEBundle
	// Start is the line the pager opens at.
	Start int
}

// CompleteResult is the answer to complete_request. Offsets are in Unicode code points.
type CompleteResult struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	Metadata    map[string]any
}

// InspectResult is the answer to inspect_request.
type InspectResult struct {
	Found bool
	Data  MIMEBundle
}

// IsCompleteResult is the answer to is_complete_request: status is
// "complete", "incomplete", "invalid" or "unknown".
type IsCompleteResult struct {
	Status string
	Indent string
}

// Engine evaluates cells. The kernel calls it from one goroutine for shell
// requests (never concurrently with itself), and cancels ctx to interrupt.
// It knows nothing of sockets; the kernel knows nothing of Go evaluation.
type Engine interface {
	Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error)
	Complete(ctx context.Context, code string, cursorPos int) (CompleteResult, error)
	Inspect(ctx context.Context, code string, cursorPos, detailLevel int) (InspectResult, error)
	IsComplete(ctx context.Context, code string) (IsCompleteResult, error)
	// Close releases the engine's resources at shutdown.
	Close() error
}
