"""iotmqtt: a typed MQTT 3.1.1 / 5.0 client with a Huawei Cloud IoTDA profile.

Everything protocol-related runs in the iotmqtt Rust core; this package is its Python face.

- The codec: :func:`decode`, :func:`decode_all`, :func:`encode`, :class:`Decoder` and one
  frozen class per packet (:class:`Publish`, :class:`Connect`, …) with :class:`Properties`.
- :class:`Client`: the sans-IO session. Bytes and time (integer milliseconds) go in; bytes,
  deadlines and events come out. :mod:`iotmqtt.aio` drives it over asyncio.
- :mod:`iotmqtt.iotda`: Huawei Cloud IoTDA credentials, topics, payloads and the device.
- :mod:`iotmqtt.errors`: one exception tree rooted at :class:`MqttError`.

>>> import iotmqtt
>>> wire = iotmqtt.encode(iotmqtt.Publish("sensors/t", b"21.5", qos=1, packet_id=1), 5)
>>> packet, used = iotmqtt.decode(wire, 5)
>>> packet.topic, packet.payload, used == len(wire)
('sensors/t', b'21.5', True)
"""

from __future__ import annotations

import enum
from typing import Union

from . import errors
from ._native import (
    Auth,
    AuthChallenge,
    Client,
    ClientConfig,
    Connack,
    Connect,
    Connected,
    ConnectionLost,
    CredentialsNeeded,
    Decoder,
    Disconnect,
    Disconnected,
    Message,
    MessagesDropped,
    PersistRequired,
    PingReq,
    PingResp,
    Properties,
    PubAck,
    PubComp,
    PublishAcked,
    PublishCompleted,
    PublishDropped,
    Publish,
    PubRec,
    PubRel,
    Reauthenticated,
    ReconnectDue,
    RequestDropped,
    Stats,
    SubAck,
    Subscribe,
    Subscribed,
    Subscription,
    UnsubAck,
    Unsubscribe,
    Unsubscribed,
    Will,
    __version__,
    decode,
    decode_all,
    encode,
)
from .errors import (
    ConfigError,
    DecodeError,
    EncodeError,
    IncompleteError,
    InvalidStateError,
    IotdaError,
    MalformedError,
    MqttError,
    PacketTooLargeError,
    ProtocolError,
    PublishDroppedError,
    QueueFullError,
    RequestDroppedError,
    SnapshotError,
    TimeoutError,
    UsageError,
)


#: Any MQTT packet :func:`decode` returns and :func:`encode` takes.
Packet = Union[
    Connect,
    Connack,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    PingReq,
    PingResp,
    Disconnect,
    Auth,
]

#: Any event :meth:`Client.poll_event` returns.
Event = Union[
    CredentialsNeeded,
    AuthChallenge,
    Reauthenticated,
    Connected,
    Message,
    PublishAcked,
    PublishCompleted,
    PublishDropped,
    RequestDropped,
    Subscribed,
    Unsubscribed,
    ConnectionLost,
    Disconnected,
    ReconnectDue,
    PersistRequired,
    MessagesDropped,
]


class QoS(enum.IntEnum):
    """Quality of service; plain integers are accepted wherever a QoS is.

    >>> QoS.AT_LEAST_ONCE == 1
    True
    """

    AT_MOST_ONCE = 0
    AT_LEAST_ONCE = 1
    EXACTLY_ONCE = 2


class ProtocolVersion(enum.IntEnum):
    """The protocol level of a connection; plain integers are accepted wherever a version is.

    >>> int(ProtocolVersion.V311), int(ProtocolVersion.V5)
    (4, 5)
    """

    V311 = 4
    V5 = 5


__all__ = [
    "Auth",
    "AuthChallenge",
    "Client",
    "ClientConfig",
    "ConfigError",
    "Connack",
    "Connect",
    "Connected",
    "ConnectionLost",
    "CredentialsNeeded",
    "DecodeError",
    "Decoder",
    "Disconnect",
    "Disconnected",
    "EncodeError",
    "Event",
    "IncompleteError",
    "InvalidStateError",
    "IotdaError",
    "MalformedError",
    "Message",
    "MessagesDropped",
    "MqttError",
    "Packet",
    "PacketTooLargeError",
    "PersistRequired",
    "PingReq",
    "PingResp",
    "Properties",
    "ProtocolError",
    "ProtocolVersion",
    "PubAck",
    "PubComp",
    "PubRec",
    "PubRel",
    "Publish",
    "PublishAcked",
    "PublishCompleted",
    "PublishDropped",
    "PublishDroppedError",
    "QoS",
    "QueueFullError",
    "Reauthenticated",
    "ReconnectDue",
    "RequestDropped",
    "RequestDroppedError",
    "SnapshotError",
    "Stats",
    "SubAck",
    "Subscribe",
    "Subscribed",
    "Subscription",
    "TimeoutError",
    "UnsubAck",
    "Unsubscribe",
    "Unsubscribed",
    "UsageError",
    "Will",
    "__version__",
    "decode",
    "decode_all",
    "encode",
    "errors",
]
