//! `iotmqtt_device`: the core's sans-IO IoTDA device (`iotmqtt::iotda::IotdaDevice`).
//!
//! The client's call protocol, with the UTC wall-clock time passed when a transport opens
//! (the ClientId and the password carry the hour). Payloads cross the boundary as JSON text:
//! replies and reports are parsed by the core's readers (`from_json`), and the requests in
//! events are handed out as the JSON the core serialises them to.

use std::ffi::c_char;
use std::time::Duration;

use iotmqtt::iotda::{
    AddSubDevices, BootstrapRequest, CommandResponse, DeleteSubDevices, DeviceAuth as CoreAuth,
    DeviceConfig as CoreConfig, DeviceEvent as CoreEvent, DeviceId, EventsMessage,
    GatewayPropertiesReport, InputProblem, IotdaDevice, JsonPayload, PendingRequest,
    PropertiesGetResponse, PropertiesReport, PropertiesSetResponse, ReportSuffix as CoreSuffix,
    RequestKind as CoreKind, SubDeviceStatuses, UtcTime,
};
use iotmqtt::{Error as CoreError, Instant, UsageError};

use super::credentials::{DeviceAuth, auth_in};
use super::topics::ReportSuffix;
use crate::client::{Event, EventSlot, State, state_out};
use crate::error::{ErrorInfo, ErrorSlot, Failure, Status};
use crate::ffi::{
    FfiResult, Handle, buffer, cstr, enum_in, guard, in_ref, opt_cstr, out_ptr, slice, with_handle,
};
use crate::types::{Bytes, NO_DEADLINE, Str, qos_in, version_in};

/// Every setting of a device. Fill it with `iotmqtt_device_config_default` (the core's
/// defaults), set `auth`, then change what you need. Strings are copied by
/// `iotmqtt_device_new`. Times are milliseconds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DeviceConfig {
    /// Who the device is (its strings are copied).
    pub auth: DeviceAuth,
    /// An `iotmqtt_protocol_version` (default 3.1.1, as the SDKs).
    pub protocol: u8,
    /// Keep-alive in seconds, 30 to 1,200 (default 120).
    pub keep_alive: u16,
    /// QoS of what the device publishes itself, 0 or 1 (default 1).
    pub upstream_qos: u8,
    /// Subscribe explicitly to the downstream system topics at QoS 1 (default false: the
    /// platform delivers them at QoS 0 without a SUBSCRIBE).
    pub subscribe_downstream_qos1: bool,
    /// Provision first at the bootstrap endpoint with this request (JSON: `{}` or
    /// `{"baseStrategyKeyword":"…"}`); NULL for no provisioning.
    pub bootstrap_request_json: *const c_char,
    /// Upstream pacing: messages in any one-second window, 1 to 50 (default 50).
    pub max_messages_per_sec: u32,
    /// Upstream pacing: payload bytes in any one-second window, up to 1 MB (default 1 MB).
    pub max_bytes_per_sec: u32,
    /// Most upstream messages waiting (default 1,000).
    pub max_queued_messages: usize,
    /// Most bytes of those (default 4 MiB; at least 1 MB + 64 KiB).
    pub max_queued_bytes: usize,
    /// How long a device-originated request waits for its answer (default 30,000).
    pub request_timeout_ms: u64,
    /// Most requests waiting for an answer (default 64).
    pub max_pending_requests: usize,
    /// Seed of the request ids the device makes up (`{seed in hex}-{n}`); give each device
    /// its own.
    pub request_id_seed: u64,
    /// Reconnect after a loss (default true).
    pub reconnect: bool,
    /// The first reconnect delay (default 1,000).
    pub reconnect_min_delay_ms: u64,
    /// The largest reconnect delay (default 30,000).
    pub reconnect_max_delay_ms: u64,
    /// Seed of the reconnect jitter; give each device its own.
    pub jitter_seed: u64,
    /// The CONNACK refusals that end the reconnects instead of retrying, as a bit mask: bit
    /// `n` stands for the reason code `0x80 + n` (3.1.1 return codes count as their 5.0
    /// equivalents), e.g. `1u << (0x86 - 0x80)` for Bad User Name or Password. Default: 0x84,
    /// 0x86, 0x87 and 0x8A (0x4D0); 0 retries every refusal. A bit of a code that is no CONNACK
    /// reason is refused.
    pub reconnect_stop_on: u32,
    /// How long to wait for CONNACK (default 10,000).
    pub connack_timeout_ms: u64,
    /// Most undelivered events of the underlying client (default 1,024).
    pub max_events: usize,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Fills `out` with the core's defaults (MQTT 3.1.1, keep-alive 120 s, upstream QoS 1, the
