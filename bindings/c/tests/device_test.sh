#!/usr/bin/env bash
# examples/c/device.c against two "platforms":
#  1. mosquitto: the login of the current UTC hour (seen in the broker's log), property reports,
#     a command answered on its response topic, a broker restart with a fresh login, and a
#     clean exit on SIGTERM;
#  2. the `iotmqtt emulator` (when its binary is given): the emulator checks the login against
#     its registry, a command and a property query sent through its HTTP API are answered by the
#     device, the reported properties show up, and an emulator restart is followed by a fresh,
#     again verified login.
#
#   device_test.sh path/to/device [path/to/iotmqtt]
set -euo pipefail

DEVICE_BIN=$1
IOTMQTT_BIN=${2:-}
DEV=5f1c0d2e_cexample01
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
    for f in device.log sub.log broker.log emulator.err http.out; do
        [[ -f $WORK/$f ]] && { echo "--- $f" >&2; tail -n 40 "$WORK/$f" >&2; }
    done
    exit 1
}

# Waits up to $3 seconds for the extended regex $2 to appear in file $1.
wait_for() {
    local file=$1 pattern=$2 deadline=$((SECONDS + $3))
    until grep -qE -- "$pattern" "$file" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# Waits up to $4 seconds until the regex $2 appears at least $3 times in file $1.
wait_count() {
    local file=$1 pattern=$2 count=$3 deadline=$((SECONDS + $4))
    until (($(grep -cE -- "$pattern" "$file" 2>/dev/null || true) >= count)); do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# The ClientId of a login made now: {device_id}_0_0_{YYYYMMDDHH}, this hour or the last one.
login_pattern() {
    echo "${DEV}_0_0_($(date -u +%Y%m%d%H)|$(date -u -d '-1 hour' +%Y%m%d%H))"
}

start_device() {
    "$DEVICE_BIN" --host 127.0.0.1 --port "$1" --device-id "$DEV" --secret "$SECRET" \
        --report-ms 300 --keep-alive 30 --reconnect-max-ms 1000 >"$WORK/device.log" 2>&1 &
    DEVICE=$!
    PIDS+=("$DEVICE")
}

stop_device() {
    kill -TERM "$DEVICE"
    wait "$DEVICE" || fail "the device exited with $?"
    grep -qE "^disconnected" "$WORK/device.log" || fail "no clean DISCONNECT on SIGTERM"
}

# ---------------------------------------------------------------- 1. mosquitto

# Starts mosquitto on $PORT (a random free one unless FIXED_PORT) and checks it is the one
# listening there.
start_broker() {
    local tries=0
    while :; do
        [[ -n ${FIXED_PORT:-} ]] || PORT=$((20000 + RANDOM % 30000))
        mosquitto -v -p "$PORT" >>"$WORK/broker.log" 2>&1 &
        BROKER=$!
        for _ in $(seq 50); do
            if ss -ltnpH "sport = :$PORT" 2>/dev/null | grep -qE "pid=$BROKER,"; then
                PIDS+=("$BROKER")
                return 0
            fi
            kill -0 "$BROKER" 2>/dev/null || break
            sleep 0.1
        done
        kill "$BROKER" 2>/dev/null || true
        tries=$((tries + 1))
        ((tries < 20)) || { echo "no free port for mosquitto" >&2; exit 1; }
    done
}

start_broker
FIXED_PORT=$PORT
mosquitto_sub -p "$PORT" -V mqttv311 -v \
    -t "\$oc/devices/$DEV/sys/properties/report" \
    -t "\$oc/devices/$DEV/sys/commands/response/#" >"$WORK/sub.log" 2>&1 &
PIDS+=($!)
start_device "$PORT"

wait_for "$WORK/device.log" "^connected" 10 || fail "the device did not connect to mosquitto"
wait_for "$WORK/broker.log" "New client connected .* as $(login_pattern) " 5 \
    || fail "no login with the ClientId of the current UTC hour"
wait_for "$WORK/device.log" "^subscribed" 5 || fail "no SUBACK"
wait_for "$WORK/sub.log" 'properties/report \{"services":\[\{"service_id":"Sensor"' 10 \
    || fail "no property report arrived"

mosquitto_pub -p "$PORT" -V mqttv311 -q 1 -t "\$oc/devices/$DEV/sys/commands/request_id=42" \
    -m '{"service_id":"Light","command_name":"on","paras":{"level":3}}'
wait_for "$WORK/device.log" '^command request_id=42 .*"command_name":"on"' 10 \
    || fail "the command did not arrive"
wait_for "$WORK/sub.log" 'commands/response/request_id=42 \{"result_code":0' 10 \
    || fail "no command response"

# The broker goes away and comes back: the device logs in again with fresh credentials.
kill "$BROKER"
wait "$BROKER" 2>/dev/null || true
wait_for "$WORK/device.log" "^lost " 10 || fail "the loss was not noticed"
start_broker
wait_for "$WORK/device.log" "^reconnecting" 10 || fail "no reconnect attempt"
wait_count "$WORK/device.log" "^connected" 2 15 || fail "the device did not reconnect"
wait_count "$WORK/broker.log" "New client connected .* as $(login_pattern) " 2 5 \
    || fail "no fresh login for the reconnect"
REPORTS=$(grep -c "^reported" "$WORK/device.log")
wait_count "$WORK/device.log" "^reported" $((REPORTS + 1)) 5 || fail "no report after the reconnect"
stop_device
echo "device_test (mosquitto): ok — $(grep -c '^reported' "$WORK/device.log") reports, a command answered, reconnected with a fresh login"

# ---------------------------------------------------------------- 2. the iotmqtt emulator

if [[ -z $IOTMQTT_BIN ]]; then
    echo "device_test (emulator): not run — no iotmqtt binary given"
    exit 0
fi

cat >"$WORK/registry.json" <<EOF
{"devices": [{"device_id": "$DEV", "product_id": "5f1c0d2e", "node_id": "cexample01", "secret": "$SECRET"}]}
EOF

# Starts the emulator (MQTT on $1, 0 for any) and reads its ports from the first stdout line.
start_emulator() {
    rm -f "$WORK/ports"
    "$IOTMQTT_BIN" emulator --port "$1" --http 0 --registry "$WORK/registry.json" \
        >"$WORK/ports" 2>>"$WORK/emulator.err" &
    EMULATOR=$!
    PIDS+=("$EMULATOR")
    wait_for "$WORK/ports" '"mqtt":' 20 || fail "the emulator printed no ports"
    MQTT_PORT=$(sed -n '1s/.*"mqtt":\([0-9]*\).*/\1/p' "$WORK/ports")
    HTTP_PORT=$(sed -n '1s/.*"http":\([0-9]*\).*/\1/p' "$WORK/ports")
    [[ -n $MQTT_PORT && -n $HTTP_PORT ]] || fail "cannot read the ports: $(head -n 1 "$WORK/ports")"
}

http() { # method path [body]
    curl -sS -m 30 -X "$1" -H 'content-type: application/json' ${3:+--data "$3"} \
        "http://127.0.0.1:$HTTP_PORT$2" | tee "$WORK/http.out"
}

start_emulator 0
rm -f "$WORK/device.log"
start_device "$MQTT_PORT"
wait_for "$WORK/device.log" "^connected" 10 || fail "the emulator did not accept the device's login"
wait_for "$WORK/device.log" "^reported" 10 || fail "no report to the emulator"
for _ in $(seq 50); do
    http GET "/devices/$DEV" >/dev/null
    grep -qE '"online": *true' "$WORK/http.out" && break
    sleep 0.1
done
grep -qE '"online": *true' "$WORK/http.out" || fail "the emulator does not show the device online"

ANSWER=$(http POST "/devices/$DEV/commands" '{"service_id":"Light","command_name":"on","paras":{"level":3}}')
echo "$ANSWER" | grep -qE '"result_code": *0' || fail "no command answer through the HTTP API: $ANSWER"
echo "$ANSWER" | grep -qE '"result": *"done"' || fail "the command answer is not the device's: $ANSWER"
grep -qE '^command request_id=[^ ]+ .*"level":3' "$WORK/device.log" || fail "the device saw no command"

ANSWER=$(http POST "/devices/$DEV/properties/get" '{"service_id":"Sensor"}')
echo "$ANSWER" | grep -qE '"temperature"' || fail "no property query answer: $ANSWER"
for _ in $(seq 50); do
    http GET "/devices/$DEV/properties" >/dev/null
    grep -qE '"reports"' "$WORK/http.out" && break
    sleep 0.1
done
grep -qE '"service_id": *"Sensor"' "$WORK/http.out" || fail "the reported properties are not at the emulator"

# The emulator restarts on the same port: a fresh login, verified again.
kill "$EMULATOR"
wait "$EMULATOR" 2>/dev/null || true
wait_for "$WORK/device.log" "^lost " 10 || fail "the loss was not noticed"
start_emulator "$MQTT_PORT"
wait_count "$WORK/device.log" "^connected" 2 15 || fail "no verified login after the emulator restarted"
ANSWER=$(http POST "/devices/$DEV/commands" '{"service_id":"Light","command_name":"off","paras":{}}')
echo "$ANSWER" | grep -qE '"result_code": *0' || fail "no command answer after the reconnect: $ANSWER"
stop_device
echo "device_test (iotmqtt emulator): ok — login verified twice, command and property query answered over the HTTP API"
