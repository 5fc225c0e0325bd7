//! The error taxonomy: every error says who is to blame.
//!
//! | kind | who | what the core does |
//! |---|---|---|
//! | [`Error::Malformed`] | the peer sent bytes that break the codec rules | queues a DISCONNECT with the matching reason code (5.0), closes, emits an event |
//! | [`Error::Protocol`] | the peer broke the session rules (unexpected packet, unknown packet id, QoS above the maximum, …) | same |
//! | [`Error::Usage`] | the caller misused the API (bad config, publish while closed with a full queue, oversize packet, …) | returns the error at once; nothing is sent, nothing changes |
//! | [`Error::Timeout`] | a deadline passed (CONNACK, keep-alive, a request) | closes or fails the request, emits an event |
//!
//! Each maps to an MQTT 5 [`ReasonCode`] through [`Error::reason_code`]. Messages never contain a
//! password or a device secret.

use core::fmt;

use crate::codec::{DecodeError, EncodeError, ReasonCode, Violation};

/// Who is to blame for an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The peer sent malformed bytes.
    Malformed,
    /// The peer broke the protocol.
    Protocol,
    /// The caller misused the API.
    Usage,
    /// A deadline passed.
    Timeout,
}

impl ErrorKind {
    /// A stable lower-case name, used as the error `code` by the bindings.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "malformed",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Usage => "usage",
            ErrorKind::Timeout => "timeout",
        }
    }
}

/// A protocol violation by the peer, beyond what the codec checks on a single packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A packet that is not allowed in the current state (e.g. a second CONNACK).
    UnexpectedPacket(crate::codec::PacketType),
    /// An acknowledgement for a packet identifier that is not in flight.
    UnknownPacketId(u16),
    /// A client's PUBLISH at a QoS above the Maximum QoS the server announced (found by the
    /// server session) [MQTT-3.2.2-11]. A client accepts every QoS the server sends.
    QosNotAllowed,
    /// A Topic Alias of 0 or above the maximum (reported with 0x94, MQTT 5.0 §3.3.2.3.4).
    TopicAliasInvalid,
    /// A PUBLISH with an empty Topic Name and a Topic Alias that has no mapping yet: a plain
    /// Protocol Error (0x82), MQTT 5.0 §3.3.4.
    TopicAliasUnknown,
    /// More QoS > 0 PUBLISHes in flight than the Receive Maximum allows.
    ReceiveMaximumExceeded,
    /// A packet larger than the Maximum Packet Size we announced.
    PacketTooLarge,
    /// The peer closed the connection with a DISCONNECT carrying this reason code.
    Disconnected(ReasonCode),
    /// A SUBACK or UNSUBACK whose code count differs from the request's filter count.
    AckCountMismatch,
    /// The server refused the connection: CONNACK carried this reason code (3.1.1 return codes
    /// are mapped onto the 5.0 codes).
    ConnectRefused(ReasonCode),
    /// The transport closed without a DISCONNECT (reported by the driver's `handle_closed`).
    ConnectionClosed,
    /// CONNACK said a session is present although CONNECT asked for a clean start
    /// [MQTT-3.2.2-2].
    SessionPresentOnCleanStart,
    /// A PUBLISH with RETAIN set although the server announced Retain Available 0.
    RetainNotSupported,
    /// A PUBLISH reusing a packet identifier that is still in use at another QoS.
    PacketIdInUse(u16),
    /// A property this side may not send here (e.g. a Subscription Identifier in a PUBLISH
    /// from the client [MQTT-3.3.4-6], a Session Expiry Interval in DISCONNECT after 0 in
    /// CONNECT [MQTT-3.14.2-2]).
    PropertyNotAllowed(crate::codec::PropertyId),
}

