"""Start, restart, shutdown and the ipc transport, each with its own kernel."""
import time

from jupyter_client.manager import KernelManager, start_new_kernel

from conftest import get_reply, result_of, run, KERNEL


def test_restart_keeps_serving():
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60)
    try:
        run(kc, "before := 1")
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=30)
        reply, out = run(kc, "1 + 1")
        assert result_of(out) == "2"
        reply, _ = run(kc, "before")
        assert reply["content"]["status"] == "error"  # a restart starts a new session
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_shutdown_request_exits_cleanly():
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=60)
    try:
        msg = kc.session.send(kc.control_channel.socket, "shutdown_request", {"restart": True})
        reply = get_reply(kc, msg["header"]["msg_id"], channel="control", timeout=10)
        assert reply["content"] == {"status": "ok", "restart": True}
        proc = km.provisioner.process
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() == 0
    finally:
        kc.stop_channels()
        km.cleanup_resources()


def test_ipc_transport(tmp_path):
    km = KernelManager(kernel_name=KERNEL, transport="ipc")
    km.ip = str(tmp_path / "k")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=30)
        reply, out = run(kc, "3 * 3")
        assert result_of(out) == "9"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
