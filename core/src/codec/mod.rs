//! The MQTT 3.1.1 and 5.0 packet codec: zero-copy, streaming, allocation-free decoding and
//! encoding into a `Vec<u8>` or a caller's slice.
//!
//! ```
//! use iotmqtt::{decode, encode, Packet, ProtocolVersion, Publish};
//! let mut wire = Vec::new();
//! encode(&Packet::Publish(Publish::new("a/b", b"hi")), ProtocolVersion::V5, &mut wire).unwrap();
//! let decoded = decode(&wire, ProtocolVersion::V5).unwrap();
//! assert_eq!(decoded.len, wire.len());
//! match decoded.packet {
//!     Packet::Publish(p) => assert_eq!((p.topic, p.payload), ("a/b", &b"hi"[..])),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

pub(crate) mod client_side;
mod connect;
mod disconnect;
mod errors;
mod layout;
mod list;
mod owned;
mod properties;
mod publish;
mod reader;
mod reason;
mod strings;
mod subscribe;
mod validated;
pub(crate) mod varint;
mod writer;

use core::fmt;
use core::num::NonZeroU16;

use alloc::vec::Vec;

pub use connect::{Connack, Connect, Will};
pub use disconnect::{Auth, Disconnect};
pub use errors::{DecodeError, EncodeError, Needed, Violation};
pub use layout::{FieldValue, PacketField, PacketLayout, layout};
pub use list::{List, ListItem, ListIter};
pub use owned::OwnedProperties;
pub(crate) use owned::write_properties_body;
pub use properties::{Properties, Property, PropertyContext, PropertyId, PropertyType};
pub use publish::{PubAck, PubComp, PubRec, PubRel, Publish};
pub use reason::{
    AuthReason, ConnectReason, DisconnectReason, PubAckReason, PubCompReason, PubRecReason,
    PubRelReason, ReasonCode, SubAckReason, UnsubAckReason,
};
pub use strings::{is_shared_filter, validate_topic_filter, validate_topic_name};
pub use subscribe::{
    RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions, UnsubAck, Unsubscribe,
};
pub use validated::ValidatedPublish;
pub use varint::VARINT_MAX;

use reader::{Reader, incomplete};
use writer::{Counter, SliceWriter, Write};

/// The protocol version of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// MQTT 3.1.1 (protocol level 4).
    V311,
    /// MQTT 5.0 (protocol level 5).
    V5,
}

impl ProtocolVersion {
    /// The protocol level byte of CONNECT.
    #[must_use]
    pub const fn level(self) -> u8 {
        match self {
            ProtocolVersion::V311 => 4,
            ProtocolVersion::V5 => 5,
        }
    }

    /// The version for a protocol level byte.
    #[must_use]
    pub const fn from_level(level: u8) -> Option<Self> {
        match level {
            4 => Some(ProtocolVersion::V311),
            5 => Some(ProtocolVersion::V5),
            _ => None,
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProtocolVersion::V311 => "3.1.1",
            ProtocolVersion::V5 => "5.0",
        })
    }
}

/// Quality of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum QoS {
    /// At most once (0).
    #[default]
    AtMostOnce = 0,
    /// At least once (1).
    AtLeastOnce = 1,
    /// Exactly once (2).
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for 0, 1 or 2.
    #[must_use]
    pub const fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

/// A Packet Identifier: never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PacketId(NonZeroU16);

impl PacketId {
    /// The identifier `id`, or `None` for 0.
    #[must_use]
    pub const fn new(id: u16) -> Option<Self> {
        match NonZeroU16::new(id) {
            Some(n) => Some(PacketId(n)),
            None => None,
        }
    }

    /// The numeric value.
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl fmt::Display for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The control packet types (MQTT 5.0 §2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variant names are the packet names
pub enum PacketType {
    Connect = 1,
    Connack = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

impl PacketType {
    /// The type for the high nibble of the first byte.
    #[must_use]
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => PacketType::Connect,
            2 => PacketType::Connack,
            3 => PacketType::Publish,
            4 => PacketType::PubAck,
            5 => PacketType::PubRec,
            6 => PacketType::PubRel,
            7 => PacketType::PubComp,
            8 => PacketType::Subscribe,
            9 => PacketType::SubAck,
            10 => PacketType::Unsubscribe,
            11 => PacketType::UnsubAck,
            12 => PacketType::PingReq,
            13 => PacketType::PingResp,
            14 => PacketType::Disconnect,
            15 => PacketType::Auth,
            _ => return None,
        })
    }

