"""The sans-IO Client through Python: every command, input and output, bad input from the
peer and from the caller, and the client stays usable after each."""

from __future__ import annotations

from typing import List, Optional

import pytest

import iotmqtt
from iotmqtt import Client, ClientConfig

CONNACK = bytes.fromhex("20 02 00 00")
CONNACK5 = bytes.fromhex("20 03 00 00 00")


def transmit(c: Client, now: int = 0) -> bytes:
    out = b""
    while chunk := c.poll_transmit(now):
        out += chunk
    return out


def connected(config: Optional[ClientConfig] = None) -> Client:
    c = Client(config or ClientConfig("c1", protocol=4, keep_alive=0))
    c.connect()
    c.handle_connected(0)
    assert transmit(c)[:1] == b"\x10"
    c.handle_bytes(1, CONNACK if c.config.protocol == 4 else CONNACK5)
    assert isinstance(c.poll_event(), iotmqtt.Connected)
    return c


def test_config_defaults_settings_and_validation() -> None:
    c = ClientConfig("dev")
    assert (c.client_id, c.protocol, c.keep_alive, c.clean_start, c.credentials) == ("dev", 5, 60, True, "none")
    assert (c.receive_maximum, c.max_inflight, c.max_queued_messages, c.requeue) == (64, 32, 1000, "resend")
    c.protocol = "3.1.1"
    c.ping_timeout_ms = 5000
    c.will = iotmqtt.Will("w/t", b"bye", qos=1)
    c.connect_properties = iotmqtt.Properties()
    c.auth_data = None
    assert c.protocol == 4 and c.ping_timeout_ms == 5000 and c.will == iotmqtt.Will("w/t", b"bye", qos=1)
    c.credentials = "ask_each_time"
    assert c.username is None and c.password is None
    c.password = b"pw"
    assert c.credentials == "static" and c.password == b"pw"
    with pytest.raises(TypeError, match="unknown setting"):
        ClientConfig("dev", colour="blue")
    with pytest.raises(ValueError):
        ClientConfig("dev", requeue="sometimes")
    with pytest.raises(ValueError):
        ClientConfig("dev", protocol=3)
    with pytest.raises(iotmqtt.ConfigError) as e:
        ClientConfig("dev", max_inflight=0).validate()
    assert (e.value.kind, e.value.code) == ("usage", "invalid_config")
    with pytest.raises(iotmqtt.EncodeError):
        c.connect_properties = iotmqtt.Properties(topic_alias=1)  # not a CONNECT property


def test_commands_inputs_and_outputs() -> None:
    c = Client(ClientConfig("c1", protocol=4, keep_alive=10))
    assert (c.state, c.is_connected, c.client_id) == ("idle", False, "c1")
    assert c.publish("q/t", b"offline", qos=1) == 1
    assert c.stats.queued_messages == 1
    c.connect()
    assert c.state == "waiting_for_transport"
    c.handle_connected(0)
    assert c.state == "awaiting_connack" and c.poll_timeout() == 10_000
    assert transmit(c)[:2] == b"\x10\x0e"
    c.handle_bytes(5, CONNACK)
    events = c.poll_events()
    assert [type(e) for e in events] == [iotmqtt.Connected]
    assert c.is_connected and c.inflight_ids() == [] and transmit(c, 5)[:1] == b"\x32"
    assert c.inflight_ids() == [1]
    assert c.subscribe("a/b", qos=1) == 2
    assert c.subscribe([("x", 0), iotmqtt.Subscription("y", 2), "z"]) == 3
    sub = iotmqtt.decode_all(transmit(c, 5), 4)[0]
    assert [s.filter for p in sub for s in p.subscriptions] == ["a/b", "x", "y", "z"]
    assert c.unsubscribe("a/b") == 4 and c.unsubscribe(["x", "y"]) == 5
    assert len(iotmqtt.decode_all(transmit(c, 5), 4)[0]) == 2
    c.handle_bytes(6, bytes.fromhex("40 02 00 01"))
    acked = c.poll_event()
    assert isinstance(acked, iotmqtt.PublishAcked) and (acked.packet_id, acked.reason) == (1, 0)
    # keep-alive: the timer asks for a PINGREQ.
    deadline = c.poll_timeout()
    assert deadline is not None
    c.handle_timeout(deadline)
    assert transmit(c, deadline) == b"\xc0\x00"
    c.disconnect()
    assert transmit(c, deadline) == b"\xe0\x00"
    assert isinstance(c.poll_event(), iotmqtt.Disconnected) and c.state == "idle"
    c.handle_closed(deadline)
    assert c.poll_event() is None
    assert "c1" in repr(c)


