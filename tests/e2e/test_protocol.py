"""Protocol behaviour of a real gokernel process, through jupyter_client."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import zmq
from jupyter_client.session import Session

from conftest import collect, get_reply, result_of, run, stdout_of, drain


def test_state_persists_and_trailing_value(kc):
    reply, out = run(kc, "x := 20\nfunc double(n int) int { return 2 * n }")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_of(out) is None
    reply, out = run(kc, "double(x) + 2")
    assert result_of(out) == "42"
    reply, out = run(kc, 'import "strings"\nstrings.ToUpper("go")')
    assert result_of(out) == '"GO"'
    reply, out = run(kc, 'import "strings"\nstrings.Repeat("ab", 2)')  # re-import works
    assert reply["content"]["status"] == "ok"
    assert result_of(out) == '"abab"'


def test_execute_input_and_count(kc):
    msg_id = kc.execute("1")
    reply, out = collect(kc, msg_id)
    inputs = [m for m in out if m["msg_type"] == "execute_input"]
    assert inputs and inputs[0]["content"]["code"] == "1"
    n = reply["content"]["execution_count"]
    reply2, out2 = run(kc, "2")
    assert reply2["content"]["execution_count"] == n + 1
    # silent: no execute_input, no result, count unchanged
    reply3, out3 = run(kc, "3", silent=True)
    assert reply3["content"]["execution_count"] == n + 1
    assert not [m for m in out3 if m["msg_type"] in ("execute_input", "execute_result")]


def test_compile_error_points_at_cell_line(kc):
    reply, out = run(kc, "a := 1\n_ = a\nundefinedThing + 1")
    assert reply["content"]["status"] == "error"
    errs = [m for m in out if m["msg_type"] == "error"]
    assert len(errs) == 1
    text = "\n".join(errs[0]["content"]["traceback"]) + errs[0]["content"]["evalue"]
    assert "undefinedThing" in text
    assert "3:" in text or "line 3" in text, text


def test_panic_keeps_state(kc):
    run(kc, "kept := 7")
    reply, out = run(kc, 'panic("boom")')
    assert reply["content"]["status"] == "error"
    assert "boom" in reply["content"]["evalue"]
    _, out = run(kc, "kept")
    assert result_of(out) == "7"


def test_os_exit_and_log_fatal_do_not_kill(kc):
    run(kc, "alive := 1")
    for code in ['import "os"\nos.Exit(3)', 'import "log"\nlog.Fatal("bye")']:
        reply, _ = run(kc, code)
        assert reply["content"]["status"] == "error"
    _, out = run(kc, "alive")
    assert result_of(out) == "1"


def test_goroutine_panic_does_not_kill(kc):
    run(kc, "survivor := 5")
    reply, out = run(kc, 'go func() { panic("in goroutine") }()\nimport "time"\ntime.Sleep(200 * time.Millisecond)')
    _, out = run(kc, "survivor")
    assert result_of(out) == "5", "state lost after a goroutine panic"


def test_stack_overflow_restarts_interpreter(kc):
    # The session's declarations come back in the new interpreter (replayed
    # from their cells, output discarded); variables' values do not, and
    # the message says which.
    run(kc, 'import "strings"\ntype crashBox struct{ n int }\nfunc (b crashBox) twice() int { return 2 * b.n }\nfunc shout(s string) string { return strings.ToUpper(s) }\nkeptVal := 3\nfmt.Println("declared")')
    reply, out = run(kc, "func down(n int) int { return down(n+1) + 1 }\ndown(0)", timeout=120)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "InterpreterRestarted"
    evalue = reply["content"]["evalue"]
    assert "replayed" in evalue and "func shout" in evalue and "method crashBox.twice" in evalue, evalue
    assert "values lost" in evalue and "keptVal" in evalue, evalue
    assert "declared" not in stdout_of(out), "the replay's output was shown"
    reply, out = run(kc, "1 + 1")
    assert result_of(out) == "2"
    _, out = run(kc, 'shout("ok") + fmt.Sprint(crashBox{4}.twice())')
    assert result_of(out) == '"OK8"'


def test_stdout_stderr_order_and_goroutine_output(kc):
    code = 'import ("fmt"; "os")\nfor i := 0; i < 200; i++ { fmt.Println("o", i); fmt.Fprintln(os.Stderr, "e", i) }'
    reply, out = run(kc, code)
    # Each stream is complete and in order. (stdout and stderr are two pipes,
    # so their relative order within one 50 ms batch is not kept.)
    assert stdout_of(out) == "".join(f"o {i}\n" for i in range(200))
    assert stdout_of(out, "stderr") == "".join(f"e {i}\n" for i in range(200))
    # Flushed before the reply: all text arrived before idle.
    assert stdout_of(out).count("\n") == 200


def test_direct_os_stdout_and_late_goroutine(kc):
    reply, out = run(kc, 'import ("os"; "time"; "fmt")\nos.Stdout.WriteString("direct\\n")\ngo func() { time.Sleep(300*time.Millisecond); fmt.Println("late") }()')
    assert "direct\n" in stdout_of(out)
    deadline = time.monotonic() + 5
    seen = ""
    while time.monotonic() < deadline and "late" not in seen:
        try:
            m = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            continue
        if m["msg_type"] == "stream":
            seen += m["content"]["text"]
    assert "late" in seen


def test_display_and_update(kc):
    reply, out = run(kc, 'import "gokernel/display"\nid := display.HTML("<b>v1</b>")\ndisplay.Update(id, display.HTMLBundle("<b>v2</b>"))')
    assert reply["content"]["status"] == "ok", reply["content"]
    kinds = [m["msg_type"] for m in out if m["msg_type"] in ("display_data", "update_display_data")]
    assert kinds == ["display_data", "update_display_data"]
    d, u = [m for m in out if m["msg_type"] in ("display_data", "update_display_data")]
    assert d["content"]["transient"]["display_id"] == u["content"]["transient"]["display_id"]
    assert u["content"]["data"]["text/html"] == "<b>v2</b>"


def test_control_answers_while_busy_and_interrupt(kc):
    run(kc, "counter := 41")
    msg_id = kc.execute("for {}")
    time.sleep(0.5)
    t0 = time.monotonic()
    info_id = kc.session.send(kc.control_channel.socket, "kernel_info_request", {})["header"]["msg_id"]
    info = get_reply(kc, info_id, timeout=5, channel="control")
    assert info["content"]["language_info"]["name"] == "go"
    assert time.monotonic() - t0 < 1.0
    t0 = time.monotonic()
    int_id = kc.session.send(kc.control_channel.socket, "interrupt_request", {})["header"]["msg_id"]
    get_reply(kc, int_id, timeout=5, channel="control")
    reply = get_reply(kc, msg_id, timeout=5)
    assert time.monotonic() - t0 < 1.0
    assert reply["content"]["status"] == "error"
    _, out = run(kc, "counter + 1")
    assert result_of(out) == "42"


@pytest.mark.parametrize("code", ["for {}", "ch := make(chan int)\n<-ch", 'import "time"\ntime.Sleep(time.Hour)'])
def test_interrupt_by_signal(kc, km, code):
    msg_id = kc.execute(code)
    time.sleep(0.5)
    t0 = time.monotonic()
    km.signal_kernel(signal.SIGINT)
    reply = get_reply(kc, msg_id, timeout=5)
    assert time.monotonic() - t0 < 1.0
    assert reply["content"]["status"] == "error"
    _, out = run(kc, "40 + 2")
    assert result_of(out) == "42"


# A failing cell that takes a moment: the requests sent behind it are
# surely queued when it fails. With a cell that fails at once, a client
# descheduled between two sends dates the second one after the error reply,
# and whether it is aborted is a race in any kernel (ipykernel's abort
# window is 0 s by default); the router's own tests cover the date rules.
FAIL_SLOWLY = 'time.Sleep(300 * time.Millisecond); panic("%s")'


def test_stop_on_error_aborts_queue(kc):
    ids = [kc.execute(FAIL_SLOWLY % "first"), kc.execute("1"), kc.execute("2")]
    statuses = [get_reply(kc, i)["content"]["status"] for i in ids]
    assert statuses == ["error", "aborted", "aborted"]
    # stop_on_error=False keeps going; requests sent after an error reply run.
    ids = [kc.execute('panic("again")', stop_on_error=False), kc.execute("3")]
    statuses = [get_reply(kc, i)["content"]["status"] for i in ids]
    assert statuses == ["error", "ok"]


def test_stdin_input_request(kc):
    msg_id = kc.execute('import "fmt"\nvar name string\nfmt.Scanln(&name)\nfmt.Println("hello", name)', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=10)
    assert req["msg_type"] == "input_request"
    kc.input("gopher")
    reply, out = collect(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    assert "hello gopher" in stdout_of(out)


def test_stdin_bufio(kc):
    msg_id = kc.execute('import ("bufio"; "os"; "fmt")\nline, _ := bufio.NewReader(os.Stdin).ReadString(\'\\n\')\nfmt.Printf("[%s]", line)', allow_stdin=True)
    kc.get_stdin_msg(timeout=10)
    kc.input("two words")
    reply, out = collect(kc, msg_id)
    assert "[two words\n]" in stdout_of(out)


def test_stdin_not_allowed_fails_fast(kc):
    t0 = time.monotonic()
    reply, out = run(kc, 'import "fmt"\nvar s string\n_, err := fmt.Scanln(&s)\nif err != nil { panic(err) }', allow_stdin=False)
    assert time.monotonic() - t0 < 5
    assert reply["content"]["status"] == "error"
    assert "allow_stdin" in reply["content"]["evalue"] or "input" in reply["content"]["evalue"]


def test_interrupt_pending_input(kc):
    msg_id = kc.execute('import "fmt"\nvar s string\nfmt.Scanln(&s)', allow_stdin=True)
    kc.get_stdin_msg(timeout=10)
    int_id = kc.session.send(kc.control_channel.socket, "interrupt_request", {})["header"]["msg_id"]
    reply = get_reply(kc, msg_id, timeout=5)
    assert reply["content"]["status"] == "error"
    _, out = run(kc, "1")
    assert result_of(out) == "1"


def test_user_expressions(kc):
    run(kc, "ue := 21")
    reply, _ = run(kc, "", user_expressions={"double": "ue * 2", "bad": "nope +"})
    ue = reply["content"]["user_expressions"]
    assert ue["double"]["status"] == "ok"
    assert ue["double"]["data"]["text/plain"] == "42"
    assert ue["bad"]["status"] == "error"


def test_complete_unicode_cursor(kc):
    code = 's := "héllo"; strings.ToUp'
    msg_id = kc.complete(code, cursor_pos=len(code))  # len() counts code points
    reply = get_reply(kc, msg_id)
    c = reply["content"]
    assert any(m.endswith("ToUpper") for m in c["matches"]), c
    assert c["cursor_end"] == len(code)


def test_inspect_variable(kc):
    run(kc, "inspected := []string{\"a\"}")
    msg_id = kc.inspect("inspected", cursor_pos=3)
    reply = get_reply(kc, msg_id)
    assert reply["content"]["found"]
    assert "[]string" in reply["content"]["data"]["text/plain"]


def test_is_complete(kc):
    for code, status in [("x := 1", "complete"), ("func f() {", "incomplete"), ("x := )", "invalid")]:
        msg_id = kc.is_complete(code)
        assert get_reply(kc, msg_id)["content"]["status"] == status, code


def test_comms(kc):
    msg_id = kc.comm_info()
    assert get_reply(kc, msg_id)["content"]["comms"] == {}
    msg = kc.session.msg("comm_open", {"comm_id": "c1", "target_name": "nope", "data": {}})
    kc.shell_channel.send(msg)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m = kc.get_iopub_msg(timeout=5)
        if m["msg_type"] == "comm_close":
            assert m["content"]["comm_id"] == "c1"
            break
    else:
        pytest.fail("no comm_close for an unknown target")


def test_unknown_message_type(kc):
    msg = kc.session.msg("no_such_request", {})
    kc.shell_channel.send(msg)
    time.sleep(0.2)
    _, out = run(kc, "5")
    assert result_of(out) == "5"


def raw_socket(km, port_name):
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.linger = 0
    s.connect(f"tcp://{km.ip}:{getattr(km, port_name)}")
    return s


def test_forged_replayed_and_malformed_messages(kc, km):
    key = km.session.key
    good = Session(key=key)
    bad = Session(key=b"not-the-key")
    s = raw_socket(km, "shell_port")
    try:
        bad.send(s, "kernel_info_request", {})
        s.send_multipart([b"garbage"])
        s.send_multipart([b"<IDS|MSG>", b"sig"])
        s.send_multipart([b"<IDS|MSG>", b"", b"{", b"{}", b"{}", b"{}"])
        s.send_multipart([b"<IDS|MSG>", b"x" * 64, b"{}", b"{}", b"{}", b"\xff\xfe"])
        poller = zmq.Poller()
        poller.register(s, zmq.POLLIN)
        assert not poller.poll(500), "kernel answered a forged or malformed message"
        msg = good.msg("kernel_info_request", {})
        frames = good.serialize(msg)
        s.send_multipart(frames)
        assert poller.poll(5000), "kernel did not answer a valid message"
        s.recv_multipart()
        s.send_multipart(frames)  # exact replay
        assert not poller.poll(500), "kernel answered a replayed message"
    finally:
        s.close()
    _, out = run(kc, "6")
    assert result_of(out) == "6"


def test_history(kc):
    run(kc, "histmarker := 99")
    msg_id = kc.history(hist_access_type="tail", n=1, output=False, raw=True)
    h = get_reply(kc, msg_id)["content"]["history"]
    assert h[-1][2] == "histmarker := 99"
    msg_id = kc.history(hist_access_type="search", pattern="histmarker*", output=False, raw=True)
    assert get_reply(kc, msg_id)["content"]["history"]
    msg_id = kc.history(hist_access_type="range", session=0, start=1, stop=3, output=False, raw=True)
    assert len(get_reply(kc, msg_id)["content"]["history"]) == 2


def test_help_magic(kc):
    reply, out = run(kc, "%help")
    assert "%doc" in stdout_of(out)
    reply, out = run(kc, "%nosuchmagic")
    assert reply["content"]["status"] == "error"
    assert "unknown magic" in reply["content"]["evalue"]


def test_100k_lines(kc):
    t0 = time.monotonic()
    reply, out = run(kc, 'import "fmt"\nfor i := 0; i < 100000; i++ { fmt.Println(i) }', timeout=120)
    text = stdout_of(out)
    assert text.count("\n") == 100000
    assert text.endswith("99999\n")


def test_aborted_cells_get_their_own_busy_idle_after_the_error(kc):
    a = kc.execute(FAIL_SLOWLY % "first")
    b = kc.execute("1")
    reply_a, out_a = collect(kc, a)
    reply_b, out_b = collect(kc, b, timeout=10)
    assert reply_a["content"]["status"] == "error"
    assert reply_b["content"]["status"] == "aborted"
