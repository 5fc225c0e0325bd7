//! [`ValidatedPublish`]: a PUBLISH checked once and encoded any number of times without checking
//! it again.

use alloc::vec::Vec;

use super::publish::Publish;
use super::writer::{SliceWriter, Write};
use super::{
    EncodeError, MAX_PACKET_SIZE, PacketId, ProtocolVersion, QoS, VARINT_MAX, Violation, varint,
};

/// A PUBLISH that passed every check [`encode`](super::encode) makes, with its fixed header
/// worked out: encoding it only copies bytes.
///
/// [`encode`](super::encode) checks the topic (no U+0000, no wildcard, length), the QoS and
/// Packet Identifier, the properties and the size of every packet it writes. A sender that
/// publishes on the same topic again and again can check once, here, and then change only the
/// packet identifier and the payload ([`set_packet_id`](Self::set_packet_id),
/// [`set_payload`](Self::set_payload) or their `with_` forms, which check what they change and
/// nothing else). The
/// bytes are those `encode` writes for the same packet.
///
/// ```
/// use iotmqtt::{encode, Packet, PacketId, ProtocolVersion, Publish, QoS, ValidatedPublish};
/// let v = ProtocolVersion::V311;
/// let first = Publish {
///     qos: QoS::AtLeastOnce,
///     packet_id: PacketId::new(1),
///     ..Publish::new("$oc/devices/d1/sys/properties/report", b"{}")
/// };
/// let checked = ValidatedPublish::new(first, v)?;
/// let mut wire = Vec::new();
/// checked.encode(&mut wire);
/// // The next message on the same topic: the topic is not scanned again.
/// let next = checked
///     .with_packet_id(PacketId::new(2).unwrap())?
///     .with_payload(br#"{"services":[]}"#)?;
/// let n = next.encode(&mut wire);
/// let mut expected = Vec::new();
/// encode(&Packet::Publish(*next.publish()), v, &mut expected)?;
/// assert_eq!(&wire[wire.len() - n..], &expected[..]);
/// // What the specification forbids is refused once, at construction.
/// assert!(ValidatedPublish::new(Publish::new("a/+", b""), v).is_err());
/// # Ok::<(), iotmqtt::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatedPublish<'a> {
    publish: Publish<'a>,
    version: ProtocolVersion,
    /// Property Length (5.0).
    props: usize,
    /// Remaining Length.
    remaining: usize,
    /// Type and flags, the Remaining Length and the topic length, little-endian from byte 0.
    head: u64,
    /// Bytes of `head` that belong to the packet (4 to 7).
    head_len: usize,
}

