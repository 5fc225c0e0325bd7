//! Where each field of a packet lies in its bytes: the view a packet inspector draws.
//!
//! [`Decoder::layout`] decodes a packet as [`Decoder::decode`] does — that result, and its error,
//! are the authority — and lists the fields it is made of, each with the byte range it came
//! from, in wire order. Malformed input still gets the fields that begin at or before the
//! offending byte, so a viewer can show what led up to it.
//!
//! ```
//! use iotmqtt::{FieldValue, ProtocolVersion, layout};
//! // PUBLISH QoS 0 to "a/b" with payload "hi".
//! let bytes = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
//! let l = layout(&bytes, ProtocolVersion::V311);
//! assert!(l.result.is_ok());
//! let topic = l.fields.iter().find(|f| f.key == "topic").unwrap();
//! assert_eq!((topic.start, topic.end), (2, 7)); // the length prefix and the name
//! assert_eq!(topic.value, FieldValue::Str("a/b"));
//! ```

use alloc::vec::Vec;

use super::properties::{PropertyId, PropertyType};
use super::reader::Reader;
use super::{
    AuthReason, ConnectReason, DecodeError, Decoded, Decoder, DisconnectReason, Packet, PacketType,
    ProtocolVersion, PubAckReason, PubRelReason, SubAckReason, UnsubAckReason,
};

/// The value of one [`PacketField`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// A group: the fields after it with a greater depth are its parts.
    Group,
    /// An unsigned number (lengths, identifiers, flags bytes, intervals).
    Uint(u32),
    /// A single flag bit.
    Bool(bool),
    /// A UTF-8 string.
    Str(&'a str),
    /// Binary data, or a string field that is not UTF-8.
    Bytes(&'a [u8]),
    /// A code and the name the specification gives it (packet type, reason code, property).
    Code(u8, &'static str),
    /// A password: only its length is shown, never its bytes.
    Secret(usize),
}

/// One field of a packet and the bytes it occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketField<'a> {
    /// Nesting: 0 for the parts of the packet, 1 for the parts of those, and so on.
    pub depth: u8,
    /// A stable snake_case name: `fixed_header`, `packet_type`, `topic`, `packet_id`,
    /// `properties`, `payload`, … (see `ARCHITECTURE.md`).
    pub key: &'static str,
    /// What the bytes say.
    pub value: FieldValue<'a>,
    /// Offset of the field's first byte from the start of the input.
    pub start: usize,
    /// Offset one past its last byte.
    pub end: usize,
}

/// A packet's fields and the decoder's verdict on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketLayout<'a> {
    /// The fields in wire order, each group before its parts. For a malformed packet, the
    /// fields that begin at or before the offending byte.
    pub fields: Vec<PacketField<'a>>,
    /// What [`Decoder::decode`] returns for the same input.
    pub result: Result<Decoded<Packet<'a>>, DecodeError>,
}

impl Decoder {
    /// Decodes the packet at the start of `input` and lists its fields with their byte ranges.
    /// `result` is exactly what [`Decoder::decode`] returns.
    #[must_use]
    pub fn layout<'a>(&self, input: &'a [u8]) -> PacketLayout<'a> {
        let result = self.decode(input);
        let mut w = Walker {
            r: Reader::new(input, 0),
            fields: Vec::new(),
            depth: 0,
            version: self.version,
        };
        // A walk that stops early has recorded what it could read; the decoder says why.
        let _ = w.packet();
        let mut fields = w.fields;
        if let Err(DecodeError::Invalid { offset, .. }) = result {
            fields.retain(|f| f.start <= offset);
        }
        PacketLayout { fields, result }
    }
}

/// [`Decoder::layout`] for a connection of `version`, with no size limit below the protocol's.
#[must_use]
pub fn layout(input: &[u8], version: ProtocolVersion) -> PacketLayout<'_> {
    Decoder::new(version).layout(input)
}

/// `None` ends the walk: the bytes ran out or stopped making sense.
type Step = Option<()>;

struct Walker<'a> {
    r: Reader<'a>,
    fields: Vec<PacketField<'a>>,
    depth: u8,
    version: ProtocolVersion,
}

fn text(bytes: &[u8]) -> FieldValue<'_> {
    match core::str::from_utf8(bytes) {
        Ok(s) => FieldValue::Str(s),
        Err(_) => FieldValue::Bytes(bytes),
    }
}