impl ProtocolError {
    /// A stable machine name: the variant in snake_case, e.g. `"topic_alias_invalid"` (the
    /// variant's data is not part of it; [`ProtocolError::reason_code`] carries the code of
    /// `Disconnected` and `ConnectRefused`).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            ProtocolError::UnexpectedPacket(_) => "unexpected_packet",
            ProtocolError::UnknownPacketId(_) => "unknown_packet_id",
            ProtocolError::QosNotAllowed => "qos_not_allowed",
            ProtocolError::TopicAliasInvalid => "topic_alias_invalid",
            ProtocolError::TopicAliasUnknown => "topic_alias_unknown",
            ProtocolError::ReceiveMaximumExceeded => "receive_maximum_exceeded",
            ProtocolError::PacketTooLarge => "packet_too_large",
            ProtocolError::Disconnected(_) => "disconnected",
            ProtocolError::AckCountMismatch => "ack_count_mismatch",
            ProtocolError::ConnectRefused(_) => "connect_refused",
            ProtocolError::ConnectionClosed => "connection_closed",
            ProtocolError::SessionPresentOnCleanStart => "session_present_on_clean_start",
            ProtocolError::RetainNotSupported => "retain_not_supported",
            ProtocolError::PacketIdInUse(_) => "packet_id_in_use",
            ProtocolError::PropertyNotAllowed(_) => "property_not_allowed",
        }
    }

    /// The reason code reported to the peer.
    #[must_use]
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            ProtocolError::TopicAliasInvalid => ReasonCode::TopicAliasInvalid,
            ProtocolError::ReceiveMaximumExceeded => ReasonCode::ReceiveMaximumExceeded,
            ProtocolError::PacketTooLarge => ReasonCode::PacketTooLarge,
            ProtocolError::QosNotAllowed => ReasonCode::QosNotSupported,
            ProtocolError::Disconnected(c) | ProtocolError::ConnectRefused(c) => *c,
            ProtocolError::ConnectionClosed => ReasonCode::UnspecifiedError,
            ProtocolError::RetainNotSupported => ReasonCode::RetainNotSupported,
            _ => ReasonCode::ProtocolError,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::UnexpectedPacket(t) => write!(f, "unexpected {t} from the peer"),
            ProtocolError::UnknownPacketId(id) => {
                write!(f, "acknowledgement for unknown packet id {id}")
            }
            ProtocolError::QosNotAllowed => f.write_str("PUBLISH above the Maximum QoS"),
            ProtocolError::TopicAliasInvalid => f.write_str("invalid topic alias"),
            ProtocolError::TopicAliasUnknown => {
                f.write_str("empty topic name with a topic alias that has no mapping")
            }
            ProtocolError::ReceiveMaximumExceeded => f.write_str("receive maximum exceeded"),
            ProtocolError::PacketTooLarge => {
                f.write_str("packet larger than the maximum packet size")
            }
            ProtocolError::Disconnected(c) => write!(f, "peer disconnected: {c}"),
            ProtocolError::AckCountMismatch => {
                f.write_str("acknowledgement carries a different number of codes than the request")
            }
            ProtocolError::ConnectRefused(c) => write!(f, "connection refused: {c}"),
            ProtocolError::ConnectionClosed => f.write_str("the connection closed"),
            ProtocolError::SessionPresentOnCleanStart => {
                f.write_str("session present after a clean start")
            }
            ProtocolError::RetainNotSupported => {
                f.write_str("retained PUBLISH although retain is not available")
            }
            ProtocolError::PacketIdInUse(id) => write!(f, "packet id {id} is already in use"),
            ProtocolError::PropertyNotAllowed(p) => write!(f, "property {p} is not allowed here"),
        }
    }
}

