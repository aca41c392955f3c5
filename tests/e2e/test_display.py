"""Rich output through jupyter_client: trailing rich values, the display
package (HTML, tables, plots, updates by id, clear_output)."""
import base64

from conftest import run


def ok(reply):
    assert reply["content"]["status"] == "ok", reply["content"]


def execute_result(outputs):
    res = [m for m in outputs if m["msg_type"] == "execute_result"]
    assert len(res) == 1, [m["msg_type"] for m in outputs]
    return res[0]["content"]["data"]


def displays(outputs, kind="display_data"):
    return [m["content"] for m in outputs if m["msg_type"] == kind]


def is_png(b64):
    return base64.b64decode(b64).startswith(b"\x89PNG\r\n\x1a\n")


def test_trailing_image_is_png(kc):
    reply, out = run(kc, 'import (\n"image"\n"image/color"\n)\nimg := image.NewRGBA(image.Rect(0, 0, 8, 4))\n'
                         'img.Set(1, 1, color.RGBA{255, 0, 0, 255})\nimg')
    ok(reply)
    data = execute_result(out)
    assert is_png(data["image/png"])
    assert "text/plain" in data


def test_trailing_html_method(kc):
    ok(run(kc, 'type badge struct{ label string }\nfunc (b badge) HTML() string { return "<span class=\'badge\'>" + b.label + "</span>" }')[0])
    reply, out = run(kc, 'badge{"new"}')
    ok(reply)
    data = execute_result(out)
    assert data["text/html"] == "<span class='badge'>new</span>"
    assert data["text/plain"] == "new"


def test_trailing_markdown_and_string(kc):
    ok(run(kc, 'type memo string\nfunc (m memo) Markdown() string { return "**" + string(m) + "**" }\n'
               'func (m memo) String() string { return "memo " + string(m) }')[0])
    reply, out = run(kc, 'memo("hi")')
    ok(reply)
    data = execute_result(out)
    assert data["text/markdown"] == "**hi**"
    assert data["text/plain"] == "memo hi"


def test_trailing_slice_of_structs_is_table(kc):
    ok(run(kc, 'type planet struct {\nName string\nmoons int\n}\nplanets := []planet{{"Earth", 1}, {"Mars & co", 2}}')[0])
    reply, out = run(kc, "planets")
    ok(reply)
    data = execute_result(out)
    assert "<table>" in data["text/html"]
    assert "<th>Name</th><th>moons</th>" in data["text/html"]
    assert "<td>Mars &amp; co</td><td>2</td>" in data["text/html"]
    assert data["text/plain"] == "[{Earth 1} {Mars & co 2}]"


def test_plain_values_stay_text(kc):
    reply, out = run(kc, "[]int{1, 2, 3}")
    ok(reply)
    assert execute_result(out) == {"text/plain": "[1 2 3]"}


def test_display_table_and_no_id_result(kc):
    reply, out = run(kc, 'import "gokernel/display"\ndisplay.Table([][]any{{"a", 1}, {"b", 2}})')
    ok(reply)
    assert not [m for m in out if m["msg_type"] == "execute_result"], "the display ID is no result"
    (d,) = displays(out)
    assert "<td>b</td><td>2</td>" in d["data"]["text/html"]


PLOT = '''import (
    "gokernel/display"
    "gonum.org/v1/plot"
    "gonum.org/v1/plot/plotter"
    "gonum.org/v1/plot/plotutil"
)
p := plot.New()
p.Title.Text = "squares"
pts := make(plotter.XYs, 20)
for i := range pts {
    pts[i].X, pts[i].Y = float64(i), float64(i*i)
}
if err := plotutil.AddLinePoints(p, "x²", pts); err != nil {
    panic(err)
}
display.Plot(p)
'''