/// documented rate limit, requests time out after 30 s, reconnect from 1 s to 30 s); `auth` is
/// zeroed: set it.
///
/// # Safety
/// `out` is NULL or points to writable memory for one `iotmqtt_device_config`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_config_default(out: *mut DeviceConfig) -> Status {
    guard(|| {
        let out = unsafe { out_ptr(out, "out") }?;
        let id = DeviceId::new("defaults")?;
        let d = CoreConfig::new(CoreAuth::certificate(id));
        out.write(DeviceConfig {
            auth: DeviceAuth {
                kind: 0,
                device_id: std::ptr::null(),
                secret: std::ptr::null(),
                group_secret: std::ptr::null(),
                scope_id: std::ptr::null(),
                sig_type: 0,
            },
            protocol: d.protocol.level(),
            keep_alive: d.keep_alive,
            upstream_qos: d.upstream_qos as u8,
            subscribe_downstream_qos1: d.subscribe_downstream_qos1,
            bootstrap_request_json: std::ptr::null(),
            max_messages_per_sec: d.max_messages_per_sec,
            max_bytes_per_sec: d.max_bytes_per_sec,
            max_queued_messages: d.max_queued_messages,
            max_queued_bytes: d.max_queued_bytes,
            request_timeout_ms: millis(d.request_timeout),
            max_pending_requests: d.max_pending_requests,
            request_id_seed: d.request_id_seed,
            reconnect: d.reconnect.enabled,
            reconnect_min_delay_ms: millis(d.reconnect.min_delay),
            reconnect_max_delay_ms: millis(d.reconnect.max_delay),
            jitter_seed: d.reconnect.jitter_seed,
            reconnect_stop_on: d.reconnect.stop_on.bits(),
            connack_timeout_ms: millis(d.connack_timeout),
            max_events: d.max_events,
        });
        Ok(())
    })
}

/// A payload of type `T` from NUL-terminated JSON text.
///
/// # Safety
/// `json` is NULL or NUL-terminated.
unsafe fn json_in<T: JsonPayload>(json: *const c_char, what: &str) -> FfiResult<T> {
    let text = unsafe { cstr(json, what) }?;
    Ok(T::from_json(text.as_bytes())?)
}

/// # Safety
/// Every pointer in `c` is NULL or valid as documented on [`DeviceConfig`].
unsafe fn config_in(c: &DeviceConfig) -> FfiResult<CoreConfig> {
    let mut config = CoreConfig::new(unsafe { auth_in(&c.auth) }?);
    config.protocol = version_in(c.protocol, "config.protocol")?;
    config.keep_alive = c.keep_alive;
    config.upstream_qos = qos_in(c.upstream_qos, "config.upstream_qos")?;
    config.subscribe_downstream_qos1 = c.subscribe_downstream_qos1;
    if !c.bootstrap_request_json.is_null() {
        config.bootstrap = Some(unsafe {
            json_in::<BootstrapRequest>(c.bootstrap_request_json, "config.bootstrap_request_json")
        }?);
    }
    config.max_messages_per_sec = c.max_messages_per_sec;
    config.max_bytes_per_sec = c.max_bytes_per_sec;
    config.max_queued_messages = c.max_queued_messages;
    config.max_queued_bytes = c.max_queued_bytes;
    config.request_timeout = Duration::from_millis(c.request_timeout_ms);
    config.max_pending_requests = c.max_pending_requests;
    config.request_id_seed = c.request_id_seed;
    config.reconnect.enabled = c.reconnect;
    config.reconnect.min_delay = Duration::from_millis(c.reconnect_min_delay_ms);
    config.reconnect.max_delay = Duration::from_millis(c.reconnect_max_delay_ms);
    config.reconnect.jitter_seed = c.jitter_seed;
    config.reconnect.stop_on =
        crate::client::stop_on_in(c.reconnect_stop_on, "config.reconnect_stop_on")?;
    config.connack_timeout = Duration::from_millis(c.connack_timeout_ms);
    config.max_events = c.max_events;
    Ok(config)
}

/// What a device-originated request asked for.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// No request (a field without one).
    None = 0,
    /// `shadow/get`.
    Shadow = 1,
    /// Time synchronisation.
    TimeSync = 2,
    /// Adding sub-devices.
    AddSubDevices = 3,
    /// Deleting sub-devices.
    DeleteSubDevices = 4,
    /// Sub-device status update.
    SubDeviceStatus = 5,
    /// A file upload URL.
    UploadUrl = 6,
    /// A file download URL.
    DownloadUrl = 7,
    /// Provisioning (`bootstrap/up`).
    Bootstrap = 8,
}

/// A request the device sent: its kind and the id its answer carries.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PendingRequestView {
    /// `IOTMQTT_REQUEST_KIND_NONE` when there is no request.
    pub kind: RequestKind,
    /// The request id or event id.
    pub id: Str,
}

