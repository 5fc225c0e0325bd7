//! The IoTDA ClientId shapes, written and parsed (from the right: device ids contain `_`).

use alloc::string::String;

use super::super::error::{ClientIdError, IotdaError};
use super::super::ids::{check_device_id, check_scope_id};
use super::timestamp::{ConnectTimestamp, SigType};

/// Longest ClientId IoTDA accepts, in bytes (IOTDA.md §7).
pub const MAX_CLIENT_ID_LEN: usize = 256;

/// The `idType` character of a ClientId.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// `0`: the id is the platform device id (the only type IoTDA documents).
    DeviceId,
    /// `2`: the id is a node id (legacy and ROMA documents only; accepted when parsing).
    NodeId,
    /// `3`: a bridge (generic-protocol gateway) connection.
    Bridge,
}

impl IdType {
    /// The ClientId character.
    #[must_use]
    pub const fn as_char(self) -> char {
        match self {
            IdType::DeviceId => '0',
            IdType::NodeId => '2',
            IdType::Bridge => '3',
        }
    }

    /// The id type for a ClientId character.
    #[must_use]
    pub const fn from_char(c: char) -> Option<Self> {
        match c {
            '0' => Some(IdType::DeviceId),
            '2' => Some(IdType::NodeId),
            '3' => Some(IdType::Bridge),
            _ => None,
        }
    }
}

/// Everything after the device id in a ClientId.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientIdKind<'a> {
    /// `{device_id}_{idType}_{sigType}_{timestamp}`: secret or X.509 login, or a bridge.
    Signed {
        /// The id type.
        id_type: IdType,
        /// The signature type.
        sig_type: SigType,
        /// The timestamp that keys the password.
        timestamp: ConnectTimestamp,
    },
    /// `{device_id}_0_{scope_id}_{sigType}_{timestamp}`: provisioning with a
    /// registration-group secret.
    BootstrapSigned {
        /// The registration group's scope id.
        scope_id: &'a str,
        /// The signature type.
        sig_type: SigType,
        /// The timestamp that keys the password.
        timestamp: ConnectTimestamp,
    },
    /// `{device_id}_0_{scope_id}`: provisioning with a registration-group certificate.
    BootstrapCertificate {
        /// The registration group's scope id.
        scope_id: &'a str,
    },
}

/// A parsed IoTDA ClientId, borrowing from the string it came from.
///
/// ```
/// use iotmqtt::iotda::{ClientId, ClientIdKind, IdType, SigType};
/// let id = ClientId::parse("5f1c0d2e_sensor01_0_1_2026112508").unwrap();
/// assert_eq!(id.device_id, "5f1c0d2e_sensor01");
/// match id.kind {
///     ClientIdKind::Signed { id_type, sig_type, timestamp } => {
///         assert_eq!((id_type, sig_type), (IdType::DeviceId, SigType::HmacSha256Checked));
///         assert_eq!(timestamp.as_str(), "2026112508");
///     }
///     other => panic!("{other:?}"),
/// }
/// let boot = ClientId::parse("5f1c0d2e_sensor01_0_a1b2c3d4e5f6").unwrap();
/// assert!(matches!(boot.kind, ClientIdKind::BootstrapCertificate { scope_id: "a1b2c3d4e5f6" }));
/// assert_eq!(boot.to_client_id_string().unwrap(), "5f1c0d2e_sensor01_0_a1b2c3d4e5f6");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId<'a> {
    /// The device id (or bridge id, or node id for id type 2).
    pub device_id: &'a str,
    /// The shape and its fields.
    pub kind: ClientIdKind<'a>,
}

impl<'a> ClientId<'a> {
    /// Parses a ClientId from the right. A last segment of ten digits selects the timestamped
    /// shapes; anything else must be the certificate bootstrap shape `{device_id}_0_{scope_id}`
    /// (so a scope id of ten digits cannot be used with that shape).
    pub fn parse(s: &'a str) -> Result<Self, ClientIdError> {
        if s.len() > MAX_CLIENT_ID_LEN {
            return Err(ClientIdError::TooLong { len: s.len() });
        }
        let (rest, last) = s.rsplit_once('_').ok_or(ClientIdError::UnknownShape)?;
        if last.len() == 10 && last.bytes().all(|b| b.is_ascii_digit()) {
            parse_signed(rest, ConnectTimestamp::parse_inner(last)?)
        } else {
            parse_bootstrap_certificate(rest, last).ok_or(ClientIdError::UnknownShape)
        }
    }

    /// The signature type and timestamp, when the shape carries them.
    #[must_use]
    pub fn signature(&self) -> Option<(SigType, ConnectTimestamp)> {
        match self.kind {
            ClientIdKind::Signed {
                sig_type,
                timestamp,
                ..
            }
            | ClientIdKind::BootstrapSigned {
                sig_type,
                timestamp,
                ..
            } => Some((sig_type, timestamp)),
            ClientIdKind::BootstrapCertificate { .. } => None,
        }
    }

    /// Appends the ClientId after checking the device id and scope id rules.
    pub fn write(&self, out: &mut String) -> Result<(), IotdaError> {
        check_device_id(self.device_id)
            .map_err(|e| IotdaError::InvalidClientId(ClientIdError::DeviceId(e)))?;
        if let ClientIdKind::BootstrapSigned { scope_id, .. }
        | ClientIdKind::BootstrapCertificate { scope_id } = self.kind
        {
            check_scope_id(scope_id).map_err(IotdaError::InvalidScopeId)?;
        }
        self.write_unchecked(out);
        Ok(())
    }

    /// The ClientId as a new string (see [`ClientId::write`]).
    pub fn to_client_id_string(&self) -> Result<String, IotdaError> {
        let mut s = String::with_capacity(self.device_id.len() + 32);
        self.write(&mut s)?;
        Ok(s)
    }

