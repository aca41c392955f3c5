"""Compute speed of gokernel's compiled tier against its interpreter, `go run` and ipykernel.

Usage: python scripts/bench_compiled.py [--rounds N]   (scripts/bench-compiled.sh sets it up)

Through jupyter_client, one kernel per configuration: gokernel with
GOKERNEL_COMPILE=auto (declaration cells compiled), gokernel with
GOKERNEL_COMPILE=off (yaegi), ipykernel. Each figure is the median cell
round trip (execute_interactive) over N rounds; `go run` figures are the
same computations timed inside a compiled program (time.Since), so they
exclude go run's own build.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel

FIB_GO = "func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}"
LOOP_GO = "func loop(n int) float64 {\n\ts := 0.0\n\tfor i := 0; i < n; i++ {\n\t\ts += float64(i) * 0.5\n\t}\n\treturn s\n}"
# The same loop at the top level of a cell (a statement cell): compiled, it
# includes its own go build, so its peer is go run's wall time.
TOP_GO = "s := 0.0\nfor i := 0; i < 10000000; i++ {\n\ts += float64(i) * 0.5\n}\ns"
TOP_PY = "s = 0.0\nfor i in range(10000000):\n    s += i * 0.5\ns"
FIB_PY = "def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)"
LOOP_PY = "def loop(n):\n    s = 0.0\n    for i in range(n):\n        s += i * 0.5\n    return s"


def run(kc, code, timeout=600):
    """Runs code and returns (seconds, text/plain result or error)."""
    out = {}

    def hook(msg):
        t = msg["header"]["msg_type"]
        if t == "execute_result":
            out["value"] = msg["content"]["data"].get("text/plain")
        elif t == "error":
            out["value"] = "ERROR " + msg["content"]["ename"] + ": " + msg["content"]["evalue"]
        elif t == "stream":
            out.setdefault("stream", "")
            out["stream"] += msg["content"]["text"]

    t0 = time.perf_counter()
    kc.execute_interactive(code, output_hook=hook, timeout=timeout)
    return time.perf_counter() - t0, out.get("value"), out.get("stream", "")


def go_kernel(mode):
    env = dict(os.environ, GOKERNEL_COMPILE=mode)
    km, kc = start_new_kernel(kernel_name="gokernel", env=env)
    return km, kc


def wait_warm(kc):
    """Waits until %go reports the compiled tier warm."""
    deadline = time.time() + 600
    while time.time() < deadline:
        _, v, _ = run(kc, "%go")
        if v and "build cache: warm\n" in v:
            return v
        if v and "compiled cells: off" in v and "starting" not in v:
            sys.exit("compiled tier unavailable:\n" + v)
        time.sleep(1)
    sys.exit("compiled tier did not warm up in 10 minutes")


def go_run_wall(rounds, edited):
    """Wall time of `go run` of a program whose main is the top-level loop,
    warm build cache. go run (Go 1.24+) caches the linked binary: the same
    program again runs the cached one; an edited program (a comment that
    changes each round, as a user's edit does) is compiled and linked."""
    src = "package main\n\nimport \"fmt\"\n\nfunc main() {\n%s\n\tfmt.Println(s)\n}\n" % "\n".join(
        "\t" + l for l in TOP_GO.splitlines()[:-1])
    out = []
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "main.go")
        with open(p, "w") as f:
            f.write(src)
        subprocess.run(["go", "run", p], capture_output=True, text=True, check=True)  # warm
        for r in range(rounds):
            if edited:
                with open(p, "w") as f:
                    f.write(src + "\n// edit %d %f\n" % (r, time.time()))
            t0 = time.perf_counter()
            subprocess.run(["go", "run", p], capture_output=True, text=True, check=True)
            out.append(time.perf_counter() - t0)
    return out


