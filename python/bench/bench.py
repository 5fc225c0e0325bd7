"""`make bench-python`: iotmqtt's Python package against pure-Python MQTT libraries, side by
side in one run.

1. Decode 100,000 PUBLISH packets (MQTT 5.0 and 3.1.1): iotmqtt (`Decoder.feed` on 64 KiB
   reads, and `decode` per packet) against paho-mqtt's parser (`paho.mqtt._packet.
   decode_publish`, which gets each body already framed) and moat-lib-mqtt's (`decode_packet`,
   MQTT 5.0 only; moat-lib-mqtt is mqttproto as published on PyPI). Every decoder is first
   checked to read the same topic and payload; every row touches `topic` and `payload` of
   every packet. CPU time of this process (`time.process_time`), so that other load on the
   machine does not count.
2. QoS 1 publish throughput to a local mosquitto (started here on a free port): iotmqtt.aio,
   paho-mqtt (its network thread) and aiomqtt, each with MQTT 3.1.1, the same topic, a
   100-byte payload and a window of 32 messages in flight; from the first publish until every
   PUBACK has arrived. Wall time.

Rounds are interleaved (every row once per round, in turn) and the median is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Tuple

import iotmqtt
from iotmqtt import aio

TOPIC = "$oc/devices/65a1b2c3d4e5f60718293a4b_sensor-0001/sys/properties/report"
PAYLOAD = json.dumps(
    {"services": [{"service_id": "Battery", "properties": {"level": 80, "voltage": 3.71, "temp": 21.5}}]},
    separators=(",", ":"),
).encode().ljust(128, b" ")[:128]


# ----------------------------------------------------------------------------- decode


def decode_rows(n: int) -> Dict[str, Tuple[str, Callable[[], int]]]:
    from moat.lib.mqtt._types import decode_packet
    from paho.mqtt import _packet as paho_packet
    from paho.mqtt.enums import MQTTProtocolVersion

    rows: Dict[str, Tuple[str, Callable[[], int]]] = {}
    for version, paho_version in ((5, MQTTProtocolVersion.MQTTv5), (4, MQTTProtocolVersion.MQTTv311)):
        label = "5.0" if version == 5 else "3.1.1"
        one = iotmqtt.encode(iotmqtt.Publish(TOPIC, PAYLOAD), version)
        stream = one * n
        reads = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]
        packets = [bytes(one) for _ in range(n)]
        header_len = 3 if one[1] & 0x80 else 2
        first = one[0]
        bodies = [bytes(one[header_len:]) for _ in range(n)]

        def feed(reads: List[bytes] = reads, version: int = version) -> int:
            count = 0
            decoder = iotmqtt.Decoder(version)
            for chunk in reads:
                for p in decoder.feed(chunk):
                    p.topic
                    p.payload
                    count += 1
            return count

        def each(packets: List[bytes] = packets, version: int = version) -> int:
            decode = iotmqtt.decode
            for b in packets:
                p, _ = decode(b, version)
                p.topic
                p.payload
            return len(packets)

        def paho(bodies: List[bytes] = bodies, first: int = first, v: Any = paho_version) -> int:
            decode = paho_packet.decode_publish
            for b in bodies:
                r = decode(first, b, v)
                r.topic
                r.payload
            return len(bodies)

        # Every decoder reads the same message.
        p, _ = iotmqtt.decode(one, version)
        r = paho_packet.decode_publish(first, bodies[0], paho_version)
        assert (p.topic, p.payload) == (r.topic.decode(), bytes(r.payload)) == (TOPIC, PAYLOAD)

        rows[f"{label} iotmqtt Decoder.feed (64 KiB reads)"] = (label, feed)
        rows[f"{label} iotmqtt decode (one call per packet)"] = (label, each)
        rows[f"{label} paho-mqtt decode_publish (framed bodies)"] = (label, paho)
        if version == 5:

            def moat(stream: bytes = stream) -> int:
                count = 0
                view = memoryview(stream)
                while view:
                    view, p = decode_packet(view)
                    p.topic
                    p.payload
                    count += 1
                return count

            _, m = decode_packet(memoryview(one))
            assert (m.topic, bytes(m.payload)) == (TOPIC, PAYLOAD)
            rows[f"{label} moat-lib-mqtt decode_packet"] = (label, moat)
    return rows


def bench_decode(n: int, rounds: int) -> List[Dict[str, Any]]:
    rows = decode_rows(n)
    samples: Dict[str, List[float]] = {name: [] for name in rows}
    for _ in range(rounds):
        for name, (_, run) in rows.items():
            start = time.process_time()
            count = run()
            samples[name].append(time.process_time() - start)
            assert count == n, (name, count)
    out = []
    for name, (label, _) in rows.items():
        ns = statistics.median(samples[name]) / n * 1e9
        out.append({"row": name, "version": label, "ns_per_packet": ns, "packets_per_s": 1e9 / ns})
    for row in out:
        ours = next(r for r in out if r["version"] == row["version"] and "Decoder.feed" in r["row"])
        row["iotmqtt_speedup"] = row["ns_per_packet"] / ours["ns_per_packet"]
    return out


# ----------------------------------------------------------------------------- publish

WINDOW = 32
PUB_TOPIC = "bench/iotmqtt"
PUB_PAYLOAD = b"x" * 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def publish_iotmqtt(port: int, n: int) -> float:
    async def main() -> float:
        async with aio.Client(
            "127.0.0.1", port, client_id="bench-iotmqtt", protocol=4, max_inflight=WINDOW,
            max_queued_messages=4 * WINDOW,
        ) as client:
            start = time.perf_counter()
            acks = [await client.queue_publish(PUB_TOPIC, PUB_PAYLOAD, qos=1) for _ in range(n)]
            results = await asyncio.gather(*acks)
            elapsed = time.perf_counter() - start
            assert all(r is not None and r.reason == 0 for r in results)
            return elapsed

    return asyncio.run(main())


def publish_paho(port: int, n: int) -> float:
    import paho.mqtt.client as mqtt

    done = threading.Event()
    acked = [0]

    def on_publish(client: Any, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        acked[0] += 1
        if acked[0] == n:
            done.set()

    connected = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-paho", protocol=mqtt.MQTTv311)
    client.max_inflight_messages_set(WINDOW)
    client.on_publish = on_publish
    client.on_connect = lambda *a: connected.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert connected.wait(10)
    start = time.perf_counter()
    for _ in range(n):
        client.publish(PUB_TOPIC, PUB_PAYLOAD, qos=1)
    assert done.wait(300)
    elapsed = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return elapsed


def publish_aiomqtt(port: int, n: int) -> float:
    import aiomqtt

    async def main() -> float:
        quiet = logging.getLogger("bench.aiomqtt")
        quiet.setLevel(logging.ERROR)
        async with aiomqtt.Client(
            "127.0.0.1", port, identifier="bench-aiomqtt", protocol=aiomqtt.ProtocolVersion.V311,
            max_inflight_messages=WINDOW, timeout=600, logger=quiet,
        ) as client:

            async def publisher(count: int) -> None:
                for _ in range(count):
                    await client.publish(PUB_TOPIC, PUB_PAYLOAD, qos=1)

            # `publish` waits for its PUBACK: WINDOW publishers keep WINDOW messages in flight.
            start = time.perf_counter()
            await asyncio.gather(*(publisher(n // WINDOW + (i < n % WINDOW)) for i in range(WINDOW)))
            return time.perf_counter() - start

    return asyncio.run(main())


def bench_publish(n: int, rounds: int) -> List[Dict[str, Any]]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    broker = subprocess.Popen([exe, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        rows: Dict[str, Callable[[int, int], float]] = {
            "iotmqtt.aio": publish_iotmqtt,
            "paho-mqtt (loop_start thread)": publish_paho,
            "aiomqtt": publish_aiomqtt,
        }
        for run in rows.values():  # warm-up: connections, imports
            run(port, min(n, 1000))
        samples: Dict[str, List[float]] = {name: [] for name in rows}
        for _ in range(rounds):
            for name, run in rows.items():
                samples[name].append(run(port, n))
    finally:
        broker.terminate()
        broker.wait(10)
    out = [{"row": name, "msgs_per_s": n / statistics.median(s), "spread": (min(s), max(s))} for name, s in samples.items()]
    ours = out[0]["msgs_per_s"]
    for row in out:
        row["iotmqtt_speedup"] = ours / row["msgs_per_s"]
    return out


# ----------------------------------------------------------------------------- report


def main() -> int:
    parser = argparse.ArgumentParser(description="iotmqtt Python benchmarks")
    parser.add_argument("--decode-packets", type=int, default=100_000)
    parser.add_argument("--publish-messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=["decode", "publish"])
    args = parser.parse_args()
    print(f"# python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}, "
          f"iotmqtt {iotmqtt.__version__}; median of {args.rounds} interleaved rounds")
    if args.only != "publish":
        print(f"\n## (1) decode {args.decode_packets:,} PUBLISH packets (QoS 0, {len(TOPIC)}-byte topic, "
              f"{len(PAYLOAD)}-byte payload), CPU time\n")
        print("| version | decoder | ns/packet | packets/s | iotmqtt feed is × faster |")
        print("|---|---|---:|---:|---:|")
        for r in bench_decode(args.decode_packets, args.rounds):
            name = r["row"].split(" ", 1)[1]
            print(f"| {r['version']} | {name} | {r['ns_per_packet']:.0f} | {r['packets_per_s']:,.0f} | "
                  f"{r['iotmqtt_speedup']:.1f} |")
    if args.only != "decode":
        print(f"\n## (2) QoS 1 publish of {args.publish_messages:,} messages ({len(PUB_PAYLOAD)} B) to a local "
              f"mosquitto, MQTT 3.1.1, {WINDOW} in flight, wall time\n")
        print("| client | messages/s | iotmqtt.aio is × faster | fastest–slowest round (s) |")
        print("|---|---:|---:|---|")
        for r in bench_publish(args.publish_messages, args.rounds):
            lo, hi = r["spread"]
            print(f"| {r['row']} | {r['msgs_per_s']:,.0f} | {r['iotmqtt_speedup']:.1f} | {lo:.2f}–{hi:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