    /// Appends the ClientId; the caller has validated the ids.
    pub(crate) fn write_unchecked(&self, out: &mut String) {
        out.push_str(self.device_id);
        out.push('_');
        match self.kind {
            ClientIdKind::Signed {
                id_type,
                sig_type,
                timestamp,
            } => {
                out.push(id_type.as_char());
                out.push('_');
                out.push(sig_type.as_char());
                out.push('_');
                out.push_str(timestamp.as_str());
            }
            ClientIdKind::BootstrapSigned {
                scope_id,
                sig_type,
                timestamp,
            } => {
                out.push_str("0_");
                out.push_str(scope_id);
                out.push('_');
                out.push(sig_type.as_char());
                out.push('_');
                out.push_str(timestamp.as_str());
            }
            ClientIdKind::BootstrapCertificate { scope_id } => {
                out.push_str("0_");
                out.push_str(scope_id);
            }
        }
    }
}

/// The single character of `s`, if it has exactly one.
fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

fn device(s: &str) -> Result<&str, ClientIdError> {
    check_device_id(s).map_err(ClientIdError::DeviceId)?;
    Ok(s)
}

/// `{device_id}_{idType}_{sigType}_{ts}` or `{device_id}_0_{scope_id}_{sigType}_{ts}`.
fn parse_signed(rest: &str, timestamp: ConnectTimestamp) -> Result<ClientId<'_>, ClientIdError> {
    let (rest, sig) = rest.rsplit_once('_').ok_or(ClientIdError::UnknownShape)?;
    let sig_type = single_char(sig)
        .and_then(SigType::from_char)
        .ok_or(ClientIdError::SigType)?;
    let (rest, segment) = rest.rsplit_once('_').ok_or(ClientIdError::UnknownShape)?;
    if let Some(c) = single_char(segment) {
        let id_type = IdType::from_char(c).ok_or(ClientIdError::IdType)?;
        return Ok(ClientId {
            device_id: device(rest)?,
            kind: ClientIdKind::Signed {
                id_type,
                sig_type,
                timestamp,
            },
        });
    }
    check_scope_id(segment).map_err(|_| ClientIdError::UnknownShape)?;
    let (device_id, zero) = rest.rsplit_once('_').ok_or(ClientIdError::UnknownShape)?;
    if zero != "0" {
        return Err(ClientIdError::IdType);
    }
    Ok(ClientId {
        device_id: device(device_id)?,
        kind: ClientIdKind::BootstrapSigned {
            scope_id: segment,
            sig_type,
            timestamp,
        },
    })
}

/// `{device_id}_0_{scope_id}`.
fn parse_bootstrap_certificate<'a>(rest: &'a str, scope_id: &'a str) -> Option<ClientId<'a>> {
    check_scope_id(scope_id).ok()?;
    let (device_id, zero) = rest.rsplit_once('_')?;
    (zero == "0" && check_device_id(device_id).is_ok()).then_some(ClientId {
        device_id,
        kind: ClientIdKind::BootstrapCertificate { scope_id },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> ConnectTimestamp {
        ConnectTimestamp::parse(s).unwrap()
    }

    #[test]
    fn shapes() {
        let cases = [
            (
                "a_b_c_3_2_2026112508",
                ClientId {
                    device_id: "a_b_c",
                    kind: ClientIdKind::Signed {
                        id_type: IdType::Bridge,
                        sig_type: SigType::HmacSm3,
                        timestamp: ts("2026112508"),
                    },
                },
            ),
            (
                "p_n_2_0_2026112524",
                ClientId {
                    device_id: "p_n",
                    kind: ClientIdKind::Signed {
                        id_type: IdType::NodeId,
                        sig_type: SigType::HmacSha256,
                        timestamp: ts("2026112524"),
                    },
                },
            ),
            (
                "d_0_0_scope2_1_2026112508",
                ClientId {
                    device_id: "d_0",
                    kind: ClientIdKind::BootstrapSigned {
                        scope_id: "scope2",
                        sig_type: SigType::HmacSha256Checked,
                        timestamp: ts("2026112508"),
                    },
                },
            ),
            (
                "dev_1_0_abcdef0123",
                ClientId {
                    device_id: "dev_1",
                    kind: ClientIdKind::BootstrapCertificate {
                        scope_id: "abcdef0123",
                    },
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(ClientId::parse(text), Ok(expected), "{text}");
            assert_eq!(expected.to_client_id_string().unwrap(), text);
        }
    }

    #[test]
    fn bad_shapes() {
        let long = alloc::format!("{}_0_0_2026112508", "x".repeat(250));
        let cases: [(&str, ClientIdError); 12] = [
            ("", ClientIdError::UnknownShape),
            ("dev", ClientIdError::UnknownShape),
            ("dev_0_2026112508", ClientIdError::UnknownShape),
            ("dev_1_abcdef0123", ClientIdError::UnknownShape),
            ("dev_0_a_b", ClientIdError::UnknownShape),
            ("dev_0_5_2026112508", ClientIdError::SigType),
            ("dev_1_0_2026112508", ClientIdError::IdType),
            ("dev_0_0_2026133108", ClientIdError::Timestamp),
            (
                "_0_0_2026112508",
                ClientIdError::DeviceId(crate::iotda::IdError::Empty),
            ),
            ("dev_1_scope_0_2026112508", ClientIdError::IdType),
            (
                "dé_0_0_2026112508",
                ClientIdError::DeviceId(crate::iotda::IdError::InvalidChar { at: 1 }),
            ),
            (&long, ClientIdError::TooLong { len: long.len() }),
        ];
        for (text, err) in cases {
            assert_eq!(ClientId::parse(text), Err(err), "{text}");
        }
    }
}
