"""Shared fixtures: the repository's paths, free loopback ports, a mosquitto broker per test."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = Path(os.environ.get("IOTMQTT_SCENARIOS", REPO / "tests"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(port: int, proc: "subprocess.Popen[bytes]", timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Broker:
    """A mosquitto this test started: its port and how to stop or restart it."""

    def __init__(self, config: "Path | None" = None, port: "int | None" = None) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.port = port or free_port()
        args = [exe, "-c", str(config)] if config else [exe, "-p", str(self.port)]
        self.args = args
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.port, self.proc)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.port, self.proc)


@pytest.fixture
def mosquitto() -> Iterator[Broker]:
    broker = Broker()
    try:
        yield broker
    finally:
        broker.stop()


IOTMQTT_BIN = Path(os.environ.get("IOTMQTT_BIN", REPO / "target" / "debug" / "iotmqtt"))

#: The devices the emulator knows in these tests (ids follow IoTDA's `{product}_{node}`).
REGISTRY = {
    "devices": [
        {"device_id": "5f1c0d2e_light01", "product_id": "5f1c0d2e", "node_id": "light01", "secret": "l1ght-Secret"},
        {"device_id": "5f1c0d2e_sensor01", "product_id": "5f1c0d2e", "node_id": "sensor01", "secret": "s3cr3t-Key"},
    ]
}


class Emulator:
    """`iotmqtt emulator` started by a test: its ports and its HTTP API."""

    def __init__(self, tmp: Path) -> None:
        assert IOTMQTT_BIN.exists(), f"build the CLI first (cargo build -p iotmqtt-cli): {IOTMQTT_BIN}"
        registry = tmp / "registry.json"
        registry.write_text(json.dumps(REGISTRY))
        self.proc = subprocess.Popen(
            [str(IOTMQTT_BIN), "emulator", "--port", "0", "--http", "0", "--registry", str(registry)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        ports = json.loads(self.proc.stdout.readline())
        self.mqtt: int = ports["mqtt"]
        self.http: int = ports["http"]

    def api(self, method: str, path: str, body: "object | None" = None, timeout: float = 30.0) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}", data=data, method=method)
        req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return {"status": e.code, "error": json.loads(e.read() or b"null")}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path)
    try:
        yield emu
    finally:
        emu.stop()
