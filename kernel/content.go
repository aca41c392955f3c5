package kernel

// Typed message contents. Field names follow the messaging spec 5.3.

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

type executeReply struct {
	Status         string `json:"status"`
	ExecutionCount int    `json:"execution_count"`
	// UserExpressions is always sent, {} when there are none, as ipykernel does.
	UserExpressions map[string]any `json:"user_expressions"`
	Payload         []any          `json:"payload"`
	EName           string         `json:"ename,omitempty"`
	EValue          string         `json:"evalue,omitempty"`
	Traceback       []string       `json:"traceback,omitempty"`
}

type executeInput struct {
	Code           string `json:"code"`
	ExecutionCount int    `json:"execution_count"`
}

type executeResultContent struct {
	ExecutionCount int            `json:"execution_count"`
	Data           MIMEBundle     `json:"data"`
	Metadata       map[string]any `json:"metadata"`
}

type displayContent struct {
	Data      MIMEBundle     `json:"data"`
	Metadata  map[string]any `json:"metadata"`
	Transient *transient     `json:"transient,omitempty"`
}

type transient struct {
	DisplayID string `json:"display_id"`
}

type streamContent struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type errorContent struct {
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

type statusContent struct {
	ExecutionState string `json:"execution_state"`
}

type clearOutput struct {
	Wait bool `json:"wait"`
}

type languageInfo struct {
	Name              string `json:"name"`
	Version           string `json:"version"`
	Mimetype          string `json:"mimetype"`
	FileExtension     string `json:"file_extension"`
	PygmentsLexer     string `json:"pygments_lexer"`
	CodemirrorMode    string `json:"codemirror_mode"`
	NBConvertExporter string `json:"nbconvert_exporter"`
}

type helpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

type kernelInfoReply struct {
	Status                string       `json:"status"`
	ProtocolVersion       string       `json:"protocol_version"`
	Implementation        string       `json:"implementation"`
	ImplementationVersion string       `json:"implementation_version"`
	LanguageInfo          languageInfo `json:"language_info"`
	Banner                string       `json:"banner"`
	HelpLinks             []helpLink   `json:"help_links"`
}

type completeRequest struct {
	Code      string `json:"code"`
	CursorPos int    `json:"cursor_pos"`
}

type completeReply struct {
	Status      string         `json:"status"`
	Matches     []string       `json:"matches"`
	CursorStart int            `json:"cursor_start"`
	CursorEnd   int            `json:"cursor_end"`
	Metadata    map[string]any `json:"metadata"`
}

type inspectRequest struct {
	Code        string `json:"code"`
	CursorPos   int    `json:"cursor_pos"`
	DetailLevel int    `json:"detail_level"`
}

type inspectReply struct {
	Status   string         `json:"status"`
	Found    bool           `json:"found"`
	Data     MIMEBundle     `json:"data"`
	Metadata map[string]any `json:"metadata"`
}

type isCompleteRequest struct {
	Code string `json:"code"`
}

type isCompleteReply struct {
	Status string `json:"status"`
	Indent string `json:"indent,omitempty"`
}

type historyRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           int    `json:"stop"`
	N              int    `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

type historyReply struct {
	Status  string `json:"status"`
	History []any  `json:"history"`
}

type commInfoRequest struct {
	TargetName string `json:"target_name"`
}

type commInfoReply struct {
	Status string                    `json:"status"`
	Comms  map[string]map[string]any `json:"comms"`
}

type commOpen struct {
	CommID     string `json:"comm_id"`
	TargetName string `json:"target_name"`
}

type commClose struct {
	CommID string         `json:"comm_id"`
	Data   map[string]any `json:"data"`
}

type shutdownRequest struct {
	Restart bool `json:"restart"`
}

type shutdownReply struct {
	Status  string `json:"status"`
	Restart bool   `json:"restart"`
}

type statusOnly struct {
	Status string `json:"status"`
}

type errorReply struct {
	Status    string   `json:"status"`
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

type inputRequest struct {
	Prompt   string `json:"prompt"`
	Password bool   `json:"password"`
}

type inputReply struct {
	Value string `json:"value"`
}

// userExpressionOK and userExpressionError are the two forms of an entry
// of execute_reply's user_expressions.
type userExpressionOK struct {
	Status   string         `json:"status"`
	Data     MIMEBundle     `json:"data"`
	Metadata map[string]any `json:"metadata"`
}

type userExpressionError struct {
	Status    string   `json:"status"`
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

// userExpressionsContent is the wire form of an engine's user expressions;
// never nil, as the protocol wants an object.
func userExpressionsContent(in map[string]UserExpression) map[string]any {
	out := make(map[string]any, len(in))
	for name, u := range in {
		if u.Error != nil {
			tb := u.Error.Traceback
			if tb == nil {
				tb = []string{}
			}
			out[name] = userExpressionError{Status: "error", EName: u.Error.Name, EValue: u.Error.Value, Traceback: tb}
			continue
		}
		data, md := u.Value, u.Metadata
		if data == nil {
			data = MIMEBundle{}
		}
		if md == nil {
			md = map[string]any{}
		}
		out[name] = userExpressionOK{Status: "ok", Data: data, Metadata: md}
	}
	return out
}

// pagePayload is the execute_reply payload that opens the pager.
type pagePayload struct {
	Source string     `json:"source"`
	Data   MIMEBundle `json:"data"`
	Start  int        `json:"start"`
}
