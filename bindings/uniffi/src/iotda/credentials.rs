//! IoTDA login: [`DeviceAuth`] (an identity; an object so that its secret never reaches a
//! generated `toString`/`description`) makes [`IotdaCredentials`] for a UTC time.
//!
//! UTC times cross the FFI as milliseconds since the Unix epoch (Kotlin
//! `System.currentTimeMillis()`, Swift `Date().timeIntervalSince1970 * 1000`).

use std::sync::Arc;

use iotmqtt::iotda::{
    self, ConnectTimestamp, DeviceId, DeviceSecret, GroupSecret, ScopeId, UtcTime,
};

use crate::error::Result;

/// How the password is signed (the `sigType` digit of the ClientId).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SigType {
    /// `0`: HMAC-SHA256, timestamp not checked (the C, Java and Go SDKs' default).
    HmacSha256,
    /// `1`: HMAC-SHA256, timestamp checked.
    HmacSha256Checked,
    /// `2`: HMAC-SM3, timestamp checked.
    HmacSm3,
}

impl From<SigType> for iotda::SigType {
    fn from(s: SigType) -> Self {
        match s {
            SigType::HmacSha256 => iotda::SigType::HmacSha256,
            SigType::HmacSha256Checked => iotda::SigType::HmacSha256Checked,
            SigType::HmacSm3 => iotda::SigType::HmacSm3,
        }
    }
}

impl From<iotda::SigType> for SigType {
    fn from(s: iotda::SigType) -> Self {
        match s {
            iotda::SigType::HmacSha256 => SigType::HmacSha256,
            iotda::SigType::HmacSha256Checked => SigType::HmacSha256Checked,
            iotda::SigType::HmacSm3 => SigType::HmacSm3,
        }
    }
}

/// The UTC time of `unix_ms` milliseconds since the epoch, as the core checks it.
pub(crate) fn utc(unix_ms: u64) -> Result<UtcTime> {
    Ok(UtcTime::from_unix_millis(unix_ms)?)
}

/// Parses a UTC time `yyyy-MM-ddTHH:mm:ssZ` (also with `.SSS`) or `yyyyMMddTHHmmssZ` into
/// milliseconds since the Unix epoch.
///
/// # Errors
/// `invalid_time` (kind usage) for anything else or an impossible date.
#[uniffi::export]
pub fn parse_utc_time(text: String) -> Result<u64> {
    Ok(UtcTime::parse(&text)?.unix_millis())
}

/// An IoTDA device identity: makes the ClientId, Username and Password of each CONNECT.
/// Its `Debug` (and the generated Kotlin/Swift descriptions) never show the secret.
#[derive(Debug, uniffi::Object)]
pub struct DeviceAuth {
    pub(crate) inner: iotda::DeviceAuth,
}

impl DeviceAuth {
    fn wrap(inner: iotda::DeviceAuth, sig_type: SigType) -> Arc<Self> {
        Arc::new(DeviceAuth {
            inner: inner.with_sig_type(sig_type.into()),
        })
    }
}

#[uniffi::export]
impl DeviceAuth {
    /// A device with its own secret (the common case).
    ///
    /// # Errors
    /// `invalid_device_id`, `invalid_secret`.
    #[uniffi::constructor]
    pub fn secret(device_id: String, secret: String, sig_type: SigType) -> Result<Arc<Self>> {
        let auth =
            iotda::DeviceAuth::secret(DeviceId::new(&device_id)?, DeviceSecret::new(secret)?);
        Ok(Self::wrap(auth, sig_type))
    }

    /// A bridge (its bridge id and secret).
    ///
    /// # Errors
    /// `invalid_device_id`, `invalid_secret`.
    #[uniffi::constructor]
    pub fn bridge(bridge_id: String, secret: String, sig_type: SigType) -> Result<Arc<Self>> {
        let auth =
            iotda::DeviceAuth::bridge(DeviceId::new(&bridge_id)?, DeviceSecret::new(secret)?);
        Ok(Self::wrap(auth, sig_type))
    }

