#!/usr/bin/env bash
# make test-fresh: the test command as a new contributor meets it. A fresh
# clone of HEAD in a temporary directory, with empty Go build and module
# caches, an empty pip cache and an empty npm cache, and no .venv: anything
# that leans on a warm cache or on a step done by hand fails here. Prints the
# wall time at the end. The temporary directory is removed unless KEEP=1.
#
# Needs the module proxy, PyPI and the npm registry (as a new machine does).
# Takes about as long as CI's first run: the BigQuery emulator's cold compile
# dominates (5-15 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gokernel-fresh.XXXXXX")
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then echo "kept $TMP"; return; fi
  chmod -R u+w "$TMP" 2>/dev/null || true # the module cache is read-only
  rm -rf "$TMP"
}
trap cleanup EXIT
git clone -q "$ROOT" "$TMP/src"
export GOCACHE="$TMP/gocache" GOMODCACHE="$TMP/gomodcache"
export PIP_CACHE_DIR="$TMP/pipcache" npm_config_cache="$TMP/npmcache"
export XDG_CACHE_HOME="$TMP/xdgcache"
unset GOKERNEL_VENV
start=$(date +%s)
status=0
(cd "$TMP/src" && make test "$@") || status=$?
end=$(date +%s)
printf '\n=== test-fresh: %s after %d s (fresh clone, empty GOCACHE/GOMODCACHE/pip/npm caches)\n' \
  "$([ $status = 0 ] && echo passed || echo "FAILED ($status)")" $((end - start))
exit $status
