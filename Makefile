# gokernel: the two commands a newcomer needs are `make run` and `make test`.
.PHONY: build install test test-fresh bench fuzz run examples

build:
	go build -o bin/gokernel .

install: build
	./bin/gokernel install --user

test:
	./scripts/test.sh

# The test command on a fresh clone with empty Go, pip and npm caches (what a new machine sees).
test-fresh:
	./scripts/test-fresh.sh

bench: build
	./scripts/bench.sh

run:
	./scripts/run.sh

fuzz:
	FUZZTIME=$${FUZZTIME:-30s} ./scripts/fuzz.sh

# Regenerates examples/auth_bigquery.ipynb's saved outputs against the loopback test servers.
examples:
	./scripts/make-examples.sh
