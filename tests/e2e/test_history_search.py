"""history_request with hist_access_type "search" matches like IPython's:
HistoryManager.search runs `source_raw GLOB pattern` in SQLite, so the
kernel's answer is compared with sqlite3's GLOB over the same cells."""
import sqlite3

from conftest import get_reply, run

CELLS = [
    "a := 1",
    "b := 2",
    "ab := 3",
    "// a/b path\nx := \"a/b\"",
    'fmt.Println("é")',
    "y := []int{1, 2}",
    "z := a + b",
]

PATTERNS = [
    "*", "a*", "?", "??", "a?", "?b*", "[ab] := ?", "[^ab]*", "[a-b]*", "*a/b*", "a*b*",
    "*\n*", '*("?")', "*Println*", "*println*", "z := ?*", "[]]*", "[abc", "nothing",
]


def test_search_matches_sqlite_glob(kc):
    sources = {}
    for code in CELLS:
        reply, _ = run(kc, code)
        assert reply["content"]["status"] == "ok", reply["content"]
        sources[reply["content"]["execution_count"]] = code
    db = sqlite3.connect(":memory:")
    for pat in PATTERNS:
        msg_id = kc.history(hist_access_type="search", pattern=pat, output=False, raw=True)
        got = [line for _, line, src in get_reply(kc, msg_id)["content"]["history"] if line in sources]
        want = [n for n, src in sources.items() if db.execute("SELECT ? GLOB ?", (src, pat)).fetchone()[0]]
        assert got == want, f"pattern {pat!r}: kernel {got}, sqlite GLOB {want}"
    # The ? cases are not vacuous: one-character wildcards find cells.
    msg_id = kc.history(hist_access_type="search", pattern="?b := ?", output=False, raw=True)
    assert [src for _, _, src in get_reply(kc, msg_id)["content"]["history"]] == ["ab := 3"]
