//! Malformed input: every rule the decoder enforces, with the exact error (the rule and the
//! offset of the offending byte), the rules the encoder enforces, and the streaming contract
//! (`Incomplete` is exact once the header is known; the header alone decides the size limit).

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{encoded, hex};
use iotmqtt::{
    Auth, AuthReason, Connack, Connect, ConnectReason, DecodeError, Decoder, Disconnect,
    DisconnectReason, EncodeError, List, MAX_PACKET_SIZE, Needed, Packet, PacketId, PacketType,
    Properties, Property, PropertyContext, PropertyId, ProtocolVersion, PubAck, PubAckReason,
    Publish, QoS, SubAck, SubAckReason, Subscribe, Subscription, SubscriptionOptions, UnsubAck,
    Unsubscribe, Violation, Will, decode, encode, encode_to_slice, encoded_len,
};

const V311: ProtocolVersion = ProtocolVersion::V311;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// One malformed input and the exact error it must produce.
struct Case {
    name: &'static str,
    version: ProtocolVersion,
    max: u32,
    bytes: &'static [u8],
    offset: usize,
    violation: Violation,
}

const fn case(
    name: &'static str,
    version: ProtocolVersion,
    bytes: &'static [u8],
    offset: usize,
    violation: Violation,
) -> Case {
    Case {
        name,
        version,
        max: MAX_PACKET_SIZE,
        bytes,
        offset,
        violation,
    }
}

