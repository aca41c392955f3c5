package htmltable

import (
	"html"
	"strings"
	"testing"
)

func TestEscapeMatchesHTMLEscapeString(t *testing.T) {
	for _, s := range []string{"", "plain", "<script>alert('x')</script>", `a & b "c"`, "&amp;", "é<ü>", "'\"&<>", "\x00<"} {
		want := html.EscapeString(s)
		if got := Escape(s); got != want {
			t.Errorf("Escape(%q) = %q, want %q", s, got, want)
		}
		var sb strings.Builder
		WriteEscaped(&sb, []byte(s))
		if got := sb.String(); got != want {
			t.Errorf("WriteEscaped([]byte(%q)) = %q, want %q", s, got, want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("<a href='x'>&</a>")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Escape(s), html.EscapeString(s); got != want {
			t.Errorf("Escape(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		lines bool
		write func(w *Writer)
		want  string
	}{
		{"empty", false, func(w *Writer) { w.Open(""); w.Body(); w.Close() },
			"<table><thead><tr></tr></thead><tbody></tbody></table>"},
		{"header and rows, escaped", false, func(w *Writer) {
			w.Open("")
			w.Head("a<b")
			w.Body()
			w.Row()
			w.Cell("", "x&y")
			w.Row()
			w.Close()
		}, "<table><thead><tr><th>a&lt;b</th></tr></thead><tbody><tr><td>x&amp;y</td></tr><tr></tr></tbody></table>"},
		{"classes, a row header, HTML and byte cells", false, func(w *Writer) {
			w.Open("dataframe")
			w.HeadSub("id", "INT64")
			w.Body()
			w.Row()
			w.Head("mean")
			w.Cell("r", "1")
			w.CellBytes("", []byte(`"q"`))
			w.CellHTML("null", "<i>NULL</i>")
			w.Close()
		}, `<table class="dataframe"><thead><tr><th>id<br><span class="t">INT64</span></th></tr></thead><tbody>` +
			`<tr><th>mean</th><td class="r">1</td><td>&#34;q&#34;</td><td class="null"><i>NULL</i></td></tr></tbody></table>`},
		{"lines", true, func(w *Writer) {
			w.Open("")
			w.Body()
			w.Row()
			w.Cell("", "1")
			w.Row()
			w.Cell("", "2")
			w.Close()
		}, "<table><thead><tr></tr></thead><tbody>\n<tr><td>1</td></tr>\n<tr><td>2</td></tr>\n</tbody></table>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			w := Writer{B: &sb, Lines: tt.lines}
			tt.write(&w)
			if got := sb.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
