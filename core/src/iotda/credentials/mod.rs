//! CONNECT credentials for IoTDA (IOTDA.md §2): ClientId, Username and Password from a device
//! identity and a caller-given UTC time.
//!
//! Password = lowercase hex `HMAC(key = timestamp "YYYYMMDDHH", message = secret)`: the
//! timestamp is the key and the secret the message, the reverse of what one would guess.

mod client_id;
mod hmac;
mod timestamp;

use alloc::string::String;

pub use client_id::{ClientId, ClientIdKind, IdType, MAX_CLIENT_ID_LEN};
pub use timestamp::{ConnectTimestamp, SigType};

use self::hmac::{Algorithm, mac_hex};
use super::ids::{DeviceId, ScopeId};
use super::secret::{DeviceSecret, GroupSecret, Password};
use super::utc::UtcTime;

/// The password for `secret` at `timestamp` with `sig_type`: lowercase hex
/// HMAC-SHA256 (types 0 and 1) or HMAC-SM3 (type 2), keyed by the timestamp's ten characters,
/// over the secret's UTF-8 bytes.
///
/// Use it as-is with a timestamp taken from a peer's ClientId (see [`ConnectTimestamp`]).
///
/// ```
/// use iotmqtt::iotda::{compute_password, ConnectTimestamp, DeviceSecret, SigType};
/// let secret = DeviceSecret::new("12345678").unwrap();
/// let ts = ConnectTimestamp::parse("2025041401").unwrap();
/// let p = compute_password(&secret, &ts, SigType::HmacSha256);
/// assert_eq!(p.as_str().len(), 64);
/// assert_eq!(format!("{p:?}"), "***");
/// ```
#[must_use]
pub fn compute_password(
    secret: &DeviceSecret,
    timestamp: &ConnectTimestamp,
    sig_type: SigType,
) -> Password {
    let algorithm = match sig_type {
        SigType::HmacSha256 | SigType::HmacSha256Checked => Algorithm::Sha256,
        SigType::HmacSm3 => Algorithm::Sm3,
    };
    Password::from_hex(mac_hex(
        algorithm,
        timestamp.as_str().as_bytes(),
        secret.as_bytes(),
    ))
}

impl GroupSecret {
    /// The device secret a device provisioned through this registration group uses: lowercase
    /// hex `HMAC-SHA256(key = device id, message = decoded group secret)`.
    #[must_use]
    pub fn derive_device_secret(&self, device_id: &DeviceId) -> DeviceSecret {
        let hex = mac_hex(
            Algorithm::Sha256,
            device_id.as_str().as_bytes(),
            self.as_bytes(),
        );
        DeviceSecret::from_derived(hex)
    }
}

/// How a device proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Method {
    /// A device secret.
    Secret(DeviceSecret),
    /// A bridge's secret (`idType` 3).
    Bridge(DeviceSecret),
    /// A registration-group secret, already turned into this device's derived secret.
    BootstrapSecret {
        derived: DeviceSecret,
        scope_id: ScopeId,
    },
    /// A registration-group certificate (TLS client certificate; no password).
    BootstrapCertificate { scope_id: ScopeId },
    /// An X.509 device certificate (TLS client certificate; no password).
    Certificate,
}

/// A device identity that produces fresh CONNECT [`Credentials`] for any UTC time. Keep one
/// and call [`DeviceAuth::credentials`] before every (re)connect: the password depends on the
/// hour.
///
/// Every input is validated when it is built ([`DeviceId`], [`DeviceSecret`], [`ScopeId`],
/// [`GroupSecret`]), so producing credentials cannot fail. The default sig type is
/// [`SigType::HmacSha256`] (`0`), the C, Java and Go SDK default.
///
/// ```
/// use iotmqtt::iotda::{DeviceAuth, DeviceId, DeviceSecret, SigType, UtcTime};
/// let auth = DeviceAuth::secret(
///     DeviceId::new("5f1c0d2e_sensor01").unwrap(),
///     DeviceSecret::new("s3cr3t-Key").unwrap(),
/// )
/// .with_sig_type(SigType::HmacSha256Checked);
/// let now = UtcTime::new(2026, 11, 25, 8, 30, 0).unwrap();
/// let c = auth.credentials(&now);
/// assert_eq!(c.client_id(), "5f1c0d2e_sensor01_0_1_2026112508");
/// assert_eq!(c.username(), "5f1c0d2e_sensor01");
/// assert_eq!(c.password().unwrap().as_str().len(), 64);
/// assert!(!format!("{c:?}").contains("s3cr3t"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuth {
    device_id: DeviceId,
    method: Method,
    sig_type: SigType,
}

impl DeviceAuth {
    fn with_method(device_id: DeviceId, method: Method) -> Self {
        DeviceAuth {
            device_id,
            method,
            sig_type: SigType::HmacSha256,
        }
    }

