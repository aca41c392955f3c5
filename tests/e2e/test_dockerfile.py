"""The Docker image recipe, tested without a Docker engine.

The Dockerfile's install step is scripts/install-image.sh. Here it runs on
the test machine into a temporary prefix, and jupyter_client starts the
kernelspec it wrote (found through JUPYTER_PATH, as the image's Jupyter finds
<conda>/share/jupyter) and runs Go. The Dockerfile itself is parsed and
checked for the structure the image relies on.
"""
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

from conftest import result_of, run

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-image.sh"
DOCKERFILE = ROOT / "Dockerfile"
STANDIN = ROOT / "docker" / "standin"
BINARY = Path(os.environ.get("GOKERNEL_BIN", ROOT / "bin" / "gokernel"))


# ---- Dockerfile structure ----------------------------------------------


def parse_dockerfile(text):
    """Instructions as (KEYWORD, args) with continuations joined, comments dropped."""
    lines, cur = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if cur and line.lstrip().startswith("#"):
            continue  # comment inside a continued instruction
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        lines.append(cur.strip())
        cur = ""
    if cur:
        lines.append(cur.strip())
    out = []
    for line in lines:
        kw, _, args = line.partition(" ")
        out.append((kw.upper(), args.strip()))
    return out


def stages(instructions):
    """[(from_args_with_global_ARGs_substituted, [instructions...])]."""
    global_args = {}
    result = []
    for kw, args in instructions:
        if kw == "ARG" and not result:
            name, _, default = args.partition("=")
            global_args[name.strip()] = default.strip().strip('"')
        elif kw == "FROM":
            expanded = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: global_args.get(m.group(1) or m.group(2), m.group(0)), args)
            result.append((expanded, []))
        elif result:
            result[-1][1].append((kw, args))
    return result


@pytest.fixture(scope="module")
def dockerfile():
    return stages(parse_dockerfile(DOCKERFILE.read_text()))


def test_dockerfile_bases_are_build_arguments():
    """Both FROMs take their image from a global ARG whose default is the published image."""
    instructions = parse_dockerfile(DOCKERFILE.read_text())
    first_from = next(i for i, (k, _) in enumerate(instructions) if k == "FROM")
    global_args = dict(a.partition("=")[::2] for k, a in instructions[:first_from] if k == "ARG")
    froms = [a.split()[0] for k, a in instructions if k == "FROM"]
    assert froms[0] == "${GO_IMAGE}" and froms[-1] == "${BASE_IMAGE}", froms
    assert global_args["GO_IMAGE"].startswith("golang:"), global_args
    assert global_args["BASE_IMAGE"].startswith("quay.io/jupyter/"), global_args


def test_dockerfile_builds_the_kernel_with_cgo(dockerfile):
    """Compiled cells are Go plugins: plugin.Open needs a kernel built with cgo."""
    _, build = dockerfile[0]
    runs = " ".join(a for k, a in build if k == "RUN")
    assert "CGO_ENABLED=0" not in runs, runs
    assert "CGO_ENABLED=1 go build" in runs, runs
    assert "go version -m" in runs and "CGO_ENABLED=1'" in runs, "the build does not check the binary's cgo setting"


def test_dockerfile_final_stage_has_a_c_compiler(dockerfile):
    """go build -buildmode=plugin runs cgo in the final image: gcc and libc headers, installed as root."""
    _, final = dockerfile[-1]
    user = "root"
    for kw, args in final:
        if kw == "USER":
            user = args
        if kw == "RUN" and "apt-get install" in args:
            assert user == "root", (user, args)
            words = args.split()
            assert "gcc" in words and "libc6-dev" in words, args
            break
    else:
        raise AssertionError("no apt-get install of gcc/libc6-dev in the final stage")


