//! MQTT 5 properties (MQTT 5.0 §2.2.2): identifiers, typed values, where each may appear, and the
//! zero-copy [`Properties`] list every MQTT 5 packet carries.

use core::fmt;

use super::list::{List, ListItem, Sealed};
use super::reader::Reader;
use super::strings::{check_outgoing_binary, check_outgoing_str, check_outgoing_topic_name};
use super::writer::Write;
use super::{DecodeError, QoS, Violation, varint};

/// The wire type of a property value (MQTT 5.0 §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyType {
    /// One byte.
    Byte,
    /// Two-byte integer.
    TwoByteInteger,
    /// Four-byte integer.
    FourByteInteger,
    /// Variable Byte Integer.
    VarInt,
    /// UTF-8 Encoded String.
    Utf8String,
    /// Binary Data.
    BinaryData,
    /// UTF-8 String Pair.
    Utf8StringPair,
}

macro_rules! property_ids {
    ($( $(#[$m:meta])* $name:ident = $id:literal, $ty:ident, [$($ctx:ident),*] ;)+) => {
        /// A property identifier (MQTT 5.0 Table 2-4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum PropertyId {
            $( $(#[$m])* $name = $id, )+
        }

        impl PropertyId {
            /// Every identifier, ascending.
            pub const ALL: &'static [PropertyId] = &[ $( PropertyId::$name ),+ ];

            /// The identifier for `id`, if it is one.
            #[must_use]
            pub const fn from_u8(id: u8) -> Option<Self> {
                match id {
                    $( $id => Some(PropertyId::$name), )+
                    _ => None,
                }
            }

            /// The wire type of this property's value.
            #[must_use]
            pub const fn wire_type(self) -> PropertyType {
                match self {
                    $( PropertyId::$name => PropertyType::$ty, )+
                }
            }

            /// The packets (and Will) that may carry this property.
            #[must_use]
            pub const fn contexts(self) -> &'static [PropertyContext] {
                match self {
                    $( PropertyId::$name => &[ $( PropertyContext::$ctx ),* ], )+
                }
            }

            /// The specification's name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $( PropertyId::$name => stringify!($name), )+
                }
            }
        }
    };
}

property_ids! {
    /// Payload Format Indicator.
    PayloadFormatIndicator = 0x01, Byte, [Publish, Will];
    /// Message Expiry Interval.
    MessageExpiryInterval = 0x02, FourByteInteger, [Publish, Will];
    /// Content Type.
    ContentType = 0x03, Utf8String, [Publish, Will];
    /// Response Topic.
    ResponseTopic = 0x08, Utf8String, [Publish, Will];
    /// Correlation Data.
    CorrelationData = 0x09, BinaryData, [Publish, Will];
    /// Subscription Identifier.
    SubscriptionIdentifier = 0x0B, VarInt, [Publish, Subscribe];
    /// Session Expiry Interval.
    SessionExpiryInterval = 0x11, FourByteInteger, [Connect, Connack, Disconnect];
    /// Assigned Client Identifier.
    AssignedClientIdentifier = 0x12, Utf8String, [Connack];
    /// Server Keep Alive.
    ServerKeepAlive = 0x13, TwoByteInteger, [Connack];
    /// Authentication Method.
    AuthenticationMethod = 0x15, Utf8String, [Connect, Connack, Auth];
    /// Authentication Data.
    AuthenticationData = 0x16, BinaryData, [Connect, Connack, Auth];
    /// Request Problem Information.
    RequestProblemInformation = 0x17, Byte, [Connect];
    /// Will Delay Interval.
    WillDelayInterval = 0x18, FourByteInteger, [Will];
    /// Request Response Information.
    RequestResponseInformation = 0x19, Byte, [Connect];
    /// Response Information.
    ResponseInformation = 0x1A, Utf8String, [Connack];
    /// Server Reference.
    ServerReference = 0x1C, Utf8String, [Connack, Disconnect];
    /// Reason String.
    ReasonString = 0x1F, Utf8String,
        [Connack, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth];
    /// Receive Maximum.
    ReceiveMaximum = 0x21, TwoByteInteger, [Connect, Connack];
    /// Topic Alias Maximum.
    TopicAliasMaximum = 0x22, TwoByteInteger, [Connect, Connack];
    /// Topic Alias.
    TopicAlias = 0x23, TwoByteInteger, [Publish];
    /// Maximum QoS.
    MaximumQos = 0x24, Byte, [Connack];
    /// Retain Available.
    RetainAvailable = 0x25, Byte, [Connack];
    /// User Property.
    UserProperty = 0x26, Utf8StringPair,
        [Connect, Connack, Publish, Will, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck,
         Unsubscribe, UnsubAck, Disconnect, Auth];
    /// Maximum Packet Size.
    MaximumPacketSize = 0x27, FourByteInteger, [Connect, Connack];
    /// Wildcard Subscription Available.
    WildcardSubscriptionAvailable = 0x28, Byte, [Connack];
    /// Subscription Identifier Available.
    SubscriptionIdentifierAvailable = 0x29, Byte, [Connack];
    /// Shared Subscription Available.
    SharedSubscriptionAvailable = 0x2A, Byte, [Connack];
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:02X})", self.name(), *self as u8)
    }
}