    /// The fixed-header flags every packet but PUBLISH must carry (MQTT 5.0 Table 2-2).
    #[must_use]
    pub const fn fixed_flags(self) -> Option<u8> {
        match self {
            PacketType::Publish => None,
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }

    /// The specification's name, e.g. `"PUBLISH"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::Connack => "CONNACK",
            PacketType::Publish => "PUBLISH",
            PacketType::PubAck => "PUBACK",
            PacketType::PubRec => "PUBREC",
            PacketType::PubRel => "PUBREL",
            PacketType::PubComp => "PUBCOMP",
            PacketType::Subscribe => "SUBSCRIBE",
            PacketType::SubAck => "SUBACK",
            PacketType::Unsubscribe => "UNSUBSCRIBE",
            PacketType::UnsubAck => "UNSUBACK",
            PacketType::PingReq => "PINGREQ",
            PacketType::PingResp => "PINGRESP",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Auth => "AUTH",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Any MQTT control packet. Strings, payloads and lists borrow from the decoded input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // each variant is documented on its struct
pub enum Packet<'a> {
    Connect(Connect<'a>),
    Connack(Connack<'a>),
    Publish(Publish<'a>),
    PubAck(PubAck<'a>),
    PubRec(PubRec<'a>),
    PubRel(PubRel<'a>),
    PubComp(PubComp<'a>),
    Subscribe(Subscribe<'a>),
    SubAck(SubAck<'a>),
    Unsubscribe(Unsubscribe<'a>),
    UnsubAck(UnsubAck<'a>),
    PingReq,
    PingResp,
    Disconnect(Disconnect<'a>),
    Auth(Auth<'a>),
}

impl Packet<'_> {
    /// The packet's type.
    #[must_use]
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::Connack(_) => PacketType::Connack,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }
}

/// A decoded packet and the number of input bytes it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<T> {
    /// The packet.
    pub packet: T,
    /// Bytes consumed from the front of the input (the whole packet).
    pub len: usize,
}

/// The fixed header of a packet: enough to know its type and total size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    /// Packet type.
    pub packet_type: PacketType,
    /// The low nibble of the first byte.
    pub flags: u8,
    /// The Remaining Length.
    pub remaining_len: u32,
    /// Bytes the fixed header itself takes (2 to 5).
    pub header_len: usize,
}

impl FixedHeader {
    /// Total packet size in bytes.
    #[must_use]
    pub const fn packet_len(&self) -> usize {
        self.header_len + self.remaining_len as usize
    }
}

/// Decoding settings: the connection's protocol version and the largest packet to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    /// Version of the connection. CONNECT is decoded by its own protocol level regardless.
    pub version: ProtocolVersion,
    /// Largest whole packet accepted, in bytes; checked on the fixed header alone.
    pub max_packet_size: u32,
}

/// The largest packet MQTT can express: a 5-byte fixed header and 268,435,455 bytes.
pub const MAX_PACKET_SIZE: u32 = VARINT_MAX + 5;

/// Whether `first` (the first byte of a packet) passes every fixed-header rule of `version`:
/// a packet type that exists, the flags Table 2-2 fixes, and for PUBLISH QoS < 3 and no DUP at
/// QoS 0. [`first_byte_error`] says which rule a rejected byte breaks.
const fn first_byte_ok(first: u8, version: ProtocolVersion) -> bool {
    let flags = first & 0x0F;
    match PacketType::from_u8(first >> 4) {
        None => false,
        Some(PacketType::Auth) if matches!(version, ProtocolVersion::V311) => false,
        Some(t) => match t.fixed_flags() {
            Some(expected) => flags == expected,
            None => {
                let qos = (flags >> 1) & 0x03;
                qos != 3 && !(flags & 0x08 != 0 && qos == 0)
            }
        },
    }
}

#[cfg(feature = "fast-paths")]
const fn version_bit(version: ProtocolVersion) -> u8 {
    match version {
        ProtocolVersion::V311 => 1,
        ProtocolVersion::V5 => 2,
    }
}

/// [`first_byte_ok`] for every byte and both versions, as bits (see [`version_bit`]): one
/// load instead of the checks (feature `fast-paths`).
#[cfg(feature = "fast-paths")]
const FIRST_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation)] // b < 256
        let byte = b as u8;
        let mut bits = 0;
        if first_byte_ok(byte, ProtocolVersion::V311) {
            bits |= version_bit(ProtocolVersion::V311);
        }
        if first_byte_ok(byte, ProtocolVersion::V5) {
            bits |= version_bit(ProtocolVersion::V5);
        }
        // Evaluated at compile time: an out-of-bounds index is a build error, not a panic.
        #[allow(clippy::indexing_slicing)]
        {
            table[b] = bits;
        }
        b += 1;
    }
    table
};

/// The rule a first byte rejected by [`first_byte_ok`] breaks.
#[cold]
fn first_byte_error(first: u8, version: ProtocolVersion) -> DecodeError {
    let type_bits = first >> 4;
    let flags = first & 0x0F;
    let violation = match PacketType::from_u8(type_bits) {
        None => Violation::InvalidPacketType(type_bits),
        Some(PacketType::Auth) if version == ProtocolVersion::V311 => {
            Violation::InvalidPacketType(type_bits)
        }
        Some(packet) => match packet.fixed_flags() {
            Some(_) => Violation::ReservedFlags { packet, flags },
            None if (flags >> 1) & 0x03 == 3 => Violation::InvalidQos,
            None => Violation::DupWithQos0,
        },
    };
    DecodeError::Invalid {
        offset: 0,
        violation,
    }
}

impl Decoder {
    /// A decoder for `version` with no limit below the protocol's own.
    #[must_use]
    pub const fn new(version: ProtocolVersion) -> Self {
        Decoder {
            version,
            max_packet_size: MAX_PACKET_SIZE,
        }
    }

    /// The same decoder with a maximum packet size.
    #[must_use]
    pub const fn with_max_packet_size(mut self, max: u32) -> Self {
        self.max_packet_size = max;
        self
    }

    /// Reads and checks the fixed header at the start of `input`: type, flags, remaining length
    /// and the size limit. Needs at most five bytes.
    ///
    /// # Errors
    /// [`DecodeError::Incomplete`] while the header is cut short; [`DecodeError::Invalid`] for
    /// a reserved type, wrong flags, a malformed length or a packet over the limit.
    #[inline]
    pub fn header(&self, input: &[u8]) -> Result<FixedHeader, DecodeError> {
        let Some(&first) = input.first() else {
            return Err(DecodeError::Incomplete(Needed::AtLeast(2)));
        };
        #[cfg(feature = "fast-paths")]
        let accepted = FIRST_BYTE
            .get(usize::from(first))
            .is_some_and(|ok| ok & version_bit(self.version) != 0);
        #[cfg(not(feature = "fast-paths"))]
        let accepted = first_byte_ok(first, self.version);
        let packet_type = match PacketType::from_u8(first >> 4) {
            Some(t) if accepted => t,
            _ => return Err(first_byte_error(first, self.version)),
        };
        let flags = first & 0x0F;
        let rest = input.get(1..).unwrap_or(&[]);
        let (remaining_len, n) = match varint::read(rest) {
            Ok(v) => v,
            Err(varint::VarintError::Incomplete { value, bytes }) => {
                // Even a cut-short length can already prove the packet too large.
                if let Some(e) = self.too_large_so_far(value, bytes) {
                    return Err(e);
                }
                return Err(DecodeError::Incomplete(Needed::AtLeast(1)));
            }
            Err(varint::VarintError::Malformed { at }) => {
                // The continuation bytes before the malformed one may already prove the packet
                // too large, as they do when the input stops there: the answer must not depend
                // on how the bytes were split (found by the `decode` fuzz target).
                let value = rest
                    .iter()
                    .take(at)
                    .enumerate()
                    .fold(0u32, |v, (i, b)| v | (u32::from(b & 0x7F) << (7 * i)));
                if let Some(e) = self.too_large_so_far(value, at) {
                    return Err(e);
                }
                return Err(DecodeError::Invalid {
                    offset: 1 + at,
                    violation: Violation::MalformedVarint,
                });
            }
        };
        let header_len = 1 + n;
        let size = header_len as u64 + u64::from(remaining_len);
        if size > u64::from(self.max_packet_size) {
            return Err(DecodeError::Invalid {
                offset: 1,
                violation: Violation::PacketTooLarge {
                    size,
                    max: self.max_packet_size,
                },
            });
        }
        Ok(FixedHeader {
            packet_type,
            flags,
            remaining_len,
            header_len,
        })
    }

    /// The error for a Remaining Length whose first `bytes` bytes (all with the continuation
    /// bit) add up to `value`, when even the smallest length they can start proves the packet
    /// over the limit.
    fn too_large_so_far(&self, value: u32, bytes: usize) -> Option<DecodeError> {
        let at_least = 1 + bytes as u64 + 1 + varint::min_value(value, bytes);
        (bytes > 0 && at_least > u64::from(self.max_packet_size)).then_some(DecodeError::Invalid {
            offset: 1,
            violation: Violation::PacketTooLarge {
                size: at_least,
                max: self.max_packet_size,
            },
        })
    }

    /// Decodes the packet at the start of `input`.
    ///
    /// # Errors
    /// [`DecodeError::Incomplete`] when `input` holds only part of a packet (exact once the
    /// fixed header is complete); [`DecodeError::Invalid`] with the offset and the rule broken.
    #[inline]
    pub fn decode<'a>(&self, input: &'a [u8]) -> Result<Decoded<Packet<'a>>, DecodeError> {
        let header = self.header(input)?;
        self.decode_after::<true>(&header, input)
    }

    /// [`Decoder::decode`] once `header` (of `input`) has been read. With `SERVER` false the
    /// packets only a server receives (CONNECT, SUBSCRIBE, UNSUBSCRIBE) are not decoded: they
    /// break [`Violation::InvalidPacketType`] (see [`client_side`], which answers them first).
    #[inline(always)]
    fn decode_after<'a, const SERVER: bool>(
        &self,
        header: &FixedHeader,
        input: &'a [u8],
    ) -> Result<Decoded<Packet<'a>>, DecodeError> {
        let header = *header;
        let total = header.packet_len();
        let Some(body) = input.get(header.header_len..total) else {
            return Err(incomplete(total, input.len()));
        };
        // The common shapes of the hot packets, straight from the bytes (feature `fast-paths`);
        // the general path below takes everything else and reports errors.
        #[cfg(feature = "fast-paths")]
        {
            let v = self.version;
            macro_rules! fast {
                ($variant:ident, $decoded:expr) => {
                    if let Some(p) = $decoded {
                        return Ok(Decoded {
                            packet: Packet::$variant(p),
                            len: total,
                        });
                    }
                };
            }
            // PUBLISH first: the packet that matters most for throughput skips the dispatch.
            if header.packet_type == PacketType::Publish {
                fast!(Publish, Publish::decode_fast(body, header.flags, v));
                return self.decode_general::<SERVER>(&header, body, total);
            }
            match header.packet_type {
                PacketType::PubAck => fast!(PubAck, PubAck::decode_fast(body)),
                PacketType::PubRec => fast!(PubRec, PubRec::decode_fast(body)),
                PacketType::PubRel => fast!(PubRel, PubRel::decode_fast(body)),
                PacketType::PubComp => fast!(PubComp, PubComp::decode_fast(body)),
                PacketType::SubAck => fast!(SubAck, SubAck::decode_fast(body, v)),
                PacketType::Connack => fast!(Connack, Connack::decode_fast(body, v)),
                PacketType::Connect if SERVER => fast!(Connect, Connect::decode_fast(body)),
                PacketType::PingReq | PacketType::PingResp if body.is_empty() => {
                    let packet = if header.packet_type == PacketType::PingReq {
                        Packet::PingReq
                    } else {
                        Packet::PingResp
                    };
                    return Ok(Decoded { packet, len: total });
                }
                _ => {}
            }
        }
        self.decode_general::<SERVER>(&header, body, total)
    }

    /// The general decoder for a body whose fixed header has been read: every packet, every
    /// rule, exact errors (but see `SERVER` at [`Decoder::decode_after`]). [`Decoder::decode`]
    /// tries the fast paths first.
    #[inline]
    fn decode_general<'a, const SERVER: bool>(
        &self,
        header: &FixedHeader,
        body: &'a [u8],
        total: usize,
    ) -> Result<Decoded<Packet<'a>>, DecodeError> {
        let v = self.version;
        let mut r = Reader::new(body, header.header_len);
        // Each arm builds the result in place: a `Packet` is large (CONNECT), and moving it
        // through intermediate values costs more than decoding a small packet.
        macro_rules! done {
            ($packet:expr) => {{
                let packet = $packet;
                if !r.is_empty() {
                    return Err(r.invalid(Violation::LengthMismatch));
                }
                Ok(Decoded { packet, len: total })
            }};
        }
        match header.packet_type {
            PacketType::Publish => {
                done!(Packet::Publish(Publish::decode(&mut r, header.flags, v)?))
            }
            PacketType::PubAck => done!(Packet::PubAck(PubAck::decode(&mut r, v)?)),
            PacketType::Connect if SERVER => done!(Packet::Connect(Connect::decode(&mut r)?)),
            PacketType::Connack => done!(Packet::Connack(Connack::decode(&mut r, v)?)),
            PacketType::PubRec => done!(Packet::PubRec(PubRec::decode(&mut r, v)?)),
            PacketType::PubRel => done!(Packet::PubRel(PubRel::decode(&mut r, v)?)),
            PacketType::PubComp => done!(Packet::PubComp(PubComp::decode(&mut r, v)?)),
            PacketType::Subscribe if SERVER => {
                done!(Packet::Subscribe(Subscribe::decode(&mut r, v)?))
            }
            PacketType::SubAck => done!(Packet::SubAck(SubAck::decode(&mut r, v)?)),
            PacketType::Unsubscribe if SERVER => {
                done!(Packet::Unsubscribe(Unsubscribe::decode(&mut r, v)?))
            }
            PacketType::UnsubAck => done!(Packet::UnsubAck(UnsubAck::decode(&mut r, v)?)),
            PacketType::PingReq => done!(Packet::PingReq),
            PacketType::PingResp => done!(Packet::PingResp),
            PacketType::Disconnect => done!(Packet::Disconnect(Disconnect::decode(&mut r, v)?)),
            PacketType::Auth => done!(Packet::Auth(Auth::decode_v5(&mut r)?)),
            PacketType::Connect | PacketType::Subscribe | PacketType::Unsubscribe => Err(
                Reader::invalid_at(0, Violation::InvalidPacketType(header.packet_type as u8)),
            ),
        }
    }
}

