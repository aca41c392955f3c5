#!/usr/bin/env bash
# Builds bin/bigquery-emulator (github.com/goccy/bigquery-emulator v0.8.1,
# pure Go) for the end-to-end %bq tests (tests/e2e/test_bq.py).
#
# It is built from the nested module bq/emutest (its tools.go pins the
# command), not with `go install ...@v0.8.1`, which this machine's module
# proxy refuses. Building in that module with the same environment as its
# in-process `go test` (in particular the same CGO_ENABLED: this script
# deliberately does not override it) shares the build cache: a cold build of
# the emulator's generated GoogleSQL packages takes 5-15 minutes and ~6.5 GB
# of memory, a warm one ~15 s of linking.
#
# Skipped when the binary is newer than bq/emutest/go.sum (the emulator's
# version can only change through that file). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/bin/bigquery-emulator"
SUM="$ROOT/bq/emutest/go.sum"

if [ -x "$OUT" ] && [ "$OUT" -nt "$SUM" ] && [ "${GOKERNEL_REBUILD_EMULATOR:-}" != 1 ]; then
  exit 0
fi
mkdir -p "$ROOT/bin"
echo "building $OUT from bq/emutest (CGO_ENABLED=$(go env CGO_ENABLED); a cold build takes 5-15 min)" >&2
tmp="$OUT.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$ROOT/bq/emutest" && go build -o "$tmp" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator)
mv -f "$tmp" "$OUT"
trap - EXIT