/// Where a property list appears: a packet, or the Will inside CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variant names are the packet names
pub enum PropertyContext {
    Connect,
    Will,
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
    Disconnect,
    Auth,
}

impl fmt::Display for PropertyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            PropertyContext::Connect => "CONNECT",
            PropertyContext::Will => "Will properties",
            PropertyContext::Connack => "CONNACK",
            PropertyContext::Publish => "PUBLISH",
            PropertyContext::PubAck => "PUBACK",
            PropertyContext::PubRec => "PUBREC",
            PropertyContext::PubRel => "PUBREL",
            PropertyContext::PubComp => "PUBCOMP",
            PropertyContext::Subscribe => "SUBSCRIBE",
            PropertyContext::SubAck => "SUBACK",
            PropertyContext::Unsubscribe => "UNSUBSCRIBE",
            PropertyContext::UnsubAck => "UNSUBACK",
            PropertyContext::Disconnect => "DISCONNECT",
            PropertyContext::Auth => "AUTH",
        };
        f.write_str(s)
    }
}

/// For each [`PropertyContext`] (by discriminant), bit `id` is set when property `id` may appear.
// Evaluated at compile time: an out-of-bounds index here is a build error, never a runtime panic.
#[allow(clippy::indexing_slicing)]
const ALLOWED: [u64; 14] = {
    let mut out = [0u64; 14];
    let mut i = 0;
    while i < PropertyId::ALL.len() {
        let id = PropertyId::ALL[i];
        let ctxs = id.contexts();
        let mut j = 0;
        while j < ctxs.len() {
            out[ctxs[j] as usize] |= 1u64 << (id as u8);
            j += 1;
        }
        i += 1;
    }
    out
};

impl PropertyContext {
    /// True when `id` may appear here.
    #[must_use]
    pub fn allows(self, id: PropertyId) -> bool {
        ALLOWED
            .get(self as usize)
            .is_some_and(|m| m & (1u64 << (id as u8)) != 0)
    }

    /// True when `id` may appear more than once here (User Property anywhere; Subscription
    /// Identifier in PUBLISH).
    #[must_use]
    pub const fn allows_repeat(self, id: PropertyId) -> bool {
        matches!(id, PropertyId::UserProperty)
            || (matches!(id, PropertyId::SubscriptionIdentifier)
                && matches!(self, PropertyContext::Publish))
    }
}

