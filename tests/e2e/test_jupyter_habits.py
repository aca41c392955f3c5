"""What IPython users type without thinking, through jupyter_client: !cmd
lines and %%bash/%%sh cells (live output, stdin from the input box, exit
status, interrupt killing the process group), %time/%timeit, %who/%whos,
%env, %cd, %pwd, %%writefile, and each one's --help and %help entry."""
import os
import queue
import re
import time

import pytest

from conftest import collect, get_reply, result_of, run, stdout_of

NEW_MAGICS = ["bash", "sh", "time", "timeit", "who", "whos", "env", "cd", "pwd", "writefile"]


def ok(kc, code, timeout=30, **kw):
    reply, out = run(kc, code, timeout=timeout, **kw)
    assert reply["content"]["status"] == "ok", (code, reply["content"], out)
    return out


def err(kc, code, timeout=30):
    reply, out = run(kc, code, timeout=timeout)
    assert reply["content"]["status"] == "error", (code, reply["content"], out)
    return reply["content"], out


def stderr_of(out):
    return stdout_of(out, "stderr")


def test_help_lists_each_and_each_has_usage(kc):
    listing = stdout_of(ok(kc, "%help"))
    for name in NEW_MAGICS:
        assert f"%{name} " in listing, (name, listing)
        for code in (f"%{name} --help", f"%help {name}"):
            text = stdout_of(ok(kc, code))
            assert text.startswith("usage: %"), (code, text)
    # Cell magics answer --help on their first line too.
    assert stdout_of(ok(kc, "%%bash --help\necho no")).startswith("usage: %%bash")
    assert stdout_of(ok(kc, "%%timeit --help\nx := 1")).startswith("usage: %timeit")


def test_bang_lines_mix_with_go(kc, tmp_path):
    code = f'''n := 3
!echo "shell says $((1+2))"
m := n * 2
!printf 'to stderr\\n' >&2
!ls {tmp_path} \\
   && echo continued
m + 1'''
    out = ok(kc, code)
    assert "shell says 3\n" in stdout_of(out)
    assert "continued\n" in stdout_of(out)
    assert "to stderr" in stderr_of(out)
    assert result_of(out) == "7"
    # Go that starts a line with ! stays Go where a statement cannot start.
    out = ok(kc, "t := true\nf := t &&\n\t!t\nif !f {\n\tfmt.Println(\"not f\")\n}")
    assert stdout_of(out) == "not f\n"


def test_bang_nonzero_exit_is_shown_and_the_cell_goes_on(kc):
    out = ok(kc, "!exit 3\nafter := 1\nafter")
    assert "exit status 3" in stderr_of(out)
    assert result_of(out) == "1"


def test_go_error_line_numbers_count_the_shell_lines(kc):
    c, _ = err(kc, "!true\n!true\nundefinedThing + 1")
    assert re.search(r"In\[\d+\]:3:1: undefined: undefinedThing", c["evalue"]), c


def test_bash_cell_and_failure(kc):
    out = ok(kc, "%%bash\nfor i in 1 2; do echo line $i; done\necho err >&2")
    assert stdout_of(out) == "line 1\nline 2\n"
    assert stderr_of(out) == "err\n"
    out = ok(kc, "%%sh\necho $0")
    assert stdout_of(out).strip() == "sh"
    c, out = err(kc, "%%bash\necho before\nexit 4")
    assert c["ename"] == "CalledProcessError" and "exit status 4" in c["evalue"], c
    assert "before" in stdout_of(out)


def test_output_streams_live(kc):
    msg_id = kc.execute("%%bash\necho first\nsleep 2\necho second")
    t0 = time.monotonic()
    first_at = None
    texts = []
    while True:
        msg = kc.get_iopub_msg(timeout=15)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            texts.append(msg["content"]["text"])
            if first_at is None and "first" in msg["content"]["text"]:
                first_at = time.monotonic() - t0
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    took = time.monotonic() - t0
    assert "".join(texts) == "first\nsecond\n"
    assert first_at is not None and first_at < took - 1.5, (first_at, took)
    get_reply(kc, msg_id)


