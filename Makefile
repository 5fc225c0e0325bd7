# iotmqtt: the one entry point. Every target installs what it needs on a fresh Debian machine.
#
#   make demo     a device and a gateway talk to the local IoTDA emulator over loopback (the transcript)
#   make bench-fleet  iotmqtt device --fleet against the emulator and mosquitto: connects/s, msg/s, memory per device
#   make test     every test in every language
#   make lint     rustfmt + clippy -D warnings
#   make bench    the codec and session benchmarks (release build, peers measured in the same run)
#   make python   build the Python wheel and install it into a fresh venv under target/python
#   make python-test  pytest (scenarios, API, asyncio driver vs mosquitto), doctests, mypy --strict
#   make bench-python  Python decode and publish throughput against paho-mqtt, moat-lib-mqtt, aiomqtt
#   make header   regenerate the C header (bindings/c/include/iotmqtt.h) with cbindgen
#   make install  the C library, header and pkg-config file under PREFIX (default /usr/local)
#   make node     npm install of node/ (dev dependencies, debug build of the addon) for the tests
#   make node-test  node --test (scenarios, API, driver vs mosquitto and the emulator), tsc --noEmit
#   make bench-node  Node parsing vs mqtt-packet and QoS 1 publishing vs MQTT.js (release build)
#   make wasm     the WebAssembly binding (web and Node builds, sizes) and the web page under target/wasm/site
#   make wasm-test  wasm-bindgen-test under Node, the scenario files through the JS API, the page in headless Chromium
#   make fuzz-smoke  every cargo-fuzz target for FUZZ_SMOKE_SECONDS (30) each, from the committed seeds
#   make fuzz     every cargo-fuzz target for FUZZ_SECONDS (600) each; stats in target/fuzz-logs
#   make fuzz-corpus  regenerate fuzz/corpus from the scenario files and vectors
#   make ci       what .ci/run runs

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never

.PHONY: help
help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

# ---------------------------------------------------------------- dependencies
APT_STAMP := $(CARGO_TARGET_DIR)/.stamps/apt
$(APT_STAMP):
	@mkdir -p $(dir $@)
	@need=""; for p in mosquitto mosquitto-clients openssl; do dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then echo "installing:$$need"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
	@touch $@

.PHONY: deps
deps: $(APT_STAMP)

# paho-mqtt (PyPI) for the emulator's interoperability test (cli/tests/emulator_paho.rs, which
# also creates this venv when it is missing).
PAHO_VENV := $(CARGO_TARGET_DIR)/paho-venv
$(PAHO_VENV)/.installed: cli/tests/paho/requirements.txt
	python3 -m venv $(PAHO_VENV)
	$(PAHO_VENV)/bin/python -m pip install -q -r cli/tests/paho/requirements.txt
	@touch $@

.PHONY: paho
paho: $(PAHO_VENV)/.installed

# ---------------------------------------------------------------- rust
.PHONY: test-rust
test-rust: deps paho
	$(CARGO) test --workspace --all-targets
	$(CARGO) test -p iotmqtt --features fuzzing --test fuzz_regressions
	$(CARGO) test --workspace --doc

.PHONY: lint
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p iotmqtt --all-targets --features fuzzing -- -D warnings
# The core as a client-only firmware build takes it (BENCHMARKS.md, issue 7), so it can't rot.
	$(CARGO) clippy -p iotmqtt --all-targets --no-default-features -- -D warnings
	$(CARGO) clippy -p iotmqtt --all-targets --no-default-features --features topic-alias -- -D warnings
	$(CARGO) clippy -p iotmqtt --all-targets --no-default-features --features enhanced-auth -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps -q

# ---------------------------------------------------------------- python
# One venv per purpose under the target dir, made from scratch by these rules: the tests use a
# debug build of the extension, the benchmark a release build and the peers it measures.
PYTHON ?= python3
PY_DIR := $(CARGO_TARGET_DIR)/python
PY_VENV := $(PY_DIR)/venv
PY_BENCH_VENV := $(PY_DIR)/bench-venv
PY_TOOLS := maturin==1.16.0 pytest==9.2.0 mypy==2.4.1
PY_BENCH_TOOLS := maturin==1.16.0 paho-mqtt==2.2.0 aiomqtt==2.5.1 moat-lib-mqtt==0.8.7 pyinstrument==5.1.3

# The stamps name the tool versions: changing a pin makes a fresh venv.
PY_STAMP := $(PY_VENV)/.tools-$(shell echo '$(PY_TOOLS)' | cksum | cut -d' ' -f1)
PY_BENCH_STAMP := $(PY_BENCH_VENV)/.tools-$(shell echo '$(PY_BENCH_TOOLS)' | cksum | cut -d' ' -f1)

