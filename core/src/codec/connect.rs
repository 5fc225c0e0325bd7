//! CONNECT and CONNACK (MQTT 5.0 §3.1–3.2, MQTT 3.1.1 §3.1–3.2).

use core::fmt;

use super::properties::{Properties, PropertyContext};
use super::reader::Reader;
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
    /// Decodes the body of a CONNECT (the fixed header has been read).
    pub(crate) fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let name_at = r.offset();
        let name = r.binary()?;
        if name != PROTOCOL_NAME {
            return Err(Reader::invalid_at(name_at, Violation::InvalidProtocolName));
        }
        let level_at = r.offset();
        let level = r.u8()?;
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
