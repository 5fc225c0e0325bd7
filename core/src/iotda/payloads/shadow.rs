//! The device shadow: a device asks for it, the platform answers (IOTDA.md §5).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{JsonPayload, lenient};

/// `shadow/get/request_id={rid}`: `{"object_device_id"?, "service_id"?}` (no service = all).
pub type ShadowGetRequest = super::PropertiesGetRequest;

/// One side of a shadow (desired or reported).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowState {
    /// The property values.
    #[serde(default)]
    pub properties: Value,
    /// When they were set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
}

/// The shadow of one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowService {
    /// The service id.
    pub service_id: String,
    /// What the application wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<ShadowState>,
    /// What the device last reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported: Option<ShadowState>,
    /// The shadow version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

/// `shadow/get/response/request_id={rid}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowGetResponse {
    /// The device the shadow belongs to.
    pub object_device_id: String,
    /// One entry per service.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub shadow: Vec<ShadowService>,
}

impl JsonPayload for ShadowGetResponse {}
