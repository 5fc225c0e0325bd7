"""The codec through Python: every packet class round-trips, bad input raises the right
exception, and nothing is lost or kept after an error."""

from __future__ import annotations

import pickle

import pytest

import iotmqtt
from iotmqtt import (
    Auth,
    Connack,
    Connect,
    Disconnect,
    PingReq,
    PingResp,
    Properties,
    PubAck,
    PubComp,
    Publish,
    PubRec,
    PubRel,
    SubAck,
    Subscribe,
    Subscription,
    UnsubAck,
    Unsubscribe,
    Will,
)

PROPS = Properties(
    payload_format_indicator=True,
    message_expiry_interval=60,
    content_type="application/json",
    response_topic="r/t",
    correlation_data=b"\x01\x02",
    user_properties=[("a", "1"), ("a", "2")],
)

V5_PACKETS = [
    Connect(
        "dev-1",
        keep_alive=30,
        username="u",
        password=b"secret-pw",
        will=Will("will/t", b"bye", qos=1, retain=True, properties=Properties(will_delay_interval=5)),
        properties=Properties(session_expiry_interval=300, receive_maximum=10),
    ),
    Connack(session_present=True, reason=0, properties=Properties(maximum_qos=1, retain_available=False)),
    Publish("a/b", b"payload", qos=1, retain=True, dup=True, packet_id=9, properties=PROPS),
    Publish("a/b", b""),
    PubAck(1),
    PubAck(2, 0x10, Properties(reason_string="no subscribers")),
    PubRec(3),
    PubRel(4),
    PubComp(5),
    Subscribe(
        6,
        [Subscription("a/#", 1, no_local=True, retain_as_published=True, retain_handling=2), Subscription("b/+", 0)],
        Properties(subscription_identifiers=[7]),
    ),
    SubAck(6, [1, 0x80]),
    Unsubscribe(7, ["a/#", "b/+"]),
    UnsubAck(7, [0, 0x11]),
    PingReq(),
    PingResp(),
    Disconnect(0x8B, Properties(reason_string="bye", server_reference="s2")),
    Auth(0x18, Properties(authentication_method="SCRAM", authentication_data=b"xyz")),
]

V311_PACKETS = [
    Connect("dev-1", protocol=4, keep_alive=30, username="u", password=b"pw", will=Will("w", b"x")),
    Connack(reason=0),
    Publish("a/b", b"hi", qos=2, packet_id=3),
    PubAck(1),
    PubRec(2),
    PubRel(3),
    PubComp(4),
    Subscribe(5, [Subscription("a/#", 1)]),
    SubAck(5, [1, 0x80]),
    Unsubscribe(6, ["a/#"]),
    UnsubAck(6),
    PingReq(),
    PingResp(),
    Disconnect(),
]


@pytest.mark.parametrize("packet", V5_PACKETS, ids=lambda p: type(p).__name__)
def test_every_v5_packet_round_trips(packet: iotmqtt._native.Packet) -> None:
    wire = iotmqtt.encode(packet, 5)
    decoded, used = iotmqtt.decode(wire, 5)
    assert used == len(wire)
    assert decoded == packet
    assert hash(decoded) == hash(packet)
    assert iotmqtt.encode(decoded, 5) == wire


@pytest.mark.parametrize("packet", V311_PACKETS, ids=lambda p: type(p).__name__)
def test_every_v311_packet_round_trips(packet: iotmqtt._native.Packet) -> None:
    wire = iotmqtt.encode(packet, iotmqtt.ProtocolVersion.V311)
    decoded, used = iotmqtt.decode(wire, "3.1.1")
    assert used == len(wire)
    assert decoded == packet


def test_known_bytes() -> None:
    assert iotmqtt.encode(Publish("a/b", b"hi", qos=1, packet_id=1), 4).hex(" ") == "32 09 00 03 61 2f 62 00 01 68 69"
    assert iotmqtt.encode(PingReq()) == b"\xc0\x00"
    assert iotmqtt.encode(Disconnect(), 4) == b"\xe0\x00"


def test_decoded_properties_keep_their_wire_order_and_compare_by_value() -> None:
    # DISCONNECT with Reason String (0x1F) before Server Reference (0x1C).
    wire = bytes.fromhex("e0 0d 8b 0b 1f 00 03 62 79 65 1c 00 02 73 32")
    packet, _ = iotmqtt.decode(wire, 5)
    assert iotmqtt.encode(packet, 5) == wire
    built = Disconnect(0x8B, Properties(server_reference="s2", reason_string="bye"))
    assert packet == built
    assert iotmqtt.encode(built, 5) != wire  # built ones go in ascending identifier order


def test_properties_value_semantics() -> None:
    assert PROPS.to_dict()["user_properties"] == (("a", "1"), ("a", "2"))
    assert PROPS.correlation_data == b"\x01\x02"
    assert not Properties()
    assert PROPS and PROPS == Properties(**{k: v for k, v in PROPS.to_dict().items()})
    assert "application/json" in repr(PROPS)
    Properties(topic_alias=3).check("publish")
    with pytest.raises(iotmqtt.EncodeError) as e:
        Properties(topic_alias=3).check("connect")
    assert e.value.code == "property_not_allowed"


