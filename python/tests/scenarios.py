"""A replayer for the cross-language scenario files (``tests/*.json``, format in
``tests/README.md``), through the public Python API only.

A file, kind, op or field this runner does not know is a failure, never a skip: every binding
proves on the same files that it adds no logic of its own. Views (README §2) are built here
from the Python objects; expectations are matched as README §1.3 says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import iotmqtt
from iotmqtt import iotda


class ScenarioError(AssertionError):
    """A scenario failed; the message says where."""


# ----------------------------------------------------------------------------- values


def hexbytes(text: str) -> bytes:
    """README §1.2: pairs of hex digits, ASCII spaces ignored."""
    return bytes.fromhex(text.replace(" ", ""))


def text_or_hex(obj: Dict[str, Any], key: str, default: Optional[bytes] = None) -> Optional[bytes]:
    """A bytes input given as ``key`` (UTF-8 text) or ``key_hex``, never both."""
    has_text, has_hex = key in obj, f"{key}_hex" in obj
    if has_text and has_hex:
        raise ScenarioError(f"both {key} and {key}_hex")
    if has_text:
        value = obj[key]
        return None if value is None else str(value).encode()
    if has_hex:
        value = obj[f"{key}_hex"]
        return None if value is None else hexbytes(value)
    return default


def check_fields(obj: Dict[str, Any], required: List[str], optional: List[str], what: str) -> None:
    """README §1.1: a field not listed is an error, and so is a missing required field."""
    if not isinstance(obj, dict):
        raise ScenarioError(f"{what}: expected an object")
    missing = [k for k in required if k not in obj]
    unknown = [k for k in obj if k not in required and k not in optional]
    if missing or unknown:
        raise ScenarioError(f"{what}: missing {missing}, unknown {unknown}")


# ----------------------------------------------------------------------------- views (§2)

PROPERTY_KEYS = [
    "payload_format_indicator",
    "message_expiry_interval",
    "content_type",
    "response_topic",
    "correlation_data",
    "subscription_identifiers",
    "session_expiry_interval",
    "assigned_client_identifier",
    "server_keep_alive",
    "authentication_method",
    "authentication_data",
    "request_problem_information",
    "will_delay_interval",
    "request_response_information",
    "response_information",
    "server_reference",
    "reason_string",
    "receive_maximum",
    "topic_alias_maximum",
    "topic_alias",
    "maximum_qos",
    "retain_available",
    "user_properties",
    "maximum_packet_size",
    "wildcard_subscription_available",
    "subscription_identifier_available",
    "shared_subscription_available",
]
BINARY_PROPERTIES = {"correlation_data", "authentication_data"}


def properties_view(p: iotmqtt.Properties) -> Dict[str, Any]:
    view: Dict[str, Any] = {}
    for key, value in p.to_dict().items():
        if key in BINARY_PROPERTIES:
            view[f"{key}_hex"] = value.hex()
        elif key == "user_properties":
            view[key] = [list(pair) for pair in value]
        elif key == "subscription_identifiers":
            view[key] = list(value)
        else:
            view[key] = value
    return view


def properties_input(view: Dict[str, Any]) -> iotmqtt.Properties:
    """A properties object (§2.1) as input: encoded in ascending identifier order by the core."""
    kwargs: Dict[str, Any] = {}
    for key, value in view.items():
        base = key[:-4] if key.endswith("_hex") else key
        if base not in PROPERTY_KEYS:
            raise ScenarioError(f"unknown property {key!r}")
        if base in BINARY_PROPERTIES:
            kwargs[base] = hexbytes(value) if key.endswith("_hex") else str(value).encode()
        elif base == "user_properties":
            kwargs[base] = [tuple(pair) for pair in value]
        else:
            kwargs[base] = value
    return iotmqtt.Properties(**kwargs)


def version_name(level: int) -> str:
    return "3.1.1" if level == 4 else "5"


def packet_view(p: Any) -> Dict[str, Any]:
    props = lambda: properties_view(p.properties)  # noqa: E731
    if isinstance(p, iotmqtt.Publish):
        return {
            "type": "publish",
            "dup": p.dup,
            "qos": p.qos,
            "retain": p.retain,
            "topic": p.topic,
            "packet_id": p.packet_id,
            "properties": props(),
            "payload_hex": p.payload.hex(),
        }
    acks = {
        iotmqtt.PubAck: "puback",
        iotmqtt.PubRec: "pubrec",
        iotmqtt.PubRel: "pubrel",
        iotmqtt.PubComp: "pubcomp",
    }
    for cls, name in acks.items():
        if isinstance(p, cls):
            return {"type": name, "packet_id": p.packet_id, "reason": p.reason, "properties": props()}
    if isinstance(p, iotmqtt.Connect):
        will = None
        if p.will is not None:
            will = {
                "qos": p.will.qos,
                "retain": p.will.retain,
                "properties": properties_view(p.will.properties),
                "topic": p.will.topic,
                "payload_hex": p.will.payload.hex(),
            }
        return {
            "type": "connect",
            "protocol": version_name(p.protocol),
            "clean_start": p.clean_start,
            "keep_alive": p.keep_alive,
            "properties": props(),
            "client_id": p.client_id,
            "will": will,
            "username": p.username,
            "password_hex": None if p.password is None else p.password.hex(),
        }
    if isinstance(p, iotmqtt.Connack):
        return {
            "type": "connack",
            "session_present": p.session_present,
            "reason": p.reason,
            "properties": props(),
        }
    if isinstance(p, iotmqtt.Subscribe):
        return {
            "type": "subscribe",
            "packet_id": p.packet_id,
            "properties": props(),
            "subscriptions": [
                {
                    "filter": s.filter,
                    "qos": s.qos,
                    "no_local": s.no_local,
                    "retain_as_published": s.retain_as_published,
                    "retain_handling": s.retain_handling,
                }
                for s in p.subscriptions
            ],
        }
    if isinstance(p, iotmqtt.SubAck):
        return {"type": "suback", "packet_id": p.packet_id, "properties": props(), "reasons": list(p.reasons)}
    if isinstance(p, iotmqtt.Unsubscribe):
        return {"type": "unsubscribe", "packet_id": p.packet_id, "properties": props(), "filters": list(p.filters)}
    if isinstance(p, iotmqtt.UnsubAck):
        return {"type": "unsuback", "packet_id": p.packet_id, "properties": props(), "reasons": list(p.reasons)}
    if isinstance(p, iotmqtt.PingReq):
        return {"type": "pingreq"}
    if isinstance(p, iotmqtt.PingResp):
        return {"type": "pingresp"}
    if isinstance(p, iotmqtt.Disconnect):
        return {"type": "disconnect", "reason": p.reason, "properties": props()}
    if isinstance(p, iotmqtt.Auth):
        return {"type": "auth", "reason": p.reason, "properties": props()}
    raise ScenarioError(f"not a packet: {p!r}")


def error_view(e: BaseException) -> Dict[str, Any]:
    if not isinstance(e, iotmqtt.MqttError):
        raise ScenarioError(f"not an iotmqtt error: {e!r}")
    return {"kind": e.kind, "code": e.code, "reason_code": e.reason_code}


def _hex(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.hex()


def event_view(e: Any) -> Dict[str, Any]:
    if isinstance(e, iotmqtt.Message):
        return {
            "type": "message",
            "topic": e.topic,
            "payload_hex": e.payload.hex(),
            "qos": e.qos,
            "retain": e.retain,
            "dup": e.dup,
            "packet_id": e.packet_id,
            "properties": properties_view(e.properties),
        }
    if isinstance(e, (iotmqtt.PublishAcked, iotmqtt.PublishCompleted)):
        name = "publish_acked" if isinstance(e, iotmqtt.PublishAcked) else "publish_completed"
        return {"type": name, "packet_id": e.packet_id, "reason": e.reason, "properties": properties_view(e.properties)}
    if isinstance(e, iotmqtt.CredentialsNeeded):
        return {"type": "credentials_needed"}
    if isinstance(e, iotmqtt.AuthChallenge):
        return {"type": "auth_challenge", "method": e.method, "data_hex": _hex(e.data), "properties": properties_view(e.properties)}
    if isinstance(e, iotmqtt.Reauthenticated):
        return {"type": "reauthenticated", "properties": properties_view(e.properties)}
    if isinstance(e, iotmqtt.Connected):
        return {
            "type": "connected",
            "session_present": e.session_present,
            "keep_alive": e.keep_alive,
            "server_keep_alive": e.server_keep_alive,
            "session_expiry": e.session_expiry,
            "assigned_client_id": e.assigned_client_id,
            "receive_maximum": e.receive_maximum,
            "maximum_packet_size": e.maximum_packet_size,
            "topic_alias_maximum": e.topic_alias_maximum,
            "maximum_qos": e.maximum_qos,
            "retain_available": e.retain_available,
            "wildcard_subscription_available": e.wildcard_subscription_available,
            "subscription_identifiers_available": e.subscription_identifiers_available,
            "shared_subscription_available": e.shared_subscription_available,
            "reason_string": e.reason_string,
            "response_information": e.response_information,
            "server_reference": e.server_reference,
            "authentication_data_hex": _hex(e.authentication_data),
            "user_properties": [list(p) for p in e.user_properties],
            "properties": properties_view(e.properties),
        }
    if isinstance(e, iotmqtt.PublishDropped):
        return {"type": "publish_dropped", "packet_id": e.packet_id, "reason": e.reason}
    if isinstance(e, iotmqtt.RequestDropped):
        return {"type": "request_dropped", "packet_id": e.packet_id, "reason": e.reason}
    if isinstance(e, iotmqtt.Subscribed):
        return {
            "type": "subscribed",
            "packet_id": e.packet_id,
            "reasons": list(e.reasons),
            "properties": properties_view(e.properties),
            "resubscribe": e.resubscribe,
        }
    if isinstance(e, iotmqtt.Unsubscribed):
        return {"type": "unsubscribed", "packet_id": e.packet_id, "reasons": list(e.reasons), "properties": properties_view(e.properties)}
    if isinstance(e, iotmqtt.ConnectionLost):
        return {
            "type": "connection_lost",
            "error": error_view(e.error),
            "reason_string": e.reason_string,
            "server_reference": e.server_reference,
            "user_properties": [list(p) for p in e.user_properties],
            "reconnect_at": e.reconnect_at,
        }
    if isinstance(e, iotmqtt.Disconnected):
        return {"type": "disconnected"}
    if isinstance(e, iotmqtt.ReconnectDue):
        return {"type": "reconnect_due", "attempt": e.attempt}
    if isinstance(e, iotmqtt.PersistRequired):
        return {"type": "persist_required"}
    if isinstance(e, iotmqtt.MessagesDropped):
        return {"type": "messages_dropped", "count": e.count}
    raise ScenarioError(f"not an event: {e!r}")


def topic_view(t: iotda.Topic) -> Dict[str, Any]:
    view: Dict[str, Any] = {"type": t.type, "direction": t.direction}
    fields = {
        "device": ["device_id", "sys"],
        "bridge": ["bridge_id", "device_id", "sys"],
        "user": ["device_id", "name"],
        "m2m": ["to", "from", "request_id"],
        "legacy": ["device_id", "legacy"],
        "custom": ["topic"],
        "unknown": ["topic"],
    }[t.type]
    attribute = {"from": "from_", "legacy": "legacy_topic"}
    for f in fields:
        view[f] = getattr(t, attribute.get(f, f))
    if t.type in ("device", "bridge"):
        if t.suffix is not None:
            view["suffix"] = t.suffix
        if t.request_id is not None:
            view["request_id"] = t.request_id
    return view


# ----------------------------------------------------------------------------- matching (§1.3)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def matches(expected: Any, actual: Any, path: str = "") -> None:
    """Raises ScenarioError naming the first mismatch."""
    where = path or "value"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            raise ScenarioError(f"{where}: expected an object, got {actual!r}")
        for key, want in expected.items():
            sub = f"{path}.{key}" if path else key
            if key in actual:
                if key.endswith("_hex") and isinstance(want, str):
                    got = actual[key]
                    if got is None or hexbytes(want) != hexbytes(got):
                        raise ScenarioError(f"{sub}: expected {want}, got {got}")
                else:
                    matches(want, actual[key], sub)
            elif want is None:
                continue  # rule 5: null matches an absent key
            elif f"{key}_hex" in actual and isinstance(want, str):
                got = actual[f"{key}_hex"]
                if got is None or want.encode() != hexbytes(got):
                    raise ScenarioError(f"{sub}: expected {want!r}, got hex {got}")
            elif key.endswith("_json") and f"{key[:-5]}_hex" in actual:
                got = actual[f"{key[:-5]}_hex"]
                try:
                    parsed = json.loads(hexbytes(got)) if got is not None else None
                except ValueError as e:
                    raise ScenarioError(f"{sub}: not JSON: {e}") from None
                if not _json_equal(want, parsed):
                    raise ScenarioError(f"{sub}: expected {want!r}, got {parsed!r}")
            else:
                raise ScenarioError(f"{sub}: no such key in {sorted(actual)}")
        return
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            raise ScenarioError(f"{where}: expected {expected!r}, got {actual!r}")
        for i, (w, g) in enumerate(zip(expected, actual)):
            matches(w, g, f"{where}[{i}]")
        return
    if expected is None:
        if actual is not None:
            raise ScenarioError(f"{where}: expected null, got {actual!r}")
        return
    if isinstance(expected, bool) or isinstance(actual, bool):
        if type(expected) is not type(actual) or expected != actual:
            raise ScenarioError(f"{where}: expected {expected!r}, got {actual!r}")
        return
    if expected != actual or type(expected) is not type(actual):
        raise ScenarioError(f"{where}: expected {expected!r}, got {actual!r}")


def expect_outcome(call: Callable[[], Any], expect_error: Optional[Dict[str, Any]]) -> Any:
    """Runs a command: it must succeed, or fail with an error matching ``expect_error``."""
    try:
        result = call()
    except iotmqtt.MqttError as e:
        if expect_error is None:
            raise ScenarioError(f"unexpected error {error_view(e)}: {e}") from None
        matches(expect_error, error_view(e), "error")
        return None
    if expect_error is not None:
        raise ScenarioError(f"expected error {expect_error}, it succeeded")
    return result


# ----------------------------------------------------------------------------- kind codec (§3)


def run_codec(doc: Dict[str, Any]) -> None:
    check_fields(doc, ["name", "description", "spec", "kind", "version", "cases"], ["max_packet_size"], "file")
    version = doc["version"]
    if version not in ("3.1.1", "5"):
        raise ScenarioError(f"unknown version {version!r}")
    max_size = doc.get("max_packet_size")
    if not doc["cases"]:
        raise ScenarioError("no cases")
    for i, case in enumerate(doc["cases"]):
        label = f"case {i} {case.get('name', '')!r}"
        check_fields(case, ["hex"], ["name", "expect", "expect_error", "expect_incomplete", "reencode_hex"], label)
        outcomes = [k for k in ("expect", "expect_error", "expect_incomplete") if k in case]
        if len(outcomes) != 1:
            raise ScenarioError(f"{label}: exactly one of expect, expect_error, expect_incomplete")
        if "reencode_hex" in case and "expect" not in case:
            raise ScenarioError(f"{label}: reencode_hex needs expect")
        data = hexbytes(case["hex"])
        try:
            if "expect" in case:
                packet, used = iotmqtt.decode(data, version, max_size)
                if used != len(data):
                    raise ScenarioError(f"used {used} of {len(data)} bytes")
                matches(case["expect"], packet_view(packet), "packet")
                again = iotmqtt.encode(packet, version)
                want = hexbytes(case.get("reencode_hex", case["hex"]))
                if again != want:
                    raise ScenarioError(f"re-encoded {again.hex(' ')}, expected {want.hex(' ')}")
            elif "expect_error" in case:
                exp = case["expect_error"]
                check_fields(exp, ["violation", "offset"], [], f"{label} expect_error")
                try:
                    iotmqtt.decode(data, version, max_size)
                except iotmqtt.MalformedError as e:
                    if (e.code, e.offset) != (exp["violation"], exp["offset"]):
                        raise ScenarioError(f"got {e.code} at {e.offset}, expected {exp}") from None
                else:
                    raise ScenarioError(f"decoded, expected {exp}")
            else:
                try:
                    iotmqtt.decode(data, version, max_size)
                except iotmqtt.IncompleteError as e:
                    if e.needed != case["expect_incomplete"]:
                        raise ScenarioError(f"needs {e.needed}, expected {case['expect_incomplete']}") from None
                else:
                    raise ScenarioError("decoded, expected incomplete")
        except ScenarioError as e:
            raise ScenarioError(f"{label}: {e}") from None


# ----------------------------------------------------------------------------- kind client (§4)

CONFIG_FIELDS = {
    "client_id", "protocol", "keep_alive", "ping_timeout_ms", "clean_start", "session_expiry",
    "credentials", "username", "password", "password_hex", "will", "receive_maximum",
    "maximum_packet_size", "topic_alias_maximum", "outgoing_topic_aliases", "connack_timeout_ms",
    "reconnect", "reconnect_min_delay_ms", "reconnect_max_delay_ms", "jitter_seed",
    "stable_after_ms", "resubscribe", "requeue", "max_queued_messages", "max_queued_bytes",
    "max_inflight", "max_subscriptions", "max_events", "manual_ack", "persistence",
    "auth_method", "auth_data_hex", "connect_properties",
}


def make_config(cfg: Dict[str, Any]) -> iotmqtt.ClientConfig:
    check_fields(cfg, ["client_id"], sorted(CONFIG_FIELDS - {"client_id"}), "config")
    config = iotmqtt.ClientConfig(cfg["client_id"])
    mode = cfg.get("credentials", "none")
    static = [k for k in ("username", "password", "password_hex") if k in cfg]
    if static and mode != "static":
        raise ScenarioError("username/password only with static credentials")
    for key, value in cfg.items():
        if key in ("client_id", "username", "password", "password_hex", "credentials"):
            continue
        if key == "will":
            if value is None:
                continue
            check_fields(value, ["topic"], ["payload", "payload_hex", "qos", "retain", "properties"], "will")
            config.will = iotmqtt.Will(
                value["topic"],
                text_or_hex(value, "payload", b""),
                qos=value.get("qos", 0),
                retain=value.get("retain", False),
                properties=properties_input(value.get("properties", {})),
            )
        elif key == "auth_data_hex":
            config.auth_data = None if value is None else hexbytes(value)
        elif key == "connect_properties":
            config.connect_properties = properties_input(value)
        else:
            setattr(config, key, value)
    config.credentials = mode
    if mode == "static":
        config.username = cfg.get("username")
        config.password = text_or_hex(cfg, "password")
    return config


STEP_FIELDS: Dict[str, Tuple[List[str], List[str]]] = {
    "connect": ([], ["expect_error"]),
    "disconnect": ([], ["expect_error"]),
    "set_credentials": ([], ["username", "password", "password_hex", "expect_error"]),
    "publish": (["topic"], ["payload", "payload_hex", "qos", "retain", "properties", "expect_packet_id", "expect_error"]),
    "subscribe": (["subscriptions"], ["properties", "expect_packet_id", "expect_error"]),
    "unsubscribe": (["filters"], ["properties", "expect_packet_id", "expect_error"]),
    "ack": (["packet_id"], ["expect_error"]),
    "auth_continue": (["data_hex"], ["expect_error"]),
    "reauthenticate": (["data_hex"], ["expect_error"]),
    "snapshot": ([], []),
    "restart": ([], []),
    "handle_connected": ([], []),
    "receive": (["hex"], []),
    "timeout": ([], []),
    "closed": ([], []),
    "expect_transmit": ([], ["hex", "packets"]),
    "expect_no_transmit": ([], []),
    "expect_event": (["event"], []),
    "expect_no_event": ([], []),
    "expect_timeout": ([], ["at", "at_least", "at_most"]),
    "expect_state": (["state"], []),
}


class ClientRun:
    """One client scenario in progress."""

    ops = STEP_FIELDS

    def __init__(self, doc: Dict[str, Any]) -> None:
        self.config = make_config(doc["config"])
        self.version = self.config.protocol
        self.client: Any = iotmqtt.Client(self.config)
        self.now = 0
        self.messages: List[iotmqtt.Message] = []

    def view(self, event: Any) -> Dict[str, Any]:
        return event_view(event)

    def own_step(self, op: str, step: Dict[str, Any]) -> bool:
        """Ops of this kind only; False when ``op`` is a shared one."""
        return False

    def transmit(self) -> bytes:
        out = b""
        while True:
            chunk = self.client.poll_transmit(self.now)
            if not chunk:
                return out
            out += chunk

    def expect_id(self, step: Dict[str, Any], got: Optional[int]) -> None:
        if "expect_packet_id" in step and step["expect_packet_id"] != got:
            raise ScenarioError(f"packet id {got}, expected {step['expect_packet_id']}")

    def step(self, step: Dict[str, Any]) -> None:
        op = step.get("op")
        if op not in self.ops:
            raise ScenarioError(f"unknown op {op!r}")
        required, optional = self.ops[op]
        check_fields(step, ["op", *required], [*optional, "now"], op)
        if "now" in step:
            if step["now"] < self.now:
                raise ScenarioError("now runs backwards")
            self.now = step["now"]
        if self.own_step(op, step):
            return
        c, err = self.client, step.get("expect_error")
        if op == "connect":
            expect_outcome(c.connect, err)
        elif op == "disconnect":
            expect_outcome(c.disconnect, err)
        elif op == "set_credentials":
            password = text_or_hex(step, "password")
            expect_outcome(lambda: c.set_credentials(step.get("username"), password), err)
        elif op == "publish":
            payload = text_or_hex(step, "payload", b"")
            props = properties_input(step.get("properties", {}))
            got = expect_outcome(
                lambda: c.publish(step["topic"], payload, step.get("qos", 0), step.get("retain", False), props),
                err,
            )
            if err is None:
                self.expect_id(step, got)
        elif op == "subscribe":
            subs = []
            for s in step["subscriptions"]:
                check_fields(s, ["filter"], ["qos", "no_local", "retain_as_published", "retain_handling"], "subscription")
                subs.append(
                    iotmqtt.Subscription(
                        s["filter"],
                        s.get("qos", 0),
                        no_local=s.get("no_local", False),
                        retain_as_published=s.get("retain_as_published", False),
                        retain_handling=s.get("retain_handling", 0),
                    )
                )
            props = properties_input(step.get("properties", {}))
            got = expect_outcome(lambda: c.subscribe(subs, properties=props), err)
            if err is None:
                self.expect_id(step, got)
        elif op == "unsubscribe":
            props = properties_input(step.get("properties", {}))
            got = expect_outcome(lambda: c.unsubscribe(list(step["filters"]), properties=props), err)
            if err is None:
                self.expect_id(step, got)
        elif op == "ack":
            taken = [m for m in self.messages if m.packet_id == step["packet_id"]]
            if not taken or taken[-1].ack_token is None:
                raise ScenarioError(f"no message with packet id {step['packet_id']} was taken")
            token = taken[-1].ack_token
            expect_outcome(lambda: c.ack(token), err)
        elif op == "auth_continue":
            expect_outcome(lambda: c.auth_continue(hexbytes(step["data_hex"])), err)
        elif op == "reauthenticate":
            expect_outcome(lambda: c.reauthenticate(hexbytes(step["data_hex"])), err)
        elif op == "snapshot":
            c.snapshot()
        elif op == "restart":
            snapshot = c.snapshot()
            self.client = iotmqtt.Client(self.config)
            self.client.restore(snapshot)
        elif op == "handle_connected":
            c.handle_connected(self.now)
        elif op == "receive":
            c.handle_bytes(self.now, hexbytes(step["hex"]))
        elif op == "timeout":
            c.handle_timeout(self.now)
        elif op == "closed":
            c.handle_closed(self.now)
        elif op == "expect_transmit":
            if ("hex" in step) == ("packets" in step):
                raise ScenarioError("expect_transmit: exactly one of hex, packets")
            out = self.transmit()
            if "hex" in step:
                if out != hexbytes(step["hex"]):
                    raise ScenarioError(f"transmitted {out.hex(' ')}, expected {step['hex']}")
            else:
                packets, used = iotmqtt.decode_all(out, self.version)
                if used != len(out):
                    raise ScenarioError(f"{len(out) - used} bytes left over: {out.hex(' ')}")
                matches(step["packets"], [packet_view(p) for p in packets], "packets")
        elif op == "expect_no_transmit":
            out = c.poll_transmit(self.now)
            if out:
                raise ScenarioError(f"transmitted {out.hex(' ')}")
        elif op == "expect_event":
            event = c.poll_event()
            if event is None:
                raise ScenarioError(f"no event, expected {step['event']}")
            if isinstance(event, iotmqtt.Message):
                self.messages.append(event)
            matches(step["event"], self.view(event), "event")
        elif op == "expect_no_event":
            event = c.poll_event()
            if event is not None:
                raise ScenarioError(f"unexpected event {self.view(event)}")
        elif op == "expect_timeout":
            got = c.poll_timeout()
            if "at" in step:
                if "at_least" in step or "at_most" in step:
                    raise ScenarioError("expect_timeout: at, or at_least and at_most")
                if got != step["at"]:
                    raise ScenarioError(f"deadline {got}, expected {step['at']}")
            else:
                if "at_least" not in step or "at_most" not in step:
                    raise ScenarioError("expect_timeout: at, or at_least and at_most")
                if got is None or not step["at_least"] <= got <= step["at_most"]:
                    raise ScenarioError(f"deadline {got}, expected [{step['at_least']}, {step['at_most']}]")
        elif op == "expect_state":
            if c.state != step["state"]:
                raise ScenarioError(f"state {c.state}, expected {step['state']}")

    def finish(self) -> None:
        out = self.client.poll_transmit(self.now)
        if out:
            raise ScenarioError(f"end: bytes left to transmit {out.hex(' ')}")
        event = self.client.poll_event()
        if event is not None:
            raise ScenarioError(f"end: event left {self.view(event)}")


def run_client(doc: Dict[str, Any]) -> None:
    check_fields(doc, ["name", "description", "spec", "kind", "config", "steps"], [], "file")
    replay(ClientRun(doc), doc)


def replay(run: ClientRun, doc: Dict[str, Any]) -> None:
    for i, step in enumerate(doc["steps"]):
        try:
            run.step(step)
        except ScenarioError as e:
            raise ScenarioError(f"step {i} ({step.get('op')}): {e}") from None
    run.finish()


# ----------------------------------------------------------------------------- kind device (§7)

DEVICE_CONFIG_FIELDS = [
    "protocol", "keep_alive", "upstream_qos", "subscribe_downstream_qos1", "max_messages_per_sec",
    "max_bytes_per_sec", "max_queued_messages", "max_queued_bytes", "request_timeout_ms",
    "max_pending_requests", "request_id_seed", "connack_timeout_ms", "reconnect",
    "reconnect_min_delay_ms", "reconnect_max_delay_ms", "jitter_seed", "max_events",
]

SHARED_DEVICE_OPS = [
    "connect", "disconnect", "receive", "timeout", "closed", "expect_transmit",
    "expect_no_transmit", "expect_event", "expect_no_event", "expect_timeout", "expect_state",
]

DEVICE_STEP_FIELDS: Dict[str, Tuple[List[str], List[str]]] = {
    **{op: STEP_FIELDS[op] for op in SHARED_DEVICE_OPS},
    "handle_connected": (["utc"], []),
    "respond_command": (["request_id", "response"], ["expect_error"]),
    "respond_properties_set": (["request_id", "response"], ["expect_error"]),
    "respond_properties_get": (["request_id", "response"], ["expect_error"]),
    "report_properties": (["report"], ["suffix", "request_id", "expect_error"]),
    "send_message": ([], ["payload", "payload_hex", "suffix", "request_id", "expect_error"]),
    "publish": (["topic"], ["payload", "payload_hex", "qos", "retain", "expect_error"]),
    "subscribe": (["filter"], ["qos", "expect_packet_id", "expect_error"]),
    "unsubscribe": (["filter"], ["expect_packet_id", "expect_error"]),
    "get_shadow": ([], ["service_id", "object_device_id", "expect_request_id", "expect_error"]),
}


def device_auth(a: Dict[str, Any]) -> iotda.DeviceAuth:
    check_fields(a, ["kind", "device_id"], ["secret", "group_secret", "scope_id", "sig_type"], "auth")
    kind, device_id, sig = a["kind"], a["device_id"], a.get("sig_type", 0)
    if kind == "secret":
        return iotda.DeviceAuth.secret(device_id, a["secret"], sig_type=sig)
    if kind == "bridge":
        return iotda.DeviceAuth.bridge(device_id, a["secret"], sig_type=sig)
    if kind == "bootstrap_group_secret":
        return iotda.DeviceAuth.bootstrap_group_secret(device_id, a["group_secret"], a["scope_id"], sig_type=sig)
    if kind == "bootstrap_certificate":
        return iotda.DeviceAuth.bootstrap_certificate(device_id, a["scope_id"])
    if kind == "certificate":
        return iotda.DeviceAuth.certificate(device_id, sig_type=sig)
    raise ScenarioError(f"unknown auth kind {kind!r}")


def pending_view(p: Optional[iotda.PendingRequest]) -> Optional[Dict[str, Any]]:
    return None if p is None else {"kind": p.kind, "id": p.id}


def device_event_view(e: Any) -> Dict[str, Any]:
    if isinstance(e, iotda.Command):
        return {"type": "command", "request_id": e.request_id, "command": e.command}
    if isinstance(e, iotda.PropertiesSet):
        return {"type": "properties_set", "request_id": e.request_id, "request": e.request}
    if isinstance(e, iotda.PropertiesGet):
        return {"type": "properties_get", "request_id": e.request_id, "request": e.request}
    if isinstance(e, iotda.Shadow):
        return {"type": "shadow", "request_id": e.request_id, "response": e.response, "answers": pending_view(e.answers)}
    if isinstance(e, iotda.MessageDown):
        return {"type": "message_down", "payload_hex": e.payload.hex(), "message": e.message}
    if isinstance(e, iotda.SystemEvent):
        return {
            "type": "system",
            "object_device_id": e.object_device_id,
            "event_id": e.event_id,
            "event_time": e.event_time,
            "service_id": e.service_id,
            "event_type": e.event_type,
            "paras": e.paras,
            "answers": pending_view(e.answers),
        }
    if isinstance(e, iotda.Bootstrapped):
        return {"type": "bootstrapped", "address": e.address, "init_config": e.init_config, "secret_changed": e.secret_changed}
    if isinstance(e, iotda.BootstrapFailed):
        return {"type": "bootstrap_failed", "failure": e.failure}
    if isinstance(e, iotda.RequestTimeout):
        return {"type": "request_timeout", "kind": e.kind, "id": e.id}
    if isinstance(e, iotda.BadInput):
        return {
            "type": "bad_input",
            "topic": e.topic,
            "request_id": e.request_id,
            "problem": e.problem,
            "error": None if e.error is None else error_view(e.error),
        }
    if isinstance(e, iotda.UpstreamFailed):
        return {"type": "upstream_failed", "topic": e.topic, "error": error_view(e.error), "requests": [pending_view(p) for p in e.requests]}
    return event_view(e)


class DeviceRun(ClientRun):
    """One device scenario in progress."""

    ops = DEVICE_STEP_FIELDS

    def __init__(self, doc: Dict[str, Any]) -> None:
        cfg = doc["config"]
        check_fields(cfg, ["auth"], DEVICE_CONFIG_FIELDS, "config")
        built = expect_outcome(lambda: device_auth(cfg["auth"]), None)
        config = iotda.DeviceConfig(built)
        for key, value in cfg.items():
            if key != "auth":
                setattr(config, key, value)
        self.version = config.protocol
        self.client = iotda.IotdaDevice(config)
        self.now = 0
        self.messages = []

    def view(self, event: Any) -> Dict[str, Any]:
        return device_event_view(event)

    def own_step(self, op: str, step: Dict[str, Any]) -> bool:
        d, err = self.client, step.get("expect_error")
        if op == "handle_connected":
            d.handle_connected(self.now, step["utc"])
        elif op == "respond_command":
            expect_outcome(lambda: d.respond_command(step["request_id"], json.dumps(step["response"])), err)
        elif op == "respond_properties_set":
            expect_outcome(lambda: d.respond_properties_set(step["request_id"], json.dumps(step["response"])), err)
        elif op == "respond_properties_get":
            expect_outcome(lambda: d.respond_properties_get(step["request_id"], json.dumps(step["response"])), err)
        elif op == "report_properties":
            expect_outcome(
                lambda: d.report_properties(json.dumps(step["report"]), step.get("suffix"), step.get("request_id")), err
            )
        elif op == "send_message":
            payload = text_or_hex(step, "payload", b"")
            expect_outcome(lambda: d.send_message(payload, step.get("suffix"), step.get("request_id")), err)
        elif op == "publish":
            payload = text_or_hex(step, "payload", b"")
            expect_outcome(lambda: d.publish(step["topic"], payload, step.get("qos", 0), step.get("retain", False)), err)
        elif op == "subscribe":
            got = expect_outcome(lambda: d.subscribe(step["filter"], step.get("qos", 0)), err)
            if err is None:
                self.expect_id(step, got)
        elif op == "unsubscribe":
            got = expect_outcome(lambda: d.unsubscribe(step["filter"]), err)
            if err is None:
                self.expect_id(step, got)
        elif op == "get_shadow":
            got = expect_outcome(lambda: d.get_shadow(step.get("service_id"), step.get("object_device_id")), err)
            if err is None and "expect_request_id" in step and got != step["expect_request_id"]:
                raise ScenarioError(f"request id {got!r}, expected {step['expect_request_id']!r}")
        else:
            return False
        return True


def run_device(doc: Dict[str, Any]) -> None:
    check_fields(doc, ["name", "description", "spec", "kind", "config", "steps"], [], "file")
    replay(DeviceRun(doc), doc)



# ----------------------------------------------------------------------------- kind credentials (§5)

CREDENTIAL_OUTPUTS = ["client_id", "username", "password", "derived_secret"]


def credentials_case(case: Dict[str, Any]) -> None:
    check_fields(
        case,
        ["kind", "device_id"],
        ["name", "secret", "group_secret", "scope_id", "sig_type", "utc", "timestamp", *CREDENTIAL_OUTPUTS, "expect_error"],
        "case",
    )
    kind, sig = case["kind"], case.get("sig_type", 0)
    if ("utc" in case) == ("timestamp" in case):
        raise ScenarioError("exactly one of utc, timestamp")
    err = case.get("expect_error")

    def build() -> Tuple[iotda.DeviceAuth, Any]:
        device_id = case["device_id"]
        if kind == "secret":
            auth = iotda.DeviceAuth.secret(device_id, case.get("secret", ""), sig_type=sig)
        elif kind == "bridge":
            auth = iotda.DeviceAuth.bridge(device_id, case.get("secret", ""), sig_type=sig)
        elif kind == "bootstrap_group_secret":
            auth = iotda.DeviceAuth.bootstrap_group_secret(device_id, case["group_secret"], case["scope_id"], sig_type=sig)
        elif kind == "bootstrap_certificate":
            auth = iotda.DeviceAuth.bootstrap_certificate(device_id, case["scope_id"])
        elif kind == "certificate":
            auth = iotda.DeviceAuth.certificate(device_id, sig_type=sig)
        else:
            raise ScenarioError(f"unknown credentials kind {kind!r}")
        if "utc" in case:
            iotda.unix_seconds(case["utc"])  # the time must parse (invalid_time otherwise)
            return auth, case["utc"]
        return auth, None

    built = expect_outcome(build, err)
    if err is not None:
        if built is not None:
            raise ScenarioError("expected an error")
        return
    auth, utc = built
    if not any(k in case for k in CREDENTIAL_OUTPUTS):
        raise ScenarioError("a case checks nothing")

    def check(key: str, got: Optional[str]) -> None:
        if key in case and case[key] != got:
            raise ScenarioError(f"{key}: got {got!r}, expected {case[key]!r}")

    if "timestamp" in case:
        if any(k in case for k in CREDENTIAL_OUTPUTS if k != "password"):
            raise ScenarioError("a timestamp case checks only password")
        secret = auth.device_secret()
        if secret is None:
            raise ScenarioError("a timestamp case needs a secret")
        password = expect_outcome(lambda: iotda.compute_password(secret, case["timestamp"], sig), None)
        check("password", password)
        return
    creds = auth.credentials(utc)
    check("client_id", creds.client_id)
    check("username", creds.username)
    check("password", creds.password)
    check("derived_secret", auth.device_secret())


def run_credentials(doc: Dict[str, Any], base: Path) -> None:
    check_fields(doc, ["name", "description", "spec", "kind"], ["vectors", "cases"], "file")
    cases = list(doc.get("cases", []))
    if "vectors" in doc:
        vectors = json.loads((base / doc["vectors"]).read_text())
        cases = list(vectors["cases"]) + cases
    if not cases:
        raise ScenarioError("no cases")
    for i, case in enumerate(cases):
        try:
            credentials_case(case)
        except ScenarioError as e:
            raise ScenarioError(f"case {i} {case.get('name', '')!r}: {e}") from None


# ----------------------------------------------------------------------------- kind topic (§6)

BUILD_FIELDS = {
    "device": (["device_id", "sys"], ["request_id", "suffix"]),
    "bridge": (["bridge_id", "device_id", "sys"], ["request_id", "suffix"]),
    "user": (["device_id", "name"], []),
    "m2m": (["to", "from", "request_id"], []),
    "legacy": (["device_id", "legacy"], []),
    "custom": (["topic"], []),
    "unknown": (["topic"], []),
}


def build_topic(view: Dict[str, Any]) -> iotda.Topic:
    kind = view.get("type")
    if kind not in BUILD_FIELDS:
        raise ScenarioError(f"cannot build a topic of type {kind!r}")
    required, optional = BUILD_FIELDS[kind]
    check_fields(view, ["type", *required], optional, "build")
    v = view
    if kind == "device":
        return iotda.Topic.device(v["device_id"], v["sys"], request_id=v.get("request_id"), suffix=v.get("suffix"))
    if kind == "bridge":
        return iotda.Topic.bridge(v["bridge_id"], v["device_id"], v["sys"], request_id=v.get("request_id"), suffix=v.get("suffix"))
    if kind == "user":
        return iotda.Topic.user(v["device_id"], v["name"])
    if kind == "m2m":
        return iotda.Topic.m2m(v["to"], v["from"], v["request_id"])
    if kind == "legacy":
        return iotda.Topic.legacy(v["device_id"], v["legacy"])
    if kind == "unknown":
        return iotda.Topic.unknown(v["topic"])
    return iotda.Topic.custom(v["topic"])


def run_topic(doc: Dict[str, Any]) -> None:
    check_fields(doc, ["name", "description", "spec", "kind", "cases"], [], "file")
    if not doc["cases"]:
        raise ScenarioError("no cases")
    for i, case in enumerate(doc["cases"]):
        label = f"case {i} {case.get('name', '')!r}"
        try:
            if "parse" in case:
                check_fields(case, ["parse", "expect"], ["name"], "case")
                t = iotda.Topic.parse(case["parse"])
                view = topic_view(t)
                matches(case["expect"], view, "topic")
                if t.type != "unknown":
                    rebuilt = build_topic({k: v for k, v in view.items() if k != "direction"})
                    if str(rebuilt) != case["parse"]:
                        raise ScenarioError(f"rebuilt {str(rebuilt)!r}")
            elif "build" in case:
                check_fields(case, ["build"], ["name", "expect_topic", "expect_error"], "case")
                if ("expect_topic" in case) == ("expect_error" in case):
                    raise ScenarioError("exactly one of expect_topic, expect_error")
                built = expect_outcome(lambda: build_topic(case["build"]), case.get("expect_error"))
                if "expect_topic" in case and str(built) != case["expect_topic"]:
                    raise ScenarioError(f"built {str(built)!r}, expected {case['expect_topic']!r}")
            else:
                raise ScenarioError("a case is parse or build")
        except ScenarioError as e:
            raise ScenarioError(f"{label}: {e}") from None


# ----------------------------------------------------------------------------- files


def run_file(path: Path) -> None:
    """Replays one scenario file; raises ScenarioError on any failure."""
    doc = json.loads(path.read_text())
    if doc.get("name") != path.stem:
        raise ScenarioError(f"name {doc.get('name')!r} is not the file name {path.stem!r}")
    if not isinstance(doc.get("spec"), list) or not doc["spec"]:
        raise ScenarioError("spec: at least one entry")
    kind = doc.get("kind")
    if kind == "codec":
        run_codec(doc)
    elif kind == "client":
        run_client(doc)
    elif kind == "credentials":
        run_credentials(doc, path.parent)
    elif kind == "topic":
        run_topic(doc)
    elif kind == "device":
        run_device(doc)
    else:
        raise ScenarioError(f"unknown kind {kind!r}")
