"""The compiled tier through a real kernel (GOKERNEL_COMPILE=auto): declaration
cells built by go build -buildmode=plugin, called from interpreted cells,
output of compiled code on the cell's stream, interrupt of a compiled loop.
"""
import os
import signal
import time

import pytest
from jupyter_client.manager import start_new_kernel

from conftest import KERNEL, get_reply, result_of, run, stdout_of

BUILD_TIMEOUT = 300  # a cold build cache rebuilds the standard library for plugins


@pytest.fixture(scope="module")
def compiled_kernel():
    env = dict(os.environ, GOKERNEL_COMPILE="auto")
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60, env=env)
    try:
        deadline = time.monotonic() + BUILD_TIMEOUT
        while True:
            _, out = run(kc, "%go")
            status = result_of(out) or ""
            if "build cache: warm" in status.splitlines() or time.monotonic() > deadline:
                break
            if "compiled cells: off" in status and "starting" not in status:
                pytest.fail("compiled tier unavailable on this machine:\n" + status)
            time.sleep(0.5)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_default_is_auto(kc):
    _, out = run(kc, "%go")
    text = result_of(out)
    assert "compiled cells: on (GOKERNEL_COMPILE=auto)" in text, text


def test_off_is_interpreted_and_says_how_to_enable():
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60, env=dict(os.environ, GOKERNEL_COMPILE="off"))
    try:
        _, out = run(kc, "%go")
        text = result_of(out)
        assert "compiled cells: off" in text
        assert "GOKERNEL_COMPILE=auto" in text
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_compiled_cells(compiled_kernel):
    km, kc = compiled_kernel
    reply, out = run(kc, 'import "fmt"\nfunc fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\nfunc hello(n int) { fmt.Println("hello from compiled code", fib(n)) }', timeout=BUILD_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    _, out = run(kc, "%go")
    assert "compiled names: fib, hello" in result_of(out)
    t0 = time.monotonic()
    _, out = run(kc, "fib(30)")
    took = time.monotonic() - t0
    assert result_of(out) == "832040"
    assert took < 2, "fib(30) took %.2fs: not compiled?" % took
    _, out = run(kc, "hello(10)")
    assert stdout_of(out) == "hello from compiled code 55\n"
    # A trivial cell stays in the interpreter.
    _, out = run(kc, "x := 41\nx + 1")
    assert result_of(out) == "42"


def test_interrupt_compiled_loop(compiled_kernel):
    km, kc = compiled_kernel
    reply, _ = run(kc, "func spin() int {\n\tn := 0\n\tfor {\n\t\tn++\n\t}\n}", timeout=BUILD_TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    msg_id = kc.execute("spin()")
    time.sleep(0.5)
    t0 = time.monotonic()
    km.signal_kernel(signal.SIGINT)
    reply = get_reply(kc, msg_id, timeout=5)
    assert time.monotonic() - t0 < 1.0
    assert reply["content"]["ename"] == "Interrupted"
    _, out = run(kc, "fib(10)")
    assert result_of(out) == "55"
