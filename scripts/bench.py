"""Benchmark gokernel side by side with other kernels, interleaved in one run.

usage: bench.py [--cells N] [--lines N] [--rounds R] [--rss-cells N] KERNEL [KERNEL ...]
Prints a table: start to first kernel_info_reply, trivial-cell round trip
(median and p99) through jupyter_client and through a lean raw pyzmq client
with the CPU time and context switches of the kernel's processes per cell,
time until the last of N printed lines arrives, complete_request latency and
RSS; ratios against the first kernel.
"""
import argparse
import datetime
import hashlib
import hmac
import json
import os
import statistics
import time
import uuid

import zmq

from jupyter_client.manager import KernelManager

CODE = {
    "python3": {"trivial": "1", "lines": "for i in range({n}): print(i)", "complete": "import os\nos.", "step": "x = 0", "inc": "x += 1"},
    "gokernel": {"trivial": "1", "lines": 'import "fmt"\nfor i := 0; i < {n}; i++ {{ fmt.Println(i) }}', "complete": 'import "fmt"\nfmt.', "step": "x := 0", "inc": "x++"},
}


def tree_rss_kib(pid):
    """RSS of a process and its descendants (gokernel evaluates in a child)."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def tree_pids(pid):
    """pid and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in open(f"/proc/{p}/task/{t}/children").read().split())
        except FileNotFoundError:
            pass
    return out


def tree_cpu_switches(pid):
    """CPU seconds (from the scheduler's per-thread nanosecond counters) and
    context switches (voluntary and not) of a process and its descendants."""
    cpu, switches = 0.0, 0
    for p in tree_pids(pid):
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                cpu += int(open(f"/proc/{p}/task/{t}/schedstat").read().split()[0]) / 1e9
                for line in open(f"/proc/{p}/task/{t}/status"):
                    if "ctxt_switches" in line:
                        switches += int(line.split()[1])
        except FileNotFoundError:
            pass
    return cpu, switches


def wait_reply(kc, msg_id, timeout=120):
    while True:
        m = kc.get_shell_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") == msg_id:
            return m


def wait_idle(kc, msg_id, timeout=300, want_lines=None, idle_msg=None):
    last = None
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "stream":
            last = time.perf_counter()
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            if idle_msg is not None:
                idle_msg.append(m)
            return last


def start(name):
    """Start a kernel; time from launch to its first kernel_info_reply.

    A raw DEALER with a 1 ms reconnect interval sends one kernel_info_request
    right after launch (ZeroMQ queues it until the kernel binds), so the
    figure is the kernel's own start time, not libzmq's 100 ms retry.
    """
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel()  # returns once the process is spawned (ports may be chosen here)
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.RECONNECT_IVL, 1)
    sock.linger = 0
    sock.connect(f"tcp://{km.ip}:{km.shell_port}")
    km.session.send(sock, "kernel_info_request", {})
    if not sock.poll(60000):
        raise RuntimeError(f"{name}: no kernel_info_reply within 60 s")
    startup = time.perf_counter() - t0
    sock.close()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc, startup


def bare_start(name, runs=9):
    """Median time from exec of the kernelspec's argv to the first
    kernel_info_reply, without jupyter_client's launcher in the way."""
    from jupyter_client.connect import write_connection_file
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.session import Session
    import subprocess
    import tempfile

    import sys

    argv = KernelSpecManager().get_kernel_spec(name).argv
    if argv[0] in ("python", "python3"):
        argv = [sys.executable] + argv[1:]  # as jupyter_client resolves it
    times = []
    with tempfile.TemporaryDirectory() as d:
        for i in range(runs):
            fname, cfg = write_connection_file(fname=os.path.join(d, f"c{i}.json"), key=b"bench")
            sock = zmq.Context.instance().socket(zmq.DEALER)
            sock.setsockopt(zmq.RECONNECT_IVL, 1)
            sock.linger = 0
            sock.connect(f"tcp://127.0.0.1:{cfg['shell_port']}")
            cmd = [a.replace("{connection_file}", fname) for a in argv]
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            Session(key=b"bench").send(sock, "kernel_info_request", {})
            ok = sock.poll(60000)
            times.append(time.perf_counter() - t0)
            proc.kill()
            proc.wait()
            sock.close()
            if not ok:
                raise RuntimeError(f"{name}: no kernel_info_reply")
    return statistics.median(times)