/// A misuse of the API by the caller. Returned synchronously; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UsageError {
    /// A configuration value is out of range; the string names the setting and the range.
    InvalidConfig(&'static str),
    /// The packet could not be encoded (it breaks a rule of the specification).
    Encode(Violation),
    /// The command needs a connection state it is not in (e.g. `connect` while connected).
    InvalidState(&'static str),
    /// A bounded queue is full (its limit in messages or bytes is reached).
    QueueFull,
    /// All 65,535 packet identifiers are in flight.
    PacketIdsExhausted,
    /// A PUBLISH larger than the server's Maximum Packet Size.
    PacketTooLarge {
        /// Size of the encoded packet.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// A QoS above what the server allows.
    QosNotSupported,
    /// The caller's buffer is too small.
    BufferTooSmall {
        /// Bytes required.
        required: usize,
    },
    /// An argument is invalid; the string says which and why (never its secret value).
    InvalidArgument(&'static str),
    /// An argument breaks a Huawei Cloud IoTDA rule (an id, a secret, a topic, a payload).
    #[cfg(feature = "iotda")]
    Iotda(crate::iotda::IotdaError),
    /// A retained PUBLISH to a server that said Retain Available = 0.
    RetainNotSupported,
    /// A snapshot given to `restore` cannot be used.
    Snapshot(SnapshotError),
}

/// Why a session snapshot was refused by `restore`. Nothing changes when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The bytes end before the snapshot does.
    Truncated,
    /// The bytes do not start with the snapshot magic.
    NotASnapshot,
    /// A format version this build does not read.
    UnsupportedVersion(u8),
    /// The checksum does not match: the bytes were altered.
    ChecksumMismatch,
    /// The snapshot is well formed but its content is not (the string names the field).
    Invalid(&'static str),
    /// The snapshot holds more than this client's configured limits allow.
    ExceedsLimits,
    /// The snapshot was taken with another protocol version.
    VersionMismatch,
}

impl UsageError {
    /// A stable machine name: the variant in snake_case (`"queue_full"`, `"invalid_state"`, …).
    /// Errors that wrap a more precise one report the inner code: `Encode(v)` reports the
    /// violated rule's [`Violation::code`] (`"topic_wildcard"`), `Iotda(e)` the IoTDA error's
    /// code, `Snapshot(e)` the snapshot error's code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            UsageError::InvalidConfig(_) => "invalid_config",
            UsageError::Encode(v) => v.code(),
            UsageError::InvalidState(_) => "invalid_state",
            UsageError::QueueFull => "queue_full",
            UsageError::PacketIdsExhausted => "packet_ids_exhausted",
            UsageError::PacketTooLarge { .. } => "packet_too_large",
            UsageError::QosNotSupported => "qos_not_supported",
            UsageError::BufferTooSmall { .. } => "buffer_too_small",
            UsageError::InvalidArgument(_) => "invalid_argument",
            #[cfg(feature = "iotda")]
            UsageError::Iotda(e) => e.code(),
            UsageError::RetainNotSupported => "retain_not_supported",
            UsageError::Snapshot(e) => e.code(),
        }
    }
}

impl SnapshotError {
    /// A stable machine name, prefixed so it cannot be mistaken for another usage error:
    /// `"snapshot_truncated"`, `"not_a_snapshot"`, `"snapshot_unsupported_version"`,
    /// `"snapshot_checksum_mismatch"`, `"snapshot_invalid"`, `"snapshot_exceeds_limits"`,
    /// `"snapshot_version_mismatch"`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            SnapshotError::Truncated => "snapshot_truncated",
            SnapshotError::NotASnapshot => "not_a_snapshot",
            SnapshotError::UnsupportedVersion(_) => "snapshot_unsupported_version",
            SnapshotError::ChecksumMismatch => "snapshot_checksum_mismatch",
            SnapshotError::Invalid(_) => "snapshot_invalid",
            SnapshotError::ExceedsLimits => "snapshot_exceeds_limits",
            SnapshotError::VersionMismatch => "snapshot_version_mismatch",
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Truncated => f.write_str("snapshot is truncated"),
            SnapshotError::NotASnapshot => f.write_str("not a session snapshot"),
            SnapshotError::UnsupportedVersion(v) => write!(f, "unsupported snapshot format {v}"),
            SnapshotError::ChecksumMismatch => f.write_str("snapshot checksum mismatch"),
            SnapshotError::Invalid(what) => write!(f, "invalid snapshot: {what}"),
            SnapshotError::ExceedsLimits => {
                f.write_str("snapshot exceeds the configured queue limits")
            }
            SnapshotError::VersionMismatch => {
                f.write_str("snapshot was taken with another protocol version")
            }
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::InvalidConfig(what) => write!(f, "invalid configuration: {what}"),
            UsageError::Encode(v) => write!(f, "cannot encode: {v}"),
            UsageError::InvalidState(what) => write!(f, "invalid state: {what}"),
            UsageError::QueueFull => f.write_str("queue full"),
            UsageError::PacketIdsExhausted => f.write_str("all packet identifiers are in flight"),
            UsageError::PacketTooLarge { size, max } => {
                write!(
                    f,
                    "packet of {size} bytes exceeds the maximum packet size {max}"
                )
            }
            UsageError::QosNotSupported => f.write_str("QoS not supported by the server"),
            UsageError::BufferTooSmall { required } => {
                write!(f, "buffer too small: {required} bytes required")
            }
            UsageError::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            #[cfg(feature = "iotda")]
            UsageError::Iotda(e) => write!(f, "invalid argument: {e}"),
            UsageError::RetainNotSupported => f.write_str("retain not supported by the server"),
            UsageError::Snapshot(e) => write!(f, "{e}"),
        }
    }
}

