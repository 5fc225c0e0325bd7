//! Commands and their responses (IOTDA.md §5).

use alloc::string::String;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::JsonPayload;

/// `commands/request_id={rid}`: a command from the application.
///
/// ```
/// use iotmqtt::iotda::{CommandRequest, JsonPayload};
/// let c = CommandRequest::from_json(
///     br#"{"object_device_id":null,"service_id":"Light","command_name":"on","paras":{"level":3},"extra":1}"#,
/// ).unwrap();
/// assert_eq!(c.command_name.as_deref(), Some("on"));
/// assert_eq!(c.paras["level"], 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRequest {
    /// The child device the command is for (gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_device_id: Option<String>,
    /// The service the command belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The command name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_name: Option<String>,
    /// The command parameters (an object; `null` when absent).
    #[serde(default)]
    pub paras: Value,
}

impl JsonPayload for CommandRequest {}

/// `commands/response/request_id={rid}`: `result_code` 0 (the default) is success.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CommandResponse {
    /// 0 = success (also when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<i32>,
    /// The response name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_name: Option<String>,
    /// Response parameters (an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paras: Option<Value>,
}

impl CommandResponse {
    /// A success answer with these parameters.
    #[must_use]
    pub fn success(paras: Option<Value>) -> Self {
        CommandResponse {
            result_code: Some(0),
            response_name: None,
            paras,
        }
    }

    /// True when the code is 0 or absent.
    #[must_use]
    pub fn is_success(&self) -> bool {
        self.result_code.unwrap_or(0) == 0
    }
}

impl JsonPayload for CommandResponse {}