/// What is wrong with something the platform sent.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputProblemKind {
    /// A topic under `$oc` that is not in the catalogue.
    UnknownTopic = 0,
    /// A system topic naming another device.
    OtherDevice = 1,
    /// A topic the device publishes on (or a bridge topic) arriving at the device.
    UnexpectedTopic = 2,
    /// A bootstrap answer while not provisioning.
    UnexpectedBootstrap = 3,
    /// The payload is not the documented JSON or breaks a limit (`error`).
    Payload = 4,
    /// A problem this binding does not know yet (`error` may say more).
    Other = 5,
}

/// Which event an `iotmqtt_device_event` is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceEventType {
    /// No event: the queue is empty.
    None = 0,
    /// An event of the MQTT client (`mqtt`): connected, connection lost, acknowledgements,
    /// messages on custom topics, …
    Mqtt = 1,
    /// A command (`request_id`, `json`: the command); answer with
    /// `iotmqtt_device_respond_command`.
    Command = 2,
    /// The platform sets properties (`request_id`, `json`: the request); answer with
    /// `iotmqtt_device_respond_properties_set`.
    PropertiesSet = 3,
    /// The platform queries properties (`request_id`, `json`: the request); answer with
    /// `iotmqtt_device_respond_properties_get`.
    PropertiesGet = 4,
    /// The answer to `iotmqtt_device_get_shadow` (`request_id`, `json`: the shadow,
    /// `answers`).
    Shadow = 5,
    /// A message on `messages/down` (`payload`; `json`: the system-format message, NULL
    /// pointer when the payload is not one).
    MessageDown = 6,
    /// A system event (`object_device_id`, `event_id`, `event_time`, `service_id`,
    /// `event_type`, `json`: its parameters, `answers`).
    System = 7,
    /// Provisioning succeeded (`address`, `json`: the initial configuration or NULL,
    /// `secret_changed`): close the transport, open one to `address`, call
    /// `iotmqtt_device_handle_connected`.
    Bootstrapped = 8,
    /// Provisioning failed (`json`: the failure).
    BootstrapFailed = 9,
    /// A request got no answer in time (`answers`).
    RequestTimeout = 10,
    /// Something the platform sent could not be used (`topic`, `request_id`, `problem`,
    /// `error` for a payload problem).
    BadInput = 11,
    /// A queued message could not be handed to the MQTT client (`topic`, `error`,
    /// `requests`).
    UpstreamFailed = 12,
}

/// A device event: `type` says which fields hold its data (the others are zero / NULL). Every
/// span borrows from the device until the next call on it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DeviceEvent {
    /// Which event; `IOTMQTT_DEVICE_EVENT_TYPE_NONE` when there was none.
    pub r#type: DeviceEventType,
    /// MQTT: the client event.
    pub mqtt: Event,
    /// COMMAND, PROPERTIES_SET, PROPERTIES_GET, SHADOW: the request id of the topic;
    /// BAD_INPUT: the request id of its topic, if any.
    pub request_id: Str,
    /// The event's JSON (see `iotmqtt_device_event_type`), also NUL-terminated; NULL pointer
    /// when absent.
    pub json: Str,
    /// MESSAGE_DOWN: the payload as received.
    pub payload: Bytes,
    /// SHADOW, SYSTEM: the request this answers (kind NONE when none); REQUEST_TIMEOUT: the
    /// request that timed out.
    pub answers: PendingRequestView,
    /// SYSTEM: the child device the event is for (NULL pointer: none).
    pub object_device_id: Str,
    /// SYSTEM: the event id (NULL pointer: none).
    pub event_id: Str,
    /// SYSTEM: the event time as sent (NULL pointer: none).
    pub event_time: Str,
    /// SYSTEM: the service, e.g. `$ota`.
    pub service_id: Str,
    /// SYSTEM: the event type, e.g. `version_query`.
    pub event_type: Str,
    /// BOOTSTRAPPED: `host:port` to connect to.
    pub address: Str,
    /// BOOTSTRAPPED: a device secret came back and is now used.
    pub secret_changed: bool,
    /// BAD_INPUT, UPSTREAM_FAILED: the message's topic.
    pub topic: Str,
    /// BAD_INPUT: what is wrong.
    pub problem: InputProblemKind,
    /// BAD_INPUT with a payload problem, UPSTREAM_FAILED: the error (kind NONE otherwise).
    pub error: ErrorInfo,
    /// UPSTREAM_FAILED: the requests the message carried, which get no answer.
    pub requests: *const PendingRequestView,
    /// UPSTREAM_FAILED: how many.
    pub requests_len: usize,
}

/// A device (opaque). Create with `iotmqtt_device_new`, free with `iotmqtt_device_free`.
pub struct Device {
    inner: IotdaDevice,
    current: Option<CoreEvent>,
    mqtt: EventSlot,
    json: Vec<u8>,
    requests: Vec<PendingRequestView>,
    event_error: ErrorSlot,
    returned_id: String,
    error: ErrorSlot,
}

impl Handle for Device {
    fn error_slot(&mut self) -> &mut ErrorSlot {
        &mut self.error
    }
}

