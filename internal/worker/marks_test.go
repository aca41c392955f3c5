package worker

import (
	"strings"
	"testing"
)

func TestStreamMarks(t *testing.T) {
	m := string(syncMark)
	type step struct {
		read    string // bytes the stream reads (one drain)
		deliver uint64 // then: the event with this mark is delivered
	}
	tests := []struct {
		name  string
		steps []step
		want  string // text emitted, "#" where each event was delivered
	}{
		{"no marks", []step{{read: "a"}, {read: "b"}}, "ab"},
		{"text after a display waits for it",
			[]step{{read: "before" + m + "after"}, {deliver: 1}}, "before#after"},
		{"several displays",
			[]step{{read: "a" + m + "b" + m + "c"}, {deliver: 1}, {deliver: 2}}, "a#b#c"},
		{"a later read waits too",
			[]step{{read: "a" + m}, {read: "b"}, {deliver: 1}, {read: "c"}}, "a#bc"},
		{"mark split across reads",
			[]step{{read: "a" + m[:5]}, {read: m[5:] + "b"}, {deliver: 1}}, "a#b"},
		{"prefix of a mark that is not one",
			[]step{{read: "a\xff"}, {read: "x"}}, "a\xffx"},
		{"UTF-8 split across reads",
			[]step{{read: "é"[:1]}, {read: "é"[1:] + m + "ü"}, {deliver: 1}}, "é#ü"},
		{"event delivered before its mark is read",
			[]step{{deliver: 1}, {read: "a" + m + "b"}}, "#ab"},
		{"skipped mark number",
			[]step{{read: "a" + m + "b" + m + "c"}, {deliver: 2}}, "a#bc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			s := &Supervisor{}
			s.out.Set(rec)
			var gate markGate
			st := &stream{s: s, name: "stdout", gate: &gate}
			var got strings.Builder
			emitted := 0
			flush := func() {
				text := rec.stream("stdout")
				got.WriteString(text[emitted:])
				emitted = len(text)
			}
			for _, sp := range tt.steps {
				if sp.read != "" {
					st.mu.Lock()
					b := []byte(sp.read)
					if len(st.held) > 0 {
						b = append(st.held, b...)
					}
					st.take(b)
					st.mu.Unlock()
					flush()
				}
				if sp.deliver != 0 {
					got.WriteString("#")
					gate.advance(sp.deliver)
					st.release()
					flush()
				}
			}
			if got.String() != tt.want {
				t.Fatalf("emitted %q, want %q", got.String(), tt.want)
			}
		})
	}
}
