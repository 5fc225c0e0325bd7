//! CONNECT and CONNACK (MQTT 5.0 §3.1–3.2, MQTT 3.1.1 §3.1–3.2).

use core::fmt;

use super::properties::{Properties, PropertyContext};
use super::reader::Reader;
#[cfg(feature = "fast-paths")]
use super::strings::validate_str;
use super::strings::{check_outgoing_binary, check_outgoing_str, check_outgoing_topic_name};
use super::writer::Write;
use super::{ConnectReason, DecodeError, PacketType, ProtocolVersion, QoS, Violation, varint};

/// A CONNECT packet: the first packet a client sends.
///
/// Its `Debug` output never shows the password, only whether there is one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Connect<'a> {
    /// The protocol version this CONNECT asks for; it decides how the packet is encoded.
    pub protocol: ProtocolVersion,
    /// Clean Start (5.0) / Clean Session (3.1.1).
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 turns keep-alive off.
    pub keep_alive: u16,
    /// CONNECT properties (5.0 only).
    pub properties: Properties<'a>,
    /// Client Identifier; may be empty, then the server assigns one (or, in 3.1.1, refuses
    /// unless Clean Session is set).
    pub client_id: &'a str,
    /// The Will Message, if any.
    pub will: Option<Will<'a>>,
    /// User Name.
    pub username: Option<&'a str>,
    /// Password (binary data).
    pub password: Option<&'a [u8]>,
}

/// The Will Message carried by CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Will<'a> {
    /// QoS of the Will Message.
    pub qos: QoS,
    /// Whether the Will Message is retained.
    pub retain: bool,
    /// Will properties (5.0 only).
    pub properties: Properties<'a>,
    /// Will Topic (a Topic Name: no wildcards, not empty).
    pub topic: &'a str,
    /// Will Payload.
    pub payload: &'a [u8],
}

/// A CONNACK packet: the server's answer to CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connack<'a> {
    /// Whether the server resumed a session.
    pub session_present: bool,
    /// The result; 3.1.1 return codes are mapped onto these (see [`ConnectReason`]).
    pub reason: ConnectReason,
    /// CONNACK properties (5.0 only).
    pub properties: Properties<'a>,
}

/// Binary Data at the front of `bytes` and what follows it, if it fits.
#[cfg(feature = "fast-paths")]
#[inline(always)]
fn split_binary(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<2>()?;
    rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))
}

impl fmt::Debug for Connect<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("protocol", &self.protocol)
            .field("clean_start", &self.clean_start)
            .field("keep_alive", &self.keep_alive)
            .field("properties", &self.properties)
            .field("client_id", &self.client_id)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &self.password.map(|_| "<redacted>"))
            .finish()
    }
}

const PROTOCOL_NAME: &[u8] = b"MQTT";

impl<'a> Connect<'a> {
    /// The common CONNECT decoded straight from its `body`: protocol name `MQTT`, no Will, no
    /// properties. Anything else returns `None`, and [`Connect::decode`] runs and says exactly
    /// what (if anything) is wrong; whatever this accepts, `decode` accepts the same way.
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn decode_fast(body: &'a [u8]) -> Option<Self> {
        let (head, rest) = body.split_first_chunk::<10>()?;
        let [0, 4, b'M', b'Q', b'T', b'T', level, flags, ka_hi, ka_lo] = *head else {
            return None;
        };
        let protocol = ProtocolVersion::from_level(level)?;
        // Reserved bit, Will Flag, Will QoS and Will Retain all clear.
        if flags & 0b0011_1101 != 0 {
            return None;
        }
        let username_flag = flags & 0x80 != 0;
        let password_flag = flags & 0x40 != 0;
        let rest = match protocol {
            ProtocolVersion::V311 if password_flag && !username_flag => return None,
            ProtocolVersion::V311 => rest,
            ProtocolVersion::V5 => match rest.split_first() {
                Some((0, rest)) => rest,
                _ => return None,
            },
        };
        let (client_id, rest) = split_binary(rest)?;
        let client_id = validate_str(client_id).ok()?;
        let (username, rest) = if username_flag {
            let (u, rest) = split_binary(rest)?;
            (Some(validate_str(u).ok()?), rest)
        } else {
            (None, rest)
        };
        let (password, rest) = if password_flag {
            let (p, rest) = split_binary(rest)?;
            (Some(p), rest)
        } else {
            (None, rest)
        };
        if !rest.is_empty() {
            return None;
        }
        Some(Connect {
            protocol,
            clean_start: flags & 0x02 != 0,
            keep_alive: u16::from_be_bytes([ka_hi, ka_lo]),
            properties: Properties::empty(),
            client_id,
            will: None,
            username,
            password,
        })
    }