impl Device {
    /// The core device. The last event is kept until the next `poll_event` (the documented
    /// contract is shorter: until the next call), so that a caller who passes one of its spans
    /// to the call answering it does not read freed memory.
    fn touch(&mut self) -> &mut IotdaDevice {
        &mut self.inner
    }

    /// Drops the event handed out last.
    fn clear_event(&mut self) {
        self.current = None;
        self.mqtt.clear();
        self.json.clear();
        self.requests.clear();
    }

    /// Runs a command that returns a request id, which `out_id` (may be NULL) receives.
    ///
    /// # Safety
    /// `out_id` is NULL or writable.
    unsafe fn with_id(
        &mut self,
        out_id: *mut Str,
        f: impl FnOnce(&mut IotdaDevice) -> Result<String, CoreError>,
    ) -> FfiResult {
        let out = (!out_id.is_null())
            .then(|| unsafe { out_ptr(out_id, "out_id") })
            .transpose()?;
        let id = f(self.touch())?;
        self.returned_id = id;
        if let Some(out) = out {
            out.write(Str::of(&self.returned_id));
        }
        Ok(())
    }
}

fn kind_out(k: CoreKind) -> RequestKind {
    match k {
        CoreKind::Shadow => RequestKind::Shadow,
        CoreKind::TimeSync => RequestKind::TimeSync,
        CoreKind::AddSubDevices => RequestKind::AddSubDevices,
        CoreKind::DeleteSubDevices => RequestKind::DeleteSubDevices,
        CoreKind::SubDeviceStatus => RequestKind::SubDeviceStatus,
        CoreKind::UploadUrl => RequestKind::UploadUrl,
        CoreKind::DownloadUrl => RequestKind::DownloadUrl,
        CoreKind::Bootstrap => RequestKind::Bootstrap,
        _ => RequestKind::None,
    }
}

fn pending_out(p: Option<&PendingRequest>) -> PendingRequestView {
    match p {
        Some(p) => PendingRequestView {
            kind: kind_out(p.kind),
            id: Str::of(&p.id),
        },
        None => PendingRequestView {
            kind: RequestKind::None,
            id: Str::NONE,
        },
    }
}

/// JSON text of a serialisable value, without the limits `to_json` checks (an incoming request
/// is handed out as it came).
fn to_json_text(value: &impl serde::Serialize) -> FfiResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| {
        Failure::from(iotmqtt::iotda::IotdaError::Json(
            iotmqtt::iotda::JsonError::from(e),
        ))
    })
}

