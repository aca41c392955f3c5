#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 30s; the test command uses
# a few seconds). Crashers land in the package's testdata/fuzz and must become
# regression tests; seed corpora are checked in there too.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./bq/emutest/' | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    for attempt in 1 2 3; do
      echo "=== fuzz $pkg $target ($FUZZTIME)"
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$out"; then
        break
      fi
      # The go command's fuzzer sometimes ends a short run with "context
      # deadline exceeded" and no failing input (a coordinator timing issue,
      # not a finding): that is run again; a real failure writes its input.
      if grep -q 'Failing input written to' "$out" || ! grep -q 'context deadline exceeded' "$out" || [ "$attempt" = 3 ]; then
        exit 1
      fi
      echo "(the fuzzer stopped on its own deadline without a failing input: again)"
    done
  done
done
