//go:build tools

// This file pins the emulator's command in this module so that
// scripts/build-emulator.sh can build the bigquery-emulator binary (for the
// end-to-end tests in tests/e2e/test_bq.py) with the same dependency
// versions, and the same build cache, as the in-process tests here.
// `go install ...@v0.8.1` does not work through this machine's module proxy.
package emutest

import _ "github.com/goccy/bigquery-emulator/cmd/bigquery-emulator"
