package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sent is one message a Router wrote, as a recorder saw it.
type sent struct {
	ch      Channel // meaningless when iopub
	iopub   bool
	typ     string
	parent  string // the parent's msg_id
	ids     [][]byte
	content json.RawMessage
}

// recorder is a Sender that keeps what it is given: the router's httptest.ResponseRecorder.
type recorder struct {
	mu   sync.Mutex
	msgs []sent
	more chan struct{}
	fail error // returned by Send when set
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (rc *recorder) add(m sent, content any) {
	b, err := json.Marshal(content)
	if err != nil {
		panic(err)
	}
	m.content = b
	rc.mu.Lock()
	rc.msgs = append(rc.msgs, m)
	rc.mu.Unlock()
	select {
	case rc.more <- struct{}{}:
	default:
	}
}

func parentID(parent json.RawMessage) string {
	var h Header
	_ = json.Unmarshal(parent, &h)
	return h.MsgID
}

func (rc *recorder) Send(ch Channel, ids [][]byte, h Header, parent json.RawMessage, content any) error {
	rc.mu.Lock()
	fail := rc.fail
	rc.mu.Unlock()
	if fail != nil {
		return fail
	}
	rc.add(sent{ch: ch, typ: h.MsgType, parent: parentID(parent), ids: ids}, content)
	return nil
}

func (rc *recorder) Publish(h Header, parent json.RawMessage, content any) {
	rc.add(sent{iopub: true, typ: h.MsgType, parent: parentID(parent)}, content)
}

// of returns the messages with the given parent, in order.
func (rc *recorder) of(parent string) []sent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []sent
	for _, m := range rc.msgs {
		if m.parent == parent {
			out = append(out, m)
		}
	}
	return out
}

// wait waits until cond holds for the recorded messages.
func (rc *recorder) wait(t *testing.T, what string, cond func([]sent) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		rc.mu.Lock()
		ok := cond(rc.msgs)
		rc.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-rc.more:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; got %v", what, rc.summary())
		}
	}
}

func (rc *recorder) summary() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, m := range rc.msgs {
		out = append(out, m.typ+" "+string(m.content))
	}
	return out
}

// idleOf waits for the idle status of request id and returns its messages.
func (rc *recorder) idleOf(t *testing.T, id string) []sent {
	t.Helper()
	rc.wait(t, "idle of "+id, func(ms []sent) bool {
		for _, m := range ms {
			if m.parent == id && m.typ == "status" && strings.Contains(string(m.content), "idle") {
				return true
			}
		}
		return false
	})
	return rc.of(id)
}

// flow names the messages: "shell:execute_reply", "iopub:status:busy", ...
func flow(ms []sent) []string {
	var out []string
	for _, m := range ms {
		s := m.ch.String() + ":" + m.typ
		if m.iopub {
			s = "iopub:" + m.typ
		}
		if m.typ == "status" {
			var st statusContent
			_ = json.Unmarshal(m.content, &st)
			s += ":" + st.ExecutionState
		}
		out = append(out, s)
	}
	return out
}

// scriptEngine runs cells by name: "fail" fails, "ask" reads input, "spin"
// waits for interrupt, anything else prints and returns itself.
type scriptEngine struct{ echoEngine }

func (scriptEngine) Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
	switch req.Code {
	case "fail":
		return ExecuteResult{Error: &EvalError{Name: "Boom", Value: "it failed"}}, nil
	case "page":
		return ExecuteResult{
			Page: &Page{Data: MIMEBundle{"text/plain": "docs"}},
			UserExpressions: map[string]UserExpression{
				"ok":  {Value: MIMEBundle{"text/plain": "40"}},
				"bad": {Error: NewEvalError("CompileError", "undefined: nope")},
			},
		}, nil
	case "broken":
		return ExecuteResult{}, errors.New("engine lost")
	case "ask":
		v, err := out.Input(ctx, "name? ", false)
		if err != nil {
			return ExecuteResult{Error: &EvalError{Name: "InputError", Value: err.Error()}}, nil
		}
		return ExecuteResult{Value: MIMEBundle{"text/plain": "hello " + v}}, nil
	}
	return echoEngine{}.Execute(ctx, req, out)
}

type routerHarness struct {
	t    *testing.T
	r    *Router
	rec  *recorder
	down chan struct{}
	n    int
}

