//! What can go wrong in the IoTDA profile. Every failure is a caller's misuse
//! ([`crate::ErrorKind::Usage`]): an argument that breaks an IoTDA rule, or bytes handed to a
//! decoder that are not the documented JSON. Messages never contain a secret, a password or any
//! part of the rejected input's value.

use core::fmt;

/// Why an identifier (device id, bridge id, scope id) is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier is empty.
    Empty,
    /// The identifier is longer than allowed.
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The identifier is shorter than allowed.
    TooShort {
        /// Its length in bytes.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// A byte outside the allowed characters (`[A-Za-z0-9_-]` for device ids, `[A-Za-z0-9]` for
    /// scope ids; non-ASCII characters are never allowed).
    InvalidChar {
        /// Byte offset of the first bad character.
        at: usize,
    },
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Empty => f.write_str("is empty"),
            IdError::TooLong { len, max } => write!(f, "is {len} bytes long, the limit is {max}"),
            IdError::TooShort { len, min } => {
                write!(f, "is {len} bytes long, the minimum is {min}")
            }
            IdError::InvalidChar { at } => write!(f, "has a character not allowed at byte {at}"),
        }
    }
}

/// Why a secret (device secret, registration-group secret) is rejected. The secret itself is
/// never part of the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty.
    Empty,
    /// The secret is longer than [`MAX_SECRET_LEN`](crate::iotda::MAX_SECRET_LEN) bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A registration-group secret that is not standard base64.
    NotBase64,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Empty => f.write_str("secret is empty"),
            SecretError::TooLong { len, max } => {
                write!(f, "secret is {len} bytes long, the limit is {max}")
            }
            SecretError::NotBase64 => f.write_str("group secret is not valid base64"),
        }
    }
}

/// Why a ClientId does not have one of the documented IoTDA shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientIdError {
    /// Longer than 256 bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// None of `{device_id}_{idType}_{sigType}_{timestamp}`,
    /// `{device_id}_0_{scope_id}_{sigType}_{timestamp}` or `{device_id}_0_{scope_id}`.
    UnknownShape,
    /// The sig type is not `0`, `1` or `2`.
    SigType,
    /// The id type is not `0`, `2` or `3`.
    IdType,
    /// The timestamp is not `YYYYMMDDHH` (10 digits, a real month and day).
    Timestamp,
    /// The device id part breaks the device id rules.
    DeviceId(IdError),
}

impl fmt::Display for ClientIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientIdError::TooLong { len } => {
                write!(f, "ClientId is {len} bytes long, the limit is 256")
            }
            ClientIdError::UnknownShape => f.write_str("ClientId has no IoTDA shape"),
            ClientIdError::SigType => f.write_str("ClientId sig type is not 0, 1 or 2"),
            ClientIdError::IdType => f.write_str("ClientId id type is not 0, 2 or 3"),
            ClientIdError::Timestamp => f.write_str("ClientId timestamp is not YYYYMMDDHH"),
            ClientIdError::DeviceId(e) => write!(f, "ClientId device id {e}"),
        }
    }
}

/// Why a topic cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TopicError {
    /// A device id, bridge id or M2M peer id in the topic breaks the device id rules.
    DeviceId(IdError),
    /// A request id that is empty or holds `+`, `#` or U+0000.
    RequestId,
    /// A `$oc/devices/{id}/user/{name}` name that is not 1–64 characters of `[A-Za-z0-9_/]`,
    /// starts with `/` or holds `//`.
    UserTopicName,
    /// A free custom topic that is empty, starts with `$oc`, holds a wildcard or U+0000, or is
    /// longer than 128 bytes.
    CustomTopic,
    /// The topic is longer than its limit (128 bytes for M2M, 65,535 for any MQTT topic).
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// This combination is not in the IoTDA catalogue (e.g. a bridge-only topic for a directly
    /// connected device, or a `?request_id=` suffix on a topic that does not document one).
    NotInCatalogue,
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicError::DeviceId(e) => write!(f, "device id in topic {e}"),
            TopicError::RequestId => f.write_str("request id is empty or holds +, # or NUL"),
            TopicError::UserTopicName => f.write_str(
                "custom topic name must be 1-64 characters of [A-Za-z0-9_/], without a leading / or //",
            ),
            TopicError::CustomTopic => f.write_str(
                "custom topic must be 1-128 bytes, not start with $oc, and hold no wildcard or NUL",
            ),
            TopicError::TooLong { len, max } => {
                write!(f, "topic is {len} bytes long, the limit is {max}")
            }
            TopicError::NotInCatalogue => f.write_str("topic is not in the IoTDA catalogue"),
        }
    }
}

