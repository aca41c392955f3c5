"""`pip install gokernel`: the platform wheel from scripts/build-wheel.py,
installed into a fresh virtual environment that has JupyterLab.

In order: the wheel's metadata (RECORD hashes and sizes, WHEEL tags, exec
bits) and check-wheel-contents / twine check / auditwheel show; pip install;
`jupyter kernelspec list` finds it in the venv's share/jupyter; `gokernel` is
on the venv's PATH; a notebook runs through nbclient; a `pip install --prefix`
elsewhere, found through JUPYTER_PATH, still starts (kernel.json uses
{resource_dir}, not {prefix}); JupyterLab's launcher shows "Go" and starts it
(tests/browser/wheel.test.js in Debian's Chromium); pip uninstall removes it.

The venvs are cached under .cache/ keyed by their requirements (a cold
create downloads JupyterLab from PyPI once); every run uninstalls any
leftover gokernel first, so each starts from a venv without it.
GOKERNEL_WHEEL names a prebuilt wheel; otherwise the test builds one.
"""
import base64
import csv
import hashlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, ".cache")
PY = os.environ.get("GOKERNEL_WHEEL_PYTHON", "python3")  # the system Python a user has
JUPYTER_REQS = ["jupyterlab>=4.2", "nbclient>=0.10", "nbformat>=5.10", "jupyter_client>=8.6"]
TOOL_REQS = ["check-wheel-contents>=0.6", "twine>=6", "auditwheel>=6", "packaging>=24"]
SPEC_FILES = {"kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg", "gokernel"}


def sh(cmd, **kw):
    """Run cmd, fail the test with its output if it fails; returns stdout
    and stderr together."""
    kw.setdefault("timeout", 600)
    p = subprocess.run(cmd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if p.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout[-6000:]}")
    return p.stdout


def sh_json(cmd, **kw):
    """Run cmd and parse its stdout as JSON (stderr: the kernel's log)."""
    kw.setdefault("timeout", 600)
    p = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if p.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout[-3000:]}\n{p.stderr[-6000:]}")
    return json.loads(p.stdout)


def cached_venv(kind, reqs):
    """A venv made by `python3 -m venv` with reqs from PyPI, reused while
    reqs and the Python stay the same."""
    key = hashlib.sha256(json.dumps([sys.version, sh([PY, "--version"]), sorted(reqs)]).encode()).hexdigest()[:12]
    path = os.path.join(CACHE, f"wheel-{kind}-{key}")
    if not os.path.exists(os.path.join(path, ".complete")):
        shutil.rmtree(path, ignore_errors=True)
        sh([PY, "-m", "venv", path])
        sh([f"{path}/bin/pip", "install", "-q", "--disable-pip-version-check", *reqs], timeout=1200)
        open(os.path.join(path, ".complete"), "w").close()
    return path


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def wheel():
    if os.environ.get("GOKERNEL_WHEEL"):
        return os.path.abspath(os.environ["GOKERNEL_WHEEL"])
    out = sh([sys.executable, os.path.join(ROOT, "scripts", "build-wheel.py"), "--out", os.path.join(CACHE, "wheel-dist")],
             timeout=1800)
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def tools():
    return cached_venv("tools", TOOL_REQS)


@pytest.fixture(scope="module")
def venv():
    """The JupyterLab venv, without gokernel to start with."""
    path = cached_venv("jupyterlab", JUPYTER_REQS)
    sh([f"{path}/bin/pip", "uninstall", "-y", "-q", "gokernel"])  # a leftover from an interrupted run
    assert not os.path.exists(os.path.join(path, "share", "jupyter", "kernels", "gokernel"))
    return path


@pytest.fixture(scope="module")
def scratch():
    """A private temporary directory (pytest's own basetemp is pruned by
    other pytest runs of the same user on a shared machine)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="gokernel-wheel-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def env(venv, scratch):
    """The environment of a user of that venv: its bin/ on PATH, and Jupyter
    paths that contain nothing but the venv's own (no user-wide kernelspec
    can stand in for the wheel's)."""
    home = scratch / "jupyter-home"
    e = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV", "PYTHON", "GOKERNEL_"))}
    e.update(
        PATH=f"{venv}/bin:" + e.get("PATH", ""),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_PATH="",
        JUPYTER_PLATFORM_DIRS="1",
    )
    return e


