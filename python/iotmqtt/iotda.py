"""The Huawei Cloud IoTDA device profile: credentials, topics and JSON payloads.

Every rule (device ids, secrets, the HMAC login, the topic catalogue, the payload schemas and
their limits) lives in the core; these are its Python faces.

Log in, then answer a command:

>>> from iotmqtt.iotda import DeviceAuth, Topic, decode_payload, encode_payload
>>> auth = DeviceAuth.secret("5f1c0d2e_sensor01", "s3cr3t-Key")
>>> auth.credentials("2026-11-25T08:30:00Z").client_id
'5f1c0d2e_sensor01_0_0_2026112508'
>>> topic = Topic.parse("$oc/devices/5f1c0d2e_sensor01/sys/commands/request_id=77")
>>> command = decode_payload("CommandRequest", b'{"service_id":"Light","command_name":"on","paras":{}}')
>>> command["command_name"]
'on'
>>> str(Topic.device(topic.device_id, "command_response", request_id=topic.request_id))
'$oc/devices/5f1c0d2e_sensor01/sys/commands/response/request_id=77'
>>> encode_payload("CommandResponse", {"result_code": 0})
b'{"result_code":0}'
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List, Mapping, Union

from ._native import (
    PAYLOAD_TYPES,
    BadInput,
    BootstrapFailed,
    Bootstrapped,
    Command,
    DeviceAuth,
    DeviceConfig,
    IotdaCredentials,
    IotdaDevice,
    MessageDown,
    PendingRequest,
    PropertiesGet,
    PropertiesSet,
    RequestTimeout,
    Shadow,
    SystemEvent,
    Topic,
    UpstreamFailed,
    bootstrap_filter,
    bridge_downstream_filters,
    compute_password,
    downstream_filters,
    event_time,
    unix_seconds,
)
from . import Event as _Event
from ._native import decode_payload as _decode_payload
from ._native import encode_payload as _encode_payload
from .errors import IotdaError

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict
else:  # pragma: no cover - exercised on older interpreters only
    from typing_extensions import NotRequired, TypedDict

__all__ = [
    "PAYLOAD_TYPES",
    "BadInput",
    "BootstrapFailed",
    "Bootstrapped",
    "Command",
    "CommandRequest",
    "CommandResponse",
    "DeviceAuth",
    "DeviceConfig",
    "DeviceEvent",
    "DeviceMessage",
    "IotdaCredentials",
    "IotdaDevice",
    "IotdaError",
    "MessageDown",
    "PendingRequest",
    "PropertiesGet",
    "PropertiesSet",
    "RequestTimeout",
    "Shadow",
    "SystemEvent",
    "UpstreamFailed",
    "PropertiesGetRequest",
    "PropertiesReport",
    "PropertiesSetRequest",
    "PropertiesSetResponse",
    "ServiceProperties",
    "Topic",
    "bootstrap_filter",
    "bridge_downstream_filters",
    "compute_password",
    "decode_payload",
    "downstream_filters",
    "encode_payload",
    "event_time",
    "unix_seconds",
]


class ServiceProperties(TypedDict):
    """One service's properties in a report or a set request."""

    service_id: str
    properties: Dict[str, Any]
    event_time: NotRequired[str]


class PropertiesReport(TypedDict):
    """``properties/report`` (and the answer to ``properties/get``)."""

    services: List[ServiceProperties]


class PropertiesSetRequest(TypedDict):
    """``properties/set``: the platform writes properties."""

    object_device_id: NotRequired[str]
    services: List[ServiceProperties]


class PropertiesSetResponse(TypedDict):
    """The answer to ``properties/set`` (``result_code`` 0 = success)."""

    result_code: NotRequired[int]
    result_desc: NotRequired[str]


class PropertiesGetRequest(TypedDict):
    """``properties/get``: the platform reads properties."""

    object_device_id: NotRequired[str]
    service_id: NotRequired[str]


class CommandRequest(TypedDict):
    """``commands``: a command from the platform."""

    object_device_id: NotRequired[str]
    service_id: NotRequired[str]
    command_name: NotRequired[str]
    paras: Any


class CommandResponse(TypedDict):
    """The answer to a command (``result_code`` 0 = success)."""

    result_code: NotRequired[int]
    response_name: NotRequired[str]
    paras: NotRequired[Any]


class DeviceMessage(TypedDict):
    """``messages/up`` and ``messages/down`` in the documented envelope."""

    object_device_id: NotRequired[str]
    name: NotRequired[str]
    id: NotRequired[str]
    content: Any


Payload = Union[Mapping[str, Any], List[Any]]

#: What :meth:`IotdaDevice.poll_event` returns: a device event, or a client event passed
#: through (``Connected``, ``ConnectionLost``, acknowledgements, ``Message`` on custom topics…).
DeviceEvent = Union[
    Command,
    PropertiesSet,
    PropertiesGet,
    Shadow,
    MessageDown,
    SystemEvent,
    Bootstrapped,
    BootstrapFailed,
    RequestTimeout,
    BadInput,
    UpstreamFailed,
    _Event,
]


def encode_payload(kind: str, payload: Payload) -> bytes:
    """The JSON bytes of an IoTDA payload of ``kind`` (a name from :data:`PAYLOAD_TYPES`,
    e.g. ``"PropertiesReport"``), checked against the documented limits and written exactly
    as the core writes it (absent fields left out). Raises :class:`IotdaError`
    (``invalid_json`` when ``payload`` does not fit the schema, ``invalid_payload`` for a
    broken limit).

    >>> encode_payload("PropertiesReport", {"services": [{"service_id": "Battery", "properties": {"level": 80}}]})
    b'{"services":[{"service_id":"Battery","properties":{"level":80}}]}'
    """
    return _encode_payload(kind, json.dumps(payload, separators=(",", ":")).encode())


def decode_payload(kind: str, data: bytes) -> Dict[str, Any]:
    """Reads an IoTDA payload of ``kind`` as the core reads it (unknown fields ignored,
    ``null`` = absent, numbers the SDKs send as strings accepted where they do) and returns it
    as a ``dict`` in its
    documented shape. Raises :class:`IotdaError` (``invalid_json``) for bytes that are not
    that JSON; the message says where, never what.

    >>> decode_payload("PropertiesSetResponse", b'{"result_code":0,"result_desc":null,"extra":1}')
    {'result_code': 0}
    """
    value: Dict[str, Any] = json.loads(_decode_payload(kind, data))
    return value

