//! Secrets: wiped from memory when dropped, printed as `***` by `Debug`.

use core::fmt;

use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use super::error::{IotdaError, SecretError};

/// Longest device or group secret this profile accepts, in bytes. IOTDA.md documents no limit;
/// 256 matches the bound on every CONNECT field and keeps memory bounded.
pub const MAX_SECRET_LEN: usize = 256;

/// Compares two byte strings in time that depends on their lengths only, not on where they
/// differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A string that holds a secret (an access token, a secret inside a payload). Its memory is
/// zeroed on drop, `Debug` prints `***`, and serde reads and writes it as a plain JSON string.
///
/// ```
/// use iotmqtt::iotda::SecretString;
/// let token = SecretString::new("tok-123");
/// assert_eq!(format!("{token:?}"), "***");
/// assert_eq!(token.expose(), "tok-123");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `s`; the string's memory is wiped when this value drops.
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(Zeroizing::new(s.into()))
    }

    /// The secret itself. The name says what it does: use it only to put the value on the wire.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

/// A device secret ("一机一密"): non-empty, at most [`MAX_SECRET_LEN`] bytes. Zeroed on drop;
/// `Debug` prints `***`.
///
/// ```
/// use iotmqtt::iotda::{DeviceSecret, IotdaError, SecretError};
/// let s = DeviceSecret::new("s3cr3t-Key").unwrap();
/// assert_eq!(format!("{s:?}"), "***");
/// assert_eq!(DeviceSecret::new("").unwrap_err(), IotdaError::InvalidSecret(SecretError::Empty));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceSecret(SecretString);

impl DeviceSecret {
    /// Validates `secret`. A rejected secret is wiped too.
    pub fn new(secret: impl Into<String>) -> Result<Self, IotdaError> {
        let s = SecretString::new(secret);
        check_len(s.len())?;
        Ok(DeviceSecret(s))
    }

    /// A secret derived from a group secret (64 hex characters, so always within the limits).
    pub(crate) fn from_derived(hex: Zeroizing<String>) -> Self {
        DeviceSecret(SecretString(hex))
    }

    /// The secret's bytes: the HMAC message of the password.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.expose().as_bytes()
    }

    /// The secret itself, e.g. to store it after a bootstrap answer delivered it.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

fn check_len(len: usize) -> Result<(), IotdaError> {
    if len == 0 {
        return Err(IotdaError::InvalidSecret(SecretError::Empty));
    }
    if len > MAX_SECRET_LEN {
        return Err(IotdaError::InvalidSecret(SecretError::TooLong {
            len,
            max: MAX_SECRET_LEN,
        }));
    }
    Ok(())
}

/// A registration-group secret ("注册组密钥"), given in standard base64 as the console shows
/// it. Holds the decoded bytes, zeroed on drop; `Debug` prints `***`.
///
/// ```
/// use iotmqtt::iotda::{DeviceId, GroupSecret};
/// let group = GroupSecret::new("c2VjcmV0LWdyb3VwLWtleQ==").unwrap();
/// let id = DeviceId::new("5f1c0d2e_sensor01").unwrap();
/// // The device secret a provisioned device uses: hex HMAC-SHA256(key = device id, message = group key).
/// assert_eq!(group.derive_device_secret(&id).expose().len(), 64);
/// assert!(GroupSecret::new("not base64!").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct GroupSecret(Zeroizing<Vec<u8>>);

impl GroupSecret {
    /// Decodes and validates a base64 group secret. The decoded key must be non-empty and at
    /// most [`MAX_SECRET_LEN`] bytes.
    pub fn new(base64_secret: &str) -> Result<Self, IotdaError> {
        if base64_secret.len() > MAX_SECRET_LEN.saturating_mul(2) {
            return Err(IotdaError::InvalidSecret(SecretError::TooLong {
                len: base64_secret.len(),
                max: MAX_SECRET_LEN.saturating_mul(2),
            }));
        }
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(base64_secret)
                .map_err(|_| IotdaError::InvalidSecret(SecretError::NotBase64))?,
        );
        check_len(bytes.len())?;
        Ok(GroupSecret(bytes))
    }

    /// The decoded key bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for GroupSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A CONNECT password: 64 lowercase hex characters. Zeroed on drop; `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    pub(crate) fn from_hex(hex: Zeroizing<String>) -> Self {
        Password(hex)
    }

    /// The password as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The password as the bytes of the CONNECT Password field.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// True when `candidate` is this password; the comparison does not leak where they differ.
    #[must_use]
    pub fn matches(&self, candidate: &[u8]) -> bool {
        constant_time_eq(self.as_bytes(), candidate)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(DeviceSecret::new("x".repeat(MAX_SECRET_LEN)).is_ok());
        assert_eq!(
            DeviceSecret::new("x".repeat(MAX_SECRET_LEN + 1)).unwrap_err(),
            IotdaError::InvalidSecret(SecretError::TooLong {
                len: MAX_SECRET_LEN + 1,
                max: MAX_SECRET_LEN
            })
        );
        assert_eq!(
            GroupSecret::new("").unwrap_err(),
            IotdaError::InvalidSecret(SecretError::Empty)
        );
        assert!(GroupSecret::new(&"A".repeat(1_000)).is_err());
    }

    #[test]
    fn debug_hides_everything() {
        let s = DeviceSecret::new("hunter2").unwrap();
        let g = GroupSecret::new("aHVudGVyMg==").unwrap();
        let p = Password::from_hex(Zeroizing::new("abcd".into()));
        for dbg in [
            alloc::format!("{s:?}"),
            alloc::format!("{g:?}"),
            alloc::format!("{p:?}"),
            alloc::format!("{:?}", SecretString::new("hunter2")),
        ] {
            assert_eq!(dbg, "***");
        }
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
