"""%bq end to end: a real gokernel process, driven by jupyter_client, runs
queries against a real BigQuery API server on loopback: the
goccy/bigquery-emulator v0.8.1 binary (bin/bigquery-emulator, built by
scripts/build-emulator.sh from the nested module bq/emutest), loaded with
tests/e2e/bqdata.yaml.

The kernel gets GOKERNEL_BIGQUERY_ENDPOINT=http://127.0.0.1:PORT,
GOOGLE_CLOUD_PROJECT=test and an empty XDG_CONFIG_HOME: no identity, so the
magic talks to the loopback emulator unauthenticated.

The emulator differs from BigQuery in known ways
(../shared/research/standins.md §1) that these tests do not assert on:
error reasons (jobInternalError instead of invalidQuery), synthetic byte
counts, job times, parameter column types (it returns NUMERIC, BIGNUMERIC,
BYTES, DATE and TIME parameters as STRING, DATETIME as TIMESTAMP, and array
elements as strings), and jobs.insert running the whole query before it
answers (so there is no RUNNING state to watch).
"""
import csv
import html
import json
import os
import queue
import re
import select
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from conftest import KERNEL, collect, get_reply, result_of, run, stdout_of

ROOT = Path(__file__).parents[2]
EMULATOR = ROOT / "bin" / "bigquery-emulator"
DATA = Path(__file__).with_name("bqdata.yaml")
PROJECT = "test"
WHO = "ran as unauthenticated (emulator endpoint)"
JOB_RE = re.compile(r"test:(gokernel_[0-9a-f]+)")


# --- the emulator -------------------------------------------------------------