/// A CONNECT body prefix: protocol name "MQTT" and level 4, before the flags byte at offset 9.
macro_rules! connect311 {
    ($flags:expr; $($rest:expr),*) => {
        &[0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, $flags, 0x00, 0x3C, $($rest),*]
    };
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- fixed header (MQTT 5.0 §2.1, 3.1.1 §2.2)
    Case { max: 100, ..case("remaining length over the limit, header only", V5,
        &[0x30, 0x7F], 1, Violation::PacketTooLarge { size: 129, max: 100 }) },
    Case { max: 100, ..case("even a cut-short remaining length can be over the limit", V311,
        &[0x30, 0xFF], 1, Violation::PacketTooLarge { size: 258, max: 100 }) },
    case("remaining length needs a fifth byte", V311,
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], 4, Violation::MalformedVarint),
    case("remaining length not in its shortest form", V5,
        &[0x30, 0x80, 0x00], 2, Violation::MalformedVarint),
    case("property length not in its shortest form", V5,
        &[0x40, 0x05, 0x00, 0x01, 0x00, 0x80, 0x00], 6, Violation::MalformedVarint),
    case("packet type 0 is reserved", V5, &[0x00, 0x00], 0, Violation::InvalidPacketType(0)),
    case("AUTH does not exist in 3.1.1", V311, &[0xF0, 0x00], 0,
        Violation::InvalidPacketType(15)),
    // [MQTT-2.2.2-1], [MQTT-2.2.2-2] (3.1.1)
    case("PUBACK flags must be 0000", V311, &[0x41, 0x02, 0x00, 0x01], 0,
        Violation::ReservedFlags { packet: PacketType::PubAck, flags: 1 }),
    // [MQTT-2.1.3-1] (5.0)
    case("SUBSCRIBE flags must be 0010", V5, &[0x80, 0x02, 0x00, 0x01], 0,
        Violation::ReservedFlags { packet: PacketType::Subscribe, flags: 0 }),
    // [MQTT-2.2.2-1], [MQTT-2.2.2-2] (3.1.1)
    case("PUBREL flags must be 0010", V311, &[0x60, 0x02, 0x00, 0x01], 0,
        Violation::ReservedFlags { packet: PacketType::PubRel, flags: 0 }),
    // [MQTT-3.3.1-4] (both versions)
    case("PUBLISH QoS 3", V311, &[0x36, 0x00], 0, Violation::InvalidQos),
    case("PUBLISH DUP at QoS 0", V5, &[0x38, 0x00], 0, Violation::DupWithQos0),
    // ---- lengths (§2.1.4 / §2.2.3)
    case("PUBACK with a trailing byte in 3.1.1", V311, &[0x40, 0x03, 0x00, 0x01, 0x00], 4,
        Violation::LengthMismatch),
    case("PINGREQ with a body", V5, &[0xC0, 0x01, 0x00], 2, Violation::LengthMismatch),
    case("DISCONNECT with a body in 3.1.1", V311, &[0xE0, 0x01, 0x00], 2,
        Violation::LengthMismatch),
    case("CONNACK cut short: the missing byte's place", V311, &[0x20, 0x01, 0x00], 3,
        Violation::LengthMismatch),
    case("topic length runs past the packet: the length field", V311,
        &[0x30, 0x03, 0x00, 0x05, b'a'], 2, Violation::LengthMismatch),
    case("property length runs past the packet", V5, &[0x40, 0x04, 0x00, 0x01, 0x00, 0x05],
        5, Violation::LengthMismatch),
    case("a property value runs past the property length: the field", V5,
        &[0x30, 0x07, 0x00, 0x01, b'a', 0x02, 0x23, 0x00, 0x01], 7, Violation::LengthMismatch),
    // ---- strings and topics (§1.5.4, §4.7)
    // [MQTT-3.3.2-2], [MQTT-4.7.1-1] (3.1.1)
    case("topic with '+'", V311, &[0x30, 0x05, 0x00, 0x03, b'a', b'/', b'+'], 6,
        Violation::TopicWildcard),
    // [MQTT-3.3.2-2], [MQTT-4.7.0-1] (5.0)
    case("topic with '#'", V5, &[0x30, 0x04, 0x00, 0x01, b'#', 0x00], 4,
        Violation::TopicWildcard),
    // [MQTT-4.7.3-1] (3.1.1)
    case("empty topic in 3.1.1", V311, &[0x30, 0x02, 0x00, 0x00], 2, Violation::EmptyTopic),
    case("empty topic without a Topic Alias in 5.0", V5, &[0x30, 0x03, 0x00, 0x00, 0x00], 2,
        Violation::EmptyTopic),
    // [MQTT-1.5.3-1], [MQTT-3.3.2-1] (3.1.1), [MQTT-3.3.2-1] (5.0)
    case("topic is not UTF-8", V311, &[0x30, 0x04, 0x00, 0x02, b'a', 0xFF], 5,
        Violation::InvalidUtf8),
    // [MQTT-1.5.4-1] (5.0)
    case("topic holds a UTF-16 surrogate", V5,
        &[0x30, 0x06, 0x00, 0x03, 0xED, 0xA0, 0x80, 0x00], 4, Violation::InvalidUtf8),
    // [MQTT-1.5.3-2], [MQTT-4.7.3-2] (3.1.1), [MQTT-4.7.3-2] (5.0)
    case("topic holds U+0000", V311, &[0x30, 0x04, 0x00, 0x02, b'a', 0x00], 5,
        Violation::NullCharacter),
    // [MQTT-1.5.7-1] (5.0)
    case("User Property value holds U+0000", V5,
        &[0x40, 0x0B, 0x00, 0x01, 0x00, 0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, 0x00], 12,
        Violation::NullCharacter),
    // [MQTT-4.7.1-2] (3.1.1)
    case("filter with '#' not last", V311,
        &[0x82, 0x0A, 0x00, 0x01, 0x00, 0x05, b'a', b'/', b'#', b'/', b'b', 0x00], 8,
        Violation::InvalidTopicFilter),
    // [MQTT-4.7.1-2] (5.0)
    case("filter with '+' inside a level", V5,
        &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x02, b'a', b'+'], 8,
        Violation::InvalidTopicFilter),
    // [MQTT-4.7.1-3] (3.1.1)
    case("3.1.1 filter with '+' inside a level", V311,
        &[0x82, 0x07, 0x00, 0x01, 0x00, 0x02, b'a', b'+', 0x00], 7,
        Violation::InvalidTopicFilter),
    // [MQTT-4.8.2-1], [MQTT-4.8.2-2] (5.0)
    case("shared subscription without a filter", V5,
        &[0x82, 0x0E, 0x00, 0x01, 0x00, 0x00, 0x08,
          b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', 0x00], 14,
        Violation::InvalidTopicFilter),
    case("empty filter: its length field", V311, &[0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00], 4,
        Violation::EmptyTopic),
    // [MQTT-3.10.3-1] (5.0)
    case("empty filter in UNSUBSCRIBE", V5, &[0xA2, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00], 5,
        Violation::EmptyTopic),
    // ---- properties (5.0 §2.2.2)
    case("Topic Alias twice", V5,
        &[0x30, 0x0A, 0x00, 0x01, b'a', 0x06, 0x23, 0x00, 0x01, 0x23, 0x00, 0x02], 9,
        Violation::DuplicateProperty(PropertyId::TopicAlias)),
    case("Receive Maximum in PUBLISH", V5,
        &[0x30, 0x07, 0x00, 0x01, b'a', 0x03, 0x21, 0x00, 0x01], 6,
        Violation::PropertyNotAllowed {
            property: PropertyId::ReceiveMaximum, context: PropertyContext::Publish }),
    case("Will Delay Interval in CONNECT's own properties", V5,
        &[0x10, 0x12, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x02, 0x00, 0x00,
          0x05, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00], 13,
        Violation::PropertyNotAllowed {
            property: PropertyId::WillDelayInterval, context: PropertyContext::Connect }),
    case("unknown property 0x04", V5, &[0x30, 0x06, 0x00, 0x01, b'a', 0x02, 0x04, 0x00], 6,
        Violation::UnknownProperty(0x04)),
    case("Topic Alias 0", V5, &[0x30, 0x07, 0x00, 0x01, b'a', 0x03, 0x23, 0x00, 0x00], 7,
        Violation::InvalidPropertyValue(PropertyId::TopicAlias)),
    // [MQTT-3.3.2-14] (5.0)
    case("Response Topic with a wildcard", V5,
        &[0x30, 0x08, 0x00, 0x01, b'a', 0x04, 0x08, 0x00, 0x01, b'#'], 9,
        Violation::InvalidPropertyValue(PropertyId::ResponseTopic)),
    case("Maximum QoS 2", V5, &[0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02], 6,
        Violation::InvalidPropertyValue(PropertyId::MaximumQos)),
    case("Payload Format Indicator 2", V5, &[0x30, 0x06, 0x00, 0x01, b'a', 0x02, 0x01, 0x02],
        7, Violation::InvalidPropertyValue(PropertyId::PayloadFormatIndicator)),
    case("Subscription Identifier 0", V5,
        &[0x82, 0x08, 0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, b'a', 0x00], 6,
        Violation::InvalidPropertyValue(PropertyId::SubscriptionIdentifier)),
    case("Authentication Data without a Method", V5,
        &[0xF0, 0x06, 0x18, 0x04, 0x16, 0x00, 0x01, 0x07], 4,
        Violation::InvalidPropertyValue(PropertyId::AuthenticationData)),
    // ---- packet identifiers (§2.2.1)
    // [MQTT-2.3.1-1] (3.1.1)
    case("PUBLISH QoS 1 with id 0", V311, &[0x32, 0x05, 0x00, 0x01, b'a', 0x00, 0x00], 5,
        Violation::ZeroPacketId),
    case("PUBACK id 0", V5, &[0x40, 0x02, 0x00, 0x00], 2, Violation::ZeroPacketId),
    // [MQTT-2.3.1-1] (3.1.1)
    case("SUBSCRIBE id 0", V311, &[0x82, 0x06, 0x00, 0x00, 0x00, 0x01, b'a', 0x00], 2,
        Violation::ZeroPacketId),
    // ---- SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK (§3.8–3.11)
    // [MQTT-3.8.3-4] (3.1.1, printed [MQTT-3-8.3-4] in the standard): a reserved bit or QoS 3
    // in a Requested QoS byte makes the SUBSCRIBE malformed.
    case("3.1.1 options with a reserved bit", V311,
        &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x04], 7,
        Violation::InvalidSubscriptionOptions),
    case("requested QoS 3", V311, &[0x82, 0x06, 0x00, 0x01, 0x00, 0x01, b'a', 0x03], 7,
        Violation::InvalidSubscriptionOptions),
    case("Retain Handling 3", V5, &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x30], 8,
        Violation::InvalidSubscriptionOptions),
    // [MQTT-3.8.3-5] (5.0)
    case("5.0 options bits 6-7", V5, &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x40], 8,
        Violation::InvalidSubscriptionOptions),
    case("No Local on a shared subscription", V5,
        &[0x82, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0A,
          b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/', b'a', 0x04], 17,
        Violation::InvalidSubscriptionOptions),
    // [MQTT-3.8.3-3] (3.1.1)
    case("SUBSCRIBE without filters", V311, &[0x82, 0x02, 0x00, 0x01], 4,
        Violation::NoTopicFilters),
    case("UNSUBSCRIBE without filters", V5, &[0xA2, 0x03, 0x00, 0x01, 0x00], 5,
        Violation::NoTopicFilters),
    case("SUBACK without codes", V311, &[0x90, 0x02, 0x00, 0x01], 4, Violation::NoReasonCodes),
    case("UNSUBACK without codes in 5.0", V5, &[0xB0, 0x03, 0x00, 0x01, 0x00], 5,
        Violation::NoReasonCodes),
    // ---- CONNECT (§3.1)
    case("protocol name MQIsdp (3.1)", V311,
        &[0x10, 0x0F, 0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03, 0x02, 0x00, 0x3C,
          0x00, 0x01, b'c'], 2,
        Violation::InvalidProtocolName),
    case("protocol level 3 with name MQTT", V5,
        &[0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x03, 0x02, 0x00, 0x3C,
          0x00, 0x01, b'c'], 8,
        Violation::UnsupportedProtocolLevel(3)),
    case("reserved CONNECT flag", V311, connect311!(0x03; 0x00, 0x01, b'c'), 9,
        Violation::InvalidConnectFlags),
    // [MQTT-3.1.2-11], [MQTT-3.1.2-13] (3.1.1)
    case("Will QoS without Will", V311, connect311!(0x0A; 0x00, 0x01, b'c'), 9,
        Violation::InvalidConnectFlags),
    // [MQTT-3.1.2-15] (3.1.1)
    case("Will Retain without Will", V311, connect311!(0x22; 0x00, 0x01, b'c'), 9,
        Violation::InvalidConnectFlags),
    // [MQTT-3.1.2-14] (3.1.1), [MQTT-3.1.2-12] (5.0: the same rule)
    case("Will QoS 3", V311, connect311!(0x1E; 0x00, 0x01, b'c'), 9,
        Violation::InvalidConnectFlags),
    // [MQTT-3.1.2-22] (3.1.1)
    case("3.1.1 password without user name", V311, connect311!(0x42; 0x00, 0x01, b'c'), 9,
        Violation::InvalidConnectFlags),
    case("Will Topic with a wildcard", V311,
        &[0x10, 0x13, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, 0x00, 0x3C,
          0x00, 0x01, b'c', 0x00, 0x01, b'+', 0x00, 0x01, b'x'], 17,
        Violation::TopicWildcard),
    case("empty Will Topic", V311,
        &[0x10, 0x11, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, 0x00, 0x3C,
          0x00, 0x01, b'c', 0x00, 0x00, 0x00, 0x00], 15,
        Violation::EmptyTopic),
    // [MQTT-3.1.3-4] (both versions)
    case("Client Identifier is not UTF-8", V311, connect311!(0x02; 0x00, 0x01, 0xC0), 14,
        Violation::InvalidUtf8),
    // ---- reason codes (§2.4) and CONNACK flags (§3.2.2.1)
    case("3.1.1 CONNACK return code 6", V311, &[0x20, 0x02, 0x00, 0x06], 3,
        Violation::InvalidReasonCode { packet: PacketType::Connack, code: 6 }),
    case("PUBACK reason 0x01", V5, &[0x40, 0x03, 0x00, 0x01, 0x01], 4,
        Violation::InvalidReasonCode { packet: PacketType::PubAck, code: 1 }),
    case("PUBREL reason 0x80", V5, &[0x62, 0x03, 0x00, 0x01, 0x80], 4,
        Violation::InvalidReasonCode { packet: PacketType::PubRel, code: 0x80 }),
    // [MQTT-3.9.3-2] (3.1.1)
    case("3.1.1 SUBACK with a 5.0-only code", V311, &[0x90, 0x04, 0x00, 0x01, 0x00, 0x87], 5,
        Violation::InvalidReasonCode { packet: PacketType::SubAck, code: 0x87 }),
    // [MQTT-3.11.3-2] (5.0)
    case("UNSUBACK reason 0x02", V5, &[0xB0, 0x04, 0x00, 0x01, 0x00, 0x02], 5,
        Violation::InvalidReasonCode { packet: PacketType::UnsubAck, code: 2 }),
    case("DISCONNECT reason 0x03", V5, &[0xE0, 0x01, 0x03], 2,
        Violation::InvalidReasonCode { packet: PacketType::Disconnect, code: 3 }),
    case("AUTH reason 0x01", V5, &[0xF0, 0x01, 0x01], 2,
        Violation::InvalidReasonCode { packet: PacketType::Auth, code: 1 }),
    // [MQTT-3.2.2-1] (5.0)
    case("CONNACK reserved flag", V5, &[0x20, 0x03, 0x02, 0x00, 0x00], 2,
        Violation::InvalidConnackFlags),
    // [MQTT-3.2.2-4] (3.1.1)
    case("CONNACK session present with a refusal", V311, &[0x20, 0x02, 0x01, 0x05], 2,
        Violation::InvalidConnackFlags),
    // [MQTT-3.2.2-6] (5.0)
    case("5.0 CONNACK session present with a refusal", V5, &[0x20, 0x03, 0x01, 0x87, 0x00], 2,
        Violation::InvalidConnackFlags),
    // [MQTT-3.2.2-8] (5.0)
    case("5.0 CONNACK reason 0x01", V5, &[0x20, 0x03, 0x00, 0x01, 0x00], 3,
        Violation::InvalidReasonCode { packet: PacketType::Connack, code: 1 }),
    // [MQTT-3.9.3-2] (5.0)
    case("5.0 SUBACK reason 0x03", V5, &[0x90, 0x04, 0x00, 0x01, 0x00, 0x03], 5,
        Violation::InvalidReasonCode { packet: PacketType::SubAck, code: 3 }),
    // ---- reserved flags of DISCONNECT and AUTH (5.0 §3.14.1, §3.15.1)
    // [MQTT-3.14.1-1] (5.0)
    case("DISCONNECT flags must be 0000", V5, &[0xE1, 0x00], 0,
        Violation::ReservedFlags { packet: PacketType::Disconnect, flags: 1 }),
    // [MQTT-3.15.1-1] (5.0)
    case("AUTH flags must be 0000", V5, &[0xF2, 0x00], 0,
        Violation::ReservedFlags { packet: PacketType::Auth, flags: 2 }),
    // ---- strings that must be UTF-8 (5.0 §3.1.3, §3.3.2.3; 3.1.1 §3.1.3)
    // [MQTT-3.3.2-19] (5.0)
    case("Content Type is not UTF-8", V5,
        &[0x30, 0x08, 0x00, 0x01, b'a', 0x04, 0x03, 0x00, 0x01, 0xFF], 9, Violation::InvalidUtf8),
    // [MQTT-3.3.2-13] (5.0)
    case("Response Topic is not UTF-8", V5,
        &[0x30, 0x08, 0x00, 0x01, b'a', 0x04, 0x08, 0x00, 0x01, 0xFF], 9, Violation::InvalidUtf8),
    // [MQTT-3.1.3-11] (3.1.1)
    case("3.1.1 User Name is not UTF-8", V311,
        &[0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x82, 0x00, 0x3C,
          0x00, 0x01, b'c', 0x00, 0x01, 0xFF], 17, Violation::InvalidUtf8),
    // [MQTT-3.1.3-12] (5.0)
    case("5.0 User Name is not UTF-8", V5,
        &[0x10, 0x11, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x82, 0x00, 0x3C, 0x00,
          0x00, 0x01, b'c', 0x00, 0x01, 0xFF], 18, Violation::InvalidUtf8),
    // [MQTT-3.1.3-10] (3.1.1)
    case("3.1.1 Will Topic is not UTF-8", V311,
        &[0x10, 0x12, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x06, 0x00, 0x3C,
          0x00, 0x01, b'c', 0x00, 0x01, 0xFF, 0x00, 0x00], 17, Violation::InvalidUtf8),
    // [MQTT-3.1.3-11] (5.0)
    case("5.0 Will Topic is not UTF-8", V5,
        &[0x10, 0x14, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x06, 0x00, 0x3C, 0x00,
          0x00, 0x01, b'c', 0x00, 0x00, 0x01, 0xFF, 0x00, 0x00], 19, Violation::InvalidUtf8),
];

