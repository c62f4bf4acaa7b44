# Outreach: `make run` and `make test`. Each installs what is missing first.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never
TARGET := $(CARGO_TARGET_DIR)
# Crates under crates/ (everything but the Tauri shell and the end-to-end tests).
LIB_CRATES := outreach-domain outreach-protocol outreach-vault outreach-photo outreach-postal outreach-sync outreach-server outreach-cli

.PHONY: help run test deps deps-system deps-npm deps-driver ui build bindings \
        lint fmt-check clippy no-tauri ui-test ui-check rust-test conformance e2e badlink-smoke \
        deps-console console-e2e \
        bench-deps bench-photo fuzz-photo

help:
	@echo "make run    install what is missing, build, start the office server (SQLite, loopback) and the app"
	@echo "make test   install what is missing, then formatting, lints, every unit, integration and end-to-end test"
	@echo "make e2e    only the end-to-end tests (real app under Xvfb via tauri-driver)"
	@echo "make console-e2e   the office console in headless chromium (chromedriver), reports read back"
	@echo "make conformance   a standard tus client (tuspy) and schemathesis against the real server"
	@echo "make badlink-smoke  10 records over a shaped, delayed link in network namespaces, a few kill -9s"
	@echo "make bindings   regenerate ui/src/lib/bindings.ts and ui/src/console/bindings.ts from the Rust types"
	@echo "make bench-photo   the ID-photo pipeline against libvips on a 12-megapixel JPEG"
	@echo "make fuzz-photo    fuzz the ID-photo decode and checks (FUZZ_SECONDS=300)"

# ---------------------------------------------------------------- installation
deps: deps-system deps-npm

deps-system:
	@scripts/install-deps

deps-driver:
	@scripts/install-deps --driver

# chromium + chromedriver for the console end-to-end test, poppler-utils for reading PDF
# reports back (the server's report tests use pdftotext too).
deps-console:
	@scripts/install-console-deps

deps-npm: ui/node_modules/.package-lock.json

ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# ---------------------------------------------------------------- builds
# The app embeds ui/dist at compile time, so the UI is built before any cargo step
# that compiles the app (including clippy).
ui: deps-npm
	cd ui && npm run build --silent

# Everything in one cargo invocation with one feature set: building packages one by
# one (-p) or without the test targets unifies features differently and compiles
# Tauri and its dependencies twice.
build: ui
	cargo build --workspace --all-targets

bindings: ui
	UPDATE_BINDINGS=1 cargo test -p outreach-app --lib -- ipc::tests --quiet
	UPDATE_BINDINGS=1 cargo test -p outreach-protocol --lib -- bindings::tests --quiet

# Benchmarks' own tools, not needed by `make test`: libvips (vips, vipsthumbnail) for
# bench/photo.sh, and cmake and nasm, which its release build of libjpeg-turbo needs
# (scripts/install-deps installs them too).
BENCH_PACKAGES := libvips-tools cmake nasm

bench-deps:
	@missing=""; for p in $(BENCH_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  sudo_cmd=""; [ "$$(id -u)" -ne 0 ] && sudo_cmd=sudo; \
	  echo "bench-deps: installing$$missing"; \
	  $$sudo_cmd apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo_cmd apt-get install -y -qq --no-install-recommends $$missing; fi

# The ID-photo benchmark: ours against libvips on a 12-megapixel JPEG (bench/README.md).
bench-photo: bench-deps
	bench/photo.sh

# The ID-photo fuzzer for FUZZ_SECONDS (default 300), nightly toolchain and cargo-fuzz.
FUZZ_SECONDS ?= 300
fuzz-photo:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	mkdir -p $(TARGET)/fuzz-corpus
	cd fuzz && cargo +nightly fuzz run process $(TARGET)/fuzz-corpus corpus/process -- \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -max_len=300000

# ---------------------------------------------------------------- run
run: deps build
	scripts/run-demo

# ---------------------------------------------------------------- tests
test: deps deps-driver deps-console lint ui-test rust-test conformance badlink-smoke e2e console-e2e
	@echo "make test: all green"

lint: fmt-check ui-check clippy no-tauri

fmt-check:
	cargo fmt --all --check

clippy: ui
	cargo clippy --workspace --all-targets --quiet -- -D warnings

# No crate under crates/ may depend on tauri: the core must run in the CLI, the
# server and tests without a web view.
no-tauri:
	@for c in $(LIB_CRATES); do \
	  if cargo tree -q -p $$c -e normal,build,dev -i tauri 2>/dev/null | grep -q .; then \
	    echo "no-tauri: $$c depends on tauri"; exit 1; fi; done
	@echo "no-tauri: no crate under crates/ depends on tauri"

ui-test: deps-npm
	cd ui && npm test --silent

ui-check: deps-npm
	cd ui && npm run check --silent

# Unit and integration tests of every crate, against SQLite and a throwaway PostgreSQL.
rust-test: build deps-console
	OUTREACH_REQUIRE_POSTGRES=1 OUTREACH_REQUIRE_SQLCIPHER_TOOL=1 scripts/with-postgres cargo test --workspace

# The real server binary against standard clients: tuspy (tus.io's Python client)
# uploads photos, and schemathesis checks every answer against the OpenAPI document the
# server serves. Their Python tools are pinned in scripts/python-tools.txt and kept in
# a virtualenv outside the tree. `timeout` kills the whole process group if one hangs;
# each script stops its server on exit.
conformance: deps-system build
	timeout --kill-after=10 300 scripts/tus-conformance
	timeout --kill-after=10 600 scripts/schemathesis

# The bad-link harness, short: 10 records over pocket Wi-Fi (tbf and the fault proxy, in
# network namespaces of its own) and a few kill -9s of the tablet, then nothing lost,
# duplicated or altered. Network namespaces need root; the full profiles are
# bench/badlink.sh.
badlink-smoke: build
	@if [ "$$(id -u)" != 0 ]; then echo "badlink-smoke: skipped (network namespaces need root)"; \
	else OUT=$(TARGET)/badlink-smoke timeout --kill-after=10 300 tests/badlink/run.sh smoke; fi

# The end-to-end tests are #[ignore]d in plain `cargo test` (they need a display and
# the driver); here they run. `timeout` kills the whole process group if one hangs.
e2e: build deps-driver
	timeout --kill-after=10 900 cargo test --workspace --test e2e -- --ignored --test-threads=1 --nocapture

# The office console in Debian's headless chromium through chromedriver (fantoccini),
# against the real server serving ui/dist. Screenshots and the downloaded report (PDF
# and its first page as PNG) go to $(TARGET)/e2e-screenshots/console/.
console-e2e: build deps-console
	timeout --kill-after=10 300 cargo test --workspace --test console -- --ignored --nocapture