def run_cell(kc, code, server_side=None):
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    wait_reply(kc, msg_id)
    idle = []
    wait_idle(kc, msg_id, idle_msg=idle)
    elapsed = time.perf_counter() - t0
    if server_side is not None and idle:
        # The request's date (client clock) to the idle status's date (kernel
        # clock, same machine): the kernel's share, without the client's
        # decoding of the replies.
        server_side.append((idle[0]["header"]["date"] - idle[0]["parent_header"]["date"]).total_seconds())
    return elapsed


class LeanClient:
    """A raw pyzmq client for round trips, the same for every kernel: a DEALER
    on shell and a SUB on IOPub, messages signed with hmac, and of the replies
    only what is needed is decoded (the parent header is matched as bytes; only
    status messages of the request have their header and content parsed)."""

    def __init__(self, km):
        self.ctx = zmq.Context()
        self.key = km.session.key
        self.session = uuid.uuid4().hex

        def ep(port):
            return f"ipc://{km.ip}-{port}" if km.transport == "ipc" else f"tcp://{km.ip}:{port}"

        self.shell = self.ctx.socket(zmq.DEALER)
        self.shell.linger = 0
        self.shell.connect(ep(km.shell_port))
        self.iopub = self.ctx.socket(zmq.SUB)
        self.iopub.linger = 0
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub.connect(ep(km.iopub_port))
        # The subscription takes a moment to reach the kernel: send
        # kernel_info_requests until one's IOPub status arrives.
        for _ in range(100):
            msg_id = self.send("kernel_info_request", {})
            self.reply(msg_id)
            if self.iopub.poll(100):
                self.idle(msg_id)
                return
        raise RuntimeError("lean client: no IOPub messages")

    def send(self, msg_type, content):
        msg_id = uuid.uuid4().hex
        header = json.dumps({"msg_id": msg_id, "session": self.session, "username": "bench", "msg_type": msg_type,
                             "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()}).encode()
        parts = [header, b"{}", b"{}", json.dumps(content).encode()]
        sig = hmac.new(self.key, digestmod=hashlib.sha256)
        for p in parts:
            sig.update(p)
        self.shell.send_multipart([b"<IDS|MSG>", sig.hexdigest().encode()] + parts)
        return msg_id

    @staticmethod
    def split(frames):
        i = frames.index(b"<IDS|MSG>")
        return frames[i + 2:]  # header, parent_header, metadata, content, buffers...

    def reply(self, msg_id):
        want = msg_id.encode()
        while True:
            f = self.split(self.shell.recv_multipart(copy=True))
            if want in f[1]:
                return

    def idle(self, msg_id):
        want = msg_id.encode()
        while True:
            f = self.split(self.iopub.recv_multipart(copy=True))
            if want in f[1] and b"status" in f[0] and json.loads(f[0])["msg_type"] == "status" \
                    and json.loads(f[3])["execution_state"] == "idle":
                return

    def cell(self, code):
        t0 = time.perf_counter()
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        self.reply(msg_id)
        self.idle(msg_id)
        return time.perf_counter() - t0

    def close(self):
        self.shell.close()
        self.iopub.close()
        self.ctx.term()


def bench(name, cells, lines, rss_cells):
    # gokernel-* names (e.g. another build installed with --name) run the Go cells.
    code = CODE.get(name) or CODE["gokernel" if name.startswith("gokernel") else "python3"]
    bare = bare_start(name)
    km, kc, startup = start(name)
    try:
        pid = km.provisioner.process.pid
        run_cell(kc, code["step"])
        # Both RSS figures are taken at idle, 2 s after the last cell.
        time.sleep(2)
        idle_rss = tree_rss_kib(pid)
        for _ in range(rss_cells):
            run_cell(kc, code["inc"])
        time.sleep(2)
        after_rss = tree_rss_kib(pid)
        for _ in range(20):
            run_cell(kc, code["trivial"])
        srv = []
        rts = sorted(run_cell(kc, code["trivial"], srv) for _ in range(cells))
        srv.sort()
        t0 = time.perf_counter()
        msg_id = kc.execute(code["lines"].format(n=lines))
        last = wait_idle(kc, msg_id)
        lines_t = (last or time.perf_counter()) - t0
        comp = []
        for _ in range(50):
            t1 = time.perf_counter()
            wait_reply(kc, kc.complete(code["complete"]))
            comp.append(time.perf_counter() - t1)
        # The lean client last, with jupyter_client's channels stopped (their
        # IOPub subscriber would otherwise decode every message too).
        kc.stop_channels()
        lean = LeanClient(km)
        try:
            for _ in range(20):
                lean.cell(code["trivial"])
            cpu0, sw0 = tree_cpu_switches(pid)
            lean_rts = sorted(lean.cell(code["trivial"]) for _ in range(cells))
            cpu1, sw1 = tree_cpu_switches(pid)
        finally:
            lean.close()
        return {
            "start_ms": startup * 1e3,
            "bare_start_ms": bare * 1e3,
            "cell_median_ms": statistics.median(rts) * 1e3,
            "cell_p99_ms": rts[int(len(rts) * 0.99) - 1] * 1e3,
            "kernel_median_ms": statistics.median(srv) * 1e3 if srv else float("nan"),
            "lean_median_ms": statistics.median(lean_rts) * 1e3,
            "lean_p99_ms": lean_rts[int(len(lean_rts) * 0.99) - 1] * 1e3,
            "cell_cpu_us": (cpu1 - cpu0) / cells * 1e6,
            "cell_switches": (sw1 - sw0) / cells,
            "lines_s": lines_t,
            "complete_ms": statistics.median(comp) * 1e3,
            "idle_rss_mib": idle_rss / 1024,
            "rss_after_mib": after_rss / 1024,
            "rss_growth_pct": (after_rss - idle_rss) * 100 / idle_rss,
        }
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernels", nargs="+")
    ap.add_argument("--cells", type=int, default=300)
    ap.add_argument("--lines", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rss-cells", type=int, default=10000)
    a = ap.parse_args()
    results = {k: [] for k in a.kernels}
    for r in range(a.rounds):  # interleaved: each round runs every kernel once
        for k in a.kernels:
            results[k].append(bench(k, a.cells, a.lines, a.rss_cells))
    keys = ["bare_start_ms", "start_ms", "cell_median_ms", "cell_p99_ms", "kernel_median_ms", "lean_median_ms", "lean_p99_ms",
            "cell_cpu_us", "cell_switches", "lines_s", "complete_ms",
            "idle_rss_mib", "rss_after_mib", "rss_growth_pct"]
    labels = {"bare_start_ms": "exec → first kernel_info_reply (ms, median of 9)",
              "start_ms": "  via jupyter_client's start_kernel (ms)", "cell_median_ms": f"trivial cell median (ms, {a.cells} cells)",
              "cell_p99_ms": "trivial cell p99 (ms)",
              "kernel_median_ms": "  of which in the kernel, median (ms)",
              "lean_median_ms": f"trivial cell median, lean zmq client (ms, {a.cells})", "lean_p99_ms": "trivial cell p99, lean zmq client (ms)",
              "cell_cpu_us": "  CPU per cell, kernel + children (µs)", "cell_switches": "  context switches per cell",
              "lines_s": f"{a.lines} printed lines (s)", "complete_ms": "complete_request on `fmt.` median (ms)",
              "idle_rss_mib": "idle RSS (MiB, kernel + children)", "rss_after_mib": f"RSS after {a.rss_cells} cells (MiB)",
              "rss_growth_pct": f"RSS growth over {a.rss_cells} cells (%)"}
    best = {k: {m: min(r[m] for r in results[k]) for m in keys} for k in a.kernels}
    base = a.kernels[0]
    print(f"best of {a.rounds} interleaved rounds")
    print(f"{'metric':42}" + "".join(f"{k:>14}" for k in a.kernels) + "".join(f"{k + '/' + base:>22}" for k in a.kernels[1:]))
    for m in keys:
        row = f"{labels[m]:42}" + "".join(f"{best[k][m]:14.3f}" for k in a.kernels)
        row += "".join(f"{best[k][m] / best[base][m]:22.2f}" for k in a.kernels[1:])
        print(row)


if __name__ == "__main__":
    main()
