#!/usr/bin/env bash
# Large %bq results against the BigQuery emulator: rows/s and RSS growth of
# --out and --csv, and the time to the first table, for this build and, when
# BASE names a commit (default: none), that commit's build side by side.
# Needs the venv the test command makes and bin/bigquery-emulator.
# The emulator cannot serve one query of 1M rows (its SQLite, compiled to
# Wasm, has 256 MB and stores each job's whole result): ROWS defaults to
# 100000,500000; BenchmarkResultMemory in `make bench` covers 1M in process.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${GOKERNEL_VENV:-$PWD/.venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q -r tests/requirements.txt; }
go build -o bin/gokernel .
./scripts/build-emulator.sh
export JUPYTER_DATA_DIR="$PWD/.cache/bench-jupyter-data"
./bin/gokernel install --user >/dev/null
kernels=(gokernel)
if [ -n "${BASE:-}" ]; then
  wt=$(mktemp -d)
  git worktree add --detach "$wt" "$BASE" >/dev/null
  (cd "$wt" && go build -o "$OLDPWD/bin/gokernel-base" .)
  git worktree remove --force "$wt"
  ./bin/gokernel-base install --user --name gokernel-base >/dev/null
  kernels+=(gokernel-base)
fi
PATH="$VENV/bin:$PATH" "$VENV/bin/python" scripts/bench_bq.py --rows "${ROWS:-100000,500000}" "${kernels[@]}"
