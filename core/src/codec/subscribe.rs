//! SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (MQTT 5.0 §3.8–3.11).

use super::list::{List, ListItem, Sealed};
use super::properties::{Properties, PropertyContext};
use super::reader::Reader;
use super::strings::{check_outgoing_str, check_topic_filter, is_shared_filter};
use super::writer::Write;
use super::{
    DecodeError, PacketId, PacketType, ProtocolVersion, QoS, SubAckReason, UnsubAckReason,
    Violation, varint,
};

/// What the server does with retained messages when a subscription is made (5.0 §3.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    /// Send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// Send them only if the subscription did not exist.
    SendIfNew = 1,
    /// Do not send them.
    DoNotSend = 2,
}

/// Subscription Options (5.0 §3.8.3.1); 3.1.1 has only the QoS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    /// Maximum QoS the client will accept on this subscription.
    pub qos: QoS,
    /// Do not receive own publishes (5.0; not allowed on shared subscriptions).
    pub no_local: bool,
    /// Keep the RETAIN flag as published (5.0).
    pub retain_as_published: bool,
    /// Retained-message handling (5.0).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with this QoS and every 5.0 option at its default.
    #[must_use]
    pub const fn qos(qos: QoS) -> Self {
        SubscriptionOptions {
            qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: RetainHandling::SendAtSubscribe,
        }
    }

    /// The options byte.
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        (self.qos as u8)
            | ((self.no_local as u8) << 2)
            | ((self.retain_as_published as u8) << 3)
            | ((self.retain_handling as u8) << 4)
    }

    /// Parses an options byte; `None` if reserved bits are set (bits 2–7 in 3.1.1, 6–7 in 5.0),
    /// the QoS is 3 or Retain Handling is 3.
    #[must_use]
    pub const fn from_byte(b: u8, version: ProtocolVersion) -> Option<Self> {
        let reserved = match version {
            ProtocolVersion::V311 => 0xFC,
            ProtocolVersion::V5 => 0xC0,
        };
        if b & reserved != 0 {
            return None;
        }
        let qos = match QoS::from_u8(b & 0x03) {
            Some(q) => q,
            None => return None,
        };
        let retain_handling = match (b >> 4) & 0x03 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return None,
        };
        Some(SubscriptionOptions {
            qos,
            no_local: b & 0x04 != 0,
            retain_as_published: b & 0x08 != 0,
            retain_handling,
        })
    }
}

/// One entry of a SUBSCRIBE: a topic filter and its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subscription<'a> {
    /// The Topic Filter.
    pub filter: &'a str,
    /// Its options.
    pub options: SubscriptionOptions,
}

impl<'a> Subscription<'a> {
    /// A subscription to `filter` at `qos` with default options.
    #[must_use]
    pub const fn new(filter: &'a str, qos: QoS) -> Self {
        Subscription {
            filter,
            options: SubscriptionOptions::qos(qos),
        }
    }
}

impl Sealed for Subscription<'_> {}
impl<'a> ListItem<'a> for Subscription<'a> {
    fn read_item(input: &mut &'a [u8]) -> Option<Self> {
        let mut r = Reader::new(input, 0);
        let filter = r.string().ok()?;
        let options = SubscriptionOptions::from_byte(r.u8().ok()?, ProtocolVersion::V5)?;
        *input = r.rest();
        Some(Subscription { filter, options })
    }
}

impl Sealed for &str {}
impl<'a> ListItem<'a> for &'a str {
    fn read_item(input: &mut &'a [u8]) -> Option<Self> {
        let mut r = Reader::new(input, 0);
        let s = r.string().ok()?;
        *input = r.rest();
        Some(s)
    }
}

impl Sealed for SubAckReason {}
impl<'a> ListItem<'a> for SubAckReason {
    fn read_item(input: &mut &'a [u8]) -> Option<Self> {
        let (first, rest) = input.split_first()?;
        *input = rest;
        SubAckReason::from_u8(*first)
    }
}

impl Sealed for UnsubAckReason {}
impl<'a> ListItem<'a> for UnsubAckReason {
    fn read_item(input: &mut &'a [u8]) -> Option<Self> {
        let (first, rest) = input.split_first()?;
        *input = rest;
        UnsubAckReason::from_u8(*first)
    }
}

/// A SUBSCRIBE packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscribe<'a> {
    /// Packet Identifier.
    pub packet_id: PacketId,
    /// SUBSCRIBE properties (5.0 only): Subscription Identifier, User Properties.
    pub properties: Properties<'a>,
    /// The subscriptions (at least one).
    pub subscriptions: List<'a, Subscription<'a>>,
}

/// A SUBACK packet: one reason code per requested subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubAck<'a> {
    /// Packet Identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// SUBACK properties (5.0 only).
    pub properties: Properties<'a>,
    /// One code per subscription, in order.
    pub reasons: List<'a, SubAckReason>,
}

/// An UNSUBSCRIBE packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe<'a> {
    /// Packet Identifier.
    pub packet_id: PacketId,
    /// UNSUBSCRIBE properties (5.0 only).
    pub properties: Properties<'a>,
    /// The topic filters (at least one).
    pub filters: List<'a, &'a str>,
}