#[cfg(test)]
#[cfg(feature = "fast-paths")]
impl Decoder {
    /// [`Decoder::decode`] without the fast paths.
    fn decode_slow<'a>(&self, input: &'a [u8]) -> Result<Decoded<Packet<'a>>, DecodeError> {
        let header = self.header(input)?;
        let total = header.packet_len();
        let Some(body) = input.get(header.header_len..total) else {
            return Err(incomplete(total, input.len()));
        };
        self.decode_general::<true>(&header, body, total)
    }
}

/// Decodes the packet at the start of `input` for a connection of `version`, with no size limit
/// below the protocol's own. See [`Decoder`] to set one.
///
/// # Errors
/// As [`Decoder::decode`].
#[inline]
pub fn decode(input: &[u8], version: ProtocolVersion) -> Result<Decoded<Packet<'_>>, DecodeError> {
    Decoder::new(version).decode(input)
}

/// Everything `encode` needs after validation.
struct Plan {
    first: u8,
    remaining: usize,
    props: usize,
    will_props: usize,
}

impl Plan {
    fn total(&self) -> usize {
        1 + varint::len(u32::try_from(self.remaining).unwrap_or(u32::MAX)) + self.remaining
    }
}

/// Checks and measures `packet`. With `SERVER` false the packets only a server sends (CONNACK,
/// SUBACK, UNSUBACK) break [`Violation::InvalidPacketType`] instead (see [`client_side`]).
fn plan<const SERVER: bool>(
    packet: &Packet<'_>,
    version: ProtocolVersion,
) -> Result<Plan, Violation> {
    let t = packet.packet_type();
    let mut first = (t as u8) << 4 | t.fixed_flags().unwrap_or(0);
    let mut will_props = 0;
    let (remaining, props) = match packet {
        Packet::Connect(c) => {
            let (len, p, w) = c.measure()?;
            will_props = w;
            (len, p)
        }
        Packet::Connack(c) if SERVER => c.measure(version)?,
        Packet::Publish(p) => {
            first |= p.flags();
            p.measure(version)?
        }
        Packet::PubAck(a) => a.measure(version)?,
        Packet::PubRec(a) => a.measure(version)?,
        Packet::PubRel(a) => a.measure(version)?,
        Packet::PubComp(a) => a.measure(version)?,
        Packet::Subscribe(s) => s.measure(version)?,
        Packet::SubAck(s) if SERVER => s.measure(version)?,
        Packet::Unsubscribe(u) => u.measure(version)?,
        Packet::UnsubAck(u) if SERVER => u.measure(version)?,
        Packet::PingReq | Packet::PingResp => (0, 0),
        Packet::Disconnect(d) => d.measure(version)?,
        Packet::Auth(a) => {
            if version == ProtocolVersion::V311 {
                return Err(Violation::NotInVersion);
            }
            a.measure_v5()?
        }
        Packet::Connack(_) | Packet::SubAck(_) | Packet::UnsubAck(_) => {
            return Err(Violation::InvalidPacketType(t as u8));
        }
    };
    if remaining > VARINT_MAX as usize {
        return Err(Violation::PacketTooLarge {
            size: remaining as u64 + 5,
            max: MAX_PACKET_SIZE,
        });
    }
    Ok(Plan {
        first,
        remaining,
        props,
        will_props,
    })
}

