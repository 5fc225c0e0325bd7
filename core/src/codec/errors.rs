//! What can go wrong in the codec, each failure named after the rule it breaks.
//!
//! The decoder and the encoder share one list of rules ([`Violation`]): the encoder refuses to
//! write any packet the decoder would reject, and both report the same rule.

use core::fmt;

use super::properties::{PropertyContext, PropertyId};
use super::{PacketType, ReasonCode};

/// How many more bytes the decoder needs before it can make progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Needed {
    /// Exactly this many more bytes complete the packet (the fixed header has been read).
    Exact(usize),
    /// At least this many more bytes (the fixed header itself is not complete yet).
    AtLeast(usize),
}

impl Needed {
    /// The number of bytes, exact or a lower bound.
    #[must_use]
    pub const fn bytes(self) -> usize {
        match self {
            Needed::Exact(n) | Needed::AtLeast(n) => n,
        }
    }
}

/// A rule of MQTT 3.1.1 or 5.0 that a packet breaks.
///
/// [`Violation::rule`] names the normative statement (`MQTT-x.y.z-n`) or the section,
/// [`Violation::reason_code`] is what an MQTT 5 peer reports in its DISCONNECT or CONNACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// The packet is larger than the configured or negotiated Maximum Packet Size.
    PacketTooLarge {
        /// Size of the whole packet in bytes (fixed header included).
        size: u64,
        /// The limit it exceeds.
        max: u32,
    },
    /// A Variable Byte Integer uses more than four bytes, or more bytes than its value needs.
    MalformedVarint,
    /// Packet type 0 (reserved), 15 in MQTT 3.1.1, or AUTH in MQTT 3.1.1.
    InvalidPacketType(u8),
    /// Fixed-header flag bits that the specification fixes have another value.
    ReservedFlags {
        /// The packet.
        packet: PacketType,
        /// The flags found (low nibble of the first byte).
        flags: u8,
    },
    /// QoS value 3.
    InvalidQos,
    /// DUP set on a QoS 0 PUBLISH.
    DupWithQos0,
    /// `+` or `#` in a Topic Name.
    TopicWildcard,
    /// A zero-length Topic Name (without a Topic Alias) or Topic Filter.
    EmptyTopic,
    /// A Topic Filter with a misplaced wildcard (`#` not last, `+` or `#` not a whole level).
    InvalidTopicFilter,
    /// A string is not well-formed UTF-8.
    InvalidUtf8,
    /// A string contains U+0000.
    NullCharacter,
    /// A string or binary field longer than 65,535 bytes (encoding only).
    StringTooLong,
    /// A property that may appear once appears twice.
    DuplicateProperty(PropertyId),
    /// A property this packet may not carry.
    PropertyNotAllowed {
        /// The property.
        property: PropertyId,
        /// Where it was found.
        context: PropertyContext,
    },
    /// An unknown property identifier.
    UnknownProperty(u8),
    /// A property whose value is out of its range (e.g. Receive Maximum 0).
    InvalidPropertyValue(PropertyId),
    /// Properties in an MQTT 3.1.1 packet, or another MQTT 5-only feature (encoding only).
    NotInVersion,
    /// The Remaining Length disagrees with the contents.
    LengthMismatch,
    /// Packet Identifier 0.
    ZeroPacketId,
    /// A QoS 0 PUBLISH with a Packet Identifier, or QoS > 0 without one (encoding only).
    PacketIdMismatch,
    /// Subscription options with reserved bits set, Retain Handling 3, or No Local on a shared
    /// subscription.
    InvalidSubscriptionOptions,
    /// A SUBSCRIBE or UNSUBSCRIBE without any topic filter.
    NoTopicFilters,
    /// A SUBACK, or an MQTT 5 UNSUBACK, without any reason code (there is one per filter of the
    /// request, and a request has at least one).
    NoReasonCodes,
    /// The protocol name is not `MQTT`.
    InvalidProtocolName,
    /// A protocol level other than 4 (3.1.1) or 5.
    UnsupportedProtocolLevel(u8),
    /// CONNECT flags: reserved bit set, Will QoS/Retain without Will, or (3.1.1) a password
    /// without a user name.
    InvalidConnectFlags,
    /// A reason code this packet may not carry.
    InvalidReasonCode {
        /// The packet.
        packet: PacketType,
        /// The code found.
        code: u8,
    },
    /// CONNACK flags other than Session Present set.
    InvalidConnackFlags,
}

