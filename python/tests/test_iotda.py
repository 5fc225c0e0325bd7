"""The IoTDA profile through Python: credentials against the shared vectors, every topic
builder and the parser, payloads through the core's readers and writers, the sans-IO device,
and secrets that never appear in errors or reprs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, List

import pytest

import iotmqtt
from conftest import SCENARIOS
from iotmqtt import iotda
from iotmqtt.iotda import DeviceAuth, DeviceConfig, IotdaDevice, Topic

SECRET = "s3cr3t-Key"


def test_credentials_match_the_shared_vectors() -> None:
    cases = json.loads((SCENARIOS / "vectors" / "iotda-auth.json").read_text())["cases"]
    checked = 0
    for case in cases:
        if case["kind"] != "secret" or "utc" not in case:
            continue
        auth = DeviceAuth.secret(case["device_id"], case["secret"], sig_type=case.get("sig_type", 0))
        c = auth.credentials(case["utc"])
        assert (c.client_id, c.username, c.password) == (case["client_id"], case["username"], case["password"])
        checked += 1
    assert checked >= 3


def test_every_identity_kind_and_time_form() -> None:
    utc = datetime(2026, 11, 25, 8, 30, tzinfo=timezone.utc)
    secret = DeviceAuth.secret("5f1c0d2e_sensor01", SECRET)
    same = [secret.credentials(x).client_id for x in (utc, int(utc.timestamp()), utc.timestamp(), "20261125T083000Z")]
    assert set(same) == {"5f1c0d2e_sensor01_0_0_2026112508"}
    assert DeviceAuth.bridge("bridge_7", "12345678", sig_type=2).credentials(utc).client_id == "bridge_7_3_2_2026112508"
    group = DeviceAuth.bootstrap_group_secret("dev", "c2VjcmV0LWdyb3VwLWtleQ==", "a1b2c3d4e5f6")
    assert group.credentials(utc).client_id == "dev_0_a1b2c3d4e5f6_0_2026112508"
    assert group.device_secret() is not None and len(group.device_secret() or "") == 64
    cert = DeviceAuth.certificate("dev")
    assert cert.credentials(utc).password is None and cert.device_secret() is None
    boot = DeviceAuth.bootstrap_certificate("dev", "a1b2c3d4e5f6")
    assert boot.credentials(utc).client_id == "dev_0_a1b2c3d4e5f6"
    assert (secret.device_id, secret.sig_type, secret.kind) == ("5f1c0d2e_sensor01", 0, "secret")
    now = secret.credentials()  # no time given: now
    assert now.client_id.startswith("5f1c0d2e_sensor01_0_0_")
    assert len(iotda.compute_password("12345678", "2025041401")) == 64
    assert iotda.event_time(utc) == "20261125T083000Z"
    assert iotda.unix_seconds("2026-11-25T08:30:00Z") == int(utc.timestamp())


def test_bad_identities_and_times_raise_iotda_errors_without_the_secret() -> None:
    cases: List[Any] = [
        (lambda: DeviceAuth.secret("dev/1", SECRET), "invalid_device_id"),
        (lambda: DeviceAuth.secret("dev", ""), "invalid_secret"),
        (lambda: DeviceAuth.secret("dev", SECRET, sig_type=7), "invalid_client_id"),
        (lambda: DeviceAuth.bootstrap_group_secret("dev", "not base64!", "a1b2c3"), "invalid_secret"),
        (lambda: DeviceAuth.bootstrap_certificate("dev", "a"), "invalid_scope_id"),
        (lambda: DeviceAuth.secret("dev", SECRET).credentials("2026-13-01T00:00:00Z"), "invalid_time"),
        (lambda: DeviceAuth.secret("dev", SECRET).credentials(-5), "invalid_time"),
        (lambda: iotda.compute_password(SECRET, "2025"), "invalid_client_id"),
    ]
    for call, code in cases:
        with pytest.raises(iotmqtt.IotdaError) as e:
            call()
        assert (e.value.kind, e.value.code) == ("usage", code)
        assert SECRET not in str(e.value) and SECRET not in repr(e.value)
    with pytest.raises(ValueError, match="naive"):
        DeviceAuth.secret("dev", SECRET).credentials(datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        DeviceAuth.secret("dev", SECRET).credentials([2026])  # type: ignore[arg-type]
    auth = DeviceAuth.secret("dev", SECRET)
    creds = auth.credentials("2026-11-25T08:30:00Z")
    assert SECRET not in repr(auth)
    assert creds.password is not None and creds.password not in repr(creds)


def test_topic_builders_and_parser() -> None:
    built = {
        "$oc/devices/d1/sys/properties/report": Topic.device("d1", "properties_report"),
        "$oc/devices/d1/sys/messages/up?request_id=9": Topic.device("d1", "messages_up", request_id="9"),
        "$oc/devices/d1/sys/properties/report?encoding=gzip": Topic.device("d1", "properties_report", suffix="gzip"),
        "$oc/devices/d1/sys/commands/response/request_id=7": Topic.device("d1", "command_response", request_id="7"),
        "$oc/bridges/b1/devices/d1/sys/login/request_id=1": Topic.bridge("b1", "d1", "login", request_id="1"),
        "$oc/devices/d1/user/temp/alarm": Topic.user("d1", "temp/alarm"),
        "$oc/m2m/to/d2/from/d1/request_id=5": Topic.m2m("d2", "d1", "5"),
        "/huawei/v1/devices/d1/data/json": Topic.legacy("d1", "data_json"),
        "plain/custom": Topic.custom("plain/custom"),
    }
    for text, topic in built.items():
        assert str(topic) == text and topic.topic == text
        assert Topic.parse(text) == topic
    t = Topic.parse("$oc/devices/d1/sys/commands/request_id=42")
    assert (t.type, t.device_id, t.sys, t.request_id, t.direction) == ("device", "d1", "command", "42", "down")
    m2m = built["$oc/m2m/to/d2/from/d1/request_id=5"]
    assert (m2m.to, m2m.from_, m2m.direction) == ("d2", "d1", "up")
    assert built["/huawei/v1/devices/d1/data/json"].legacy_topic == "data_json"
    unknown = Topic.parse("$oc/devices/d1/sys/nope")
    assert (unknown.type, unknown.direction) == ("unknown", None)
    for call, code in [
        (lambda: Topic.user("d1", "a//b"), "invalid_user_topic_name"),
        (lambda: Topic.device("d/1", "events_up"), "invalid_topic_device_id"),
        (lambda: Topic.device("d1", "command", request_id="a+b"), "invalid_request_id"),
        (lambda: Topic.custom("$oc/x"), "invalid_custom_topic"),
        (lambda: Topic.unknown("anything"), "topic_not_in_catalogue"),
        (lambda: Topic.device("d1", "login", request_id="1"), "topic_not_in_catalogue"),
    ]:
        with pytest.raises(iotmqtt.IotdaError) as e:
            call()
        assert e.value.code == code
    with pytest.raises(ValueError):
        Topic.device("d1", "no_such_topic")
    with pytest.raises(ValueError):
        Topic.device("d1", "command")  # needs a request id
    assert iotda.downstream_filters("d1")[0].startswith("$oc/devices/d1/sys/")
    assert len(iotda.downstream_filters("d1")) == 6
    assert iotda.bootstrap_filter("d1") == "$oc/devices/d1/sys/bootstrap/down"
    assert all(f.startswith("$oc/bridges/b1/") for f in iotda.bridge_downstream_filters("b1"))


def test_payloads_read_tolerantly_and_write_exactly() -> None:
    report = {"services": [{"service_id": "Battery", "properties": {"level": 80}, "event_time": None}]}
    assert iotda.encode_payload("PropertiesReport", report) == b'{"services":[{"service_id":"Battery","properties":{"level":80}}]}'
    assert iotda.decode_payload("CommandResponse", b'{"result_code":3,"extra":[1],"paras":null}') == {"result_code": 3}
    assert set(iotda.PAYLOAD_TYPES) >= {"PropertiesReport", "CommandRequest", "EventsMessage", "ShadowGetResponse"}
    with pytest.raises(iotmqtt.IotdaError) as e:
        iotda.decode_payload("CommandRequest", b'{"paras": {"secret": "hunter2"')
    assert e.value.code == "invalid_json" and "hunter2" not in str(e.value)
    with pytest.raises(iotmqtt.IotdaError) as e:
        iotda.encode_payload("PropertiesReport", {"services": "nope"})
    assert e.value.code == "invalid_json"
    with pytest.raises(iotmqtt.IotdaError) as e:
        iotda.decode_payload("PropertiesReport", b" " * (1024 * 1024 + 1))
    assert e.value.code == "invalid_payload"
    with pytest.raises(ValueError):
        iotda.decode_payload("NoSuchType", b"{}")
    for kind in iotda.PAYLOAD_TYPES:  # every type the binding names exists in the core
        try:
            iotda.decode_payload(kind, b"{}")
        except iotmqtt.IotdaError:
            pass


def _publish(topic: bytes, body: bytes) -> bytes:
    rest = 2 + len(topic) + len(body)
    return bytes([0x30, rest, 0, len(topic)]) + topic + body


def test_device_sans_io() -> None:
    config = DeviceConfig(DeviceAuth.secret("dev_1", SECRET), keep_alive=60, request_id_seed=0xAB)
    assert (config.protocol, config.keep_alive, config.upstream_qos, config.bootstrap) == (4, 60, 1, None)
    assert config.auth.device_id == "dev_1" and SECRET not in repr(config)
    d = IotdaDevice(config)
    assert (d.device_id, d.is_connected, d.state, d.is_bootstrapping) == ("dev_1", False, "idle", False)
    d.connect()
    d.handle_connected(0, datetime(2026, 11, 25, 8, 30, tzinfo=timezone.utc))
    connect, _ = iotmqtt.decode(d.poll_transmit(0), 4)
    assert isinstance(connect, iotmqtt.Connect) and connect.client_id == "dev_1_0_0_2026112508"
    d.handle_bytes(1, bytes.fromhex("20020000"))
    assert [type(e) for e in d.poll_events()] == [iotmqtt.Connected]
    d.handle_bytes(2, _publish(b"$oc/devices/dev_1/sys/properties/get/request_id=5", b'{"service_id":"Lamp"}'))
    d.handle_bytes(2, _publish(b"$oc/devices/dev_1/sys/messages/down", b'{"content":"hi"}'))
    d.handle_bytes(2, _publish(b"$oc/devices/dev_1/sys/commands/request_id=6", b"not json"))
    get, down, bad = d.poll_events()
    assert isinstance(get, iotda.PropertiesGet) and get.request == {"service_id": "Lamp"}
    assert isinstance(down, iotda.MessageDown) and down.message == {"content": "hi"}
    assert isinstance(bad, iotda.BadInput) and (bad.problem, bad.request_id) == ("payload", "6")
    assert isinstance(bad.error, iotmqtt.IotdaError) and bad.error.code == "invalid_json"
    d.respond_properties_get("5", {"services": [{"service_id": "Lamp", "properties": {"on": True}}]})
    d.report_properties({"services": [{"service_id": "Lamp", "properties": {"on": True}}]})
    d.report_properties('{"services":[]}', "request_id", "r1")
    d.send_message(b"raw bytes")
    rid = d.get_shadow("Lamp")
    assert rid.startswith("ab-") and d.pending_requests == 1
    assert d.subscribe("custom/t", 1) >= 1 and d.unsubscribe("custom/t") >= 1
    d.publish("custom/t", b"x", 1)
    packets, _ = iotmqtt.decode_all(d.poll_transmit(3), 4)
    topics = [p.topic for p in packets if isinstance(p, iotmqtt.Publish)]
    assert "$oc/devices/dev_1/sys/properties/get/response/request_id=5" in topics
    assert f"$oc/devices/dev_1/sys/shadow/get/request_id={rid}" in topics
    with pytest.raises(iotmqtt.UsageError) as e:
        d.publish("custom/t", b"x", 2)
    assert e.value.code == "qos_not_supported"
    with pytest.raises(iotmqtt.IotdaError):
        d.respond_command("7", {"result_code": "not a number"})
    with pytest.raises(TypeError):
        d.send_message("text")  # type: ignore[arg-type]
    assert d.is_connected and "dev_1" in repr(d)
    d.disconnect()
    assert d.state == "idle"


def test_device_config_rules() -> None:
    auth = DeviceAuth.secret("dev_1", SECRET)
    for bad in ({"keep_alive": 10}, {"max_messages_per_sec": 51}):
        with pytest.raises(iotmqtt.ConfigError):
            DeviceConfig(auth, **bad).validate()
    with pytest.raises(TypeError, match="unknown setting"):
        DeviceConfig(auth, colour=1)
    c = DeviceConfig(auth, bootstrap="", protocol=5, upstream_qos=0, request_timeout_ms=5000)
    assert (c.bootstrap, c.protocol, c.upstream_qos, c.request_timeout_ms) == ("", 5, 0, 5000)
    with pytest.raises(iotmqtt.EncodeError):
        c.upstream_qos = 3


def test_time_of_day_in_credentials_follows_the_hour() -> None:
    auth = DeviceAuth.secret("dev", SECRET)
    t = datetime(2026, 11, 25, 8, 59, 59, tzinfo=timezone.utc)
    a, b = auth.credentials(t), auth.credentials(t + timedelta(seconds=1))
    assert a.client_id.endswith("2026112508") and b.client_id.endswith("2026112509")
    assert a.password != b.password


def _connected_device(seed: int = 1) -> IotdaDevice:
    d = IotdaDevice(DeviceConfig(DeviceAuth.secret("gw_1", SECRET), request_id_seed=seed))
    d.connect()
    d.handle_connected(0, "2026-11-25T08:30:00Z")
    d.poll_transmit(0)
    d.handle_bytes(1, bytes.fromhex("20020000"))
    assert [type(e) for e in d.poll_events()] == [iotmqtt.Connected]
    return d


def _sent(d: IotdaDevice, now: int = 2) -> List[iotmqtt.Publish]:
    packets, _ = iotmqtt.decode_all(d.poll_transmit(now), 4)
    return [p for p in packets if isinstance(p, iotmqtt.Publish)]


def test_device_events_requests_and_gateway_helpers() -> None:
    d = _connected_device()
    ids = d.report_events(
        {"services": [{"service_id": "$time_sync", "event_type": "time_sync_request", "paras": {"device_send_time": 1000}}]}
    )
    assert len(ids) == 1 and ids[0].startswith("1-")
    assert d.request_time_sync(2000).startswith("1-")
    added = d.add_sub_devices({"devices": [{"node_id": "child01", "product_id": "5f1c0d2e"}]})
    deleted = d.delete_sub_devices({"devices": ["gw_1_child01"]})
    status = d.update_sub_device_statuses({"device_statuses": [{"device_id": "gw_1_child01", "status": "ONLINE"}]})
    assert len({added, deleted, status}) == 3 and d.pending_requests == 5
    d.sync_sub_devices(7)
    d.report_sub_device_properties(
        {"devices": [{"device_id": "gw_1_child01", "services": [{"service_id": "S", "properties": {"v": 1}}]}]}
    )
    sent = _sent(d)
    topics = [p.topic for p in sent]
    assert topics.count("$oc/devices/gw_1/sys/events/up") == 6
    assert "$oc/devices/gw_1/sys/gateway/sub_devices/properties/report" in topics
    event_types = [json.loads(p.payload)["services"][0]["event_type"] for p in sent if p.topic.endswith("events/up")]
    assert event_types[:3] == ["time_sync_request", "time_sync_request", "add_sub_device_request"]
    # The platform answers the time sync: the answer names the request it answers.
    answer = json.dumps(
        {"services": [{"service_id": "$time_sync", "event_type": "time_sync_response", "event_id": ids[0],
                       "paras": {"device_send_time": 1000, "server_recv_time": 1500, "server_send_time": 1501}}]}
    ).encode()
    topic = b"$oc/devices/gw_1/sys/events/down"
    body = bytes([0x30]) + _varint(2 + len(topic) + len(answer)) + len(topic).to_bytes(2, "big") + topic + answer
    d.handle_bytes(3, body)
    system = d.poll_event()
    assert isinstance(system, iotda.SystemEvent)
    assert (system.event_type, system.paras["server_recv_time"]) == ("time_sync_response", 1500)
    assert system.answers is not None and (system.answers.kind, system.answers.id) == ("time_sync", ids[0])
    with pytest.raises(iotmqtt.InvalidStateError):
        d.request_bootstrap()  # not provisioning


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_device_request_timeout() -> None:
    d = IotdaDevice(DeviceConfig(DeviceAuth.secret("gw_1", SECRET), request_timeout_ms=1000))
    d.connect()
    d.handle_connected(0, 1_795_593_600)
    d.poll_transmit(0)
    d.handle_bytes(1, bytes.fromhex("20020000"))
    d.poll_events()
    rid = d.get_shadow()
    _sent(d, 1)
    deadline = d.poll_timeout()
    assert deadline is not None and deadline <= 1001 + 1000
    d.handle_timeout(5000)
    timeouts = [e for e in d.poll_events() if isinstance(e, iotda.RequestTimeout)]
    assert [(t.kind, t.id) for t in timeouts] == [("shadow", rid)]
