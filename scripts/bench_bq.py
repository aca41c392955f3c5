"""Benchmark large %bq results against the BigQuery emulator, side by side
for each kernelspec given (e.g. this build and an older one).

usage: bench_bq.py [--rows N,N] [--modes --out,--csv,table] KERNEL [KERNEL ...]

For each row count and kernel, in a fresh kernel each time: `%%bq --out`
(rows kept as data), `%%bq --csv` (rows streamed to a file) and the time
until the first table (`%%bq` showing 20 rows). Prints wall seconds,
rows/s, the RSS growth of the kernel's process tree (measured at idle, 2 s
after the cell) and that growth per row and as a multiple of the raw
column data: 8 (INT64) + 8 (FLOAT64) + len(STRING) + 1 (BOOL) + 4 (DATE)
bytes a row, as the Arrow buffers would hold it without offsets or
validity bits.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench import tree_rss_kib  # noqa: E402
from test_bq import Emulator  # noqa: E402

SQL = ("SELECT x AS id, x * 0.5 AS f, CONCAT('s', CAST(x AS STRING)) AS s, MOD(x, 2) = 0 AS b, "
       "DATE_ADD(DATE '2024-01-01', INTERVAL MOD(x, 365) DAY) AS d FROM UNNEST(GENERATE_ARRAY(1, {n})) AS x")


def raw_bytes(n):
    strings = sum(len(f"s{x}") for x in range(1, n + 1))
    return n * (8 + 8 + 1 + 4) + strings


def run(kc, code, timeout=3600):
    """Run code; return (seconds until the reply, seconds until the first
    execute_result or None)."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    first = None
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_result" and first is None:
            first = time.perf_counter() - t0
        if msg["msg_type"] == "error":
            raise RuntimeError(f"{code!r}: {msg['content']['ename']}: {msg['content']['evalue']}")
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    assert reply["content"]["status"] == "ok", reply["content"]
    return time.perf_counter() - t0, first


def one(kernel, emu, mode, n, tmp):
    env = dict(os.environ, GOKERNEL_BIGQUERY_ENDPOINT=emu.url, GOOGLE_CLOUD_PROJECT="test",
               XDG_CONFIG_HOME=str(tmp))
    km = KernelManager(kernel_name=kernel)
    km.start_kernel(env=env, stderr=open(os.devnull, "wb"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        run(kc, "%bq SELECT 1")  # the client and its connections exist
        time.sleep(2)
        pid = km.provisioner.process.pid
        before = tree_rss_kib(pid)
        sql = SQL.format(n=n)
        if mode == "--out":
            wall, first = run(kc, f"%%bq --out big --quiet\n{sql}")
            # The rows are there and typed: the last id is n.
            run(kc, f"if big.TotalRows != {n} {{ panic(big.TotalRows) }}")
        elif mode == "--csv":
            wall, first = run(kc, f"%%bq --csv {tmp}/big.csv --quiet\n{sql}")
        else:
            wall, first = run(kc, f"%%bq --max-rows 20\n{sql}")
        time.sleep(2)
        grown = (tree_rss_kib(pid) - before) * 1024
        return wall, first, grown
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--modes", default="--out,--csv,table")
    ap.add_argument("kernels", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        emu = Emulator(tmp)
        try:
            print(f"{'rows':>9} {'mode':<8} {'kernel':<14} {'seconds':>8} {'rows/s':>9} {'first table s':>13} {'RSS growth MB':>13} {'B/row':>6} {'× raw':>6}")
            for n in (int(x) for x in args.rows.split(",")):
                raw = raw_bytes(n)
                for mode in args.modes.split(","):
                    for k in args.kernels:
                        wall, first, grown = one(k, emu, mode, n, tmp)
                        rate = n / wall if mode != "table" else float("nan")
                        print(f"{n:>9} {mode:<8} {k:<14} {wall:8.1f} {rate:9.0f} "
                              f"{(first if first is not None else float('nan')):13.2f} {grown / 2**20:13.1f} "
                              f"{grown / n:6.0f} {grown / raw:6.2f}", flush=True)
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
