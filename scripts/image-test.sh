#!/usr/bin/env bash
# Builds the Docker image (Dockerfile) for real and runs it, without a
# Docker engine: buildah builds it from locally made stand-in bases
# (scripts/image-bases.sh, cached) and runs it under chroot isolation on the
# host's network, everything on 127.0.0.1. `make image-test`. Needs root,
# buildah, debootstrap; heavy (a cold run builds the bases and compiles the
# kernel inside the image), so not part of `make test`.
#
# Checks, each timed:
#   - the kernel binary in the image: cgo on (go version -m), go1.x as go.mod;
#   - as the notebook user: `go build -buildmode=plugin` of a tiny package
#     and plugin.Open of it from a cgo binary built with the kernel's flags
#     (-trimpath, -s -w): what compiled cells need;
#   - JupyterLab started as the image would (tini, start.sh,
#     start-notebook.py) serves /api/status and /lab with a token;
#   - through the server's REST + websocket API (scripts/image-check.py):
#     the gokernel kernelspec, a cell, every process from the cell up to
#     the Jupyter server runs as uid 1000 with HOME=/home/jovyan, and
#     `%auth status` names /home/jovyan/.config/gokernel; with the compiled
#     tier in the tree (internal/compiled/), a compiled cell under GOKERNEL_COMPILE=auto.
#
# Settings: IMAGE_TAG (default localhost/gokernel:image-test), GO_IMAGE and
# BASE_IMAGE (skip the stand-ins, use these), GOKERNEL_VENV (Python with
# websocket-client for the checks; default .venv as in make test),
# IMAGE_KEEP=1 keeps the built image, IMAGE_REUSE=1 runs the checks on an
# existing IMAGE_TAG without building (for working on the checks).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TAG=${IMAGE_TAG:-localhost/gokernel:image-test}
VENV=${GOKERNEL_VENV:-$ROOT/.venv}
ART=$ROOT/artifacts/image
BUILDAH=(buildah --storage-driver vfs)
CTR=
SERVER_PID=
TOKEN=
URL=
TIMES=()

say() { printf '\n=== %s\n' "$*"; }
die() { printf 'image-test: FAIL: %s\n' "$*" >&2; exit 1; }
record() { TIMES+=("$(printf '%6d s  %s' "$1" "$2")"); }

cleanup() {
  # A failed check leaves the server running: ask it to stop (killing
  # `buildah run` alone would leave the server behind), then end buildah.
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    curl -fsS -o /dev/null -X POST -H "Authorization: token $TOKEN" "$URL/api/shutdown" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$CTR" ]; then "${BUILDAH[@]}" rm "$CTR" >/dev/null 2>&1 || true; fi
  if [ "${IMAGE_KEEP:-}" != 1 ] && [ -n "${BUILT:-}" ]; then "${BUILDAH[@]}" rmi "$TAG" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || die "needs root (buildah with the vfs driver and chroot isolation)"
command -v buildah >/dev/null || die "buildah not found (apt-get install buildah debootstrap)"
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -r tests/requirements.txt; }
"$VENV/bin/python" -c 'import websocket' || die "$VENV has no websocket-client (pip install -r tests/requirements.txt)"
mkdir -p "$ART"
T_ALL=$SECONDS

# 1. the bases
say "bases"
t0=$SECONDS
if [ -n "${GO_IMAGE:-}" ] && [ -n "${BASE_IMAGE:-}" ]; then
  echo "given: GO_IMAGE=$GO_IMAGE BASE_IMAGE=$BASE_IMAGE"
else
  ./scripts/image-bases.sh --env "$ART/bases.env" 2>&1 | tee "$ART/bases.log" >&2
  # shellcheck disable=SC1091
  . "$ART/bases.env"
fi
record $((SECONDS - t0)) "bases ($(grep -c ': cached' "$ART/bases.log" 2>/dev/null || true) of 3 cached): $GO_IMAGE, $BASE_IMAGE"

# 2. the image, from the Dockerfile as it is
say "image build: $TAG from GO_IMAGE=$GO_IMAGE BASE_IMAGE=$BASE_IMAGE (log: $ART/build.log)"
t0=$SECONDS
if [ "${IMAGE_REUSE:-}" = 1 ] && "${BUILDAH[@]}" inspect --type image "$TAG" >/dev/null 2>&1; then
  echo "IMAGE_REUSE=1: using the existing $TAG, not building"
elif ! "${BUILDAH[@]}" bud --isolation chroot --network host --pull=never \
      --build-arg GO_IMAGE="$GO_IMAGE" --build-arg BASE_IMAGE="$BASE_IMAGE" \
      -f Dockerfile -t "$TAG" . >"$ART/build.log" 2>&1; then
  tail -40 "$ART/build.log"; die "image build failed"
fi
[ "${IMAGE_REUSE:-}" = 1 ] || BUILT=1
grep -E 'install-image.sh: |CGO_ENABLED|^gokernel ' "$ART/build.log" 2>/dev/null || true
record $((SECONDS - t0)) "image build (buildah bud --isolation chroot)"

CTR=$("${BUILDAH[@]}" from --pull=never "$TAG")
run() { "${BUILDAH[@]}" run --isolation chroot --network host "$CTR" -- "$@"; }