def read_wheel(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.external_attr >> 16) for i in z.infolist()}


def test_wheel_metadata(wheel):
    name = os.path.basename(wheel)
    dist, version, py, abi, plat = name[: -len(".whl")].split("-")
    assert (dist, py, abi) == ("gokernel", "py3", "none")
    assert plat.startswith("manylinux_2_") and plat.endswith("_x86_64"), plat
    files = read_wheel(wheel)
    di, data = f"gokernel-{version}.dist-info", f"gokernel-{version}.data"

    wheel_meta = files[f"{di}/WHEEL"][0].decode()
    assert "Root-Is-Purelib: false\n" in wheel_meta
    assert f"Tag: {py}-{abi}-{plat}\n" in wheel_meta
    meta = files[f"{di}/METADATA"][0].decode()
    assert f"\nName: gokernel\nVersion: {version}\n" in meta

    # RECORD lists every other file once with its sha256 and size.
    rows = list(csv.reader(io.StringIO(files[f"{di}/RECORD"][0].decode())))
    assert rows[-1] == [f"{di}/RECORD", "", ""]
    listed = {r[0]: r[1:] for r in rows[:-1]}
    assert set(listed) | {f"{di}/RECORD"} == set(files)
    for path, (h, size) in listed.items():
        assert h == record_hash(files[path][0]) and int(size) == len(files[path][0]), path

    spec = f"{data}/data/share/jupyter/kernels/gokernel"
    assert {p[len(spec) + 1:] for p in files if p.startswith(spec + "/")} == SPEC_FILES
    assert files[f"{spec}/gokernel"][1] & 0o111 and files[f"{data}/scripts/gokernel"][1] & 0o111
    assert not files[f"{spec}/kernel.json"][1] & 0o111
    kj = json.loads(files[f"{spec}/kernel.json"][0])
    assert kj["argv"] == ["{resource_dir}/gokernel", "kernel", "-f", "{connection_file}"]
    assert (kj["display_name"], kj["language"], kj["interrupt_mode"]) == ("Go", "go", "message")
    assert files[f"{spec}/logo-64x64.png"][0].startswith(b"\x89PNG")


def test_wheel_validators(wheel, tools):
    """Third-party checks: the contents, the metadata PyPI would render, and
    that the platform tag is the one the binary's glibc symbols allow."""
    # W007 "Wheel library is empty": by design, the wheel installs data files
    # and a script only (no Python package to import).
    out = sh([f"{tools}/bin/check-wheel-contents", "--ignore", "W007", wheel])
    assert "OK" in out, out
    out = sh([f"{tools}/bin/twine", "check", "--strict", wheel])
    assert "PASSED" in out, out
    out = sh([f"{tools}/bin/auditwheel", "show", wheel])
    plat = os.path.basename(wheel)[: -len(".whl")].split("-")[-1]
    assert f'"{plat}"' in out, out


def test_pip_install(wheel, venv, env):
    out = sh([f"{venv}/bin/pip", "install", "--no-index", "--disable-pip-version-check", wheel], env=env)
    assert "Successfully installed gokernel" in out, out
    spec_dir = os.path.join(venv, "share", "jupyter", "kernels", "gokernel")
    assert set(os.listdir(spec_dir)) == SPEC_FILES
    assert os.access(os.path.join(spec_dir, "gokernel"), os.X_OK)


