//! [`IotdaDevice`]: the core's sans-IO IoTDA device behind a `Mutex`, its settings
//! ([`DeviceConfig`]) and its events ([`DeviceEvent`]).
//!
//! The call protocol is the client's, with one addition: `handle_connected(now_ms, utc_ms)`
//! takes the UTC wall-clock time, from which the ClientId and password of that attempt are made.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use iotmqtt::Instant;
use iotmqtt::iotda::{self as ic, InputProblem as CoreProblem, PendingRequest as CorePending};
use serde_json::Value;

use super::credentials::{DeviceAuth, utc};
use super::payloads::{
    BootstrapFailure, BootstrapRequest, CommandRequest, CommandResponse, DeviceMessage,
    GatewayPropertiesReport, NewSubDevice, PropertiesGetRequest, PropertiesReport,
    PropertiesSetRequest, PropertiesSetResponse, ShadowGetResponse, SubDeviceStatus, SystemEvent,
};
use super::topics::ReportSuffix;
use crate::client::{ClientState, ReconnectPolicy, count, millis, size};
use crate::error::{ErrorInfo, Result};
use crate::events::Event;
use crate::properties::{ProtocolVersion, QoS};

/// Every setting of an IoTDA device. Start from [`default_device_config`] (the core's
/// defaults, the SDKs' values) and change what you need; `connect` refuses what IoTDA would.
#[derive(Debug, Clone, uniffi::Record)]
#[allow(missing_docs)] // the fields of the core's `DeviceConfig`, documented there; times in ms
pub struct DeviceConfig {
    /// Who the device is.
    pub auth: Arc<DeviceAuth>,
    pub protocol: ProtocolVersion,
    pub keep_alive: u16,
    pub upstream_qos: QoS,
    pub subscribe_downstream_qos1: bool,
    /// Provision first at the bootstrap endpoint with this request.
    pub bootstrap: Option<BootstrapRequest>,
    pub max_messages_per_sec: u32,
    pub max_bytes_per_sec: u32,
    pub max_queued_messages: u64,
    pub max_queued_bytes: u64,
    pub request_timeout_ms: u64,
    pub max_pending_requests: u64,
    pub request_id_seed: u64,
    pub reconnect: ReconnectPolicy,
    pub connack_timeout_ms: u64,
    pub max_events: u64,
}

/// The core's defaults for `auth` (`DeviceConfig::new`): MQTT 3.1.1, keep-alive 120 s,
/// upstream QoS 1, 50 messages and 1 MB per second, requests time out after 30 s.
#[uniffi::export]
pub fn default_device_config(auth: Arc<DeviceAuth>) -> DeviceConfig {
    let c = ic::DeviceConfig::new(auth.inner.clone());
    DeviceConfig {
        auth,
        protocol: c.protocol.into(),
        keep_alive: c.keep_alive,
        upstream_qos: c.upstream_qos.into(),
        subscribe_downstream_qos1: c.subscribe_downstream_qos1,
        bootstrap: c.bootstrap.as_ref().map(|b| BootstrapRequest {
            base_strategy_keyword: b.base_strategy_keyword.clone(),
        }),
        max_messages_per_sec: c.max_messages_per_sec,
        max_bytes_per_sec: c.max_bytes_per_sec,
        max_queued_messages: count(c.max_queued_messages),
        max_queued_bytes: count(c.max_queued_bytes),
        request_timeout_ms: millis(c.request_timeout),
        max_pending_requests: count(c.max_pending_requests),
        request_id_seed: c.request_id_seed,
        reconnect: ReconnectPolicy::from(&c.reconnect),
        connack_timeout_ms: millis(c.connack_timeout),
        max_events: count(c.max_events),
    }
}

impl DeviceConfig {
    fn to_core(&self) -> Result<ic::DeviceConfig> {
        let mut c = ic::DeviceConfig::new(self.auth.inner.clone());
        c.protocol = self.protocol.into();
        c.keep_alive = self.keep_alive;
        c.upstream_qos = self.upstream_qos.into();
        c.subscribe_downstream_qos1 = self.subscribe_downstream_qos1;
        c.bootstrap = self.bootstrap.as_ref().map(|b| ic::BootstrapRequest {
            base_strategy_keyword: b.base_strategy_keyword.clone(),
        });
        c.max_messages_per_sec = self.max_messages_per_sec;
        c.max_bytes_per_sec = self.max_bytes_per_sec;
        c.max_queued_messages = size(self.max_queued_messages);
        c.max_queued_bytes = size(self.max_queued_bytes);
        c.request_timeout = Duration::from_millis(self.request_timeout_ms);
        c.max_pending_requests = size(self.max_pending_requests);
        c.request_id_seed = self.request_id_seed;
        c.reconnect = self.reconnect.to_core()?;
        c.connack_timeout = Duration::from_millis(self.connack_timeout_ms);
        c.max_events = size(self.max_events);
        Ok(c)
    }
}

