//! The codec calls of the client session.
//!
//! With the `server` feature they are the public [`decode`](super::decode),
//! [`encode`](super::encode), [`encode_to_slice`](super::encode_to_slice) and
//! [`encoded_len`](super::encoded_len). Without it they leave out the packets only a server
//! receives (CONNECT, SUBSCRIBE, UNSUBSCRIBE) or sends (CONNACK, SUBACK, UNSUBACK), so that a
//! client-only firmware image links none of their decoders and encoders (BENCHMARKS.md,
//! issue 7). A client never sends the latter; the former it answers as an unexpected packet
//! once the packet is whole, without reading its body. The public codec always handles every
//! packet.

use alloc::vec::Vec;

use super::list::List;
use super::properties::Properties;
use super::reader::{Reader, incomplete};
use super::subscribe::{Subscribe, Unsubscribe};
use super::{
    DecodeError, Decoded, Decoder, EncodeError, Packet, PacketId, PacketType, ProtocolVersion,
};

/// Whether the client's calls handle the packets only a server receives or sends.
const SERVER: bool = cfg!(feature = "server");
/// Whether the client takes AUTH packets (MQTT 5 enhanced authentication).
const AUTH: bool = cfg!(feature = "enhanced-auth");

/// A packet from the server, as [`Decoder::decode_inbound`] returns it.
#[derive(Debug)]
pub(crate) enum Inbound<'a> {
    /// Decoded and checked.
    Packet(Packet<'a>),
    /// A whole packet the client refuses whatever it holds, not decoded: one of a type only a
    /// server receives (without the `server` feature) or AUTH (without `enhanced-auth`). With
    /// the feature such a packet is decoded like any other.
    Unread(PacketType),
}

impl Decoder {
    /// [`Decoder::decode`] for the bytes a client receives (see the module docs).
    ///
    /// # Errors
    /// As [`Decoder::decode`].
    #[inline]
    pub(crate) fn decode_inbound<'a>(
        &self,
        input: &'a [u8],
    ) -> Result<Decoded<Inbound<'a>>, DecodeError> {
        let header = self.header(input)?;
        let unread = match header.packet_type {
            PacketType::Connect | PacketType::Subscribe | PacketType::Unsubscribe => !SERVER,
            PacketType::Auth => !AUTH,
            _ => false,
        };
        if unread {
            let total = header.packet_len();
            if input.len() < total {
                return Err(incomplete(total, input.len()));
            }
            return Ok(Decoded {
                packet: Inbound::Unread(header.packet_type),
                len: total,
            });
        }
        let d = self.decode_after::<SERVER>(&header, input)?;
        Ok(Decoded {
            packet: Inbound::Packet(d.packet),
            len: d.len,
        })
    }
}

/// [`encode`](super::encode) for the packets a client sends.
///
/// # Errors
/// As [`encode`](super::encode).
#[inline]
pub(crate) fn encode(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    super::encode_as::<SERVER>(packet, version, out)
}

/// [`encode_to_slice`](super::encode_to_slice) for the packets a client sends.
///
/// # Errors
/// As [`encode_to_slice`](super::encode_to_slice).
pub(crate) fn encode_to_slice(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    super::encode_to_slice_as::<SERVER>(packet, version, buf)
}

/// [`encoded_len`](super::encoded_len) for the packets a client sends.
///
/// # Errors
/// As [`encoded_len`](super::encoded_len).
pub(crate) fn encoded_len(
    packet: &Packet<'_>,
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    super::encoded_len_as::<SERVER>(packet, version)
}