impl<'a> ValidatedPublish<'a> {
    /// Checks `publish` for `version` as [`encode`](super::encode) would.
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] naming the rule the packet breaks.
    pub fn new(publish: Publish<'a>, version: ProtocolVersion) -> Result<Self, EncodeError> {
        let (remaining, props) = publish.measure(version)?;
        Ok(Self::with_lengths(publish, version, props, remaining)?)
    }

    /// The packet with its header worked out; only the Remaining Length is checked.
    fn with_lengths(
        publish: Publish<'a>,
        version: ProtocolVersion,
        props: usize,
        remaining: usize,
    ) -> Result<Self, Violation> {
        let mut checked = ValidatedPublish {
            publish,
            version,
            props,
            remaining: 0,
            head: 0,
            head_len: 0,
        };
        checked.set_remaining(remaining)?;
        Ok(checked)
    }

    /// Sets the Remaining Length and the header that follows from it (nothing changes when it
    /// is too large).
    #[inline]
    fn set_remaining(&mut self, remaining: usize) -> Result<(), Violation> {
        let remaining32 = u32::try_from(remaining)
            .ok()
            .filter(|r| *r <= VARINT_MAX)
            .ok_or_else(|| too_large(remaining))?;
        let (varint, n) = varint::packed(remaining32);
        // `measure` checked that the topic fits in 16 bits.
        let topic_len = u64::from(
            u16::try_from(self.publish.topic.len())
                .unwrap_or(u16::MAX)
                .to_be(),
        );
        self.head = u64::from(0x30 | self.publish.flags())
            | (u64::from(varint) << 8)
            | (topic_len << (8 * (1 + n)));
        self.head_len = 3 + n;
        self.remaining = remaining;
        Ok(())
    }

    /// The packet.
    #[must_use]
    pub fn publish(&self) -> &Publish<'a> {
        &self.publish
    }

    /// The protocol version it was checked for.
    #[must_use]
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The size of the encoded packet.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.head_len - 2 + self.remaining
    }

    /// Sets the Packet Identifier (QoS 1 and 2).
    ///
    /// # Errors
    /// [`Violation::PacketIdMismatch`] at QoS 0, which carries none; nothing changes then.
    #[inline]
    pub fn set_packet_id(&mut self, id: PacketId) -> Result<(), Violation> {
        if self.publish.qos == QoS::AtMostOnce {
            return Err(Violation::PacketIdMismatch);
        }
        self.publish.packet_id = Some(id);
        Ok(())
    }

    /// Replaces the payload; only the size is checked.
    ///
    /// # Errors
    /// [`Violation::PacketTooLarge`] when the packet would not fit in a Remaining Length;
    /// nothing changes then.
    #[inline]
    pub fn set_payload(&mut self, payload: &'a [u8]) -> Result<(), Violation> {
        let remaining = self
            .remaining
            .saturating_sub(self.publish.payload.len())
            .saturating_add(payload.len());
        self.set_remaining(remaining)?;
        self.publish.payload = payload;
        Ok(())
    }

    /// [`set_packet_id`](Self::set_packet_id), by value.
    ///
    /// # Errors
    /// As `set_packet_id`.
    pub fn with_packet_id(mut self, id: PacketId) -> Result<Self, Violation> {
        self.set_packet_id(id)?;
        Ok(self)
    }

    /// [`set_payload`](Self::set_payload), by value.
    ///
    /// # Errors
    /// As `set_payload`.
    pub fn with_payload(mut self, payload: &'a [u8]) -> Result<Self, Violation> {
        self.set_payload(payload)?;
        Ok(self)
    }

    /// Appends the packet to `out` and returns its size. Nothing can fail: it was checked.
    #[inline]
    pub fn encode(&self, out: &mut Vec<u8>) -> usize {
        let total = self.encoded_len();
        // Short writes store eight bytes at a time; keep room for the last one.
        out.reserve(total.saturating_add(8));
        self.write(out);
        total
    }

    /// Writes the packet to the front of `buf` and returns its size.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] with the size needed; nothing is written then.
    #[inline]
    pub fn encode_to_slice(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let total = self.encoded_len();
        let Some(dst) = buf.get_mut(..total) else {
            return Err(EncodeError::BufferTooSmall { required: total });
        };
        let mut w = SliceWriter::new(dst);
        self.write(&mut w);
        Ok(total)
    }

    #[inline(always)]
    fn write(&self, w: &mut impl Write) {
        let p = &self.publish;
        w.put_short(self.head.to_le_bytes(), self.head_len);
        w.put(p.topic.as_bytes());
        let v5 = self.version == ProtocolVersion::V5;
        if p.properties.is_empty() {
            // The Packet Identifier and (5.0) a zero Property Length in one short write.
            let (mid, len) = match p.packet_id {
                Some(id) => (u64::from(id.get().to_be()), 2),
                None => (0, 0),
            };
            let len = len + usize::from(v5);
            if len > 0 {
                w.put_short(mid.to_le_bytes(), len);
            }
        } else {
            if let Some(id) = p.packet_id {
                w.put_u16(id.get());
            }
            // Properties only pass `measure` in 5.0.
            p.properties.write(self.props, w);
        }
        w.put(p.payload);
    }
}

