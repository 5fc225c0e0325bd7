//! The JSON payloads of IoTDA (IOTDA.md §5, §5.1, §6): one serde type per schema.
//!
//! Reading is tolerant: unknown fields are ignored, an explicit `null` reads as absent (lists
//! as empty), and numbers the SDKs sometimes send as strings are accepted in both forms.
//! Writing is exact: absent optional fields are left out, `event_time` is written as
//! `yyyyMMdd'T'HHmmss'Z'` from a [`UtcTime`](crate::iotda::UtcTime) the caller gives.
//! Free-form objects (`properties`, `paras`, `content`) are [`serde_json::Value`]s.

pub(crate) mod lenient;

mod bootstrap;
mod bridge;
mod commands;
mod events;
mod file_manager;
mod legacy;
mod messages;
mod ota;
mod properties;
mod services;
mod shadow;
mod sub_devices;
mod time_sync;

use alloc::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::IotdaError;
use super::limits::MAX_PUBLISH_BYTES;

pub use bootstrap::{BootstrapAnswer, BootstrapFailure, BootstrapOutcome, BootstrapRequest};
pub use bridge::{BridgeLogin, BridgeResetSecret};
pub use commands::{CommandRequest, CommandResponse};
pub use events::{EventService, EventsMessage, OpaqueParas, SystemEvent};
pub use file_manager::{FileAttributes, FileRequest, FileResult, FileUrl};
pub use legacy::{LegacyCommandReply, LegacyDataReport, LegacyServiceData};
pub use messages::{DeviceMessage, MessageDown};
pub use ota::{
    OtaTask, UpgradeInfo, UpgradeInfoV2, UpgradeProgress, UpgradeResult, VersionQuery,
    VersionReport,
};
pub use properties::{
    DeviceProperties, GatewayPropertiesReport, PropertiesGetRequest, PropertiesGetResponse,
    PropertiesReport, PropertiesSetRequest, PropertiesSetResponse, ServiceProperties,
};
pub use services::{
    ConfigUpdate, ConfigUpdateResponse, LogConfig, LogReport, LogSwitch, LogType, SdkInfo,
    TunnelNotify,
};
pub use shadow::{ShadowGetRequest, ShadowGetResponse, ShadowService, ShadowState};
pub use sub_devices::{
    AddSubDevices, AddSubDevicesResponse, DeleteSubDevices, DeleteSubDevicesResponse,
    DeletedSubDevice, FailedSubDevice, FailedSubDeviceAdd, NewSubDevice, SubDeviceInfo,
    SubDeviceState, SubDeviceStatus, SubDeviceStatuses, SubDeviceStatusesResponse, SubDeviceSync,
    SubDevicesAdded, SubDevicesDeleted,
};
pub use time_sync::{TimeSyncRequest, TimeSyncResponse};

/// A JSON payload: encode it with its documented limits checked, decode it tolerantly.
///
/// ```
/// use iotmqtt::iotda::{JsonPayload, PropertiesReport, ServiceProperties, UtcTime};
/// use serde_json::json;
/// let t = UtcTime::new(2016, 12, 19, 11, 49, 20).unwrap();
/// let report = PropertiesReport::new(vec![
///     ServiceProperties::new("Battery", json!({"level": 80})).at(&t),
/// ]);
/// let bytes = report.to_json().unwrap();
/// assert_eq!(
///     std::str::from_utf8(&bytes).unwrap(),
///     r#"{"services":[{"service_id":"Battery","properties":{"level":80},"event_time":"20161219T114920Z"}]}"#
/// );
/// assert_eq!(PropertiesReport::from_json(&bytes).unwrap(), report);
/// assert!(PropertiesReport::from_json(b"{\"services\":").is_err());
/// ```
pub trait JsonPayload: Serialize + DeserializeOwned {
    /// Checks the documented limits (counts, sizes, ranges). [`JsonPayload::to_json`] calls
    /// it; call it on decoded values to enforce the limits on a peer.
    fn validate(&self) -> Result<(), IotdaError> {
        Ok(())
    }

    /// The payload as compact JSON, after [`JsonPayload::validate`]; at most 1 MB.
    fn to_json(&self) -> Result<Vec<u8>, IotdaError> {
        self.validate()?;
        let bytes = serde_json::to_vec(self)?;
        check_size(bytes.len())?;
        Ok(bytes)
    }

    /// Reads the payload (at most 1 MB). Unknown fields are ignored and `null` reads as
    /// absent; limits are not enforced (see [`JsonPayload::validate`]).
    fn from_json(bytes: &[u8]) -> Result<Self, IotdaError> {
        check_size(bytes.len())?;
        Ok(serde_json::from_slice(bytes)?)
    }
}

fn check_size(len: usize) -> Result<(), IotdaError> {
    if len > MAX_PUBLISH_BYTES {
        return Err(IotdaError::InvalidPayload("payload larger than 1 MB"));
    }
    Ok(())
}

/// Fails with `what` when `count` is outside `min..=max`.
pub(crate) fn check_count(
    count: usize,
    min: usize,
    max: usize,
    what: &'static str,
) -> Result<(), IotdaError> {
    if count < min || count > max {
        return Err(IotdaError::InvalidPayload(what));
    }
    Ok(())
}

/// Calls [`JsonPayload::validate`] on every item.
pub(crate) fn validate_all<T: JsonPayload>(items: &[T]) -> Result<(), IotdaError> {
    items.iter().try_for_each(JsonPayload::validate)
}