/// What a device-originated request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[allow(missing_docs)] // the core's `RequestKind`, documented there
pub enum RequestKind {
    Shadow,
    TimeSync,
    AddSubDevices,
    DeleteSubDevices,
    SubDeviceStatus,
    UploadUrl,
    DownloadUrl,
    Bootstrap,
    /// A kind a later core added.
    Other,
}

/// A request the device sent and the platform answers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingRequest {
    /// What was asked.
    pub kind: RequestKind,
    /// The id the answer carries.
    pub id: String,
}

impl From<&CorePending> for PendingRequest {
    fn from(p: &CorePending) -> Self {
        PendingRequest {
            kind: match p.kind {
                ic::RequestKind::Shadow => RequestKind::Shadow,
                ic::RequestKind::TimeSync => RequestKind::TimeSync,
                ic::RequestKind::AddSubDevices => RequestKind::AddSubDevices,
                ic::RequestKind::DeleteSubDevices => RequestKind::DeleteSubDevices,
                ic::RequestKind::SubDeviceStatus => RequestKind::SubDeviceStatus,
                ic::RequestKind::UploadUrl => RequestKind::UploadUrl,
                ic::RequestKind::DownloadUrl => RequestKind::DownloadUrl,
                ic::RequestKind::Bootstrap => RequestKind::Bootstrap,
                _ => RequestKind::Other,
            },
            id: p.id.clone(),
        }
    }
}

/// What is wrong with something the platform sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum InputProblem {
    /// A topic under `$oc` that is not in the catalogue.
    UnknownTopic,
    /// A system topic that names another device.
    OtherDevice,
    /// A topic the platform does not send on.
    UnexpectedTopic,
    /// A bootstrap answer while not provisioning.
    UnexpectedBootstrap,
    /// The payload is not the documented JSON or breaks a limit.
    Payload {
        /// What is wrong with it.
        error: ErrorInfo,
    },
    /// A problem a later core added.
    Other {
        /// The core's description.
        description: String,
    },
}

/// Something the application or the driver must know (`poll_event`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceEvent {
    /// A command: answer with `respond_command` and this request id.
    Command {
        /// The request id of the topic.
        request_id: String,
        /// The command.
        command: CommandRequest,
    },
    /// The platform sets properties: answer with `respond_properties_set`.
    PropertiesSet {
        /// The request id of the topic.
        request_id: String,
        /// The values to set.
        request: PropertiesSetRequest,
    },
    /// The platform queries properties: answer with `respond_properties_get`.
    PropertiesGet {
        /// The request id of the topic.
        request_id: String,
        /// What is queried.
        request: PropertiesGetRequest,
    },
    /// The answer to `get_shadow`.
    Shadow {
        /// The request id of the topic.
        request_id: String,
        /// The shadow.
        response: ShadowGetResponse,
        /// The request it answers, if it was still waiting.
        answers: Option<PendingRequest>,
    },
    /// A message on `messages/down`.
    MessageDown {
        /// The payload as received.
        payload: Vec<u8>,
        /// The payload read as the system format, when it is one.
        message: Option<DeviceMessage>,
    },
    /// One system event from `events/down`.
    System {
        /// The child device it is for (gateways).
        object_device_id: Option<String>,
        /// Its id.
        event_id: Option<String>,
        /// Its time as sent.
        event_time: Option<String>,
        /// The event.
        event: SystemEvent,
        /// The device's request it answers, if it was still waiting.
        answers: Option<PendingRequest>,
    },
    /// Provisioning succeeded: close the transport, open one to `address`, then call
    /// `handle_connected`.
    Bootstrapped {
        /// `host:port`.
        address: String,
        /// The initial configuration, as JSON text.
        init_config_json: Option<String>,
        /// A device secret came back and is now used.
        secret_changed: bool,
    },
    /// Provisioning failed.
    BootstrapFailed {
        /// What the platform said.
        failure: BootstrapFailure,
    },
    /// A request got no answer in time.
    RequestTimeout {
        /// Which.
        request: PendingRequest,
    },
    /// Something the platform sent could not be used; nothing else changed.
    BadInput {
        /// Its topic.
        topic: String,
        /// The topic's request id, if any (a request can still be answered with a failure).
        request_id: Option<String>,
        /// What is wrong.
        problem: InputProblem,
    },
    /// A queued message could not be handed to the MQTT client.
    UpstreamFailed {
        /// Its topic.
        topic: String,
        /// Why.
        error: ErrorInfo,
        /// The requests it carried, which get no answer.
        requests: Vec<PendingRequest>,
    },
    /// An event of the MQTT client, passed through.
    Mqtt {
        /// The event.
        event: Event,
    },
    /// An event a later core added that this binding does not name yet.
    Other {
        /// The core's description (never holds a secret).
        description: String,
    },
}