$(PY_STAMP):
	rm -rf $(PY_VENV) && $(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install -q $(PY_TOOLS)
	@touch $@

$(PY_BENCH_STAMP):
	rm -rf $(PY_BENCH_VENV) && $(PYTHON) -m venv $(PY_BENCH_VENV)
	$(PY_BENCH_VENV)/bin/pip install -q $(PY_BENCH_TOOLS)
	@touch $@

.PHONY: python
python: $(PY_STAMP)
	rm -rf $(PY_DIR)/wheels
	cd python && $(abspath $(PY_VENV))/bin/maturin build -q -i $(abspath $(PY_VENV))/bin/python -o $(PY_DIR)/wheels
	$(PY_VENV)/bin/pip install -q --force-reinstall --no-deps $(PY_DIR)/wheels/*.whl

# The emulator tests run `iotmqtt emulator` (the CLI, built here) over real TCP.
.PHONY: python-test
python-test: deps python
	$(CARGO) build -q -p iotmqtt-cli
	cd python && IOTMQTT_BIN=$(CARGO_TARGET_DIR)/debug/iotmqtt $(abspath $(PY_VENV))/bin/pytest -q -p no:cacheprovider tests
	cd python && $(abspath $(PY_VENV))/bin/python -m mypy --strict --no-incremental iotmqtt examples

.PHONY: bench-python
bench-python: deps $(PY_BENCH_STAMP)
	rm -rf $(PY_DIR)/bench-wheels
	cd python && $(abspath $(PY_BENCH_VENV))/bin/maturin build -q --release -i $(abspath $(PY_BENCH_VENV))/bin/python -o $(PY_DIR)/bench-wheels
	$(PY_BENCH_VENV)/bin/pip install -q --force-reinstall --no-deps $(PY_DIR)/bench-wheels/*.whl
	cd python && $(abspath $(PY_BENCH_VENV))/bin/python bench/bench.py

# ---------------------------------------------------------------- node
# `npm install` in node/ brings the dependencies of package.json (the @napi-rs/cli that builds
# the addon, ws; typescript, mqtt, mqtt-packet for tests and benchmarks) and runs the package's
# install script, which builds the addon (debug here, release for `npm install ./node`).
.PHONY: node
node:
	cd node && IOTMQTT_NODE_PROFILE=debug npm install --no-audit --no-fund

.PHONY: node-test
node-test: deps node
	$(CARGO) build -q -p iotmqtt-cli
	cd node && IOTMQTT_BIN=$(CARGO_TARGET_DIR)/debug/iotmqtt node --test --test-concurrency=1 tests/
	cd node && npx --no-install tsc --noEmit -p tsconfig.json
	git diff --exit-code -- node/index.d.ts || { echo "node/index.d.ts differs from the generated one: commit it"; exit 1; }

.PHONY: bench-node
bench-node: deps
	cd node && npm install --no-audit --no-fund
	cd node && node bench/bench.js

# ---------------------------------------------------------------- wasm (bindings/wasm)
# wasm-bindgen-cli must be the version the crate pins (checked below); it is built from crates.io
# into the target dir. wasm-opt comes from npm's `binaryen`, Chromium from Debian.
WASM_BINDGEN_VERSION := 0.2.130
WASM_TOOLS := $(CARGO_TARGET_DIR)/wasm-tools
WASM_BINDGEN := $(WASM_TOOLS)/bin/wasm-bindgen
WASM_OUT := $(CARGO_TARGET_DIR)/wasm
WASM_RAW := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/iotmqtt_wasm.wasm
WASM_NPM := bindings/wasm/node_modules/.installed

$(WASM_TOOLS)/.bindgen-$(WASM_BINDGEN_VERSION):
	@grep -q 'wasm-bindgen = "=$(WASM_BINDGEN_VERSION)"' bindings/wasm/Cargo.toml || \
	  { echo "bindings/wasm/Cargo.toml does not pin wasm-bindgen =$(WASM_BINDGEN_VERSION)"; exit 1; }
	rustup target add wasm32-unknown-unknown
	$(CARGO) install -q wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION) --root $(WASM_TOOLS) --target-dir $(WASM_TOOLS)/build
	@touch $@

$(WASM_NPM): bindings/wasm/package.json bindings/wasm/package-lock.json
	cd bindings/wasm && npm ci --no-audit --no-fund -q
	@touch $@

CHROMIUM_STAMP := $(CARGO_TARGET_DIR)/.stamps/chromium
$(CHROMIUM_STAMP):
	@mkdir -p $(dir $@)
	@if ! dpkg -s chromium >/dev/null 2>&1; then echo "installing: chromium"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	@touch $@

.PHONY: wasm
wasm: $(WASM_TOOLS)/.bindgen-$(WASM_BINDGEN_VERSION) $(WASM_NPM)
	rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
	$(CARGO) build -q -p iotmqtt-wasm --target wasm32-unknown-unknown --profile wasm-release
	rm -rf $(WASM_OUT) && mkdir -p $(WASM_OUT)
	$(WASM_BINDGEN) --target web --out-dir $(WASM_OUT)/web $(WASM_RAW)
	$(WASM_BINDGEN) --target nodejs --out-dir $(WASM_OUT)/node $(WASM_RAW)
	for f in $(WASM_OUT)/web/iotmqtt_wasm_bg.wasm $(WASM_OUT)/node/iotmqtt_wasm_bg.wasm; do \
	  bindings/wasm/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
	    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue $$f -o $$f; done
	cp -r bindings/wasm/www $(WASM_OUT)/site && cp -r $(WASM_OUT)/web $(WASM_OUT)/site/pkg
	@for f in $(WASM_RAW) $(WASM_OUT)/web/iotmqtt_wasm_bg.wasm; do \
	  printf '%s: %s bytes raw, %s bytes gzip -9\n' $$f $$(stat -c %s $$f) $$(gzip -9c $$f | wc -c); done

.PHONY: wasm-test
wasm-test: wasm $(CHROMIUM_STAMP)
	$(CARGO) clippy -q -p iotmqtt-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$(abspath $(WASM_TOOLS))/bin/wasm-bindgen-test-runner \
	  $(CARGO) test -p iotmqtt-wasm --target wasm32-unknown-unknown
	$(CARGO) build -q -p iotmqtt-cli
	IOTMQTT_WASM_PKG=$(abspath $(WASM_OUT)) IOTMQTT_BIN=$(abspath $(CARGO_TARGET_DIR))/debug/iotmqtt \
	  node --test bindings/wasm/tests/js/

# ---------------------------------------------------------------- fuzzing (fuzz/, nightly cargo-fuzz)
# One fuzzer at a time (-jobs=1), each from a scratch copy of the committed seeds so the
# repository stays clean; a crash fails the target and leaves its input under fuzz/artifacts.
# No sanitizer: core forbids unsafe code, and what the targets look for are panics and broken
# invariants, with debug assertions (overflow checks) on.
FUZZ_TARGETS := decode round_trip client_session server_session iotda_topics iotda_payloads iotda_verifier
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_SECONDS ?= 600
FUZZ_WORK := $(CARGO_TARGET_DIR)/fuzz-corpus
FUZZ_LOGS := $(CARGO_TARGET_DIR)/fuzz-logs
FUZZ_FLAGS := -O -a -s none

.PHONY: fuzz-tools
fuzz-tools: rust
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked

# $(1): seconds per target.
define fuzz_run
	cd fuzz && cargo +nightly fuzz build $(FUZZ_FLAGS)
	@mkdir -p $(FUZZ_LOGS)
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf $(FUZZ_WORK)/$$t && mkdir -p $(FUZZ_WORK)/$$t && cp fuzz/corpus/$$t/* $(FUZZ_WORK)/$$t/; \
	  echo "fuzz $$t for $(1) s"; \
	  (cd fuzz && cargo +nightly fuzz run $(FUZZ_FLAGS) $$t $(FUZZ_WORK)/$$t -- \
	    -max_total_time=$(1) -print_final_stats=1) \
	    > $(FUZZ_LOGS)/$$t.log 2>&1 || { tail -40 $(FUZZ_LOGS)/$$t.log; exit 1; }; \
	  grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_LOGS)/$$t.log | tr -s ' ' | sed "s/^/  $$t /"; \
	done
endef

.PHONY: fuzz-smoke
fuzz-smoke: fuzz-tools
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

.PHONY: fuzz
fuzz: fuzz-tools
	$(call fuzz_run,$(FUZZ_SECONDS))

.PHONY: fuzz-corpus
fuzz-corpus:
	python3 fuzz/make_corpus.py

# ---------------------------------------------------------------- the two commands
.PHONY: test
test: lint test-rust python-test c-test node-test kotlin swift wasm-test fuzz-smoke

# Rust, at the version rust-toolchain.toml pins: rustup installs it when it is missing (Debian 13
# packages rustup; older Debians have no Rust recent enough, so the message says where to get it).
.PHONY: rust
rust:
	@if ! command -v rustup >/dev/null 2>&1 && ! command -v $(CARGO) >/dev/null 2>&1; then \
	  echo "installing rustup"; (apt-get update -qq || true); \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustup >/dev/null 2>&1 || \
	  { echo "make: Rust is missing: install rustup (https://rustup.rs), then run make again" >&2; exit 1; }; fi
	@if command -v rustup >/dev/null 2>&1; then rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install --profile minimal; fi

# The CLI in debug (quick to build), then the scripted tour against an in-process emulator.
.PHONY: demo
demo: rust
	$(CARGO) build -q -p iotmqtt-cli
	$(CARGO_TARGET_DIR)/debug/iotmqtt demo

# iotmqtt device --fleet (release build) against the emulator and against mosquitto, 1,000 and
# 10,000 devices; see bench/fleet.sh and BENCHMARKS.md.
.PHONY: bench-fleet
bench-fleet: rust deps
	$(CARGO) build -q --release -p iotmqtt-cli
	bench/fleet.sh $(CARGO_TARGET_DIR)/release/iotmqtt

.PHONY: bench
bench:
	cd bench && $(CARGO) bench

.PHONY: ci
ci: test

include bindings/c/c.mk
include bindings/uniffi/uniffi.mk