impl Violation {
    /// The normative statement or section this breaks, e.g. `"MQTT-1.5.5-1"`, in MQTT 5.0's
    /// numbering whatever the connection's version: 3.1.1 reuses identifiers with other
    /// meanings (its ill-formed UTF-8 rule is `MQTT-1.5.3-1`, its SUBSCRIBE options rule
    /// `MQTT-3.8.3-4`), and a violation does not carry the version it was found in. The 3.1.1
    /// table of `CONFORMANCE.md` gives the 3.1.1 identifier for each checked rule.
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Violation::PacketTooLarge { .. } => "MQTT-3.1.2-24",
            Violation::MalformedVarint => "MQTT-1.5.5-1",
            Violation::InvalidPacketType(_) => "MQTT-2.1.2",
            Violation::ReservedFlags { .. } => "MQTT-2.1.3-1",
            Violation::InvalidQos => "MQTT-3.3.1-4",
            Violation::DupWithQos0 => "MQTT-3.3.1-2",
            Violation::TopicWildcard => "MQTT-3.3.2-2",
            Violation::EmptyTopic => "MQTT-4.7.3-1",
            Violation::InvalidTopicFilter => "MQTT-4.7.1",
            Violation::InvalidUtf8 => "MQTT-1.5.4-1",
            Violation::NullCharacter => "MQTT-1.5.4-2",
            Violation::StringTooLong => "MQTT-1.5.4",
            Violation::DuplicateProperty(_) => "MQTT-2.2.2",
            Violation::PropertyNotAllowed { .. } => "MQTT-2.2.2",
            Violation::UnknownProperty(_) => "MQTT-2.2.2.2",
            Violation::InvalidPropertyValue(_) => "MQTT-2.2.2",
            Violation::NotInVersion => "MQTT-2.2.2",
            Violation::LengthMismatch => "MQTT-2.1.4",
            Violation::ZeroPacketId => "MQTT-2.2.1-3",
            Violation::PacketIdMismatch => "MQTT-2.2.1-2",
            Violation::InvalidSubscriptionOptions => "MQTT-3.8.3-5",
            Violation::NoTopicFilters => "MQTT-3.8.3-2",
            Violation::NoReasonCodes => "MQTT-3.9.3",
            Violation::InvalidProtocolName => "MQTT-3.1.2-1",
            Violation::UnsupportedProtocolLevel(_) => "MQTT-3.1.2-2",
            Violation::InvalidConnectFlags => "MQTT-3.1.2-3",
            Violation::InvalidReasonCode { .. } => "MQTT-2.4",
            Violation::InvalidConnackFlags => "MQTT-3.2.2-1",
        }
    }

    /// A stable machine name for the rule broken: the variant in snake_case, e.g.
    /// `"topic_wildcard"`. The bindings expose it as the error `code`, and the cross-language
    /// scenario files (`tests/README.md`) match on it; it never changes for a given variant.
    ///
    /// ```
    /// use iotmqtt::{decode, ProtocolVersion};
    /// // PUBLISH to "a/+": a wildcard in a Topic Name.
    /// let err = decode(&[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+'], ProtocolVersion::V311).unwrap_err();
    /// assert_eq!(err.violation().map(|v| v.code()), Some("topic_wildcard"));
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Violation::PacketTooLarge { .. } => "packet_too_large",
            Violation::MalformedVarint => "malformed_varint",
            Violation::InvalidPacketType(_) => "invalid_packet_type",
            Violation::ReservedFlags { .. } => "reserved_flags",
            Violation::InvalidQos => "invalid_qos",
            Violation::DupWithQos0 => "dup_with_qos0",
            Violation::TopicWildcard => "topic_wildcard",
            Violation::EmptyTopic => "empty_topic",
            Violation::InvalidTopicFilter => "invalid_topic_filter",
            Violation::InvalidUtf8 => "invalid_utf8",
            Violation::NullCharacter => "null_character",
            Violation::StringTooLong => "string_too_long",
            Violation::DuplicateProperty(_) => "duplicate_property",
            Violation::PropertyNotAllowed { .. } => "property_not_allowed",
            Violation::UnknownProperty(_) => "unknown_property",
            Violation::InvalidPropertyValue(_) => "invalid_property_value",
            Violation::NotInVersion => "not_in_version",
            Violation::LengthMismatch => "length_mismatch",
            Violation::ZeroPacketId => "zero_packet_id",
            Violation::PacketIdMismatch => "packet_id_mismatch",
            Violation::InvalidSubscriptionOptions => "invalid_subscription_options",
            Violation::NoTopicFilters => "no_topic_filters",
            Violation::NoReasonCodes => "no_reason_codes",
            Violation::InvalidProtocolName => "invalid_protocol_name",
            Violation::UnsupportedProtocolLevel(_) => "unsupported_protocol_level",
            Violation::InvalidConnectFlags => "invalid_connect_flags",
            Violation::InvalidReasonCode { .. } => "invalid_reason_code",
            Violation::InvalidConnackFlags => "invalid_connack_flags",
        }
    }

    /// The MQTT 5 reason code a peer reports for this violation.
    #[must_use]
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            Violation::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            Violation::UnsupportedProtocolLevel(_) => ReasonCode::UnsupportedProtocolVersion,
            Violation::TopicWildcard | Violation::EmptyTopic => ReasonCode::TopicNameInvalid,
            // "A Topic Alias value of 0 … is a Protocol Error, the receiver uses DISCONNECT with
            // Reason Code of 0x94 (Topic Alias invalid)" (MQTT 5.0 §3.3.2.3.4).
            Violation::InvalidPropertyValue(PropertyId::TopicAlias) => {
                ReasonCode::TopicAliasInvalid
            }
            Violation::InvalidTopicFilter => ReasonCode::TopicFilterInvalid,
            Violation::DuplicateProperty(_)
            | Violation::PropertyNotAllowed { .. }
            | Violation::InvalidPropertyValue(_)
            | Violation::InvalidSubscriptionOptions
            | Violation::NoTopicFilters
            | Violation::NoReasonCodes
            | Violation::InvalidReasonCode { .. } => ReasonCode::ProtocolError,
            _ => ReasonCode::MalformedPacket,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::PacketTooLarge { size, max } => write!(
                f,
                "packet of {size} bytes exceeds the maximum packet size {max}"
            )?,
            Violation::MalformedVarint => f.write_str(
                "variable byte integer longer than 4 bytes or not in its shortest form",
            )?,
            Violation::InvalidPacketType(t) => write!(f, "invalid packet type {t}")?,
            Violation::ReservedFlags { packet, flags } => {
                write!(f, "reserved flags 0x{flags:X} on {packet}")?
            }
            Violation::InvalidQos => f.write_str("QoS 3 is not a valid QoS")?,
            Violation::DupWithQos0 => f.write_str("DUP flag set on a QoS 0 PUBLISH")?,
            Violation::TopicWildcard => f.write_str("wildcard in a topic name")?,
            Violation::EmptyTopic => f.write_str("empty topic")?,
            Violation::InvalidTopicFilter => f.write_str("misplaced wildcard in a topic filter")?,
            Violation::InvalidUtf8 => f.write_str("string is not well-formed UTF-8")?,
            Violation::NullCharacter => f.write_str("string contains U+0000")?,
            Violation::StringTooLong => f.write_str("string or binary longer than 65535 bytes")?,
            Violation::DuplicateProperty(p) => write!(f, "property {p} appears more than once")?,
            Violation::PropertyNotAllowed { property, context } => {
                write!(f, "property {property} is not allowed in {context}")?
            }
            Violation::UnknownProperty(id) => write!(f, "unknown property identifier 0x{id:02X}")?,
            Violation::InvalidPropertyValue(p) => write!(f, "property {p} has an invalid value")?,
            Violation::NotInVersion => f.write_str("not available in this protocol version")?,
            Violation::LengthMismatch => {
                f.write_str("remaining length disagrees with the packet contents")?
            }
            Violation::ZeroPacketId => f.write_str("packet identifier 0")?,
            Violation::PacketIdMismatch => {
                f.write_str("packet identifier present at QoS 0 or missing at QoS > 0")?
            }
            Violation::InvalidSubscriptionOptions => f.write_str("invalid subscription options")?,
            Violation::NoTopicFilters => f.write_str("no topic filter in the packet")?,
            Violation::NoReasonCodes => f.write_str("no reason code in the acknowledgement")?,
            Violation::InvalidProtocolName => f.write_str("protocol name is not MQTT")?,
            Violation::UnsupportedProtocolLevel(l) => write!(f, "unsupported protocol level {l}")?,
            Violation::InvalidConnectFlags => f.write_str("invalid CONNECT flags")?,
            Violation::InvalidReasonCode { packet, code } => {
                write!(f, "reason code 0x{code:02X} is not allowed in {packet}")?
            }
            Violation::InvalidConnackFlags => f.write_str("reserved CONNACK flags set")?,
        }
        write!(f, " [{}]", self.rule())
    }
}

