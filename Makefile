# SaveKeeper for Jupyter. `make` builds dist/; `make test` runs every test,
# installing what it needs on Debian 12 first. See README.md.

SHELL   := /bin/bash
GO      ?= go
GOROOT_WASM := $(shell $(GO) env GOROOT)/lib/wasm

.PHONY: all help build release verify check lint test test-js test-wasm fuzz fuzz-brief e2e deps demo bench screenshots clean

all: build

## help: what each target does
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); print; next } /^## / { sub(/^## /, "    "); print }' $(MAKEFILE_LIST)

## build: the extension for Chrome and Firefox into dist/, with the version
## in VERSION: dist/chrome/, dist/firefox/, their packages and SHA256SUMS
build:
	$(GO) run ./cmd/pack -out dist

## release: make release VERSION=X.Y.Z sets VERSION (CHANGELOG.md must have
## its entry), builds, and writes the packages, the source archive and
## SHA256SUMS into dist/release-X.Y.Z/
release:
	@test -n "$(VERSION)" || { echo "release: say which version: make release VERSION=X.Y.Z"; exit 2; }
	$(GO) run ./cmd/pack -out dist -release $(VERSION)

## verify: the release of HEAD built from two clean clones and from its
## source archive gives the same checksums (part of make test)
verify:
	bash .ci/verify.sh

## check: the fast loop: gofmt, go mod tidy, go vet (native and js/wasm),
## Go unit tests with the race detector, the extension's JavaScript (lint, unit tests)
check:
	@unformatted="$$(gofmt -l wasm cmd e2e/stripproxy)"; if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./wasm/... ./cmd/... ./e2e/stripproxy
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/...
	$(GO) test -race ./wasm/... ./cmd/...
	$(MAKE) --no-print-directory lint test-js

## lint: ESLint (pinned in e2e/package.json) on the extension's scripts and
## on the page layer as cmd/pack joins it (needs e2e/node_modules: make deps)
lint:
	@test -d e2e/node_modules/eslint || { echo "lint: e2e/node_modules/eslint is missing: run make deps"; exit 1; }
	@mkdir -p e2e/artifacts
	$(GO) run ./cmd/pack -page e2e/artifacts/page.js
	node e2e/eslint.mjs extension/*.js e2e/artifacts/page.js

## test-js: the extension's unit tests (node, no browser)
test-js:
	node --test e2e/unit/

## test-wasm: the bridge and engine tests compiled to wasm, run by node
test-wasm:
	PATH="$$PATH:$(GOROOT_WASM)" GOOS=js GOARCH=wasm $(GO) test ./wasm/...

## fuzz: each fuzz target for $(FUZZTIME) (default 60s); seeds in testdata/fuzz.
## Minimizing a new input is capped at 5 s: inputs that wait on a renewal
## take 50 ms each, and the default minute of minimizing stalled the run.
FUZZTIME ?= 60s
FUZZ := wasm/xsrf:FuzzClassify wasm/engine:FuzzDecodeMessage
fuzz:
	@for t in $(FUZZ); do \
	  echo "fuzz $${t##*:} for $(FUZZTIME)"; \
	  $(GO) test -run='^$$' -fuzz="^$${t##*:}\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=5s ./$${t%%:*} || exit 1; \
	done

## fuzz-brief: each fuzz target for a few seconds (part of make test)
fuzz-brief:
	$(MAKE) fuzz FUZZTIME=5s

## deps: Debian packages and pinned npm packages the tests need
deps:
	bash e2e/install-deps.sh

## e2e: real Chromium and Firefox ESR with dist/ against real Jupyter servers
e2e: build
	cd e2e && node --test --test-concurrency=1 --test-reporter=spec *.test.mjs

## test: everything
test: deps check test-wasm fuzz-brief verify e2e

## bench: SaveKeeper's cost against the same browsers without it; prints the table,
## writes bench/results.json and the table in docs/benchmarks.md (BENCH_RUNS runs per figure, default 7)
bench: deps build
	node bench/bench.mjs

## demo: watch SaveKeeper recover a refused save, step by step
demo: deps build
	cd e2e && node demo.mjs

## screenshots: copy the store's images, which the README shows too, from the
## last test run (e2e/store.test.mjs writes them to e2e/artifacts/store)
screenshots:
	mkdir -p docs/store
	cp e2e/artifacts/store/*.png docs/store/

clean:
	rm -rf dist e2e/artifacts
