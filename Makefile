# iotmqtt: the one entry point. Every target installs what it needs on a fresh Debian machine.
#
#   make demo     a device and the local IoTDA emulator talk over loopback (the transcript)
#   make test     every test in every language
#   make lint     rustfmt + clippy -D warnings
#   make bench    the codec and session benchmarks (release build, peers measured in the same run)
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
	@need=""; for p in mosquitto mosquitto-clients; do dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
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
	$(CARGO) test --workspace --doc

.PHONY: lint
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps -q

# ---------------------------------------------------------------- the two commands
.PHONY: test
test: lint test-rust

.PHONY: demo
demo:
	@echo "make demo: not yet — the CLI and the emulator land with issue 5."

.PHONY: bench
bench:
	cd bench && $(CARGO) bench

.PHONY: ci
ci: test