/// Why [`SysTopic::from_parts`](crate::iotda::SysTopic::from_parts) refuses a name, request id
/// and report suffix. The checks run in this order: the name, then the request id, then the
/// suffix (on the three report topics the request id and the suffix are checked together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SysPartsError {
    /// The name is not the name of a system topic.
    UnknownName,
    /// The topic carries a request id (`commands/request_id={rid}`, …) and none was given.
    RequestIdMissing,
    /// A request id was given to a topic that carries none (`events/up`, …).
    RequestIdNotTaken,
    /// A suffix was given to a topic that is not one of the three report topics.
    SuffixNotTaken,
    /// A report topic's suffix is not `none`, `gzip` or `request_id`, or does not fit the
    /// request id: `request_id` needs one, `none` and `gzip` take none.
    BadSuffix,
}

impl fmt::Display for SysPartsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SysPartsError::UnknownName => "not the name of an IoTDA system topic",
            SysPartsError::RequestIdMissing => "this system topic needs a request id",
            SysPartsError::RequestIdNotTaken => "this system topic takes no request id",
            SysPartsError::SuffixNotTaken => "this system topic takes no report suffix",
            SysPartsError::BadSuffix => {
                "report suffix must be none, gzip, or request_id with a request id"
            }
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SysPartsError {}

/// What kind of JSON problem a payload has (from `serde_json`'s classification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not well-formed JSON.
    Syntax,
    /// Well-formed JSON that does not fit the schema (missing field, wrong type).
    Data,
    /// The input ends in the middle of a value.
    Eof,
}

/// A payload that is not the documented JSON. Only the position and kind are kept: serde's own
/// message may quote the input, and the input may hold a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonError {
    /// The kind of problem.
    pub kind: JsonErrorKind,
    /// 1-based line of the problem (0 when unknown).
    pub line: usize,
    /// 1-based column of the problem (0 when unknown).
    pub column: usize,
}

impl From<serde_json::Error> for JsonError {
    fn from(e: serde_json::Error) -> Self {
        let kind = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                JsonErrorKind::Syntax
            }
            serde_json::error::Category::Data => JsonErrorKind::Data,
            serde_json::error::Category::Eof => JsonErrorKind::Eof,
        };
        JsonError {
            kind,
            line: e.line(),
            column: e.column(),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            JsonErrorKind::Syntax => "not well-formed JSON",
            JsonErrorKind::Data => "JSON does not match the schema",
            JsonErrorKind::Eof => "JSON ends too early",
        };
        write!(f, "{what} at line {}, column {}", self.line, self.column)
    }
}

/// Any error of the IoTDA profile. It is a caller's misuse: it converts into
/// [`crate::Error::Usage`] through [`crate::UsageError::Iotda`].
///
/// ```
/// use iotmqtt::iotda::{DeviceId, IdError, IotdaError};
/// let err = DeviceId::new("dev/1").unwrap_err();
/// assert_eq!(err, IotdaError::InvalidDeviceId(IdError::InvalidChar { at: 3 }));
/// let core: iotmqtt::Error = err.into();
/// assert_eq!(core.kind(), iotmqtt::ErrorKind::Usage);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IotdaError {
    /// A device id or bridge id breaks `[A-Za-z0-9_-]{1,128}`.
    InvalidDeviceId(IdError),
    /// A scope id (registration group) breaks `[A-Za-z0-9]{2,64}`.
    InvalidScopeId(IdError),
    /// A secret is empty, too long or (group secret) not base64.
    InvalidSecret(SecretError),
    /// A ClientId does not have an IoTDA shape.
    InvalidClientId(ClientIdError),
    /// A calendar time is not a real UTC time between 1970 and 9999, or a time string is in
    /// neither documented form; the string says which field.
    InvalidTime(&'static str),
    /// A topic cannot be built.
    InvalidTopic(TopicError),
    /// A payload is not the documented JSON.
    Json(JsonError),
    /// A payload breaks a documented limit or rule; the string says which.
    InvalidPayload(&'static str),
    /// A system event decoded into a type whose service and event type differ from the event's.
    EventMismatch,
    /// A subscription beyond IoTDA's limit per connection.
    TooManySubscriptions {
        /// The limit (50).
        max: usize,
    },
}

impl TopicError {
    /// A stable machine name: `"invalid_topic_device_id"`, `"invalid_request_id"`,
    /// `"invalid_user_topic_name"`, `"invalid_custom_topic"`, `"topic_too_long"` or
    /// `"topic_not_in_catalogue"`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            TopicError::DeviceId(_) => "invalid_topic_device_id",
            TopicError::RequestId => "invalid_request_id",
            TopicError::UserTopicName => "invalid_user_topic_name",
            TopicError::CustomTopic => "invalid_custom_topic",
            TopicError::TooLong { .. } => "topic_too_long",
            TopicError::NotInCatalogue => "topic_not_in_catalogue",
        }
    }
}