fn too_large(remaining: usize) -> Violation {
    Violation::PacketTooLarge {
        size: (remaining as u64).saturating_add(5),
        max: MAX_PACKET_SIZE,
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec;

    use proptest::prelude::*;

    use super::super::{Packet, Properties, Property, encode};
    use super::*;

    const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V311, ProtocolVersion::V5];

    #[test]
    fn changes_check_what_they_change() {
        let v = ProtocolVersion::V5;
        let q0 = ValidatedPublish::new(Publish::new("t", b"x"), v).unwrap();
        assert_eq!(
            q0.with_packet_id(PacketId::new(1).unwrap()),
            Err(Violation::PacketIdMismatch)
        );
        // Growing the payload across a varint boundary moves everything after the header.
        let big = vec![7u8; 200];
        let grown = q0.with_payload(&big).unwrap();
        let mut a = Vec::new();
        let n = grown.encode(&mut a);
        let mut b = Vec::new();
        assert_eq!(encode(&Packet::Publish(*grown.publish()), v, &mut b), Ok(n));
        assert_eq!(a, b);
        // A slice too small is refused and left alone.
        let mut small = [9u8; 10];
        assert_eq!(
            grown.encode_to_slice(&mut small),
            Err(EncodeError::BufferTooSmall { required: n })
        );
        assert_eq!(small, [9u8; 10]);
    }

    proptest! {
        /// `new` refuses exactly what `encode` refuses, with the same rule, and writes exactly
        /// what `encode` and `encode_to_slice` write, before and after changing the packet
        /// identifier and the payload.
        #[test]
        fn agrees_with_encode(
            topic in prop_oneof![
                Just(String::new()),
                "[a-z/]{1,40}",
                "[a-z/+#\\x00é]{1,40}",
            ],
            payload in proptest::collection::vec(any::<u8>(), 0..300),
            other in proptest::collection::vec(any::<u8>(), 0..300),
            qos in 0u8..3,
            dup in any::<bool>(),
            retain in any::<bool>(),
            id in 0u16..3,
            props in 0u8..3,
        ) {
            let items = [Property::ContentType("json"), Property::TopicAlias(1)];
            let properties = match props {
                0 => Properties::empty(),
                1 => Properties::new(&items[..1]),
                _ => Properties::new(&items),
            };
            let p = Publish {
                dup,
                qos: QoS::from_u8(qos).unwrap(),
                retain,
                topic: &topic,
                packet_id: PacketId::new(id),
                properties,
                payload: &payload,
            };
            for v in VERSIONS {
                let mut expected = vec![1u8];
                let checked = ValidatedPublish::new(p, v);
                match encode(&Packet::Publish(p), v, &mut expected) {
                    Err(e) => prop_assert_eq!(checked, Err(e)),
                    Ok(n) => {
                        let checked = checked.unwrap();
                        prop_assert_eq!(checked.encoded_len(), n);
                        let mut got = vec![1u8];
                        prop_assert_eq!(checked.encode(&mut got), n);
                        prop_assert_eq!(&got, &expected);
                        let mut buf = vec![0u8; n + 3];
                        prop_assert_eq!(checked.encode_to_slice(&mut buf), Ok(n));
                        prop_assert_eq!(&buf[..n], &expected[1..]);
                        let changed = checked
                            .with_payload(&other)
                            .unwrap()
                            .with_packet_id(PacketId::new(0x1234).unwrap());
                        if let Ok(c) = changed {
                            let mut want = Vec::new();
                            let m = encode(&Packet::Publish(*c.publish()), v, &mut want).unwrap();
                            let mut got = Vec::new();
                            prop_assert_eq!(c.encode(&mut got), m);
                            prop_assert_eq!(got, want);
                        } else {
                            prop_assert_eq!(p.qos, QoS::AtMostOnce);
                        }
                    }
                }
            }
        }
    }
}
