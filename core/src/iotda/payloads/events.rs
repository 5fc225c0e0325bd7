//! System events (`events/up`, `events/down`): the envelope and a typed [`SystemEvent`] for
//! every `service_id`/`event_type` of IOTDA.md §5.1.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::file_manager::{FileRequest, FileResult, FileUrl};
use super::ota::{UpgradeInfo, UpgradeInfoV2, UpgradeProgress, VersionQuery, VersionReport};
use super::services::{
    ConfigUpdate, ConfigUpdateResponse, LogConfig, LogReport, SdkInfo, TunnelNotify,
};
use super::sub_devices::{
    AddSubDevices, AddSubDevicesResponse, DeleteSubDevices, DeleteSubDevicesResponse,
    SubDeviceStatuses, SubDeviceStatusesResponse, SubDeviceSync, SubDevicesAdded,
    SubDevicesDeleted,
};
use super::time_sync::{TimeSyncRequest, TimeSyncResponse};
use super::{JsonPayload, lenient};
use crate::iotda::error::IotdaError;
use crate::iotda::topics::Direction;
use crate::iotda::utc::UtcTime;

/// One event in the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventService {
    /// The system service, e.g. `$ota`.
    pub service_id: String,
    /// The event, e.g. `version_query`.
    pub event_type: String,
    /// When it happened (`yyyyMMdd'T'HHmmss'Z'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// Its id (the platform makes a 36-character one when absent; responses echo the
    /// request's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The parameters (an object).
    #[serde(default)]
    pub paras: Value,
}

impl EventService {
    /// The wire form of `event`, without time or id.
    pub fn new(event: &SystemEvent) -> Result<Self, IotdaError> {
        event.validate()?;
        Ok(EventService {
            service_id: event.service_id().into(),
            event_type: event.event_type().into(),
            event_time: None,
            event_id: None,
            paras: event.paras()?,
        })
    }

    /// The same event stamped with `time` (`yyyyMMdd'T'HHmmss'Z'`).
    #[must_use]
    pub fn at(mut self, time: &UtcTime) -> Self {
        self.event_time = Some(time.event_time());
        self
    }

    /// The same event with an id (a response echoes its request's).
    #[must_use]
    pub fn with_event_id(mut self, event_id: impl Into<String>) -> Self {
        self.event_id = Some(event_id.into());
        self
    }

    /// The typed event. An unknown service or event type is [`SystemEvent::Unknown`]; a known
    /// one whose parameters do not fit its schema is an error.
    pub fn to_event(&self) -> Result<SystemEvent, IotdaError> {
        SystemEvent::from_parts(&self.service_id, &self.event_type, self.paras.clone())
    }
}

/// The `events/up` and `events/down` payload.
///
/// ```
/// use iotmqtt::iotda::{EventsMessage, JsonPayload, SystemEvent, VersionReport};
/// let down = EventsMessage::from_json(
///     br#"{"object_device_id":null,"services":[{"service_id":"$ota","event_type":"version_query","paras":{}}]}"#,
/// ).unwrap();
/// assert!(matches!(down.services[0].to_event().unwrap(), SystemEvent::VersionQuery(_)));
///
/// let report = SystemEvent::VersionReport(VersionReport { fw_version: Some("1.0".into()), sw_version: None });
/// let up = EventsMessage::single(&report).unwrap();
/// assert_eq!(
///     up.to_json().unwrap(),
///     br#"{"services":[{"service_id":"$ota","event_type":"version_report","paras":{"fw_version":"1.0"}}]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsMessage {
    /// The child device the events are for (gateways).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_device_id: Option<String>,
    /// The events.
    #[serde(default, deserialize_with = "lenient::vec")]
    pub services: Vec<EventService>,
}

impl EventsMessage {
    /// A message carrying one event, without time or id.
    pub fn single(event: &SystemEvent) -> Result<Self, IotdaError> {
        Ok(EventsMessage {
            object_device_id: None,
            services: alloc::vec![EventService::new(event)?],
        })
    }

    /// The typed events, in order.
    pub fn events(&self) -> impl Iterator<Item = Result<SystemEvent, IotdaError>> + '_ {
        self.services.iter().map(EventService::to_event)
    }
}

impl JsonPayload for EventsMessage {}

/// Parameters of an event whose schema IoTDA does not publish: kept as raw JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpaqueParas(pub Value);