/// An UNSUBACK packet. In 3.1.1 it carries no reason codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubAck<'a> {
    /// Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// UNSUBACK properties (5.0 only).
    pub properties: Properties<'a>,
    /// One code per filter (5.0 only; empty in 3.1.1).
    pub reasons: List<'a, UnsubAckReason>,
}

fn read_packet_id(r: &mut Reader<'_>) -> Result<PacketId, DecodeError> {
    let at = r.offset();
    PacketId::new(r.u16()?).ok_or_else(|| Reader::invalid_at(at, Violation::ZeroPacketId))
}

/// Reads a Topic Filter and checks it; errors point at the offending byte (an empty filter at its
/// length field).
fn read_filter<'a>(r: &mut Reader<'a>, v5: bool) -> Result<&'a str, DecodeError> {
    let at = r.offset();
    let filter = r.string()?;
    check_topic_filter(filter, v5).map_err(|(i, v)| {
        let offset = if filter.is_empty() { at } else { at + 2 + i };
        Reader::invalid_at(offset, v)
    })?;
    Ok(filter)
}

/// Checks a filter the caller wants to send.
fn check_outgoing_filter(filter: &str, version: ProtocolVersion) -> Result<(), Violation> {
    check_outgoing_str(filter)?;
    check_topic_filter(filter, version == ProtocolVersion::V5).map_err(|(_, v)| v)
}

fn read_props<'a>(
    r: &mut Reader<'a>,
    version: ProtocolVersion,
    ctx: PropertyContext,
) -> Result<Properties<'a>, DecodeError> {
    match version {
        ProtocolVersion::V5 => Properties::read(r, ctx),
        ProtocolVersion::V311 => Ok(Properties::empty()),
    }
}

/// Measures properties for `version`: (bytes including the length prefix, property length).
fn measure_props(
    props: &Properties<'_>,
    version: ProtocolVersion,
    ctx: PropertyContext,
) -> Result<(usize, usize), Violation> {
    match version {
        ProtocolVersion::V311 => {
            if props.is_empty() {
                Ok((0, 0))
            } else {
                Err(Violation::NotInVersion)
            }
        }
        ProtocolVersion::V5 => {
            let n = props.check_outgoing(ctx)?;
            Ok((varint::len(u32::try_from(n).unwrap_or(u32::MAX)) + n, n))
        }
    }
}

impl<'a> Subscribe<'a> {
    /// Decodes the body.
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = read_props(r, version, PropertyContext::Subscribe)?;
        if r.is_empty() {
            return Err(r.invalid(Violation::NoTopicFilters));
        }
        let base = r.offset();
        let bytes = r.rest();
        let mut inner = Reader::new(bytes, base);
        let v5 = version == ProtocolVersion::V5;
        while !inner.is_empty() {
            let filter = read_filter(&mut inner, v5)?;
            let opt_at = inner.offset();
            let options = SubscriptionOptions::from_byte(inner.u8()?, version)
                .ok_or_else(|| Reader::invalid_at(opt_at, Violation::InvalidSubscriptionOptions))?;
            // [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
            if options.no_local && is_shared_filter(filter) {
                return Err(Reader::invalid_at(
                    opt_at,
                    Violation::InvalidSubscriptionOptions,
                ));
            }
        }
        Ok(Subscribe {
            packet_id,
            properties,
            subscriptions: List::from_wire(bytes),
        })
    }

    /// Validates and measures the body.
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        let (mut len, props) =
            measure_props(&self.properties, version, PropertyContext::Subscribe)?;
        len += 2;
        if self.subscriptions.is_empty() {
            return Err(Violation::NoTopicFilters);
        }
        for s in self.subscriptions.iter() {
            check_outgoing_filter(s.filter, version)?;
            let b = s.options.to_byte();
            if SubscriptionOptions::from_byte(b, version).is_none()
                || (s.options.no_local && is_shared_filter(s.filter))
            {
                return Err(Violation::InvalidSubscriptionOptions);
            }
            len += 2 + s.filter.len() + 1;
        }
        Ok((len, props))
    }

    /// Writes the body.
    pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
        w.put_u16(self.packet_id.get());
        if version == ProtocolVersion::V5 {
            self.properties.write(props, w);
        }
        for s in self.subscriptions.iter() {
            w.put_binary(s.filter.as_bytes());
            w.put_u8(s.options.to_byte());
        }
    }
}

impl<'a> SubAck<'a> {
    /// The common SUBACK (no properties) straight from its body; `None` sends anything else,
    /// and every error, to [`SubAck::decode`].
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn decode_fast(body: &'a [u8], version: ProtocolVersion) -> Option<Self> {
        let (id, rest) = body.split_first_chunk::<2>()?;
        let codes = match (version, rest) {
            (ProtocolVersion::V311, codes) => codes,
            (ProtocolVersion::V5, [0, codes @ ..]) => codes,
            (ProtocolVersion::V5, _) => return None,
        };
        let valid = |c: &u8| match version {
            ProtocolVersion::V311 => matches!(c, 0 | 1 | 2 | 0x80),
            ProtocolVersion::V5 => SubAckReason::from_u8(*c).is_some(),
        };
        if codes.is_empty() || !codes.iter().all(valid) {
            return None;
        }
        Some(SubAck {
            packet_id: PacketId::new(u16::from_be_bytes(*id))?,
            properties: Properties::empty(),
            reasons: List::from_wire(codes),
        })
    }

