#!/usr/bin/env python3
"""Build the gokernel platform wheel (make wheel): `pip install gokernel`.

The wheel holds no Python code. It installs, the Jupyter way (ipykernel,
bash_kernel and the xeus kernels ship their kernelspec as wheel data files):

  <base>/share/jupyter/kernels/gokernel/kernel.json, logo-*.png, logo-svg.svg
  <base>/share/jupyter/kernels/gokernel/gokernel   the kernel binary
  <base>/bin/gokernel                              a 3-line sh wrapper that execs it

where <base> is what pip installs into (the venv or conda env, ~/.local for a
--user install, /usr/local, a --prefix). kernel.json starts
"{resource_dir}/gokernel": jupyter_client replaces {resource_dir} with the
directory the kernelspec was found in, so the kernel starts wherever pip put
it. {prefix} would not do: jupyter_client replaces it with the *Jupyter
server's* sys.prefix, which is not where a `pip install --user` (pip's
fallback when site-packages is read-only, common on hosted notebooks), a
--prefix install or another environment on JUPYTER_PATH put the binary. The
wrapper in bin/ keeps a single copy of the 60 MB binary while putting
`gokernel` on PATH (bin/ and share/ are siblings in every pip install scheme).

Version: the one `gokernel version` prints (main.version, set with
VERSION=... here as -ldflags -X main.version, else the dev default in
main.go), in PEP 440 spelling.

Platform tag: the binary is built with cgo (the compiled tier loads Go
plugins), so it links glibc dynamically; the tag is
manylinux_<the highest GLIBC_2.x symbol version the binary needs>, read from
`objdump -T`, and the build fails if it needs any library beyond glibc's.

Usage: scripts/build-wheel.py [--out DIR] [--binary PATH]   (stdlib only)
Environment: VERSION (release version), GO (go command), SOURCE_DATE_EPOCH
(zip timestamps; default: the last commit's time, for reproducible wheels).
"""
import argparse
import base64
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "gokernel"  # distribution name, command name and kernelspec name
SUMMARY = "A Jupyter kernel for Go, with Google sign-in (%auth) and BigQuery (%bq) built in"

# Libraries a manylinux wheel may link against without bundling them (the
# glibc part of PEP 600's policy; Go's cgo runtime needs nothing else).
ALLOWED_LIBS = {"libc.so.6", "libpthread.so.0", "libdl.so.2", "libm.so.6", "librt.so.1",
                "libresolv.so.2", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}
ELF_ARCH = {"x86-64": "x86_64", "aarch64": "aarch64"}  # objdump's name -> wheel tag arch