fn json_text(v: &Value) -> String {
    v.to_string()
}

impl From<ic::DeviceEvent> for DeviceEvent {
    fn from(e: ic::DeviceEvent) -> Self {
        use ic::DeviceEvent as E;
        match e {
            E::Command {
                request_id,
                command,
            } => DeviceEvent::Command {
                request_id,
                command: CommandRequest::from(&command),
            },
            E::PropertiesSet {
                request_id,
                request,
            } => DeviceEvent::PropertiesSet {
                request_id,
                request: PropertiesSetRequest::from(&request),
            },
            E::PropertiesGet {
                request_id,
                request,
            } => DeviceEvent::PropertiesGet {
                request_id,
                request: PropertiesGetRequest::from(&request),
            },
            E::Shadow {
                request_id,
                response,
                answers,
            } => DeviceEvent::Shadow {
                request_id,
                response: ShadowGetResponse::from(&response),
                answers: answers.as_ref().map(PendingRequest::from),
            },
            E::MessageDown { payload, message } => DeviceEvent::MessageDown {
                payload,
                message: message.as_ref().map(DeviceMessage::from),
            },
            E::System(s) => DeviceEvent::System {
                event: SystemEvent::from(&s.event),
                answers: s.answers.as_ref().map(PendingRequest::from),
                object_device_id: s.object_device_id,
                event_id: s.event_id,
                event_time: s.event_time,
            },
            E::Bootstrapped {
                address,
                init_config,
                secret_changed,
            } => DeviceEvent::Bootstrapped {
                address,
                init_config_json: init_config.as_ref().map(json_text),
                secret_changed,
            },
            E::BootstrapFailed(f) => DeviceEvent::BootstrapFailed {
                failure: BootstrapFailure::from(&f),
            },
            E::Timeout(p) => DeviceEvent::RequestTimeout {
                request: PendingRequest::from(&p),
            },
            E::BadInput(b) => DeviceEvent::BadInput {
                problem: match &b.problem {
                    CoreProblem::UnknownTopic => InputProblem::UnknownTopic,
                    CoreProblem::OtherDevice => InputProblem::OtherDevice,
                    CoreProblem::UnexpectedTopic => InputProblem::UnexpectedTopic,
                    CoreProblem::UnexpectedBootstrap => InputProblem::UnexpectedBootstrap,
                    CoreProblem::Payload(e) => InputProblem::Payload {
                        error: ErrorInfo::from(&iotmqtt::Error::from(e.clone())),
                    },
                    other => InputProblem::Other {
                        description: other.to_string(),
                    },
                },
                topic: b.topic,
                request_id: b.request_id,
            },
            E::UpstreamFailed(u) => DeviceEvent::UpstreamFailed {
                error: ErrorInfo::from(&u.error),
                requests: u.requests.iter().map(PendingRequest::from).collect(),
                topic: u.topic,
            },
            E::Mqtt(event) => DeviceEvent::Mqtt {
                event: event.into(),
            },
            other => DeviceEvent::Other {
                description: format!("{other:?}"),
            },
        }
    }
}

/// A Huawei Cloud IoTDA device, sans-IO (the core's `IotdaDevice`): the MQTT client plus fresh
/// credentials per attempt, IoTDA's connection rules, upstream pacing, typed downstream
/// requests and their replies, request correlation, gateway helpers and bootstrap.
#[derive(uniffi::Object)]
pub struct IotdaDevice {
    inner: Mutex<ic::IotdaDevice>,
}

