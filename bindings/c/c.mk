# The C binding (bindings/c): header, libraries, install, tests. Included by the root Makefile.
#
#   make header                  regenerate bindings/c/include/iotmqtt.h with cbindgen
#   make install PREFIX=/usr/local   the header, libiotmqtt.a, libiotmqtt.so and iotmqtt.pc
#   make c-test                  the C suites (plain, valgrind, ASan+UBSan) and the device example
#                                against mosquitto and the iotmqtt emulator
#   make footprint               Cortex-M4 flash sizes and x86_64 library sizes (BENCHMARKS.md)

C_DIR := bindings/c
C_OUT := $(CARGO_TARGET_DIR)/c
C_TOOLS := $(CARGO_TARGET_DIR)/tools
CBINDGEN_VERSION := 0.29.4
CBINDGEN := $(C_TOOLS)/bin/cbindgen
PREFIX ?= /usr/local
# The profile `make install` builds; the tests install a debug build (no release builds in tests).
C_PROFILE ?= release
C_PROFILE_DIR = $(if $(filter dev,$(C_PROFILE)),debug,$(C_PROFILE))
C_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# What `rustc --print native-static-libs` reports for the staticlib on Linux (glibc).
C_NATIVE_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
C_CFLAGS := -std=c11 -Wall -Wextra -Werror -pedantic -g -O1
C_SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
C_TEST_PREFIX := $(C_OUT)/prefix
C_TESTS := test_codec test_client test_iotda test_device test_args test_scenarios
C_PKG = PKG_CONFIG_PATH=$(C_TEST_PREFIX)/lib/pkgconfig pkg-config

C_APT_STAMP := $(CARGO_TARGET_DIR)/.stamps/apt-c
$(C_APT_STAMP):
	@mkdir -p $(dir $@)
	@need=""; for p in gcc make pkg-config valgrind curl libcjson-dev mosquitto mosquitto-clients; do \
	  dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then echo "installing:$$need"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
	@touch $@

# cbindgen from crates.io, pinned, installed once per target directory.
$(CBINDGEN):
	$(CARGO) install cbindgen --locked --version $(CBINDGEN_VERSION) --root $(C_TOOLS)

.PHONY: header
header: $(CBINDGEN)
	cd $(C_DIR) && $(CBINDGEN) --quiet --config cbindgen.toml --crate iotmqtt-c --output include/iotmqtt.h

# Fails when the committed header is not what cbindgen makes of the sources now.
.PHONY: c-header-check
c-header-check: $(CBINDGEN)
	@mkdir -p $(C_OUT)
	cd $(C_DIR) && $(CBINDGEN) --quiet --config cbindgen.toml --crate iotmqtt-c --output $(C_OUT)/iotmqtt.h
	@diff -u $(C_DIR)/include/iotmqtt.h $(C_OUT)/iotmqtt.h || \
	  { echo "bindings/c/include/iotmqtt.h is stale: run 'make header' and commit it"; exit 1; }

.PHONY: install c-install
install: c-install
c-install:
	$(CARGO) build -p iotmqtt-c --profile $(C_PROFILE)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(C_DIR)/include/iotmqtt.h $(DESTDIR)$(PREFIX)/include/iotmqtt.h
	install -m 644 $(CARGO_TARGET_DIR)/$(C_PROFILE_DIR)/libiotmqtt_c.a $(DESTDIR)$(PREFIX)/lib/libiotmqtt.a
	install -m 755 $(CARGO_TARGET_DIR)/$(C_PROFILE_DIR)/libiotmqtt_c.so $(DESTDIR)$(PREFIX)/lib/libiotmqtt.so
	$(if $(filter dev,$(C_PROFILE)),,strip --strip-debug $(DESTDIR)$(PREFIX)/lib/libiotmqtt.a)
	$(if $(filter dev,$(C_PROFILE)),,strip --strip-unneeded $(DESTDIR)$(PREFIX)/lib/libiotmqtt.so)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(C_VERSION)|' -e 's|@NATIVE_LIBS@|$(C_NATIVE_LIBS)|' \
	  $(C_DIR)/iotmqtt.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/iotmqtt.pc

# The suites link the installed static library (through pkg-config, which checks the .pc file);
# the example links the shared one.
.PHONY: c-build-tests
c-build-tests: $(C_APT_STAMP)
	$(MAKE) --no-print-directory c-install PREFIX=$(C_TEST_PREFIX) C_PROFILE=dev
	@mkdir -p $(C_OUT)/bin
	@static="$$($(C_PKG) --static --libs iotmqtt | sed 's|-liotmqtt|$(C_TEST_PREFIX)/lib/libiotmqtt.a|')"; \
	cflags="$$($(C_PKG) --cflags iotmqtt) $$(pkg-config --cflags libcjson)"; \
	for t in $(C_TESTS); do \
	  echo "cc $$t"; \
	  $(CC) $(C_CFLAGS) $$cflags -o $(C_OUT)/bin/$$t $(C_DIR)/tests/$$t.c $(C_DIR)/tests/common.c \
	    $$static $$(pkg-config --libs libcjson) || exit 1; \
	  $(CC) $(C_CFLAGS) $(C_SAN_FLAGS) $$cflags -o $(C_OUT)/bin/$$t-san $(C_DIR)/tests/$$t.c \
	    $(C_DIR)/tests/common.c $$static $$(pkg-config --libs libcjson) || exit 1; \
	done
	$(CC) $(C_CFLAGS) -D_POSIX_C_SOURCE=200809L $$($(C_PKG) --cflags iotmqtt) -o $(C_OUT)/bin/device \
	  examples/c/device.c $$($(C_PKG) --libs iotmqtt) -Wl,-rpath,$(C_TEST_PREFIX)/lib