#[test]
fn every_malformed_case_gives_its_exact_error() {
    for c in CASES {
        let got = Decoder::new(c.version)
            .with_max_packet_size(c.max)
            .decode(c.bytes);
        let want = Err(DecodeError::Invalid {
            offset: c.offset,
            violation: c.violation,
        });
        assert_eq!(got, want, "{} ({}): {}", c.name, c.version, hex(c.bytes));
    }
}

/// Every rule the decoder can report has a case above (and the list below is complete: adding a
/// `Violation` variant without listing it here fails to compile).
#[test]
fn every_decoder_rule_has_a_case() {
    fn decoder_rule(v: &Violation) -> Option<&'static str> {
        Some(match v {
            Violation::PacketTooLarge { .. } => "PacketTooLarge",
            Violation::MalformedVarint => "MalformedVarint",
            Violation::InvalidPacketType(_) => "InvalidPacketType",
            Violation::ReservedFlags { .. } => "ReservedFlags",
            Violation::InvalidQos => "InvalidQos",
            Violation::DupWithQos0 => "DupWithQos0",
            Violation::TopicWildcard => "TopicWildcard",
            Violation::EmptyTopic => "EmptyTopic",
            Violation::InvalidTopicFilter => "InvalidTopicFilter",
            Violation::InvalidUtf8 => "InvalidUtf8",
            Violation::NullCharacter => "NullCharacter",
            Violation::DuplicateProperty(_) => "DuplicateProperty",
            Violation::PropertyNotAllowed { .. } => "PropertyNotAllowed",
            Violation::UnknownProperty(_) => "UnknownProperty",
            Violation::InvalidPropertyValue(_) => "InvalidPropertyValue",
            Violation::LengthMismatch => "LengthMismatch",
            Violation::ZeroPacketId => "ZeroPacketId",
            Violation::InvalidSubscriptionOptions => "InvalidSubscriptionOptions",
            Violation::NoTopicFilters => "NoTopicFilters",
            Violation::NoReasonCodes => "NoReasonCodes",
            Violation::InvalidProtocolName => "InvalidProtocolName",
            Violation::UnsupportedProtocolLevel(_) => "UnsupportedProtocolLevel",
            Violation::InvalidConnectFlags => "InvalidConnectFlags",
            Violation::InvalidReasonCode { .. } => "InvalidReasonCode",
            Violation::InvalidConnackFlags => "InvalidConnackFlags",
            // Encoder-only: the types make them unrepresentable on the wire side.
            Violation::StringTooLong | Violation::NotInVersion | Violation::PacketIdMismatch => {
                return None;
            }
            _ => panic!("a new Violation needs a malformed case: {v:?}"),
        })
    }
    let all = [
        "PacketTooLarge",
        "MalformedVarint",
        "InvalidPacketType",
        "ReservedFlags",
        "InvalidQos",
        "DupWithQos0",
        "TopicWildcard",
        "EmptyTopic",
        "InvalidTopicFilter",
        "InvalidUtf8",
        "NullCharacter",
        "DuplicateProperty",
        "PropertyNotAllowed",
        "UnknownProperty",
        "InvalidPropertyValue",
        "LengthMismatch",
        "ZeroPacketId",
        "InvalidSubscriptionOptions",
        "NoTopicFilters",
        "NoReasonCodes",
        "InvalidProtocolName",
        "UnsupportedProtocolLevel",
        "InvalidConnectFlags",
        "InvalidReasonCode",
        "InvalidConnackFlags",
    ];
    for rule in all {
        let covered = CASES
            .iter()
            .filter_map(|c| decoder_rule(&c.violation))
            .any(|r| r == rule);
        assert!(covered, "no malformed case for {rule}");
    }
    for c in CASES {
        assert!(!c.violation.rule().is_empty());
        assert!(c.violation.to_string().contains(c.violation.rule()));
    }
}

