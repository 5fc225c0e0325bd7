//! The server side of IoTDA authentication, for the emulator: parse a CONNECT's ClientId from
//! the right, check the password for the timestamp the ClientId carries, and say why a login
//! fails in terms of the CONNACK code IoTDA sends (IOTDA.md §2).

use core::fmt;

use super::credentials::{ClientId, ClientIdKind, compute_password};
use super::error::ClientIdError;
use super::ids::DeviceId;
use super::limits::{MAX_KEEP_ALIVE_SECS, MIN_KEEP_ALIVE_SECS};
use super::secret::{DeviceSecret, GroupSecret};
use super::utc::UtcTime;
use crate::codec::{Connect, ConnectReason};
#[cfg(feature = "server")]
use crate::server::ConnectRequest;

/// The CONNECT fields a login is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRequest<'a> {
    /// The ClientId.
    pub client_id: &'a str,
    /// The User Name.
    pub username: Option<&'a str>,
    /// The Password.
    pub password: Option<&'a [u8]>,
    /// The keep-alive in seconds.
    pub keep_alive: u16,
}

/// For a broker built on [`crate::server`]: an [`Authenticator`](crate::server::Authenticator)
/// gets a [`ConnectRequest`]; a rejection becomes
/// `AuthDecision::Reject(rejection.connect_reason().into())`.
#[cfg(feature = "server")]
impl<'a> From<&'a ConnectRequest> for LoginRequest<'a> {
    fn from(c: &'a ConnectRequest) -> Self {
        LoginRequest {
            client_id: &c.client_id,
            username: c.username.as_deref(),
            password: c.password.as_ref().map(|p| p.expose()),
            keep_alive: c.keep_alive,
        }
    }
}

impl<'a> From<&Connect<'a>> for LoginRequest<'a> {
    fn from(c: &Connect<'a>) -> Self {
        LoginRequest {
            client_id: c.client_id,
            username: c.username,
            password: c.password,
            keep_alive: c.keep_alive,
        }
    }
}

/// What the server knows about the device a ClientId names (the emulator's registry answer).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisteredAuth {
    /// The device's secret.
    Secret(DeviceSecret),
    /// The registration group's secret; the device's secret is derived from it.
    GroupSecret(GroupSecret),
    /// The TLS layer verified a client certificate for this device: no password is needed.
    Certificate,
}

/// Why a login is refused. [`LoginRejection::connect_reason`] gives the CONNACK code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginRejection {
    /// The ClientId has no IoTDA shape (CONNACK 0x02).
    BadClientId(ClientIdError),
    /// The keep-alive is outside 30–1200 s (CONNACK 0x02).
    KeepAliveOutOfRange(u16),
    /// No User Name (CONNACK 0x04).
    MissingUsername,
    /// The User Name is not the ClientId's device id (CONNACK 0x04).
    UsernameMismatch,
    /// No Password for a secret identity (CONNACK 0x04).
    MissingPassword,
    /// The Password does not match (CONNACK 0x04).
    WrongPassword,
    /// Sig type 1 or 2 and the timestamp is further from now than the tolerance
    /// (CONNACK 0x04: the credential is stale).
    StaleTimestamp {
        /// Seconds between now and the nearest second of the timestamp's hour.
        skew_secs: u64,
    },
    /// The registry does not know the device (CONNACK 0x05).
    UnknownDevice,
    /// A certificate-only ClientId (`{device_id}_0_{scope_id}`) without a verified client
    /// certificate (CONNACK 0x05).
    CertificateRequired,
}

impl LoginRejection {
    /// The CONNACK reason (MQTT 5) IoTDA answers with.
    #[must_use]
    pub const fn connect_reason(&self) -> ConnectReason {
        match self {
            LoginRejection::BadClientId(_) | LoginRejection::KeepAliveOutOfRange(_) => {
                ConnectReason::ClientIdentifierNotValid
            }
            LoginRejection::MissingUsername
            | LoginRejection::UsernameMismatch
            | LoginRejection::MissingPassword
            | LoginRejection::WrongPassword
            | LoginRejection::StaleTimestamp { .. } => ConnectReason::BadUserNameOrPassword,
            LoginRejection::UnknownDevice | LoginRejection::CertificateRequired => {
                ConnectReason::NotAuthorized
            }
        }
    }

    /// The MQTT 3.1.1 CONNACK return code (2, 4 or 5).
    #[must_use]
    pub const fn return_code(&self) -> u8 {
        match self.connect_reason().to_v3_return_code() {
            Some(code) => code,
            None => 5,
        }
    }
}