    /// Decodes the body.
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = read_props(r, version, PropertyContext::SubAck)?;
        if r.is_empty() {
            return Err(r.invalid(Violation::NoReasonCodes));
        }
        let base = r.offset();
        let bytes = r.rest();
        for (i, code) in bytes.iter().enumerate() {
            let ok = SubAckReason::from_u8(*code)
                .is_some_and(|c| version == ProtocolVersion::V5 || c.is_v3());
            if !ok {
                return Err(Reader::invalid_at(
                    base + i,
                    Violation::InvalidReasonCode {
                        packet: PacketType::SubAck,
                        code: *code,
                    },
                ));
            }
        }
        Ok(SubAck {
            packet_id,
            properties,
            reasons: List::from_wire(bytes),
        })
    }

    /// Validates and measures the body.
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        let (len, props) = measure_props(&self.properties, version, PropertyContext::SubAck)?;
        if self.reasons.is_empty() {
            return Err(Violation::NoReasonCodes);
        }
        let mut n = 0;
        for c in self.reasons.iter() {
            if version == ProtocolVersion::V311 && !c.is_v3() {
                return Err(Violation::NotInVersion);
            }
            n += 1;
        }
        Ok((2 + len + n, props))
    }

    /// Writes the body.
    pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
        w.put_u16(self.packet_id.get());
        if version == ProtocolVersion::V5 {
            self.properties.write(props, w);
        }
        if let Some(bytes) = self.reasons.wire_bytes() {
            w.put(bytes);
        } else {
            for c in self.reasons.iter() {
                w.put_u8(c.as_u8());
            }
        }
    }
}

impl<'a> Unsubscribe<'a> {
    /// Decodes the body.
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = read_props(r, version, PropertyContext::Unsubscribe)?;
        if r.is_empty() {
            return Err(r.invalid(Violation::NoTopicFilters));
        }
        let base = r.offset();
        let bytes = r.rest();
        let mut inner = Reader::new(bytes, base);
        let v5 = version == ProtocolVersion::V5;
        while !inner.is_empty() {
            read_filter(&mut inner, v5)?;
        }
        Ok(Unsubscribe {
            packet_id,
            properties,
            filters: List::from_wire(bytes),
        })
    }

    /// Validates and measures the body.
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        let (mut len, props) =
            measure_props(&self.properties, version, PropertyContext::Unsubscribe)?;
        len += 2;
        if self.filters.is_empty() {
            return Err(Violation::NoTopicFilters);
        }
        for f in self.filters.iter() {
            check_outgoing_filter(f, version)?;
            len += 2 + f.len();
        }
        Ok((len, props))
    }

    /// Writes the body.
    pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
        w.put_u16(self.packet_id.get());
        if version == ProtocolVersion::V5 {
            self.properties.write(props, w);
        }
        for f in self.filters.iter() {
            w.put_binary(f.as_bytes());
        }
    }
}

impl<'a> UnsubAck<'a> {
    /// Decodes the body.
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        if version == ProtocolVersion::V311 {
            return Ok(UnsubAck {
                packet_id,
                properties: Properties::empty(),
                reasons: List::empty(),
            });
        }
        let properties = Properties::read(r, PropertyContext::UnsubAck)?;
        if r.is_empty() {
            return Err(r.invalid(Violation::NoReasonCodes));
        }
        let base = r.offset();
        let bytes = r.rest();
        for (i, code) in bytes.iter().enumerate() {
            if UnsubAckReason::from_u8(*code).is_none() {
                return Err(Reader::invalid_at(
                    base + i,
                    Violation::InvalidReasonCode {
                        packet: PacketType::UnsubAck,
                        code: *code,
                    },
                ));
            }
        }
        Ok(UnsubAck {
            packet_id,
            properties,
            reasons: List::from_wire(bytes),
        })
    }

    /// Validates and measures the body.
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        match version {
            ProtocolVersion::V311 => {
                if !self.properties.is_empty() || !self.reasons.is_empty() {
                    return Err(Violation::NotInVersion);
                }
                Ok((2, 0))
            }
            ProtocolVersion::V5 => {
                let (len, props) =
                    measure_props(&self.properties, version, PropertyContext::UnsubAck)?;
                if self.reasons.is_empty() {
                    return Err(Violation::NoReasonCodes);
                }
                Ok((2 + len + self.reasons.len(), props))
            }
        }
    }

    /// Writes the body.
    pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
        w.put_u16(self.packet_id.get());
        if version == ProtocolVersion::V5 {
            self.properties.write(props, w);
            for c in self.reasons.iter() {
                w.put_u8(c.as_u8());
            }
        }
    }
}
