//! Gateway helpers (IOTDA.md §5, §5.1, §7): the batch property report for up to 100 children,
//! and sub-device management whose answers arrive as system events on `events/down`.

use alloc::string::String;

use super::IotdaDevice;
use crate::error::{Result, UsageError};
use crate::iotda::payloads::{
    AddSubDevices, DeleteSubDevices, GatewayPropertiesReport, SubDeviceStatuses, SubDeviceSync,
    SystemEvent,
};
use crate::iotda::topics::{ReportSuffix, SysTopic};

impl IotdaDevice {
    /// Reports the properties of up to 100 children on
    /// `gateway/sub_devices/properties/report`.
    ///
    /// # Errors
    /// [`UsageError::Iotda`] for more than 100 children or over 1 MB;
    /// [`UsageError::QueueFull`].
    pub fn report_sub_device_properties(&mut self, report: &GatewayPropertiesReport) -> Result<()> {
        self.enqueue_json(
            SysTopic::GatewayPropertiesReport(ReportSuffix::None),
            report,
        )
    }

    /// Adds 1–50 children (`add_sub_device_request`). The platform answers within 30 s with
    /// an `add_sub_device_response` ([`DeviceEvent::System`](super::DeviceEvent::System),
    /// `answers` set). Returns the request's event id.
    ///
    /// # Errors
    /// [`UsageError::Iotda`] outside 1–50 children or for an `extension_info` over 1 KB;
    /// [`UsageError::QueueFull`].
    pub fn add_sub_devices(&mut self, devices: AddSubDevices) -> Result<String> {
        self.request_event(SystemEvent::AddSubDeviceRequest(devices))
    }

    /// Deletes children by device id (`delete_sub_device_request`); answered by
    /// `delete_sub_device_response`. Returns the request's event id.
    ///
    /// # Errors
    /// [`UsageError::InvalidArgument`] for an empty list; [`UsageError::QueueFull`].
    pub fn delete_sub_devices(&mut self, devices: DeleteSubDevices) -> Result<String> {
        if devices.devices.is_empty() {
            return Err(
                UsageError::InvalidArgument("delete_sub_devices: no device ids given").into(),
            );
        }
        self.request_event(SystemEvent::DeleteSubDeviceRequest(devices))
    }

    /// Reports 1–100 children online or offline (`sub_device_update_status`); answered by
    /// `sub_device_update_status_response`. Each child costs one message of the platform's
    /// rate. Returns the request's event id.
    ///
    /// # Errors
    /// [`UsageError::Iotda`] outside 1–100 statuses; [`UsageError::QueueFull`].
    pub fn update_sub_device_statuses(&mut self, statuses: SubDeviceStatuses) -> Result<String> {
        self.request_event(SystemEvent::SubDeviceUpdateStatus(statuses))
    }

    /// Asks the platform to replay the add/delete notifications after `version` (the last one
    /// seen); they arrive as `add_sub_device_notify` / `delete_sub_device_notify` events.
    ///
    /// # Errors
    /// [`UsageError::QueueFull`].
    pub fn sync_sub_devices(&mut self, version: Option<u64>) -> Result<()> {
        self.report_event(&SystemEvent::SubDeviceSyncRequest(SubDeviceSync {
            version,
        }))
        .map(|_| ())
    }

    fn request_event(&mut self, event: SystemEvent) -> Result<String> {
        self.report_event(&event)?.ok_or(
            UsageError::InvalidState("this event is answered by the platform: never reached")
                .into(),
        )
    }
}
