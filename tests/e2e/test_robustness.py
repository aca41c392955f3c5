"""Faults and bad input: the kernel survives, says what happened, keeps serving."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zmq
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_client.session import Session

from conftest import KERNEL, collect, get_reply, result_of, run, stdout_of

ROOT = Path(__file__).resolve().parents[2]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def kernel_pid(km):
    return km.provisioner.process.pid


def test_million_lines_bounded(kc, km):
    before = rss_kib(kernel_pid(km))
    reply, out = run(kc, 'import "fmt"\nfor i := 0; i < 1000000; i++ { fmt.Println(i) }', timeout=300)
    text = stdout_of(out)
    assert text.count("\n") == 1000000 or "output truncated" in stdout_of(out, "stderr")
    assert rss_kib(kernel_pid(km)) - before < 300 * 1024, "kernel memory grew by more than 300 MiB"
    _, out = run(kc, "1 + 1")
    assert result_of(out) == "2"


def test_50mb_string_is_truncated_with_notice(kc, km):
    reply, out = run(kc, 'import ("fmt"; "strings")\nfmt.Print(strings.Repeat("x", 50<<20))', timeout=300)
    shown = len(stdout_of(out))
    assert shown <= 33 << 20
    assert "output truncated" in stdout_of(out, "stderr")
    _, out = run(kc, "2 + 2")
    assert result_of(out) == "4"


def test_oversized_and_truncated_messages_on_every_socket(kc, km):
    ctx = zmq.Context.instance()
    session = Session(key=km.session.key)
    for port in (km.shell_port, km.control_port, km.stdin_port):
        s = ctx.socket(zmq.DEALER)
        s.linger = 0
        s.connect(f"tcp://{km.ip}:{port}")
        msg = session.msg("execute_request", {"code": "x" * (100 << 20)})
        frames = session.serialize(msg)
        s.send_multipart(frames)               # 100 MB content: over the frame limit
        s.send_multipart(frames[:3])           # truncated
        s.send_multipart([b"<IDS|MSG>", b"", b"not json", b"{}", b"{}", b"{}"])
        time.sleep(0.3)
        s.close()
    hb = ctx.socket(zmq.REQ)
    hb.linger = 0
    hb.connect(f"tcp://{km.ip}:{km.hb_port}")
    hb.send(b"ping")
    assert hb.poll(5000) and hb.recv() == b"ping"
    hb.close()
    _, out = run(kc, "3 + 3")
    assert result_of(out) == "6"


def test_deadlock_is_interruptible(kc):
    run(kc, "deadlockState := 9")
    msg_id = kc.execute('import "sync"\nvar mu sync.Mutex\nmu.Lock()\nmu.Lock()')
    time.sleep(0.5)
    int_id = kc.session.send(kc.control_channel.socket, "interrupt_request", {})["header"]["msg_id"]
    reply = get_reply(kc, msg_id, timeout=10)
    assert reply["content"]["status"] == "error"
    _, out = run(kc, "deadlockState")
    assert result_of(out) == "9"


def test_stalled_iopub_subscriber(kc, km):
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.RCVHWM, 1)
    sub.setsockopt(zmq.RCVBUF, 4096)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"tcp://{km.ip}:{km.iopub_port}")
    time.sleep(0.3)
    before = rss_kib(kernel_pid(km))
    try:
        t0 = time.monotonic()
        msg_id = kc.execute('import ("fmt"; "strings")\nfor i := 0; i < 200; i++ { fmt.Println(strings.Repeat("y", 100000)) }')
        reply = get_reply(kc, msg_id, timeout=60)
        assert reply["content"]["status"] == "ok"
        assert time.monotonic() - t0 < 30, "execution stalled behind a subscriber that does not read"
        assert rss_kib(kernel_pid(km)) - before < 400 * 1024
    finally:
        sub.close()


def test_client_killed_and_reconnect():
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        run(kc, "remembered := 123")
        kc.stop_channels()  # the front end disappears
        kc2 = km.client()
        kc2.start_channels()
        kc2.wait_for_ready(timeout=30)
        _, out = run(kc2, "remembered")
        assert result_of(out) == "123"
        kc2.stop_channels()
    finally:
        km.shutdown_kernel(now=True)


def test_exits_when_parent_dies(tmp_path):
    km = KernelManager(kernel_name=KERNEL)
    km.write_connection_file()
    parent = subprocess.Popen(["sleep", "60"])
    env = dict(os.environ, JPY_PARENT_PID=str(parent.pid))
    proc = subprocess.Popen([str(ROOT / "bin" / "gokernel"), "kernel", "-f", km.connection_file], env=env,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        assert proc.poll() is None
        parent.kill()
        parent.wait()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        km.cleanup_connection_file()


def test_memory_limit_restarts_interpreter_with_reason():
    km, kc = start_new_kernel(kernel_name=KERNEL, env=dict(os.environ, GOKERNEL_MEMORY_LIMIT="1GiB"))
    try:
        # bytes.Repeat allocates and touches the memory in compiled code.
        reply, out = run(kc, 'import "bytes"\nvar hog [][]byte\nfor { hog = append(hog, bytes.Repeat([]byte{1}, 64<<20)) }', timeout=180)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "InterpreterRestarted"
        assert "ran out of memory" in reply["content"]["evalue"]
        assert "GOKERNEL_MEMORY_LIMIT" in reply["content"]["evalue"]
        _, out = run(kc, "5 * 5")
        assert result_of(out) == "25"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