/// A SUBSCRIBE or UNSUBSCRIBE that this side encoded (or that passed [`decode`](super::decode)
/// before it was kept), read without checking it again: the packet identifier, the properties
/// and the list stay as wire bytes, parsed as they are iterated. `None` for any other packet
/// or bytes cut short.
pub(crate) fn own_request(packet: &[u8], version: ProtocolVersion) -> Option<Packet<'_>> {
    let mut r = Reader::new(packet, 0);
    let kind = r.u8().ok()? >> 4;
    let len = usize::try_from(r.varint().ok()?).ok()?;
    let mut r = Reader::new(r.take(len).ok()?, 0);
    let packet_id = PacketId::new(r.u16().ok()?)?;
    let properties = match version {
        ProtocolVersion::V311 => Properties::empty(),
        ProtocolVersion::V5 => {
            let n = usize::try_from(r.varint().ok()?).ok()?;
            Properties::from_wire(r.take(n).ok()?)
        }
    };
    let list = r.rest();
    match PacketType::from_u8(kind)? {
        PacketType::Subscribe => Some(Packet::Subscribe(Subscribe {
            packet_id,
            properties,
            subscriptions: List::from_wire(list),
        })),
        PacketType::Unsubscribe => Some(Packet::Unsubscribe(Unsubscribe {
            packet_id,
            properties,
            filters: List::from_wire(list),
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;
    use crate::codec::{Property, QoS, Subscription, SubscriptionOptions, decode};

    proptest! {
        /// What `own_request` reads from an encoded SUBSCRIBE or UNSUBSCRIBE is what `decode`
        /// makes of it.
        #[test]
        fn own_request_reads_what_decode_reads(
            filters in proptest::collection::vec("[a-z/]{1,12}|[a-z]{1,4}/\\+|#", 1..5),
            qos in 0u8..3,
            sub_id in proptest::option::of(1u32..300_000),
            user in proptest::option::of(("[a-z]{0,5}", "[a-z]{0,5}")),
            id in 1u16..,
        ) {
            let options = SubscriptionOptions::qos(QoS::from_u8(qos).unwrap());
            let subs: Vec<Subscription<'_>> =
                filters.iter().map(|f| Subscription { filter: f, options }).collect();
            let names: Vec<&str> = filters.iter().map(String::as_str).collect();
            let mut props = Vec::new();
            if let Some(s) = sub_id {
                props.push(Property::SubscriptionIdentifier(s));
            }
            if let Some((k, v)) = &user {
                props.push(Property::UserProperty(k, v));
            }
            let packet_id = PacketId::new(id).unwrap();
            for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
                let properties = match v {
                    ProtocolVersion::V5 => Properties::new(&props),
                    ProtocolVersion::V311 => Properties::empty(),
                };
                let unsub_props = match (v, &user) {
                    (ProtocolVersion::V5, Some(_)) => Properties::new(&props[props.len() - 1..]),
                    _ => Properties::empty(),
                };
                let packets = [
                    Packet::Subscribe(Subscribe {
                        packet_id,
                        properties,
                        subscriptions: List::new(&subs),
                    }),
                    Packet::Unsubscribe(Unsubscribe {
                        packet_id,
                        properties: unsub_props,
                        filters: List::new(&names),
                    }),
                ];
                for packet in packets {
                    let mut wire = Vec::new();
                    crate::codec::encode(&packet, v, &mut wire).unwrap();
                    let decoded = decode(&wire, v).unwrap().packet;
                    prop_assert_eq!(own_request(&wire, v), Some(decoded));
                    prop_assert_eq!(own_request(&wire, v), Some(packet));
                }
            }
        }
    }

    /// A packet only a server receives, malformed (an empty SUBSCRIBE body): decoded and
    /// refused with the `server` feature, passed on whole and unread without it. Cut short,
    /// it is incomplete either way.
    #[test]
    fn unread_packets_from_the_server() {
        let d = Decoder::new(ProtocolVersion::V5);
        for first in [0x10, 0x82, 0xa2] {
            let short = [first, 0x05, 0x00];
            assert!(matches!(
                d.decode_inbound(&short),
                Err(DecodeError::Incomplete(_))
            ));
            let empty = [first, 0x00, 0xff];
            match d.decode_inbound(&empty) {
                Ok(Decoded {
                    packet: Inbound::Unread(t),
                    len: 2,
                }) if !SERVER => assert_eq!(t as u8, first >> 4),
                Err(DecodeError::Invalid { .. }) if SERVER => {}
                other => panic!("{first:#x}: {other:?}"),
            }
        }
        // AUTH (here a malformed one: reason 0x01 is not an AUTH reason) is read only with
        // `enhanced-auth`.
        match d.decode_inbound(&[0xf0, 0x01, 0x01, 0xff]) {
            Ok(Decoded {
                packet: Inbound::Unread(PacketType::Auth),
                len: 3,
            }) if !AUTH => {}
            Err(DecodeError::Invalid { .. }) if AUTH => {}
            other => panic!("AUTH: {other:?}"),
        }
        // Every other packet is decoded as `decode` decodes it.
        let wire = [0x40, 0x02, 0x00, 0x07];
        let Ok(Decoded {
            packet: Inbound::Packet(p),
            len: 4,
        }) = d.decode_inbound(&wire)
        else {
            panic!("a PUBACK");
        };
        assert_eq!(Ok(p), d.decode(&wire).map(|x| x.packet));
    }

    #[test]
    fn own_request_reads_only_requests() {
        let mut wire = Vec::new();
        let p = Packet::PubAck(crate::codec::PubAck::new(PacketId::new(1).unwrap()));
        crate::codec::encode(&p, ProtocolVersion::V5, &mut wire).unwrap();
        assert_eq!(own_request(&wire, ProtocolVersion::V5), None);
        assert_eq!(own_request(&[0x82], ProtocolVersion::V5), None);
        assert_eq!(own_request(&[], ProtocolVersion::V311), None);
    }
}
