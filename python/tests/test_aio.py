"""The asyncio driver against a real mosquitto over TCP and TLS: delivery at every QoS, both
protocol versions, reconnect from the core's timer after the broker restarts, fresh
credentials on every connection, bounded queues, and a loop that is never blocked."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any, Awaitable, List, Tuple, TypeVar

import pytest

import iotmqtt
from conftest import Broker, free_port
from iotmqtt import aio

T = TypeVar("T")


def run(coro: Awaitable[T], timeout: float = 30.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def next_of(it: Any, cls: type, timeout: float = 10.0) -> Any:
    """The next event of class ``cls`` from an async iterator (others are passed over)."""

    async def find() -> Any:
        async for event in it:
            if isinstance(event, cls):
                return event
        raise AssertionError(f"the stream ended without a {cls.__name__}")

    return await asyncio.wait_for(find(), timeout)


@pytest.mark.parametrize("protocol", [4, 5])
def test_round_trip_at_every_qos(mosquitto: Broker, protocol: int) -> None:
    async def main() -> List[Tuple[str, bytes, int]]:
        async with aio.Client("127.0.0.1", mosquitto.port, client_id=f"rt-{protocol}", protocol=protocol) as c:
            assert c.is_connected
            sub = await c.subscribe([("t/0", 0), ("t/1", 1), ("t/2", 2)])
            assert sub.reasons == (0, 1, 2)
            assert await c.publish("t/0", b"zero", qos=0) is None
            acked = await c.publish("t/1", b"one", qos=1)
            assert isinstance(acked, iotmqtt.PublishAcked) and acked.reason == 0
            done = await c.publish("t/2", b"two", qos=2)
            assert isinstance(done, iotmqtt.PublishCompleted) and done.reason == 0
            got = []
            async for m in c.messages():
                got.append((m.topic, m.payload, m.qos))
                if len(got) == 3:
                    break
            unsub = await c.unsubscribe(["t/0", "t/1", "t/2"])
            assert isinstance(unsub, iotmqtt.Unsubscribed)
            return got

    got = run(main())
    assert sorted(got) == [("t/0", b"zero", 0), ("t/1", b"one", 1), ("t/2", b"two", 2)]


def test_two_clients_and_properties_v5(mosquitto: Broker) -> None:
    async def main() -> iotmqtt.Message:
        async with aio.Client("127.0.0.1", mosquitto.port, client_id="sub") as sub, aio.Client(
            "127.0.0.1", mosquitto.port, client_id="pub"
        ) as pub:
            await sub.subscribe("props/#", qos=1)
            props = iotmqtt.Properties(content_type="text/plain", user_properties=[("k", "v")])
            await pub.publish("props/a", b"with properties", qos=1, properties=props)
            msg: iotmqtt.Message = await next_of(sub.events(), iotmqtt.Message)
            return msg

    m = run(main())
    assert (m.topic, m.payload) == ("props/a", b"with properties")
    assert m.properties.content_type == "text/plain"
    assert m.properties.user_properties == (("k", "v"),)


def test_reconnects_after_the_broker_restarts_and_delivers_what_was_in_flight(mosquitto: Broker) -> None:
    async def main() -> List[str]:
        seen: List[str] = []
        async with aio.Client(
            "127.0.0.1",
            mosquitto.port,
            client_id="restart",
            reconnect_min_delay_ms=100,
            reconnect_max_delay_ms=200,
            keep_alive=5,
        ) as c:
            events = c.events()
            await next_of(events, iotmqtt.Connected)
            seen.append("connected")
            await asyncio.to_thread(mosquitto.stop)
            lost = await next_of(events, iotmqtt.ConnectionLost)
            assert isinstance(lost.error, iotmqtt.ProtocolError)
            assert lost.error.code == "connection_closed" and lost.reconnect_at is not None
            seen.append("lost")
            # Published while the broker is down: queued by the core, sent after the reconnect.
            pending = c.publish_nowait("after/restart", b"queued", qos=1)
            await asyncio.to_thread(mosquitto.restart)
            await next_of(events, iotmqtt.Connected, timeout=15)
            seen.append("reconnected")
            ack = await asyncio.wait_for(pending, 10)
            assert isinstance(ack, iotmqtt.PublishAcked)
            seen.append("acked")
        return seen

    assert run(main(), 40) == ["connected", "lost", "reconnected", "acked"]


def test_a_request_the_new_server_cannot_take_raises_request_dropped(tmp_path: Path) -> None:
    """A SUBSCRIBE asked for while offline, which the broker that comes back no longer admits
    (its CONNACK's Maximum Packet Size is below it), raises ``RequestDroppedError`` instead of
    waiting forever; a request that fits still works."""
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"user root\nlistener {port} 127.0.0.1\nallow_anonymous true\n")
    broker = Broker(conf, port)
    long = "a/filter/longer/than/the/forty/bytes/the/broker/takes"

    async def main() -> None:
        async with aio.Client(
            "127.0.0.1", port, client_id="shrink", reconnect_min_delay_ms=100, reconnect_max_delay_ms=200
        ) as c:
            events = c.events()
            first = await next_of(events, iotmqtt.Connected)
            assert first.maximum_packet_size is None
            await asyncio.to_thread(broker.stop)
            await next_of(events, iotmqtt.ConnectionLost)
            conf.write_text(f"user root\nlistener {port} 127.0.0.1\nallow_anonymous true\nmax_packet_size 40\n")
            pending = asyncio.ensure_future(c.subscribe(long, qos=1))
            await asyncio.sleep(0)
            assert c.core.stats.pending_requests == 1
            await asyncio.to_thread(broker.restart)
            again = await next_of(events, iotmqtt.Connected, timeout=15)
            assert again.maximum_packet_size == 40
            with pytest.raises(iotmqtt.RequestDroppedError) as caught:
                await asyncio.wait_for(pending, 10)
            assert caught.value.kind == "dropped" and caught.value.code == "packet_too_large"
            assert c.core.stats.pending_requests == 0
            ok = await c.subscribe("s/ok", qos=1)
            assert list(ok.reasons) == [1]

    try:
        run(main(), 40)
    finally:
        broker.stop()


def test_connect_fails_with_the_last_error_when_nobody_listens() -> None:
    port = free_port()

    async def main() -> None:
        async with aio.Client("127.0.0.1", port, reconnect=False, connect_timeout=5):
            pass

    with pytest.raises(iotmqtt.ProtocolError) as e:
        run(main())
    assert e.value.code == "connection_closed"


def test_bounded_queue_and_waiting_publish(mosquitto: Broker) -> None:
    async def main() -> int:
        async with aio.Client(
            "127.0.0.1", mosquitto.port, client_id="bounded", max_queued_messages=4, max_inflight=2
        ) as c:
            futures = []
            with pytest.raises(iotmqtt.QueueFullError) as e:
                for i in range(10):
                    futures.append(c.publish_nowait("q/t", b"%d" % i, qos=1))
            assert e.value.code == "queue_full" and len(futures) == 4
            # `await publish` waits for room instead of raising.
            results = await asyncio.gather(*futures, *(c.publish("q/t", b"x", qos=1) for _ in range(20)))
            return len([r for r in results if isinstance(r, iotmqtt.PublishAcked)])

    assert run(main()) == 24


def test_usage_errors_come_back_at_once_and_the_client_goes_on(mosquitto: Broker) -> None:
    async def main() -> None:
        async with aio.Client("127.0.0.1", mosquitto.port, client_id="usage") as c:
            with pytest.raises(iotmqtt.EncodeError) as e:
                await c.publish("bad/+/topic", b"x")
            assert e.value.code == "topic_wildcard"
            with pytest.raises(TypeError):
                await c.publish("t", "text")  # type: ignore[arg-type]
            with pytest.raises(iotmqtt.EncodeError):
                await c.subscribe("a/#/b")
            ack = await c.publish("ok/t", b"fine", qos=1)
            assert isinstance(ack, iotmqtt.PublishAcked)

    run(main())


def test_no_call_blocks_the_loop_while_waiting_for_io(mosquitto: Broker) -> None:
    """While the client waits for the broker's answers, the loop runs other tasks: a ticker
    that only yields to the loop keeps advancing during every wait."""

    async def main() -> List[int]:
        ticks = [0]

        async def ticker() -> None:
            while True:
                await asyncio.sleep(0)
                ticks[0] += 1

        tick = asyncio.create_task(ticker())
        progress = []
        async with aio.Client("127.0.0.1", mosquitto.port, client_id="gil") as c:
            for _ in range(20):
                before = ticks[0]
                await c.publish("gil/t", b"x" * 100, qos=1)  # waits for a network round trip
                progress.append(ticks[0] - before)
        tick.cancel()
        return progress

    assert all(p > 0 for p in run(main()))


def _password_broker(tmp_path: Path) -> Broker:
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwd), "dev", "hour-1"], check=True)
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "dev2", "hour-2"], check=True)
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"user root\nlistener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n")
    return Broker(conf, port)


def test_credentials_are_asked_for_on_every_connection(tmp_path: Path) -> None:
    broker = _password_broker(tmp_path)
    calls: List[int] = []

    async def provider() -> Tuple[str, bytes]:
        calls.append(len(calls))
        return ("dev", b"hour-1") if len(calls) == 1 else ("dev2", b"hour-2")

    async def main() -> None:
        async with aio.Client(
            "127.0.0.1", broker.port, client_id="creds", credentials=provider, reconnect_min_delay_ms=100
        ) as c:
            events = c.events()
            await next_of(events, iotmqtt.Connected)
            await asyncio.to_thread(broker.restart)
            await next_of(events, iotmqtt.ConnectionLost)
            await next_of(events, iotmqtt.Connected, timeout=15)

    try:
        run(main(), 40)
    finally:
        broker.stop()
    assert calls == [0, 1]


def test_a_refused_login_raises_and_never_shows_the_password(tmp_path: Path) -> None:
    broker = _password_broker(tmp_path)

    async def main() -> None:
        async with aio.Client(
            "127.0.0.1", broker.port, client_id="bad", protocol=4, username="dev", password=b"wrong-secret-xyz"
        ):
            pass

    try:
        with pytest.raises(iotmqtt.ProtocolError) as e:
            run(main())
    finally:
        broker.stop()
    assert e.value.code == "connect_refused"
    assert e.value.reason_code in (0x86, 0x87)
    assert "wrong-secret-xyz" not in str(e.value) and "wrong-secret-xyz" not in repr(e.value)


# ----------------------------------------------------------------------------- TLS


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture
def tls_broker(tmp_path: Path) -> Any:
    assert shutil.which("openssl"), "openssl is needed for the TLS tests"
    d = tmp_path
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
             "-keyout", str(d / "ca.key"), "-out", str(d / "ca.crt"))
    for name, cn in (("server", "localhost"), ("client", "device-1")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                 "-keyout", str(d / f"{name}.key"), "-out", str(d / f"{name}.csr"))
        ext = d / f"{name}.ext"
        ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if name == "server" else "basicConstraints=CA:FALSE\n")
        _openssl("x509", "-req", "-in", str(d / f"{name}.csr"), "-CA", str(d / "ca.crt"), "-CAkey", str(d / "ca.key"),
                 "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", str(d / f"{name}.crt"))
    port = free_port()
    conf = d / "tls.conf"
    conf.write_text(
        # `user root`: as root, mosquitto would drop to a user that cannot read the temp dir.
        f"user root\nlistener {port} 127.0.0.1\nallow_anonymous true\n"
        f"cafile {d / 'ca.crt'}\ncertfile {d / 'server.crt'}\nkeyfile {d / 'server.key'}\n"
        "require_certificate true\n"
    )
    broker = Broker(conf, port)
    try:
        yield broker, d
    finally:
        broker.stop()


def test_tls_with_a_ca_file_and_a_client_certificate(tls_broker: Any) -> None:
    broker, d = tls_broker

    async def main() -> iotmqtt.Message:
        async with aio.Client(
            "localhost",
            broker.port,
            client_id="tls",
            ca_file=str(d / "ca.crt"),
            certfile=str(d / "client.crt"),
            keyfile=str(d / "client.key"),
        ) as c:
            await c.subscribe("tls/t", qos=1)
            await c.publish("tls/t", b"over tls", qos=1)
            msg: iotmqtt.Message = await next_of(c.messages(), iotmqtt.Message)
            return msg

    assert run(main()).payload == b"over tls"


def test_tls_refuses_a_server_the_ca_did_not_sign(tls_broker: Any, tmp_path: Path) -> None:
    broker, d = tls_broker
    other = tmp_path / "other"
    other.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other",
             "-keyout", str(other / "ca.key"), "-out", str(other / "ca.crt"))

    async def main() -> None:
        async with aio.Client(
            "localhost", broker.port, ca_file=str(other / "ca.crt"), certfile=str(d / "client.crt"),
            keyfile=str(d / "client.key"), reconnect=False, connect_timeout=5,
        ):
            pass

    with pytest.raises(iotmqtt.ProtocolError) as e:
        run(main())
    assert e.value.code == "connection_closed"


def test_tls_context_can_be_given(tls_broker: Any) -> None:
    broker, d = tls_broker
    ctx = ssl.create_default_context(cafile=str(d / "ca.crt"))
    ctx.load_cert_chain(str(d / "client.crt"), str(d / "client.key"))

    async def main() -> bool:
        async with aio.Client("localhost", broker.port, tls=ctx, client_id="ctx") as c:
            return c.is_connected

    assert run(main())


def test_manual_ack_through_the_driver(mosquitto: Broker) -> None:
    async def main() -> Tuple[bytes, str]:
        async with aio.Client("127.0.0.1", mosquitto.port, client_id="manual", manual_ack=True) as c:
            await c.subscribe("manual/t", qos=1)
            await c.publish("manual/t", b"store me", qos=1)
            m: iotmqtt.Message = await next_of(c.messages(), iotmqtt.Message)
            assert m.ack_token is not None and c.core.stats.incoming_unacked == 1
            c.ack(m.ack_token)
            assert c.core.stats.incoming_unacked == 0
            with pytest.raises(iotmqtt.UsageError) as e:
                c.ack(m.ack_token)
            return m.payload, e.value.code

    assert run(main()) == (b"store me", "invalid_argument")


def test_a_client_can_connect_again_after_disconnect(mosquitto: Broker) -> None:
    async def main() -> List[str]:
        c = aio.Client("127.0.0.1", mosquitto.port, client_id="again")
        with pytest.raises(RuntimeError):
            await c.events().__anext__()
        seen = []
        for _ in range(2):
            await c.connect()
            ack = await c.publish("again/t", b"x", qos=1)
            seen.append(type(ack).__name__)
            await c.disconnect()
            seen.extend(type(e).__name__ for e in [e async for e in c.events()])
        return seen

    assert run(main()) == ["PublishAcked", "Connected", "Disconnected"] * 2
