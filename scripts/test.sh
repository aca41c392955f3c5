#!/usr/bin/env bash
# The one test command (make test): sets up what the tests need on a fresh
# machine, then runs the Go tests and the end-to-end tests with real Jupyter
# clients. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${GOKERNEL_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}

step() { printf '\n=== %s\n' "$*"; }

step "Python virtual environment with the Jupyter clients ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt

step "build"
go build -trimpath -o bin/gokernel .

step "static checks: gofmt, go vet, staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '^bq/emutest/' || true))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
# go.mod says what the module imports (direct vs // indirect), nothing else.
go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
if [ "${GOKERNEL_SKIP_STATICCHECK:-}" != 1 ]; then
  go run honnef.co/go/tools/cmd/staticcheck@v0.7.0 ./...
fi

step "Go unit tests (with the race detector)"
# The conformance corpus runs interpreted goroutines, and yaegi v0.16.1 has
# data races of its own there: it runs without -race (its own step).
GOKERNEL_JUPYTER=1 PATH="$VENV/bin:$PATH" go test -race -count=1 $(go list ./... | grep -v -e /conformance -e /internal/gotest)

step "Go conformance corpus (go run vs. notebook cells)"
mkdir -p artifacts
if ! go test -count=1 -v ./conformance > artifacts/conformance.log 2>&1; then
  cat artifacts/conformance.log; exit 1
fi
grep -E 'conformance \(|^ok' artifacts/conformance.log

step "yardsticks through real kernels: the multi-cell corpus, Go's test suite with compiled cells (go run vs. notebook cells; floors in internal/gotest/testdata)"
# make gotest runs Go's test suite with the interpreter alone (not part of this run).
if ! GOTEST_KERNEL="$ROOT/bin/gokernel" go test -race -count=1 -timeout 40m -v ./internal/gotest/... > artifacts/gotest-corpus.log 2>&1; then
  cat artifacts/gotest-corpus.log; exit 1
fi
grep -E 'multi-cell corpus: |test suite, compiled tier: |^ok' artifacts/gotest-corpus.log

step "BigQuery magic against the in-process BigQuery emulator (nested module bq/emutest)"
# The emulator's first compile is heavy (about 15 minutes, 6.5 GB on 2 cores); later runs reuse the cache.
(cd bq/emutest && go test -count=1 ./...)
./scripts/build-emulator.sh

step "fuzz targets, briefly (make fuzz runs them longer)"
FUZZTIME=${FUZZTIME:-3s} ./scripts/fuzz.sh

step "end-to-end tests with jupyter_client, jupyter_kernel_test, nbclient, papermill, jupyter-console"
export JUPYTER_DATA_DIR="$ROOT/.cache/jupyter-data"
export JUPYTER_CONFIG_DIR="$ROOT/.cache/jupyter-config"
export JUPYTER_RUNTIME_DIR="$ROOT/.cache/jupyter-runtime"
export IPYTHONDIR="$ROOT/.cache/ipython"
rm -rf "$JUPYTER_DATA_DIR"
./bin/gokernel install --user
"$VENV/bin/python" -m ipykernel install --user --name python3 >/dev/null
PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/e2e "$@"

step "browser tests: JupyterLab 4 and Notebook 7 in Debian's Chromium (playwright-core)"
if [ ! -x /usr/bin/chromium ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
(cd tests/browser && npm ci --no-audit --no-fund && JUPYTER="$VENV/bin/jupyter" node --test --test-concurrency=1 frontends.test.js)

step "pip install gokernel: the wheel in a fresh venv with JupyterLab (kernelspec list, nbclient, launcher, uninstall)"
# The venvs are cached under .cache/wheel-* keyed by their requirements; the
# first run installs JupyterLab from PyPI into a new one.
wheel=$(python3 scripts/build-wheel.py --out .cache/wheel-dist)
GOKERNEL_WHEEL=$wheel "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/wheel
