# Strata's build. `make demo` and `make test` work on a fresh Debian machine as root: they install
# the system packages Strata needs (libyara-dev, pkg-config, gcc) when missing.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
export CGO_ENABLED := 1

# containers/image without gpgme, the containers/storage and docker daemon transports, or btrfs.
TAGS := containers_image_openpgp containers_image_storage_stub containers_image_docker_daemon_stub exclude_graphdriver_btrfs
GOFLAGS_TAGS := -tags "$(TAGS)"
# The version, commit and build date `strata version` prints and custody records and SARIF name.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
BUILDINFO := github.com/strata-forensics/strata/internal/buildinfo
LDFLAGS := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(BUILD_DATE)
APT_PACKAGES := libyara-dev pkg-config gcc strace bsdutils
TOOLS := $(CURDIR)/.cache/bin
FUZZTIME ?= 10s

.PHONY: all deps build test demo bench lint fuzz clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! command -v go >/dev/null 2>&1; then missing="$$missing golang-go"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@go mod download

build: deps
	go build $(GOFLAGS_TAGS) -ldflags "$(LDFLAGS)" -o bin/strata ./cmd/strata

test: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	go vet $(GOFLAGS_TAGS) ./...
	go test $(GOFLAGS_TAGS) -count=1 ./...

DEMO := testdata/images
DEMO_REPORT ?= $(CURDIR)/.cache/demo/tracing-report.html
demo: build
	@echo; echo "== strata diff: what changed between the original and the suspect image =="; echo
	bin/strata diff $(DEMO)/demo-original.tar $(DEMO)/demo-suspect.tar
	@echo; echo "== strata scan: the suspect on its own, no original needed =="; echo
	bin/strata scan $(DEMO)/demo-suspect.tar
	@echo; echo "== strata dockerfile: which step made which layer =="; echo
	bin/strata dockerfile $(DEMO)/demo-suspect.tar
	@echo; echo "== strata layers --layer 5: what the replaced last layer holds =="; echo
	bin/strata layers --layer 5 $(DEMO)/demo-suspect.tar
	@echo; echo "== strata report: the tracing report of the pair, from the history database =="; echo
	@mkdir -p $(dir $(DEMO_REPORT))
	bin/strata report --diff --format html -o $(DEMO_REPORT) $(DEMO)/demo-original.tar $(DEMO)/demo-suspect.tar

# Image-sized benchmarks run once each (they time whole passes and report ratios against a
# floor measured in the same run); the generated images are cached in .cache/bench.
BENCH_DIR ?= $(CURDIR)/.cache/bench
bench: deps
	STRATA_BENCH_DIR=$(BENCH_DIR) go test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchtime 1x -timeout 60m ./forensics/... ./audit/...
	go test $(GOFLAGS_TAGS) -run '^$$' -bench . -timeout 20m ./signatures/... ./tui/...

lint: deps
	@test -x $(TOOLS)/staticcheck || GOBIN=$(TOOLS) go install honnef.co/go/tools/cmd/staticcheck@latest
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet $(GOFLAGS_TAGS) ./...
	$(TOOLS)/staticcheck $(GOFLAGS_TAGS) ./...

fuzz: deps
	@for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' . | head -1 | xargs dirname); \
		echo "== $$t ($$pkg)"; \
		go test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

clean:
	rm -rf bin .cache