impl Device {
    /// Holds `event` and returns its C view.
    fn hold(&mut self, event: Option<CoreEvent>) -> FfiResult<DeviceEvent> {
        self.clear_event();
        let mut out = DeviceEvent {
            r#type: DeviceEventType::None,
            mqtt: EventSlot::default().hold(None)?,
            request_id: Str::NONE,
            json: Str::NONE,
            payload: Bytes::NONE,
            answers: pending_out(None),
            object_device_id: Str::NONE,
            event_id: Str::NONE,
            event_time: Str::NONE,
            service_id: Str::NONE,
            event_type: Str::NONE,
            address: Str::NONE,
            secret_changed: false,
            topic: Str::NONE,
            problem: InputProblemKind::UnknownTopic,
            error: ErrorSlot::default().info(),
            requests: std::ptr::null(),
            requests_len: 0,
        };
        // An MQTT event moves to the client slot; the others stay here.
        let event = match event {
            None => return Ok(out),
            Some(CoreEvent::Mqtt(e)) => {
                out.r#type = DeviceEventType::Mqtt;
                out.mqtt = self.mqtt.hold(Some(e))?;
                return Ok(out);
            }
            Some(e) => self.current.insert(e),
        };
        let json = &mut self.json;
        let mut set_json = |bytes: Vec<u8>| {
            *json = bytes;
        };
        match event {
            CoreEvent::Command {
                request_id,
                command,
            } => {
                out.r#type = DeviceEventType::Command;
                out.request_id = Str::of(request_id);
                set_json(to_json_text(command)?);
            }
            CoreEvent::PropertiesSet {
                request_id,
                request,
            } => {
                out.r#type = DeviceEventType::PropertiesSet;
                out.request_id = Str::of(request_id);
                set_json(to_json_text(request)?);
            }
            CoreEvent::PropertiesGet {
                request_id,
                request,
            } => {
                out.r#type = DeviceEventType::PropertiesGet;
                out.request_id = Str::of(request_id);
                set_json(to_json_text(request)?);
            }
            CoreEvent::Shadow {
                request_id,
                response,
                answers,
            } => {
                out.r#type = DeviceEventType::Shadow;
                out.request_id = Str::of(request_id);
                out.answers = pending_out(answers.as_ref());
                set_json(to_json_text(response)?);
            }
            CoreEvent::MessageDown { payload, message } => {
                out.r#type = DeviceEventType::MessageDown;
                out.payload = Bytes::of(payload);
                if let Some(m) = message {
                    set_json(to_json_text(m)?);
                }
            }
            CoreEvent::System(s) => {
                out.r#type = DeviceEventType::System;
                out.object_device_id = Str::opt(s.object_device_id.as_deref());
                out.event_id = Str::opt(s.event_id.as_deref());
                out.event_time = Str::opt(s.event_time.as_deref());
                out.service_id = Str::of(s.event.service_id());
                out.event_type = Str::of(s.event.event_type());
                out.answers = pending_out(s.answers.as_ref());
                set_json(to_json_text(&s.event.paras()?)?);
            }
            CoreEvent::Bootstrapped {
                address,
                init_config,
                secret_changed,
            } => {
                out.r#type = DeviceEventType::Bootstrapped;
                out.address = Str::of(address);
                out.secret_changed = *secret_changed;
                if let Some(c) = init_config {
                    set_json(to_json_text(c)?);
                }
            }
            CoreEvent::BootstrapFailed(f) => {
                out.r#type = DeviceEventType::BootstrapFailed;
                set_json(to_json_text(f)?);
            }
            CoreEvent::Timeout(p) => {
                out.r#type = DeviceEventType::RequestTimeout;
                out.answers = pending_out(Some(p));
            }
            CoreEvent::BadInput(b) => {
                out.r#type = DeviceEventType::BadInput;
                out.topic = Str::of(&b.topic);
                out.request_id = Str::opt(b.request_id.as_deref());
                out.problem = match &b.problem {
                    InputProblem::UnknownTopic => InputProblemKind::UnknownTopic,
                    InputProblem::OtherDevice => InputProblemKind::OtherDevice,
                    InputProblem::UnexpectedTopic => InputProblemKind::UnexpectedTopic,
                    InputProblem::UnexpectedBootstrap => InputProblemKind::UnexpectedBootstrap,
                    InputProblem::Payload(e) => {
                        self.event_error.set(&Failure::from(e.clone()));
                        out.error = self.event_error.info();
                        InputProblemKind::Payload
                    }
                    _ => InputProblemKind::Other,
                };
            }
            CoreEvent::UpstreamFailed(u) => {
                out.r#type = DeviceEventType::UpstreamFailed;
                out.topic = Str::of(&u.topic);
                self.event_error.set(&Failure::from(&u.error));
                out.error = self.event_error.info();
                self.requests
                    .extend(u.requests.iter().map(|p| pending_out(Some(p))));
                out.requests = self.requests.as_ptr();
                out.requests_len = self.requests.len();
            }
            // An event added to the core later: the binding must learn it first.
            _ => {
                return Err(Failure::new(
                    Status::Internal,
                    "internal",
                    "a device event this binding does not know yet",
                ));
            }
        }
        if !self.json.is_empty() {
            let len = self.json.len();
            // NUL-terminated too, for JSON parsers that take a C string.
            self.json.push(0);
            out.json = Str {
                ptr: self.json.as_ptr().cast(),
                len,
            };
        }
        Ok(out)
    }
}

/// Creates a device from `config` and writes it to `out`. Fails on NULL, non-UTF-8 strings, enum
/// values out of range, an identity IoTDA refuses (`IOTMQTT_STATUS_IOTDA`) or a bootstrap
/// request that is not JSON; the other settings are checked by `iotmqtt_device_connect`.
///
/// # Safety
/// `config` is NULL or valid with its pointers valid as documented; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_new(
    config: *const DeviceConfig,
    out: *mut *mut Device,
) -> Status {
    guard(|| {
        let out = unsafe { out_ptr(out, "out") }?;
        let config = unsafe { config_in(in_ref(config, "config")?) }?;
        out.write(Box::into_raw(Box::new(Device {
            inner: IotdaDevice::new(config),
            current: None,
            mqtt: EventSlot::default(),
            json: Vec::new(),
            requests: Vec::new(),
            event_error: ErrorSlot::default(),
            returned_id: String::new(),
            error: ErrorSlot::default(),
        })));
        Ok(())
    })
}

/// Frees a device. NULL does nothing.
///
/// # Safety
/// `device` is NULL or a device from `iotmqtt_device_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_free(device: *mut Device) {
    if !device.is_null() {
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(device) }));
    }
}

/// The details of the last failure of a function called on `device`.
///
/// # Safety
/// `device` is NULL or a live device; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_last_error(
    device: *mut Device,
    out: *mut ErrorInfo,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            out_ptr(out, "out")?.write(d.error.info());
            Ok(())
        })
    }
}

/// Starts connecting (the configuration is checked against IoTDA's rules first):
/// `IOTMQTT_STATE_WAITING_FOR_TRANSPORT`.
///
/// # Safety
/// `device` is NULL or a live device.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_connect(device: *mut Device) -> Status {
    unsafe { with_handle(device, "device", |d| Ok(d.touch().connect()?)) }
}