    /// Secret authentication ("一机一密"): `{device_id}_0_{sig}_{ts}`.
    #[must_use]
    pub fn secret(device_id: DeviceId, secret: DeviceSecret) -> Self {
        Self::with_method(device_id, Method::Secret(secret))
    }

    /// A bridge (generic-protocol gateway) logging in with its own secret:
    /// `{bridge_id}_3_{sig}_{ts}`. Devices behind it log in with bridge login messages.
    #[must_use]
    pub fn bridge(bridge_id: DeviceId, secret: DeviceSecret) -> Self {
        Self::with_method(bridge_id, Method::Bridge(secret))
    }

    /// Self-registration at the bootstrap endpoint with a registration-group secret:
    /// `{device_id}_0_{scope_id}_{sig}_{ts}`, the password made from the derived device secret.
    #[must_use]
    pub fn bootstrap_group_secret(
        device_id: DeviceId,
        group_secret: &GroupSecret,
        scope_id: ScopeId,
    ) -> Self {
        let derived = group_secret.derive_device_secret(&device_id);
        Self::with_method(device_id, Method::BootstrapSecret { derived, scope_id })
    }

    /// Self-registration at the bootstrap endpoint with a registration-group certificate:
    /// `{device_id}_0_{scope_id}`, no password (the TLS client certificate authenticates).
    #[must_use]
    pub fn bootstrap_certificate(device_id: DeviceId, scope_id: ScopeId) -> Self {
        Self::with_method(device_id, Method::BootstrapCertificate { scope_id })
    }

    /// An X.509 device: `{device_id}_0_{sig}_{ts}`, no password (the TLS client certificate
    /// authenticates).
    #[must_use]
    pub fn certificate(device_id: DeviceId) -> Self {
        Self::with_method(device_id, Method::Certificate)
    }

    /// The same identity with another sig type. Ignored by
    /// [`DeviceAuth::bootstrap_certificate`], whose ClientId has no sig type.
    #[must_use]
    pub fn with_sig_type(mut self, sig_type: SigType) -> Self {
        self.sig_type = sig_type;
        self
    }

    /// The device id (or bridge id).
    #[must_use]
    pub fn device_id(&self) -> &DeviceId {
        &self.device_id
    }

    /// The sig type.
    #[must_use]
    pub fn sig_type(&self) -> SigType {
        self.sig_type
    }

    /// The device secret the password is made from (the derived secret for a group secret);
    /// `None` for certificate identities.
    #[must_use]
    pub fn device_secret(&self) -> Option<&DeviceSecret> {
        match &self.method {
            Method::Secret(s) | Method::Bridge(s) => Some(s),
            Method::BootstrapSecret { derived, .. } => Some(derived),
            Method::BootstrapCertificate { .. } | Method::Certificate => None,
        }
    }

    /// The ClientId for `now` (a borrowed view; see [`DeviceAuth::credentials`]).
    #[must_use]
    pub fn client_id(&self, now: &UtcTime) -> ClientId<'_> {
        let timestamp = ConnectTimestamp::from_utc(now);
        let sig_type = self.sig_type;
        let kind = match &self.method {
            Method::Secret(_) | Method::Certificate => ClientIdKind::Signed {
                id_type: IdType::DeviceId,
                sig_type,
                timestamp,
            },
            Method::Bridge(_) => ClientIdKind::Signed {
                id_type: IdType::Bridge,
                sig_type,
                timestamp,
            },
            Method::BootstrapSecret { scope_id, .. } => ClientIdKind::BootstrapSigned {
                scope_id: scope_id.as_str(),
                sig_type,
                timestamp,
            },
            Method::BootstrapCertificate { scope_id } => ClientIdKind::BootstrapCertificate {
                scope_id: scope_id.as_str(),
            },
        };
        ClientId {
            device_id: self.device_id.as_str(),
            kind,
        }
    }

    /// The CONNECT ClientId, Username and Password for the UTC time `now`.
    #[must_use]
    pub fn credentials(&self, now: &UtcTime) -> Credentials {
        let id = self.client_id(now);
        let mut client_id = String::with_capacity(self.device_id.len() + 32);
        // All parts were validated when this identity was built.
        id.write_unchecked(&mut client_id);
        let password = match (self.device_secret(), id.signature()) {
            (Some(secret), Some((sig_type, timestamp))) => {
                Some(compute_password(secret, &timestamp, sig_type))
            }
            _ => None,
        };
        Credentials {
            client_id,
            username: self.device_id.as_str().into(),
            password,
        }
    }
}

/// What goes into CONNECT: ClientId, Username (the device id) and, for secret identities, the
/// Password. `Debug` hides the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    client_id: String,
    username: String,
    password: Option<Password>,
}

impl Credentials {
    /// The ClientId.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The User Name (the device id).
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The Password; `None` for certificate identities.
    #[must_use]
    pub fn password(&self) -> Option<&Password> {
        self.password.as_ref()
    }
}