impl JsonPayload for OpaqueParas {}

/// The Java SDK sends `sub_device_sync_request` under `sub_device_manager` without the `$`;
/// reading accepts it for the whole service.
fn canonical_service(service_id: &str) -> &str {
    match service_id {
        "sub_device_manager" => "$sub_device_manager",
        other => other,
    }
}

macro_rules! system_events {
    ($( $(#[$vmeta:meta])* $variant:ident($ty:ty) = $service:literal / $event:literal, $dir:ident; )+) => {
        /// A system event, typed by `service_id` and `event_type` (IOTDA.md §5.1). Events this
        /// library does not know are [`SystemEvent::Unknown`] with their raw parameters.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum SystemEvent {
            $( $(#[$vmeta])* $variant($ty), )+
            /// Any other event.
            Unknown {
                /// Its service id.
                service_id: String,
                /// Its event type.
                event_type: String,
                /// Its parameters.
                paras: Value,
            },
        }

        impl SystemEvent {
            /// The `service_id` it is sent under.
            #[must_use]
            pub fn service_id(&self) -> &str {
                match self {
                    $( SystemEvent::$variant(_) => $service, )+
                    SystemEvent::Unknown { service_id, .. } => service_id,
                }
            }

            /// The `event_type`.
            #[must_use]
            pub fn event_type(&self) -> &str {
                match self {
                    $( SystemEvent::$variant(_) => $event, )+
                    SystemEvent::Unknown { event_type, .. } => event_type,
                }
            }

            /// Who sends it; `None` for an unknown event.
            #[must_use]
            pub fn direction(&self) -> Option<Direction> {
                match self {
                    $( SystemEvent::$variant(_) => Some(Direction::$dir), )+
                    SystemEvent::Unknown { .. } => None,
                }
            }

            /// The typed event for a service, event type and parameters.
            pub fn from_parts(
                service_id: &str,
                event_type: &str,
                paras: Value,
            ) -> Result<Self, IotdaError> {
                Ok(match (canonical_service(service_id), event_type) {
                    $( ($service, $event) => SystemEvent::$variant(serde_json::from_value(paras)?), )+
                    _ => SystemEvent::Unknown {
                        service_id: service_id.into(),
                        event_type: event_type.into(),
                        paras,
                    },
                })
            }

            /// The parameters as JSON.
            pub fn paras(&self) -> Result<Value, IotdaError> {
                Ok(match self {
                    $( SystemEvent::$variant(p) => serde_json::to_value(p)?, )+
                    SystemEvent::Unknown { paras, .. } => paras.clone(),
                })
            }

            /// Checks the parameters' documented limits.
            pub fn validate(&self) -> Result<(), IotdaError> {
                match self {
                    $( SystemEvent::$variant(p) => p.validate(), )+
                    SystemEvent::Unknown { .. } => Ok(()),
                }
            }
        }
    };
}

system_events! {
    /// Up: a gateway adds children.
    AddSubDeviceRequest(AddSubDevices) = "$sub_device_manager" / "add_sub_device_request", Up;
    /// Down: the result of adding children.
    AddSubDeviceResponse(AddSubDevicesResponse) = "$sub_device_manager" / "add_sub_device_response", Down;
    /// Up: a gateway deletes children.
    DeleteSubDeviceRequest(DeleteSubDevices) = "$sub_device_manager" / "delete_sub_device_request", Up;
    /// Down: the result of deleting children.
    DeleteSubDeviceResponse(DeleteSubDevicesResponse) = "$sub_device_manager" / "delete_sub_device_response", Down;
    /// Down: children were added on the platform.
    AddSubDeviceNotify(SubDevicesAdded) = "$sub_device_manager" / "add_sub_device_notify", Down;
    /// Down: children were deleted on the platform.
    DeleteSubDeviceNotify(SubDevicesDeleted) = "$sub_device_manager" / "delete_sub_device_notify", Down;
    /// Up: replay the notifications after a version.
    SubDeviceSyncRequest(SubDeviceSync) = "$sub_device_manager" / "sub_device_sync_request", Up;
    /// Up: children went online or offline.
    SubDeviceUpdateStatus(SubDeviceStatuses) = "$sub_device_manager" / "sub_device_update_status", Up;
    /// Down: the result of a status update.
    SubDeviceUpdateStatusResponse(SubDeviceStatusesResponse) = "$sub_device_manager" / "sub_device_update_status_response", Down;
    /// Down: report your firmware and software versions.
    VersionQuery(VersionQuery) = "$ota" / "version_query", Down;
    /// Up: the firmware and software versions.
    VersionReport(VersionReport) = "$ota" / "version_report", Up;
    /// Down: upgrade the firmware.
    FirmwareUpgrade(UpgradeInfo) = "$ota" / "firmware_upgrade", Down;
    /// Down: upgrade the software.
    SoftwareUpgrade(UpgradeInfo) = "$ota" / "software_upgrade", Down;
    /// Down: upgrade the firmware from OBS.
    FirmwareUpgradeV2(UpgradeInfoV2) = "$ota" / "firmware_upgrade_v2", Down;
    /// Down: upgrade the software from OBS.
    SoftwareUpgradeV2(UpgradeInfoV2) = "$ota" / "software_upgrade_v2", Down;
    /// Up: upgrade progress or result.
    UpgradeProgressReport(UpgradeProgress) = "$ota" / "upgrade_progress_report", Up;
    /// Up: ask for the platform's time.
    TimeSyncRequest(TimeSyncRequest) = "$time_sync" / "time_sync_request", Up;
    /// Down: the platform's time.
    TimeSyncResponse(TimeSyncResponse) = "$time_sync" / "time_sync_response", Down;
    /// Up: SDK and version information.
    SdkInfoReport(SdkInfo) = "$sdk_info" / "sdk_info_report", Up;
    /// Up: ask for an upload URL.
    GetUploadUrl(FileRequest) = "$file_manager" / "get_upload_url", Up;
    /// Down: the upload URL.
    GetUploadUrlResponse(FileUrl) = "$file_manager" / "get_upload_url_response", Down;
    /// Up: ask for a download URL.
    GetDownloadUrl(FileRequest) = "$file_manager" / "get_download_url", Up;
    /// Down: the download URL.
    GetDownloadUrlResponse(FileUrl) = "$file_manager" / "get_download_url_response", Down;
    /// Up: how an upload went (C SDK).
    UploadResultReport(FileResult) = "$file_manager" / "upload_result_report", Up;
    /// Up: how a download went (C SDK).
    DownloadResultReport(FileResult) = "$file_manager" / "download_result_report", Up;
    /// Down: switch log collection.
    LogConfig(LogConfig) = "$log" / "log_config", Down;
    /// Up: a log entry.
    LogReport(LogReport) = "$log" / "log_report", Up;
    /// Down: open a remote-access tunnel.
    TunnelNotify(TunnelNotify) = "$tunnel_manager" / "tunnel_notify", Down;
    /// Down: new device configuration.
    ConfigUpdate(ConfigUpdate) = "$device_config" / "config_update", Down;
    /// Up: the result of a configuration update.
    ConfigUpdateResponse(ConfigUpdateResponse) = "$device_config" / "config_update_response", Up;
    /// Up: on-device rule sync request (C SDK; parameters not published).
    DeviceRuleConfigRequest(OpaqueParas) = "$device_rule" / "device_rule_config_request", Up;
    /// Down: on-device rule sync answer (C SDK; parameters not published).
    DeviceRuleConfigResponse(OpaqueParas) = "$device_rule" / "device_rule_config_response", Down;
    /// Up: anomaly-detection report (C SDK; parameters not published).
    SecurityLogReport(OpaqueParas) = "$security_detection_config" / "security_log_report", Up;
    /// Up: OpenHarmony soft-bus configuration request (C SDK; parameters not published).
    SoftBusConfigRequest(OpaqueParas) = "$oh_soft_bus" / "soft_bus_config_request", Up;
    /// Down: OpenHarmony soft-bus configuration answer (C SDK; parameters not published).
    SoftBusConfigResponse(OpaqueParas) = "$oh_soft_bus" / "soft_bus_config_response", Down;
    /// Down: start scanning for sub-devices (SDK-only discovery; parameters not published).
    StartScan(OpaqueParas) = "sub_device_discovery" / "start_scan", Down;
    /// Up: sub-device scan result (SDK-only discovery; parameters not published).
    ScanResult(OpaqueParas) = "sub_device_discovery" / "scan_result", Up;
}
