//! `$sub_device_manager` event parameters: gateways add, delete and report the state of their
//! children; the platform notifies changes (IOTDA.md §5.1).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lenient::{self, name_enum};
use super::{JsonPayload, check_count, validate_all};
use crate::iotda::error::IotdaError;
use crate::iotda::limits::{
    MAX_ADD_SUB_DEVICES, MAX_EXTENSION_INFO_BYTES, MAX_SUB_DEVICE_STATUSES,
};

name_enum! {
    /// A sub-device's status.
    SubDeviceState {
        /// `ONLINE`.
        Online = "ONLINE",
        /// `OFFLINE`.
        Offline = "OFFLINE",
        /// `INACTIVE` (notifications only).
        Inactive = "INACTIVE",
    }
}

fn check_extension_info(info: Option<&Value>) -> Result<(), IotdaError> {
    if let Some(info) = info {
        if serde_json::to_vec(info)?.len() > MAX_EXTENSION_INFO_BYTES {
            return Err(IotdaError::InvalidPayload(
                "extension_info larger than 1 KB",
            ));
        }
    }
    Ok(())
}

/// A child to add (`add_sub_device_request`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSubDevice {
    /// The child's node id (unique under the product).
    pub node_id: String,
    /// The child's product id.
    pub product_id: String,
    /// The device id to give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its parent (the gateway by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_device_id: Option<String>,
    /// Free extension data, at most 1 KB of JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_info: Option<Value>,
}

impl NewSubDevice {
    /// A child with just its node id and product id.
    #[must_use]
    pub fn new(node_id: impl Into<String>, product_id: impl Into<String>) -> Self {
        NewSubDevice {
            node_id: node_id.into(),
            product_id: product_id.into(),
            device_id: None,
            name: None,
            description: None,
            parent_device_id: None,
            extension_info: None,
        }
    }
}

impl JsonPayload for NewSubDevice {
    fn validate(&self) -> Result<(), IotdaError> {
        check_extension_info(self.extension_info.as_ref())
    }
}

/// Up, `add_sub_device_request`: 1–50 children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddSubDevices {
    /// The children.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub devices: Vec<NewSubDevice>,
}

impl JsonPayload for AddSubDevices {
    fn validate(&self) -> Result<(), IotdaError> {
        check_count(
            self.devices.len(),
            1,
            MAX_ADD_SUB_DEVICES,
            "add_sub_device_request needs 1-50 devices",
        )?;
        validate_all(&self.devices)
    }
}

/// A sub-device as the platform describes it (notifications, add results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubDeviceInfo {
    /// Its parent.
    pub parent_device_id: String,
    /// Its node id.
    pub node_id: String,
    /// Its device id.
    pub device_id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Manufacturer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer_id: Option<String>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Product id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// Firmware version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fw_version: Option<String>,
    /// Software version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sw_version: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SubDeviceState>,
    /// Extension data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_info: Option<Value>,
}

/// A child the platform could not add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSubDeviceAdd {
    /// Its node id.
    pub node_id: String,
    /// Its product id.
    pub product_id: String,
    /// The error code (a string; numbers are accepted when reading).
    #[serde(deserialize_with = "lenient::string")]
    pub error_code: String,
    /// The error message.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_msg: Option<String>,
}

/// Down, `add_sub_device_response` (within 30 s, with the request's event_id).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AddSubDevicesResponse {
    /// The children added.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub successful_devices: Vec<SubDeviceInfo>,
    /// The children refused.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub failed_devices: Vec<FailedSubDeviceAdd>,
}

impl JsonPayload for AddSubDevicesResponse {}

/// Up, `delete_sub_device_request`: the children's device ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteSubDevices {
    /// Device ids.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub devices: Vec<String>,
}

impl JsonPayload for DeleteSubDevices {}

/// A child the platform could not delete or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSubDevice {
    /// Its device id.
    pub device_id: String,
    /// The error code (a string; numbers are accepted when reading).
    #[serde(deserialize_with = "lenient::string")]
    pub error_code: String,
    /// The error message.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub error_msg: Option<String>,
}

/// Down, `delete_sub_device_response`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteSubDevicesResponse {
    /// Device ids deleted.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub successful_devices: Vec<String>,
    /// The children refused.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub failed_devices: Vec<FailedSubDevice>,
}

impl JsonPayload for DeleteSubDevicesResponse {}

/// Down, `add_sub_device_notify`: children added on the platform side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubDevicesAdded {
    /// The change version (echo the last one in a sync request).
    #[serde(deserialize_with = "lenient::u64")]
    pub version: u64,
    /// The children.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub devices: Vec<SubDeviceInfo>,
}

impl JsonPayload for SubDevicesAdded {}

/// A child deleted on the platform side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSubDevice {
    /// Its parent.
    pub parent_device_id: String,
    /// Its node id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// Its device id.
    pub device_id: String,
}

/// Down, `delete_sub_device_notify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubDevicesDeleted {
    /// The change version.
    #[serde(deserialize_with = "lenient::u64")]
    pub version: u64,
    /// The children.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub devices: Vec<DeletedSubDevice>,
}

impl JsonPayload for SubDevicesDeleted {}

/// Up, `sub_device_sync_request`: the platform replays the notifications after `version`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubDeviceSync {
    /// The last notification version seen.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<u64>,
}

impl JsonPayload for SubDeviceSync {}

/// A child's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubDeviceStatus {
    /// Its device id.
    pub device_id: String,
    /// `ONLINE` or `OFFLINE`.
    pub status: SubDeviceState,
}

/// Up, `sub_device_update_status`: 1–100 statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubDeviceStatuses {
    /// The statuses.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub device_statuses: Vec<SubDeviceStatus>,
}

impl JsonPayload for SubDeviceStatuses {
    fn validate(&self) -> Result<(), IotdaError> {
        check_count(
            self.device_statuses.len(),
            1,
            MAX_SUB_DEVICE_STATUSES,
            "sub_device_update_status needs 1-100 statuses",
        )
    }
}

/// Down, `sub_device_update_status_response`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubDeviceStatusesResponse {
    /// The statuses accepted.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub successful_devices: Vec<SubDeviceStatus>,
    /// The children refused.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub failed_devices: Vec<FailedSubDevice>,
}

impl JsonPayload for SubDeviceStatusesResponse {}