/// Writes `packet` as `plan` says (a plan made by [`plan`] with the same `SERVER`).
fn write_packet<const SERVER: bool>(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    plan: &Plan,
    w: &mut impl Write,
) {
    w.put_u8(plan.first);
    w.put_varint(u32::try_from(plan.remaining).unwrap_or(VARINT_MAX));
    let (v, p) = (version, plan.props);
    match packet {
        Packet::Connect(c) => c.write(p, plan.will_props, w),
        Packet::Connack(c) if SERVER => c.write(v, p, w),
        Packet::Publish(x) => x.write(v, p, w),
        Packet::PubAck(a) => a.write(v, p, w),
        Packet::PubRec(a) => a.write(v, p, w),
        Packet::PubRel(a) => a.write(v, p, w),
        Packet::PubComp(a) => a.write(v, p, w),
        Packet::Subscribe(s) => s.write(v, p, w),
        Packet::SubAck(s) if SERVER => s.write(v, p, w),
        Packet::Unsubscribe(u) => u.write(v, p, w),
        Packet::UnsubAck(u) if SERVER => u.write(v, p, w),
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(d) => {
            if v == ProtocolVersion::V5 {
                d.write_v5(p, w);
            }
        }
        Packet::Auth(a) => a.write_v5(p, w),
        // Refused by `plan::<false>`.
        Packet::Connack(_) | Packet::SubAck(_) | Packet::UnsubAck(_) => {}
    }
}