def test_event_classes_are_frozen_records() -> None:
    c = connected()
    c.handle_bytes(2, bytes.fromhex("32 09 00 03 61 2f 62 00 07 68 69"))
    m = c.poll_event()
    assert isinstance(m, iotmqtt.Message)
    assert (m.topic, m.payload, m.qos, m.packet_id, m.dup, m.retain) == ("a/b", b"hi", 1, 7, False, False)
    assert m.ack_token is not None
    assert transmit(c, 2) == bytes.fromhex("40 02 00 07")  # acknowledged when taken
    match m:
        case iotmqtt.Message(topic="a/b", payload=payload):
            assert payload == b"hi"
        case _:
            pytest.fail("no match")
    with pytest.raises(AttributeError):
        m.topic = "x"  # type: ignore[misc]


def test_manual_ack() -> None:
    c = connected(ClientConfig("c1", protocol=4, keep_alive=0, manual_ack=True))
    c.handle_bytes(2, bytes.fromhex("32 09 00 03 61 2f 62 00 07 68 69"))
    m = c.poll_event()
    assert isinstance(m, iotmqtt.Message) and m.ack_token is not None
    assert transmit(c, 2) == b""
    c.ack(m.ack_token)
    assert transmit(c, 2) == bytes.fromhex("40 02 00 07")
    with pytest.raises(iotmqtt.UsageError) as e:
        c.ack(m.ack_token)
    assert e.value.code == "invalid_argument"


def test_credentials_each_time_and_client_id() -> None:
    c = Client(ClientConfig("old-id", protocol=4, keep_alive=0, credentials="ask_each_time"))
    with pytest.raises(iotmqtt.InvalidStateError):
        c.set_credentials("u", b"p")
    c.connect()
    c.handle_connected(0)
    assert isinstance(c.poll_event(), iotmqtt.CredentialsNeeded)
    c.set_client_id("new-id")
    c.set_credentials("user", "pw-as-text-is-refused".encode())
    connect, _ = iotmqtt.decode(transmit(c), 4)
    assert isinstance(connect, iotmqtt.Connect)
    assert (connect.client_id, connect.username, connect.password) == ("new-id", "user", b"pw-as-text-is-refused")
    assert c.client_id == "new-id"


def test_auth_commands_refuse_the_wrong_state() -> None:
    c = connected()
    with pytest.raises(iotmqtt.InvalidStateError):
        c.auth_continue(b"x")
    with pytest.raises(iotmqtt.InvalidStateError):
        c.reauthenticate(b"x")


def test_snapshot_and_restore() -> None:
    config = ClientConfig("p1", protocol=4, keep_alive=0, clean_start=False, persistence=True)
    c = connected(config)
    while c.poll_event() is not None:
        pass
    c.snapshot()
    c.publish("t", b"keep me", qos=1)
    assert isinstance(c.poll_event(), iotmqtt.PersistRequired)
    assert transmit(c) == b""  # write-ahead: nothing leaves before the snapshot is taken
    snap = c.snapshot()
    assert transmit(c)[:1] == b"\x32"
    fresh = Client(config)
    fresh.restore(snap)
    assert fresh.stats.queued_messages + fresh.stats.inflight == 1
    with pytest.raises(iotmqtt.SnapshotError) as e:
        Client(config).restore(b"not a snapshot at all")
    assert e.value.code in ("not_a_snapshot", "snapshot_truncated")
    damaged = bytearray(snap)
    damaged[-1] ^= 0xFF
    with pytest.raises(iotmqtt.SnapshotError):
        Client(config).restore(bytes(damaged))


@pytest.mark.parametrize(
    "garbage",
    [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"\x00\x00\x00", b"\x30\xff\xff\xff\xff\x7f", bytes(range(256))],
)
def test_bytes_that_are_not_mqtt_end_the_connection_and_the_client_goes_on(garbage: bytes) -> None:
    c = connected(ClientConfig("c1", protocol=5, keep_alive=0, reconnect_min_delay_ms=100))
    c.handle_bytes(10, garbage)
    out = transmit(c, 10)
    if out:  # 5.0: a DISCONNECT with the matching reason code goes first
        disconnect, _ = iotmqtt.decode(out, 5)
        assert isinstance(disconnect, iotmqtt.Disconnect) and disconnect.reason >= 0x80
    lost = c.poll_event()
    assert isinstance(lost, iotmqtt.ConnectionLost)
    assert isinstance(lost.error, iotmqtt.MalformedError)
    assert lost.error.kind == "malformed" and lost.error.reason_code >= 0x80
    assert c.state == "backoff"
    # The client reconnects on its timer and works again.
    deadline = c.poll_timeout()
    assert deadline is not None
    c.handle_timeout(deadline)
    assert isinstance(c.poll_event(), iotmqtt.ReconnectDue)
    c.handle_connected(deadline)
    assert transmit(c, deadline)[:1] == b"\x10"
    c.handle_bytes(deadline, CONNACK5)
    assert isinstance(c.poll_event(), iotmqtt.Connected)
    assert c.publish("t", b"after", qos=1) is not None


