//! The core's error taxonomy at the FFI edge: [`IotMqttError`] (thrown: Kotlin
//! `IotMqttException`, Swift `IotMqttError`) and [`ErrorInfo`] (carried inside events).
//!
//! Each keeps who is to blame (the variant, or [`ErrorKind`]), the stable machine `code` from
//! the core's `code()` methods, the MQTT 5 `reason_code`, and the core's message, which never
//! holds a password or a secret.

use iotmqtt::iotda::IotdaError;

/// Who is to blame for an error (the core's `ErrorKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorKind {
    /// The peer sent malformed bytes.
    Malformed,
    /// The peer broke the protocol.
    Protocol,
    /// The caller misused the API.
    Usage,
    /// A deadline passed.
    Timeout,
}

impl ErrorKind {
    /// The core's lower-case name: `malformed`, `protocol`, `usage`, `timeout`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "malformed",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Usage => "usage",
            ErrorKind::Timeout => "timeout",
        }
    }
}

impl From<iotmqtt::ErrorKind> for ErrorKind {
    fn from(k: iotmqtt::ErrorKind) -> Self {
        match k {
            iotmqtt::ErrorKind::Malformed => ErrorKind::Malformed,
            iotmqtt::ErrorKind::Protocol => ErrorKind::Protocol,
            iotmqtt::ErrorKind::Usage => ErrorKind::Usage,
            iotmqtt::ErrorKind::Timeout => ErrorKind::Timeout,
        }
    }
}

/// An error as data, for events (`ConnectionLost`, `BadInput`, `UpstreamFailed`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorInfo {
    /// Who is to blame.
    pub kind: ErrorKind,
    /// The stable machine name (`Error::code()` in the core), e.g. `queue_full`.
    pub code: String,
    /// The MQTT 5 reason code that reports it (for `connect_refused` and `disconnected`, the
    /// server's code).
    pub reason_code: u8,
    /// Human-readable text; never holds a password or secret.
    pub message: String,
}

impl From<&iotmqtt::Error> for ErrorInfo {
    fn from(e: &iotmqtt::Error) -> Self {
        ErrorInfo {
            kind: e.kind().into(),
            code: e.code().into(),
            reason_code: e.reason_code().as_u8(),
            message: e.to_string(),
        }
    }
}

/// Any error a call returns. The variant is who is to blame; every variant carries the stable
/// `code`, the MQTT 5 `reason_code` and a `detail` text without secrets (Kotlin's `message`
/// shows all three).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum IotMqttError {
    /// The peer sent bytes that break the codec rules (`decode`): `code` is the rule's
    /// `Violation::code()`, `offset` the offending byte.
    #[error("{detail}")]
    Malformed {
        /// Stable machine name of the rule broken, e.g. `topic_wildcard`.
        code: String,
        /// The MQTT 5 reason code that reports it.
        reason_code: u8,
        /// Offset of the offending byte from the start of the input.
        offset: u64,
        /// Human-readable text.
        detail: String,
    },
    /// The peer broke the session rules.
    #[error("{detail}")]
    Protocol {
        /// Stable machine name, e.g. `unknown_packet_id`.
        code: String,
        /// The MQTT 5 reason code that reports it.
        reason_code: u8,
        /// Human-readable text.
        detail: String,
    },
    /// The caller misused the API; nothing changed.
    #[error("{detail}")]
    Usage {
        /// Stable machine name, e.g. `queue_full`, `invalid_device_id`.
        code: String,
        /// The MQTT 5 reason code that reports it.
        reason_code: u8,
        /// Human-readable text; never holds a secret.
        detail: String,
    },
    /// A deadline passed.
    #[error("{detail}")]
    Timeout {
        /// Stable machine name, e.g. `connack`.
        code: String,
        /// The MQTT 5 reason code that reports it.
        reason_code: u8,
        /// Human-readable text.
        detail: String,
    },
}

impl IotMqttError {
    /// Who is to blame.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            IotMqttError::Malformed { .. } => ErrorKind::Malformed,
            IotMqttError::Protocol { .. } => ErrorKind::Protocol,
            IotMqttError::Usage { .. } => ErrorKind::Usage,
            IotMqttError::Timeout { .. } => ErrorKind::Timeout,
        }
    }

    /// The stable machine name.
    #[must_use]
    pub fn code(&self) -> &str {
        match self {
            IotMqttError::Malformed { code, .. }
            | IotMqttError::Protocol { code, .. }
            | IotMqttError::Usage { code, .. }
            | IotMqttError::Timeout { code, .. } => code,
        }
    }
}

