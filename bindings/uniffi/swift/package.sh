#!/usr/bin/env bash
# Lays out the Swift package from uniffi's output: package.sh GENERATED_DIR PACKAGE_DIR PACKAGE_SWIFT
set -euo pipefail
gen=$1 pkg=$2 manifest=$3
mkdir -p "$pkg/Sources/IotMqtt" "$pkg/Sources/IotMqttFFI"
cp "$manifest" "$pkg/Package.swift"
cp "$gen/IotMqtt.swift" "$pkg/Sources/IotMqtt/IotMqtt.swift"
cp "$gen/IotMqttFFI.h" "$pkg/Sources/IotMqttFFI/IotMqttFFI.h"
# SwiftPM wants the file named module.modulemap; a system library also names what to link.
sed 's/^\(\s*\)export \*/\1link "iotmqtt_uniffi"\n\1export */' "$gen/IotMqttFFI.modulemap" \
  > "$pkg/Sources/IotMqttFFI/module.modulemap"
echo "swift package: $pkg"