func newHarness(t *testing.T) *routerHarness {
	t.Helper()
	h := &routerHarness{t: t, rec: newRecorder(), down: make(chan struct{}, 1)}
	r, err := NewRouter(RouterConfig{
		Engine: scriptEngine{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Implementation: "gokernel", LanguageVersion: "1.26",
		OnShutdown: func() { h.down <- struct{}{} },
	}, h.rec)
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go r.Run(ctx)
	return h
}

// msg builds a request with a raw content.
func (h *routerHarness) msg(typ, content string) *Message {
	h.n++
	id := typ + "-" + strings.Repeat("x", h.n)
	return &Message{
		Identities: [][]byte{[]byte("client")},
		Header:     Header{MsgID: id, Session: "s", Date: now(), MsgType: typ, Version: ProtocolVersion},
		Content:    json.RawMessage(content),
	}
}

func (h *routerHarness) shell(typ, content string) string {
	m := h.msg(typ, content)
	h.r.Enqueue(context.Background(), m)
	return m.Header.MsgID
}

func (h *routerHarness) execute(code string, extra ...string) string {
	c := map[string]any{"code": code}
	for i := 0; i+1 < len(extra); i += 2 {
		var v any
		_ = json.Unmarshal([]byte(extra[i+1]), &v)
		c[extra[i]] = v
	}
	b, _ := json.Marshal(c)
	return h.shell("execute_request", string(b))
}

// reply returns the one reply to id on ch, decoded into v.
func (h *routerHarness) reply(id string, typ string, v any) {
	h.t.Helper()
	for _, m := range h.rec.idleOf(h.t, id) {
		if !m.iopub && m.typ == typ {
			if err := json.Unmarshal(m.content, v); err != nil {
				h.t.Fatal(err)
			}
			return
		}
	}
	h.t.Fatalf("no %s for %s: %v", typ, id, flow(h.rec.of(id)))
}

func TestRouterExecuteFlow(t *testing.T) {
	h := newHarness(t)
	id := h.execute("print")
	got := flow(h.rec.idleOf(t, id))
	want := []string{"iopub:status:busy", "iopub:execute_input", "iopub:stream", "iopub:execute_result", "shell:execute_reply", "iopub:status:idle"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("flow\n got %v\nwant %v", got, want)
	}
	var rep executeReply
	h.reply(id, "execute_reply", &rep)
	if rep.Status != "ok" || rep.ExecutionCount != 1 {
		t.Fatalf("reply %+v", rep)
	}
	// The reply goes back to the requester.
	for _, m := range h.rec.of(id) {
		if m.typ == "execute_reply" && string(m.ids[0]) != "client" {
			t.Fatalf("reply to %q", m.ids)
		}
	}
}

func TestRouterSilentAndHistoryCounts(t *testing.T) {
	h := newHarness(t)
	h.execute("a")
	silent := h.execute("b", "silent", "true")
	noStore := h.execute("c", "store_history", "false")
	last := h.execute("d")
	if got := flow(h.rec.idleOf(t, silent)); !reflect.DeepEqual(got, []string{"iopub:status:busy", "shell:execute_reply", "iopub:status:idle"}) {
		t.Fatalf("silent flow %v", got)
	}
	var rep executeReply
	h.reply(noStore, "execute_reply", &rep)
	if rep.ExecutionCount != 1 {
		t.Fatalf("store_history false advanced the count: %d", rep.ExecutionCount)
	}
	h.reply(last, "execute_reply", &rep)
	if rep.ExecutionCount != 2 {
		t.Fatalf("count %d, want 2", rep.ExecutionCount)
	}
	hist := h.shell("history_request", `{"hist_access_type":"tail","n":10}`)
	var hr struct {
		Status  string `json:"status"`
		History [][]any
	}
	h.reply(hist, "history_reply", &hr)
	if len(hr.History) != 2 || hr.History[0][2] != "a" || hr.History[1][2] != "d" || hr.History[1][1] != float64(2) {
		t.Fatalf("history %v", hr.History)
	}
}

func TestRouterHistoryRequests(t *testing.T) {
	h := newHarness(t)
	for _, c := range []string{"x := 1", "fmt.Println(x)", "y := 2"} {
		h.execute(c)
	}
	tests := []struct {
		name, content string
		want          []string
		wantErr       bool
	}{
		{"tail", `{"hist_access_type":"tail","n":1}`, []string{"y := 2"}, false},
		{"range", `{"hist_access_type":"range","start":1,"stop":3}`, []string{"x := 1", "fmt.Println(x)"}, false},
		{"search glob", `{"hist_access_type":"search","pattern":"? := *"}`, []string{"x := 1", "y := 2"}, false},
		{"output form", `{"hist_access_type":"tail","n":1,"output":true}`, []string{"y := 2"}, false},
		{"bad type", `{"hist_access_type":"diagonal"}`, nil, true},
		{"malformed", `{"hist_access_type":7}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := h.shell("history_request", tt.content)
			var rep struct {
				Status string  `json:"status"`
				EName  string  `json:"ename"`
				Hist   [][]any `json:"history"`
			}
			h.reply(id, "history_reply", &rep)
			if tt.wantErr {
				if rep.Status != "error" || rep.EName != "BadRequest" {
					t.Fatalf("reply %+v, want a BadRequest error", rep)
				}
				return
			}
			var got []string
			for _, e := range rep.Hist {
				if s, ok := e[2].(string); ok {
					got = append(got, s)
				} else if pair, ok := e[2].([]any); ok {
					got = append(got, pair[0].(string))
				}
			}
			if rep.Status != "ok" || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("history %v (%s), want %v", got, rep.Status, tt.want)
			}
		})
	}
}

func TestRouterStopOnErrorAborts(t *testing.T) {
	h := newHarness(t)
	// Queue all three before the first runs, as Run All does.
	fail := h.msg("execute_request", `{"code":"fail"}`)
	next := h.msg("execute_request", `{"code":"next"}`)
	info := h.msg("kernel_info_request", `{}`)
	last := h.msg("execute_request", `{"code":"last"}`)
	ctx := context.Background()
	r, rec := h.r, h.rec
	// Fill the queue while Run is blocked on nothing: enqueue in order.
	for _, m := range []*Message{fail, next, info, last} {
		r.Enqueue(ctx, m)
	}
	var rep executeReply
	h.reply(fail.Header.MsgID, "execute_reply", &rep)
	if rep.Status != "error" || rep.EName != "Boom" {
		t.Fatalf("failing cell reply %+v", rep)
	}
	for _, m := range []*Message{next, last} {
		h.reply(m.Header.MsgID, "execute_reply", &rep)
		if rep.Status != "aborted" {
			t.Fatalf("%s: status %q, want aborted", m.Header.MsgID, rep.Status)
		}
	}
	// Non-execute requests are not aborted.
	var ki kernelInfoReply
	h.reply(info.Header.MsgID, "kernel_info_reply", &ki)
	if ki.Status != "ok" {
		t.Fatalf("kernel_info %+v", ki)
	}
	// The error is published before the failing request goes idle.
	if got := flow(rec.of(fail.Header.MsgID)); !reflect.DeepEqual(got, []string{"iopub:status:busy", "iopub:execute_input", "iopub:error", "shell:execute_reply", "iopub:status:idle"}) {
		t.Fatalf("failing flow %v", got)
	}
	// A request sent after the error runs.
	after := h.execute("after")
	h.reply(after, "execute_reply", &rep)
	if rep.Status != "ok" {
		t.Fatalf("request after the error: %+v", rep)
	}
}

// TestRouterAbortsLateStragglers: a request the client sent before the
// error, which reaches the router only well after the error (a loaded
// machine), is aborted too; the first one sent after the error runs.
func TestRouterAbortsLateStragglers(t *testing.T) {
	h := newHarness(t)
	straggler := h.msg("execute_request", `{"code":"straggler"}`) // dated now, before the error
	fail := h.execute("fail")
	h.rec.idleOf(t, fail)
	time.Sleep(300 * time.Millisecond)
	h.r.Enqueue(context.Background(), straggler)
	var rep executeReply
	h.reply(straggler.Header.MsgID, "execute_reply", &rep)
	if rep.Status != "aborted" {
		t.Fatalf("straggler: status %q, want aborted", rep.Status)
	}
	fresh := h.execute("fresh")
	h.reply(fresh, "execute_reply", &rep)
	if rep.Status != "ok" {
		t.Fatalf("fresh request after the error: status %q", rep.Status)
	}
	// The aborting ended with it: an old-dated request now runs.
	late := h.msg("execute_request", `{"code":"late"}`)
	late.Header.Date = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	h.r.Enqueue(context.Background(), late)
	h.reply(late.Header.MsgID, "execute_reply", &rep)
	if rep.Status != "ok" {
		t.Fatalf("request after the aborting ended: status %q", rep.Status)
	}
}

func TestRouterStopOnErrorFalse(t *testing.T) {
	h := newHarness(t)
	h.execute("fail", "stop_on_error", "false")
	next := h.execute("next")
	var rep executeReply
	h.reply(next, "execute_reply", &rep)
	if rep.Status != "ok" {
		t.Fatalf("status %q, want ok", rep.Status)
	}
}

// TestRouterReplyWireForm checks the wire form the router gives the
// engine's typed user expressions and page.
func TestRouterReplyWireForm(t *testing.T) {
	h := newHarness(t)
	id := h.execute("page")
	var rep struct {
		Status          string                     `json:"status"`
		UserExpressions map[string]json.RawMessage `json:"user_expressions"`
		Payload         []json.RawMessage          `json:"payload"`
	}
	h.reply(id, "execute_reply", &rep)
	want := map[string]string{
		"ok":  `{"status":"ok","data":{"text/plain":"40"},"metadata":{}}`,
		"bad": `{"status":"error","ename":"CompileError","evalue":"undefined: nope","traceback":["CompileError: undefined: nope"]}`,
	}
	for name, w := range want {
		if got := string(rep.UserExpressions[name]); got != w {
			t.Errorf("user_expressions[%s] = %s, want %s", name, got, w)
		}
	}
	if len(rep.Payload) != 1 || string(rep.Payload[0]) != `{"source":"page","data":{"text/plain":"docs"},"start":0}` {
		t.Errorf("payload %s", rep.Payload)
	}
	// Without user expressions or a page: an empty object and list, never null.
	plain := h.execute("x")
	var raw map[string]json.RawMessage
	h.reply(plain, "execute_reply", &raw)
	if string(raw["user_expressions"]) != "{}" || string(raw["payload"]) != "[]" {
		t.Errorf("empty forms: user_expressions %s, payload %s", raw["user_expressions"], raw["payload"])
	}
}

func TestRouterEngineErrorIsAReply(t *testing.T) {
	h := newHarness(t)
	id := h.execute("broken")
	var rep executeReply
	h.reply(id, "execute_reply", &rep)
	if rep.Status != "error" || rep.EName != "KernelError" || !strings.Contains(rep.EValue, "engine lost") {
		t.Fatalf("reply %+v", rep)
	}
}

func TestRouterMalformedContent(t *testing.T) {
	tests := []struct{ typ, content, reply string }{
		{"execute_request", `[1,2]`, "execute_reply"},
		{"execute_request", `{"code":5}`, "execute_reply"},
		{"complete_request", `{"code":"x","cursor_pos":"end"}`, "complete_reply"},
		{"inspect_request", `"nope"`, "inspect_reply"},
		{"is_complete_request", `{"code":[]}`, "is_complete_reply"},
		{"comm_info_request", `[]`, "comm_info_reply"},
	}
	h := newHarness(t)
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.content, func(t *testing.T) {
			id := h.shell(tt.typ, tt.content)
			var rep struct {
				Status string `json:"status"`
				EName  string `json:"ename"`
			}
			h.reply(id, tt.reply, &rep)
			if rep.Status != "error" || rep.EName != "BadRequest" {
				t.Fatalf("reply %+v, want a BadRequest error", rep)
			}
		})
	}
	// The router still works.
	id := h.execute("ok")
	var rep executeReply
	h.reply(id, "execute_reply", &rep)
	if rep.Status != "ok" {
		t.Fatalf("after malformed requests: %+v", rep)
	}
}

func TestRouterComms(t *testing.T) {
	h := newHarness(t)
	id := h.shell("comm_open", `{"comm_id":"c1","target_name":"jupyter.widget","data":{}}`)
	var closed bool
	for _, m := range h.rec.idleOf(t, id) {
		if m.iopub && m.typ == "comm_close" && strings.Contains(string(m.content), `"c1"`) {
			closed = true
		}
	}
	if !closed {
		t.Fatalf("comm_open was not answered by comm_close: %v", flow(h.rec.of(id)))
	}
	info := h.shell("comm_info_request", `{"target_name":"jupyter.widget"}`)
	var rep commInfoReply
	h.reply(info, "comm_info_reply", &rep)
	if rep.Status != "ok" || len(rep.Comms) != 0 {
		t.Fatalf("comm_info %+v", rep)
	}
	// comm_msg and comm_close are accepted silently: busy and idle only.
	msg := h.shell("comm_msg", `{"comm_id":"c1","data":{}}`)
	if got := flow(h.rec.idleOf(t, msg)); !reflect.DeepEqual(got, []string{"iopub:status:busy", "iopub:status:idle"}) {
		t.Fatalf("comm_msg flow %v", got)
	}
}

func TestRouterShutdown(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "shutdown", true: "restart"}[restart], func(t *testing.T) {
			h := newHarness(t)
			m := h.msg("shutdown_request", map[bool]string{false: `{"restart":false}`, true: `{"restart":true}`}[restart])
			h.r.HandleControl(m)
			select {
			case <-h.down:
			case <-time.After(5 * time.Second):
				t.Fatal("OnShutdown was not called")
			}
			if h.r.RestartRequested() != restart {
				t.Fatalf("RestartRequested() = %v", !restart)
			}
			got := flow(h.rec.of(m.Header.MsgID))
			want := []string{"iopub:status:busy", "control:shutdown_reply", "iopub:shutdown_reply", "iopub:status:idle"}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("flow %v, want %v", got, want)
			}
		})
	}
}

func TestRouterControlWhileBusy(t *testing.T) {
	h := newHarness(t)
	spin := h.execute("spin")
	h.rec.wait(t, "the spinning cell to start", func(ms []sent) bool {
		for _, m := range ms {
			if m.parent == spin && m.typ == "execute_input" {
				return true
			}
		}
		return false
	})
	ki := h.msg("kernel_info_request", `{}`)
	h.r.HandleControl(ki)
	var info kernelInfoReply
	h.reply(ki.Header.MsgID, "kernel_info_reply", &info)
	if info.LanguageInfo.Name != "go" || info.Implementation != "gokernel" {
		t.Fatalf("kernel_info %+v", info)
	}
	h.r.HandleControl(h.msg("interrupt_request", `{}`))
	var rep executeReply
	h.reply(spin, "execute_reply", &rep)
	if rep.EName != "Interrupted" {
		t.Fatalf("spin reply %+v", rep)
	}
	unknown := h.msg("debug_request", `{}`)
	h.r.HandleControl(unknown)
	var er errorReply
	h.reply(unknown.Header.MsgID, "debug_reply", &er)
	if er.Status != "error" || er.EName != "UnknownMessageType" {
		t.Fatalf("unknown control reply %+v", er)
	}
}

func TestRouterInput(t *testing.T) {
	h := newHarness(t)
	id := h.execute("ask")
	h.rec.wait(t, "input_request", func(ms []sent) bool {
		for _, m := range ms {
			if m.typ == "input_request" && m.ch == Stdin && !m.iopub {
				return true
			}
		}
		return false
	})
	h.r.HandleStdin(h.msg("input_reply", `{"value":"gopher"}`))
	var rep executeReply
	h.reply(id, "execute_reply", &rep)
	var res struct {
		Data MIMEBundle `json:"data"`
	}
	for _, m := range h.rec.of(id) {
		if m.typ == "execute_result" {
			_ = json.Unmarshal(m.content, &res)
		}
	}
	if res.Data["text/plain"] != "hello gopher" {
		t.Fatalf("result %v", res.Data)
	}
	// allow_stdin false: the engine gets ErrStdinNotAllowed at once.
	no := h.execute("ask", "allow_stdin", "false")
	h.reply(no, "execute_reply", &rep)
	if rep.Status != "error" || !strings.Contains(rep.EValue, "allow_stdin is false") {
		t.Fatalf("reply %+v", rep)
	}
	// A stale reply is dropped without harm.
	h.r.HandleStdin(h.msg("input_reply", `{"value":"late"}`))
}

func TestRouterSendFailureKeepsRunning(t *testing.T) {
	h := newHarness(t)
	h.rec.mu.Lock()
	h.rec.fail = errors.New("socket gone")
	h.rec.mu.Unlock()
	id := h.execute("x")
	h.rec.idleOf(t, id) // IOPub still flows; the failed reply is logged
	h.rec.mu.Lock()
	h.rec.fail = nil
	h.rec.mu.Unlock()
	next := h.execute("y")
	var rep executeReply
	h.reply(next, "execute_reply", &rep)
	if rep.ExecutionCount != 2 {
		t.Fatalf("count %d", rep.ExecutionCount)
	}
}

func TestNewRouterNeedsEngineAndSender(t *testing.T) {
	if _, err := NewRouter(RouterConfig{}, newRecorder()); err == nil {
		t.Error("no engine accepted")
	}
	if _, err := NewRouter(RouterConfig{Engine: echoEngine{}}, nil); err == nil {
		t.Error("no sender accepted")
	}
}