def answer_inputs(kc, msg_id, answers, timeout=20):
    """Answers each input_request with the next answer; returns the prompts."""
    prompts = []
    deadline = time.monotonic() + timeout
    answers = list(answers)
    while answers:
        try:
            msg = kc.stdin_channel.get_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if msg["msg_type"] == "input_request":
            prompts.append(msg["content"]["prompt"])
            kc.input(answers.pop(0))
    return prompts


def test_stdin_from_input_request(kc):
    msg_id = kc.execute("%%bash\nprintf 'name? ' >&2; read who\necho \"hello $who\"\nread n\necho \"n=$n\"", allow_stdin=True)
    answer_inputs(kc, msg_id, ["gopher", "42"])
    reply, out = collect(kc, msg_id)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "hello gopher\n" in stdout_of(out) and "n=42\n" in stdout_of(out), out
    assert "name? " in stderr_of(out)
    # A !line reading stdin (a grandchild of the shell) gets it too.
    msg_id = kc.execute("!python3 -c 'print(\"got\", input())'", allow_stdin=True)
    answer_inputs(kc, msg_id, ["abc"])
    reply, out = collect(kc, msg_id)
    assert "got abc" in stdout_of(out), out


def test_stdin_not_allowed_reads_eof(kc):
    t0 = time.monotonic()
    out = ok(kc, "%%bash\nif read x; then echo read; else echo eof; fi", allow_stdin=False)
    assert stdout_of(out) == "eof\n"
    assert time.monotonic() - t0 < 10