/// Why [`decode`](super::decode) returned no packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// The input holds only part of a packet. Nothing is wrong; feed more bytes.
    Incomplete(Needed),
    /// The bytes break a rule. The peer is at fault; the connection must end.
    Invalid {
        /// Offset of the offending byte from the start of the input.
        offset: usize,
        /// The rule broken.
        violation: Violation,
    },
}

impl DecodeError {
    /// The rule broken, or `None` for [`DecodeError::Incomplete`].
    #[must_use]
    pub const fn violation(&self) -> Option<Violation> {
        match self {
            DecodeError::Incomplete(_) => None,
            DecodeError::Invalid { violation, .. } => Some(*violation),
        }
    }

    /// True when more bytes are needed.
    #[must_use]
    pub const fn is_incomplete(&self) -> bool {
        matches!(self, DecodeError::Incomplete(_))
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Incomplete(Needed::Exact(n)) => {
                write!(f, "incomplete packet: need {n} more bytes")
            }
            DecodeError::Incomplete(Needed::AtLeast(n)) => {
                write!(f, "incomplete packet: need at least {n} more bytes")
            }
            DecodeError::Invalid { offset, violation } => {
                write!(f, "at byte {offset}: {violation}")
            }
        }
    }
}

/// Why a packet could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncodeError {
    /// The caller's slice is too small; `required` bytes would fit the packet.
    BufferTooSmall {
        /// Bytes the encoded packet needs.
        required: usize,
    },
    /// The packet breaks a rule and would be rejected by its receiver.
    Invalid(Violation),
}

impl From<Violation> for EncodeError {
    fn from(v: Violation) -> Self {
        EncodeError::Invalid(v)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall { required } => {
                write!(f, "buffer too small: {required} bytes required")
            }
            EncodeError::Invalid(v) => write!(f, "cannot encode: {v}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}
#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}
#[cfg(feature = "std")]
impl std::error::Error for Violation {}
