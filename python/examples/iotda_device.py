"""A Huawei Cloud IoTDA device on iotmqtt's asyncio driver: it reports its temperature every
second and answers the platform's commands with its handler's return value.

Run it against the local emulator (``iotmqtt emulator``, registry ``cli/examples/registry.json``)::

    python examples/iotda_device.py --port 1883 --device-id 5f1c0d2e_light01 --secret l1ght-Secret

then send a command: ``curl -d '{"command_name":"switch","paras":{"on":true}}'
http://127.0.0.1:<http port>/devices/5f1c0d2e_light01/commands``. Against the real platform,
pass its host, ``--port 8883`` and ``--ca-file`` with the IoTDA root CA.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
from typing import Any, Dict, Optional

from iotmqtt import aio
from iotmqtt.iotda import Command, DeviceAuth, PropertiesGet


class Lamp:
    """The device's state: what the commands change and the reports tell."""

    def __init__(self) -> None:
        self.on = False
        self.temperature = 21.0
        self.commands = 0


async def run(args: argparse.Namespace) -> int:
    lamp = Lamp()
    done = asyncio.Event()
    device = aio.IotdaDevice(
        args.host,
        args.port,
        auth=DeviceAuth.secret(args.device_id, args.secret),
        ca_file=args.ca_file,
        check_hostname=not args.no_hostname_check,
        keep_alive=60,
    )

    @device.on_command
    def switch(command: Command) -> Dict[str, Any]:
        """The return value is the response the platform gets."""
        paras = command.command.get("paras") or {}
        if command.command.get("command_name") != "switch" or "on" not in paras:
            return {"result_code": 1, "response_name": "unknown_command"}
        lamp.on = bool(paras["on"])
        lamp.commands += 1
        logging.info("command %s: light %s", command.request_id, "on" if lamp.on else "off")
        if args.commands and lamp.commands >= args.commands:
            done.set()
        return {"result_code": 0, "paras": {"on": lamp.on}}

    @device.on_properties_get
    async def read(request: PropertiesGet) -> Dict[str, Any]:
        return {"services": [{"service_id": "Lamp", "properties": {"on": lamp.on, "temperature": lamp.temperature}}]}

    async with device:
        logging.info("connected as %s", device.device_id)
        for _ in range(args.seconds):
            lamp.temperature = round(lamp.temperature + random.uniform(-0.2, 0.2), 2)
            await device.report_service("Lamp", {"on": lamp.on, "temperature": lamp.temperature})
            try:
                await asyncio.wait_for(done.wait(), 1.0)
                break
            except asyncio.TimeoutError:
                continue
    print(f"handled {lamp.commands} command(s); light {'on' if lamp.on else 'off'}", flush=True)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--device-id", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--ca-file", help="the platform's root CA (turns TLS on)")
    parser.add_argument("--no-hostname-check", action="store_true", help="as the official SDKs do")
    parser.add_argument("--seconds", type=int, default=3600, help="stop after this many reports")
    parser.add_argument("--commands", type=int, default=0, help="stop after this many commands")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
