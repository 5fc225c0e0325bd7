#!/usr/bin/env bash
# examples/c/device.c against mosquitto playing the platform: login with the credentials of the
# current UTC hour, property reports, a command answered on its response topic, a reconnect
# (fresh login) after the broker restarts, and a clean exit on SIGTERM.
#
#   device_test.sh path/to/device
set -euo pipefail

DEVICE_BIN=$1
DEV=c_example_01
SECRET=s3cr3t-Key
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "device_test: FAIL: $*" >&2
    echo "--- device log" >&2; cat "$WORK/device.log" >&2 || true
    echo "--- subscriber" >&2; cat "$WORK/sub.log" >&2 || true
    exit 1
}

# Waits up to $3 seconds for $2 to appear in file $1.
wait_for() {
    local file=$1 pattern=$2 deadline=$((SECONDS + $3))
    until grep -qE "$pattern" "$file" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# Starts mosquitto on $PORT (a random free one unless set) and checks it is the one listening.
start_broker() {
    local tries=0
    while :; do
        [[ -n ${FIXED_PORT:-} ]] || PORT=$((20000 + RANDOM % 30000))
        mosquitto -p "$PORT" >"$WORK/broker.log" 2>&1 &
        BROKER=$!
        for _ in $(seq 50); do
            if ss -ltnpH "sport = :$PORT" 2>/dev/null | grep -q "pid=$BROKER,"; then
                PIDS+=("$BROKER")
                return 0
            fi
            kill -0 "$BROKER" 2>/dev/null || break
            sleep 0.1
        done
        kill "$BROKER" 2>/dev/null || true
        tries=$((tries + 1))
        ((tries < 10)) || { echo "no free port for mosquitto" >&2; exit 1; }
    done
}

start_broker
FIXED_PORT=$PORT

mosquitto_sub -p "$PORT" -V mqttv311 -v \
    -t "\$oc/devices/$DEV/sys/properties/report" \
    -t "\$oc/devices/$DEV/sys/commands/response/#" >"$WORK/sub.log" 2>&1 &
PIDS+=($!)

"$DEVICE_BIN" --host 127.0.0.1 --port "$PORT" --device-id "$DEV" --secret "$SECRET" \
    --report-ms 300 --keep-alive 30 --reconnect-max-ms 1000 >"$WORK/device.log" 2>&1 &
DEVICE=$!
PIDS+=("$DEVICE")

HOUR=$(date -u +%Y%m%d%H)
wait_for "$WORK/device.log" "^connected" 10 || fail "the device did not connect"
grep -qE "^login client_id=${DEV}_0_0_(${HOUR}|$(date -u -d '-1 hour' +%Y%m%d%H))$" "$WORK/device.log" \
    || fail "no login with the ClientId of the current UTC hour"
wait_for "$WORK/device.log" "^subscribed" 5 || fail "no SUBACK"
wait_for "$WORK/sub.log" "properties/report \{\"services\"" 10 || fail "no property report arrived"

# A command from the "platform"; the answer must come back on the response topic.
mosquitto_pub -p "$PORT" -V mqttv311 -q 1 -t "\$oc/devices/$DEV/sys/commands/request_id=42" \
    -m '{"service_id":"Light","command_name":"on","paras":{"level":3}}'
wait_for "$WORK/device.log" "^command request_id=42 " 10 || fail "the command did not arrive"
wait_for "$WORK/sub.log" "commands/response/request_id=42 \{\"result_code\":0" 10 \
    || fail "no command response"

# The broker goes away and comes back: the device logs in again with fresh credentials.
kill "$BROKER"
wait "$BROKER" 2>/dev/null || true
wait_for "$WORK/device.log" "^lost " 10 || fail "the loss was not noticed"
start_broker
wait_for "$WORK/device.log" "^reconnecting" 10 || fail "no reconnect attempt"
for _ in $(seq 100); do
    (($(grep -c "^connected" "$WORK/device.log") >= 2)) && break
    sleep 0.1
done
(($(grep -c "^connected" "$WORK/device.log") >= 2)) || fail "the device did not reconnect"
(($(grep -c "^login " "$WORK/device.log") >= 2)) || fail "no fresh login for the reconnect"
REPORTS=$(grep -c "^reported" "$WORK/device.log")
for _ in $(seq 50); do
    (($(grep -c "^reported" "$WORK/device.log") > REPORTS)) && break
    sleep 0.1
done
(($(grep -c "^reported" "$WORK/device.log") > REPORTS)) || fail "no report after the reconnect"

kill -TERM "$DEVICE"
wait "$DEVICE" || fail "the device exited with $?"
grep -q "^disconnected" "$WORK/device.log" || fail "no clean DISCONNECT on SIGTERM"
echo "device_test (mosquitto): ok — $(grep -c '^reported' "$WORK/device.log") reports, command answered, reconnected"