    /// Decodes the body of a CONNECT (the fixed header has been read).
    #[inline]
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let name_at = r.offset();
        // The common case in one comparison: 00 04 'M' 'Q' 'T' 'T'.
        let level = match r.peek_array::<7>() {
            Some([0, 4, b'M', b'Q', b'T', b'T', level]) => {
                r.skip(7);
                level
            }
            _ => {
                let name = r.binary()?;
                if name != PROTOCOL_NAME {
                    return Err(Reader::invalid_at(name_at, Violation::InvalidProtocolName));
                }
                r.u8()?
            }
        };
        let level_at = r.offset() - 1;
        let protocol = ProtocolVersion::from_level(level).ok_or_else(|| {
            Reader::invalid_at(level_at, Violation::UnsupportedProtocolLevel(level))
        })?;
        let flags_at = r.offset();
        let flags = r.u8()?;
        let bad_flags = || Reader::invalid_at(flags_at, Violation::InvalidConnectFlags);
        if flags & 0x01 != 0 {
            return Err(bad_flags());
        }
        let clean_start = flags & 0x02 != 0;
        let will_flag = flags & 0x04 != 0;
        let will_qos_bits = (flags >> 3) & 0x03;
        let will_retain = flags & 0x20 != 0;
        let password_flag = flags & 0x40 != 0;
        let username_flag = flags & 0x80 != 0;
        if !will_flag && (will_qos_bits != 0 || will_retain) {
            return Err(bad_flags());
        }
        let will_qos = QoS::from_u8(will_qos_bits).ok_or_else(bad_flags)?;
        if protocol == ProtocolVersion::V311 && password_flag && !username_flag {
            return Err(bad_flags());
        }
        let keep_alive = r.u16()?;
        let properties = if protocol == ProtocolVersion::V5 {
            Properties::read(r, PropertyContext::Connect)?
        } else {
            Properties::empty()
        };
        let client_id = r.string()?;
        let will = if will_flag {
            let properties = if protocol == ProtocolVersion::V5 {
                Properties::read(r, PropertyContext::Will)?
            } else {
                Properties::empty()
            };
            let topic_at = r.offset();
            let topic = r.topic_name()?;
            if topic.is_empty() {
                return Err(Reader::invalid_at(topic_at, Violation::EmptyTopic));
            }
            let payload = r.binary()?;
            Some(Will {
                qos: will_qos,
                retain: will_retain,
                properties,
                topic,
                payload,
            })
        } else {
            None
        };
        let username = if username_flag {
            Some(r.string()?)
        } else {
            None
        };
        let password = if password_flag {
            Some(r.binary()?)
        } else {
            None
        };
        Ok(Connect {
            protocol,
            clean_start,
            keep_alive,
            properties,
            client_id,
            will,
            username,
            password,
        })
    }

    /// Validates and measures the body; returns (remaining length, property lengths).
    pub(crate) fn measure(&self) -> Result<(usize, usize, usize), Violation> {
        let v5 = self.protocol == ProtocolVersion::V5;
        let mut len = 2 + PROTOCOL_NAME.len() + 1 + 1 + 2;
        let props = if v5 {
            let n = self.properties.check_outgoing(PropertyContext::Connect)?;
            len += varint::len(u32::try_from(n).unwrap_or(u32::MAX)) + n;
            n
        } else {
            if !self.properties.is_empty() {
                return Err(Violation::NotInVersion);
            }
            0
        };
        check_outgoing_str(self.client_id)?;
        len += 2 + self.client_id.len();
        let mut will_props = 0;
        if let Some(will) = &self.will {
            if v5 {
                will_props = will.properties.check_outgoing(PropertyContext::Will)?;
                len += varint::len(u32::try_from(will_props).unwrap_or(u32::MAX)) + will_props;
            } else if !will.properties.is_empty() {
                return Err(Violation::NotInVersion);
            }
            check_outgoing_topic_name(will.topic)?;
            if will.topic.is_empty() {
                return Err(Violation::EmptyTopic);
            }
            check_outgoing_binary(will.payload)?;
            len += 2 + will.topic.len() + 2 + will.payload.len();
        }
        if let Some(u) = self.username {
            check_outgoing_str(u)?;
            len += 2 + u.len();
        }
        if let Some(p) = self.password {
            if !v5 && self.username.is_none() {
                return Err(Violation::InvalidConnectFlags);
            }
            check_outgoing_binary(p)?;
            len += 2 + p.len();
        }
        Ok((len, props, will_props))
    }

    /// Writes the body (after `measure` succeeded).
    pub(crate) fn write(&self, props: usize, will_props: usize, w: &mut impl Write) {
        let v5 = self.protocol == ProtocolVersion::V5;
        w.put_binary(PROTOCOL_NAME);
        w.put_u8(self.protocol.level());
        let mut flags = 0u8;
        if self.clean_start {
            flags |= 0x02;
        }
        if let Some(will) = &self.will {
            flags |= 0x04 | ((will.qos as u8) << 3);
            if will.retain {
                flags |= 0x20;
            }
        }
        if self.password.is_some() {
            flags |= 0x40;
        }
        if self.username.is_some() {
            flags |= 0x80;
        }
        w.put_u8(flags);
        w.put_u16(self.keep_alive);
        if v5 {
            self.properties.write(props, w);
        }
        w.put_binary(self.client_id.as_bytes());
        if let Some(will) = &self.will {
            if v5 {
                will.properties.write(will_props, w);
            }
            w.put_binary(will.topic.as_bytes());
            w.put_binary(will.payload);
        }
        if let Some(u) = self.username {
            w.put_binary(u.as_bytes());
        }
        if let Some(p) = self.password {
            w.put_binary(p);
        }
    }
}

