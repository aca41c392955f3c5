# gokernel: the two commands a newcomer needs are `make run` and `make test`.
.PHONY: build install wheel test test-fresh bench bench-bq fuzz run examples gotest gotest-compiled gotest-corpus

build:
	go build -trimpath -o bin/gokernel .

install: build
	./bin/gokernel install --user

# The platform wheel for `pip install gokernel` in dist/ (VERSION=X.Y.Z for a release).
wheel:
	python3 scripts/build-wheel.py --out dist

test:
	./scripts/test.sh

# The test command on a fresh clone with empty Go, pip and npm caches (what a new machine sees).
test-fresh:
	./scripts/test-fresh.sh

# Go's own test suite as notebook cells, interpreter alone: the `// run` programs of $GOROOT/test (and typeparam,
# ken, chan, interface) as two cells each in real kernels, compared with go run. Prints the
# table; per-program results in artifacts/gotest/suite.{json,tsv}. GOTESTFLAGS="-v -j 2 -run ken/".
gotest: build
	GOKERNEL_COMPILE=off go run ./internal/gotest/cmd/gotest suite $(GOTESTFLAGS)

# The same with the compiled tier (GOKERNEL_COMPILE=auto): the issue's yardstick for compiled
# cells; results in artifacts/gotest-compiled/.
gotest-compiled: build
	GOKERNEL_COMPILE=auto go run ./internal/gotest/cmd/gotest suite -artifacts artifacts/gotest-compiled $(GOTESTFLAGS)

# The multi-cell corpus (internal/gotest/corpus) against go run of the equivalent programs
# (also part of make test, with a floor: internal/gotest/testdata/corpus-baseline.json).
gotest-corpus: build
	go run ./internal/gotest/cmd/gotest corpus $(GOTESTFLAGS)

bench: build
	./scripts/bench.sh

bench-bq: build
	./scripts/bench-bq.sh

run:
	./scripts/run.sh

fuzz:
	FUZZTIME=$${FUZZTIME:-30s} ./scripts/fuzz.sh

# Regenerates examples/auth_bigquery.ipynb's saved outputs against the loopback test servers.
examples:
	./scripts/make-examples.sh

.PHONY: image-test image-bases
# Builds the Docker image with buildah from locally made stand-in bases and runs it (JupyterLab,
# a Go cell, plugins, the notebook user). Root, buildah and debootstrap; heavy: not in `make test`.
image-test:
	./scripts/image-test.sh

# Only the stand-in bases (cached in buildah's storage).
image-bases:
	./scripts/image-bases.sh
