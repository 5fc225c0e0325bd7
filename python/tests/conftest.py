"""Shared fixtures: the repository's paths, free loopback ports, a mosquitto broker per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

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
