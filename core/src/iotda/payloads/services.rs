//! Smaller system services: `$sdk_info`, `$log`, `$tunnel_manager`, `$device_config`
//! (IOTDA.md §5.1).

use alloc::string::String;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::JsonPayload;
use super::lenient::{self, name_enum};
use crate::iotda::error::IotdaError;
use crate::iotda::limits::MAX_LOG_CONTENT_BYTES;
use crate::iotda::secret::SecretString;

/// Up, `sdk_info_report` (the Java SDK sends it after every connect).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SdkInfo {
    /// e.g. `C_v1.1.2`, `JAVA_v1.2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_sdk_version: Option<String>,
    /// Software version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sw_version: Option<String>,
    /// Firmware version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fw_version: Option<String>,
    /// The device's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ip: Option<String>,
}

impl JsonPayload for SdkInfo {}

name_enum! {
    /// Whether device log collection is on.
    LogSwitch {
        /// `on`.
        On = "on",
        /// `off`.
        Off = "off",
    }
}

/// Down, `log_config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    /// On or off.
    pub switch: LogSwitch,
    /// When collection ends.
    #[serde(deserialize_with = "lenient::string")]
    pub end_time: String,
}

impl JsonPayload for LogConfig {}

name_enum! {
    /// The kind of a device log entry.
    LogType {
        /// `DEVICE_STATUS`.
        DeviceStatus = "DEVICE_STATUS",
        /// `DEVICE_PROPERTY`.
        DeviceProperty = "DEVICE_PROPERTY",
        /// `DEVICE_MESSAGE`.
        DeviceMessage = "DEVICE_MESSAGE",
        /// `DEVICE_COMMAND`.
        DeviceCommand = "DEVICE_COMMAND",
    }
}

/// Up, `log_report`: content at most 1 MB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogReport {
    /// When it happened (the SDKs send milliseconds; numbers are read as text).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<String>,
    /// The kind of entry.
    #[serde(rename = "type")]
    pub log_type: LogType,
    /// The log text.
    pub content: String,
}

impl JsonPayload for LogReport {
    fn validate(&self) -> Result<(), IotdaError> {
        if self.content.len() > MAX_LOG_CONTENT_BYTES {
            return Err(IotdaError::InvalidPayload("log content larger than 1 MB"));
        }
        Ok(())
    }
}

/// Down, `tunnel_notify`: open a WSS tunnel (remote SSH). `Debug` hides the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelNotify {
    /// `wss://…/v5/iot/tunnels/{tunnel_id}/device-connect`.
    pub tunnel_uri: String,
    /// The token that opens the tunnel.
    pub tunnel_access_token: SecretString,
    /// Token lifetime in seconds.
    #[serde(deserialize_with = "lenient::u64")]
    pub expires_in: u64,
}

impl JsonPayload for TunnelNotify {}

/// Down, `config_update`: resent every 24 h until answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigUpdate {
    /// The configuration (an object).
    #[serde(default)]
    pub config_content: Value,
}

impl JsonPayload for ConfigUpdate {}

/// Up, `config_update_response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigUpdateResponse {
    /// 0 = success; other values are device-defined.
    pub result_code: i32,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl JsonPayload for ConfigUpdateResponse {}
