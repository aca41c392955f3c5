"""%bq's line is read as options then SQL, never shell-split (issue 17's
bugs): '-h' inside the SQL runs the query, a backslash-escaped quote is
valid GoogleSQL, and a bad --out name fails before any job starts. Runs
against the BigQuery emulator with test_bq.py's fixtures; the emulator's
job list tells whether a query ran."""
from conftest import run, stdout_of
from test_bq import body_rows, emulator, kernel, ok, result  # noqa: F401 (fixtures; kc comes from conftest over this kernel)


def job_ids(emulator):
    status, body = emulator.api("jobs?allUsers=true&maxResults=1000")
    assert status == 200, body
    return {j["jobReference"]["jobId"] for j in body.get("jobs", [])}


def test_dash_h_inside_sql_runs_the_query(kc, emulator):
    before = job_ids(emulator)
    out = ok(kc, "%bq SELECT name FROM ds.people WHERE name = '-h' OR id = 3")
    assert "usage:" not in stdout_of(out)
    assert len(body_rows(result(out)["text/html"])) == 1
    out = ok(kc, "%bq --max-rows 5 SELECT '--help' AS opt")
    assert "usage:" not in stdout_of(out)
    assert body_rows(result(out)["text/html"]) == [[("", "--help")]]
    assert len(job_ids(emulator) - before) == 2


def test_escaped_quote_is_googlesql(kc):
    out = ok(kc, r"%bq SELECT 'don\'t' AS s")
    assert body_rows(result(out)["text/html"]) == [[("", "don&#39;t")]]


def test_help_in_option_position_still_shows_usage(kc, emulator):
    before = job_ids(emulator)
    for code in ("%bq --help", "%bq -h", "%%bq --help\nSELECT 1"):
        out = ok(kc, code)
        assert "usage: %bq" in stdout_of(out), code
    assert job_ids(emulator) == before


def test_bad_out_name_fails_before_any_job(kc, emulator):
    before = job_ids(emulator)
    for code, why in (("%bq --out func SELECT 1", "keyword"), ("%%bq --out len\nSELECT 1", "predeclared"),
                      ("%bq --out 1x SELECT 1", "not a Go identifier")):
        reply, out = run(kc, code)
        c = reply["content"]
        assert c["status"] == "error" and c["ename"] == "MagicUsageError" and why in c["evalue"], (code, c)
    assert job_ids(emulator) == before, "a query ran for a name that cannot be defined"
    # The kernel is fine and a good name works.
    ok(kc, "%bq --out res SELECT 7 AS n")
    _, out = run(kc, "res.Rows()[0][0]")
    assert "7" in "".join(m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result")
