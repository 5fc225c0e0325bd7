//! PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5.0 §3.3–3.7).

#[cfg(feature = "fast-paths")]
use alloc::vec::Vec;

#[cfg(feature = "fast-paths")]
use super::VARINT_MAX;
use super::properties::{Properties, PropertyContext};
use super::reader::Reader;
use super::strings::check_outgoing_topic_name;
#[cfg(feature = "fast-paths")]
use super::strings::{is_plain_topic_name, validate_topic_name_bytes};
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

    /// The common PUBLISH, decoded straight from its `body`: a non-empty valid topic, a non-zero
    /// Packet Identifier when QoS > 0, no properties. Anything else returns `None`, and
    /// [`Publish::decode`] runs and says exactly what (if anything) is wrong; whatever this
    /// accepts, `decode` accepts too and decodes to the same packet. `flags` have passed the
    /// fixed-header checks.
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn decode_fast(body: &'a [u8], flags: u8, version: ProtocolVersion) -> Option<Self> {
        let (len, rest) = body.split_first_chunk::<2>()?;
        let (topic, rest) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
        if topic.is_empty() {
            return None;
        }
        let topic = validate_topic_name_bytes(topic).ok()?;
        let qos = match (flags >> 1) & 0x03 {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        };
        let (packet_id, rest) = if qos == QoS::AtMostOnce {
            (None, rest)
        } else {
            let (id, rest) = rest.split_first_chunk::<2>()?;
            (Some(PacketId::new(u16::from_be_bytes(*id))?), rest)
        };
        let payload = match version {
            ProtocolVersion::V311 => rest,
            ProtocolVersion::V5 => match rest.split_first() {
                Some((0, payload)) => payload,
                _ => return None,
            },
        };
        Some(Publish {
            dup: flags & 0x08 != 0,
            qos,
            retain: flags & 0x01 != 0,
            topic,
            packet_id,
            properties: Properties::empty(),
            payload,
        })
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

    /// The Remaining Length of the common PUBLISH (as [`Publish::decode_fast`] reads it), or
    /// `None` when the packet needs the general encoder (which also reports any error).
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn fast_remaining(&self, version: ProtocolVersion) -> Option<usize> {
        let qos0 = self.qos == QoS::AtMostOnce;
        if !self.properties.is_empty()
            || (self.dup && qos0)
            || qos0 != self.packet_id.is_none()
            || !is_plain_topic_name(self.topic)
        {
            return None;
        }
        let remaining = 2
            + self.topic.len()
            + if qos0 { 0 } else { 2 }
            + usize::from(version == ProtocolVersion::V5)
            + self.payload.len();
        (remaining <= VARINT_MAX as usize).then_some(remaining)
    }

    /// Appends the common PUBLISH to `out`: checks first (the topic in one vectorised pass), then
    /// four appends; `None` (with `out` untouched) when the packet needs the general encoder.
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn encode_fast(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Option<usize> {
        let remaining = self.fast_remaining(version)?;
        // Header and topic length in one little-endian word: type and flags, the Remaining
        // Length (one or two bytes in the common case), the topic length big-endian.
        let (varint, n) = if remaining < 16_384 {
            let r = remaining as u64;
            if r < 128 {
                (r, 1)
            } else {
                ((r & 0x7F) | 0x80 | ((r >> 7) << 8), 2)
            }
        } else {
            let (v, n) = varint::packed(u32::try_from(remaining).unwrap_or(VARINT_MAX));
            (u64::from(v), n)
        };
        let total = 1 + n + remaining;
        // Short writes store eight bytes at a time; keep room for the last one.
        out.reserve(total + 8);
        let topic_len = (self.topic.len() as u64 & 0xFFFF).swap_bytes() >> 48;
        let head = u64::from(0x30 | self.flags()) | (varint << 8) | (topic_len << (8 * (1 + n)));
        out.put_short(head.to_le_bytes(), 3 + n);
        out.extend_from_slice(self.topic.as_bytes());
        let (mid, len) = match self.packet_id {
            Some(id) => (u64::from(id.get().swap_bytes()), 2),
            None => (0, 0),
        };
        out.put_short(
            mid.to_le_bytes(),
            len + usize::from(version == ProtocolVersion::V5),
        );
        out.extend_from_slice(self.payload);
        Some(total)
    }

    /// Writes the common PUBLISH whole (after `fast_remaining` said `remaining`): the fixed
    /// header and topic length as one short write, the topic, the packet identifier and
    /// property length as another, then the payload.
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn write_fast(
        &self,
        version: ProtocolVersion,
        remaining: usize,
        w: &mut impl Write,
    ) {
        let (varint, n) = varint::packed(u32::try_from(remaining).unwrap_or(VARINT_MAX));
        let topic_len = u64::from(u16::try_from(self.topic.len()).unwrap_or(u16::MAX).to_be());
        let head = u64::from(0x30 | self.flags())
            | (u64::from(varint) << 8)
            | (topic_len << (8 * (1 + n)));
        w.put_short(head.to_le_bytes(), 3 + n);
        w.put(self.topic.as_bytes());
        let mut mid = 0u64;
        let mut len = 0;
        if let Some(id) = self.packet_id {
            mid = u64::from(id.get().to_be());
            len = 2;
        }
        // MQTT 5: a zero Property Length (already zero in `mid`).
        len += usize::from(version == ProtocolVersion::V5);
        if len > 0 {
            w.put_short(mid.to_le_bytes(), len);
        }
        w.put(self.payload);
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

            /// The two-byte body (a success without properties, the common case in both
            /// versions); `None` sends anything else to [`Self::decode`].
            #[cfg(feature = "fast-paths")]
            #[inline(always)]
            pub(crate) fn decode_fast(body: &[u8]) -> Option<Self> {
                let [hi, lo] = *body else { return None };
                Some($name::new(PacketId::new(u16::from_be_bytes([hi, lo]))?))
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

#[cfg(test)]
#[cfg(feature = "fast-paths")]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::super::{Decoder, Packet, encode_general, plan, write_packet};
    use super::*;

    const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V311, ProtocolVersion::V5];

    /// Remaining Lengths around the one-, two- and three-byte boundaries take the fast path
    /// and write what the general path writes.
    #[test]
    fn fast_encode_at_varint_boundaries() {
        for len in [0usize, 100, 120, 130, 16_370, 16_380, 16_390, 20_000] {
            let payload = alloc::vec![0x5Au8; len];
            let p = Publish {
                qos: QoS::AtLeastOnce,
                packet_id: PacketId::new(7),
                ..Publish::new("a/b", &payload)
            };
            for v in VERSIONS {
                let (mut fast, mut general) = (Vec::new(), Vec::new());
                let n = p.encode_fast(v, &mut fast).unwrap();
                assert_eq!(
                    encode_general::<true>(&Packet::Publish(p), v, &mut general),
                    Ok(n)
                );
                assert_eq!(fast, general, "{len} {v}");
            }
        }
    }

    proptest! {
        /// Whatever the fast decoder accepts, the general one accepts too, with the same result.
        #[test]
        fn fast_decode_agrees_with_the_general_path(
            flags in 0u8..16,
            body in proptest::collection::vec(
                prop_oneof![
                    20 => b'a'..=b'z',
                    1 => Just(0u8),
                    1 => Just(b'+'),
                    1 => Just(b'#'),
                    1 => Just(0xC3),
                    1 => Just(0xA9),
                    1 => any::<u8>(),
                ],
                0..40,
            ),
            len_hi in 0u8..2,
            len_lo in 0u8..40,
        ) {
            let mut body = body;
            body.splice(0..0, [len_hi, len_lo]);
            for v in VERSIONS {
                // Only flags the fixed header accepts reach the body decoders.
                if !super::super::first_byte_ok(0x30 | flags, v) {
                    continue;
                }
                let fast = Publish::decode_fast(&body, flags, v);
                let mut r = Reader::new(&body, 2);
                let general = Publish::decode(&mut r, flags, v);
                // Everything the fast path could have taken but did not is an error (or has
                // properties, which only the general path reads).
                if fast.is_none() {
                    if let Ok(p) = general {
                        prop_assert!(v == ProtocolVersion::V5 && !p.properties.is_empty());
                    }
                }
                if let Some(p) = fast {
                    prop_assert_eq!(general, Ok(p));
                    prop_assert!(r.is_empty());
                }
            }
        }

        /// The fast encoder writes exactly what the general one writes, and leaves the buffer
        /// alone when it declines.
        #[test]
        fn fast_encode_agrees_with_the_general_path(
            topic in prop_oneof![
                Just(String::new()),
                "[a-z/]{1,40}",
                "[a-z/+#\\x00é]{1,40}",
            ],
            payload in proptest::collection::vec(any::<u8>(), 0..300),
            qos in 0u8..3,
            dup in any::<bool>(),
            retain in any::<bool>(),
            id in 0u16..3,
        ) {
            let p = Publish {
                dup,
                qos: QoS::from_u8(qos).unwrap(),
                retain,
                topic: &topic,
                packet_id: PacketId::new(id),
                properties: Properties::empty(),
                payload: &payload,
            };
            let packet = Packet::Publish(p);
            for v in VERSIONS {
                let mut fast = alloc::vec![7u8];
                let mut general = alloc::vec![7u8];
                match p.encode_fast(v, &mut fast) {
                    Some(n) => {
                        prop_assert_eq!(encode_general::<true>(&packet, v, &mut general), Ok(n));
                        prop_assert_eq!(&fast, &general);
                        let d = Decoder::new(v).decode(&fast[1..]).unwrap();
                        prop_assert_eq!(d.packet, packet);
                    }
                    None => prop_assert_eq!(&fast, &[7u8]),
                }
                // The slice writer's fast path too.
                if let Some(remaining) = p.fast_remaining(v) {
                    let plan = plan::<true>(&packet, v).unwrap();
                    let mut a = Vec::new();
                    write_packet::<true>(&packet, v, &plan, &mut a);
                    let mut b = Vec::new();
                    p.write_fast(v, remaining, &mut b);
                    prop_assert_eq!(a, b);
                }
            }
        }
    }
}
