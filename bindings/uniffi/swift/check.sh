#!/usr/bin/env bash
# What can be checked of the Swift package without a Swift toolchain:
#   check.sh PACKAGE_DIR GENERATED_DIR REGENERATED_DIR CDYLIB
# 1. every file of the package is there; 2. generating twice gives the same bytes; 3. the
# modulemap names the header and the library; 4. the header compiles as C11 (gcc, -Werror);
# 5. every function the header declares is exported by the cdylib (a C program taking the
# address of each links and runs); 6. the Swift file declares the API the README documents.
# With `swift` on PATH it also builds the package.
set -euo pipefail
pkg=$1 gen=$2 again=$3 lib=$4
fail() { echo "swift check: $*" >&2; echo "swift: $passed passed, 1 failed"; exit 1; }
passed=0
ok() { echo "swift check: $*"; passed=$((passed + 1)); }
work=$(dirname "$pkg")/check
rm -rf "$work" && mkdir -p "$work"

for f in Package.swift Sources/IotMqtt/IotMqtt.swift Sources/IotMqttFFI/IotMqttFFI.h Sources/IotMqttFFI/module.modulemap; do
  [ -s "$pkg/$f" ] || fail "missing $f"
done
ok "package files present"

diff -r "$gen" "$again" >/dev/null || { diff -ru "$gen" "$again" | head -40; fail "two generations differ"; }
ok "generation is stable ($(ls "$gen" | wc -l) files, identical twice)"

map=$pkg/Sources/IotMqttFFI/module.modulemap
grep -q '^module IotMqttFFI' "$map" || fail "modulemap does not declare module IotMqttFFI"
grep -q 'header "IotMqttFFI.h"' "$map" || fail "modulemap does not name IotMqttFFI.h"
grep -q 'link "iotmqtt_uniffi"' "$map" || fail "modulemap does not link iotmqtt_uniffi"
ok "modulemap names the header and links iotmqtt_uniffi"

# _Nullable/_Nonnull are clang's nullability qualifiers (what Swift imports); gcc has none.
cflags=(-std=c11 -Wall -Wextra -Werror -D_Nullable= -D_Nonnull= -I "$pkg/Sources/IotMqttFFI")
printf '#include "IotMqttFFI.h"\n' > "$work/header.c"
gcc -fsyntax-only "${cflags[@]}" "$work/header.c" || fail "the header does not compile as C"
ok "IotMqttFFI.h compiles as C11 with gcc -Werror"

names=$(grep -oE '\b(uniffi_iotmqtt_[a-z0-9_]+|ffi_iotmqtt_[a-z0-9_]+)\(' "$pkg/Sources/IotMqttFFI/IotMqttFFI.h" | tr -d '(' | sort -u)
count=$(echo "$names" | grep -c . || true)
[ "$count" -gt 100 ] || fail "only $count functions in the header"
{
  printf '#include <stdio.h>\n#include "IotMqttFFI.h"\n'
  printf 'static void (*const fns[])(void) = {\n'
  for n in $names; do printf '    (void (*)(void))%s,\n' "$n"; done
  printf '};\nint main(void) {\n    size_t n = sizeof fns / sizeof fns[0];\n'
  printf '    for (size_t i = 0; i < n; i++) if (fns[i] == 0) return 1;\n'
  printf '    printf("%%zu\\n", n);\n    return 0;\n}\n'
} > "$work/symbols.c"
libdir=$(cd "$(dirname "$lib")" && pwd)
gcc "${cflags[@]}" -Wno-cast-function-type -Wno-pedantic -o "$work/symbols" "$work/symbols.c" \
  -L "$libdir" -liotmqtt_uniffi -Wl,-rpath,"$libdir" || fail "a declared function is missing from the library"
linked=$("$work/symbols")
[ "$linked" = "$count" ] || fail "linked $linked of $count functions"
ok "all $count functions the header declares link against $(basename "$lib")"

# One line, runs of blanks squeezed: uniffi puts `public` on its own line before some types.
flat=$(tr -s ' \n' '  ' < "$pkg/Sources/IotMqtt/IotMqtt.swift")
for api in 'open class Client' 'open class IotdaDevice' 'open class DeviceAuth' 'public enum IotMqttError' \
  'public enum Packet' 'public enum Event' 'public enum DeviceEvent' 'public enum Topic' \
  'public func decode(' 'public func encode(' 'public func parseTopic(' 'public func buildTopic(' \
  'public func defaultClientConfig(' 'public func defaultDeviceConfig(' 'import IotMqttFFI'; do
  grep -qF "$api" <<< "$flat" || fail "IotMqtt.swift lacks '$api'"
done
ok "IotMqtt.swift declares the documented API"

if command -v swift >/dev/null; then
  (cd "$pkg" && swift build) || fail "swift build failed"
  ok "swift build passed"
else
  echo "swift check: no Swift toolchain here: IotMqtt.swift was not compiled (see bindings/uniffi/README.md)"
fi
echo "swift: $passed passed, 0 failed"