/// The size `packet` takes when encoded for `version`, after the same checks `encode` makes.
///
/// # Errors
/// [`EncodeError::Invalid`] naming the rule the packet breaks.
pub fn encoded_len(packet: &Packet<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    encoded_len_as::<true>(packet, version)
}

/// [`encoded_len`], with `SERVER` as in [`plan`].
fn encoded_len_as<const SERVER: bool>(
    packet: &Packet<'_>,
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    Ok(plan::<SERVER>(packet, version)?.total())
}

/// Appends `packet`, encoded for `version`, to `out`; returns the bytes written. A CONNECT is
/// encoded for its own `protocol` field. On error nothing is appended.
///
/// # Errors
/// [`EncodeError::Invalid`] when the packet breaks a rule of the specification.
#[inline]
pub fn encode(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    encode_as::<true>(packet, version, out)
}

/// [`encode`], with `SERVER` as in [`plan`].
#[inline]
fn encode_as<const SERVER: bool>(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    // The common PUBLISH is written inline at the call site; everything else (and every error)
    // takes the general path.
    #[cfg(feature = "fast-paths")]
    if let Packet::Publish(p) = packet {
        if let Some(total) = p.encode_fast(version, out) {
            return Ok(total);
        }
    }
    encode_general::<SERVER>(packet, version, out)
}