impl core::fmt::Debug for IotdaDevice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.lock().fmt(f)
    }
}

impl IotdaDevice {
    fn lock(&self) -> MutexGuard<'_, ic::IotdaDevice> {
        // The core never panics, so a poisoned lock holds a consistent device.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl IotdaDevice {
    /// A device with `config`; `connect` reports a setting IoTDA would refuse, only a
    /// `stop_on` code that is no CONNACK reason fails here.
    #[uniffi::constructor]
    pub fn new(config: DeviceConfig) -> Result<Arc<Self>> {
        Ok(Arc::new(IotdaDevice {
            inner: Mutex::new(ic::IotdaDevice::new(config.to_core()?)),
        }))
    }

    /// The device id in every topic.
    pub fn device_id(&self) -> String {
        self.lock().device_id().into()
    }

    /// The state of the MQTT client underneath.
    pub fn state(&self) -> ClientState {
        self.lock().client().state().into()
    }

    /// True while connected (to the platform or the bootstrap endpoint).
    pub fn is_connected(&self) -> bool {
        self.lock().is_connected()
    }

    /// True while provisioning.
    pub fn is_bootstrapping(&self) -> bool {
        self.lock().is_bootstrapping()
    }

    /// Upstream messages waiting for the rate limit or a connection.
    pub fn queued_upstream(&self) -> u64 {
        count(self.lock().queued_upstream())
    }

    /// Requests waiting for their answer.
    pub fn pending_requests(&self) -> u64 {
        count(self.lock().pending_requests())
    }

    /// Starts connecting (after checking the configuration against IoTDA's rules).
    pub fn connect(&self) -> Result<()> {
        Ok(self.lock().connect()?)
    }

    /// Ends the connection and stops reconnecting.
    pub fn disconnect(&self) -> Result<()> {
        Ok(self.lock().disconnect()?)
    }

    /// A transport is open; `utc_ms` is the wall-clock time (ms since the Unix epoch) the
    /// login of this attempt is made from.
    ///
    /// # Errors
    /// `invalid_time` for a time outside 1970–9999; nothing changes then.
    pub fn handle_connected(&self, now_ms: u64, utc_ms: u64) -> Result<()> {
        let utc = utc(utc_ms)?;
        self.lock()
            .handle_connected(Instant::from_millis(now_ms), utc);
        Ok(())
    }

    /// Bytes read from the transport.
    pub fn handle_bytes(&self, now_ms: u64, bytes: Vec<u8>) {
        self.lock()
            .handle_bytes(Instant::from_millis(now_ms), &bytes);
    }

    /// The deadline of `poll_timeout` passed.
    pub fn handle_timeout(&self, now_ms: u64) {
        self.lock().handle_timeout(Instant::from_millis(now_ms));
    }

    /// The transport closed or failed to open.
    pub fn handle_closed(&self, now_ms: u64) {
        self.lock().handle_closed(Instant::from_millis(now_ms));
    }

    /// Whole packets to write; empty when nothing may go now. Call until empty.
    pub fn poll_transmit(&self, now_ms: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self
            .lock()
            .poll_transmit(Instant::from_millis(now_ms), &mut out);
        out
    }

