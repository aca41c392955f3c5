# gokernel: the two commands a newcomer needs are `make run` and `make test`.
.PHONY: build install test bench fuzz run

build:
	go build -o bin/gokernel .

install: build
	./bin/gokernel install --user

test:
	./scripts/test.sh

bench: build
	./scripts/bench.sh

run:
	./scripts/run.sh

fuzz:
	FUZZTIME=$${FUZZTIME:-30s} ./scripts/fuzz.sh