impl IotdaError {
    /// A stable machine name, the error `code` of the bindings (its kind is always `usage`):
    /// `"invalid_device_id"`, `"invalid_scope_id"`, `"invalid_secret"`, `"invalid_client_id"`,
    /// `"invalid_time"`, the [`TopicError::code`] of a topic that cannot be built,
    /// `"invalid_json"`, `"invalid_payload"`, `"event_mismatch"` or `"too_many_subscriptions"`.
    ///
    /// ```
    /// use iotmqtt::iotda::DeviceId;
    /// assert_eq!(DeviceId::new("dev/1").unwrap_err().code(), "invalid_device_id");
    /// ```
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            IotdaError::InvalidDeviceId(_) => "invalid_device_id",
            IotdaError::InvalidScopeId(_) => "invalid_scope_id",
            IotdaError::InvalidSecret(_) => "invalid_secret",
            IotdaError::InvalidClientId(_) => "invalid_client_id",
            IotdaError::InvalidTime(_) => "invalid_time",
            IotdaError::InvalidTopic(t) => t.code(),
            IotdaError::Json(_) => "invalid_json",
            IotdaError::InvalidPayload(_) => "invalid_payload",
            IotdaError::EventMismatch => "event_mismatch",
            IotdaError::TooManySubscriptions { .. } => "too_many_subscriptions",
        }
    }
}

impl fmt::Display for IotdaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IotdaError::InvalidDeviceId(e) => write!(f, "IoTDA device id {e}"),
            IotdaError::InvalidScopeId(e) => write!(f, "IoTDA scope id {e}"),
            IotdaError::InvalidSecret(e) => write!(f, "IoTDA {e}"),
            IotdaError::InvalidClientId(e) => write!(f, "IoTDA {e}"),
            IotdaError::InvalidTime(what) => write!(f, "IoTDA time: {what}"),
            IotdaError::InvalidTopic(e) => write!(f, "IoTDA topic: {e}"),
            IotdaError::Json(e) => write!(f, "IoTDA payload: {e}"),
            IotdaError::InvalidPayload(what) => write!(f, "IoTDA payload: {what}"),
            IotdaError::EventMismatch => {
                f.write_str("IoTDA event: service_id/event_type differ from the requested type")
            }
            IotdaError::TooManySubscriptions { max } => {
                write!(f, "IoTDA allows {max} subscriptions per connection")
            }
        }
    }
}

impl From<JsonError> for IotdaError {
    fn from(e: JsonError) -> Self {
        IotdaError::Json(e)
    }
}

impl From<serde_json::Error> for IotdaError {
    fn from(e: serde_json::Error) -> Self {
        IotdaError::Json(e.into())
    }
}

impl From<TopicError> for IotdaError {
    fn from(e: TopicError) -> Self {
        IotdaError::InvalidTopic(e)
    }
}

impl From<IotdaError> for crate::UsageError {
    fn from(e: IotdaError) -> Self {
        crate::UsageError::Iotda(e)
    }
}

impl From<IotdaError> for crate::Error {
    fn from(e: IotdaError) -> Self {
        crate::Error::Usage(crate::UsageError::Iotda(e))
    }
}

#[cfg(feature = "std")]
impl std::error::Error for IotdaError {}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;

    use super::*;

    #[test]
    fn codes_are_distinct_and_name_the_innermost_cause() {
        let json = JsonError {
            kind: JsonErrorKind::Syntax,
            line: 1,
            column: 1,
        };
        let all = [
            IotdaError::InvalidDeviceId(IdError::Empty),
            IotdaError::InvalidScopeId(IdError::Empty),
            IotdaError::InvalidSecret(SecretError::Empty),
            IotdaError::InvalidClientId(ClientIdError::UnknownShape),
            IotdaError::InvalidTime("x"),
            IotdaError::InvalidTopic(TopicError::DeviceId(IdError::Empty)),
            IotdaError::InvalidTopic(TopicError::RequestId),
            IotdaError::InvalidTopic(TopicError::UserTopicName),
            IotdaError::InvalidTopic(TopicError::CustomTopic),
            IotdaError::InvalidTopic(TopicError::TooLong { len: 200, max: 128 }),
            IotdaError::InvalidTopic(TopicError::NotInCatalogue),
            IotdaError::Json(json),
            IotdaError::InvalidPayload("x"),
            IotdaError::EventMismatch,
            IotdaError::TooManySubscriptions { max: 50 },
        ];
        let codes: Vec<&str> = all.iter().map(IotdaError::code).collect();
        let distinct: BTreeSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len(), "{codes:?}");
        assert!(
            codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
        assert_eq!(
            IotdaError::InvalidTopic(TopicError::UserTopicName).code(),
            "invalid_user_topic_name"
        );
    }
}
