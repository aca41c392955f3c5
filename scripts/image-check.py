"""Checks a running JupyterLab from the gokernel image over its REST and
websocket API, as a browser would (scripts/image-test.sh starts the server).

    python image-check.py URL TOKEN [--compiled]

URL is http://127.0.0.1:PORT. Exits non-zero with the reason on the first
failed check; prints one line per check with its wall time.
"""
import json
import re
import sys
import time
import urllib.request
import uuid

import websocket  # websocket-client, a dependency of jupyter_server

NOTEBOOK_HOME = "/home/jovyan"
NOTEBOOK_UID = "1000"


def fail(msg):
    print(f"image-check: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def http(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, resp.read().decode()


class Kernel:
    """One kernel session over /api/kernels/ID/channels (legacy JSON frames)."""

    def __init__(self, base, token, kernel_id):
        ws_url = base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?token={token}"
        self.ws = websocket.create_connection(ws_url, timeout=180)
        self.session = uuid.uuid4().hex

    def execute(self, code, timeout=180):
        """Runs code; returns (reply content, text of stream/result/error outputs)."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "image-check", "session": self.session,
                       "msg_type": "execute_request", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        reply, idle, out = None, False, []
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            if time.monotonic() > deadline:
                fail(f"no reply to {code!r} within {timeout} s (outputs so far: {out})")
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if msg["channel"] == "shell" and kind == "execute_reply":
                reply = content
            elif kind == "stream":
                out.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                out.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                out.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return reply, "".join(out)

    def close(self):
        self.ws.close()


def timed(name, fn):
    t0 = time.monotonic()
    detail = fn()
    print(f"image-check: ok   {time.monotonic() - t0:6.1f} s  {name}{': ' + detail if detail else ''}")


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    compiled = "--compiled" in sys.argv[3:]
    state = {}

    def status():
        code, body = http(base, token, "GET", "/api/status")
        if code != 200 or "started" not in json.loads(body):
            fail(f"/api/status: {code} {body[:200]}")
        return body.strip()[:120]

    def lab():
        code, body = http(base, token, "GET", "/lab")
        if code != 200 or "JupyterLab" not in body:
            fail(f"/lab: {code}, no JupyterLab page")
        return f"{len(body)} bytes of JupyterLab page"

    def kernelspec():
        _, body = http(base, token, "GET", "/api/kernelspecs")
        specs = json.loads(body)["kernelspecs"]
        if "gokernel" not in specs:
            fail(f"no gokernel kernelspec, only {sorted(specs)}")
        spec = specs["gokernel"]["spec"]
        if spec["display_name"] != "Go" or spec["argv"][0] != "/usr/local/bin/gokernel":
            fail(f"unexpected gokernel spec {spec}")
        return f"Go -> {spec['argv'][0]} (resources {specs['gokernel']['resources']})"

    def start():
        code, body = http(base, token, "POST", "/api/kernels", {"name": "gokernel"})
        if code != 201:
            fail(f"POST /api/kernels: {code} {body[:200]}")
        state["id"] = json.loads(body)["id"]
        state["k"] = Kernel(base, token, state["id"])
        return state["id"]

    def cell():
        reply, out = state["k"].execute("x := 20\nx*2 + 2")
        if reply["status"] != "ok" or out.strip() != "42":
            fail(f"cell x*2+2: {reply['status']} {out!r}")
        return f"x*2 + 2 -> {out.strip()}"

    def user():
        # From the cell's process up to the Jupyter server (the process named jupyter-lab):
        # every process runs as the notebook user.
        code = r'''
import ("fmt"; "os"; "strings")
func procInfo(pid int) (name, uid, ppid string) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 { continue }
		switch f[0] {
		case "Name:": name = f[1]
		case "Uid:": uid = strings.Join(f[1:], ",")
		case "PPid:": ppid = f[1]
		}
	}
	return
}
fmt.Println("getuid", os.Getuid(), os.Geteuid(), "HOME", os.Getenv("HOME"))
pid := os.Getpid()
for i := 0; i < 6 && pid > 1; i++ {
	name, uid, ppid := procInfo(pid)
	server := strings.HasPrefix(name, "jupyter")
	fmt.Println("proc", pid, name, uid, server)
	if server { break }
	fmt.Sscan(ppid, &pid)
}
'''
        reply, out = state["k"].execute(code)
        if reply["status"] != "ok":
            fail(f"uid cell: {out}")
        lines = out.strip().splitlines()
        if not lines or lines[0].split() != ["getuid", NOTEBOOK_UID, NOTEBOOK_UID, "HOME", NOTEBOOK_HOME]:
            fail(f"the cell does not run as {NOTEBOOK_UID} with HOME {NOTEBOOK_HOME}: {out!r}")
        procs = [l.split() for l in lines[1:]]
        if any(len(p) != 5 or p[0] != "proc" for p in procs):
            fail(f"unexpected process lines: {out!r}")
        if not procs or procs[-1][4] != "true":
            fail(f"did not reach the Jupyter server walking up from the cell: {out}")
        for p in procs:
            if p[3] != ",".join([NOTEBOOK_UID] * 4):
                fail(f"process {p[1]} {p[2]} runs as uids {p[3]}, not {NOTEBOOK_UID}: {out}")
        return " <- ".join(f"{p[2]}({p[3].split(',')[0]})" for p in procs)

    def auth():
        reply, out = state["k"].execute("%auth status")
        want = f"{NOTEBOOK_HOME}/.config/gokernel"
        if want not in out:
            fail(f"%auth status does not mention {want}: {reply['status']} {out!r}")
        line = next(l for l in out.splitlines() if want in l)
        return line.strip()

    def compiled_cell():
        # The server runs with GOKERNEL_COMPILE=auto (image-test.sh): a function declaration
        # cell is built with go build -buildmode=plugin and loaded into the kernel.
        reply, out = state["k"].execute("%go")
        if reply["status"] != "ok" or "compiled cells: on" not in out:
            fail(f"%go does not report compiled cells on: {out!r}")
        reply, out = state["k"].execute(
            "func fibC(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fibC(n-1) + fibC(n-2)\n}", timeout=600)
        if reply["status"] != "ok":
            fail(f"compiled declaration cell: {out!r}")
        reply, out = state["k"].execute("fibC(27)")
        if reply["status"] != "ok" or out.strip() != "196418":
            fail(f"fibC(27): {reply['status']} {out!r}")
        _, report = state["k"].execute("%go")
        m = re.search(r"build directory: (\S+)", report)
        if not m:
            fail(f"%go names no build directory: {report!r}")
        # The declaration became a plugin in the session's build directory.
        reply, out = state["k"].execute(
            'import "path/filepath"\n'
            f'sos, _ := filepath.Glob(filepath.Join({json.dumps(m.group(1))}, "*", "*.so"))\n'
            f'more, _ := filepath.Glob(filepath.Join({json.dumps(m.group(1))}, "*.so"))\n'
            'len(sos) + len(more)')
        if reply["status"] != "ok" or not out.strip().isdigit() or int(out.strip()) < 1:
            fail(f"no plugin (.so) in {m.group(1)}: {out!r}")
        return f"fibC(27) = 196418; {out.strip()} plugin(s) in {m.group(1)}; %go: " + " | ".join(
            l.strip() for l in report.strip().splitlines()[:2])

    timed("GET /api/status", status)
    timed("GET /lab", lab)
    timed("gokernel kernelspec listed", kernelspec)
    timed("POST /api/kernels gokernel", start)
    timed("cell runs through the server's websocket", cell)
    timed("cell to server run as the notebook user", user)
    timed("%auth status finds the config directory", auth)
    if compiled:
        timed("compiled cell (plugin) through the kernel", compiled_cell)
    state["k"].close()
    code, _ = http(base, token, "DELETE", f"/api/kernels/{state['id']}")
    if code != 204:
        fail(f"DELETE kernel: {code}")


if __name__ == "__main__":
    main()