def test_caller_errors_change_nothing() -> None:
    c = connected(ClientConfig("c1", protocol=5, keep_alive=0, max_queued_messages=2))
    before = c.stats
    with pytest.raises(TypeError):
        c.publish("t", "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.handle_bytes(1, "\x30\x00")  # type: ignore[arg-type]
    with pytest.raises(iotmqtt.EncodeError) as e:
        c.publish("a/#", b"x")
    assert e.value.code == "topic_wildcard"
    with pytest.raises(iotmqtt.EncodeError):
        c.publish("t", b"x", qos=3)
    with pytest.raises(iotmqtt.UsageError) as e2:
        c.publish("t", b"x", properties=iotmqtt.Properties(topic_alias=2))
    assert e2.value.code == "invalid_argument"
    with pytest.raises(TypeError):
        c.subscribe(42)  # type: ignore[arg-type]
    with pytest.raises(iotmqtt.InvalidStateError):
        c.connect()
    assert c.stats == before
    c.publish("t", b"1", qos=1)
    c.publish("t", b"2", qos=1)
    with pytest.raises(iotmqtt.QueueFullError) as e3:
        c.publish("t", b"3", qos=1)
    assert (e3.value.code, e3.value.reason_code) == ("queue_full", 0x97)
    assert c.is_connected


def test_oversize_against_the_server_maximum() -> None:
    c = Client(ClientConfig("c1", protocol=5, keep_alive=0))
    c.connect()
    c.handle_connected(0)
    transmit(c)
    # CONNACK with Maximum Packet Size 64.
    c.handle_bytes(1, bytes.fromhex("20 08 00 00 05 27 00 00 00 40"))
    info = c.poll_event()
    assert isinstance(info, iotmqtt.Connected) and info.maximum_packet_size == 64
    with pytest.raises(iotmqtt.PacketTooLargeError) as e:
        c.publish("t", b"x" * 100)
    assert (e.value.code, e.value.reason_code) == ("packet_too_large", 0x95)
    assert c.publish("t", b"small") is None


def test_a_packet_over_our_maximum_is_refused_on_its_header() -> None:
    c = connected(ClientConfig("c1", protocol=5, keep_alive=0, maximum_packet_size=128))
    c.handle_bytes(2, b"\x30\xff\xff\x03")  # a PUBLISH of ~64 KiB announced
    transmit(c, 2)
    lost = c.poll_event()
    assert isinstance(lost, iotmqtt.ConnectionLost)
    assert lost.error.code == "packet_too_large" and c.stats.rx_buffered == 0


def test_errors_never_show_secrets() -> None:
    secret = "pa55-w0rd-secret"
    config = ClientConfig("c1", protocol=4, username="u", password=secret.encode())
    assert secret not in repr(config)
    c = Client(config)
    assert secret not in repr(c)
    connect = iotmqtt.Connect("c1", username="u", password=secret.encode())
    assert secret not in repr(connect)
    c.connect()
    c.handle_connected(0)
    transmit(c)
    c.handle_bytes(1, bytes.fromhex("20 02 00 04"))  # CONNACK: bad user name or password
    lost = c.poll_event()
    assert isinstance(lost, iotmqtt.ConnectionLost)
    for text in (str(lost.error), repr(lost.error), repr(lost)):
        assert secret not in text
    errors: List[BaseException] = []
    try:
        c.set_credentials("u\0", secret.encode())
    except iotmqtt.MqttError as e:
        errors.append(e)
    assert errors and all(secret not in str(e) for e in errors)


def test_reconnect_stop_on_names_the_refusals_that_end_the_reconnects() -> None:
    assert ClientConfig("c1").reconnect_stop_on == [0x84, 0x86, 0x87, 0x8A]
    with pytest.raises(ValueError, match="0x01"):
        ClientConfig("c1", reconnect_stop_on=[0x86, 0x01])
    with pytest.raises(ValueError, match="0x8E"):  # a DISCONNECT reason, not a CONNACK one
        ClientConfig("c1").reconnect_stop_on = [0x8E]
    from iotmqtt.iotda import DeviceAuth, DeviceConfig

    device = DeviceConfig(DeviceAuth.secret("dev_1", "s3cr3t-Key"), reconnect_stop_on=[0x86])
    assert device.reconnect_stop_on == [0x86]
    for stop_on, retried in (([0x87], True), ([], True), ([0x86], False)):
        c = Client(ClientConfig("c1", keep_alive=0, reconnect_stop_on=stop_on))
        assert c.config.reconnect_stop_on == stop_on
        c.connect()
        c.handle_connected(0)
        transmit(c)
        c.handle_bytes(1, bytes.fromhex("20 03 00 86 00"))  # 5.0 CONNACK: bad user name or password
        lost = c.poll_event()
        assert isinstance(lost, iotmqtt.ConnectionLost)
        assert (lost.reconnect_at is not None) == retried, stop_on