impl<'a> Connack<'a> {
    /// The common CONNACK (no properties) straight from its body; `None` sends anything else,
    /// and every error, to [`Connack::decode`].
    #[cfg(feature = "fast-paths")]
    #[inline(always)]
    pub(crate) fn decode_fast(body: &[u8], version: ProtocolVersion) -> Option<Self> {
        let (flags, reason) = match (version, body) {
            (ProtocolVersion::V311, &[flags @ 0..=1, code]) => {
                (flags, ConnectReason::from_v3_return_code(code)?)
            }
            (ProtocolVersion::V5, &[flags @ 0..=1, code, 0]) => {
                (flags, ConnectReason::from_u8(code)?)
            }
            _ => return None,
        };
        if flags == 1 && reason.is_error() {
            return None;
        }
        Some(Connack {
            session_present: flags == 1,
            reason,
            properties: Properties::empty(),
        })
    }

    /// Decodes the body of a CONNACK.
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        let flags_at = r.offset();
        let flags = r.u8()?;
        if flags & 0xFE != 0 {
            return Err(Reader::invalid_at(flags_at, Violation::InvalidConnackFlags));
        }
        let session_present = flags & 0x01 != 0;
        let code_at = r.offset();
        let code = r.u8()?;
        let reason = match version {
            ProtocolVersion::V311 => ConnectReason::from_v3_return_code(code),
            ProtocolVersion::V5 => ConnectReason::from_u8(code),
        }
        .ok_or_else(|| {
            Reader::invalid_at(
                code_at,
                Violation::InvalidReasonCode {
                    packet: PacketType::Connack,
                    code,
                },
            )
        })?;
        if session_present && reason.is_error() {
            // [MQTT-3.2.2-6] (5.0) / [MQTT-3.2.2-4] (3.1.1): no session with a refusal.
            return Err(Reader::invalid_at(flags_at, Violation::InvalidConnackFlags));
        }
        let properties = if version == ProtocolVersion::V5 {
            Properties::read(r, PropertyContext::Connack)?
        } else {
            Properties::empty()
        };
        Ok(Connack {
            session_present,
            reason,
            properties,
        })
    }

    /// Validates and measures the body; returns (remaining length, property length).
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        if self.session_present && self.reason.is_error() {
            return Err(Violation::InvalidConnackFlags);
        }
        match version {
            ProtocolVersion::V311 => {
                if !self.properties.is_empty() || self.reason.to_v3_return_code().is_none() {
                    return Err(Violation::NotInVersion);
                }
                Ok((2, 0))
            }
            ProtocolVersion::V5 => {
                let n = self.properties.check_outgoing(PropertyContext::Connack)?;
                Ok((2 + varint::len(u32::try_from(n).unwrap_or(u32::MAX)) + n, n))
            }
        }
    }

    /// Writes the body (after `measure` succeeded).
    pub(crate) fn write(&self, version: ProtocolVersion, props: usize, w: &mut impl Write) {
        w.put_u8(u8::from(self.session_present));
        match version {
            ProtocolVersion::V311 => w.put_u8(self.reason.to_v3_return_code().unwrap_or(3)),
            ProtocolVersion::V5 => {
                w.put_u8(self.reason.as_u8());
                self.properties.write(props, w);
            }
        }
    }
}