/// Ends the connection (DISCONNECT) and stops reconnecting.
///
/// # Safety
/// `device` is NULL or a live device.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_disconnect(device: *mut Device) -> Status {
    unsafe { with_handle(device, "device", |d| Ok(d.touch().disconnect()?)) }
}

/// A transport opened at `now_ms` (monotonic); `utc_unix_ms` is the UTC wall-clock time in
/// milliseconds since 1970, from which the ClientId and password of this attempt are made.
///
/// # Safety
/// `device` is NULL or a live device.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_handle_connected(
    device: *mut Device,
    now_ms: u64,
    utc_unix_ms: u64,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let utc = UtcTime::from_unix_millis(utc_unix_ms)?;
            d.touch()
                .handle_connected(Instant::from_millis(now_ms), utc);
            Ok(())
        })
    }
}

/// Bytes read from the transport.
///
/// # Safety
/// `device` is NULL or a live device; `data` is NULL or points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_handle_bytes(
    device: *mut Device,
    now_ms: u64,
    data: *const u8,
    len: usize,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let data = slice(data, len, "data")?;
            d.touch().handle_bytes(Instant::from_millis(now_ms), data);
            Ok(())
        })
    }
}

/// The deadline from `iotmqtt_device_poll_timeout` passed.
///
/// # Safety
/// `device` is NULL or a live device.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_handle_timeout(device: *mut Device, now_ms: u64) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            d.touch().handle_timeout(Instant::from_millis(now_ms));
            Ok(())
        })
    }
}

/// The transport closed or could not be opened.
///
/// # Safety
/// `device` is NULL or a live device.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_handle_closed(device: *mut Device, now_ms: u64) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            d.touch().handle_closed(Instant::from_millis(now_ms));
            Ok(())
        })
    }
}

/// Whole packets to send, as `iotmqtt_client_poll_transmit` (the size needed in `out_len`
/// with `IOTMQTT_STATUS_BUFFER_TOO_SMALL`). Upstream messages leave as the rate limit allows.
///
/// # Safety
/// `device` is NULL or a live device; `buf` is NULL or points to `cap` writable bytes; `out_len`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_poll_transmit(
    device: *mut Device,
    now_ms: u64,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let out_len = out_ptr(out_len, "out_len")?;
            let buf = buffer(buf, cap, "buf")?;
            match d
                .touch()
                .poll_transmit_to_slice(Instant::from_millis(now_ms), buf)
            {
                Ok(n) => {
                    out_len.write(n);
                    Ok(())
                }
                Err(e) => {
                    if let CoreError::Usage(UsageError::BufferTooSmall { required }) = e {
                        out_len.write(required);
                    }
                    Err(Failure::from(e))
                }
            }
        })
    }
}

/// The next deadline (the client's timers, the rate limit, request timeouts), or
/// `IOTMQTT_NO_DEADLINE`.
///
/// # Safety
/// `device` is NULL or a live device; `out_ms` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_poll_timeout(
    device: *mut Device,
    out_ms: *mut u64,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let out = out_ptr(out_ms, "out_ms")?;
            out.write(
                d.touch()
                    .poll_timeout()
                    .map_or(NO_DEADLINE, Instant::as_millis),
            );
            Ok(())
        })
    }
}

/// Takes the next event into `out` (`out->type` is `IOTMQTT_DEVICE_EVENT_TYPE_NONE` when there
/// is none). Its spans borrow from the device **until the next call on this device**.
///
/// # Safety
/// `device` is NULL or a live device; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_poll_event(
    device: *mut Device,
    out: *mut DeviceEvent,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let out = out_ptr(out, "out")?;
            d.clear_event();
            let event = d.inner.poll_event();
            out.write(d.hold(event)?);
            Ok(())
        })
    }
}

/// The lifecycle state of the device's MQTT session.
///
/// # Safety
/// `device` is NULL or a live device; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_state(device: *mut Device, out: *mut State) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let out = out_ptr(out, "out")?;
            out.write(state_out(d.touch().client().state()));
            Ok(())
        })
    }
}

/// Answers a command on `commands/response/request_id={request_id}` with `response_json` (a
/// command response: `{"result_code":0,…}`). Queued; sent as the rate limit allows.
///
/// # Safety
/// `device` is NULL or a live device; the strings are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_respond_command(
    device: *mut Device,
    request_id: *const c_char,
    response_json: *const c_char,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let rid = cstr(request_id, "request_id")?;
            let response: CommandResponse = json_in(response_json, "response_json")?;
            Ok(d.touch().respond_command(rid, &response)?)
        })
    }
}

/// Answers a property set request with `response_json` (`{"result_code":0,…}`).
///
/// # Safety
/// `device` is NULL or a live device; the strings are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_respond_properties_set(
    device: *mut Device,
    request_id: *const c_char,
    response_json: *const c_char,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let rid = cstr(request_id, "request_id")?;
            let response: PropertiesSetResponse = json_in(response_json, "response_json")?;
            Ok(d.touch().respond_properties_set(rid, &response)?)
        })
    }
}

