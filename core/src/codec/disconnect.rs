//! DISCONNECT and AUTH (MQTT 5.0 §3.14–3.15). PINGREQ and PINGRESP have no body at all.

use super::properties::{Properties, PropertyContext};
use super::reader::Reader;
use super::writer::Write;
use super::{
    AuthReason, DecodeError, DisconnectReason, PacketType, ProtocolVersion, Violation, varint,
};

/// A DISCONNECT packet. In 3.1.1 it carries nothing and only the client sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect<'a> {
    /// Why the connection ends (5.0 only; normal in 3.1.1).
    pub reason: DisconnectReason,
    /// DISCONNECT properties (5.0 only).
    pub properties: Properties<'a>,
}

impl Default for Disconnect<'_> {
    fn default() -> Self {
        Disconnect::new(DisconnectReason::NormalDisconnection)
    }
}

/// An AUTH packet (5.0 only): one step of enhanced authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth<'a> {
    /// The step.
    pub reason: AuthReason,
    /// AUTH properties: Authentication Method and Data, Reason String, User Properties.
    pub properties: Properties<'a>,
}

macro_rules! reason_and_properties {
    ($name:ident, $reason:ident, $default:ident, $ptype:ident, $ctx:ident) => {
        impl<'a> $name<'a> {
            /// A packet with this reason and no properties.
            #[must_use]
            pub const fn new(reason: $reason) -> Self {
                $name {
                    reason,
                    properties: Properties::empty(),
                }
            }

            /// Decodes a 5.0 body: an absent reason means success, absent properties mean none.
            pub(crate) fn decode_v5(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                let mut p = $name::new($reason::$default);
                if r.is_empty() {
                    return Ok(p);
                }
                let at = r.offset();
                let code = r.u8()?;
                p.reason = $reason::from_u8(code).ok_or_else(|| {
                    Reader::invalid_at(
                        at,
                        Violation::InvalidReasonCode {
                            packet: PacketType::$ptype,
                            code,
                        },
                    )
                })?;
                if !r.is_empty() {
                    p.properties = Properties::read(r, PropertyContext::$ctx)?;
                }
                Ok(p)
            }

            /// Validates and measures a 5.0 body (shortest form).
            pub(crate) fn measure_v5(&self) -> Result<(usize, usize), Violation> {
                let n = self.properties.check_outgoing(PropertyContext::$ctx)?;
                if n > 0 {
                    Ok((1 + varint::len(u32::try_from(n).unwrap_or(u32::MAX)) + n, n))
                } else if self.reason != $reason::$default {
                    Ok((1, 0))
                } else {
                    Ok((0, 0))
                }
            }

            /// Writes a 5.0 body.
            pub(crate) fn write_v5(&self, props: usize, w: &mut impl Write) {
                if props > 0 {
                    w.put_u8(self.reason.as_u8());
                    self.properties.write(props, w);
                } else if self.reason != $reason::$default {
                    w.put_u8(self.reason.as_u8());
                }
            }
        }
    };
}

reason_and_properties!(
    Disconnect,
    DisconnectReason,
    NormalDisconnection,
    Disconnect,
    Disconnect
);
reason_and_properties!(Auth, AuthReason, Success, Auth, Auth);

impl<'a> Disconnect<'a> {
    /// Decodes the body for `version`.
    pub(crate) fn decode(
        r: &mut Reader<'a>,
        version: ProtocolVersion,
    ) -> Result<Self, DecodeError> {
        match version {
            ProtocolVersion::V311 => Ok(Disconnect::default()),
            ProtocolVersion::V5 => Self::decode_v5(r),
        }
    }

    /// Validates and measures the body for `version`.
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<(usize, usize), Violation> {
        match version {
            ProtocolVersion::V311 => {
                if self.reason != DisconnectReason::NormalDisconnection
                    || !self.properties.is_empty()
                {
                    return Err(Violation::NotInVersion);
                }
                Ok((0, 0))
            }
            ProtocolVersion::V5 => self.measure_v5(),
        }
    }
}