class Emulator:
    """bin/bigquery-emulator on 127.0.0.1 with ports chosen by the OS."""

    def __init__(self, tmp):
        self.log_path = tmp / "bigquery-emulator.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(EMULATOR), "--host=127.0.0.1", "--port=0", "--grpc-port=0",
             f"--project={PROJECT}", f"--data-from-yaml={DATA}", "--log-level=error"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log)
        self.port = None
        seen = []
        deadline = time.monotonic() + 60
        while self.port is None:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0, left))
            if not ready:
                self.stop()
                raise RuntimeError(f"bigquery-emulator did not announce its port: {seen} {self.log()}")
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                self.stop()
                raise RuntimeError(f"bigquery-emulator exited ({self.proc.poll()}): {seen} {self.log()}")
            seen.append(line)
            # [bigquery-emulator] REST server listening at 127.0.0.1:44919
            m = re.search(r"REST server listening at 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
        # Keep reading stdout so the emulator can never block on a full pipe.
        threading.Thread(target=self._copy_stdout, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _copy_stdout(self):
        for line in self.proc.stdout:
            self._log.write(line)

    def log(self):
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def api(self, path):
        """GETs a BigQuery REST path; returns (HTTP status, JSON body)."""
        try:
            with urllib.request.urlopen(f"{self.url}/bigquery/v2/projects/{PROJECT}/{path}", timeout=30) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    # A no-op when bin/bigquery-emulator is newer than bq/emutest/go.sum;
    # scripts/test.sh runs it before pytest, so this only matters when the
    # file is run on its own. A cold build takes 5-15 minutes.
    subprocess.run([str(ROOT / "scripts" / "build-emulator.sh")], cwd=ROOT, check=True, timeout=3600)
    emu = Emulator(tmp_path_factory.mktemp("bq-emulator"))
    try:
        yield emu
    finally:
        emu.stop()


# --- the kernel ---------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel(emulator, tmp_path_factory):
    """Overrides conftest's kernel: one gokernel for this module, pointed at
    the emulator, with no identity and its log in a file."""
    tmp = tmp_path_factory.mktemp("bq-kernel")
    config_home = tmp / "config"
    config_home.mkdir()
    env = dict(os.environ)
    env["GOKERNEL_BIGQUERY_ENDPOINT"] = emulator.url
    env["GOOGLE_CLOUD_PROJECT"] = PROJECT
    env["XDG_CONFIG_HOME"] = str(config_home)
    for k in ("GOKERNEL_CLIENT_SECRETS", "GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG"):
        env.pop(k, None)
    log = open(tmp / "kernel.log", "wb")
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(env=env, stderr=log)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        log.close()


# --- helpers ------------------------------------------------------------------


def ok(kc, code, timeout=60):
    reply, out = run(kc, code, timeout=timeout)
    assert reply["content"]["status"] == "ok", (code, reply["content"], out)
    return out


def result(out):
    """The execute_result's MIME bundle (the table)."""
    rs = [m["content"]["data"] for m in out if m["msg_type"] == "execute_result"]
    assert len(rs) == 1, out
    return rs[0]


def displays(out):
    """The progress display's messages: (msg_type, display_id, text/plain)."""
    return [(m["msg_type"], m["content"].get("transient", {}).get("display_id"), m["content"]["data"].get("text/plain", ""))
            for m in out if m["msg_type"] in ("display_data", "update_display_data")]


def body_rows(table_html):
    """The cells of each <tbody> row, as (class attribute, HTML) pairs."""
    tbody = re.search(r"<tbody>(.*)</tbody>", table_html, re.S)
    assert tbody, table_html
    return [re.findall(r"<td(?: class=\"([^\"]*)\")?>(.*?)</td>", tr, re.S)
            for tr in re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S)]


def headers(table_html):
    """(column name, type) of each <th>."""
    return [(html.unescape(n), html.unescape(t)) for n, t in
            re.findall(r"<th>(.*?)<br><span class=\"t\">(.*?)</span></th>", table_html, re.S)]


def caret_target(traceback, line_no, col):
    """Checks the traceback's "at line L, column C" and that the caret line
    points at column C of the SQL line above it; returns the character
    under the caret."""
    lines = "\n".join(traceback).split("\n")
    at = f"at line {line_no}, column {col}"
    assert any(at in ln for ln in lines), traceback
    i = next(i for i, ln in enumerate(lines) if ln.strip() == "^")
    sql_line, caret = lines[i - 1], lines[i]
    pos = caret.index("^")
    indent = len(sql_line) - len(sql_line.lstrip(" "))
    assert pos - indent == col - 1, (sql_line, caret)
    return sql_line[pos]


# --- tests --------------------------------------------------------------------


def test_select_one_html_table_and_text_twin(kc):
    out = ok(kc, "%bq SELECT 1 AS x")
    data = result(out)
    h, txt = data["text/html"], data["text/plain"]
    assert headers(h) == [("x", "INT64")]
    assert body_rows(h) == [[("r", "1")]]  # numbers right-aligned
    assert "1 row" in h and WHO in h and JOB_RE.search(h)
    # The text/plain twin: an aligned table with the same footer.
    lines = txt.splitlines()
    assert lines[0].strip() == "x" and lines[1].strip() == "INT64" and lines[2].strip() == "1", txt
    assert "1 row" in lines[3] and WHO in lines[3] and JOB_RE.search(lines[3]), txt


# Every --param type of the issue, and what the table shows for each. The
# emulator returns some as other column types (see the module docstring),
# so the check is on the value's text, not its type.
PARAMS = [
    ("i", "--param i:INT64=-42", lambda v: v == "-42"),
    ("f", "--param f:FLOAT64=1.25", lambda v: v == "1.25"),
    ("n", "--param n:NUMERIC=12345.678901234", lambda v: v == "12345.678901234"),
    ("bn", "--param bn:BIGNUMERIC=98765432109876543210.123456789", lambda v: v == "98765432109876543210.123456789"),
    ("b", "--param b:BOOL=true", lambda v: v == "true"),
    ("s", "--param s=hello", lambda v: v == "hello"),
    ("s2", """--param "s2:STRING=it's \\"q\\" <b>x</b> Zoë'; DROP TABLE ds.people --\"""",
     lambda v: v == """it's "q" <b>x</b> Zoë'; DROP TABLE ds.people --"""),
    ("byt", "--param byt:BYTES=aGk=", lambda v: v == "aGk="),  # BYTES are shown as base64
    ("d", "--param d:DATE=2024-02-29", lambda v: v == "2024-02-29"),
    ("dt", "--param dt:DATETIME=2024-01-02T03:04:05.123456",
     lambda v: v.startswith("2024-01-02") and "03:04:05.123456" in v),
    ("tm", "--param tm:TIME=13:14:15.5", lambda v: v.startswith("13:14:15.5")),
    ("ts", "--param ts:TIMESTAMP=2024-05-06T07:08:09Z", lambda v: v.startswith("2024-05-06T07:08:09")),
    ("ai", "--param ai:ARRAY<INT64>=[1,2,3]", lambda v: v.replace('"', "") == "[1, 2, 3]"),
    ("arr", """--param 'arr:ARRAY<STRING>=["x","y"]'""", lambda v: v == '["x", "y"]'),
    ("nul", "--param nul:INT64", None),  # a typed NULL
]


def test_params_of_every_type(kc):
    opts = " ".join(p for _, p, _ in PARAMS)
    sql = "SELECT " + ", ".join(f"@{n} AS {n}" for n, _, _ in PARAMS)
    out = ok(kc, f"%%bq {opts}\n{sql}")
    h = result(out)["text/html"]
    cols = headers(h)
    assert [c for c, _ in cols] == [n for n, _, _ in PARAMS], cols
    types = dict(cols)
    # The types the emulator keeps as declared.
    assert (types["i"], types["f"], types["b"], types["s"], types["ts"], types["nul"]) == \
        ("INT64", "FLOAT64", "BOOL", "STRING", "TIMESTAMP", "INT64"), cols
    assert types["ai"].startswith("ARRAY<") and types["arr"] == "ARRAY<STRING>", cols
    (row,) = body_rows(h)
    cells = dict(zip((n for n, _, _ in PARAMS), row))
    for name, _, check in PARAMS:
        cls, cell = cells[name]
        if check is None:
            assert cls == "null" and cell == "<i>NULL</i>", (name, cell)
            continue
        assert cls != "null", name
        assert check(html.unescape(cell)), (name, cell)
    # The string came back whole and was never pasted into the SQL: the
    # table it "drops" is still there.
    assert "<b>" not in cells["s2"][1]
    out = ok(kc, "%bq SELECT COUNT(*) AS n FROM ds.people")
    assert body_rows(result(out)["text/html"]) == [[("r", "5")]]


def test_param_bound_from_go_variables(kc):
    ok(kc, 'import (\n"math/big"\n"time"\n"cloud.google.com/go/civil"\n)\n'
           'minID := 2\nnames := []string{"", "Zoë", "nobody"}\n'
           'when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)\n'
           'day := civil.Date{Year: 2023, Month: 12, Day: 31}\n'
           'ratio := big.NewRat(1, 4)\nflag := true\nscale := 0.5')
    sql = ("SELECT id, @when AS w, @day AS d, @ratio AS q, @flag AS fl, score * @scale AS half, '@minID' AS literal\n"
           "FROM ds.people WHERE id >= @minID AND IFNULL(name, 'null') IN UNNEST(@names) ORDER BY id")
    out = ok(kc, "%%bq\n" + sql)
    rows = [[html.unescape(c) for _, c in r] for r in body_rows(result(out)["text/html"])]
    assert [r[0] for r in rows] == ["2", "5"], rows
    assert rows[0][1].startswith("2024-01-02T03:04:05"), rows
    assert rows[0][2] == "2023-12-31" and rows[0][3] == "0.25" and rows[0][4] == "true", rows
    assert rows[0][5] == "1.125" and rows[1][5] == "2.5", rows
    assert rows[0][6] == "@minID", rows  # an @ inside a string literal is not a parameter
    # The binding reads the variable's current value.
    ok(kc, "minID = 3")
    out = ok(kc, "%%bq\n" + sql)
    assert [r[0][1] for r in body_rows(result(out)["text/html"])] == ["5"]
    # --param wins over the Go variable of the same name.
    out = ok(kc, "%%bq --param minID:INT64=6\n" + sql)
    assert body_rows(result(out)["text/html"]) == []
    # An @name with neither is an error naming it, before anything runs.
    reply, out = run(kc, "%bq SELECT @nope AS x")
    c = reply["content"]
    assert c["status"] == "error" and c["ename"] == "ParameterError" and "@nope" in c["evalue"], c
    assert not displays(out), out


def test_dry_run(kc):
    out = ok(kc, "%%bq --dry-run\nSELECT name FROM ds.people WHERE id > 1")
    txt = result(out)["text/plain"]
    assert "Dry run OK" in txt, txt
    # Bytes in human units (the emulator's numbers are synthetic: the
    # format is checked, not the amount).
    assert re.search(r"would process \d[\d.,]* (B|KiB|MiB|GiB|TiB|PiB)\b", txt), txt
    assert re.search(r"Estimated on-demand cost: \$\d+\.\d+ at \$6\.25/TiB", txt), txt
    assert not displays(out), out  # nothing ran: no job progress
    out = ok(kc, "%%bq --dry-run --price-per-tib 10\nSELECT 1")
    assert "$10.00/TiB" in result(out)["text/plain"]
    # A dry run of bad SQL fails like the query would.
    reply, _ = run(kc, "%%bq --dry-run\nSELEC 1")
    assert reply["content"]["status"] == "error", reply["content"]


def test_error_with_location_is_kernel_error(kc):
    reply, out = run(kc, "%%bq\nSELEC 1")
    c = reply["content"]
    assert c["status"] == "error" and c["ename"] == "BigQueryError", c
    assert "SELEC" in c["evalue"], c
    assert caret_target(c["traceback"], 1, 1) == "S"
    assert any(JOB_RE.search(ln) for ln in c["traceback"]), c["traceback"]
    errs = [m["content"] for m in out if m["msg_type"] == "error"]
    assert len(errs) == 1 and errs[0]["traceback"] == c["traceback"], out
    # The progress display stays, marked failed.
    ds = displays(out)
    assert ds and "FAILED" in ds[-1][2], ds
    # An error on the second line points into that line.
    reply, _ = run(kc, "%%bq\nSELECT 1\nFROM ds.people WHER id = 1")
    c = reply["content"]
    assert c["status"] == "error", c
    tb = "\n".join(c["traceback"])
    assert "FROM ds.people WHER id = 1" in tb and "at line 2, column " in tb, tb
    col = int(re.search(r"at line 2, column (\d+)", tb).group(1))
    caret_target(c["traceback"], 2, col)


def test_error_stops_run_all(kc):
    """A failed query is a kernel error, so the cells queued after it (Run
    All) are aborted rather than run."""
    first = kc.execute("%%bq\nSELEC 1")
    second = kc.execute("stoppedHere := 1")
    r1 = get_reply(kc, first)
    r2 = get_reply(kc, second)
    assert r1["content"]["status"] == "error", r1["content"]
    assert r2["content"]["status"] == "aborted", r2["content"]
    reply, _ = run(kc, "stoppedHere")
    assert reply["content"]["status"] == "error", reply["content"]


def test_out_used_by_a_later_go_cell(kc):
    out = ok(kc, "%%bq --out res --quiet\nSELECT id, name, born FROM ds.people ORDER BY id")
    assert not [m for m in out if m["msg_type"] in ("execute_result", "display_data", "update_display_data")], out
    assert result_of(ok(kc, "len(res.Rows())")) == "5"
    assert result_of(ok(kc, "res.Rows()[0][0]")) == "1"
    assert result_of(ok(kc, "res.Rows()[0][1]")) == '"<script>alert(1)</script>"'
    assert result_of(ok(kc, "res.Rows()[1][1] == \"\" && res.Rows()[2][1] == nil")) == "true"
    assert result_of(ok(kc, "res.Schema[2].Name")) == '"born"'
    assert result_of(ok(kc, "res.TotalRows")) == "5"
    # What a later cell does: range over the rows, type-assert the values.
    out = ok(kc, 'sum := int64(0)\nfor _, row := range res.Rows() {\n\tsum += row[0].(int64)\n}\nsum')
    assert result_of(out) == "15"
    assert result_of(ok(kc, "res.Rows()[4][2]")) == "2005-06-07"  # civil.Date prints as ISO


def test_eda_typed_columns(kc):
    """--out holds typed columns: a later cell sums a NUMERIC column without a
    type assertion, NULLs stay visible (NaN, a null mask, or a clear error),
    and RECORD fields are reached by a dotted name."""
    ok(kc, "%%bq --out eda --quiet\nSELECT * FROM ds.eda ORDER BY id")
    assert result_of(ok(kc, 'eda.Int64s("id")')) == "[1 2 3 4]"
    assert result_of(ok(kc, 'eda.Nulls("region")')) == "[false false true false]"
    # NUMERIC as float64, NULL as NaN: the sum is NaN, never a silent zero.
    assert result_of(ok(kc, 'a := eda.Float64s("amount")\nmath.IsNaN(a[2]) && a[0] == 10.25 && a[3] == 30')) == "true"
    out = ok(kc, 'total := 0.0\nfor _, x := range eda.Float64s("amount") {\n\tif !math.IsNaN(x) {\n\t\ttotal += x\n\t}\n}\ntotal')
    assert result_of(out) == "60.75"
    assert result_of(ok(kc, 'eda.Rats("amount")[1].FloatString(2)')) == '"20.50"'
    assert result_of(ok(kc, 'eda.NullStrings("addr.city")[1].StringVal')) == '"Bergen"'
    assert result_of(ok(kc, 'eda.NullDates("day")[0].Date.String()')) == '"2024-01-01"'
    assert result_of(ok(kc, 'eda.NullTimestamps("ts")[3].Timestamp.Hour()')) == "12"
    ok(kc, "%%bq --out lists --quiet\nSELECT id, [id, id * 2] AS xs FROM ds.eda ORDER BY id")
    assert result_of(ok(kc, 'fmt.Sprint(lists.Values("xs")[1])')) == '"[2 4]"'
    # A NULL in a column whose Go type has no room for it is an error that
    # names the way out, and the session keeps its values.
    reply, out = run(kc, 'eda.Strings("region")')
    assert reply["content"]["status"] == "error", reply["content"]
    msg = reply["content"]["evalue"] + "\n".join(reply["content"]["traceback"])
    assert "1 NULLs" in msg and "NullStrings" in msg, msg
    reply, out = run(kc, 'eda.Int64s("region")')
    assert "use Strings" in reply["content"]["evalue"] + "\n".join(reply["content"]["traceback"]), reply["content"]
    assert result_of(ok(kc, "eda.Len()")) == "4"
    # The row view stays.
    assert result_of(ok(kc, "eda.Row(1)[1]")) == '"<b>south</b>"'


def test_eda_scan_into_cell_struct(kc):
    """Scan fills a slice of a struct declared in a cell, by field name or
    bigquery tag; a field that names no column is a clear error."""
    ok(kc, "%%bq --out eda2 --quiet\nSELECT id, region, amount, ok, [region, 'x'] AS tags FROM ds.eda WHERE id != 3 ORDER BY id")
    ok(kc, 'type Sale struct {\n\tID     int64 `bigquery:"id"`\n\tRegion *string\n\tAmount float64\n\tTags   []string\n}')
    out = ok(kc, 'var sales []Sale\nerr := eda2.Scan(&sales)\nfmt.Println(err, len(sales), sales[0].ID, *sales[1].Region, sales[1].Region == nil, sales[2].Amount, sales[0].Tags)')
    assert stdout_of(out).strip() == "<nil> 3 1 <b>south</b> false 30 [north x]", out
    # Row 3 has a NULL amount, which a float64 field cannot hold.
    ok(kc, "%%bq --out eda2n --quiet\nSELECT id, amount FROM ds.eda ORDER BY id")
    ok(kc, "type Amt struct{ Amount float64 }")
    out = ok(kc, 'var amts []Amt\nfmt.Println(eda2n.Scan(&amts))')
    assert "row 2" in stdout_of(out) and "NULL" in stdout_of(out), out
    ok(kc, 'type Bad struct {\n\tID     int64 `bigquery:"id"`\n\tRegionName string\n}')
    out = ok(kc, 'var bad []Bad\nfmt.Println(eda2.Scan(&bad))')
    assert "field RegionName" in stdout_of(out) and "has no column" in stdout_of(out), out


def test_eda_describe_and_preview(kc):
    """Describe is a pandas-style summary (HTML with a text twin, values
    escaped); the result itself shows as a table."""
    ok(kc, "%%bq --out eda3 --quiet\nSELECT id, region, price, day FROM ds.eda ORDER BY id")
    b = result(ok(kc, "eda3.Describe()"))
    h, t = b["text/html"], b["text/plain"]
    for want in ("<th>mean</th>", "<th>25%</th>", "<th>distinct</th>", "<td>2.66667</td>", "<td>north</td>"):
        assert want in h, h
    assert "<b>south</b>" not in h, h
    assert "mean" in t and "2.66667" in t and "4 rows" in t, t
    b = result(ok(kc, "eda3"))
    assert "&lt;b&gt;south&lt;/b&gt;" in b["text/html"] and "<b>south</b>" not in b["text/html"], b
    assert b["text/plain"].startswith("bq.Result{4 rows"), b


VEGALITE = "application/vnd.vegalite.v5+json"


def test_eda_chart_option(kc):
    """--chart draws the whole result as Vega-Lite ahead of the table; NULLs
    stay null, markup in the data is data; a bad column fails after --out
    has its value."""
    out = ok(kc, "%%bq --chart bar:x=region,y=amount --max-rows 1\nSELECT region, amount FROM ds.eda ORDER BY id")
    charts = [m for m in out if m["msg_type"] == "display_data" and VEGALITE in m["content"]["data"]]
    assert len(charts) == 1, out
    spec = charts[0]["content"]["data"][VEGALITE]
    assert spec["mark"]["type"] == "bar", spec
    assert spec["encoding"]["x"]["title"] == "region" and spec["encoding"]["y"]["title"] == "amount", spec
    # Every row is drawn, though the table shows one.
    assert spec["data"]["values"] == [
        {"x": "north", "y": 10.25}, {"x": "<b>south</b>", "y": 20.5}, {"x": None, "y": None}, {"x": "north", "y": 30},
    ], spec
    assert "bar chart: amount by region, 4 rows" in charts[0]["content"]["data"]["text/plain"]
    # The chart comes before the table.
    assert out.index(charts[0]) < [i for i, m in enumerate(out) if m["msg_type"] == "execute_result"][0]
    assert "1 of 4 rows" in result(out)["text/plain"]
    # hist counts, color groups.
    out = ok(kc, "%%bq --chart hist:x=price,color=ok --quiet\nSELECT price, ok FROM ds.eda")
    spec = [m for m in out if m["msg_type"] == "display_data" and VEGALITE in m["content"]["data"]][0]["content"]["data"][VEGALITE]
    assert sum(r["y"] for r in spec["data"]["values"]) == 3, spec  # the NULL price is not counted
    assert not [m for m in out if m["msg_type"] == "execute_result"], out  # --quiet: no table
    # A column that cannot be drawn: a clear error, and --out keeps the rows.
    reply, out = run(kc, "%%bq --out kept --chart line:x=nope,y=id\nSELECT id FROM ds.eda")
    assert reply["content"]["status"] == "error", reply["content"]
    assert 'no column "nope"' in reply["content"]["evalue"] and "kept" in reply["content"]["evalue"], reply["content"]
    assert "4" in result(ok(kc, "kept.Len()"))["text/plain"]


def test_eda_charts_from_results_and_slices(kc):
    """A result's Chart and display's one-line charts are cell values drawn
    as Vega-Lite, in the interpreter and from cell-declared data."""
    ok(kc, "%%bq --out eda4 --quiet\nSELECT id, region, price, ts FROM ds.eda ORDER BY id")
    b = result(ok(kc, 'import "gokernel/display"\neda4.Chart(display.PointMark, "ts", "price", "region")'))
    spec = b[VEGALITE]
    assert spec["encoding"]["x"]["type"] == "temporal" and spec["encoding"]["x"]["scale"] == {"type": "utc"}, spec
    assert spec["encoding"]["color"]["title"] == "region", spec
    assert spec["data"]["values"][0] == {"x": "2024-01-01T10:00:00.000Z", "y": 1.5, "color": "north"}, spec
    assert spec["data"]["values"][2] == {"x": None, "y": None, "color": None}, spec
    assert b["text/plain"].startswith("<point chart: price by ts, colored by region"), b
    b = result(ok(kc, "eda4.Histogram(\"id\")"))
    assert [r["y"] for r in b[VEGALITE]["data"]["values"]] == [1, 1, 1, 1], b
    # Go slices declared in cells.
    ok(kc, "xs := []float64{1, 2, 3}\nys := []int{4, 5, 6}")
    b = result(ok(kc, 'display.Line(xs, ys).WithTitle("growth").WithLabels("t", "n")'))
    assert b[VEGALITE]["title"] == "growth" and b[VEGALITE]["encoding"]["x"]["title"] == "t", b
    assert b[VEGALITE]["data"]["values"][2] == {"x": 3, "y": 6}, b
    # A spec by hand.
    out = ok(kc, 'display.VegaLite(`{"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a"}}}`)')
    spec = [m for m in out if m["msg_type"] == "display_data"][0]["content"]["data"][VEGALITE]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5"), spec
    # Mismatched lengths fail clearly as a cell value; the session lives on.
    b = result(ok(kc, "display.Bar(xs, []int{1})"))
    assert "x has 3 values and y has 1" in b["text/plain"] and VEGALITE not in b, b
    reply, _ = run(kc, 'display.VegaLite("[1]")')
    assert reply["content"]["status"] == "error" and "not a JSON object" in reply["content"]["evalue"], reply["content"]
    assert "3" in result(ok(kc, "len(xs)"))["text/plain"]


def test_csv(kc, tmp_path):
    path = tmp_path / "people.csv"
    out = ok(kc, f"%%bq --csv {path} --max-rows 2\nSELECT id, name, score FROM ds.people ORDER BY id")
    txt = result(out)["text/plain"]
    assert "2 of 5 rows" in txt, txt  # the table shows 2 …
    with open(path, newline="", encoding="utf-8") as f:
        recs = list(csv.reader(f))
    assert recs == [  # … the file holds every row, the data as it is
        ["id", "name", "score"],
        ["1", "<script>alert(1)</script>", "1.5"],
        ["2", "", "2.25"],
        ["3", "", ""],
        ["4", '<img src=x onerror="alert(2)">&amp;', "-4"],
        ["5", "Zoë", "5"],
    ], recs
    assert str(path) in displays(out)[-1][2]  # the progress says where the rows went
    # More rows than one download page, and --quiet.
    big = tmp_path / "big.csv"
    out = ok(kc, f"%%bq --csv {big} --quiet\nSELECT x, CONCAT('r', CAST(x AS STRING)) AS s FROM UNNEST(GENERATE_ARRAY(1, 25000)) AS x ORDER BY x")
    assert not [m for m in out if m["msg_type"] == "execute_result"], out
    with open(big, newline="") as f:
        recs = list(csv.reader(f))
    assert len(recs) == 25001 and recs[0] == ["x", "s"] and recs[1] == ["1", "r1"] and recs[-1] == ["25000", "r25000"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "people.csv"]  # no temp files left


def test_max_rows_truncation(kc):
    out = ok(kc, "%%bq --max-rows 5\nSELECT x FROM UNNEST(GENERATE_ARRAY(1, 20)) AS x ORDER BY x")
    data = result(out)
    rows = body_rows(data["text/html"])
    assert [c for ((_, c),) in rows] == ["1", "2", "3", "4", "5"], rows
    assert "5 of 20 rows" in data["text/html"]
    txt = data["text/plain"]
    assert "5 of 20 rows" in txt, txt
    assert [ln.strip() for ln in txt.splitlines()[2:7]] == ["1", "2", "3", "4", "5"], txt
    assert not re.search(r"^\s*6\s*$", txt, re.M), txt


def test_xss_payload_rendered_inert(kc):
    out = ok(kc, "%%bq --param 'p=<script>alert(3)</script>'\nSELECT id, name, @p AS p FROM ds.people ORDER BY id")
    data = result(out)
    h = data["text/html"]
    for bad in ("<script", "<img", 'onerror="'):
        assert bad not in h.lower(), bad
    for m in out:  # nor in the progress display
        if m["msg_type"] in ("display_data", "update_display_data"):
            assert "<script" not in m["content"]["data"]["text/html"].lower()
    rows = body_rows(h)
    assert rows[0][1] == ("", "&lt;script&gt;alert(1)&lt;/script&gt;"), rows[0]
    assert rows[0][2] == ("", "&lt;script&gt;alert(3)&lt;/script&gt;"), rows[0]
    assert rows[3][1] == ("", "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;&amp;amp;"), rows[3]
    # NULL and the empty string look different.
    assert rows[1][1] == ("", ""), rows[1]
    assert rows[2][1] == ("null", "<i>NULL</i>"), rows[2]
    # The text/plain twin shows the data as it is.
    txt = data["text/plain"]
    assert "<script>alert(1)</script>" in txt
    line2 = next(ln for ln in txt.splitlines() if ln.strip().startswith("2 "))
    line3 = next(ln for ln in txt.splitlines() if ln.strip().startswith("3 "))
    assert "NULL" not in line2 and "NULL" in line3, txt


def test_progress_display_updated_by_id(kc):
    out = ok(kc, "%%bq\nSELECT x FROM UNNEST(GENERATE_ARRAY(1, 300)) AS x ORDER BY x")
    kinds = [m["msg_type"] for m in out]
    ds = displays(out)
    assert len(ds) >= 2, kinds
    first_type, did, first_text = ds[0]
    assert first_type == "display_data" and did, ds[0]
    assert first_text.startswith("BigQuery: ") and JOB_RE.search(first_text), ds[0]
    for t, i, _ in ds[1:]:
        assert (t, i) == ("update_display_data", did), ds
    final = ds[-1][2]
    assert "DONE" in final and "downloaded 100 of 300 rows" in final, final
    assert JOB_RE.search(final).group(1) == JOB_RE.search(first_text).group(1)
    # The display stays (nothing clears it) and comes before the table.
    assert "clear_output" not in kinds
    assert kinds.index("display_data") < kinds.index("execute_result")
    # The next query gets its own display.
    out2 = ok(kc, "%bq SELECT 1 AS x")
    d2 = displays(out2)
    assert d2[0][0] == "display_data" and d2[0][1] and d2[0][1] != did, d2


# 10 million rows: 8-14 s on the emulator here (idle vs busy machine), so
# it is still running when the interrupt comes 1 s in, even on a faster
# machine.
SLOW_SQL = "SELECT COUNT(*) AS n FROM UNNEST(GENERATE_ARRAY(1, 10000)) a, UNNEST(GENERATE_ARRAY(1, 1000)) b"


def test_interrupt_cancels_running_job(kc, km, emulator):
    msg_id = kc.execute("%bq " + SLOW_SQL)
    time.sleep(1.0)
    # Still running: no reply yet.
    with pytest.raises(queue.Empty):
        get_reply(kc, msg_id, timeout=0.1)
    t0 = time.monotonic()
    int_id = kc.session.send(kc.control_channel.socket, "interrupt_request", {})["header"]["msg_id"]
    assert get_reply(kc, int_id, timeout=5, channel="control")["content"]["status"] == "ok"
    reply, out = collect(kc, msg_id, timeout=15)
    took = time.monotonic() - t0
    c = reply["content"]
    assert c["status"] == "error", c
    assert took < 5, f"the cell took {took:.1f}s to end after the interrupt"
    assert c["ename"] == "QueryCancelled" and "query cancelled" in c["evalue"], c
    job = JOB_RE.search(c["evalue"])
    assert job, c
    # The progress display names the same job and ends CANCELLED.
    ds = displays(out)
    assert ds[0][0] == "display_data" and job.group(1) in ds[0][2], ds
    assert ds[-1][0] == "update_display_data" and ds[-1][1] == ds[0][1] and "CANCELLED" in ds[-1][2], ds
    assert not any("DONE" in text for _, _, text in ds), ds
    # The job did not complete: the emulator aborted it with the request
    # (404), or, as BigQuery does, it ended with an error.
    status, body = emulator.api("jobs/" + job.group(1))
    assert status == 404 or body.get("status", {}).get("errorResult"), (status, body)
    # The kernel is alive and so is the emulator: the next cells run at once.
    assert km.is_alive()
    assert result_of(ok(kc, "1+1")) == "2"
    t1 = time.monotonic()
    out = ok(kc, "%bq SELECT 2 AS y")
    assert body_rows(result(out)["text/html"]) == [[("r", "2")]]
    assert time.monotonic() - t1 < 5
