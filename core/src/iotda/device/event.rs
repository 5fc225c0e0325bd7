//! What an [`IotdaDevice`](super::IotdaDevice) tells the application: [`DeviceEvent`] and the
//! owned data it carries.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value;

use crate::client::Event;
use crate::error::Error;
use crate::iotda::error::IotdaError;
use crate::iotda::payloads::{
    BootstrapFailure, CommandRequest, DeviceMessage, PropertiesGetRequest, PropertiesSetRequest,
    ShadowGetResponse, SystemEvent,
};

/// What a device-originated request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// `shadow/get`: answered on `shadow/get/response`.
    Shadow,
    /// `$time_sync` / `time_sync_request`: answered by `time_sync_response`.
    TimeSync,
    /// `add_sub_device_request`: answered by `add_sub_device_response`.
    AddSubDevices,
    /// `delete_sub_device_request`: answered by `delete_sub_device_response`.
    DeleteSubDevices,
    /// `sub_device_update_status`: answered by `sub_device_update_status_response`.
    SubDeviceStatus,
    /// `get_upload_url`: answered by `get_upload_url_response`.
    UploadUrl,
    /// `get_download_url`: answered by `get_download_url_response`.
    DownloadUrl,
    /// `bootstrap/up`: answered on `bootstrap/down`.
    Bootstrap,
}

impl RequestKind {
    /// The snake_case name the bindings and the scenario files use: `shadow`, `time_sync`,
    /// `add_sub_devices`, `delete_sub_devices`, `sub_device_status`, `upload_url`,
    /// `download_url`, `bootstrap`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            RequestKind::Shadow => "shadow",
            RequestKind::TimeSync => "time_sync",
            RequestKind::AddSubDevices => "add_sub_devices",
            RequestKind::DeleteSubDevices => "delete_sub_devices",
            RequestKind::SubDeviceStatus => "sub_device_status",
            RequestKind::UploadUrl => "upload_url",
            RequestKind::DownloadUrl => "download_url",
            RequestKind::Bootstrap => "bootstrap",
        }
    }

    /// The request kind a device-originated event starts, if the platform answers it.
    pub(super) fn of_request(event: &SystemEvent) -> Option<Self> {
        Some(match event {
            SystemEvent::TimeSyncRequest(_) => RequestKind::TimeSync,
            SystemEvent::AddSubDeviceRequest(_) => RequestKind::AddSubDevices,
            SystemEvent::DeleteSubDeviceRequest(_) => RequestKind::DeleteSubDevices,
            SystemEvent::SubDeviceUpdateStatus(_) => RequestKind::SubDeviceStatus,
            SystemEvent::GetUploadUrl(_) => RequestKind::UploadUrl,
            SystemEvent::GetDownloadUrl(_) => RequestKind::DownloadUrl,
            _ => return None,
        })
    }

    /// The request kind a platform event answers, if it is an answer.
    pub(super) fn of_answer(event: &SystemEvent) -> Option<Self> {
        Some(match event {
            SystemEvent::TimeSyncResponse(_) => RequestKind::TimeSync,
            SystemEvent::AddSubDeviceResponse(_) => RequestKind::AddSubDevices,
            SystemEvent::DeleteSubDeviceResponse(_) => RequestKind::DeleteSubDevices,
            SystemEvent::SubDeviceUpdateStatusResponse(_) => RequestKind::SubDeviceStatus,
            SystemEvent::GetUploadUrlResponse(_) => RequestKind::UploadUrl,
            SystemEvent::GetDownloadUrlResponse(_) => RequestKind::DownloadUrl,
            _ => return None,
        })
    }
}

/// A request the device sent and the platform answers: its kind and the id the device made up
/// for it (the `request_id` of a shadow request, the `event_id` of an event).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PendingRequest {
    /// What was asked.
    pub kind: RequestKind,
    /// The id the answer carries.
    pub id: String,
}

/// One system event from `events/down`, with its envelope.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SystemEventDown {
    /// The child device the event is for (gateways).
    pub object_device_id: Option<String>,
    /// The event id (answers carry the request's).
    pub event_id: Option<String>,
    /// The event time as sent.
    pub event_time: Option<String>,
    /// The typed event ([`SystemEvent::Unknown`] keeps what this library does not know).
    pub event: SystemEvent,
    /// The device's request this event answers, when it answers one that was still waiting.
    pub answers: Option<PendingRequest>,
}

/// What is wrong with something the platform sent. The session goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputProblem {
    /// A topic under `$oc` that is not in the IoTDA catalogue.
    UnknownTopic,
    /// A system topic that names another device.
    OtherDevice,
    /// A topic the device publishes on (or a bridge topic) arriving at the device.
    UnexpectedTopic,
    /// A `bootstrap/down` answer while the device is not provisioning.
    UnexpectedBootstrap,
    /// The payload is not the documented JSON, breaks a limit (over 1 MB) or carries an
    /// unusable value (e.g. an empty device secret).
    Payload(IotdaError),
}