def test_display_plot_and_trailing_plot(kc):
    reply, out = run(kc, PLOT)
    ok(reply)
    (d,) = displays(out)
    assert is_png(d["data"]["image/png"])
    assert d["data"]["text/plain"] == '<plot "squares">'
    reply, out = run(kc, "p")
    ok(reply)
    assert is_png(execute_result(out)["image/png"])
    reply, out = run(kc, "display.PlotSVG(p)")
    ok(reply)
    (d,) = displays(out)
    assert "<svg" in d["data"]["image/svg+xml"]


def test_update_by_id(kc):
    reply, out = run(kc, 'import "gokernel/display"\nid := display.Markdown("*working*")\n'
                         'display.UpdateHTML(id, "<b>done</b>")\ndisplay.Update(id, []map[string]int{{"n": 1}})')
    ok(reply)
    (d,) = displays(out)
    u1, u2 = displays(out, "update_display_data")
    assert d["data"]["text/markdown"] == "*working*"
    ids = {d["transient"]["display_id"], u1["transient"]["display_id"], u2["transient"]["display_id"]}
    assert len(ids) == 1
    assert u1["data"]["text/html"] == "<b>done</b>"
    assert "<th>n</th>" in u2["data"]["text/html"]
    # An update from a later cell reaches the same display.
    reply, out = run(kc, 'display.UpdateText(id, "later")')
    ok(reply)
    (u,) = displays(out, "update_display_data")
    assert u["transient"]["display_id"] in ids and u["data"] == {"text/plain": "later"}


def test_clear(kc):
    reply, out = run(kc, 'import (\n"fmt"\n"gokernel/display"\n)\nfmt.Println("before")\ndisplay.Clear(false)\ndisplay.Clear(true)')
    ok(reply)
    clears = [m["content"]["wait"] for m in out if m["msg_type"] == "clear_output"]
    assert clears == [False, True]


def test_text_and_displays_keep_their_order(kc):
    # Text written after a display must not overtake it (it did in three
    # runs out of four: text and displays travel on different pipes).
    code = ('import (\n"fmt"\n"os"\n"gokernel/display"\n)\nfor i := 0; i < 3; i++ {\n'
            'fmt.Println("out", i)\nfmt.Fprintln(os.Stderr, "err", i)\ndisplay.Markdown(fmt.Sprint("md ", i))\n}\n'
            'fmt.Println("end")\ndisplay.Clear(true)\nfmt.Println("after clear")')
    # Each stream against the displays (stdout and stderr are two pipes:
    # their order between themselves is not kept, as with ipykernel).
    want = {"stdout": "out 0|D md 0|out 1|D md 1|out 2|D md 2|end|C|after clear|",
            "stderr": "err 0|D md 0|err 1|D md 1|err 2|D md 2|C|"}
    for _ in range(30):
        reply, out = run(kc, code)
        ok(reply)
        seq = {"stdout": "", "stderr": ""}
        for m in out:
            for name in seq:
                if m["msg_type"] == "stream" and m["content"]["name"] == name:
                    seq[name] += m["content"]["text"].replace("\n", "|")
                elif m["msg_type"] == "display_data":
                    seq[name] += "D " + m["content"]["data"]["text/markdown"] + "|"
                elif m["msg_type"] == "clear_output":
                    seq[name] += "C|"
        assert seq == want


def test_table_error_fails_cell(kc):
    reply, _ = run(kc, 'import "gokernel/display"\ndisplay.Table(42)')
    assert reply["content"]["status"] == "error"
    assert "display.Table" in reply["content"]["evalue"]


def test_missing_package_says_what_is_wrong(kc):
    # A module path the kernel does not have is fetched (test_modules.py);
    # one the module proxy does not know is a clear error.
    reply, _ = run(kc, 'import "example.com/not/here"', timeout=120)
    assert reply["content"]["status"] == "error"
    assert "example.com/not/here" in reply["content"]["evalue"]
    assert "no such module or version on the module proxy" in reply["content"]["evalue"]
