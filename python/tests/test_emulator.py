"""The asyncio IoTDA device and the example against `iotmqtt emulator` over real TCP: the
login made from the secret, property reports the platform stores, commands and property
reads answered by the handlers' return values."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import iotmqtt
from conftest import REPO, Emulator
from iotmqtt import aio
from iotmqtt import iotda
from iotmqtt.iotda import Command, DeviceAuth, PropertiesGet, PropertiesSet
from test_aio import next_of, run


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the condition never held")


def test_device_reports_and_answers_commands(emulator: Emulator) -> None:
    answers: List[Dict[str, Any]] = []

    async def main() -> None:
        device = aio.IotdaDevice(
            "127.0.0.1", emulator.mqtt, auth=DeviceAuth.secret("5f1c0d2e_light01", "l1ght-Secret")
        )

        @device.on_command
        async def switch(command: Command) -> Dict[str, Any]:
            return {"result_code": 0, "paras": {"on": command.command["paras"]["on"], "by": command.command["command_name"]}}

        @device.on_properties_set
        def set_props(request: PropertiesSet) -> None:
            answers.append({"set": request.request["services"][0]["properties"]})

        @device.on_properties_get
        def get_props(request: PropertiesGet) -> Dict[str, Any]:
            return {"services": [{"service_id": "Lamp", "properties": {"on": True}}]}

        async with device:
            assert device.is_connected
            await device.report_service("Lamp", {"on": False, "temperature": 21.5})
            stored = await asyncio.to_thread(
                wait_until, lambda: emulator.api("GET", "/devices/5f1c0d2e_light01/properties")["services"]
            )
            assert stored[0]["service_id"] == "Lamp"
            assert stored[0]["properties"] == {"on": False, "temperature": 21.5}
            reply = await asyncio.to_thread(
                emulator.api,
                "POST",
                "/devices/5f1c0d2e_light01/commands",
                {"service_id": "Lamp", "command_name": "switch", "paras": {"on": True}},
            )
            answers.append(reply)
            reply = await asyncio.to_thread(
                emulator.api, "POST", "/devices/5f1c0d2e_light01/properties/set",
                {"service_id": "Lamp", "properties": {"level": 3}},
            )
            answers.append(reply)
            reply = await asyncio.to_thread(emulator.api, "POST", "/devices/5f1c0d2e_light01/properties/get", {})
            answers.append(reply)

    run(main(), 60)
    assert answers[0]["response"] == {"result_code": 0, "paras": {"on": True, "by": "switch"}}
    assert answers[1] == {"set": {"level": 3}}
    assert answers[2]["response"] == {"result_code": 0}
    assert answers[3]["response"]["services"][0]["properties"] == {"on": True}


def test_commands_without_a_handler_arrive_as_events(emulator: Emulator) -> None:
    async def main() -> Any:
        async with aio.IotdaDevice(
            "127.0.0.1", emulator.mqtt, auth=DeviceAuth.secret("5f1c0d2e_sensor01", "s3cr3t-Key")
        ) as device:
            pending = asyncio.create_task(
                asyncio.to_thread(emulator.api, "POST", "/devices/5f1c0d2e_sensor01/commands", {"command_name": "ping", "paras": {}})
            )
            command = await next_of(device.events(), Command)
            await device.respond_command(command.request_id, {"result_code": 0, "response_name": "pong"})
            return await pending

    reply = run(main(), 60)
    assert reply["response"] == {"result_code": 0, "response_name": "pong"}


def test_a_wrong_secret_is_refused_and_not_shown(emulator: Emulator) -> None:
    async def main() -> None:
        async with aio.IotdaDevice(
            "127.0.0.1", emulator.mqtt, auth=DeviceAuth.secret("5f1c0d2e_light01", "not-the-Secret-42"), connect_timeout=10
        ):
            pass

    try:
        run(main())
    except iotmqtt.ProtocolError as e:
        assert e.code == "connect_refused" and e.reason_code == 0x86
        assert "not-the-Secret-42" not in str(e) and "not-the-Secret-42" not in repr(e)
    else:
        raise AssertionError("the login was accepted")


def test_the_example_runs_against_the_emulator(emulator: Emulator) -> None:
    example = REPO / "python" / "examples" / "iotda_device.py"
    proc = subprocess.Popen(
        [sys.executable, str(example), "--port", str(emulator.mqtt), "--device-id", "5f1c0d2e_light01",
         "--secret", "l1ght-Secret", "--commands", "1", "--seconds", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: emulator.api("GET", "/devices/5f1c0d2e_light01").get("online"), 20)
        reply = emulator.api(
            "POST", "/devices/5f1c0d2e_light01/commands", {"command_name": "switch", "paras": {"on": True}}
        )
        assert reply["response"] == {"result_code": 0, "paras": {"on": True}}
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert b"handled 1 command(s); light on" in out
    stored = emulator.api("GET", "/devices/5f1c0d2e_light01/properties")["services"]
    assert stored and stored[0]["service_id"] == "Lamp"


def test_the_client_example_runs_against_mosquitto(mosquitto: Any) -> None:
    example = Path(REPO / "python" / "examples" / "client.py")
    out = subprocess.run(
        [sys.executable, str(example), "--port", str(mosquitto.port), "--count", "2"],
        capture_output=True, timeout=30, check=True,
    ).stdout.decode()
    assert "example/hello: hello 0" in out and "example/hello: hello 1" in out


def test_device_messages_shadow_and_custom_topics(emulator: Emulator) -> None:
    async def main() -> List[Any]:
        seen: List[Any] = []
        async with aio.IotdaDevice(
            "127.0.0.1", emulator.mqtt, auth=DeviceAuth.secret("5f1c0d2e_sensor01", "s3cr3t-Key"), request_id_seed=7
        ) as device:
            events = device.events()
            await device.send_message({"hello": "platform"})
            logged = await asyncio.to_thread(
                wait_until,
                lambda: [m for m in emulator.api("GET", "/devices/5f1c0d2e_sensor01/messages")["messages"]
                         if m["topic"].endswith("/sys/messages/up")],
            )
            seen.append(logged[0]["payload"])
            rid = await device.get_shadow("Lamp")
            shadow = await next_of(events, iotda.Shadow)
            seen.append((shadow.request_id == rid, shadow.answers is not None))
            await device.subscribe("custom/echo", qos=1)
            await next_of(events, iotmqtt.Subscribed)
            await device.publish("custom/echo", b"loop", qos=1)
            message = await next_of(events, iotmqtt.Message)
            seen.append((message.topic, message.payload))
            await asyncio.to_thread(emulator.api, "POST", "/devices/5f1c0d2e_sensor01/messages", {"content": {"x": 1}})
            down = await next_of(events, iotda.MessageDown)
            seen.append(down.message)
        return seen

    seen = run(main(), 60)
    assert "platform" in json.dumps(seen[0])
    assert seen[1] == (True, True)
    assert seen[2] == ("custom/echo", b"loop")
    assert seen[3]["content"] == {"x": 1}


def test_plain_client_with_fresh_iotda_credentials_from_a_provider(emulator: Emulator) -> None:
    auth = DeviceAuth.secret("5f1c0d2e_light01", "l1ght-Secret", sig_type=1)
    logins: List[str] = []

    def fresh() -> iotda.IotdaCredentials:
        c = auth.credentials()  # signed for this hour, on every attempt
        logins.append(c.client_id)
        return c

    async def main() -> bool:
        async with aio.Client("127.0.0.1", emulator.mqtt, protocol=4, keep_alive=60, credentials=fresh) as client:
            await client.publish("$oc/devices/5f1c0d2e_light01/sys/messages/up", b"{}", qos=1)
            return client.is_connected and client.core.client_id == logins[-1]

    assert run(main(), 30)
    assert len(logins) == 1 and logins[0].startswith("5f1c0d2e_light01_0_1_")