def test_gokernel_on_path(wheel, venv, env):
    version = os.path.basename(wheel).split("-")[1]
    assert shutil.which("gokernel", path=env["PATH"]) == f"{venv}/bin/gokernel"
    out = sh(["gokernel", "version"], env=env)
    from packaging.version import Version  # noqa: PLC0415 (pytest's venv has packaging)

    assert Version(out.split()[1]) == Version(version), out
    # `gokernel install --user` and friends work through the wrapper: the
    # spec they write starts the binary pip installed.
    out = sh(["gokernel", "install", "--user", "--name", "gokernel-user"], env=env)
    with open(os.path.join(env["JUPYTER_DATA_DIR"], "kernels", "gokernel-user", "kernel.json")) as f:
        argv0 = json.load(f)["argv"][0]
    assert argv0 == os.path.join(venv, "share", "jupyter", "kernels", "gokernel", "gokernel")
    sh(["gokernel", "uninstall", "--user", "--name", "gokernel-user"], env=env)
    # Installing over the pip-installed spec would delete the binary itself.
    p = subprocess.run(["gokernel", "install", "--sys-prefix"], env=dict(env, VIRTUAL_ENV=venv), text=True,
                       capture_output=True)
    assert p.returncode == 1 and "pip" in p.stderr, p.stderr
    p = subprocess.run(["gokernel", "uninstall", "--sys-prefix"], env=dict(env, VIRTUAL_ENV=venv), text=True,
                       capture_output=True)
    assert p.returncode == 1 and "pip uninstall gokernel" in p.stderr, p.stderr
    assert os.path.exists(os.path.join(venv, "share", "jupyter", "kernels", "gokernel", "gokernel"))


def test_kernelspec_list(venv, env):
    specs = sh_json([f"{venv}/bin/jupyter", "kernelspec", "list", "--json"], env=env)["kernelspecs"]
    assert "gokernel" in specs, specs
    assert specs["gokernel"]["resource_dir"] == os.path.join(venv, "share", "jupyter", "kernels", "gokernel")
    assert specs["gokernel"]["spec"]["display_name"] == "Go"


PROBE = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
from jupyter_client.manager import start_new_kernel

nb = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_code_cell('import "strings"\nx := strings.Repeat("go", 3)'),
    nbformat.v4.new_code_cell("x + \"!\""),
    nbformat.v4.new_code_cell('fmt.Println(len(x))'),
])
NotebookClient(nb, kernel_name="gokernel", timeout=120, startup_timeout=120).execute()
km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=120)
try:
    kc.kernel_info()
    info = kc.get_shell_msg(timeout=30)["content"]
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
json.dump({"cells": [c["outputs"] for c in nb.cells], "info": info}, sys.stdout)
"""


def test_notebook_runs_through_nbclient(wheel, venv, env):
    res = sh_json([f"{venv}/bin/python", "-c", PROBE], env=env)
    out = res["cells"]
    assert out[0] == [] or all(o["output_type"] != "error" for o in out[0]), out
    assert out[1][0]["data"]["text/plain"] == '"gogogo!"', out
    assert out[2][0]["text"] == "6\n", out
    info = res["info"]
    assert info["implementation"] == "gokernel" and info["language_info"]["name"] == "go", info
    from packaging.version import Version  # noqa: PLC0415

    assert Version(info["implementation_version"]) == Version(os.path.basename(wheel).split("-")[1]), info


COMPILED_PROBE = r"""
import json, os, sys, time
from jupyter_client.manager import start_new_kernel

def run(kc, code, timeout=300):
    msg_id = kc.execute(code)
    text, err = [], []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = m["msg_type"], m["content"]
        if t == "execute_result":
            text.append(c["data"]["text/plain"])
        elif t == "stream":
            text.append(c["text"])
        elif t == "error":
            err.append(c["ename"] + ": " + c["evalue"])
        elif t == "status" and c["execution_state"] == "idle":
            return "".join(text), err

res = {}
km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=120, env=dict(os.environ, GOKERNEL_COMPILE="off"))
try:
    res["default"] = run(kc, "%go")
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
env = dict(os.environ)
env.pop("GOKERNEL_COMPILE", None)
km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=120, env=env)
try:
    deadline = time.monotonic() + 600
    while True:
        status, _ = run(kc, "%go")
        if "build cache: warm" in status.splitlines() or time.monotonic() > deadline:
            break
        if "compiled cells: off" in status and "starting" not in status:
            break
        time.sleep(0.5)
    res["warm"] = status
    res["decl"] = run(kc, "func fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}", 600)
    res["status"] = run(kc, "%go")
    t0 = time.monotonic()
    res["call"] = run(kc, "fib(30)")
    res["took"] = time.monotonic() - t0