def go_run(rounds):
    src = """package main

import (
	"fmt"
	"time"
)

%s

%s

func main() {
	for r := 0; r < %d; r++ {
		t0 := time.Now()
		v := fib(30)
		d1 := time.Since(t0)
		t0 = time.Now()
		s := loop(10000000)
		d2 := time.Since(t0)
		fmt.Println(d1.Seconds(), d2.Seconds(), v, s)
	}
}
""" % (FIB_GO, LOOP_GO, rounds)
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "main.go")
        with open(p, "w") as f:
            f.write(src)
        out = subprocess.run(["go", "run", p], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.strip().splitlines()]
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--compiles", type=int, default=9)
    args = ap.parse_args()
    res = {}

    km, kc = go_kernel("auto")
    try:
        status = wait_warm(kc)
        print(status)
        print()
        rss_fn = ('import "os"\nimport "strings"\nimport "strconv"\n'
                  'func rssKB() int {\n\tb, _ := os.ReadFile("/proc/self/status")\n'
                  '\tfor _, l := range strings.Split(string(b), "\\n") {\n'
                  '\t\tif f := strings.Fields(l); len(f) > 1 && f[0] == "VmRSS:" {\n'
                  '\t\t\tn, _ := strconv.Atoi(f[1])\n\t\t\treturn n\n\t\t}\n\t}\n\treturn 0\n}')
        _, v, _ = run(kc, rss_fn)
        if v is not None:
            sys.exit("rss cell failed: %s" % v)
        _, rss0, _ = run(kc, "rssKB()")
        # Declaration cells through the compiler, warm: each is a new package.
        comp = []
        for i in range(args.compiles):
            dt, v, _ = run(kc, "func sq%d(x int) int { return x * x }" % i)
            if v is not None:
                sys.exit("compile cell failed: %s" % v)
            comp.append(dt)
        res["declaration cell, compiled (warm go build)"] = ("%.0f ms" % (1000 * statistics.median(comp)), "median of %d" % len(comp))
        _, rss1, _ = run(kc, "rssKB()")
        res["RSS growth per compiled cell (interpreter process)"] = ("%.0f KiB" % ((int(rss1) - int(rss0)) / len(comp)), "%s -> %s KiB over %d cells" % (rss0, rss1, len(comp)))
        _, v, _ = run(kc, "%go")
        for line in v.splitlines():
            if "median go build" in line:
                res["go build per cell, median (wall and CPU)"] = (line.split("median go build ")[1], "from %go")
        for code in (FIB_GO, LOOP_GO):
            _, v, _ = run(kc, code)
            if v is not None:
                sys.exit("cell failed: %s" % v)
        _, v, _ = run(kc, "%go")
        if "fib" not in v or "loop" not in v:
            sys.exit("fib and loop were not compiled:\n" + v)
        res["gokernel compiled fib(30)"] = [run(kc, "fib(30)")[0] for _ in range(args.rounds)]
        # The call alone, timed inside the kernel (as go run's figures
        # are timed inside the program): the compiled code's own speed.
        run(kc, 'import "time"')
        res["gokernel compiled fib(30) (in-kernel time)"] = [
            float(run(kc, "t0 := time.Now()\n_ = fib(30)\ntime.Since(t0).Seconds()")[1]) for _ in range(args.rounds)]
        res["gokernel compiled loop(1e7) (in-kernel time)"] = [
            float(run(kc, "t0 := time.Now()\n_ = loop(10000000)\ntime.Since(t0).Seconds()")[1]) for _ in range(args.rounds)]
        res["gokernel compiled loop(1e7)"] = [run(kc, "loop(10000000)")[0] for _ in range(args.rounds)]
        res["gokernel trivial cell (compiled mode)"] = [run(kc, "1")[0] for _ in range(50)]
        # Edited each round (a comment), so each is built; then the same
        # cell again, which runs its plugin again.
        res["gokernel top-level loop(1e7) cell, edited (with its go build)"] = [
            run(kc, TOP_GO.replace("s := 0.0", "s := 0.0 // edit %d %f" % (r, time.time())))[0] for r in range(args.rounds)]
        run(kc, TOP_GO)
        res["gokernel top-level loop(1e7) cell, run again unchanged"] = [run(kc, TOP_GO)[0] for _ in range(args.rounds)]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    km, kc = go_kernel("off")
    try:
        for code in (FIB_GO, LOOP_GO):
            run(kc, code)
        res["gokernel interpreted fib(30)"] = [run(kc, "fib(30)")[0] for _ in range(min(args.rounds, 3))]
        res["gokernel interpreted loop(1e7)"] = [run(kc, "loop(10000000)")[0] for _ in range(min(args.rounds, 3))]
        res["gokernel trivial cell (GOKERNEL_COMPILE=off)"] = [run(kc, "1")[0] for _ in range(50)]
        res["gokernel top-level loop(1e7) cell, interpreted"] = [run(kc, TOP_GO)[0] for _ in range(min(args.rounds, 3))]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        for code in (FIB_PY, LOOP_PY):
            run(kc, code)
        res["ipykernel fib(30)"] = [run(kc, "fib(30)")[0] for _ in range(min(args.rounds, 3))]
        res["ipykernel loop(1e7)"] = [run(kc, "loop(10000000)")[0] for _ in range(min(args.rounds, 3))]
        res["ipykernel top-level loop(1e7) cell"] = [run(kc, TOP_PY)[0] for _ in range(min(args.rounds, 3))]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)

    f, l = go_run(args.rounds)
    res["go run fib(30) (in-program time)"] = f
    res["go run loop(1e7) (in-program time)"] = l
    res["go run of the top-level loop program, edited, wall (with its build)"] = go_run_wall(args.rounds, True)
    res["go run of the same program again, wall (cached binary)"] = go_run_wall(args.rounds, False)

    print("%-48s %12s" % ("metric", "median"))
    for k, v in res.items():
        if isinstance(v, tuple):
            print("%-48s %12s  (%s)" % (k, v[0], v[1]))
        else:
            print("%-48s %9.1f ms  (n=%d)" % (k, 1000 * statistics.median(v), len(v)))


if __name__ == "__main__":
    main()
