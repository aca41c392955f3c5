#!/usr/bin/env bash
# Installs gokernel system-wide: the step the Docker image (Dockerfile) runs,
# kept in one script so CI can run the same recipe on a machine without a
# Docker engine (tests/e2e/test_dockerfile.py installs into a temp prefix).
#
#   install-image.sh [--binary SRC] [--bin DEST] [--prefix DIR | --sys-prefix]
#                    [--goroot DIR | --no-go] [--name NAME] [--display-name NAME]
#                    [--check]
#
#   --binary SRC     the gokernel binary to install (default: ./bin/gokernel)
#   --bin DEST       where the binary goes (default: /usr/local/bin/gokernel);
#                    go and gofmt are linked beside it
#   --prefix DIR     kernelspec into DIR/share/jupyter/kernels (e.g. /opt/conda)
#   --sys-prefix     kernelspec into the active Python's sys.prefix (default)
#   --goroot DIR     a Go toolchain already unpacked at DIR (the image copies
#                    it from the build stage): checked, and go/gofmt linked
#                    next to the binary so users can rebuild the kernel with
#                    extra packages (default: /usr/local/go if it exists)
#   --no-go          do not link a Go toolchain
#   --check          start the installed kernel with jupyter_client (python3
#                    on PATH) and run 1+1
#
# Everything it writes is world-readable, and with docker-stacks'
# fix-permissions present (the base image), group-writable for the notebook
# user's group as that image expects. It writes nothing into $HOME (it runs
# with a scratch home).
set -euo pipefail

BINARY=./bin/gokernel
DEST=/usr/local/bin/gokernel
SCOPE=(--sys-prefix)
PREFIX=
GOROOT_DIR=
NO_GO=
NAME=gokernel
DISPLAY_NAME=Go
CHECK=

die() { echo "install-image.sh: $*" >&2; exit 2; }
say() { printf 'install-image.sh: %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BINARY=${2:?--binary needs a path}; shift 2 ;;
    --bin) DEST=${2:?--bin needs a path}; shift 2 ;;
    --prefix) PREFIX=${2:?--prefix needs a directory}; SCOPE=(--prefix "$PREFIX"); shift 2 ;;
    --sys-prefix) PREFIX=; SCOPE=(--sys-prefix); shift ;;
    --goroot) GOROOT_DIR=${2:?--goroot needs a directory}; shift 2 ;;
    --no-go) NO_GO=1; shift ;;
    --name) NAME=${2:?--name needs a value}; shift 2 ;;
    --display-name) DISPLAY_NAME=${2:?--display-name needs a value}; shift 2 ;;
    --check) CHECK=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

# Nothing below may write into the home of whoever runs this: in an image
# build that is root with HOME=/home/jovyan, and a root-owned ~/.config
# (`go version` writes Go's telemetry dir there, the check's Jupyter its
# runtime files, IPython its dir) would stop the notebook user from creating
# ~/.config/gokernel. So a scratch home, removed on exit.
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export HOME=$SCRATCH XDG_CONFIG_HOME=$SCRATCH/.config XDG_CACHE_HOME=$SCRATCH/.cache \
  XDG_DATA_HOME=$SCRATCH/.local/share JUPYTER_RUNTIME_DIR=$SCRATCH/jupyter-runtime \
  IPYTHONDIR=$SCRATCH/.ipython

[ -f "$BINARY" ] || die "no gokernel binary at $BINARY (build it: go build -o bin/gokernel .)"
"$BINARY" version >/dev/null || die "$BINARY does not run on this machine"

# 1. the binary
BINDIR=$(dirname "$DEST")
mkdir -p "$BINDIR"
if [ "$(cd "$(dirname "$BINARY")" && pwd -P)/$(basename "$BINARY")" != "$(cd "$BINDIR" && pwd -P)/$(basename "$DEST")" ]; then
  install -m 0755 "$BINARY" "$DEST.tmp.$$"
  mv -f "$DEST.tmp.$$" "$DEST"
fi
say "installed $("$DEST" version) as $DEST"

# 2. the Go toolchain, for `gokernel build --with` and `%doc`
if [ -z "$NO_GO" ]; then
  if [ -z "$GOROOT_DIR" ] && [ -x /usr/local/go/bin/go ]; then
    GOROOT_DIR=/usr/local/go
  fi
  if [ -n "$GOROOT_DIR" ]; then
    [ -x "$GOROOT_DIR/bin/go" ] || die "no Go toolchain at $GOROOT_DIR (want $GOROOT_DIR/bin/go)"
    for tool in go gofmt; do
      if [ "$GOROOT_DIR/bin/$tool" != "$BINDIR/$tool" ]; then
        ln -sfn "$GOROOT_DIR/bin/$tool" "$BINDIR/$tool"
      fi
    done
    say "Go toolchain: $("$BINDIR/go" version) ($BINDIR/go -> $GOROOT_DIR/bin/go)"
  else
    say "no Go toolchain given (--goroot) or at /usr/local/go: the kernel runs, but cannot be rebuilt with extra packages"
  fi
fi

# 3. the kernelspec, pointing at the installed binary
# (gokernel install prints "Installed kernelspec NAME in DIR".)
OUT=$("$DEST" install "${SCOPE[@]}" --name "$NAME" --display-name "$DISPLAY_NAME")
echo "$OUT"
SPECDIR=${OUT##* in }
[ -f "$SPECDIR/kernel.json" ] || die "gokernel install did not write $SPECDIR/kernel.json"
chmod -R a+rX "$SPECDIR"
if [ "$(id -u)" = 0 ] && command -v fix-permissions >/dev/null 2>&1; then
  fix-permissions "$SPECDIR"
fi

# 4. optional smoke test: the kernelspec as Jupyter sees it runs Go
if [ -n "$CHECK" ]; then
  DATA=$(dirname "$(dirname "$SPECDIR")")
  JUPYTER_PATH="$DATA${JUPYTER_PATH:+:$JUPYTER_PATH}" python3 - "$NAME" <<'EOF'
import sys
from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=120)
try:
    reply = kc.execute_interactive("1+1", timeout=120, output_hook=lambda m: None)
    assert reply["content"]["status"] == "ok", reply["content"]
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print("install-image.sh: check: kernel %s started from %s and ran 1+1" % (sys.argv[1], km.kernel_spec.resource_dir))
EOF
fi