finally:
    kc.stop_channels(); km.shutdown_kernel(now=True)
json.dump(res, sys.stdout)
"""


def test_compiled_cells(venv, env):
    """With GOKERNEL_COMPILE=off the installed kernel interprets and %go says
    how to turn compiled cells on; by default (auto) and the Go it was built
    with on PATH (this machine's), a declaration cell is compiled into a
    plugin and loaded: the wheel's build flags (cgo, -trimpath, -w) allow it."""
    res = sh_json([f"{venv}/bin/python", "-c", COMPILED_PROBE], env=env, timeout=1500)
    default, err = res["default"]
    assert not err and "compiled cells: off" in default and "GOKERNEL_COMPILE=auto" in default, res["default"]
    assert "build cache: warm" in res["warm"].splitlines(), res["warm"]
    assert not res["decl"][1], res["decl"]
    assert "compiled names: fib" in res["status"][0], res["status"]
    assert res["call"] == ["832040", []], res["call"]
    assert res["took"] < 2, res


def test_prefix_install_found_through_jupyter_path(wheel, venv, env, scratch):
    """A wheel installed somewhere other than the Jupyter server's sys.prefix
    (pip --user, --prefix, another env on JUPYTER_PATH) still starts: this
    is why kernel.json says {resource_dir} and not {prefix}."""
    prefix = scratch / "elsewhere"
    sh([f"{venv}/bin/pip", "install", "--no-index", "-q", "--disable-pip-version-check",
        "--ignore-installed", "--prefix", str(prefix), wheel],
       env=env)
    e = dict(env, JUPYTER_PATH=str(prefix / "share" / "jupyter"))
    code = r"""
import json, sys
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel
d = KernelSpecManager().find_kernel_specs()
km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=120)
try:
    msg_id = kc.execute("40 + 2")
    result = None
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "execute_result":
            result = m["content"]["data"]["text/plain"]
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    cmd = km.format_kernel_cmd()
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
json.dump({"found": d.get("gokernel"), "result": result, "cmd": cmd}, sys.stdout)
"""
    res = sh_json([f"{venv}/bin/python", "-c", code], env=e)
    assert res["result"] == "42", res
    # JUPYTER_PATH comes before sys.prefix in jupyter_path(): the --prefix
    # copy is the one that ran, from its own directory.
    assert res["found"] == str(prefix / "share" / "jupyter" / "kernels" / "gokernel"), res
    assert res["cmd"][0] == str(prefix / "share" / "jupyter" / "kernels" / "gokernel" / "gokernel"), res


def test_jupyterlab_launcher_starts_it(venv, env):
    browser = os.path.join(ROOT, "tests", "browser")
    if not os.path.isdir(os.path.join(browser, "node_modules", "playwright-core")):
        sh(["npm", "ci", "--no-audit", "--no-fund"], cwd=browser, timeout=900)
    e = dict(env, JUPYTER=f"{venv}/bin/jupyter", GOKERNEL_ROOT=ROOT)
    p = subprocess.run(["node", "--test", "--test-concurrency=1", "wheel.test.js"], cwd=browser, env=e, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    assert p.returncode == 0, p.stdout[-8000:]
    assert "# pass 1" in p.stdout and "# fail 0" in p.stdout, p.stdout[-4000:]


def test_pip_uninstall_removes_it(venv, env):
    out = sh([f"{venv}/bin/pip", "uninstall", "-y", "gokernel"], env=env)
    assert "Successfully uninstalled gokernel" in out, out
    assert not os.path.exists(os.path.join(venv, "share", "jupyter", "kernels", "gokernel"))
    assert not os.path.exists(os.path.join(venv, "bin", "gokernel"))
    specs = sh_json([f"{venv}/bin/jupyter", "kernelspec", "list", "--json"], env=env)["kernelspecs"]
    assert "gokernel" not in specs, specs