def test_interrupt_kills_the_process_group(kc, km, tmp_path):
    pidfile = tmp_path / "pids"
    msg_id = kc.execute(f"%%bash\nsleep 300 &\necho $! > {pidfile}\nsleep 301\n")
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "the script did not start"
        time.sleep(0.05)
    bg = int(pidfile.read_text())
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply, _ = collect(kc, msg_id, timeout=15)
    assert reply["content"]["status"] == "error", reply["content"]
    assert time.monotonic() - t0 < 5
    # The background job of the script is gone too (its whole group).
    deadline = time.monotonic() + 5
    while True:
        try:
            os.kill(bg, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, f"background process {bg} survived the interrupt"
        time.sleep(0.05)
    assert km.is_alive()
    assert result_of(ok(kc, "40 + 2")) == "42"


def test_time_and_timeit(kc):
    out = ok(kc, "%time tx := 6 * 7")
    text = stdout_of(out)
    assert re.search(r"^CPU times: user [\d.]+ (ns|µs|ms|s), sys [\d.]+ (ns|µs|ms|s), total [\d.]+ (ns|µs|ms|s)\nWall time: [\d.]+ (ns|µs|ms|s)\n$", text), text
    assert result_of(ok(kc, "tx")) == "42"
    out = ok(kc, "%%time\nsum := 0\nfor i := range 1000 { sum += i }\nsum")
    assert result_of(out) == "499500"
    assert "Wall time: " in stdout_of(out)
    text = stdout_of(ok(kc, "%timeit tx * 2", timeout=60))
    m = re.fullmatch(r"(\d+) loops?, best of 7: ([\d.]+) (ns|µs|ms|s) per loop\n", text)
    assert m, text
    n = int(m.group(1))
    assert n >= 1000 and re.fullmatch(r"[125]0*", m.group(1)), text
    text = stdout_of(ok(kc, "%timeit -n 3 -r 2 time.Sleep(2 * time.Millisecond)", timeout=60))
    m = re.fullmatch(r"3 loops, best of 2: ([\d.]+) ms per loop\n", text)
    assert m and 2 <= float(m.group(1)) < 50, text
    text = stdout_of(ok(kc, "%%timeit -r 3\ns := 0\nfor i := range 10 { s += i }", timeout=60))
    assert re.fullmatch(r"\d+ loops?, best of 3: [\d.]+ (ns|µs|ms) per loop\n", text), text
    c, _ = err(kc, "%timeit undefinedName + 1")
    assert "undefinedName" in c["evalue"], c


def test_who_and_whos(kc):
    ok(kc, 'wa := 1\nwb := "hello"\nwc := []int{1, 2, 3}\nconst wk = 7\ntype wT struct{ A int }\nwt := wT{5}\nfunc wf() {}')
    names = stdout_of(ok(kc, "%who")).split()
    for n in ("wa", "wb", "wc", "wk", "wt"):
        assert n in names, names
    assert "wf" not in names and not any(n.startswith("__gokernel") for n in names), names
    strings = stdout_of(ok(kc, "%who string")).split()
    assert "wb" in strings and "wa" not in strings and "wc" not in strings, strings
    out = ok(kc, "%whos")
    disp = [m for m in out if m["msg_type"] == "display_data"]
    assert len(disp) == 1, out
    plain, html = disp[0]["content"]["data"]["text/plain"], disp[0]["content"]["data"]["text/html"]
    rows = {ln.split()[0]: ln for ln in plain.splitlines()[2:]}
    assert re.search(r"^wa\s+int\s+1$", rows["wa"]), rows
    assert re.search(r'^wb\s+string\s+"hello"$', rows["wb"]), rows
    assert re.search(r"^wc\s+\[\]int\s+\[1 2 3\]$", rows["wc"]), rows
    assert "7" in rows["wk"], rows
    assert "<td>wb</td>" in html and "&#34;hello&#34;" in html, html


def test_env_cd_pwd_writefile(kc, tmp_path):
    out = ok(kc, "%env GOKERNEL_HABIT=one two")
    assert stdout_of(out) == "env: GOKERNEL_HABIT=one two\n"
    assert result_of(ok(kc, "%env GOKERNEL_HABIT")) == '"one two"'
    assert result_of(ok(kc, 'os.Getenv("GOKERNEL_HABIT")')) == '"one two"'
    assert stdout_of(ok(kc, "!echo $GOKERNEL_HABIT")) == "one two\n"
    ok(kc, "%env GOKERNEL_HABIT=$GOKERNEL_HABIT three")
    assert stdout_of(ok(kc, "%%bash\necho $GOKERNEL_HABIT")) == "one two three\n"
    ok(kc, "%env GOKERNEL_API_TOKEN=s3cr3t-value")
    listing = stdout_of(ok(kc, "%env"))
    assert "GOKERNEL_HABIT=one two three" in listing and "GOKERNEL_API_TOKEN=<hidden>" in listing
    assert "s3cr3t-value" not in listing
    ok(kc, "%env -u GOKERNEL_API_TOKEN")
    c, _ = err(kc, "%env GOKERNEL_API_TOKEN")
    assert c["ename"] == "KeyError", c

    d = tmp_path / "a dir"
    d.mkdir()
    assert stdout_of(ok(kc, f"%cd {d}")) == f"{d}\n"
    assert result_of(ok(kc, "%pwd")) == f'"{d}"'
    out = ok(kc, "%%writefile notes.txt\nhello\nworld\n")
    assert stdout_of(out) == "Writing notes.txt\n"
    assert (d / "notes.txt").read_text() == "hello\nworld\n"
    assert stdout_of(ok(kc, "%%writefile -a notes.txt\nmore\n")) == "Appending to notes.txt\n"
    assert stdout_of(ok(kc, "%%writefile notes.txt\nnew\n")) == "Overwriting notes.txt\n"
    assert (d / "notes.txt").read_text() == "new\n"
    # Go and the shell see the same directory.
    assert result_of(ok(kc, 'b, _ := os.ReadFile("notes.txt")\nstring(b)')) == '"new\\n"'
    assert stdout_of(ok(kc, "!cat notes.txt && pwd")) == f"new\n{d}\n"
    ok(kc, f"%cd {tmp_path}")
    assert stdout_of(ok(kc, "%cd -")) == f"{d}\n"
    c, _ = err(kc, "%cd /no/such/dir")
    assert "no such file" in c["evalue"], c
    assert result_of(ok(kc, "%pwd")) == f'"{d}"'


def test_interrupt_stops_a_bang_line_and_keeps_the_session(kc, km):
    ok(kc, "kept := 5")
    msg_id = kc.execute("!echo started; sleep 300\nkept = 6")
    deadline = time.monotonic() + 10
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream" and "started" in msg["content"]["text"]:
            break
    t0 = time.monotonic()
    km.interrupt_kernel()
    reply, _ = collect(kc, msg_id, timeout=15)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted", reply["content"]
    assert time.monotonic() - t0 < 5
    # The Go after the command did not run; the session is intact.
    assert result_of(ok(kc, "kept")) == "5"