/// Answers a property query with the current values (`response_json`: a properties report,
/// `{"services":[…]}`).
///
/// # Safety
/// `device` is NULL or a live device; the strings are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_respond_properties_get(
    device: *mut Device,
    request_id: *const c_char,
    response_json: *const c_char,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let rid = cstr(request_id, "request_id")?;
            let response: PropertiesGetResponse = json_in(response_json, "response_json")?;
            Ok(d.touch().respond_properties_get(rid, &response)?)
        })
    }
}

/// The core report suffix for `suffix` (an `iotmqtt_report_suffix`) and `request_id`.
fn suffix_in<'a>(suffix: u8, request_id: Option<&'a str>) -> FfiResult<CoreSuffix<'a>> {
    let s = enum_in(suffix, "suffix", |v| match v {
        0 => Some(ReportSuffix::None),
        1 => Some(ReportSuffix::Gzip),
        2 => Some(ReportSuffix::RequestId),
        _ => None,
    })?;
    Ok(match s {
        ReportSuffix::None => CoreSuffix::None,
        ReportSuffix::Gzip => CoreSuffix::Gzip,
        ReportSuffix::RequestId => {
            CoreSuffix::RequestId(request_id.ok_or_else(|| Failure::null("request_id"))?)
        }
    })
}

/// Reports properties on `properties/report` (`report_json`: `{"services":[…]}`); `suffix` (an
/// `iotmqtt_report_suffix`, NONE or REQUEST_ID) with `request_id`.
///
/// # Safety
/// `device` is NULL or a live device; the strings are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_report_properties(
    device: *mut Device,
    report_json: *const c_char,
    suffix: u8,
    request_id: *const c_char,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let report: PropertiesReport = json_in(report_json, "report_json")?;
            let rid = opt_cstr(request_id, "request_id")?;
            Ok(d.touch()
                .report_properties(&report, suffix_in(suffix, rid)?)?)
        })
    }
}

/// Sends a free-form message on `messages/up` (any bytes); `suffix` as for reports (GZIP for
/// a gzip-compressed payload).
///
/// # Safety
/// `device` is NULL or a live device; `payload` is NULL or points to `len` bytes; `request_id`
/// is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_send_message(
    device: *mut Device,
    payload: *const u8,
    len: usize,
    suffix: u8,
    request_id: *const c_char,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let payload = slice(payload, len, "payload")?;
            let rid = opt_cstr(request_id, "request_id")?;
            Ok(d.touch().send_message(payload, suffix_in(suffix, rid)?)?)
        })
    }
}

/// Reports system events on `events/up` (`events_json`: an envelope `{"services":[…]}`).
/// Events the platform answers are given ids and waited for; `out_ids` (may be NULL)
/// receives the first such id (NULL pointer when none), borrowed until the next call.
///
/// # Safety
/// `device` is NULL or a live device; `events_json` is NULL or NUL-terminated; `out_ids` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_report_events(
    device: *mut Device,
    events_json: *const c_char,
    out_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let message: EventsMessage = json_in(events_json, "events_json")?;
            let out = (!out_id.is_null())
                .then(|| out_ptr(out_id, "out_id"))
                .transpose()?;
            let ids = d.touch().report_events(&message)?;
            d.returned_id = ids.into_iter().next().unwrap_or_default();
            if let Some(out) = out {
                out.write(if d.returned_id.is_empty() {
                    Str::NONE
                } else {
                    Str::of(&d.returned_id)
                });
            }
            Ok(())
        })
    }
}

/// Asks for the device shadow (all services, or `service_id`; for a gateway's child,
/// `object_device_id`; both may be NULL). `out_request_id` (may be NULL) receives the request
/// id the answer (`IOTMQTT_DEVICE_EVENT_TYPE_SHADOW`) will carry.
///
/// # Safety
/// `device` is NULL or a live device; the strings are NULL or NUL-terminated; `out_request_id`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_get_shadow(
    device: *mut Device,
    service_id: *const c_char,
    object_device_id: *const c_char,
    out_request_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let service = opt_cstr(service_id, "service_id")?;
            let object = opt_cstr(object_device_id, "object_device_id")?;
            d.with_id(out_request_id, |dev| dev.get_shadow(service, object))
        })
    }
}

/// Asks for the platform's time, stamped with the device's own clock (`device_send_time`,
/// milliseconds since 1970). `out_id` (may be NULL) receives the request's event id.
///
/// # Safety
/// `device` is NULL or a live device; `out_id` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_request_time_sync(
    device: *mut Device,
    device_send_time: u64,
    out_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            d.with_id(out_id, |dev| dev.request_time_sync(device_send_time))
        })
    }
}