impl InputProblem {
    /// The snake_case name the bindings and the scenario files use: `unknown_topic`,
    /// `other_device`, `unexpected_topic`, `unexpected_bootstrap`, `payload`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            InputProblem::UnknownTopic => "unknown_topic",
            InputProblem::OtherDevice => "other_device",
            InputProblem::UnexpectedTopic => "unexpected_topic",
            InputProblem::UnexpectedBootstrap => "unexpected_bootstrap",
            InputProblem::Payload(_) => "payload",
        }
    }
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputProblem::UnknownTopic => f.write_str("topic is not in the IoTDA catalogue"),
            InputProblem::OtherDevice => f.write_str("topic names another device"),
            InputProblem::UnexpectedTopic => f.write_str("topic is not one the platform sends on"),
            InputProblem::UnexpectedBootstrap => {
                f.write_str("bootstrap answer while not provisioning")
            }
            InputProblem::Payload(e) => write!(f, "{e}"),
        }
    }
}

/// A message from the platform the device could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BadInput {
    /// Its topic.
    pub topic: String,
    /// The request id of its topic, if any: a command or property request can still be
    /// answered (with a failure) by it.
    pub request_id: Option<String>,
    /// What is wrong.
    pub problem: InputProblem,
}

/// A message the device had accepted but could not hand to the MQTT client (the server's last
/// CONNACK refuses its QoS or size).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpstreamFailed {
    /// Its topic.
    pub topic: String,
    /// The requests it carried, which will get no answer.
    pub requests: Vec<PendingRequest>,
    /// Why.
    pub error: Error,
}

/// Something the application or the driver must know. Take them with
/// [`IotdaDevice::poll_event`](super::IotdaDevice::poll_event).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// A command: answer with [`respond_command`](super::IotdaDevice::respond_command) and this
    /// request id (the platform waits about 20 s).
    Command {
        /// The request id of the topic.
        request_id: String,
        /// The command.
        command: CommandRequest,
    },
    /// The platform sets properties: answer with
    /// [`respond_properties_set`](super::IotdaDevice::respond_properties_set).
    PropertiesSet {
        /// The request id of the topic.
        request_id: String,
        /// The values to set.
        request: PropertiesSetRequest,
    },
    /// The platform queries properties: answer with
    /// [`respond_properties_get`](super::IotdaDevice::respond_properties_get).
    PropertiesGet {
        /// The request id of the topic.
        request_id: String,
        /// What is queried.
        request: PropertiesGetRequest,
    },
    /// The answer to [`get_shadow`](super::IotdaDevice::get_shadow).
    Shadow {
        /// The request id of the topic.
        request_id: String,
        /// The shadow.
        response: ShadowGetResponse,
        /// The request it answers, if it was still waiting (`None` for a late or unknown id).
        answers: Option<PendingRequest>,
    },
    /// A message on `messages/down`.
    MessageDown {
        /// The payload as received.
        payload: Vec<u8>,
        /// The payload read as the "system format" object, when it is one.
        message: Option<DeviceMessage>,
    },
    /// One system event from `events/down` (an envelope with several gives one event each).
    System(Box<SystemEventDown>),
    /// Provisioning succeeded. The device switched to its own identity (the secret that came
    /// back, the derived secret of a registration group, or the same identity) and is idle:
    /// send what `poll_transmit` still returns, close the transport, open one to `address`,
    /// then call `handle_connected` (a `connect` is implied).
    Bootstrapped {
        /// `host:port` to connect to.
        address: String,
        /// The initial configuration the platform sent.
        init_config: Option<Value>,
        /// A device secret came back and is now used.
        secret_changed: bool,
    },
    /// Provisioning failed; the device stays connected to the bootstrap endpoint (retry with
    /// [`request_bootstrap`](super::IotdaDevice::request_bootstrap), or disconnect).
    BootstrapFailed(BootstrapFailure),
    /// A request got no answer within `request_timeout`.
    Timeout(PendingRequest),
    /// Something the platform sent could not be used; nothing else changed.
    BadInput(Box<BadInput>),
    /// A queued message could not be handed to the MQTT client.
    UpstreamFailed(Box<UpstreamFailed>),
    /// An event of the MQTT client, passed through: `Connected`, `ConnectionLost` (with
    /// `reconnect_at: None` after a CONNACK refusal in `reconnect.stop_on`, by default return
    /// code 4, bad user name or password, as the SDKs do, and 1 and 5: the device stops
    /// retrying), `Disconnected`, `ReconnectDue`, acknowledgements,
    /// subscriptions, and `Message` for custom, `user/`, M2M and legacy topics.
    Mqtt(Event),
}