#[inline(never)]
fn encode_general<const SERVER: bool>(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> Result<usize, EncodeError> {
    let plan = plan::<SERVER>(packet, version)?;
    let total = plan.total();
    out.reserve(total);
    let start = out.len();
    #[cfg(feature = "fast-paths")]
    write_packet::<SERVER>(packet, version, &plan, out);
    // Without the fast paths, the smaller code: the packet is written through the same writer
    // as `encode_to_slice`, so the packet writers are linked once, not once per writer.
    #[cfg(not(feature = "fast-paths"))]
    {
        out.resize(start.saturating_add(total), 0);
        let mut w = SliceWriter::new(out.get_mut(start..).unwrap_or_default());
        write_packet::<SERVER>(packet, version, &plan, &mut w);
    }
    debug_assert_eq!(out.len() - start, total);
    Ok(total)
}

/// Writes `packet`, encoded for `version`, to the front of `buf`; returns the bytes written.
///
/// # Errors
/// [`EncodeError::BufferTooSmall`] with the size needed (nothing is written), or
/// [`EncodeError::Invalid`].
pub fn encode_to_slice(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    encode_to_slice_as::<true>(packet, version, buf)
}

/// [`encode_to_slice`], with `SERVER` as in [`plan`].
fn encode_to_slice_as<const SERVER: bool>(
    packet: &Packet<'_>,
    version: ProtocolVersion,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    #[cfg(feature = "fast-paths")]
    if let Packet::Publish(p) = packet {
        if let Some(remaining) = p.fast_remaining(version) {
            let total = 1 + varint::len(u32::try_from(remaining).unwrap_or(VARINT_MAX)) + remaining;
            if buf.len() < total {
                return Err(EncodeError::BufferTooSmall { required: total });
            }
            // The writer sees exactly the packet's bytes: nothing past them is touched.
            let mut w = SliceWriter::new(buf.get_mut(..total).unwrap_or_default());
            p.write_fast(version, remaining, &mut w);
            return Ok(w.written());
        }
    }
    let plan = plan::<SERVER>(packet, version)?;
    let total = plan.total();
    if buf.len() < total {
        return Err(EncodeError::BufferTooSmall { required: total });
    }
    let mut w = SliceWriter::new(buf.get_mut(..total).unwrap_or_default());
    write_packet::<SERVER>(packet, version, &plan, &mut w);
    Ok(w.written())
}

#[allow(dead_code)] // used by tests and by callers measuring without a buffer
fn count(packet: &Packet<'_>, version: ProtocolVersion) -> Result<usize, EncodeError> {
    let plan = plan::<true>(packet, version)?;
    let mut c = Counter::default();
    write_packet::<true>(packet, version, &plan, &mut c);
    Ok(c.0)
}

#[cfg(test)]
#[cfg(feature = "fast-paths")]
mod fast_path_tests {
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;

    /// Every short CONNACK, SUBACK and acknowledgement body, exhaustively.
    #[test]
    fn small_bodies_decode_the_same_with_and_without_fast_paths() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for first in [0x20u8, 0x40, 0x50, 0x62, 0x70, 0x90, 0xB0, 0xC0, 0xD0] {
            for a in 0..=255u8 {
                for b in [0u8, 1, 2, 3, 5, 0x80, 0x87, 0xFF] {
                    inputs.push(vec![first, 2, a, b]);
                    inputs.push(vec![first, 3, a, b, 0]);
                    inputs.push(vec![first, 3, b, a, 0]);
                    inputs.push(vec![first, 3, 0, 1, a]);
                    inputs.push(vec![first, 4, 0, 1, 0, a]);
                }
            }
        }
        for input in &inputs {
            for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
                let d = Decoder::new(v);
                assert_eq!(d.decode(input), d.decode_slow(input), "{input:?} {v}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The fast paths change nothing: on any input, with or without them, the same packet
        /// or the same error.
        #[test]
        fn decode_equals_decode_without_fast_paths(
            first in prop_oneof![
                Just(0x20u8), Just(0x30), Just(0x32), Just(0x3B), Just(0x40), Just(0x50),
                Just(0x62), Just(0x70), Just(0x90), Just(0xB0), Just(0xC0), Just(0xD0),
                Just(0x10), any::<u8>()
            ],
            body in proptest::collection::vec(
                prop_oneof![
                    4 => 0u8..4,
                    4 => b'a'..=b'z',
                    1 => Just(0x80u8),
                    1 => Just(0x87u8),
                    1 => any::<u8>(),
                ],
                0..24,
            ),
        ) {
            let mut input = Vec::from([first, u8::try_from(body.len()).unwrap()]);
            input.extend_from_slice(&body);
            for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
                let d = Decoder::new(v);
                prop_assert_eq!(d.decode(&input), d.decode_slow(&input));
            }
        }
    }
}
