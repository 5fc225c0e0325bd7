#!/usr/bin/env bash
# iotmqtt device --fleet against the IoTDA emulator and against mosquitto: connects/s, messages/s
# and resident memory per connected device, for each fleet size (default 1,000 and 10,000).
#
#   bench/fleet.sh path/to/iotmqtt            (make bench-fleet builds it in release first)
#
# Knobs: FLEET_SIZES="1000 10000", FLEET_INTERVAL=1 (seconds between reports per device),
# FLEET_DURATION=10 (seconds measured once every device is connected), FLEET_THREADS=2.
# Every device is its own MQTT session with its own TCP connection from 127.0.0.1, so the fleet
# needs as many open files (raised below) and loopback ephemeral ports (about 28,000 by
# default; ports of a finished run wait in TIME_WAIT for 60 s, which Linux reuses on loopback).
# mosquitto ignores the IoTDA password (allow_anonymous) and does not subscribe devices to
# anything: it only acknowledges the reports.
set -euo pipefail

BIN=${1:?usage: bench/fleet.sh path/to/iotmqtt}
SIZES=${FLEET_SIZES:-"1000 10000"}
INTERVAL=${FLEET_INTERVAL:-1}
DURATION=${FLEET_DURATION:-10}
THREADS=${FLEET_THREADS:-2}
SECRET=fleet-bench-secret

largest=0
for n in $SIZES; do (( n > largest )) && largest=$n; done
want=$(( largest + 1024 ))
ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (( $(ulimit -n) < want )); then
  echo "bench/fleet.sh: $largest devices need $want open files; the hard limit is $(ulimit -Hn)" >&2
  exit 1
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The emulator's registry: fleet_1 … fleet_N with one secret.
{
  printf '{"devices":['
  for (( i = 1; i <= largest; i++ )); do
    (( i > 1 )) && printf ','
    printf '{"device_id":"fleet_%d","secret":"%s"}' "$i" "$SECRET"
  done
  printf ']}\n'
} > "$work/registry.json"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_listening() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench/fleet.sh: nothing listens on port $1" >&2
  exit 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  sleep 2
}

run_fleet() { # target port size
  echo "== $1: $3 devices (one report per ${INTERVAL} s each, measured for ${DURATION} s)" >&2
  "$BIN" device --fleet "$3" --port "$2" --device-id 'fleet_{n}' --secret "$SECRET" \
    --interval "$INTERVAL" --duration "$DURATION" --threads "$THREADS" --json \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); r["target"]=sys.argv[1]; print(json.dumps(r))' "$1" \
    >> "$work/results.jsonl"
}

# 1. The emulator (its own process; quiet, a short message log per device).
"$BIN" emulator --port 0 --http 0 --quiet --message-log 2 --registry "$work/registry.json" \
  > "$work/emulator.ports" 2> "$work/emulator.log" &
server_pid=$!
for _ in $(seq 1 100); do [[ -s $work/emulator.ports ]] && break; sleep 0.1; done
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mqtt"])' "$work/emulator.ports")
for n in $SIZES; do run_fleet emulator "$port" "$n"; done
stop_server

# 2. mosquitto, anonymous.
port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_keepalive 1200\npersistence false\n' "$port" > "$work/mosquitto.conf"
chmod 755 "$work"; chmod 644 "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
server_pid=$!
wait_listening "$port"
for n in $SIZES; do run_fleet mosquitto "$port" "$n"; done
stop_server

python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'target':<10} {'devices':>8} {'connected':>9} {'connect s':>9} {'connects/s':>10} {'msg/s':>8} {'acked':>8} {'RSS/device':>11}")
for r in rows:
    per = r.get("rss_per_device_bytes")
    per = f"{per / 1024:.2f} KiB" if per is not None else "?"
    print(f"{r['target']:<10} {r['devices']:>8} {r['connected']:>9} {r['connect_seconds']:>9.2f} "
          f"{r['connects_per_sec']:>10.0f} {r['messages_per_sec']:>8.0f} {r['reports_acked']:>8} {per:>11}")
PY