/// Which deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// No CONNACK arrived in time.
    Connack,
    /// No CONNECT (or no completed authentication) arrived in time (server side).
    Connect,
    /// Nothing (no PINGRESP, no packet) arrived within the keep-alive grace period.
    KeepAlive,
    /// A request/response exchange (e.g. an IoTDA shadow query) got no answer in time.
    Request,
}

impl TimeoutKind {
    /// A stable machine name: `"connack"`, `"connect"`, `"keep_alive"` or `"request"`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            TimeoutKind::Connack => "connack",
            TimeoutKind::Connect => "connect",
            TimeoutKind::KeepAlive => "keep_alive",
            TimeoutKind::Request => "request",
        }
    }
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connack => "no CONNACK in time",
            TimeoutKind::Connect => "no CONNECT in time",
            TimeoutKind::KeepAlive => "keep-alive timeout: the peer is silent",
            TimeoutKind::Request => "request timed out",
        })
    }
}

/// Any error the core reports. See the module docs for the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The peer sent bytes that break the codec rules.
    Malformed {
        /// Offset of the offending byte within the packet.
        offset: usize,
        /// The rule broken.
        violation: Violation,
    },
    /// The peer broke the session rules.
    Protocol(ProtocolError),
    /// The caller misused the API.
    Usage(UsageError),
    /// A deadline passed.
    Timeout(TimeoutKind),
}

impl Error {
    /// Who is to blame.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::Malformed { .. } => ErrorKind::Malformed,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Usage(_) => ErrorKind::Usage,
            Error::Timeout(_) => ErrorKind::Timeout,
        }
    }

    /// A stable machine name for what went wrong, unique within its [`kind`](Error::kind):
    /// the [`Violation::code`] of a `Malformed` error, [`ProtocolError::code`],
    /// [`UsageError::code`] or [`TimeoutKind::code`]. Together with
    /// [`ErrorKind::as_str`] it is what the bindings expose (`kind`, `code`) and what the
    /// cross-language scenario files (`tests/README.md`) match on. Codes never change meaning;
    /// new variants get new codes.
    ///
    /// ```
    /// use iotmqtt::{Error, ErrorKind, UsageError};
    /// let e = Error::Usage(UsageError::QueueFull);
    /// assert_eq!((e.kind().as_str(), e.code()), ("usage", "queue_full"));
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Error::Malformed { violation, .. } => violation.code(),
            Error::Protocol(p) => p.code(),
            Error::Usage(u) => u.code(),
            Error::Timeout(t) => t.code(),
        }
    }

    /// The MQTT 5 reason code that reports this error.
    #[must_use]
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            Error::Malformed { violation, .. } => violation.reason_code(),
            Error::Protocol(p) => p.reason_code(),
            Error::Usage(UsageError::Encode(v)) => v.reason_code(),
            Error::Usage(UsageError::PacketTooLarge { .. }) => ReasonCode::PacketTooLarge,
            Error::Usage(UsageError::QueueFull) => ReasonCode::QuotaExceeded,
            Error::Usage(UsageError::QosNotSupported) => ReasonCode::QosNotSupported,
            Error::Usage(UsageError::RetainNotSupported) => ReasonCode::RetainNotSupported,
            Error::Usage(_) => ReasonCode::ImplementationSpecificError,
            Error::Timeout(TimeoutKind::KeepAlive) => ReasonCode::KeepAliveTimeout,
            Error::Timeout(_) => ReasonCode::UnspecifiedError,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { offset, violation } => {
                write!(
                    f,
                    "malformed packet from peer at byte {offset}: {violation}"
                )
            }
            Error::Protocol(p) => write!(f, "protocol error by peer: {p}"),
            Error::Usage(u) => write!(f, "{u}"),
            Error::Timeout(t) => write!(f, "timeout: {t}"),
        }
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Error::Usage(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        match e {
            EncodeError::BufferTooSmall { required } => {
                Error::Usage(UsageError::BufferTooSmall { required })
            }
            EncodeError::Invalid(v) => Error::Usage(UsageError::Encode(v)),
        }
    }
}