.PHONY: c-test
c-test: c-header-check c-build-tests
	@set -e; for t in $(C_TESTS); do \
	  echo "== $$t"; $(C_OUT)/bin/$$t $(CURDIR)/tests; \
	  echo "== $$t (valgrind)"; valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect,possible $(C_OUT)/bin/$$t $(CURDIR)/tests >/dev/null; \
	  echo "== $$t (ASan+UBSan)"; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(C_OUT)/bin/$$t-san $(CURDIR)/tests >/dev/null; \
	done
	$(CARGO) build -p iotmqtt-cli --bin iotmqtt
	$(C_DIR)/tests/device_test.sh $(C_OUT)/bin/device $(CARGO_TARGET_DIR)/debug/iotmqtt

# ---------------------------------------------------------------- footprint (BENCHMARKS.md, issue 7)
FOOTPRINT_TARGET := thumbv7em-none-eabihf
FOOTPRINT_OUT := $(CARGO_TARGET_DIR)/footprint
FOOTPRINT_BIN := $(FOOTPRINT_OUT)/$(FOOTPRINT_TARGET)/release
# Symbol sizes (decimal) of an ELF, summed by where the code comes from.
FOOTPRINT_BREAKDOWN = arm-none-eabi-nm --size-sort -S -t d -C $(1) | awk '$$3 !~ /^[bB]$$/ { \
  n = $$0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", n); c = "other"; \
  if (n ~ /fmt|Display|Debug/) c = "core::fmt"; \
  else if (n ~ /compiler_builtins|__aeabi|mem(cpy|set|move|cmp|clr)/) c = "compiler builtins"; \
  else if (n ~ /iotmqtt::codec/) c = "iotmqtt codec"; else if (n ~ /iotmqtt::client/) c = "iotmqtt client"; \
  else if (n ~ /iotmqtt::iotda/) c = "iotmqtt iotda"; else if (n ~ /serde_json/) c = "serde_json"; \
  else if (n ~ /serde/) c = "serde"; else if (n ~ /sha2|sm3|hmac|digest|base64/) c = "hashes, base64"; \
  else if (n ~ /alloc::/) c = "alloc"; else if (n ~ /_start/) c = "_start (app + inlined)"; \
  s[c] += $$2 } END { for (c in s) printf "    %7d  %s\n", s[c], c }' | sort -rn

.PHONY: footprint
footprint:
	@dpkg -s binutils-arm-none-eabi >/dev/null 2>&1 || { (apt-get update -qq || true) && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils-arm-none-eabi >/dev/null; }
	rustup target add $(FOOTPRINT_TARGET)
	@# The client with each of the core's optional parts, then the minimal client again (kept for
	@# the breakdown below) and the device with every part but std.
	@for f in fast-paths server fast-paths,server topic-alias enhanced-auth topic-alias,enhanced-auth \
	  fast-paths,server,topic-alias,enhanced-auth "" ; do \
	  (cd $(C_DIR)/footprint && CARGO_TARGET_DIR=$(FOOTPRINT_OUT) $(CARGO) build -q --release --bin client --features "$$f"); \
	  echo "== client [$$f] ($(FOOTPRINT_TARGET), opt-level z, LTO, panic=abort): text+rodata"; \
	  arm-none-eabi-size $(FOOTPRINT_BIN)/client; done
	cd $(C_DIR)/footprint && CARGO_TARGET_DIR=$(FOOTPRINT_OUT) $(CARGO) build -q --release --features device,fast-paths,server --bin device
	@for b in client device; do echo "== $$b ($(FOOTPRINT_TARGET), opt-level z, LTO, panic=abort): text+rodata"; \
	  arm-none-eabi-size $(FOOTPRINT_BIN)/$$b; \
	  $(call FOOTPRINT_BREAKDOWN,$(FOOTPRINT_BIN)/$$b); done
	$(CARGO) build -q -p iotmqtt-c --release
	@mkdir -p $(FOOTPRINT_OUT)/x86_64
	cp $(CARGO_TARGET_DIR)/release/libiotmqtt_c.a $(FOOTPRINT_OUT)/x86_64/libiotmqtt.a
	cp $(CARGO_TARGET_DIR)/release/libiotmqtt_c.so $(FOOTPRINT_OUT)/x86_64/libiotmqtt.so
	strip --strip-debug $(FOOTPRINT_OUT)/x86_64/libiotmqtt.a
	strip --strip-unneeded $(FOOTPRINT_OUT)/x86_64/libiotmqtt.so
	$(CC) -O2 -ffunction-sections -Wl,--gc-sections -D_POSIX_C_SOURCE=200809L -std=c11 -I$(C_DIR)/include \
	  -o $(FOOTPRINT_OUT)/x86_64/device examples/c/device.c $(FOOTPRINT_OUT)/x86_64/libiotmqtt.a $(C_NATIVE_LIBS)
	strip $(FOOTPRINT_OUT)/x86_64/device
	@echo "== x86_64, stripped (bytes)"; cd $(FOOTPRINT_OUT)/x86_64 && \
	  for f in libiotmqtt.a libiotmqtt.so device; do printf '    %9d  %s\n' "$$(stat -c %s $$f)" "$$f"; done; \
	  size libiotmqtt.so device
