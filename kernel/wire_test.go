package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func frames(t *testing.T, s *Signer, ids [][]byte, msgType string, content any) [][]byte {
	t.Helper()
	h := Header{MsgID: newID(), Session: "s", Username: "u", Date: now(), MsgType: msgType, Version: ProtocolVersion}
	f, err := Encode(ids, h, nil, nil, content, s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDecodeRoundTrip(t *testing.T) {
	s := NewSigner([]byte("secret"), 16)
	ids := [][]byte{[]byte("abc"), {0, 1, 2}}
	f := frames(t, s, ids, "execute_request", map[string]string{"code": "1+2"})
	v := NewSigner([]byte("secret"), 16)
	m, err := Decode(f, v, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.MsgType != "execute_request" || len(m.Identities) != 2 || !bytes.Equal(m.Identities[1], []byte{0, 1, 2}) {
		t.Fatalf("decoded %+v", m)
	}
	var c struct{ Code string }
	if err := json.Unmarshal(m.Content, &c); err != nil || c.Code != "1+2" {
		t.Fatalf("content %s: %v", m.Content, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	key := []byte("k")
	good := func() [][]byte { return frames(t, NewSigner(key, 4), nil, "kernel_info_request", struct{}{}) }
	tests := []struct {
		name   string
		mutate func([][]byte) [][]byte
		want   error
	}{
		{"no delimiter", func(f [][]byte) [][]byte { return f[1:] }, ErrNoDelimiter},
		{"truncated", func(f [][]byte) [][]byte { return f[:4] }, ErrShortMessage},
		{"empty", func([][]byte) [][]byte { return nil }, ErrNoDelimiter},
		{"forged signature", func(f [][]byte) [][]byte { f[1] = bytes.Repeat([]byte("0"), 64); return f }, ErrBadSignature},
		{"tampered content", func(f [][]byte) [][]byte { f[5] = []byte(`{"x":1}`); return f }, ErrBadSignature},
		{"signature of wrong length", func(f [][]byte) [][]byte { f[1] = []byte("ab"); return f }, ErrBadSignature},
		{"too many identities", func(f [][]byte) [][]byte {
			ids := make([][]byte, 100)
			for i := range ids {
				ids[i] = []byte("x")
			}
			return append(ids, f...)
		}, ErrTooLarge},
		{"oversized frame", func(f [][]byte) [][]byte {
			return append(f, make([]byte, DefaultLimits().MaxFrameBytes+1))
		}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.mutate(good()), NewSigner(key, 4), DefaultLimits())
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodeBadJSON(t *testing.T) {
	s := NewSigner(nil, 4)
	tests := []struct {
		name            string
		header, content string
		wantErrSubstr   string
	}{
		{"header not json", `{`, `{}`, "header"},
		{"no msg_type", `{"msg_id":"x"}`, `{}`, "msg_type"},
		{"content not json", `{"msg_type":"execute_request"}`, `{"code":`, "content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := [][]byte{delimiter, nil, []byte(tt.header), []byte(`{}`), []byte(`{}`), []byte(tt.content)}
			_, err := Decode(f, s, DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.wantErrSubstr) {
				t.Fatalf("got %v, want error mentioning %q", err, tt.wantErrSubstr)
			}
		})
	}
}

func TestReplayRejectedAndHistoryBounded(t *testing.T) {
	key := []byte("k")
	sender := NewSigner(key, 4)
	recv := NewSigner(key, 2)
	f1 := frames(t, sender, nil, "a_request", struct{}{})
	if _, err := Decode(f1, recv, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(f1, recv, DefaultLimits()); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay: got %v", err)
	}
	// Push the first signature out of the bounded history.
	var last [][]byte
	for i := 0; i < 3; i++ {
		last = frames(t, sender, nil, "b_request", struct{}{})
		if _, err := Decode(last, recv, DefaultLimits()); err != nil {
			t.Fatal(err)
		}
	}
	if len(recv.seen) != 2 || len(recv.recent) != 2 {
		t.Fatalf("history holds %d keys (%d in order), want 2", len(recv.seen), len(recv.recent))
	}
	if _, err := Decode(last, recv, DefaultLimits()); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay of a recent message: got %v", err)
	}
	// The oldest was forgotten, as the bound says.
	if _, err := Decode(f1, recv, DefaultLimits()); err != nil {
		t.Fatalf("a message older than the history: %v", err)
	}
}

func TestUnsignedWhenKeyEmpty(t *testing.T) {
	s := NewSigner(nil, 4)
	f := frames(t, s, nil, "kernel_info_request", struct{}{})
	if len(f[1]) != 0 {
		t.Fatalf("empty key must give an empty signature, got %q", f[1])
	}
	// Unsigned messages are accepted even when repeated: there is nothing to replay-check.
	for i := 0; i < 2; i++ {
		if _, err := Decode(f, s, DefaultLimits()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConnectionFile(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
		wantEP  string
	}{
		{"tcp", `{"transport":"tcp","ip":"127.0.0.1","key":"k","signature_scheme":"hmac-sha256","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "", "tcp://127.0.0.1:1"},
		{"ipc", `{"transport":"ipc","ip":"/tmp/kernel-x","key":"","signature_scheme":"hmac-sha256","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "", "ipc:///tmp/kernel-x-1"},
		{"md5 refused", `{"transport":"tcp","ip":"127.0.0.1","key":"k","signature_scheme":"hmac-md5","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "hmac-md5", ""},
		{"bad port", `{"transport":"tcp","ip":"127.0.0.1","shell_port":0,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5}`, "shell_port", ""},
		{"bad transport", `{"transport":"udp","ip":"127.0.0.1"}`, "udp", ""},
		{"not json", `{`, "parsing", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.json")
			if err := os.WriteFile(p, []byte(tt.json), 0o600); err != nil {
				t.Fatal(err)
			}
			ci, err := ReadConnectionFile(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep := ci.Endpoint(ci.ShellPort); ep != tt.wantEP {
				t.Fatalf("endpoint %s, want %s", ep, tt.wantEP)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	s := NewSigner([]byte("k"), 8)
	h, _ := json.Marshal(Header{MsgID: "1", MsgType: "execute_request"})
	f.Add([]byte("id"), h, []byte(`{"code":"1"}`), []byte("sig"))
	f.Add([]byte(""), []byte("{"), []byte("}"), []byte(""))
	f.Fuzz(func(t *testing.T, id, header, content, sig []byte) {
		frames := [][]byte{id, delimiter, sig, header, []byte("{}"), []byte("{}"), content}
		m, err := Decode(frames, s, DefaultLimits())
		if err == nil && m.Header.MsgType == "" {
			t.Fatal("accepted a message without msg_type")
		}
		// Unsigned decoding exercises the parsers past the signature check.
		_, _ = Decode(frames, NewSigner(nil, 8), DefaultLimits())
		_, _ = Decode(frames[1:], NewSigner(nil, 8), DefaultLimits())
	})
}
