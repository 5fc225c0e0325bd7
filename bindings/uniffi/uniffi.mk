# Kotlin and Swift through uniffi (bindings/uniffi). Included by the root Makefile.
#
#   make kotlin     generate the Kotlin bindings and run the Kotlin suite with Maven (scenarios,
#                   credentials vectors, topics, a device session against `iotmqtt emulator`)
#   make swift      generate the Swift package (module IotMqtt) and check what can be checked
#                   without a Swift toolchain (see bindings/uniffi/README.md)
#
# The generated sources live in $(CARGO_TARGET_DIR)/uniffi (not committed: they are a pure
# function of the library and the pinned uniffi version, regenerated in about a second).

UNIFFI_DIR := bindings/uniffi
UNIFFI_OUT := $(CARGO_TARGET_DIR)/uniffi
UNIFFI_LIB := $(CARGO_TARGET_DIR)/debug/libiotmqtt_uniffi.so
UNIFFI_BINDGEN = $(CARGO) run -q -p iotmqtt-uniffi --bin uniffi-bindgen -- generate --no-format --library $(UNIFFI_LIB)
MVN ?= mvn
MVN_FLAGS ?= -B -ntp

# Java and Maven (preinstalled on the project's machines; installed from Debian when missing).
KOTLIN_APT_STAMP := $(CARGO_TARGET_DIR)/.stamps/apt-kotlin
$(KOTLIN_APT_STAMP):
	@mkdir -p $(dir $@)
	@if ! command -v java >/dev/null || ! command -v $(MVN) >/dev/null; then echo "installing: default-jdk-headless maven"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >/dev/null; fi
	@touch $@

.PHONY: uniffi-lib
uniffi-lib:
	$(CARGO) build -q -p iotmqtt-uniffi

# The suite starts `iotmqtt emulator` itself (built here); Maven downloads its dependencies
# from Maven Central on the first run and keeps them in ~/.m2.
.PHONY: kotlin
kotlin: deps $(KOTLIN_APT_STAMP) uniffi-lib
	$(CARGO) build -q -p iotmqtt-cli
	rm -rf $(UNIFFI_OUT)/kotlin
	$(UNIFFI_BINDGEN) --language kotlin --out-dir $(UNIFFI_OUT)/kotlin
	cd $(UNIFFI_DIR)/kotlin && $(MVN) $(MVN_FLAGS) test \
	  -Duniffi.kotlin.dir=$(UNIFFI_OUT)/kotlin \
	  -Duniffi.lib.dir=$(CARGO_TARGET_DIR)/debug \
	  -Diotmqtt.repo=$(CURDIR) \
	  -Diotmqtt.cli=$(CARGO_TARGET_DIR)/debug/iotmqtt

# The Swift package: Package.swift (committed template), the generated IotMqtt.swift, and the
# C module uniffi generates (header + modulemap) as a system-library target linking the cdylib.
SWIFT_PKG := $(UNIFFI_OUT)/swift/IotMqtt
.PHONY: swift
swift: uniffi-lib
	rm -rf $(UNIFFI_OUT)/swift $(UNIFFI_OUT)/swift-gen $(UNIFFI_OUT)/swift-again
	$(UNIFFI_BINDGEN) --language swift --out-dir $(UNIFFI_OUT)/swift-gen
	$(UNIFFI_BINDGEN) --language swift --out-dir $(UNIFFI_OUT)/swift-again
	bash $(UNIFFI_DIR)/swift/package.sh $(UNIFFI_OUT)/swift-gen $(SWIFT_PKG) $(UNIFFI_DIR)/swift/Package.swift
	bash $(UNIFFI_DIR)/swift/check.sh $(SWIFT_PKG) $(UNIFFI_OUT)/swift-gen $(UNIFFI_OUT)/swift-again $(UNIFFI_LIB)