/// One property with its value. Strings and binary data borrow from the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Property<'a> {
    /// Payload Format Indicator: `true` = UTF-8 character data, `false` = unspecified bytes.
    PayloadFormatIndicator(bool),
    /// Message Expiry Interval in seconds.
    MessageExpiryInterval(u32),
    /// Content Type (MIME type of the payload).
    ContentType(&'a str),
    /// Response Topic.
    ResponseTopic(&'a str),
    /// Correlation Data.
    CorrelationData(&'a [u8]),
    /// Subscription Identifier (1 to 268,435,455).
    SubscriptionIdentifier(u32),
    /// Session Expiry Interval in seconds (`u32::MAX` = never).
    SessionExpiryInterval(u32),
    /// Assigned Client Identifier.
    AssignedClientIdentifier(&'a str),
    /// Server Keep Alive in seconds.
    ServerKeepAlive(u16),
    /// Authentication Method.
    AuthenticationMethod(&'a str),
    /// Authentication Data.
    AuthenticationData(&'a [u8]),
    /// Request Problem Information.
    RequestProblemInformation(bool),
    /// Will Delay Interval in seconds.
    WillDelayInterval(u32),
    /// Request Response Information.
    RequestResponseInformation(bool),
    /// Response Information.
    ResponseInformation(&'a str),
    /// Server Reference.
    ServerReference(&'a str),
    /// Reason String.
    ReasonString(&'a str),
    /// Receive Maximum (not 0).
    ReceiveMaximum(u16),
    /// Topic Alias Maximum.
    TopicAliasMaximum(u16),
    /// Topic Alias (not 0).
    TopicAlias(u16),
    /// Maximum QoS (0 or 1; absent means 2).
    MaximumQos(QoS),
    /// Retain Available.
    RetainAvailable(bool),
    /// User Property: a name and a value.
    UserProperty(&'a str, &'a str),
    /// Maximum Packet Size (not 0).
    MaximumPacketSize(u32),
    /// Wildcard Subscription Available.
    WildcardSubscriptionAvailable(bool),
    /// Subscription Identifier Available.
    SubscriptionIdentifierAvailable(bool),
    /// Shared Subscription Available.
    SharedSubscriptionAvailable(bool),
}

impl<'a> Property<'a> {
    /// This property's identifier.
    #[must_use]
    pub const fn id(&self) -> PropertyId {
        match self {
            Property::PayloadFormatIndicator(_) => PropertyId::PayloadFormatIndicator,
            Property::MessageExpiryInterval(_) => PropertyId::MessageExpiryInterval,
            Property::ContentType(_) => PropertyId::ContentType,
            Property::ResponseTopic(_) => PropertyId::ResponseTopic,
            Property::CorrelationData(_) => PropertyId::CorrelationData,
            Property::SubscriptionIdentifier(_) => PropertyId::SubscriptionIdentifier,
            Property::SessionExpiryInterval(_) => PropertyId::SessionExpiryInterval,
            Property::AssignedClientIdentifier(_) => PropertyId::AssignedClientIdentifier,
            Property::ServerKeepAlive(_) => PropertyId::ServerKeepAlive,
            Property::AuthenticationMethod(_) => PropertyId::AuthenticationMethod,
            Property::AuthenticationData(_) => PropertyId::AuthenticationData,
            Property::RequestProblemInformation(_) => PropertyId::RequestProblemInformation,
            Property::WillDelayInterval(_) => PropertyId::WillDelayInterval,
            Property::RequestResponseInformation(_) => PropertyId::RequestResponseInformation,
            Property::ResponseInformation(_) => PropertyId::ResponseInformation,
            Property::ServerReference(_) => PropertyId::ServerReference,
            Property::ReasonString(_) => PropertyId::ReasonString,
            Property::ReceiveMaximum(_) => PropertyId::ReceiveMaximum,
            Property::TopicAliasMaximum(_) => PropertyId::TopicAliasMaximum,
            Property::TopicAlias(_) => PropertyId::TopicAlias,
            Property::MaximumQos(_) => PropertyId::MaximumQos,
            Property::RetainAvailable(_) => PropertyId::RetainAvailable,
            Property::UserProperty(..) => PropertyId::UserProperty,
            Property::MaximumPacketSize(_) => PropertyId::MaximumPacketSize,
            Property::WildcardSubscriptionAvailable(_) => PropertyId::WildcardSubscriptionAvailable,
            Property::SubscriptionIdentifierAvailable(_) => {
                PropertyId::SubscriptionIdentifierAvailable
            }
            Property::SharedSubscriptionAvailable(_) => PropertyId::SharedSubscriptionAvailable,
        }
    }

    /// Reads one property, checking its identifier and value range (not its context).
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let raw = r.varint()?;
        let id = u8::try_from(raw)
            .ok()
            .and_then(PropertyId::from_u8)
            .ok_or_else(|| {
                Reader::invalid_at(
                    at,
                    Violation::UnknownProperty(u8::try_from(raw).unwrap_or(0xFF)),
                )
            })?;
        // Value errors point at the value's first byte.
        let value_at = r.offset();
        let bad = |v: Violation| Reader::invalid_at(value_at, v);
        let flag = |r: &mut Reader<'a>| -> Result<bool, DecodeError> {
            match r.u8()? {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(bad(Violation::InvalidPropertyValue(id))),
            }
        };
        Ok(match id {
            PropertyId::PayloadFormatIndicator => Property::PayloadFormatIndicator(flag(r)?),
            PropertyId::MessageExpiryInterval => Property::MessageExpiryInterval(r.u32()?),
            PropertyId::ContentType => Property::ContentType(r.string()?),
            PropertyId::ResponseTopic => {
                // A Response Topic is a Topic Name: not empty, no wildcards [MQTT-3.3.2-14].
                let s = r.topic_name().map_err(|e| match e {
                    DecodeError::Invalid {
                        offset,
                        violation: Violation::TopicWildcard,
                    } => Reader::invalid_at(offset, Violation::InvalidPropertyValue(id)),
                    other => other,
                })?;
                if s.is_empty() {
                    return Err(bad(Violation::InvalidPropertyValue(id)));
                }
                Property::ResponseTopic(s)
            }
            PropertyId::CorrelationData => Property::CorrelationData(r.binary()?),
            PropertyId::SubscriptionIdentifier => {
                let v = r.varint()?;
                if v == 0 {
                    return Err(bad(Violation::InvalidPropertyValue(id)));
                }
                Property::SubscriptionIdentifier(v)
            }
            PropertyId::SessionExpiryInterval => Property::SessionExpiryInterval(r.u32()?),
            PropertyId::AssignedClientIdentifier => Property::AssignedClientIdentifier(r.string()?),
            PropertyId::ServerKeepAlive => Property::ServerKeepAlive(r.u16()?),
            PropertyId::AuthenticationMethod => Property::AuthenticationMethod(r.string()?),
            PropertyId::AuthenticationData => Property::AuthenticationData(r.binary()?),
            PropertyId::RequestProblemInformation => Property::RequestProblemInformation(flag(r)?),
            PropertyId::WillDelayInterval => Property::WillDelayInterval(r.u32()?),
            PropertyId::RequestResponseInformation => {
                Property::RequestResponseInformation(flag(r)?)
            }
            PropertyId::ResponseInformation => Property::ResponseInformation(r.string()?),
            PropertyId::ServerReference => Property::ServerReference(r.string()?),
            PropertyId::ReasonString => Property::ReasonString(r.string()?),
            PropertyId::ReceiveMaximum => {
                let v = r.u16()?;
                if v == 0 {
                    return Err(bad(Violation::InvalidPropertyValue(id)));
                }
                Property::ReceiveMaximum(v)
            }
            PropertyId::TopicAliasMaximum => Property::TopicAliasMaximum(r.u16()?),
            PropertyId::TopicAlias => {
                let v = r.u16()?;
                if v == 0 {
                    return Err(bad(Violation::InvalidPropertyValue(id)));
                }
                Property::TopicAlias(v)
            }
            PropertyId::MaximumQos => match r.u8()? {
                0 => Property::MaximumQos(QoS::AtMostOnce),
                1 => Property::MaximumQos(QoS::AtLeastOnce),
                _ => return Err(bad(Violation::InvalidPropertyValue(id))),
            },
            PropertyId::RetainAvailable => Property::RetainAvailable(flag(r)?),
            PropertyId::UserProperty => {
                let k = r.string()?;
                let v = r.string()?;
                Property::UserProperty(k, v)
            }
            PropertyId::MaximumPacketSize => {
                let v = r.u32()?;
                if v == 0 {
                    return Err(bad(Violation::InvalidPropertyValue(id)));
                }
                Property::MaximumPacketSize(v)
            }
            PropertyId::WildcardSubscriptionAvailable => {
                Property::WildcardSubscriptionAvailable(flag(r)?)
            }
            PropertyId::SubscriptionIdentifierAvailable => {
                Property::SubscriptionIdentifierAvailable(flag(r)?)
            }
            PropertyId::SharedSubscriptionAvailable => {
                Property::SharedSubscriptionAvailable(flag(r)?)
            }
        })
    }

    /// Checks the value as the decoder would, for a property the caller wants to send.
    pub(crate) fn check_outgoing(&self) -> Result<(), Violation> {
        let invalid = Violation::InvalidPropertyValue(self.id());
        match *self {
            Property::ContentType(s)
            | Property::AssignedClientIdentifier(s)
            | Property::AuthenticationMethod(s)
            | Property::ResponseInformation(s)
            | Property::ServerReference(s)
            | Property::ReasonString(s) => check_outgoing_str(s),
            Property::ResponseTopic(s) => match check_outgoing_topic_name(s) {
                Err(Violation::TopicWildcard) => Err(invalid),
                Err(e) => Err(e),
                Ok(()) if s.is_empty() => Err(invalid),
                Ok(()) => Ok(()),
            },
            Property::UserProperty(k, v) => {
                check_outgoing_str(k)?;
                check_outgoing_str(v)
            }
            Property::CorrelationData(b) | Property::AuthenticationData(b) => {
                check_outgoing_binary(b)
            }
            Property::SubscriptionIdentifier(v) => {
                if v == 0 || v > varint::VARINT_MAX {
                    return Err(invalid);
                }
                Ok(())
            }
            Property::ReceiveMaximum(0)
            | Property::TopicAlias(0)
            | Property::MaximumPacketSize(0) => Err(invalid),
            Property::MaximumQos(QoS::ExactlyOnce) => Err(invalid),
            _ => Ok(()),
        }
    }

    /// Bytes this property takes on the wire (identifier included).
    #[must_use]
    pub(crate) fn encoded_len(&self) -> usize {
        1 + match *self {
            Property::PayloadFormatIndicator(_)
            | Property::RequestProblemInformation(_)
            | Property::RequestResponseInformation(_)
            | Property::MaximumQos(_)
            | Property::RetainAvailable(_)
            | Property::WildcardSubscriptionAvailable(_)
            | Property::SubscriptionIdentifierAvailable(_)
            | Property::SharedSubscriptionAvailable(_) => 1,
            Property::ServerKeepAlive(_)
            | Property::ReceiveMaximum(_)
            | Property::TopicAliasMaximum(_)
            | Property::TopicAlias(_) => 2,
            Property::MessageExpiryInterval(_)
            | Property::SessionExpiryInterval(_)
            | Property::WillDelayInterval(_)
            | Property::MaximumPacketSize(_) => 4,
            Property::SubscriptionIdentifier(v) => varint::len(v),
            Property::ContentType(s)
            | Property::ResponseTopic(s)
            | Property::AssignedClientIdentifier(s)
            | Property::AuthenticationMethod(s)
            | Property::ResponseInformation(s)
            | Property::ServerReference(s)
            | Property::ReasonString(s) => 2 + s.len(),
            Property::CorrelationData(b) | Property::AuthenticationData(b) => 2 + b.len(),
            Property::UserProperty(k, v) => 4 + k.len() + v.len(),
        }
    }

    /// Writes this property (identifier and value).
    pub(crate) fn write(&self, w: &mut impl Write) {
        w.put_u8(self.id() as u8);
        match *self {
            Property::PayloadFormatIndicator(b)
            | Property::RequestProblemInformation(b)
            | Property::RequestResponseInformation(b)
            | Property::RetainAvailable(b)
            | Property::WildcardSubscriptionAvailable(b)
            | Property::SubscriptionIdentifierAvailable(b)
            | Property::SharedSubscriptionAvailable(b) => w.put_u8(u8::from(b)),
            Property::MaximumQos(q) => w.put_u8(q as u8),
            Property::ServerKeepAlive(v)
            | Property::ReceiveMaximum(v)
            | Property::TopicAliasMaximum(v)
            | Property::TopicAlias(v) => w.put_u16(v),
            Property::MessageExpiryInterval(v)
            | Property::SessionExpiryInterval(v)
            | Property::WillDelayInterval(v)
            | Property::MaximumPacketSize(v) => w.put_u32(v),
            Property::SubscriptionIdentifier(v) => w.put_varint(v),
            Property::ContentType(s)
            | Property::ResponseTopic(s)
            | Property::AssignedClientIdentifier(s)
            | Property::AuthenticationMethod(s)
            | Property::ResponseInformation(s)
            | Property::ServerReference(s)
            | Property::ReasonString(s) => w.put_binary(s.as_bytes()),
            Property::CorrelationData(b) | Property::AuthenticationData(b) => w.put_binary(b),
            Property::UserProperty(k, v) => {
                w.put_binary(k.as_bytes());
                w.put_binary(v.as_bytes());
            }
        }
    }
}

impl Sealed for Property<'_> {}

impl<'a> ListItem<'a> for Property<'a> {
    fn read_item(input: &mut &'a [u8]) -> Option<Self> {
        let mut r = Reader::new(input, 0);
        let p = Property::read(&mut r).ok()?;
        *input = r.rest();
        Some(p)
    }
}

/// The properties of one MQTT 5 packet (or of a Will). Empty in MQTT 3.1.1.
///
/// Decoded properties stay in the input buffer and are parsed on access. The typed getters return
/// the first occurrence; [`Properties::user_properties`] and
/// [`Properties::subscription_identifiers`] return every occurrence in order.
///
/// ```
/// use iotmqtt::{Properties, Property};
/// let items = [Property::ContentType("application/json"), Property::UserProperty("k", "v")];
/// let props = Properties::new(&items);
/// assert_eq!(props.content_type(), Some("application/json"));
/// assert_eq!(props.user_properties().collect::<Vec<_>>(), vec![("k", "v")]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Properties<'a>(List<'a, Property<'a>>);

macro_rules! getter {
    ($(#[$m:meta])* $fn:ident, $variant:ident, $ty:ty) => {
        $(#[$m])*
        #[must_use]
        pub fn $fn(&self) -> Option<$ty> {
            self.0.find_map(|p| match p {
                Property::$variant(v) => Some(v),
                _ => None,
            })
        }
    };
}

impl<'a> Properties<'a> {
    /// Properties built from typed items (for encoding). Checked when the packet is encoded.
    #[must_use]
    pub const fn new(items: &'a [Property<'a>]) -> Self {
        Properties(List::new(items))
    }

    /// No properties.
    #[must_use]
    pub const fn empty() -> Self {
        Properties(List::empty())
    }

    /// Properties over validated wire bytes (the property-length prefix excluded).
    #[must_use]
    pub(crate) const fn from_wire(bytes: &'a [u8]) -> Self {
        Properties(List::from_wire(bytes))
    }

    /// The underlying list.
    #[must_use]
    pub const fn list(&self) -> &List<'a, Property<'a>> {
        &self.0
    }

    /// True when there are no properties.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over every property in wire order.
    pub fn iter(&self) -> impl Iterator<Item = Property<'a>> + 'a {
        self.0.iter()
    }

    /// Every User Property as `(name, value)`, in order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }

    /// Every Subscription Identifier, in order (a PUBLISH may carry several).
    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + 'a {
        self.0.iter().filter_map(|p| match p {
            Property::SubscriptionIdentifier(v) => Some(v),
            _ => None,
        })
    }

    getter!(/// Payload Format Indicator.
        payload_format_indicator, PayloadFormatIndicator, bool);
    getter!(/// Message Expiry Interval (seconds).
        message_expiry_interval, MessageExpiryInterval, u32);
    getter!(/// Content Type.
        content_type, ContentType, &'a str);
    getter!(/// Response Topic.
        response_topic, ResponseTopic, &'a str);
    getter!(/// Correlation Data.
        correlation_data, CorrelationData, &'a [u8]);
    getter!(/// Session Expiry Interval (seconds).
        session_expiry_interval, SessionExpiryInterval, u32);
    getter!(/// Assigned Client Identifier.
        assigned_client_identifier, AssignedClientIdentifier, &'a str);
    getter!(/// Server Keep Alive (seconds).
        server_keep_alive, ServerKeepAlive, u16);
    getter!(/// Authentication Method.
        authentication_method, AuthenticationMethod, &'a str);
    getter!(/// Authentication Data.
        authentication_data, AuthenticationData, &'a [u8]);
    getter!(/// Request Problem Information.
        request_problem_information, RequestProblemInformation, bool);
    getter!(/// Will Delay Interval (seconds).
        will_delay_interval, WillDelayInterval, u32);
    getter!(/// Request Response Information.
        request_response_information, RequestResponseInformation, bool);
    getter!(/// Response Information.
        response_information, ResponseInformation, &'a str);
    getter!(/// Server Reference.
        server_reference, ServerReference, &'a str);
    getter!(/// Reason String.
        reason_string, ReasonString, &'a str);
    getter!(/// Receive Maximum.
        receive_maximum, ReceiveMaximum, u16);
    getter!(/// Topic Alias Maximum.
        topic_alias_maximum, TopicAliasMaximum, u16);
    getter!(/// Topic Alias.
        topic_alias, TopicAlias, u16);
    getter!(/// Maximum QoS.
        maximum_qos, MaximumQos, QoS);
    getter!(/// Retain Available.
        retain_available, RetainAvailable, bool);
    getter!(/// Maximum Packet Size.
        maximum_packet_size, MaximumPacketSize, u32);
    getter!(/// Wildcard Subscription Available.
        wildcard_subscription_available, WildcardSubscriptionAvailable, bool);
    getter!(/// Subscription Identifier Available.
        subscription_identifier_available, SubscriptionIdentifierAvailable, bool);
    getter!(/// Shared Subscription Available.
        shared_subscription_available, SharedSubscriptionAvailable, bool);

    /// Reads a property length and the properties after it, validating each for `ctx`: known
    /// identifier, allowed here, not repeated unless repeatable, value in range.
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: PropertyContext) -> Result<Self, DecodeError> {
        // Most packets carry none: a single zero length byte.
        if r.peek() == Some(0) {
            r.skip(1);
            return Ok(Properties::empty());
        }
        Self::read_list(r, ctx)
    }

    fn read_list(r: &mut Reader<'a>, ctx: PropertyContext) -> Result<Self, DecodeError> {
        let len_at = r.offset();
        let len = r.varint()?;
        let len = usize::try_from(len)
            .map_err(|_| Reader::invalid_at(len_at, Violation::LengthMismatch))?;
        if len > r.remaining() {
            return Err(Reader::invalid_at(len_at, Violation::LengthMismatch));
        }
        let base = r.offset();
        let bytes = r.take(len)?;
        if bytes.is_empty() {
            return Ok(Properties::empty());
        }
        let mut inner = Reader::new(bytes, base);
        let mut seen = 0u64;
        let mut auth_data_at = None;
        while !inner.is_empty() {
            let at = inner.offset();
            let p = Property::read(&mut inner)?;
            let id = p.id();
            if !ctx.allows(id) {
                return Err(Reader::invalid_at(
                    at,
                    Violation::PropertyNotAllowed {
                        property: id,
                        context: ctx,
                    },
                ));
            }
            let bit = 1u64 << (id as u8);
            if seen & bit != 0 && !ctx.allows_repeat(id) {
                return Err(Reader::invalid_at(at, Violation::DuplicateProperty(id)));
            }
            seen |= bit;
            if id == PropertyId::AuthenticationData && auth_data_at.is_none() {
                auth_data_at = Some(at);
            }
        }
        if let Some(at) = auth_data_at {
            if seen & (1u64 << (PropertyId::AuthenticationMethod as u8)) == 0 {
                return Err(Reader::invalid_at(at, AUTH_DATA_WITHOUT_METHOD));
            }
        }
        Ok(Properties::from_wire(bytes))
    }

    /// Checks properties the caller wants to send in `ctx` and returns the length of their
    /// encoding (without the length prefix).
    pub(crate) fn check_outgoing(&self, ctx: PropertyContext) -> Result<usize, Violation> {
        if let Some(bytes) = self.0.wire_bytes() {
            // Came from the decoder, so already validated, though perhaps for another packet.
            let mut seen = 0u64;
            for p in self.iter() {
                check_context(&p, ctx, &mut seen)?;
            }
            check_auth_pair(seen)?;
            return Ok(bytes.len());
        }
        let mut len = 0usize;
        let mut seen = 0u64;
        for p in self.iter() {
            p.check_outgoing()?;
            check_context(&p, ctx, &mut seen)?;
            len = len.saturating_add(p.encoded_len());
        }
        check_auth_pair(seen)?;
        Ok(len)
    }

    /// Writes the property length and the properties; `body_len` comes from `check_outgoing`.
    pub(crate) fn write(&self, body_len: usize, w: &mut impl Write) {
        w.put_varint(u32::try_from(body_len).unwrap_or(u32::MAX));
        if let Some(bytes) = self.0.wire_bytes() {
            w.put(bytes);
            return;
        }
        for p in self.iter() {
            p.write(w);
        }
    }
}

/// "It is a Protocol Error to include Authentication Data if there is no Authentication Method"
/// (MQTT 5.0 §3.1.2.11.10, §3.2.2.3.18, §3.15.2.2.3).
const AUTH_DATA_WITHOUT_METHOD: Violation =
    Violation::InvalidPropertyValue(PropertyId::AuthenticationData);

fn check_auth_pair(seen: u64) -> Result<(), Violation> {
    let data = seen & (1u64 << (PropertyId::AuthenticationData as u8)) != 0;
    let method = seen & (1u64 << (PropertyId::AuthenticationMethod as u8)) != 0;
    if data && !method {
        return Err(AUTH_DATA_WITHOUT_METHOD);
    }
    Ok(())
}

fn check_context(p: &Property<'_>, ctx: PropertyContext, seen: &mut u64) -> Result<(), Violation> {
    let id = p.id();
    if !ctx.allows(id) {
        return Err(Violation::PropertyNotAllowed {
            property: id,
            context: ctx,
        });
    }
    let bit = 1u64 << (id as u8);
    if *seen & bit != 0 && !ctx.allows_repeat(id) {
        return Err(Violation::DuplicateProperty(id));
    }
    *seen |= bit;
    Ok(())
}

impl fmt::Debug for Properties<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> From<&'a [Property<'a>]> for Properties<'a> {
    fn from(items: &'a [Property<'a>]) -> Self {
        Properties::new(items)
    }
}

impl<'a, const N: usize> From<&'a [Property<'a>; N]> for Properties<'a> {
    fn from(items: &'a [Property<'a>; N]) -> Self {
        Properties::new(items)
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;
    use alloc::vec::Vec;

    use super::*;

    fn encode(props: &Properties<'_>, ctx: PropertyContext) -> Vec<u8> {
        let len = props.check_outgoing(ctx).unwrap();
        let mut out = Vec::new();
        props.write(len, &mut out);
        out
    }

    #[test]
    fn every_property_round_trips_in_an_allowed_context() {
        let samples = [
            Property::PayloadFormatIndicator(true),
            Property::MessageExpiryInterval(7),
            Property::ContentType("text/plain"),
            Property::ResponseTopic("r/t"),
            Property::CorrelationData(b"\x00\x01"),
            Property::SubscriptionIdentifier(268_435_455),
            Property::SessionExpiryInterval(u32::MAX),
            Property::AssignedClientIdentifier("auto-1"),
            Property::ServerKeepAlive(30),
            Property::AuthenticationMethod("SCRAM"),
            Property::AuthenticationData(b"x"),
            Property::RequestProblemInformation(false),
            Property::WillDelayInterval(5),
            Property::RequestResponseInformation(true),
            Property::ResponseInformation("resp"),
            Property::ServerReference("other:1883"),
            Property::ReasonString("why"),
            Property::ReceiveMaximum(10),
            Property::TopicAliasMaximum(0),
            Property::TopicAlias(3),
            Property::MaximumQos(QoS::AtLeastOnce),
            Property::RetainAvailable(false),
            Property::UserProperty("k", "v"),
            Property::MaximumPacketSize(1024),
            Property::WildcardSubscriptionAvailable(true),
            Property::SubscriptionIdentifierAvailable(false),
            Property::SharedSubscriptionAvailable(true),
        ];
        assert_eq!(samples.len(), PropertyId::ALL.len());
        for p in samples {
            let ctx = p.id().contexts()[0];
            // Authentication Data needs an Authentication Method beside it.
            let method = Property::AuthenticationMethod("m");
            let items: &[Property<'_>] = if p.id() == PropertyId::AuthenticationData {
                &[method, p]
            } else {
                &[p]
            };
            let bytes = encode(&Properties::new(items), ctx);
            let mut r = Reader::new(&bytes, 0);
            let decoded = Properties::read(&mut r, ctx).unwrap();
            assert!(r.is_empty());
            assert_eq!(decoded.iter().collect::<Vec<_>>(), items, "{:?}", p.id());
            assert_eq!(decoded, Properties::new(items));
            let len: usize = items.iter().map(Property::encoded_len).sum();
            assert_eq!(bytes.len(), 1 + len);
        }
    }

    #[test]
    fn duplicates_and_context_are_checked_both_ways() {
        let twice = [Property::TopicAlias(1), Property::TopicAlias(2)];
        assert_eq!(
            Properties::new(&twice).check_outgoing(PropertyContext::Publish),
            Err(Violation::DuplicateProperty(PropertyId::TopicAlias))
        );
        // 0x23 0x00 0x01 twice, prefixed by the length 6.
        let wire = [6, 0x23, 0, 1, 0x23, 0, 2];
        let err =
            Properties::read(&mut Reader::new(&wire, 10), PropertyContext::Publish).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Invalid {
                offset: 14,
                violation: Violation::DuplicateProperty(PropertyId::TopicAlias)
            }
        );
        let wire = [3, 0x23, 0, 1];
        let err =
            Properties::read(&mut Reader::new(&wire, 0), PropertyContext::Connect).unwrap_err();
        assert_eq!(
            err.violation(),
            Some(Violation::PropertyNotAllowed {
                property: PropertyId::TopicAlias,
                context: PropertyContext::Connect
            })
        );
        // Repeatable ones.
        let subs = [
            Property::SubscriptionIdentifier(1),
            Property::SubscriptionIdentifier(2),
        ];
        assert!(
            Properties::new(&subs)
                .check_outgoing(PropertyContext::Publish)
                .is_ok()
        );
        assert!(
            Properties::new(&subs)
                .check_outgoing(PropertyContext::Subscribe)
                .is_err()
        );
    }

    #[test]
    fn bad_values_and_unknown_ids() {
        for wire in [
            &[3u8, 0x21, 0, 0][..],
            &[2, 0x24, 2],
            &[2, 0x01, 9],
            &[5, 0x27, 0, 0, 0, 0],
        ] {
            let err = Properties::read(&mut Reader::new(wire, 0), PropertyContext::Connack)
                .or_else(|_| Properties::read(&mut Reader::new(wire, 0), PropertyContext::Publish))
                .unwrap_err();
            assert!(
                matches!(err.violation(), Some(Violation::InvalidPropertyValue(_))),
                "{wire:?}"
            );
        }
        let err = Properties::read(&mut Reader::new(&[1, 0x04], 0), PropertyContext::Publish)
            .unwrap_err();
        assert_eq!(err.violation(), Some(Violation::UnknownProperty(0x04)));
        // Length says 5 but only 1 byte follows.
        let err = Properties::read(&mut Reader::new(&[5, 0x01], 0), PropertyContext::Publish)
            .unwrap_err();
        assert_eq!(err.violation(), Some(Violation::LengthMismatch));
    }

    #[test]
    fn authentication_data_needs_a_method() {
        let data = [Property::AuthenticationData(b"x")];
        assert_eq!(
            Properties::new(&data).check_outgoing(PropertyContext::Auth),
            Err(Violation::InvalidPropertyValue(
                PropertyId::AuthenticationData
            ))
        );
        // 0x16 0x00 0x01 'x' at offset 1.
        let wire = [4, 0x16, 0, 1, b'x'];
        assert_eq!(
            Properties::read(&mut Reader::new(&wire, 0), PropertyContext::Auth),
            Err(DecodeError::Invalid {
                offset: 1,
                violation: Violation::InvalidPropertyValue(PropertyId::AuthenticationData)
            })
        );
    }

    #[test]
    fn masks_match_the_spec_table() {
        assert!(PropertyContext::Connack.allows(PropertyId::SharedSubscriptionAvailable));
        assert!(!PropertyContext::Connect.allows(PropertyId::ServerKeepAlive));
        for ctx in [
            PropertyContext::Connect,
            PropertyContext::Auth,
            PropertyContext::PubRel,
        ] {
            assert!(ctx.allows(PropertyId::UserProperty));
        }
        assert!(!PropertyContext::Publish.allows(PropertyId::ReasonString));
    }
}