    /// A device provisioned through a registration group's secret (base64): the device
    /// secret is derived from it.
    ///
    /// # Errors
    /// `invalid_device_id`, `invalid_secret`, `invalid_scope_id`.
    #[uniffi::constructor]
    pub fn bootstrap_group_secret(
        device_id: String,
        group_secret: String,
        scope_id: String,
        sig_type: SigType,
    ) -> Result<Arc<Self>> {
        let device_id = DeviceId::new(&device_id)?;
        let group = GroupSecret::new(&group_secret)?;
        let auth =
            iotda::DeviceAuth::bootstrap_group_secret(device_id, &group, ScopeId::new(&scope_id)?);
        Ok(Self::wrap(auth, sig_type))
    }

    /// A device provisioned with its X.509 certificate (the TLS layer authenticates it).
    ///
    /// # Errors
    /// `invalid_device_id`, `invalid_scope_id`.
    #[uniffi::constructor]
    pub fn bootstrap_certificate(
        device_id: String,
        scope_id: String,
        sig_type: SigType,
    ) -> Result<Arc<Self>> {
        let auth = iotda::DeviceAuth::bootstrap_certificate(
            DeviceId::new(&device_id)?,
            ScopeId::new(&scope_id)?,
        );
        Ok(Self::wrap(auth, sig_type))
    }

    /// A device authenticated by its X.509 certificate (no password).
    ///
    /// # Errors
    /// `invalid_device_id`.
    #[uniffi::constructor]
    pub fn certificate(device_id: String, sig_type: SigType) -> Result<Arc<Self>> {
        Ok(Self::wrap(
            iotda::DeviceAuth::certificate(DeviceId::new(&device_id)?),
            sig_type,
        ))
    }

    /// The device id (bridge id for a bridge).
    pub fn device_id(&self) -> String {
        self.inner.device_id().as_str().into()
    }

    /// The sig type.
    pub fn sig_type(&self) -> SigType {
        self.inner.sig_type().into()
    }

    /// The device secret the password is made from (the derived one for a registration
    /// group), if any. It is a secret: do not log it.
    pub fn device_secret(&self) -> Option<String> {
        self.inner.device_secret().map(|s| s.expose().into())
    }

    /// The credentials of a CONNECT at `utc_ms` (milliseconds since the Unix epoch).
    ///
    /// # Errors
    /// `invalid_time` outside the years 1970–9999.
    pub fn credentials(&self, utc_ms: u64) -> Result<Arc<IotdaCredentials>> {
        let c = self.inner.credentials(&utc(utc_ms)?);
        Ok(Arc::new(IotdaCredentials { inner: c }))
    }
}

/// The ClientId, Username and Password of one CONNECT. An object, so the password never
/// reaches a generated `toString`/`description`.
#[derive(Debug, uniffi::Object)]
pub struct IotdaCredentials {
    inner: iotda::Credentials,
}

#[uniffi::export]
impl IotdaCredentials {
    /// The ClientId, e.g. `dev_1_0_0_2026112508`.
    pub fn client_id(&self) -> String {
        self.inner.client_id().into()
    }

    /// The User Name (the device id).
    pub fn username(&self) -> String {
        self.inner.username().into()
    }

    /// The Password (lowercase hex HMAC), none for certificate identities. A secret.
    pub fn password(&self) -> Option<String> {
        self.inner.password().map(|p| p.as_str().into())
    }
}

/// The password for `secret` and a `YYYYMMDDHH` timestamp (hours up to 99 are accepted, as the
/// C SDK's bumped timestamps need).
///
/// # Errors
/// `invalid_secret`, `invalid_time`.
#[uniffi::export]
pub fn compute_password(secret: String, timestamp: String, sig_type: SigType) -> Result<String> {
    let secret = DeviceSecret::new(secret)?;
    let ts = ConnectTimestamp::parse(&timestamp)?;
    Ok(iotda::compute_password(&secret, &ts, sig_type.into())
        .as_str()
        .into())
}
