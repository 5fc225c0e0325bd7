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
    /// A PUBLISH at a QoS above the granted maximum.
    QosNotAllowed,
    /// A Topic Alias of 0, above the maximum, or unknown.
    TopicAliasInvalid,
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
            ProtocolError::QosNotAllowed => f.write_str("PUBLISH above the granted maximum QoS"),
            ProtocolError::TopicAliasInvalid => f.write_str("invalid topic alias"),
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