#[test]
fn three_one_one_has_no_shared_subscriptions() {
    // `$share/g` is an ordinary filter in 3.1.1 (the rule is 5.0 §4.8.2).
    let bytes = [
        0x82, 0x0D, 0x00, 0x01, 0x00, 0x08, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', 0x00,
    ];
    assert!(decode(&bytes, V311).is_ok());
    assert!(decode(&bytes, V5).is_err());
}

fn id(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn subscribe<'a>(subs: &'a [Subscription<'a>]) -> Packet<'a> {
    Packet::Subscribe(Subscribe {
        packet_id: id(1),
        properties: Properties::empty(),
        subscriptions: List::new(subs),
    })
}

fn refuse(packet: &Packet<'_>, version: ProtocolVersion, violation: Violation) {
    let want = Err(EncodeError::Invalid(violation));
    assert_eq!(encoded_len(packet, version), want, "{packet:?}");
    let mut out = vec![1, 2, 3];
    assert_eq!(encode(packet, version, &mut out), want, "{packet:?}");
    assert_eq!(out, [1, 2, 3], "nothing appended on error");
    let mut buf = [0u8; 64];
    assert_eq!(encode_to_slice(packet, version, &mut buf), want);
}

#[test]
fn the_encoder_refuses_what_the_spec_forbids() {
    let qos1 = Publish {
        qos: QoS::AtLeastOnce,
        packet_id: Some(id(1)),
        ..Publish::new("t", b"")
    };
    // §2.2.1: a Packet Identifier exactly when QoS > 0 ([MQTT-2.2.1-2] in 5.0, [MQTT-2.3.1-5]
    // in 3.1.1).
    let no_id = Packet::Publish(Publish {
        packet_id: None,
        ..qos1
    });
    refuse(&no_id, V5, Violation::PacketIdMismatch);
    let id_at_qos0 = Packet::Publish(Publish {
        packet_id: Some(id(1)),
        ..Publish::new("t", b"")
    });
    refuse(&id_at_qos0, V311, Violation::PacketIdMismatch);
    // [MQTT-3.3.1-2]; a QoS 0 PUBLISH goes out with DUP 0 [MQTT-4.3.1-1] (3.1.1)
    let dup0 = Packet::Publish(Publish {
        dup: true,
        ..Publish::new("t", b"")
    });
    refuse(&dup0, V311, Violation::DupWithQos0);
    // [MQTT-3.3.2-2], [MQTT-4.7.0-1], [MQTT-4.7.3-1], [MQTT-1.5.4-2], [MQTT-4.7.3-2],
    // [MQTT-4.7.3-3] (5.0); [MQTT-3.3.2-2], [MQTT-4.7.1-1], [MQTT-1.5.3-2] (3.1.1)
    refuse(
        &Packet::Publish(Publish::new("a/#", b"")),
        V5,
        Violation::TopicWildcard,
    );
    refuse(
        &Packet::Publish(Publish::new("", b"")),
        V311,
        Violation::EmptyTopic,
    );
    refuse(
        &Packet::Publish(Publish::new("", b"")),
        V5,
        Violation::EmptyTopic,
    );
    refuse(
        &Packet::Publish(Publish::new("a\0", b"")),
        V5,
        Violation::NullCharacter,
    );
    let long = "x".repeat(65_536);
    refuse(
        &Packet::Publish(Publish::new(&long, b"")),
        V5,
        Violation::StringTooLong,
    );
    // Remaining Length over 268,435,455 (measured, never written).
    let huge = vec![0u8; iotmqtt::VARINT_MAX as usize];
    assert!(matches!(
        encoded_len(&Packet::Publish(Publish::new("t", &huge)), V311),
        Err(EncodeError::Invalid(Violation::PacketTooLarge { .. }))
    ));
    drop(huge);
    // 3.1.1 has no properties, no AUTH, fewer reason codes.
    let props = [Property::ContentType("x")];
    refuse(
        &Packet::Publish(Publish {
            properties: Properties::new(&props),
            ..Publish::new("t", b"")
        }),
        V311,
        Violation::NotInVersion,
    );
    refuse(
        &Packet::Auth(Auth::new(AuthReason::Success)),
        V311,
        Violation::NotInVersion,
    );
    refuse(
        &Packet::PubAck(PubAck {
            reason: PubAckReason::QuotaExceeded,
            ..PubAck::new(id(1))
        }),
        V311,
        Violation::NotInVersion,
    );
    let banned = Connack {
        session_present: false,
        reason: ConnectReason::Banned,
        properties: Properties::empty(),
    };
    refuse(&Packet::Connack(banned), V311, Violation::NotInVersion);
    refuse(
        &Packet::Disconnect(Disconnect::new(DisconnectReason::ServerBusy)),
        V311,
        Violation::NotInVersion,
    );
    let v5_code = [SubAckReason::NotAuthorized];
    refuse(
        &Packet::SubAck(SubAck {
            packet_id: id(1),
            properties: Properties::empty(),
            reasons: List::new(&v5_code),
        }),
        V311,
        Violation::NotInVersion,
    );
    refuse(
        &Packet::UnsubAck(UnsubAck {
            packet_id: id(1),
            properties: Properties::empty(),
            reasons: List::new(&[iotmqtt::UnsubAckReason::Success]),
        }),
        V311,
        Violation::NotInVersion,
    );
    // [MQTT-3.2.2-6]
    let sp = Connack {
        session_present: true,
        reason: ConnectReason::NotAuthorized,
        properties: Properties::empty(),
    };
    refuse(&Packet::Connack(sp), V5, Violation::InvalidConnackFlags);
    // Properties: duplicates, context, values.
    let twice = [Property::TopicAlias(1), Property::TopicAlias(2)];
    refuse(
        &Packet::Publish(Publish {
            properties: Properties::new(&twice),
            ..Publish::new("t", b"")
        }),
        V5,
        Violation::DuplicateProperty(PropertyId::TopicAlias),
    );
    let wrong = [Property::ServerKeepAlive(1)];
    refuse(
        &Packet::PubAck(PubAck {
            properties: Properties::new(&wrong),
            ..PubAck::new(id(1))
        }),
        V5,
        Violation::PropertyNotAllowed {
            property: PropertyId::ServerKeepAlive,
            context: PropertyContext::PubAck,
        },
    );
    for (p, pid) in [
        (Property::ReceiveMaximum(0), PropertyId::ReceiveMaximum),
        (
            Property::MaximumPacketSize(0),
            PropertyId::MaximumPacketSize,
        ),
        (
            Property::MaximumQos(QoS::ExactlyOnce),
            PropertyId::MaximumQos,
        ),
    ] {
        let items = [p];
        refuse(
            &Packet::Connack(Connack {
                session_present: false,
                reason: ConnectReason::Success,
                properties: Properties::new(&items),
            }),
            V5,
            Violation::InvalidPropertyValue(pid),
        );
    }
    let sub_id = [Property::SubscriptionIdentifier(iotmqtt::VARINT_MAX + 1)];
    let one = [Subscription::new("a", QoS::AtMostOnce)];
    refuse(
        &Packet::Subscribe(Subscribe {
            packet_id: id(1),
            properties: Properties::new(&sub_id),
            subscriptions: List::new(&one),
        }),
        V5,
        Violation::InvalidPropertyValue(PropertyId::SubscriptionIdentifier),
    );
    // Topic filters and subscription options.
    let bad = [Subscription::new("a/#/b", QoS::AtMostOnce)];
    refuse(&subscribe(&bad), V311, Violation::InvalidTopicFilter);
    // Shared Subscriptions: `$share/`, a non-empty ShareName without wildcards, then '/' and a
    // filter [MQTT-4.8.2-1], [MQTT-4.8.2-2] (5.0).
    for filter in ["$share//a", "$share/g+/a", "$share/g#/a", "$share/g"] {
        let shared = [Subscription::new(filter, QoS::AtMostOnce)];
        refuse(&subscribe(&shared), V5, Violation::InvalidTopicFilter);
    }
    // No wildcard in a Response Topic [MQTT-3.3.2-14]; both strings of a User Property follow
    // the UTF-8 string rules [MQTT-1.5.7-1] (5.0).
    let response_topic = [Property::ResponseTopic("r/#")];
    refuse(
        &Packet::Publish(Publish {
            properties: Properties::new(&response_topic),
            ..qos1
        }),
        V5,
        Violation::InvalidPropertyValue(PropertyId::ResponseTopic),
    );
    for pair in [("k\0", "v"), ("k", "v\0")] {
        let user = [Property::UserProperty(pair.0, pair.1)];
        refuse(
            &Packet::Publish(Publish {
                properties: Properties::new(&user),
                ..qos1
            }),
            V5,
            Violation::NullCharacter,
        );
    }
    let shared_no_local = [Subscription {
        filter: "$share/g/a",
        options: SubscriptionOptions {
            no_local: true,
            ..SubscriptionOptions::default()
        },
    }];
    refuse(
        &subscribe(&shared_no_local),
        V5,
        Violation::InvalidSubscriptionOptions,
    );
    let no_local_311 = [Subscription {
        filter: "a",
        options: SubscriptionOptions {
            no_local: true,
            ..SubscriptionOptions::default()
        },
    }];
    refuse(
        &subscribe(&no_local_311),
        V311,
        Violation::InvalidSubscriptionOptions,
    );
    // [MQTT-3.8.3-2] (5.0), [MQTT-3.10.3-2] (both versions)
    refuse(&subscribe(&[]), V5, Violation::NoTopicFilters);
    refuse(
        &Packet::Unsubscribe(Unsubscribe {
            packet_id: id(1),
            properties: Properties::empty(),
            filters: List::empty(),
        }),
        V311,
        Violation::NoTopicFilters,
    );
    refuse(
        &Packet::SubAck(SubAck {
            packet_id: id(1),
            properties: Properties::empty(),
            reasons: List::empty(),
        }),
        V5,
        Violation::NoReasonCodes,
    );
    // CONNECT: 3.1.1 password without user name [MQTT-3.1.2-22] (3.1.1); Will Topic rules; a
    // Client Identifier with U+0000 [MQTT-3.1.3-4] (both versions).
    let connect = Connect {
        protocol: V311,
        clean_start: true,
        keep_alive: 30,
        properties: Properties::empty(),
        client_id: "c",
        will: None,
        username: None,
        password: Some(b"secret"),
    };
    refuse(
        &Packet::Connect(connect),
        V311,
        Violation::InvalidConnectFlags,
    );
    let will = Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::empty(),
        topic: "a/+",
        payload: b"",
    };
    refuse(
        &Packet::Connect(Connect {
            will: Some(will),
            password: None,
            ..connect
        }),
        V311,
        Violation::TopicWildcard,
    );
    refuse(
        &Packet::Connect(Connect {
            client_id: "a\0b",
            password: None,
            ..connect
        }),
        V311,
        Violation::NullCharacter,
    );
}

#[test]
fn connect_debug_output_hides_the_password() {
    let connect = Connect {
        protocol: V5,
        clean_start: true,
        keep_alive: 30,
        properties: Properties::empty(),
        client_id: "c",
        will: None,
        username: Some("user"),
        password: Some(b"hunter2"),
    };
    let debug = format!("{connect:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("104, 117"),
        "{debug}"
    );
    assert!(debug.contains("<redacted>"));
    let bytes = encoded(&Packet::Connect(connect), V5);
    let debug = format!("{:?}", decode(&bytes, V5).unwrap());
    assert!(!debug.contains("104, 117, 110"), "{debug}");
}

/// A few packets of different shapes for the streaming checks below.
fn samples() -> Vec<(ProtocolVersion, Vec<u8>)> {
    let big = vec![7u8; 20_000];
    let props = [Property::UserProperty("k", "v")];
    vec![
        (V311, encoded(&Packet::PingReq, V311)),
        (V311, encoded(&Packet::PubAck(PubAck::new(id(9))), V311)),
        (
            V5,
            encoded(&Packet::Publish(Publish::new("a/b", b"hello")), V5),
        ),
        // Three-byte Remaining Length.
        (V5, encoded(&Packet::Publish(Publish::new("big", &big)), V5)),
        (
            V5,
            encoded(
                &Packet::Disconnect(Disconnect {
                    reason: DisconnectReason::ServerBusy,
                    properties: Properties::new(&props),
                }),
                V5,
            ),
        ),
    ]
}

#[test]
fn incomplete_is_exact_once_the_header_is_known() {
    for (version, bytes) in samples() {
        let decoder = Decoder::new(version);
        let header = decoder.header(&bytes).unwrap();
        assert_eq!(header.packet_len(), bytes.len());
        for cut in 0..bytes.len() {
            let got = decoder.decode(&bytes[..cut]).unwrap_err();
            if cut < header.header_len {
                assert!(
                    matches!(got, DecodeError::Incomplete(Needed::AtLeast(n)) if n >= 1),
                    "cut {cut}: {got:?}"
                );
            } else {
                assert_eq!(
                    got,
                    DecodeError::Incomplete(Needed::Exact(bytes.len() - cut)),
                    "cut {cut}"
                );
            }
        }
        assert_eq!(decoder.decode(&bytes).unwrap().len, bytes.len());
        // Bytes of the next packet after this one are left alone.
        let mut two = bytes.clone();
        two.extend_from_slice(&[0xC0, 0x00]);
        assert_eq!(decoder.decode(&two).unwrap().len, bytes.len());
    }
    assert_eq!(
        decode(&[], V5),
        Err(DecodeError::Incomplete(Needed::AtLeast(2)))
    );
}

#[test]
fn the_header_alone_decides_the_size_limit() {
    for (version, bytes) in samples() {
        let header = Decoder::new(version).header(&bytes).unwrap();
        if header.remaining_len == 0 {
            continue; // the header is the whole packet
        }
        let size = bytes.len() as u64;
        let max = u32::try_from(bytes.len() - 1).unwrap();
        // Only the fixed header is present: the verdict is already final.
        let only_header = &bytes[..header.header_len];
        assert_eq!(
            Decoder::new(version)
                .with_max_packet_size(max)
                .decode(only_header),
            Err(DecodeError::Invalid {
                offset: 1,
                violation: Violation::PacketTooLarge { size, max }
            })
        );
        assert_eq!(
            Decoder::new(version)
                .with_max_packet_size(max + 1)
                .decode(only_header),
            Err(DecodeError::Incomplete(Needed::Exact(
                bytes.len() - header.header_len
            )))
        );
    }
    // The largest packet MQTT can express, announced by a 5-byte header.
    let max_header = [0x30, 0xFF, 0xFF, 0xFF, 0x7F];
    assert_eq!(
        Decoder::new(V5)
            .with_max_packet_size(1 << 20)
            .decode(&max_header),
        Err(DecodeError::Invalid {
            offset: 1,
            violation: Violation::PacketTooLarge {
                size: u64::from(MAX_PACKET_SIZE),
                max: 1 << 20
            }
        })
    );
    assert_eq!(
        decode(&max_header, V5),
        Err(DecodeError::Incomplete(Needed::Exact(
            iotmqtt::VARINT_MAX as usize
        )))
    );
}