WRAPPER = """#!/bin/sh
# gokernel from its wheel: the binary lives in the kernelspec directory pip
# installed next to this bin/ directory (../share/jupyter/kernels/gokernel).
exec "$(dirname "$(readlink -f "$0")")/../share/jupyter/kernels/gokernel/gokernel" "$@"
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE, **kw).stdout


def build_binary(out):
    """go build with cgo, as the compiled tier needs; -w drops DWARF only."""
    ldflags = "-w"
    if os.environ.get("VERSION"):
        ldflags += " -X main.version=" + os.environ["VERSION"]
    env = dict(os.environ, CGO_ENABLED="1")
    go = os.environ.get("GO", "go")
    print(f"building {out} ({go} build -trimpath -ldflags '{ldflags}', CGO_ENABLED=1)", file=sys.stderr)
    subprocess.run([go, "build", "-trimpath", "-ldflags", ldflags, "-o", out, "."], check=True, cwd=ROOT, env=env)


def pep440(v):
    """The PEP 440 normal form of gokernel's semver-style version
    (0.1.0-dev -> 0.1.0.dev0, 1.2.0-rc.1 -> 1.2.0rc1)."""
    m = re.fullmatch(r"v?(\d+(?:\.\d+)*)(?:[-.]?(dev|a|alpha|b|beta|rc)[-.]?(\d*))?(?:\+([A-Za-z0-9.]+))?", v)
    if not m:
        sys.exit(f"build-wheel: gokernel version {v!r} has no PEP 440 spelling; set VERSION=X.Y.Z")
    rel, pre, n, local = m.groups()
    out = rel
    if pre == "dev":
        out += ".dev" + (n or "0")
    elif pre:
        out += {"alpha": "a", "beta": "b"}.get(pre, pre) + (n or "0")
    if local:
        out += "+" + local.lower()
    return out


def binary_version(binary):
    # "gokernel 0.1.0-dev (go1.26.8, interpreted Go 1.22)"
    line = run([binary, "version"]).strip()
    m = re.fullmatch(r"gokernel (\S+) \((go\S+), .*\)", line)
    if not m:
        sys.exit(f"build-wheel: unexpected `gokernel version` output: {line!r}")
    return m.group(1), m.group(2)


def platform_tag(binary):
    """manylinux_2_X_<arch> from the binary's ELF header and glibc symbol versions."""
    head = run(["objdump", "-p", binary])
    m = re.search(r"file format elf64-(\S+)", head)
    arch = ELF_ARCH.get(m.group(1)) if m else None
    if not arch:
        sys.exit(f"build-wheel: {binary}: unsupported ELF format ({m and m.group(1)})")
    needed = set(re.findall(r"^\s*NEEDED\s+(\S+)", head, re.M))
    extra = needed - ALLOWED_LIBS
    if extra:
        sys.exit(f"build-wheel: {binary} links {sorted(extra)}, which a manylinux wheel cannot assume")
    if not needed:  # a static binary (CGO_ENABLED=0): any glibc, but no plugins
        return f"manylinux_2_17_{arch}", "static"
    versions = [tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_(\d+\.\d+(?:\.\d+)?)", run(["objdump", "-T", binary]))]
    major, minor = max(versions)[:2]
    return f"manylinux_{major}_{minor}_{arch}", f"glibc {major}.{minor} ({', '.join(sorted(needed))})"


def kernelspec_files(binary):
    """kernel.json and logos as `gokernel install` writes them, argv[0]
    replaced by the binary inside the spec's own directory."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
        run([binary, "install", "--prefix", tmp], env=env)
        d = os.path.join(tmp, "share", "jupyter", "kernels", NAME)
        files = {}
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f), "rb") as fh:
                files[f] = fh.read()
    spec = json.loads(files["kernel.json"])
    if spec["argv"][0] != os.path.realpath(binary):
        sys.exit(f"build-wheel: kernel.json argv[0] is {spec['argv'][0]!r}, expected the binary")
    spec["argv"][0] = "{resource_dir}/" + NAME
    files["kernel.json"] = (json.dumps(spec, indent=2) + "\n").encode()
    return files


def metadata(version):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {version}\n"
        f"Summary: {SUMMARY}\n"
        "Keywords: jupyter,kernel,go,golang,bigquery\n"
        "Classifier: Framework :: Jupyter\n"
        "Classifier: Programming Language :: Go\n"
        "Classifier: Operating System :: POSIX :: Linux\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme
    ).encode()


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


def write_wheel(path, entries, dist_info, epoch):
    """entries: [(archive path, bytes, executable)]; RECORD is added last."""
    date = max((1980, 1, 1, 0, 0, 0), tuple(time.gmtime(epoch)[:6]))
    record = io.StringIO()
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data, exe in entries:
            info = zipfile.ZipInfo(name, date)
            info.external_attr = (0o100755 if exe else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record.write(record_line(name, data))
        rec = f"{dist_info}/RECORD"
        record.write(f"{rec},,\n")
        info = zipfile.ZipInfo(rec, date)
        info.external_attr = 0o100644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, record.getvalue())
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "dist"), help="directory for the .whl (default dist/)")
    ap.add_argument("--binary", help="package this gokernel binary instead of building one")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    binary = args.binary
    if not binary:
        binary = os.path.join(ROOT, "build", "wheel", NAME)
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        build_binary(binary)
    binary = os.path.abspath(binary)
    semver, gover = binary_version(binary)
    version = pep440(semver)
    plat, why = platform_tag(binary)
    tag = f"py3-none-{plat}"
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or run(["git", "log", "-1", "--format=%ct"], cwd=ROOT).strip() or 0)

    data = f"{NAME}-{version}.data"
    dist_info = f"{NAME}-{version}.dist-info"
    spec_dir = f"{data}/data/share/jupyter/kernels/{NAME}"
    with open(binary, "rb") as f:
        exe = f.read()
    entries = [(f"{spec_dir}/{n}", b, False) for n, b in kernelspec_files(binary).items()]
    entries.append((f"{spec_dir}/{NAME}", exe, True))
    entries.append((f"{data}/scripts/{NAME}", WRAPPER.encode(), True))
    wheel_meta = (
        "Wheel-Version: 1.0\n"
        "Generator: gokernel scripts/build-wheel.py\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {tag}\n"
    ).encode()
    entries.append((f"{dist_info}/METADATA", metadata(version), False))
    entries.append((f"{dist_info}/WHEEL", wheel_meta, False))

    out = os.path.join(args.out, f"{NAME}-{version}-{tag}.whl")
    write_wheel(out, entries, dist_info, epoch)
    print(f"built {out}: gokernel {semver} ({gover}), {plat} because the binary needs {why}", file=sys.stderr)
    print(out)


if __name__ == "__main__":
    main()