impl From<iotmqtt::Error> for IotMqttError {
    fn from(e: iotmqtt::Error) -> Self {
        let code = e.code().to_string();
        let reason_code = e.reason_code().as_u8();
        let detail = e.to_string();
        match e {
            iotmqtt::Error::Malformed { offset, .. } => IotMqttError::Malformed {
                code,
                reason_code,
                offset: u64::try_from(offset).unwrap_or(u64::MAX),
                detail,
            },
            iotmqtt::Error::Protocol(_) => IotMqttError::Protocol {
                code,
                reason_code,
                detail,
            },
            iotmqtt::Error::Timeout(_) => IotMqttError::Timeout {
                code,
                reason_code,
                detail,
            },
            // `Usage`, and any kind a later core adds, is reported by its own kind name: the
            // code and reason code above are the core's either way.
            other => match other.kind() {
                iotmqtt::ErrorKind::Malformed => IotMqttError::Malformed {
                    code,
                    reason_code,
                    offset: 0,
                    detail,
                },
                iotmqtt::ErrorKind::Protocol => IotMqttError::Protocol {
                    code,
                    reason_code,
                    detail,
                },
                iotmqtt::ErrorKind::Timeout => IotMqttError::Timeout {
                    code,
                    reason_code,
                    detail,
                },
                iotmqtt::ErrorKind::Usage => IotMqttError::Usage {
                    code,
                    reason_code,
                    detail,
                },
            },
        }
    }
}

impl From<iotmqtt::UsageError> for IotMqttError {
    fn from(e: iotmqtt::UsageError) -> Self {
        iotmqtt::Error::from(e).into()
    }
}

impl From<IotdaError> for IotMqttError {
    fn from(e: IotdaError) -> Self {
        iotmqtt::Error::from(e).into()
    }
}

impl From<iotmqtt::Violation> for IotMqttError {
    /// A packet or property list the caller built breaks this rule (`UsageError::Encode`).
    fn from(v: iotmqtt::Violation) -> Self {
        iotmqtt::UsageError::Encode(v).into()
    }
}

impl From<iotmqtt::EncodeError> for IotMqttError {
    fn from(e: iotmqtt::EncodeError) -> Self {
        iotmqtt::Error::from(e).into()
    }
}

/// Shorthand for results whose error is [`IotMqttError`].
pub type Result<T, E = IotMqttError> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use iotmqtt::{ProtocolError, ReasonCode, TimeoutKind, UsageError, Violation};

    #[test]
    fn every_kind_keeps_code_and_reason_code() {
        let e: IotMqttError = iotmqtt::Error::Malformed {
            offset: 7,
            violation: Violation::TopicWildcard,
        }
        .into();
        assert!(matches!(
            &e,
            IotMqttError::Malformed { code, offset: 7, reason_code: 0x90, .. } if code == "topic_wildcard"
        ));
        let e: IotMqttError =
            iotmqtt::Error::Protocol(ProtocolError::ConnectRefused(ReasonCode::NotAuthorized))
                .into();
        assert_eq!(
            (e.kind(), e.code()),
            (ErrorKind::Protocol, "connect_refused")
        );
        assert!(matches!(
            e,
            IotMqttError::Protocol {
                reason_code: 0x87,
                ..
            }
        ));
        let e: IotMqttError = UsageError::QueueFull.into();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Usage, "queue_full"));
        let e: IotMqttError = iotmqtt::Error::Timeout(TimeoutKind::KeepAlive).into();
        assert!(matches!(
            e,
            IotMqttError::Timeout {
                reason_code: 0x8D,
                ..
            }
        ));
        let info = ErrorInfo::from(&iotmqtt::Error::Usage(UsageError::QosNotSupported));
        assert_eq!(
            (info.kind, info.code.as_str(), info.reason_code),
            (ErrorKind::Usage, "qos_not_supported", 0x9B)
        );
    }

    #[test]
    fn iotda_errors_are_usage_errors_without_the_secret() {
        let e: IotMqttError = iotmqtt::iotda::DeviceSecret::new("")
            .expect_err("an empty secret is refused")
            .into();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Usage, "invalid_secret"));
        let e: IotMqttError = iotmqtt::iotda::DeviceId::new("bad/id s3cr3t")
            .expect_err("a slash is refused")
            .into();
        assert_eq!(e.code(), "invalid_device_id");
    }
}