# 3. the kernel binary and the user
say "binary and user"
t0=$SECONDS
who=$(run sh -c 'echo "$(id -u) $(id -un) $HOME"')
echo "runs as: $who"
[ "$who" = "1000 jovyan /home/jovyan" ] || die "the image runs as '$who', not '1000 jovyan /home/jovyan'"
foreign=$(run find /home/jovyan ! -user jovyan)
[ -z "$foreign" ] || die "files in the notebook user's home that it does not own (the build wrote them as root): $foreign"
info=$(run go version -m /usr/local/bin/gokernel)
echo "$info" | grep -E 'go1|CGO_ENABLED|-trimpath|GOARCH'
echo "$info" | grep -q 'build	CGO_ENABLED=1' || die "the image's gokernel is not built with cgo"
want_go=go$(awk '$1 == "go" { print $2; exit }' go.mod)
echo "$info" | head -1 | grep -q ": $want_go\$" || die "the image's gokernel is not built with $want_go"
run gokernel version
record $((SECONDS - t0)) "binary: cgo on, $want_go; runs as uid 1000"

# 4. plugins as the notebook user: what compiled cells do
say "go build -buildmode=plugin and plugin.Open as the notebook user"
t0=$SECONDS
out=$(run bash -euo pipefail -c '
  d=$(mktemp -d) && cd "$d"
  mkdir cell host
  printf "module cell\n\ngo 1.26\n" > cell/go.mod
  printf "package main\n\nimport \"fmt\"\n\nfunc Answer(n int) string { return fmt.Sprint(\"plugin says \", n*2) }\n" > cell/cell.go
  printf "module host\n\ngo 1.26\n" > host/go.mod
  cat > host/main.go <<EOF
package main

import (
	"fmt"
	"os"
	"plugin"
)

func main() {
	p, err := plugin.Open(os.Args[1])
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	f, err := p.Lookup("Answer")
	if err != nil {
		fmt.Println("lookup:", err)
		os.Exit(1)
	}
	fmt.Println(f.(func(int) string)(21))
}
EOF
  echo "go env: CGO_ENABLED=$(go env CGO_ENABLED) CC=$(go env CC) GOCACHE=$(go env GOCACHE)"
  (cd cell && go build -trimpath -buildmode=plugin -o ../cell.so .)
  (cd host && go build -trimpath -ldflags="-s -w" -o ../hostbin .)
  ./hostbin "$d/cell.so"
  rm -rf "$d"
') || { echo "$out"; die "plugin build/open failed"; }
echo "$out"
echo "$out" | grep -q 'CGO_ENABLED=1' || die "cgo is off for the notebook user's go"
echo "$out" | tail -1 | grep -qx 'plugin says 42' || die "plugin.Open did not run the plugin's function"
record $((SECONDS - t0)) "plugin: go build -buildmode=plugin + plugin.Open as jovyan (cold build cache)"

# 5. JupyterLab as the image starts it, on a free loopback port
say "JupyterLab in the image"
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TOKEN=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))')
t0=$SECONDS
# The image's ENTRYPOINT and CMD (tini -g -- start.sh start-notebook.py),
# with loopback and the token added.
COMPILED=()
SERVER_ENV=()
if [ -d internal/compiled ]; then
  # The compiled tier is in this tree: kernels get GOKERNEL_COMPILE=auto (the
  # image's own ENV too) and image-check.py runs a compiled cell.
  COMPILED=(--compiled)
  SERVER_ENV=(GOKERNEL_COMPILE=auto)
fi
# buildah itself in the background (not the run function), so that
# SERVER_PID is buildah's.
URL=http://127.0.0.1:$PORT
"${BUILDAH[@]}" run --isolation chroot --network host "$CTR" -- \
  env ${SERVER_ENV[@]+"${SERVER_ENV[@]}"} tini -g -- start.sh start-notebook.py --ServerApp.ip=127.0.0.1 --ServerApp.port="$PORT" \
  --IdentityProvider.token="$TOKEN" --ServerApp.port_retries=0 </dev/null >"$ART/server.log" 2>&1 &
SERVER_PID=$!
ready=
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null -H "Authorization: token $TOKEN" "$URL/api/status" 2>/dev/null; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$ART/server.log"; die "the server exited"; }
  sleep 0.5
done
[ -n "$ready" ] || { cat "$ART/server.log"; die "the server did not answer on $URL within 120 s"; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/status")
[ "$code" = 403 ] || die "/api/status without the token answered $code, want 403"
record $((SECONDS - t0)) "JupyterLab up (start to /api/status answering), token required"

t0=$SECONDS
"$VENV/bin/python" scripts/image-check.py "$URL" "$TOKEN" ${COMPILED[@]+"${COMPILED[@]}"} || { cat "$ART/server.log"; die "the checks through the server failed"; }
record $((SECONDS - t0)) "through the server: kernelspec, cell, uid chain, %auth status${COMPILED[@]+, compiled cell}"

curl -fsS -o /dev/null -X POST -H "Authorization: token $TOKEN" "$URL/api/shutdown" || true
for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$SERVER_PID" 2>/dev/null; then die "the server did not stop after /api/shutdown"; fi
wait "$SERVER_PID" || true
SERVER_PID=

say "wall times"
printf '%s\n' "${TIMES[@]}"
printf '%6d s  total\n' $((SECONDS - T_ALL))
echo "image-test: PASS ($TAG from $GO_IMAGE and $BASE_IMAGE)"
