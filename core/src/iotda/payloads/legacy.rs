//! Version 3 ("legacy") payloads still in the C and Java SDKs (IOTDA.md §6.4).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{JsonPayload, lenient};

/// One service's data in a legacy report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyServiceData {
    /// The service id.
    #[serde(rename = "serviceId")]
    pub service_id: String,
    /// The data (an object).
    #[serde(rename = "serviceData", default)]
    pub service_data: Value,
    /// When it was measured.
    #[serde(rename = "eventTime", default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
}

/// Up, `/huawei/v1/devices/{id}/data/json`: `{"msgType":"deviceReq","data":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyDataReport {
    /// `deviceReq`.
    #[serde(rename = "msgType")]
    pub msg_type: String,
    /// The services' data.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub data: Vec<LegacyServiceData>,
}

impl LegacyDataReport {
    /// A report of these services (`msgType` = `deviceReq`).
    #[must_use]
    pub fn new(data: Vec<LegacyServiceData>) -> Self {
        LegacyDataReport {
            msg_type: "deviceReq".into(),
            data,
        }
    }
}

impl JsonPayload for LegacyDataReport {}

/// Up, the reply to a legacy command: `{"msgType":"deviceRsp","mid","errcode","body"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyCommandReply {
    /// `deviceRsp`.
    #[serde(rename = "msgType")]
    pub msg_type: String,
    /// The command's message id.
    #[serde(deserialize_with = "lenient::u64")]
    pub mid: u64,
    /// 0 = success.
    pub errcode: i32,
    /// The reply body (an object).
    #[serde(default)]
    pub body: Value,
}

impl LegacyCommandReply {
    /// A reply to command `mid` (`msgType` = `deviceRsp`).
    #[must_use]
    pub fn new(mid: u64, errcode: i32, body: Value) -> Self {
        LegacyCommandReply {
            msg_type: "deviceRsp".into(),
            mid,
            errcode,
            body,
        }
    }
}

impl JsonPayload for LegacyCommandReply {}
