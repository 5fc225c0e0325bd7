//! Validated identifiers: device ids (also bridge ids) and registration-group scope ids.

use core::fmt;
use core::ops::Deref;

use alloc::string::String;

use super::error::{IdError, IotdaError};

/// Longest device id IoTDA accepts, in bytes (IOTDA.md §7).
pub const MAX_DEVICE_ID_LEN: usize = 128;
/// Shortest scope id this profile accepts: a one-character scope id would make
/// `{device_id}_0_{scope_id}_…` indistinguishable from `{device_id}_{idType}_…`.
pub const MIN_SCOPE_ID_LEN: usize = 2;
/// Longest scope id this profile accepts (IOTDA.md documents none; this bound keeps every
/// bootstrap ClientId well under 256 bytes).
pub const MAX_SCOPE_ID_LEN: usize = 64;

/// Checks the device id rules `[A-Za-z0-9_-]{1,128}`.
pub(crate) fn check_device_id(id: &str) -> Result<(), IdError> {
    check_chars(id, 1, MAX_DEVICE_ID_LEN, |c| {
        c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
    })
}

/// Checks the scope id rules `[A-Za-z0-9]{2,64}`.
pub(crate) fn check_scope_id(id: &str) -> Result<(), IdError> {
    check_chars(id, MIN_SCOPE_ID_LEN, MAX_SCOPE_ID_LEN, |c| {
        c.is_ascii_alphanumeric()
    })
}

fn check_chars(id: &str, min: usize, max: usize, ok: impl Fn(u8) -> bool) -> Result<(), IdError> {
    let len = id.len();
    if len == 0 {
        return Err(IdError::Empty);
    }
    if len > max {
        return Err(IdError::TooLong { len, max });
    }
    if let Some(at) = id.bytes().position(|c| !ok(c)) {
        return Err(IdError::InvalidChar { at });
    }
    if len < min {
        return Err(IdError::TooShort { len, min });
    }
    Ok(())
}

/// An IoTDA device id (also used for bridge ids): 1–128 characters of `[A-Za-z0-9_-]`,
/// normally `{product_id}_{node_id}`.
///
/// ```
/// use iotmqtt::iotda::{DeviceId, IdError, IotdaError};
/// let id = DeviceId::new("5f1c0d2e_sensor01").unwrap();
/// assert_eq!(id.as_str(), "5f1c0d2e_sensor01");
/// assert_eq!(DeviceId::new(""), Err(IotdaError::InvalidDeviceId(IdError::Empty)));
/// assert!(DeviceId::new("capteur-é").is_err());
/// assert!(DeviceId::new(&"x".repeat(129)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(String);

impl DeviceId {
    /// Validates `id`.
    pub fn new(id: &str) -> Result<Self, IotdaError> {
        check_device_id(id).map_err(IotdaError::InvalidDeviceId)?;
        Ok(DeviceId(id.into()))
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for DeviceId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DeviceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for DeviceId {
    type Error = IotdaError;
    fn try_from(id: &str) -> Result<Self, IotdaError> {
        DeviceId::new(id)
    }
}

/// The scope id of a registration group (self-registration through the bootstrap endpoint):
/// 2–64 characters of `[A-Za-z0-9]`.
///
/// ```
/// use iotmqtt::iotda::ScopeId;
/// assert!(ScopeId::new("a1b2c3d4e5f6").is_ok());
/// assert!(ScopeId::new("a_b").is_err()); // `_` would break ClientId parsing
/// assert!(ScopeId::new("3").is_err()); // ambiguous with an id type
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId(String);

impl ScopeId {
    /// Validates `id`.
    pub fn new(id: &str) -> Result<Self, IotdaError> {
        check_scope_id(id).map_err(IotdaError::InvalidScopeId)?;
        Ok(ScopeId(id.into()))
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_id_rules() {
        assert_eq!(check_device_id("a-b_C9"), Ok(()));
        assert_eq!(check_device_id(&"x".repeat(128)), Ok(()));
        assert_eq!(
            check_device_id(&"x".repeat(129)),
            Err(IdError::TooLong { len: 129, max: 128 })
        );
        assert_eq!(check_device_id("ab/c"), Err(IdError::InvalidChar { at: 2 }));
        assert_eq!(check_device_id("é"), Err(IdError::InvalidChar { at: 0 }));
        assert_eq!(check_device_id("a b"), Err(IdError::InvalidChar { at: 1 }));
    }

    #[test]
    fn scope_id_rules() {
        assert_eq!(check_scope_id("ab"), Ok(()));
        assert_eq!(
            check_scope_id("a"),
            Err(IdError::TooShort { len: 1, min: 2 })
        );
        assert_eq!(check_scope_id("a-b"), Err(IdError::InvalidChar { at: 1 }));
        assert_eq!(
            check_scope_id(&"a".repeat(65)),
            Err(IdError::TooLong { len: 65, max: 64 })
        );
    }
}