impl fmt::Display for LoginRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginRejection::BadClientId(e) => write!(f, "{e}"),
            LoginRejection::KeepAliveOutOfRange(k) => write!(
                f,
                "keep-alive {k} s is outside {MIN_KEEP_ALIVE_SECS}-{MAX_KEEP_ALIVE_SECS} s"
            ),
            LoginRejection::MissingUsername => f.write_str("no user name"),
            LoginRejection::UsernameMismatch => {
                f.write_str("user name is not the ClientId's device id")
            }
            LoginRejection::MissingPassword => f.write_str("no password"),
            LoginRejection::WrongPassword => f.write_str("wrong password"),
            LoginRejection::StaleTimestamp { skew_secs } => {
                write!(f, "timestamp is {skew_secs} s away from server time")
            }
            LoginRejection::UnknownDevice => f.write_str("device not registered"),
            LoginRejection::CertificateRequired => {
                f.write_str("this ClientId needs a verified client certificate")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LoginRejection {}

/// Checks IoTDA logins. Sans-IO: the caller passes the CONNECT fields, the current UTC time,
/// and a lookup that says what it knows about the device.
///
/// Sig types 1 and 2 check the timestamp: the login is refused when now is more than the
/// tolerance away from the hour the timestamp names. IoTDA does not document its window; the
/// default is one hour. The timestamp is used as the ClientId carries it, so a C SDK client that
/// bumped `…23` to `…24` is accepted (IOTDA.md §10).
///
/// ```
/// use iotmqtt::iotda::{
///     DeviceAuth, DeviceId, DeviceSecret, LoginRejection, LoginRequest, RegisteredAuth,
///     SigType, UtcTime, Verifier,
/// };
/// let secret = DeviceSecret::new("s3cr3t-Key").unwrap();
/// let auth = DeviceAuth::secret(DeviceId::new("dev_1").unwrap(), secret.clone())
///     .with_sig_type(SigType::HmacSha256Checked);
/// let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
/// let c = auth.credentials(&now);
/// let request = LoginRequest {
///     client_id: c.client_id(),
///     username: Some(c.username()),
///     password: c.password().map(|p| p.as_bytes()),
///     keep_alive: 120,
/// };
/// let lookup = |_: &_| Some(RegisteredAuth::Secret(secret.clone()));
/// let verifier = Verifier::new();
/// let id = verifier.verify(&request, &now, lookup).unwrap();
/// assert_eq!(id.device_id, "dev_1");
///
/// let two_hours_later = UtcTime::from_unix_seconds(now.unix_seconds() + 7_200).unwrap();
/// let err = verifier.verify(&request, &two_hours_later, lookup).unwrap_err();
/// assert_eq!(err, LoginRejection::StaleTimestamp { skew_secs: 3_601 });
/// assert_eq!(err.return_code(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verifier {
    tolerance_secs: u64,
    check_keep_alive: bool,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new()
    }
}

impl Verifier {
    /// Default tolerance for sig types 1 and 2, in seconds.
    pub const DEFAULT_TOLERANCE_SECS: u64 = 3_600;

    /// A verifier with the default tolerance that also checks the keep-alive range.
    #[must_use]
    pub const fn new() -> Self {
        Verifier {
            tolerance_secs: Self::DEFAULT_TOLERANCE_SECS,
            check_keep_alive: true,
        }
    }

    /// The same verifier with another timestamp tolerance in seconds.
    #[must_use]
    pub const fn with_tolerance_secs(mut self, secs: u64) -> Self {
        self.tolerance_secs = secs;
        self
    }

    /// The same verifier, checking the keep-alive range (30–1200 s) or not.
    #[must_use]
    pub const fn with_keep_alive_check(mut self, check: bool) -> Self {
        self.check_keep_alive = check;
        self
    }

    /// The timestamp tolerance in seconds.
    #[must_use]
    pub const fn tolerance_secs(&self) -> u64 {
        self.tolerance_secs
    }

    /// Judges a login. `lookup` receives the parsed ClientId and returns what the server knows
    /// about the device, or `None` when it does not know it. On success returns the parsed
    /// ClientId (who logged in, and how).
    pub fn verify<'a, F>(
        &self,
        request: &LoginRequest<'a>,
        now: &UtcTime,
        lookup: F,
    ) -> Result<ClientId<'a>, LoginRejection>
    where
        F: FnOnce(&ClientId<'a>) -> Option<RegisteredAuth>,
    {
        let id = ClientId::parse(request.client_id).map_err(LoginRejection::BadClientId)?;
        if self.check_keep_alive
            && !(MIN_KEEP_ALIVE_SECS..=MAX_KEEP_ALIVE_SECS).contains(&request.keep_alive)
        {
            return Err(LoginRejection::KeepAliveOutOfRange(request.keep_alive));
        }
        match request.username {
            None => return Err(LoginRejection::MissingUsername),
            Some(u) if u != id.device_id => return Err(LoginRejection::UsernameMismatch),
            Some(_) => {}
        }
        let registered = lookup(&id).ok_or(LoginRejection::UnknownDevice)?;
        let signature = id.signature();
        let secret = match registered {
            RegisteredAuth::Certificate => None,
            _ if matches!(id.kind, ClientIdKind::BootstrapCertificate { .. }) => {
                return Err(LoginRejection::CertificateRequired);
            }
            RegisteredAuth::Secret(s) => Some(s),
            RegisteredAuth::GroupSecret(g) => {
                // The ClientId parser checked the device id rules.
                let device_id = DeviceId::new(id.device_id)
                    .map_err(|_| LoginRejection::BadClientId(ClientIdError::UnknownShape))?;
                Some(g.derive_device_secret(&device_id))
            }
        };
        if let (Some(secret), Some((sig_type, timestamp))) = (secret, signature) {
            let password = request.password.ok_or(LoginRejection::MissingPassword)?;
            if !compute_password(&secret, &timestamp, sig_type).matches(password) {
                return Err(LoginRejection::WrongPassword);
            }
        }
        if let Some((sig_type, timestamp)) = signature {
            if sig_type.checks_timestamp() {
                let start = timestamp.start_unix_seconds();
                let end = start.saturating_add(3_599);
                let now = now.unix_seconds();
                let skew_secs = if now < start {
                    start - now
                } else {
                    now.saturating_sub(end)
                };
                if skew_secs > self.tolerance_secs {
                    return Err(LoginRejection::StaleTimestamp { skew_secs });
                }
            }
        }
        Ok(id)
    }
}