#[cfg(test)]
#[cfg(feature = "fast-paths")]
mod tests {
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;

    fn binary(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_be_bytes());
        out.extend_from_slice(bytes);
        out
    }

    proptest! {
        /// Whatever the fast decoder accepts, the general one accepts the same way.
        #[test]
        fn fast_decode_agrees_with_the_general_path(
            level in prop_oneof![Just(4u8), Just(5u8), any::<u8>()],
            flags in any::<u8>(),
            props in prop_oneof![4 => Just(Vec::new()), 1 => Just(alloc::vec![0u8]),
                                 1 => proptest::collection::vec(any::<u8>(), 0..4)],
            id in proptest::collection::vec(
                prop_oneof![8 => b'a'..=b'z', 1 => Just(0u8), 1 => Just(0xFFu8)], 0..8),
            user in proptest::collection::vec(b'a'..=b'z', 0..6),
            pass in proptest::collection::vec(any::<u8>(), 0..6),
            trailing in proptest::collection::vec(any::<u8>(), 0..2),
        ) {
            let mut body = alloc::vec![0, 4, b'M', b'Q', b'T', b'T', level, flags, 0, 30];
            if level == 5 && props.is_empty() {
                body.push(0);
            }
            body.extend_from_slice(&props);
            body.extend(binary(&id));
            if flags & 0x80 != 0 {
                body.extend(binary(&user));
            }
            if flags & 0x40 != 0 {
                body.extend(binary(&pass));
            }
            body.extend_from_slice(&trailing);
            let fast = Connect::decode_fast(&body);
            let mut r = Reader::new(&body, 2);
            let general = Connect::decode(&mut r).and_then(|c| {
                if r.is_empty() { Ok(c) } else { Err(r.invalid(Violation::LengthMismatch)) }
            });
            if let Some(c) = fast {
                prop_assert_eq!(general, Ok(c));
            } else if let Ok(c) = general {
                // Only a Will or properties make the fast path decline a valid CONNECT.
                prop_assert!(c.will.is_some() || !c.properties.is_empty());
            }
        }
    }
}