/// Publishes on a catalogued topic the device may publish on (its upstream system topics,
/// `user/` topics, free custom topics, M2M, legacy), through the same queue and rate limit.
///
/// # Safety
/// `device` is NULL or a live device; `topic` is NULL or NUL-terminated; `payload` is NULL or
/// points to `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_publish(
    device: *mut Device,
    topic: *const c_char,
    payload: *const u8,
    len: usize,
    qos: u8,
    retain: bool,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let topic = cstr(topic, "topic")?;
            let payload = slice(payload, len, "payload")?;
            let qos = qos_in(qos, "qos")?;
            Ok(d.touch().publish(topic, payload, qos, retain)?)
        })
    }
}

/// Subscribes to a topic filter (custom topics); `packet_id` (may be NULL) receives the
/// SUBSCRIBE's packet identifier.
///
/// # Safety
/// `device` is NULL or a live device; `filter` is NULL or NUL-terminated; `packet_id` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_subscribe(
    device: *mut Device,
    filter: *const c_char,
    qos: u8,
    packet_id: *mut u16,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let filter = cstr(filter, "filter")?;
            let qos = qos_in(qos, "qos")?;
            let out = (!packet_id.is_null())
                .then(|| out_ptr(packet_id, "packet_id"))
                .transpose()?;
            let id = d.touch().subscribe(filter, qos)?;
            if let Some(out) = out {
                out.write(id.get());
            }
            Ok(())
        })
    }
}

/// Unsubscribes from a filter; `packet_id` (may be NULL) receives the packet identifier.
///
/// # Safety
/// `device` is NULL or a live device; `filter` is NULL or NUL-terminated; `packet_id` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_unsubscribe(
    device: *mut Device,
    filter: *const c_char,
    packet_id: *mut u16,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let filter = cstr(filter, "filter")?;
            let out = (!packet_id.is_null())
                .then(|| out_ptr(packet_id, "packet_id"))
                .transpose()?;
            let id = d.touch().unsubscribe(filter)?;
            if let Some(out) = out {
                out.write(id.get());
            }
            Ok(())
        })
    }
}

/// Gateways: reports children's properties (`report_json`: `{"devices":[…]}`).
///
/// # Safety
/// `device` is NULL or a live device; `report_json` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_report_sub_device_properties(
    device: *mut Device,
    report_json: *const c_char,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let report: GatewayPropertiesReport = json_in(report_json, "report_json")?;
            Ok(d.touch().report_sub_device_properties(&report)?)
        })
    }
}

/// Gateways: adds children (`devices_json`: the `add_sub_device_request` parameters);
/// `out_id` (may be NULL) receives the request's event id.
///
/// # Safety
/// `device` is NULL or a live device; `devices_json` is NULL or NUL-terminated; `out_id` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_add_sub_devices(
    device: *mut Device,
    devices_json: *const c_char,
    out_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let devices: AddSubDevices = json_in(devices_json, "devices_json")?;
            d.with_id(out_id, |dev| dev.add_sub_devices(devices))
        })
    }
}

/// Gateways: deletes children (`devices_json`: the `delete_sub_device_request` parameters);
/// `out_id` (may be NULL) receives the request's event id.
///
/// # Safety
/// `device` is NULL or a live device; `devices_json` is NULL or NUL-terminated; `out_id` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_delete_sub_devices(
    device: *mut Device,
    devices_json: *const c_char,
    out_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let devices: DeleteSubDevices = json_in(devices_json, "devices_json")?;
            d.with_id(out_id, |dev| dev.delete_sub_devices(devices))
        })
    }
}

/// Gateways: reports children online or offline (`statuses_json`: the
/// `sub_device_update_status` parameters); `out_id` (may be NULL) receives the event id.
///
/// # Safety
/// `device` is NULL or a live device; `statuses_json` is NULL or NUL-terminated; `out_id` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_update_sub_device_statuses(
    device: *mut Device,
    statuses_json: *const c_char,
    out_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            let statuses: SubDeviceStatuses = json_in(statuses_json, "statuses_json")?;
            d.with_id(out_id, |dev| dev.update_sub_device_statuses(statuses))
        })
    }
}

/// Gateways: asks the platform to replay child add/delete notifications after `version`
/// (`has_version` false: from the start).
///
/// # Safety
/// `device` is NULL or a live device.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_sync_sub_devices(
    device: *mut Device,
    has_version: bool,
    version: u64,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            Ok(d.touch().sync_sub_devices(has_version.then_some(version))?)
        })
    }
}

/// Provisioning: sends the bootstrap request again (after `IOTMQTT_DEVICE_EVENT_TYPE_BOOTSTRAP_FAILED`);
/// `out_id` (may be NULL) receives its id.
///
/// # Safety
/// `device` is NULL or a live device; `out_id` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_device_request_bootstrap(
    device: *mut Device,
    out_id: *mut Str,
) -> Status {
    unsafe {
        with_handle(device, "device", |d| {
            d.with_id(out_id, IotdaDevice::request_bootstrap)
        })
    }
}
