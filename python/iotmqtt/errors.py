"""The exception tree of iotmqtt: one root, :class:`MqttError`, split by who is to blame.

Every exception carries the core's stable machine name ``code`` (``"queue_full"``,
``"topic_wildcard"``, …, listed in ``tests/README.md`` §9), the MQTT 5 ``reason_code`` that
reports it, and ``kind``: ``"malformed"`` and ``"protocol"`` (the peer), ``"usage"`` (the
caller), ``"timeout"``. Messages never contain a password or a device secret.

>>> import iotmqtt
>>> try:
...     iotmqtt.decode(b"\\x30\\x05\\x00\\x03a/+")
... except iotmqtt.MalformedError as e:
...     print(e.kind, e.code, hex(e.reason_code), e.offset)
malformed topic_wildcard 0x90 6
"""

from __future__ import annotations

import builtins
from typing import Any, Tuple

__all__ = [
    "MqttError",
    "DecodeError",
    "MalformedError",
    "IncompleteError",
    "ProtocolError",
    "UsageError",
    "ConfigError",
    "InvalidStateError",
    "QueueFullError",
    "PacketTooLargeError",
    "EncodeError",
    "SnapshotError",
    "IotdaError",
    "TimeoutError",
    "PublishDroppedError",
    "RequestDroppedError",
]


class MqttError(Exception):
    """Any error iotmqtt reports.

    Attributes:
        kind: who is to blame: ``"malformed"``, ``"protocol"``, ``"usage"``, ``"timeout"``
            (``"incomplete"`` and ``"dropped"`` for the two outcomes that are not core errors).
        code: the core's stable machine name for what went wrong.
        reason_code: the MQTT 5 reason code that reports it (the server's own code for a
            refused connection or a server DISCONNECT).
    """

    kind: str
    code: str
    reason_code: int

    def __init__(self, message: str, *, kind: str, code: str, reason_code: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.reason_code = reason_code

    def _extra(self) -> Tuple[Any, ...]:
        return ()

    def _restore(self, extra: Tuple[Any, ...]) -> None:
        return None

    def __reduce__(self) -> Any:
        return (
            _rebuild,
            (type(self), str(self), self.kind, self.code, self.reason_code, self._extra()),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, code={self.code!r}, reason_code={self.reason_code:#04x})"


def _rebuild(
    cls: "type[MqttError]",
    message: str,
    kind: str,
    code: str,
    reason_code: int,
    extra: Tuple[Any, ...],
) -> MqttError:
    """Unpickles an error (the keyword-only constructor defeats the default protocol)."""
    err = cls.__new__(cls)
    MqttError.__init__(err, message, kind=kind, code=code, reason_code=reason_code)
    err._restore(extra)
    return err


class DecodeError(MqttError):
    """Bytes that do not decode into an MQTT packet (the codec's failures)."""


class MalformedError(DecodeError):
    """The peer's bytes break a rule of MQTT (kind ``"malformed"``); ``code`` names the rule.

    Attributes:
        offset: the offset of the offending byte from the start of the packet.
    """

    offset: int

    def __init__(
        self, message: str, *, kind: str, code: str, reason_code: int, offset: int = 0
    ) -> None:
        super().__init__(message, kind=kind, code=code, reason_code=reason_code)
        self.offset = offset

    def _extra(self) -> Tuple[Any, ...]:
        return (self.offset,)

    def _restore(self, extra: Tuple[Any, ...]) -> None:
        self.offset = extra[0]


class IncompleteError(DecodeError):
    """The input holds only part of a packet (code ``"incomplete"``).

    Attributes:
        needed: how many more bytes are needed: exactly this many when ``exact``, at least
            this many while the fixed header itself is cut short.
        exact: whether ``needed`` is exact.
    """

    needed: int
    exact: bool

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        code: str,
        reason_code: int,
        needed: int = 1,
        exact: bool = False,
    ) -> None:
        super().__init__(message, kind=kind, code=code, reason_code=reason_code)
        self.needed = needed
        self.exact = exact

    def _extra(self) -> Tuple[Any, ...]:
        return (self.needed, self.exact)

    def _restore(self, extra: Tuple[Any, ...]) -> None:
        self.needed, self.exact = extra


class ProtocolError(MqttError):
    """The peer broke the session rules (kind ``"protocol"``), or closed the connection.

    These arrive inside :class:`iotmqtt.ConnectionLost` events; they are raised only by the
    asyncio driver when a connection it waits for fails.
    """


class UsageError(MqttError):
    """The caller misused the API (kind ``"usage"``). Nothing changed; the object stays usable."""


class ConfigError(UsageError):
    """A configuration value is out of range (code ``"invalid_config"``)."""


class InvalidStateError(UsageError):
    """The command needs another connection state (code ``"invalid_state"``)."""


class QueueFullError(UsageError):
    """A bounded queue is full (``"queue_full"``) or every packet id is in use
    (``"packet_ids_exhausted"``). Retry once acknowledgements have freed space."""


class PacketTooLargeError(UsageError):
    """The packet exceeds the server's or the protocol's maximum packet size."""


class EncodeError(UsageError):
    """A packet breaks a rule of MQTT and cannot be encoded; ``code`` names the rule."""


class SnapshotError(UsageError):
    """A session snapshot given to ``restore`` cannot be used."""


class IotdaError(UsageError):
    """An argument breaks a Huawei Cloud IoTDA rule (an id, a secret, a topic, a payload)."""


class TimeoutError(MqttError, builtins.TimeoutError):  # noqa: A001 - the name the API promises
    """A deadline passed (kind ``"timeout"``): no CONNACK, keep-alive, a request.

    Also a :class:`builtins.TimeoutError`, so ``except TimeoutError`` catches it either way.
    """

    def __init__(self, message: str, *, kind: str, code: str, reason_code: int) -> None:
        MqttError.__init__(self, message, kind=kind, code=code, reason_code=reason_code)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PublishDroppedError(MqttError):
    """A published message was given up without an acknowledgement (kind ``"dropped"``);
    ``code`` is the core's drop reason: ``"session_lost"``, ``"packet_too_large"``,
    ``"qos_not_supported"``, ``"retain_not_supported"`` or ``"invalid"``."""


class RequestDroppedError(MqttError):
    """A SUBSCRIBE or UNSUBSCRIBE was given up without an acknowledgement (kind
    ``"dropped"``): after a reconnect it no longer fits the server's Maximum Packet Size
    (``code`` ``"packet_too_large"``)."""

