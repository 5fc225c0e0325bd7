"""A plain MQTT client on iotmqtt's asyncio driver: subscribe, publish at QoS 1, print what
comes back. ``python examples/client.py --port 1883`` against any broker (mosquitto)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Optional

import iotmqtt
from iotmqtt import aio


async def run(host: str, port: int, count: int) -> int:
    async with aio.Client(host, port, client_id="iotmqtt-example", protocol=iotmqtt.ProtocolVersion.V5) as client:
        granted = await client.subscribe("example/#", qos=iotmqtt.QoS.AT_LEAST_ONCE)
        print("subscribed, granted QoS", granted.reasons)
        for i in range(count):
            ack = await client.publish("example/hello", f"hello {i}".encode(), qos=1)
            assert ack is not None and ack.reason < 0x80
        received = 0
        async for message in client.messages():
            print(f"{message.topic}: {message.payload.decode()}")
            received += 1
            if received == count:
                break
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="publish and receive with iotmqtt.aio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--count", type=int, default=3)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.host, args.port, args.count))


if __name__ == "__main__":
    raise SystemExit(main())