/// Converts a decoder failure into a peer fault. `Incomplete` is not a fault; it maps to
/// `None`.
#[must_use]
pub fn peer_fault(e: DecodeError) -> Option<Error> {
    match e {
        DecodeError::Incomplete(_) => None,
        DecodeError::Invalid { offset, violation } => Some(Error::Malformed { offset, violation }),
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
#[cfg(feature = "std")]
impl std::error::Error for UsageError {}
#[cfg(feature = "std")]
impl std::error::Error for ProtocolError {}
#[cfg(feature = "std")]
impl std::error::Error for SnapshotError {}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeSet;
    use alloc::vec;
    use alloc::vec::Vec;

    use super::*;
    use crate::codec::{PacketType, PropertyContext, PropertyId};

    /// Codes are lower-case snake_case ASCII, as the bindings and the scenario files expect.
    fn assert_snake(code: &str) {
        assert!(
            !code.is_empty()
                && code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !code.starts_with('_')
                && !code.ends_with('_'),
            "{code:?} is not snake_case"
        );
    }

    fn assert_distinct(codes: &[&'static str]) {
        let set: BTreeSet<_> = codes.iter().collect();
        assert_eq!(set.len(), codes.len(), "duplicate codes in {codes:?}");
        codes.iter().for_each(|c| assert_snake(c));
    }

    fn every_violation() -> Vec<Violation> {
        vec![
            Violation::PacketTooLarge { size: 9, max: 8 },
            Violation::MalformedVarint,
            Violation::InvalidPacketType(0),
            Violation::ReservedFlags {
                packet: PacketType::PubRel,
                flags: 0,
            },
            Violation::InvalidQos,
            Violation::DupWithQos0,
            Violation::TopicWildcard,
            Violation::EmptyTopic,
            Violation::InvalidTopicFilter,
            Violation::InvalidUtf8,
            Violation::NullCharacter,
            Violation::StringTooLong,
            Violation::DuplicateProperty(PropertyId::TopicAlias),
            Violation::PropertyNotAllowed {
                property: PropertyId::ReceiveMaximum,
                context: PropertyContext::Publish,
            },
            Violation::UnknownProperty(4),
            Violation::InvalidPropertyValue(PropertyId::MaximumQos),
            Violation::NotInVersion,
            Violation::LengthMismatch,
            Violation::ZeroPacketId,
            Violation::PacketIdMismatch,
            Violation::InvalidSubscriptionOptions,
            Violation::NoTopicFilters,
            Violation::NoReasonCodes,
            Violation::InvalidProtocolName,
            Violation::UnsupportedProtocolLevel(3),
            Violation::InvalidConnectFlags,
            Violation::InvalidReasonCode {
                packet: PacketType::PubAck,
                code: 0x99,
            },
            Violation::InvalidConnackFlags,
        ]
    }

    #[test]
    fn every_code_is_distinct_within_its_enum_and_snake_case() {
        let violations: Vec<_> = every_violation().iter().map(Violation::code).collect();
        assert_distinct(&violations);
        let protocol: Vec<_> = [
            ProtocolError::UnexpectedPacket(PacketType::Connack),
            ProtocolError::UnknownPacketId(1),
            ProtocolError::QosNotAllowed,
            ProtocolError::TopicAliasInvalid,
            ProtocolError::TopicAliasUnknown,
            ProtocolError::ReceiveMaximumExceeded,
            ProtocolError::PacketTooLarge,
            ProtocolError::Disconnected(ReasonCode::ServerBusy),
            ProtocolError::AckCountMismatch,
            ProtocolError::ConnectRefused(ReasonCode::NotAuthorized),
            ProtocolError::ConnectionClosed,
            ProtocolError::SessionPresentOnCleanStart,
            ProtocolError::RetainNotSupported,
            ProtocolError::PacketIdInUse(1),
            ProtocolError::PropertyNotAllowed(PropertyId::SubscriptionIdentifier),
        ]
        .iter()
        .map(ProtocolError::code)
        .collect();
        assert_distinct(&protocol);
        let snapshot = [
            SnapshotError::Truncated,
            SnapshotError::NotASnapshot,
            SnapshotError::UnsupportedVersion(9),
            SnapshotError::ChecksumMismatch,
            SnapshotError::Invalid("x"),
            SnapshotError::ExceedsLimits,
            SnapshotError::VersionMismatch,
        ];
        let mut usage: Vec<_> = [
            UsageError::InvalidConfig("x"),
            UsageError::InvalidState("x"),
            UsageError::QueueFull,
            UsageError::PacketIdsExhausted,
            UsageError::PacketTooLarge { size: 9, max: 8 },
            UsageError::QosNotSupported,
            UsageError::BufferTooSmall { required: 3 },
            UsageError::InvalidArgument("x"),
            UsageError::RetainNotSupported,
        ]
        .iter()
        .map(UsageError::code)
        .collect();
        usage.extend(snapshot.iter().map(SnapshotError::code));
        assert_distinct(&usage);
        let timeouts: Vec<_> = [
            TimeoutKind::Connack,
            TimeoutKind::Connect,
            TimeoutKind::KeepAlive,
            TimeoutKind::Request,
        ]
        .iter()
        .map(TimeoutKind::code)
        .collect();
        assert_distinct(&timeouts);
    }

    #[test]
    fn an_error_reports_the_code_of_what_it_wraps() {
        let malformed = Error::Malformed {
            offset: 7,
            violation: Violation::TopicWildcard,
        };
        assert_eq!(
            (malformed.kind().as_str(), malformed.code()),
            ("malformed", "topic_wildcard")
        );
        let refused = Error::Protocol(ProtocolError::ConnectRefused(ReasonCode::NotAuthorized));
        assert_eq!(refused.code(), "connect_refused");
        assert_eq!(refused.reason_code(), ReasonCode::NotAuthorized);
        let encode = Error::Usage(UsageError::Encode(Violation::EmptyTopic));
        assert_eq!(
            (encode.kind().as_str(), encode.code()),
            ("usage", "empty_topic")
        );
        let snapshot = Error::Usage(UsageError::Snapshot(SnapshotError::ChecksumMismatch));
        assert_eq!(snapshot.code(), "snapshot_checksum_mismatch");
        let timeout = Error::Timeout(TimeoutKind::KeepAlive);
        assert_eq!(
            (timeout.kind().as_str(), timeout.code()),
            ("timeout", "keep_alive")
        );
        #[cfg(feature = "iotda")]
        {
            let iotda: Error =
                crate::iotda::IotdaError::InvalidTopic(crate::iotda::TopicError::RequestId).into();
            assert_eq!(
                (iotda.kind().as_str(), iotda.code()),
                ("usage", "invalid_request_id")
            );
        }
    }

    #[test]
    fn topic_alias_zero_is_reported_as_topic_alias_invalid() {
        // MQTT 5.0 §3.3.2.3.4: a Topic Alias of 0 is answered with DISCONNECT 0x94.
        assert_eq!(
            Violation::InvalidPropertyValue(PropertyId::TopicAlias).reason_code(),
            ReasonCode::TopicAliasInvalid
        );
        assert_eq!(
            Violation::InvalidPropertyValue(PropertyId::ReceiveMaximum).reason_code(),
            ReasonCode::ProtocolError
        );
    }
}
