#!/usr/bin/env bash
# make run: the one command from a fresh clone to a Go notebook in the browser.
#
#   1. builds bin/gokernel
#   2. installs its kernelspec for the current user (gokernel install --user)
#   3. finds JupyterLab: `jupyter lab` on PATH, else the project venv .venv
#      (created, and JupyterLab installed from PyPI into it, when missing)
#   4. starts JupyterLab on 127.0.0.1 with examples/ as its root, without
#      opening a browser, and prints the URL with its token
#
# Ctrl-C (or SIGTERM) stops JupyterLab and the kernels it started.
#
# Environment: PORT (default 8888; a free port is picked if it is taken),
# JUPYTER_TOKEN (default: random), GOKERNEL_VENV (default .venv),
# PYTHON (default python3), JUPYTER_ARGS (extra arguments for jupyter lab).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${GOKERNEL_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}

say() { printf '==> %s\n' "$*"; }

say "building bin/gokernel"
go build -trimpath -o bin/gokernel .

say "installing the Go kernelspec for this user"
./bin/gokernel install --user

# JupyterLab: from PATH if it is there, else from the project venv.
if command -v jupyter >/dev/null 2>&1 && jupyter lab --version >/dev/null 2>&1; then
  JUPYTER=$(command -v jupyter)
  say "using JupyterLab $(jupyter lab --version) from PATH ($JUPYTER)"
elif [ -x "$VENV/bin/jupyter" ] && "$VENV/bin/jupyter" lab --version >/dev/null 2>&1; then
  JUPYTER=$VENV/bin/jupyter
  say "using JupyterLab $("$JUPYTER" lab --version) from $VENV"
else
  say "no JupyterLab found on PATH: installing it from PyPI into the virtual environment $VENV"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  "$VENV/bin/pip" install -q --disable-pip-version-check jupyterlab
  JUPYTER=$VENV/bin/jupyter
  say "installed JupyterLab $("$JUPYTER" lab --version) into $VENV"
fi

# A free port: PORT if it can be bound, else one the kernel hands out.
PORT=$("$PY" - "${PORT:-8888}" <<'EOF'
import socket, sys
want = int(sys.argv[1])
s = socket.socket()
try:
    s.bind(("127.0.0.1", want))
except OSError:
    s.close()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
)
TOKEN=${JUPYTER_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_hex(24))')}

LOG=$ROOT/.cache/run/jupyter.log
mkdir -p "$(dirname "$LOG")"
: >"$LOG"

# Jupyter refuses to run as root unless told to (containers, CI machines).
ROOT_ARGS=()
if [ "$(id -u)" = 0 ]; then
  ROOT_ARGS=(--allow-root)
fi

# JupyterLab runs in its own session (setsid) so that the terminal's Ctrl-C
# reaches only this script, which then shuts the server down in order: the
# server stops its kernels on SIGTERM; whatever is left of its process group
# after a grace period is killed.
# shellcheck disable=SC2086
setsid "$JUPYTER" lab \
  --no-browser \
  --ServerApp.ip=127.0.0.1 \
  --ServerApp.port="$PORT" \
  --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$ROOT/examples" \
  --IdentityProvider.token="$TOKEN" \
  "${ROOT_ARGS[@]}" ${JUPYTER_ARGS:-} \
  </dev/null >>"$LOG" 2>&1 &
JPID=$!

# alive: the server has not exited (an exited, unreaped child is a zombie,
# which kill -0 still reports as present).
alive() {
  [ -r "/proc/$JPID/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$JPID/status" 2>/dev/null
}

stopping=
stop() {
  [ -n "$stopping" ] && return
  stopping=1
  trap '' INT TERM
  printf '\n'
  say "stopping JupyterLab (pid $JPID) and its kernels"
  kill -TERM "$JPID" 2>/dev/null || true
  for _ in $(seq 1 150); do
    alive || break
    sleep 0.1
  done
  # The process group of the server: kernels that did not exit with it.
  kill -KILL -- "-$JPID" 2>/dev/null || true
  wait "$JPID" 2>/dev/null || true
  [ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null || true
  say "stopped"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop' EXIT

# Wait until the server answers, so the URL printed is one that works.
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
  if ! alive; then
    echo "JupyterLab exited before it was ready; its log ($LOG):" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
  if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$URL/api/status?token=$TOKEN" 2>/dev/null; then
    break
  fi
  sleep 0.2
done

cat <<EOF

  JupyterLab is running with the Go kernel; open the tour:

      $URL/lab/tree/tour.ipynb?token=$TOKEN

  root: $ROOT/examples     log: $LOG
  Press Ctrl-C to stop JupyterLab and its kernels.

EOF
# Show the server's log as it goes (warnings, kernel starts), until it exits.
tail -n +1 -f "$LOG" --pid="$JPID" &
TPID=$!
wait "$JPID" || true
