#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from the repository's own test data:
packet bytes of the scenario files (tests/*.json), topics, ClientIds and JSON payloads of the
IoTDA scenario files, and the IoTDA credential vectors (tests/vectors/). Deterministic: run it
again after changing those files (`make fuzz-corpus`) and commit the result.

Each file name is the SHA-1 of its content, as libFuzzer names the units it adds."""

import hashlib
import json
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
TARGETS = ["decode", "round_trip", "client_session", "server_session",
           "iotda_topics", "iotda_payloads", "iotda_verifier"]
# Keep the committed corpus small: this many seeds per target at most.
MAX_SEEDS = 120


def walk(node, path=()):
    """Yields (key path, value) for every scalar in a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, path)
    else:
        yield path, node


def hex_bytes(s):
    s = re.sub(r"\s+", "", s)
    if not s or len(s) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", s):
        return None
    return bytes.fromhex(s)


def sys_parts(node):
    """Yields [name, request id?, suffix?] of every system topic a scenario builds, the input
    form of `SysTopic::from_parts` the iotda_topics target reads ("name|request_id|suffix")."""
    if isinstance(node, dict):
        if isinstance(node.get("sys"), str):
            parts = [node["sys"]]
            if "request_id" in node or "suffix" in node:
                parts.append(str(node.get("request_id", "")))
            if "suffix" in node:
                parts.append(str(node["suffix"]))
            yield parts
        for v in node.values():
            yield from sys_parts(v)
    elif isinstance(node, list):
        for v in node:
            yield from sys_parts(v)


def version_bit(doc):
    """1 for MQTT 5, 0 for 3.1.1, from a scenario file's version or client config."""
    v = str(doc.get("version") or doc.get("config", {}).get("protocol") or "5")
    return 0 if v.startswith("3") else 1


def main():
    seeds = {t: [] for t in TARGETS}
    files = sorted(f for f in os.listdir(os.path.join(ROOT, "tests")) if f.endswith(".json"))
    for name in files:
        doc = json.load(open(os.path.join(ROOT, "tests", name)))
        vbit = version_bit(doc)
        received = b""
        for path, value in walk(doc):
            if not isinstance(value, str):
                continue
            key = path[-1] if path else ""
            if key == "hex":
                b = hex_bytes(value)
                if b:
                    # decode: settings byte (version, no size limit, chunking varies), 2 seed bytes.
                    chunk = (len(seeds["decode"]) % 16) << 4
                    seeds["decode"].append(bytes([vbit | chunk, len(b) & 0xFF, 0x5E]) + b)
                    seeds["round_trip"].append(bytes([vbit]) + b)
                    received += b
            if value.startswith("$oc/") or value.startswith("/huawei/"):
                seeds["iotda_topics"].append(value.encode())
            if value.lstrip().startswith("{") or key in ("payload", "json"):
                payload = value.encode()
                for i in range(0, 48, 7):
                    seeds["iotda_payloads"].append(bytes([i]) + payload)
        for parts in sys_parts(doc):
            seeds["iotda_topics"].append("|".join(parts).encode())
        if received:
            target = "server_session" if doc.get("kind") == "server" else "client_session"
            seeds[target].append(bytes([vbit]) + received[:2048])
            seeds["server_session" if target == "client_session" else "client_session"].append(
                bytes([vbit ^ 1]) + received[:2048])

    vectors = os.path.join(ROOT, "tests", "vectors")
    for name in sorted(os.listdir(vectors)):
        doc = json.load(open(os.path.join(vectors, name)))
        for case in doc.get("cases", []):
            for key in ("client_id", "c_sdk_client_id", "device_id", "timestamp"):
                if isinstance(case.get(key), str):
                    seeds["iotda_topics"].append(case[key].encode())
            parts = [case.get(k, "") for k in ("client_id", "device_id", "secret", "password")]
            seeds["iotda_verifier"].append("\0".join(str(p) for p in parts).encode())

    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    total = 0
    for target, items in seeds.items():
        d = os.path.join(OUT, target)
        os.makedirs(d)
        unique = sorted(set(items), key=lambda b: hashlib.sha1(b).hexdigest())[:MAX_SEEDS]
        for b in unique:
            with open(os.path.join(d, hashlib.sha1(b).hexdigest()), "wb") as f:
                f.write(b)
            total += len(b)
        print(f"{target}: {len(unique)} seeds")
    print(f"total {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