fn code(value: u8, name: Option<&'static str>) -> FieldValue<'static> {
    match name {
        Some(n) => FieldValue::Code(value, n),
        None => FieldValue::Uint(u32::from(value)),
    }
}

impl<'a> Walker<'a> {
    fn push(&mut self, depth: u8, key: &'static str, value: FieldValue<'a>, start: usize) {
        let end = self.r.offset();
        self.fields.push(PacketField {
            depth,
            key,
            value,
            start,
            end,
        });
    }

    /// A field of one byte at `at` that only shows some of its bits (a child of a flags byte).
    fn bits(&mut self, key: &'static str, value: FieldValue<'a>, at: usize) {
        self.fields.push(PacketField {
            depth: self.depth.saturating_add(1),
            key,
            value,
            start: at,
            end: at.saturating_add(1),
        });
    }

    /// A group around what `f` reads; its end is set even when `f` stops the walk.
    fn group(
        &mut self,
        key: &'static str,
        value: FieldValue<'a>,
        f: impl FnOnce(&mut Self) -> Step,
    ) -> Step {
        let index = self.fields.len();
        let start = self.r.offset();
        self.push(self.depth, key, value, start);
        self.depth = self.depth.saturating_add(1);
        let out = f(self);
        self.depth = self.depth.saturating_sub(1);
        let end = self.r.offset();
        if let Some(field) = self.fields.get_mut(index) {
            field.end = end;
        }
        out
    }

    fn u8(&mut self, key: &'static str) -> Option<u8> {
        let start = self.r.offset();
        let v = self.r.u8().ok()?;
        self.push(self.depth, key, FieldValue::Uint(u32::from(v)), start);
        Some(v)
    }

    fn u16(&mut self, key: &'static str) -> Option<u16> {
        let start = self.r.offset();
        let v = self.r.u16().ok()?;
        self.push(self.depth, key, FieldValue::Uint(u32::from(v)), start);
        Some(v)
    }

    fn u32(&mut self, key: &'static str) -> Step {
        let start = self.r.offset();
        let v = self.r.u32().ok()?;
        self.push(self.depth, key, FieldValue::Uint(v), start);
        Some(())
    }

    fn varint(&mut self, key: &'static str) -> Option<u32> {
        let start = self.r.offset();
        let v = self.r.varint().ok()?;
        self.push(self.depth, key, FieldValue::Uint(v), start);
        Some(v)
    }

    /// A two-byte length and that many bytes: one field (the value from `show`) with the
    /// length as its part.
    fn prefixed(&mut self, key: &'static str, show: fn(&'a [u8]) -> FieldValue<'a>) -> Step {
        let start = self.r.offset();
        let bytes = self.r.binary().ok()?;
        self.push(self.depth, key, show(bytes), start);
        self.fields.push(PacketField {
            depth: self.depth.saturating_add(1),
            key: "length",
            value: FieldValue::Uint(u32::try_from(bytes.len()).unwrap_or(u32::MAX)),
            start,
            end: start.saturating_add(2),
        });
        Some(())
    }

    fn string(&mut self, key: &'static str) -> Step {
        self.prefixed(key, text)
    }

    fn binary(&mut self, key: &'static str) -> Step {
        self.prefixed(key, FieldValue::Bytes)
    }

    fn packet(&mut self) -> Step {
        let (packet_type, flags) = self.fixed_header()?;
        let v5 = self.version == ProtocolVersion::V5;
        match packet_type {
            PacketType::Connect => self.connect(),
            PacketType::Connack => self.connack(v5),
            PacketType::Publish => self.publish(flags, v5),
            PacketType::PubAck | PacketType::PubRec => {
                self.ack(v5, |c| PubAckReason::from_u8(c).map(PubAckReason::name))
            }
            PacketType::PubRel | PacketType::PubComp => {
                self.ack(v5, |c| PubRelReason::from_u8(c).map(PubRelReason::name))
            }
            PacketType::Subscribe => self.subscribe(v5),
            PacketType::SubAck => self.reasons(v5, true, |c| {
                SubAckReason::from_u8(c).map(SubAckReason::name)
            }),
            PacketType::Unsubscribe => self.unsubscribe(v5),
            PacketType::UnsubAck => self.reasons(v5, v5, |c| {
                UnsubAckReason::from_u8(c).map(UnsubAckReason::name)
            }),
            PacketType::PingReq | PacketType::PingResp => Some(()),
            PacketType::Disconnect if v5 => self.reason_and_properties(|c| {
                DisconnectReason::from_u8(c).map(DisconnectReason::name)
            }),
            PacketType::Disconnect => Some(()),
            PacketType::Auth => {
                self.reason_and_properties(|c| AuthReason::from_u8(c).map(AuthReason::name))
            }
        }
    }

    /// The fixed header; then the reader ends where the packet does.
    fn fixed_header(&mut self) -> Option<(PacketType, u8)> {
        let mut parsed = None;
        self.group("fixed_header", FieldValue::Group, |w| {
            let first = w.r.peek()?;
            let packet_type = PacketType::from_u8(first >> 4);
            w.r.skip(1);
            let type_value = code(first >> 4, packet_type.map(PacketType::name));
            w.push(w.depth, "packet_type", type_value, 0);
            let flags = first & 0x0F;
            w.push(w.depth, "flags", FieldValue::Uint(u32::from(flags)), 0);
            if packet_type == Some(PacketType::Publish) {
                w.bits("dup", FieldValue::Bool(flags & 0x08 != 0), 0);
                w.bits("qos", FieldValue::Uint(u32::from((flags >> 1) & 0x03)), 0);
                w.bits("retain", FieldValue::Bool(flags & 0x01 != 0), 0);
            }
            let remaining = w.varint("remaining_length")?;
            parsed = packet_type.map(|t| (t, flags, remaining));
            Some(())
        })?;
        let (packet_type, flags, remaining) = parsed?;
        // Only the packet's own bytes from here on (fewer when the input is cut short).
        let header_len = self.r.offset();
        let end = usize::try_from(remaining)
            .ok()
            .and_then(|n| header_len.checked_add(n))?;
        let body = self.r.rest();
        let body = body.get(..end.saturating_sub(header_len)).unwrap_or(body);
        self.r = Reader::new(body, header_len);
        Some((packet_type, flags))
    }

    fn properties(&mut self) -> Step {
        self.group("properties", FieldValue::Group, |w| {
            let len = w.varint("property_length")?;
            let base = w.r.offset();
            let bytes = w.r.take(usize::try_from(len).ok()?).ok()?;
            let outer = core::mem::replace(&mut w.r, Reader::new(bytes, base));
            let mut out = Some(());
            while out.is_some() && !w.r.is_empty() {
                out = w.property();
            }
            w.r = outer;
            out
        })
    }

    fn property(&mut self) -> Step {
        let raw = self.r.clone().varint().ok()?;
        let Some(id) = u8::try_from(raw).ok().and_then(PropertyId::from_u8) else {
            self.varint("property")?;
            return None;
        };
        self.group("property", FieldValue::Code(id as u8, id.name()), |w| {
            let at = w.r.offset();
            w.r.varint().ok()?;
            w.push(
                w.depth,
                "identifier",
                FieldValue::Code(id as u8, id.name()),
                at,
            );
            match id.wire_type() {
                PropertyType::Byte => w.u8("value").map(drop),
                PropertyType::TwoByteInteger => w.u16("value").map(drop),
                PropertyType::FourByteInteger => w.u32("value"),
                PropertyType::VarInt => w.varint("value").map(drop),
                PropertyType::Utf8String => w.string("value"),
                PropertyType::BinaryData => w.binary("value"),
                PropertyType::Utf8StringPair => {
                    w.string("name")?;
                    w.string("value")
                }
            }
        })
    }

    fn connect(&mut self) -> Step {
        self.string("protocol_name")?;
        let level = self.u8("protocol_level")?;
        let v5 = level == ProtocolVersion::V5.level();
        let at = self.r.offset();
        let flags = self.u8("connect_flags")?;
        let bit = |n: u8| FieldValue::Bool(flags & (1 << n) != 0);
        self.bits("username_flag", bit(7), at);
        self.bits("password_flag", bit(6), at);
        self.bits("will_retain", bit(5), at);
        self.bits(
            "will_qos",
            FieldValue::Uint(u32::from((flags >> 3) & 0x03)),
            at,
        );
        self.bits("will_flag", bit(2), at);
        self.bits("clean_start", bit(1), at);
        self.bits("reserved", bit(0), at);
        self.u16("keep_alive")?;
        if v5 {
            self.properties()?;
        }
        self.string("client_id")?;
        if flags & 0x04 != 0 {
            self.group("will", FieldValue::Group, |w| {
                if v5 {
                    w.properties()?;
                }
                w.string("topic")?;
                w.binary("payload")
            })?;
        }
        if flags & 0x80 != 0 {
            self.string("username")?;
        }
        if flags & 0x40 != 0 {
            self.prefixed("password", |b| FieldValue::Secret(b.len()))?;
        }
        Some(())
    }

    fn connack(&mut self, v5: bool) -> Step {
        let at = self.r.offset();
        let flags = self.u8("connack_flags")?;
        self.bits("session_present", FieldValue::Bool(flags & 0x01 != 0), at);
        let start = self.r.offset();
        let c = self.r.u8().ok()?;
        let reason = if v5 {
            ConnectReason::from_u8(c)
        } else {
            ConnectReason::from_v3_return_code(c)
        };
        self.push(
            self.depth,
            "reason_code",
            code(c, reason.map(ConnectReason::name)),
            start,
        );
        if v5 {
            self.properties()?;
        }
        Some(())
    }

    fn publish(&mut self, flags: u8, v5: bool) -> Step {
        self.string("topic")?;
        if (flags >> 1) & 0x03 != 0 {
            self.u16("packet_id")?;
        }
        if v5 {
            self.properties()?;
        }
        let start = self.r.offset();
        let payload = self.r.rest();
        self.push(self.depth, "payload", FieldValue::Bytes(payload), start);
        Some(())
    }

    fn reason_code(&mut self, name: fn(u8) -> Option<&'static str>) -> Step {
        let start = self.r.offset();
        let c = self.r.u8().ok()?;
        self.push(self.depth, "reason_code", code(c, name(c)), start);
        Some(())
    }

    /// PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id, then (5.0) an optional reason code and
    /// optional properties.
    fn ack(&mut self, v5: bool, name: fn(u8) -> Option<&'static str>) -> Step {
        self.u16("packet_id")?;
        if v5 {
            self.reason_and_properties(name)?;
        }
        Some(())
    }

    /// DISCONNECT and AUTH (5.0), and the tail of a 5.0 acknowledgement: each part optional.
    fn reason_and_properties(&mut self, name: fn(u8) -> Option<&'static str>) -> Step {
        if !self.r.is_empty() {
            self.reason_code(name)?;
        }
        if !self.r.is_empty() {
            self.properties()?;
        }
        Some(())
    }

    fn subscribe(&mut self, v5: bool) -> Step {
        self.u16("packet_id")?;
        if v5 {
            self.properties()?;
        }
        while !self.r.is_empty() {
            self.group("subscription", FieldValue::Group, |w| {
                w.string("topic_filter")?;
                let at = w.r.offset();
                let o = w.u8("options")?;
                w.bits("qos", FieldValue::Uint(u32::from(o & 0x03)), at);
                w.bits("no_local", FieldValue::Bool(o & 0x04 != 0), at);
                w.bits("retain_as_published", FieldValue::Bool(o & 0x08 != 0), at);
                w.bits(
                    "retain_handling",
                    FieldValue::Uint(u32::from((o >> 4) & 0x03)),
                    at,
                );
                Some(())
            })?;
        }
        Some(())
    }

    fn unsubscribe(&mut self, v5: bool) -> Step {
        self.u16("packet_id")?;
        if v5 {
            self.properties()?;
        }
        while !self.r.is_empty() {
            self.string("topic_filter")?;
        }
        Some(())
    }

    /// SUBACK and UNSUBACK: a packet id, (5.0) properties, then one reason code per filter
    /// when `codes` (a 3.1.1 UNSUBACK has none).
    fn reasons(&mut self, v5: bool, codes: bool, name: fn(u8) -> Option<&'static str>) -> Step {
        self.u16("packet_id")?;
        if v5 {
            self.properties()?;
        }
        while codes && !self.r.is_empty() {
            self.reason_code(name)?;
        }
        Some(())
    }
}
