//! Device provisioning through the bootstrap endpoint (IOTDA.md §6.1).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{JsonPayload, lenient};
use crate::iotda::error::IotdaError;
use crate::iotda::secret::SecretString;

/// Up, `bootstrap/up`: empty, or `{"baseStrategyKeyword":"…"}` for static-policy matching.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BootstrapRequest {
    /// The keyword a static provisioning policy matches on.
    #[serde(
        rename = "baseStrategyKeyword",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub base_strategy_keyword: Option<String>,
}

impl JsonPayload for BootstrapRequest {
    /// Without a keyword the request is an empty payload, as the SDKs send it.
    fn to_json(&self) -> Result<Vec<u8>, IotdaError> {
        match self.base_strategy_keyword {
            None => Ok(Vec::new()),
            Some(_) => Ok(serde_json::to_vec(self)?),
        }
    }

    /// An empty payload is a request without a keyword.
    fn from_json(bytes: &[u8]) -> Result<Self, IotdaError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(BootstrapRequest::default());
        }
        Ok(serde_json::from_slice(bytes)?)
    }
}

/// The provisioning answer: where to connect. `Debug` hides the device secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapAnswer {
    /// `host:port` of the IoTDA instance to connect to.
    pub address: String,
    /// Initial configuration (the platform sends a JSON string).
    #[serde(
        rename = "initConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub init_config: Option<Value>,
    /// A device secret to use from now on (accepted by the SDKs).
    #[serde(
        rename = "deviceSecret",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_secret: Option<SecretString>,
}

impl BootstrapAnswer {
    /// The host and port of [`BootstrapAnswer::address`]; `None` when it is not `host:port`.
    ///
    /// ```
    /// use iotmqtt::iotda::{BootstrapAnswer, JsonPayload};
    /// let a = BootstrapAnswer::from_json(br#"{"address":"iot-mqtts.cn-north-4.myhuaweicloud.com:8883"}"#).unwrap();
    /// assert_eq!(a.host_port(), Some(("iot-mqtts.cn-north-4.myhuaweicloud.com", 8883)));
    /// ```
    #[must_use]
    pub fn host_port(&self) -> Option<(&str, u16)> {
        let (host, port) = self.address.rsplit_once(':')?;
        let port = port.parse().ok()?;
        (!host.is_empty()).then_some((host, port))
    }
}

impl JsonPayload for BootstrapAnswer {}

/// A provisioning failure, e.g. `{"errorCode":"100414","errorMsg":"…"}` (`100417` for custom
/// policies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapFailure {
    /// The error code (a string; numbers are accepted when reading).
    #[serde(rename = "errorCode", deserialize_with = "lenient::string")]
    pub error_code: String,
    /// The message.
    #[serde(rename = "errorMsg", default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

impl JsonPayload for BootstrapFailure {}

/// What arrives on `bootstrap/down`.
#[derive(Debug, Clone, PartialEq)]
pub enum BootstrapOutcome {
    /// Connect to the address given.
    Answer(BootstrapAnswer),
    /// Provisioning failed.
    Failure(BootstrapFailure),
}

impl BootstrapOutcome {
    /// Reads a `bootstrap/down` payload: an object with `address` is an answer, one with
    /// `errorCode` a failure.
    ///
    /// ```
    /// use iotmqtt::iotda::BootstrapOutcome;
    /// let f = BootstrapOutcome::from_json(br#"{"errorCode":"100414","errorMsg":"no policy"}"#).unwrap();
    /// assert!(matches!(f, BootstrapOutcome::Failure(ref e) if e.error_code == "100414"));
    /// assert!(BootstrapOutcome::from_json(br#"{"other":1}"#).is_err());
    /// ```
    pub fn from_json(bytes: &[u8]) -> Result<Self, IotdaError> {
        let value: Value = serde_json::from_slice(bytes)?;
        let has = |key: &str| value.get(key).is_some_and(|v| !v.is_null());
        if has("address") {
            Ok(BootstrapOutcome::Answer(serde_json::from_value(value)?))
        } else if has("errorCode") {
            Ok(BootstrapOutcome::Failure(serde_json::from_value(value)?))
        } else {
            Err(IotdaError::InvalidPayload(
                "bootstrap answer has neither address nor errorCode",
            ))
        }
    }

    /// The payload as JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, IotdaError> {
        match self {
            BootstrapOutcome::Answer(a) => a.to_json(),
            BootstrapOutcome::Failure(f) => f.to_json(),
        }
    }
}