def test_dockerfile_is_multi_stage(dockerfile):
    assert len(dockerfile) >= 2, dockerfile
    build_from, build = dockerfile[0]
    image, _, alias = build_from.partition(" AS ")
    if not alias:
        image, _, alias = build_from.partition(" as ")
    assert re.fullmatch(r"golang:1\.26(\.\d+)?(-\S+)?", image.strip()), build_from
    assert alias.strip() == "build"
    runs = " ".join(a for k, a in build if k == "RUN")
    assert "go build" in runs and "gokernel" in runs, runs


def test_dockerfile_final_stage_is_docker_stacks_with_gokernel(dockerfile):
    final_from, final = dockerfile[-1]
    assert re.match(r"(quay\.io/)?jupyter/(base|minimal|scipy|datascience)-notebook(:\S+)?$", final_from.split()[0]), final_from
    copies = [a for k, a in final if k == "COPY"]
    assert any(a.startswith("--from=build") and "gokernel" in a for a in copies), copies
    assert any(a.startswith("--from=build") and "/usr/local/go" in a for a in copies), "the Go toolchain is not copied"
    assert any("scripts/install-image.sh" in a for a in copies), copies
    runs = [a for k, a in final if k == "RUN"]
    assert any("install-image.sh" in r for r in runs), runs


def test_dockerfile_ends_as_the_notebook_user(dockerfile):
    _, final = dockerfile[-1]
    users = [a for k, a in final if k == "USER"]
    assert users, "no USER in the final stage"
    assert users[0] == "root", "the install step needs root"
    last = users[-1]
    assert last in ("${NB_UID}", "${NB_UID:-1000}", "$NB_UID", "${NB_USER}", "$NB_USER", "jovyan") or (last.isdigit() and last != "0"), last
    # The last USER is the last word on who runs things: no RUN before it is
    # left running as someone else, and none follows it.
    last_user = max(i for i, (k, _) in enumerate(final) if k == "USER")
    assert all(k != "RUN" for k, _ in final[last_user + 1 :]), final[last_user + 1 :]


