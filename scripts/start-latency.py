#!/usr/bin/env python3
"""Kernel start as a Jupyter client sees it: time from KernelManager.start_kernel
to the first kernel_info_reply that a KernelClient, connected right after the
start as jupyter_client's own start_new_kernel does, receives on shell. With
jupyter_client's defaults, so libzmq's 100 ms reconnect interval counts
whenever the kernel had not bound its sockets when the client connected.
(wait_for_ready is not the measure: it also waits for a 200 ms pause on
IOPub.) Over N sequential starts per kernelspec, interleaved; prints median
and p90 per kernel.

    start-latency.py [--runs 20] KERNEL [KERNEL ...]
"""
import argparse
import statistics
import time

import zmq
from jupyter_client.manager import KernelManager

# One context for every start: a context per KernelManager leaks its
# descriptors until "Too many open files" after a few dozen starts.
CTX = zmq.Context()


def one(name):
    km = KernelManager(kernel_name=name, context=CTX)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        msg_id = kc.kernel_info()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                return (time.perf_counter() - t0) * 1000
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        km.cleanup_resources()


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kernels", nargs="+")
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    times = {k: [] for k in a.kernels}
    for _ in range(a.runs):  # interleaved, so load drifts hit every kernel alike
        for k in a.kernels:
            times[k].append(one(k))
    print(f"start_kernel -> first kernel_info_reply through jupyter_client, {a.runs} sequential starts each (ms)")
    print(f"{'kernel':<16}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}   all")
    for k, ts in times.items():
        print(f"{k:<16}{statistics.median(ts):>10.1f}{quantile(ts, 0.9):>10.1f}{min(ts):>10.1f}{max(ts):>10.1f}   "
              + " ".join(f"{t:.0f}" for t in ts))


if __name__ == "__main__":
    main()
