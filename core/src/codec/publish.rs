//! PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5.0 §3.3–3.7).

use super::properties::{Properties, PropertyContext};
use super::reader::Reader;
use super::strings::check_outgoing_topic_name;
use super::writer::Write;
use super::{
    DecodeError, PacketId, PacketType, ProtocolVersion, PubAckReason, PubRelReason, QoS, Violation,
    varint,
};

/// A PUBLISH packet: an application message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publish<'a> {
    /// DUP: this may be a re-delivery (never set at QoS 0).
    pub dup: bool,
    /// Quality of service.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// Topic Name. Empty only in MQTT 5 with a Topic Alias property.
    pub topic: &'a str,
    /// Packet Identifier: present exactly when `qos` is 1 or 2.
    pub packet_id: Option<PacketId>,
    /// PUBLISH properties (5.0 only).
    pub properties: Properties<'a>,
    /// Application payload.
    pub payload: &'a [u8],
}

impl<'a> Publish<'a> {
    /// A QoS 0 publish with no properties.
    #[must_use]
    pub const fn new(topic: &'a str, payload: &'a [u8]) -> Self {
        Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic,
            packet_id: None,
            properties: Properties::empty(),
            payload,
        }
    }

    /// Fixed-header flags (DUP, QoS, RETAIN).
    #[must_use]
    pub(crate) const fn flags(&self) -> u8 {
        ((self.dup as u8) << 3) | ((self.qos as u8) << 1) | (self.retain as u8)
    }

    /// Decodes the body of a PUBLISH whose fixed-header flags are `flags`.
    #[inline]
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        flags: u8,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        // The fixed header has already refused QoS 3 and DUP at QoS 0 (offset 0).
        let dup = flags & 0x08 != 0;
        let retain = flags & 0x01 != 0;
        let qos = match (flags >> 1) & 0x03 {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            2 => QoS::ExactlyOnce,
            _ => return Err(Reader::invalid_at(0, Violation::InvalidQos)),
        };
        let topic_at = r.offset();
        let topic = r.topic_name()?;
        let packet_id = if qos == QoS::AtMostOnce {
            None
        } else {
            let at = r.offset();
            Some(
                PacketId::new(r.u16()?)
                    .ok_or_else(|| Reader::invalid_at(at, Violation::ZeroPacketId))?,
            )
        };
        let properties = if version == ProtocolVersion::V5 {
            Properties::read(r, PropertyContext::Publish)?
        } else {
            Properties::empty()
        };
        if topic.is_empty()
            && (version == ProtocolVersion::V311 || properties.topic_alias().is_none())
        {
            return Err(Reader::invalid_at(topic_at, Violation::EmptyTopic));
        }
        let payload = r.rest();
        Ok(Publish {
            dup,
            qos,
            retain,
            topic,
            packet_id,
            properties,
            payload,
        })
    }

    /// Validates and measures the body; returns (remaining length, property length).
    #[inline]
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        if self.dup && self.qos == QoS::AtMostOnce {
            return Err(Violation::DupWithQos0);
        }
        if (self.qos == QoS::AtMostOnce) != self.packet_id.is_none() {
            return Err(Violation::PacketIdMismatch);
        }
        check_outgoing_topic_name(self.topic)?;
        let mut len = 2 + self.topic.len() + if self.packet_id.is_some() { 2 } else { 0 };
        let props = match version {
            ProtocolVersion::V311 => {
                if !self.properties.is_empty() {
                    return Err(Violation::NotInVersion);
                }
                if self.topic.is_empty() {
                    return Err(Violation::EmptyTopic);
                }
                0
            }
            ProtocolVersion::V5 => {
                let n = self.properties.check_outgoing(PropertyContext::Publish)?;
                if self.topic.is_empty() && self.properties.topic_alias().is_none() {
                    return Err(Violation::EmptyTopic);
                }
                len += varint::len(u32::try_from(n).unwrap_or(u32::MAX)) + n;
                n
            }
        };
        Ok((len + self.payload.len(), props))
    }

    /// Writes the body (after `measure` succeeded).
    #[inline]
    pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
        w.put_binary(self.topic.as_bytes());
        if let Some(id) = self.packet_id {
            w.put_u16(id.get());
        }
        if version == ProtocolVersion::V5 {
            self.properties.write(props, w);
        }
        w.put(self.payload);
    }
}

macro_rules! ack_packet {
    ($(#[$m:meta])* $name:ident, $reason:ident, $ptype:ident, $ctx:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'a> {
            /// The Packet Identifier being acknowledged.
            pub packet_id: PacketId,
            /// The result (always success in 3.1.1).
            pub reason: $reason,
            /// Properties (5.0 only).
            pub properties: Properties<'a>,
        }

        impl<'a> $name<'a> {
            /// A successful acknowledgement without properties.
            #[must_use]
            pub const fn new(packet_id: PacketId) -> Self {
                $name { packet_id, reason: $reason::Success, properties: Properties::empty() }
            }

            /// Decodes the body.
            pub(crate) fn decode(
                r: &mut Reader<'a>,
                version: ProtocolVersion,
            ) -> Result<Self, DecodeError> {
                let at = r.offset();
                let packet_id =
                    PacketId::new(r.u16()?).ok_or_else(|| Reader::invalid_at(at, Violation::ZeroPacketId))?;
                let mut ack = $name::new(packet_id);
                if version == ProtocolVersion::V5 && !r.is_empty() {
                    let code_at = r.offset();
                    let code = r.u8()?;
                    ack.reason = $reason::from_u8(code).ok_or_else(|| {
                        Reader::invalid_at(
                            code_at,
                            Violation::InvalidReasonCode { packet: PacketType::$ptype, code },
                        )
                    })?;
                    if !r.is_empty() {
                        ack.properties = Properties::read(r, PropertyContext::$ctx)?;
                    }
                }
                Ok(ack)
            }

            /// Validates and measures the body; returns (remaining length, property length).
            pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
                match version {
                    ProtocolVersion::V311 => {
                        if self.reason != $reason::Success || !self.properties.is_empty() {
                            return Err(Violation::NotInVersion);
                        }
                        Ok((2, 0))
                    }
                    ProtocolVersion::V5 => {
                        let n = self.properties.check_outgoing(PropertyContext::$ctx)?;
                        if n > 0 {
                            Ok((3 + varint::len(u32::try_from(n).unwrap_or(u32::MAX)) + n, n))
                        } else if self.reason != $reason::Success {
                            Ok((3, 0))
                        } else {
                            Ok((2, 0))
                        }
                    }
                }
            }

            /// Writes the body in the shortest form the specification allows.
            pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
                w.put_u16(self.packet_id.get());
                if version == ProtocolVersion::V5 {
                    if props > 0 {
                        w.put_u8(self.reason.as_u8());
                        self.properties.write(props, w);
                    } else if self.reason != $reason::Success {
                        w.put_u8(self.reason.as_u8());
                    }
                }
            }
        }
    };
}

ack_packet!(
    /// PUBACK: the answer to a QoS 1 PUBLISH.
    PubAck, PubAckReason, PubAck, PubAck
);
ack_packet!(
    /// PUBREC: the first answer to a QoS 2 PUBLISH.
    PubRec, PubAckReason, PubRec, PubRec
);
ack_packet!(
    /// PUBREL: the sender's answer to PUBREC.
    PubRel, PubRelReason, PubRel, PubRel
);
ack_packet!(
    /// PUBCOMP: the final answer in the QoS 2 exchange.
    PubComp, PubRelReason, PubComp, PubComp
);
