#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 30s; the test command uses
# a few seconds). Crashers land in the package's testdata/fuzz and must become
# regression tests; seed corpora are checked in there too.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./bq/emutest/' | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "=== fuzz $pkg $target ($FUZZTIME)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
  done
done
