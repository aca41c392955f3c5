"""Any Go module in a running notebook (docs/modules.md), through real kernels
and the real module proxy of `go env`: a cell's import fetches, builds and
loads the module with earlier cells' values kept; %go get and %go mod; the
kernel's own versions win; interrupt; unknown modules; the notebook's
.gokernel/go.mod pins versions for Run All elsewhere; a second kernel reuses
the build cache.
"""
import os
import shutil
import signal
import tempfile
import time

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

from conftest import KERNEL, collect, get_reply, result_of, run, stdout_of

BUILD_TIMEOUT = 600  # a cold build cache compiles the standard library for plugins


def start(cwd, **env):
    e = dict(os.environ, **env)
    return start_new_kernel(kernel_name=KERNEL, startup_timeout=60, cwd=str(cwd), env=e)


@pytest.fixture(scope="module")
def nbdir():
    d = tempfile.mkdtemp(prefix="gk-modules-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def mkernel(nbdir):
    km, kc = start(nbdir)
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def displays(out):
    """The text of every display_data and update_display_data, in order."""
    return [m["content"]["data"].get("text/plain", "") for m in out
            if m["msg_type"] in ("display_data", "update_display_data")]


def ok(reply):
    assert reply["content"]["status"] == "ok", reply["content"].get("evalue")


def test_import_uuid_keeps_state_and_pins(mkernel, nbdir):
    _, kc = mkernel
    ok(run(kc, "x := 41")[0])
    reply, out = run(kc, 'import "github.com/google/uuid"\n'
                         'u := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")\n'
                         'fmt.Println(u, u.Version(), x+1)', timeout=BUILD_TIMEOUT)
    ok(reply)
    # uuid.UUID and uuid.Version carry String methods: compiled values used
    # from interpreted code print through them.
    assert stdout_of(out) == "6ba7b810-9dad-11d1-80b4-00c04fd430c8 VERSION_1 42\n"
    shown = displays(out)
    assert shown[0].startswith("Go modules for github.com/google/uuid: resolving")
    assert "loaded github.com/google/uuid v1.6.0" in shown[-1]
    with open(os.path.join(nbdir, ".gokernel", "go.mod")) as f:
        assert "github.com/google/uuid v1.6.0" in f.read()
    _, out = run(kc, "uuid.NewString() != uuid.NewString()")
    assert result_of(out) == "true"
    _, out = run(kc, "%go mod")
    text = result_of(out)
    assert os.path.join(nbdir, ".gokernel", "go.mod") in text
    assert "github.com/google/uuid v1.6.0 (loaded; linked into the kernel)" in text


def test_kernel_version_wins_for_shared_dependency(mkernel):
    # pgzip v1.3.0 (latest) requires klauspost/compress v1.20.3; the kernel
    # links v1.18.7, whose packages the plugin must share: the kernel's
    # version is kept and pgzip goes down to its newest version that works.
    _, kc = mkernel
    reply, out = run(kc, 'import (\n\t"bytes"\n\t"io"\n\t"github.com/klauspost/pgzip"\n)\n'
                         'var buf bytes.Buffer\nw := pgzip.NewWriter(&buf)\nw.Write([]byte("hello pgzip"))\nw.Close()\n'
                         'r, _ := pgzip.NewReader(&buf)\nb, _ := io.ReadAll(r)\nstring(b)', timeout=BUILD_TIMEOUT)
    ok(reply)
    assert result_of(out) == '"hello pgzip"'
    note = displays(out)[-1]
    assert "loaded github.com/klauspost/pgzip v1.2.6" in note
    assert "github.com/klauspost/pgzip v1.3.0 needs github.com/klauspost/compress v1.20.3, but this process has v1.18.7" in note
    assert "using github.com/klauspost/pgzip v1.2.6, not v1.3.0" in note
    # A module that needs an older version than the kernel's (gorilla/handlers
    # v1.5.2: felixge/httpsnoop v1.0.3; the kernel links v1.0.4) simply gets
    # the kernel's, which its package shares.
    reply, out = run(kc, 'import "github.com/gorilla/handlers"\nfmt.Sprintf("%T", handlers.CompressHandler)', timeout=BUILD_TIMEOUT)
    ok(reply)
    assert result_of(out) == '"func(http.Handler) http.Handler"'
    _, out = run(kc, "%go mod")
    text = result_of(out)
    assert "github.com/klauspost/pgzip v1.2.6 (loaded)" in text
    assert "github.com/gorilla/handlers v1.5.2 (loaded)" in text


def test_explicit_version_of_kernel_module_is_refused(mkernel):
    _, kc = mkernel
    reply, _ = run(kc, "%go get github.com/google/uuid@v1.5.0")
    assert reply["content"]["status"] == "error"
    ev = reply["content"]["evalue"]
    assert "the kernel links github.com/google/uuid v1.6.0" in ev
    assert "gokernel build --with github.com/google/uuid@v1.5.0" in ev


def test_go_get_pins_and_upgrade_of_loaded_needs_restart(mkernel, nbdir):
    _, kc = mkernel
    reply, out = run(kc, "%go get github.com/samber/lo@v1.52.0", timeout=BUILD_TIMEOUT)
    ok(reply)
    assert result_of(out) == "github.com/samber/lo v1.52.0 added: the next import of its packages uses it"
    reply, out = run(kc, 'import "github.com/samber/lo"\nlo.Uniq([]int{1, 1, 2})', timeout=BUILD_TIMEOUT)
    # lo is all generics: the interpreter cannot instantiate them and
    # refuses the cell before running it, so the compiled tier (on by
    # default) runs it.
    ok(reply)
    assert result_of(out) == "[1 2]", out
    assert any("loaded github.com/samber/lo v1.52.0" in d for d in displays(out)), displays(out)
    reply, out = run(kc, "%go get github.com/samber/lo@latest", timeout=BUILD_TIMEOUT)
    ok(reply)
    text = result_of(out)
    assert "v1.52.0 is loaded in this session and its code cannot be replaced in a running process" in text
    assert "restart the kernel" in text
    _, out = run(kc, "%go mod")
    assert "github.com/samber/lo v1.52.0 (loaded; go.mod says v1.53.0: a restart applies it)" in result_of(out)
    with open(os.path.join(nbdir, ".gokernel", "go.mod")) as f:
        assert "github.com/samber/lo v1.53.0" in f.read()


def test_unknown_module_and_bad_version_keep_the_session(mkernel):
    _, kc = mkernel
    ok(run(kc, "kept := 7")[0])
    reply, _ = run(kc, 'import "github.com/gokernel-tests-nonexistent/nothing"', timeout=120)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "ModuleError"
    assert "no such module or version on the module proxy" in reply["content"]["evalue"]
    reply, _ = run(kc, "%go get github.com/google/uuid@v9.9.9", timeout=120)
    assert reply["content"]["status"] == "error"
    assert "v9.9.9" in reply["content"]["evalue"]
    reply, _ = run(kc, "%go get not a module", timeout=120)
    assert reply["content"]["status"] == "error"
    _, out = run(kc, "kept * 6")
    assert result_of(out) == "42"


def test_compiled_cells_call_generic_module_code(nbdir):
    km, kc = start(nbdir, GOKERNEL_COMPILE="auto")
    try:
        # Asked for explicitly, a version that needs a newer module than the
        # kernel's is a clear error naming both versions and what to do.
        reply, _ = run(kc, "%go get github.com/klauspost/pgzip@v1.3.0", timeout=BUILD_TIMEOUT)
        assert reply["content"]["status"] == "error"
        ev = reply["content"]["evalue"]
        assert "github.com/klauspost/pgzip v1.3.0 needs github.com/klauspost/compress v1.20.3, but the kernel links github.com/klauspost/compress v1.18.7" in ev, ev
        assert "gokernel build --with" in ev
        ok(run(kc, 'import "github.com/samber/lo"', timeout=BUILD_TIMEOUT)[0])
        ok(run(kc, "func uniq(xs []int) []int { return lo.Uniq(xs) }", timeout=BUILD_TIMEOUT)[0])
        _, out = run(kc, "%go")
        assert "compiled names: uniq" in result_of(out)
        _, out = run(kc, "uniq([]int{3, 3, 1})")
        assert result_of(out) == "[3 1]"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_run_all_elsewhere_gets_the_pinned_version(nbdir):
    # The notebook's directory keeps .gokernel/go.mod; a copy of both files
    # in a fresh directory gives Run All there the pinned version, not latest.
    src = tempfile.mkdtemp(prefix="gk-pin-src-")
    dst = tempfile.mkdtemp(prefix="gk-pin-dst-")
    try:
        km, kc = start(src)
        try:
            ok(run(kc, "%go get github.com/samber/lo@v1.51.0", timeout=BUILD_TIMEOUT)[0])
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        os.makedirs(os.path.join(dst, ".gokernel"))
        for f in ("go.mod", "go.sum"):
            shutil.copy(os.path.join(src, ".gokernel", f), os.path.join(dst, ".gokernel", f))
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Go", "language": "go"}
        nb.cells = [nbformat.v4.new_code_cell('import "github.com/samber/lo"'), nbformat.v4.new_code_cell("%go mod")]
        path = os.path.join(dst, "pinned.ipynb")
        nbformat.write(nb, path)
        NotebookClient(nb, timeout=BUILD_TIMEOUT, kernel_name=KERNEL, resources={"metadata": {"path": dst}}).execute()
        text = nb.cells[1].outputs[0]["data"]["text/plain"]
        assert "github.com/samber/lo v1.51.0 (loaded)" in text, text
        assert os.path.join(dst, ".gokernel", "go.mod") in text
    finally:
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(dst, ignore_errors=True)


def test_interrupt_during_fetch_then_import_works(nbdir):
    # An empty module cache: the fetch downloads for seconds.
    cache = tempfile.mkdtemp(prefix="gk-modcache-")
    try:
        km, kc = start(nbdir, GOMODCACHE=cache, GOFLAGS="-modcacherw")
        try:
            ok(run(kc, "y := 5")[0])
            msg_id = kc.execute('import "github.com/google/uuid"')
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                m = kc.get_iopub_msg(timeout=60)
                if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "update_display_data":
                    break
            time.sleep(0.3)
            t0 = time.monotonic()
            km.signal_kernel(signal.SIGINT)
            reply = get_reply(kc, msg_id, timeout=10)
            assert time.monotonic() - t0 < 5
            assert reply["content"]["ename"] == "Interrupted", reply["content"]
            _, out = run(kc, "y * 2")
            assert result_of(out) == "10"
            reply, out = run(kc, 'import "github.com/google/uuid"\nuuid.Nil.String()', timeout=BUILD_TIMEOUT)
            ok(reply)
            assert result_of(out) == '"00000000-0000-0000-0000-000000000000"'
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_second_kernel_reuses_the_build_cache(nbdir):
    # Cold: empty Go build and module caches; warm: a second kernel on them.
    caches = tempfile.mkdtemp(prefix="gk-caches-")
    env = dict(GOCACHE=os.path.join(caches, "build"), GOMODCACHE=os.path.join(caches, "mod"), GOFLAGS="-modcacherw")
    took = []
    try:
        for _ in range(2):
            d = tempfile.mkdtemp(dir=caches)
            km, kc = start(d, **env)
            try:
                t0 = time.monotonic()
                reply, out = run(kc, 'import "github.com/google/uuid"\nuuid.Nil.String()', timeout=BUILD_TIMEOUT)
                took.append(time.monotonic() - t0)
                ok(reply)
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
        print("import github.com/google/uuid: cold %.1f s, warm %.1f s" % tuple(took))
        assert took[1] < took[0] / 2, took
    finally:
        shutil.rmtree(caches, ignore_errors=True)