    /// When to call `handle_timeout` next (ms), including the next paced message.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.lock().poll_timeout().map(Instant::as_millis)
    }

    /// The next event.
    pub fn poll_event(&self) -> Option<DeviceEvent> {
        self.lock().poll_event().map(DeviceEvent::from)
    }

    /// Answers a command.
    pub fn respond_command(&self, request_id: String, response: CommandResponse) -> Result<()> {
        let response = response.to_core()?;
        Ok(self.lock().respond_command(&request_id, &response)?)
    }

    /// Answers a property set.
    pub fn respond_properties_set(
        &self,
        request_id: String,
        response: PropertiesSetResponse,
    ) -> Result<()> {
        let response = response.to_core()?;
        Ok(self.lock().respond_properties_set(&request_id, &response)?)
    }

    /// Answers a property query with the current values.
    pub fn respond_properties_get(
        &self,
        request_id: String,
        response: PropertiesReport,
    ) -> Result<()> {
        let response = response.to_core()?;
        Ok(self.lock().respond_properties_get(&request_id, &response)?)
    }

    /// Reports properties (`properties/report`, with an optional suffix).
    pub fn report_properties(&self, report: PropertiesReport, suffix: ReportSuffix) -> Result<()> {
        let report = report.to_core()?;
        Ok(self.lock().report_properties(&report, suffix.to_core())?)
    }

    /// Sends a message on `messages/up`.
    pub fn send_message(&self, payload: Vec<u8>, suffix: ReportSuffix) -> Result<()> {
        Ok(self.lock().send_message(&payload, suffix.to_core())?)
    }

    /// Reports a system event; returns its event id when the platform answers it.
    pub fn report_event(&self, event: SystemEvent) -> Result<Option<String>> {
        let event = event.to_core()?;
        Ok(self.lock().report_event(&event)?)
    }

    /// Asks for the device shadow; returns the request id.
    pub fn get_shadow(
        &self,
        service_id: Option<String>,
        object_device_id: Option<String>,
    ) -> Result<String> {
        Ok(self
            .lock()
            .get_shadow(service_id.as_deref(), object_device_id.as_deref())?)
    }

    /// Asks for the platform time, stamped with the device's clock (ms since the epoch);
    /// returns the event id.
    pub fn request_time_sync(&self, device_send_time: u64) -> Result<String> {
        Ok(self.lock().request_time_sync(device_send_time)?)
    }

    /// Publishes on a custom, `user/`, M2M or legacy topic (QoS 0 or 1).
    pub fn publish(&self, topic: String, payload: Vec<u8>, qos: QoS, retain: bool) -> Result<()> {
        Ok(self.lock().publish(&topic, &payload, qos.into(), retain)?)
    }

    /// Subscribes to a filter (at most 50); returns the packet identifier.
    pub fn subscribe(&self, filter: String, qos: QoS) -> Result<u16> {
        Ok(self.lock().subscribe(&filter, qos.into())?.get())
    }

    /// Unsubscribes; returns the packet identifier.
    pub fn unsubscribe(&self, filter: String) -> Result<u16> {
        Ok(self.lock().unsubscribe(&filter)?.get())
    }

    /// Gateway: reports its children's properties.
    pub fn report_sub_device_properties(&self, report: GatewayPropertiesReport) -> Result<()> {
        let report = report.to_core()?;
        Ok(self.lock().report_sub_device_properties(&report)?)
    }

    /// Gateway: adds children (1–50); returns the request's event id.
    pub fn add_sub_devices(&self, devices: Vec<NewSubDevice>) -> Result<String> {
        let devices = devices
            .iter()
            .map(NewSubDevice::to_core)
            .collect::<Result<Vec<_>>>()?;
        Ok(self
            .lock()
            .add_sub_devices(iotmqtt::iotda::AddSubDevices { devices })?)
    }

    /// Gateway: deletes children by device id; returns the request's event id.
    pub fn delete_sub_devices(&self, device_ids: Vec<String>) -> Result<String> {
        Ok(self
            .lock()
            .delete_sub_devices(iotmqtt::iotda::DeleteSubDevices {
                devices: device_ids,
            })?)
    }

    /// Gateway: reports children's statuses (1–100); returns the request's event id.
    pub fn update_sub_device_statuses(&self, statuses: Vec<SubDeviceStatus>) -> Result<String> {
        let device_statuses = statuses.iter().map(SubDeviceStatus::to_core).collect();
        Ok(self
            .lock()
            .update_sub_device_statuses(iotmqtt::iotda::SubDeviceStatuses { device_statuses })?)
    }

    /// Gateway: asks for the children changed since `version`.
    pub fn sync_sub_devices(&self, version: Option<u64>) -> Result<()> {
        Ok(self.lock().sync_sub_devices(version)?)
    }

    /// Bootstrap: sends the provisioning request again; returns its id.
    pub fn request_bootstrap(&self) -> Result<String> {
        Ok(self.lock().request_bootstrap()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SigType;

    #[test]
    fn the_default_record_is_the_core_default() {
        let auth = DeviceAuth::secret("dev_1".into(), "s3cr3t-Key".into(), SigType::HmacSha256)
            .expect("a valid identity");
        let record = default_device_config(auth.clone());
        assert_eq!(
            record.to_core(),
            Ok(ic::DeviceConfig::new(auth.inner.clone()))
        );
    }
}