def test_records_support_match_and_equality() -> None:
    p = Publish("t", b"x", qos=1, packet_id=1)
    match p:
        case Publish(topic, payload, qos=1):
            assert (topic, payload) == ("t", b"x")
        case _:
            pytest.fail("no match")
    assert p != Publish("t", b"y", qos=1, packet_id=1)
    assert p != "not a packet"
    assert {p, Publish("t", b"x", qos=1, packet_id=1)} == {p}
    with pytest.raises(AttributeError):
        p.topic = "other"  # type: ignore[misc]


def test_connect_repr_hides_the_password() -> None:
    c = Connect("dev", username="u", password=b"hunter2")
    assert "hunter2" not in repr(c) and "<redacted>" in repr(c)
    assert c.password == b"hunter2"


def test_malformed_bytes_raise_malformed_error_with_rule_and_offset() -> None:
    with pytest.raises(iotmqtt.MalformedError) as e:
        iotmqtt.decode(b"\x30\x05\x00\x03a/+", 4)
    err = e.value
    assert (err.kind, err.code, err.reason_code, err.offset) == ("malformed", "topic_wildcard", 0x90, 6)
    assert isinstance(err, iotmqtt.DecodeError) and isinstance(err, iotmqtt.MqttError)
    with pytest.raises(iotmqtt.MalformedError) as e:
        iotmqtt.decode(b"\x00\x00")
    assert e.value.code == "invalid_packet_type"
    with pytest.raises(iotmqtt.MalformedError) as e:
        iotmqtt.decode(b"HTTP/1.1 200 OK\r\n\r\n")
    assert e.value.kind == "malformed"


def test_incomplete_input_says_how_much_is_missing() -> None:
    with pytest.raises(iotmqtt.IncompleteError) as e:
        iotmqtt.decode(b"\x30\x05\x00")
    assert (e.value.needed, e.value.exact, e.value.code) == (4, True, "incomplete")
    with pytest.raises(iotmqtt.IncompleteError) as e:
        iotmqtt.decode(b"")
    assert not e.value.exact


def test_oversize_is_refused_on_the_header_alone() -> None:
    header = b"\x30\xff\xff\xff\x7f"  # remaining length 268,435,455
    with pytest.raises(iotmqtt.MalformedError) as e:
        iotmqtt.decode(header, 5, max_packet_size=1024)
    assert e.value.code == "packet_too_large" and e.value.reason_code == 0x95
    d = iotmqtt.Decoder(5, max_packet_size=1024)
    with pytest.raises(iotmqtt.MalformedError):
        d.feed(header)
    assert d.buffered == 0
    with pytest.raises(iotmqtt.EncodeError) as e2:
        iotmqtt.encode(Publish("t", b"x" * 70000, properties=Properties(content_type="c" * 70000)))
    assert e2.value.code == "string_too_long"


def test_str_where_bytes_are_needed_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="str"):
        iotmqtt.decode("\x30\x00")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Publish("t", "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        iotmqtt.encode("not a packet")  # type: ignore[arg-type]
    assert iotmqtt.decode(bytearray(b"\xd0\x00"))[0] == PingResp()
    assert iotmqtt.decode(memoryview(b"\xd0\x00"))[0] == PingResp()


def test_invalid_values_are_encode_errors_naming_the_rule() -> None:
    cases = [
        (Publish("a/+", b""), "topic_wildcard"),
        (Publish("", b""), "empty_topic"),
        (Publish("t", b"", qos=1), "packet_id_mismatch"),
        (Publish("t", b"", qos=3, packet_id=1), "invalid_qos"),
        (PubAck(0), "zero_packet_id"),
        (PubAck(1, 0x8B), "invalid_reason_code"),
        (Subscribe(1, []), "no_topic_filters"),
        (Subscribe(1, [Subscription("a/#/b")]), "invalid_topic_filter"),
        (Connect("c", protocol=4, password=b"p"), "invalid_connect_flags"),
    ]
    for packet, code in cases:
        with pytest.raises(iotmqtt.EncodeError) as e:
            iotmqtt.encode(packet, 4 if isinstance(packet, Connect) else 5)
        assert (e.value.kind, e.value.code) == ("usage", code), packet
    with pytest.raises(iotmqtt.EncodeError) as e:
        iotmqtt.encode(Auth(), 4)
    assert e.value.code == "not_in_version"
    with pytest.raises(ValueError):
        iotmqtt.encode(PingReq(), 3)


def test_streaming_decoder_takes_any_split() -> None:
    wire = b"".join(iotmqtt.encode(p, 5) for p in V5_PACKETS)
    d = iotmqtt.Decoder(5)
    out = []
    for i in range(len(wire)):
        out.extend(d.feed(wire[i : i + 1]))
    assert out == V5_PACKETS and d.buffered == 0
    packets, used = iotmqtt.decode_all(wire + wire[:3], 5)
    assert packets == V5_PACKETS and used == len(wire)
    # After bad bytes the decoder holds nothing and decodes a fresh stream again.
    with pytest.raises(iotmqtt.MalformedError):
        d.feed(b"\x30\x05\x00")
        d.feed(b"\x03a/+")
    assert d.buffered == 0
    assert d.feed(b"\xd0\x00") == [PingResp()]


def test_errors_pickle_and_repr() -> None:
    with pytest.raises(iotmqtt.MalformedError) as e:
        iotmqtt.decode(b"\x30\x05\x00\x03a/+", 4)
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is iotmqtt.MalformedError
    assert (again.code, again.offset, str(again)) == (e.value.code, 6, str(e.value))
    assert "topic_wildcard" in repr(e.value)
