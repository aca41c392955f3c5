#!/usr/bin/env bash
# Benchmarks gokernel against ipykernel (and any other kernelspec names given)
# in one interleaved run. Needs the venv the test command makes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${GOKERNEL_VENV:-$PWD/.venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q -r tests/requirements.txt; }
go build -o bin/gokernel .
export JUPYTER_DATA_DIR="$PWD/.cache/bench-jupyter-data"
./bin/gokernel install --user >/dev/null
"$VENV/bin/python" -m ipykernel install --user --name python3 >/dev/null
"$VENV/bin/python" scripts/bench.py gokernel python3 "$@"

echo
# Start as jupyter_client sees it, with libzmq's default 100 ms reconnect
# interval (bench.py's start rows use a 1 ms one to time the kernel alone).
# The second gokernel has the sockets-before-main step (internal/prebind) off.
./bin/gokernel install --user --name gokernel-prebind-off --env GOKERNEL_PREBIND=0 >/dev/null
"$VENV/bin/python" scripts/start-latency.py --runs "${START_RUNS:-20}" gokernel gokernel-prebind-off python3 2>/dev/null

echo
echo "%bq table rendering, 10,000 rows x 10 columns (Go benchmark, package bq):"
go test -run '^$' -bench 'BenchmarkRender(HTML|Text)10k' -benchtime 20x ./bq | grep -E '^Benchmark'

echo
echo "%bq --out memory, 5 columns (INT64, FLOAT64, STRING, BOOL, DATE): Arrow columns vs a []bigquery.Value per row (Go benchmark, package bq):"
go test -run '^$' -bench 'BenchmarkResultMemory' -benchtime 1x ./bq | grep -E '^Benchmark'
