//! Payloads of the bridge (generic-protocol) login flow (IOTDA.md §6.3).

use alloc::string::String;

use serde::{Deserialize, Serialize};

use super::JsonPayload;
use crate::iotda::credentials::{ConnectTimestamp, SigType, compute_password};
use crate::iotda::secret::{DeviceSecret, SecretString};
use crate::iotda::utc::UtcTime;

/// Up, `login/request_id={rid}` behind a bridge: the device's password, made as for CONNECT.
/// `Debug` hides the password.
///
/// ```
/// use iotmqtt::iotda::{BridgeLogin, DeviceSecret, JsonPayload, SigType, UtcTime};
/// let secret = DeviceSecret::new("s3cr3t-Key").unwrap();
/// let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
/// let login = BridgeLogin::new(&secret, &now, SigType::HmacSha256);
/// assert_eq!(login.timestamp, "2026112508");
/// let json = String::from_utf8(login.to_json().unwrap()).unwrap();
/// assert!(json.starts_with(r#"{"sign_type":0,"timestamp":"2026112508","password":""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeLogin {
    /// The sig type (0, 1 or 2).
    pub sign_type: u8,
    /// `YYYYMMDDHH` (UTC).
    pub timestamp: String,
    /// Lowercase hex HMAC, as the CONNECT password.
    pub password: SecretString,
}

impl BridgeLogin {
    /// The login of a device with `secret` at `now`.
    #[must_use]
    pub fn new(secret: &DeviceSecret, now: &UtcTime, sig_type: SigType) -> Self {
        let ts = ConnectTimestamp::from_utc(now);
        BridgeLogin {
            sign_type: sig_type.as_u8(),
            timestamp: ts.as_str().into(),
            password: SecretString::new(compute_password(secret, &ts, sig_type).as_str()),
        }
    }
}

impl JsonPayload for BridgeLogin {}

/// Up, `reset_secret/request_id={rid}` behind a bridge. `Debug` hides both secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeResetSecret {
    /// The current secret.
    pub old_secret: SecretString,
    /// The new secret.
    pub new_secret: SecretString,
}

impl JsonPayload for BridgeResetSecret {}