def test_dockerfile_install_step_uses_only_script_options():
    """The options the Dockerfile passes are ones the script accepts."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    m = re.search(r"install-image\.sh\s+((?:--[\w-]+(?:\s+(?!--)[^\s&]+)?\s*)+)", text.split("RUN", 2)[-1])
    assert m, "RUN install-image.sh ... not found"
    opts = re.findall(r"--[\w-]+", m.group(1))
    help_text = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, check=True).stdout
    for opt in opts:
        assert opt in help_text, f"{opt} not documented by install-image.sh --help"
    assert "--check" in opts, "the image build should smoke-test the kernel"


def test_standin_bases_provide_what_the_dockerfile_uses(dockerfile):
    """docker/standin (make image-test's bases) lays out what the Dockerfile expects of its bases."""
    _, nb = stages(parse_dockerfile((STANDIN / "base-notebook.Dockerfile").read_text()))[-1]
    env = " ".join(a for k, a in nb if k == "ENV")
    for var in ("CONDA_DIR=/opt/conda", "NB_UID=", "NB_USER=", "NB_GID=", "HOME=", "PATH=\"${CONDA_DIR}/bin"):
        assert var in env, (var, env)
    args = dict(a.partition("=")[::2] for k, a in nb if k == "ARG")
    assert args["NB_UID"] == "1000" and args["NB_USER"] == "jovyan", args
    assert [a for k, a in nb if k == "USER"][-1] == "${NB_UID}"
    assert "jupyterlab==" in " ".join(a for k, a in nb if k == "RUN")
    for script in ("fix-permissions", "start.sh", "start-notebook.py"):
        assert os.access(STANDIN / script, os.X_OK), script
    _, go = stages(parse_dockerfile((STANDIN / "golang.Dockerfile").read_text()))[-1]
    runs = " ".join(a for k, a in go if k == "RUN")
    assert "gcc" in runs.split() and "libc6-dev" in runs.split(), runs
    assert any(k == "COPY" and a.split()[-1] == "/usr/local/go" for k, a in go)
    # The final stage copies the toolchain from where both the official image and the stand-in keep it.
    _, final = dockerfile[-1]
    assert any(k == "COPY" and a.startswith("--from=build /usr/local/go ") for k, a in final)


def test_dockerignore_keeps_the_build_inputs():
    ignored = {l.strip() for l in (ROOT / ".dockerignore").read_text().splitlines() if l.strip() and not l.startswith("#")}
    for needed in ("go.mod", "go.sum", "scripts", "scripts/install-image.sh", "*", "*.go", "kernelspec", "lower"):
        assert needed not in ignored, needed


# ---- the install script, run for real ----------------------------------


def go_root():
    return subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    assert BINARY.exists(), f"{BINARY} missing: the test command builds it (go build -o bin/gokernel .)"
    base = tmp_path_factory.mktemp("image")
    prefix, dest = base / "prefix", base / "usr-local-bin" / "gokernel"
    cmd = [SCRIPT, "--binary", BINARY, "--bin", dest, "--prefix", prefix, "--goroot", go_root()]
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"{shlex.join(map(str, cmd))}\n{p.stdout}\n{p.stderr}"
    return {"prefix": prefix, "bin": dest, "out": p.stdout}


def test_install_script_writes_binary_toolchain_and_kernelspec(installed):
    dest, prefix = installed["bin"], installed["prefix"]
    assert os.access(dest, os.X_OK)
    assert subprocess.run([dest, "version"], capture_output=True, text=True, check=True).stdout.startswith("gokernel ")
    go = dest.parent / "go"
    assert subprocess.run([go, "version"], capture_output=True, text=True, check=True).stdout.startswith("go version go1.")
    spec = json.loads((prefix / "share" / "jupyter" / "kernels" / "gokernel" / "kernel.json").read_text())
    assert spec["argv"][0] == str(dest), spec
    assert spec["argv"][1:] == ["kernel", "-f", "{connection_file}"], spec
    assert spec["language"] == "go" and spec["display_name"] == "Go"
    assert spec.get("interrupt_mode") == "message"


def test_installed_kernelspec_runs_go(installed, tmp_path, monkeypatch):
    data = installed["prefix"] / "share" / "jupyter"
    # Only the prefix provides gokernel: an empty user data dir, the prefix on JUPYTER_PATH.
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "empty-data"))
    monkeypatch.setenv("JUPYTER_PATH", str(data))
    km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=60)
    try:
        assert Path(km.kernel_spec.resource_dir).resolve() == (data / "kernels" / "gokernel").resolve()
        assert km.kernel_spec.argv[0] == str(installed["bin"])
        reply, outputs = run(kc, "1+1")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert result_of(outputs) == "2"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_install_script_check_mode(installed, tmp_path, monkeypatch):
    """--check (what the image build runs) starts the kernel and runs 1+1."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "empty-data"))
    # In an image build the script runs as root with the notebook user's HOME:
    # it must leave that home as it found it (a root-owned ~/.config would stop
    # the user from creating ~/.config/gokernel).
    goroot = go_root()  # before HOME moves: the go command writes telemetry counters under it
    home = tmp_path / "home"
    home.mkdir()
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    cmd = [SCRIPT, "--binary", installed["bin"], "--bin", installed["bin"], "--prefix", installed["prefix"], "--goroot", goroot, "--check"]
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, f"{p.stdout}\n{p.stderr}"
    assert "ran 1+1" in p.stdout
    assert list(home.rglob("*")) == [], "install-image.sh wrote into HOME"


def test_install_script_refuses_bad_input(tmp_path):
    p = subprocess.run([SCRIPT, "--frobnicate"], capture_output=True, text=True)
    assert p.returncode == 2 and "unknown option" in p.stderr
    p = subprocess.run([SCRIPT, "--binary", str(tmp_path / "nope"), "--prefix", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 2 and "no gokernel binary" in p.stderr
    p = subprocess.run([SCRIPT, "--binary", str(BINARY), "--bin", str(tmp_path / "b" / "gokernel"), "--prefix", str(tmp_path / "p"), "--goroot", str(tmp_path / "nogo")], capture_output=True, text=True)
    assert p.returncode == 2 and "no Go toolchain" in p.stderr
