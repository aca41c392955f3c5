#!/usr/bin/env bash
# Compute speed of the compiled tier against the interpreter, go run and
# ipykernel (scripts/bench_compiled.py). Needs the venv the test command makes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${GOKERNEL_VENV:-$PWD/.venv}
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q -r tests/requirements.txt; }
go build -o bin/gokernel .
export JUPYTER_DATA_DIR="$PWD/.cache/bench-jupyter-data"
./bin/gokernel install --user >/dev/null
"$VENV/bin/python" -m ipykernel install --user --name python3 >/dev/null
PATH="$(go env GOROOT)/bin:$PATH" "$VENV/bin/python" scripts/bench_compiled.py "$@"
