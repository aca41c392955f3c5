"""Shared fixtures: real gokernel processes driven by jupyter_client.

The test command (scripts/test.sh) builds the binary, installs the kernelspec
into a private JUPYTER_DATA_DIR and runs pytest inside the project's venv.
"""
import os
import queue
import time

import pytest
from jupyter_client.manager import start_new_kernel

KERNEL = os.environ.get("GOKERNEL_KERNEL_NAME", "gokernel")
TIMEOUT = 30


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60)
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def kc(kernel):
    _, kc = kernel
    drain(kc)
    return kc


@pytest.fixture
def km(kernel):
    return kernel[0]


def drain(kc):
    for ch in (kc.iopub_channel, kc.shell_channel, kc.stdin_channel):
        while True:
            try:
                ch.get_msg(timeout=0.05)
            except queue.Empty:
                break


def collect(kc, msg_id, timeout=TIMEOUT):
    """Return (reply, iopub messages for msg_id up to its idle status)."""
    outputs = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        if msg["msg_type"] != "status":
            outputs.append(msg)
    reply = get_reply(kc, msg_id, timeout=max(1, deadline - time.monotonic()))
    return reply, outputs


def get_reply(kc, msg_id, timeout=TIMEOUT, channel="shell"):
    deadline = time.monotonic() + timeout
    ch = kc.shell_channel if channel == "shell" else kc.control_channel
    while True:
        msg = ch.get_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def run(kc, code, timeout=TIMEOUT, **kw):
    msg_id = kc.execute(code, **kw)
    return collect(kc, msg_id, timeout)


def stdout_of(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def result_of(outputs):
    for m in outputs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None
