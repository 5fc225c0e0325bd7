//! `IotdaDevice`: the core's sans-IO IoTDA device (the client session plus IoTDA's rules),
//! method for method. Downstream requests arrive as typed events; payload objects are IoTDA's
//! JSON (its own snake_case field names), read and written through the core's payload types.

use std::time::Duration;

use iotmqtt::iotda::{
    AddSubDevices, BootstrapRequest, CommandResponse, DeleteSubDevices, DeviceConfig, DeviceEvent,
    EventsMessage, GatewayPropertiesReport, InputProblem, IotdaDevice as CoreDevice,
    PendingRequest, PropertiesGetResponse, PropertiesReport, PropertiesSetResponse, ReportSuffix,
    RequestKind, SubDeviceStatuses, SystemEvent,
};
use napi::bindgen_prelude::{Array, Buffer, Env, Null, Object, Unknown};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::reconnect;
use crate::convert::{
    BytesArg, buffer, bytes_ref, field, instant, int_field, num, qos_of, set_int, version_of,
};
use crate::errors::{OrThrow, Result, bad_arg, f64_of};
use crate::events::{error_to_js, event_to_js};
use crate::iotda::{auth_of, utc_of};

/// A payload object read into the core's type (the same tolerant reader as for the wire).
fn payload<T: DeserializeOwned>(env: &Env, value: Value) -> Result<T> {
    serde_json::from_value(value)
        .map_err(iotmqtt::iotda::IotdaError::from)
        .or_throw(env)
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn pending_to_js<'e>(env: &'e Env, p: &PendingRequest) -> Result<Object<'e>> {
    let mut o = Object::new(env)?;
    o.set("kind", RequestKind::name(p.kind))?;
    o.set("id", p.id.as_str())?;
    Ok(o)
}

fn answers_to_js<'e>(env: &'e Env, o: &mut Object<'e>, a: Option<&PendingRequest>) -> Result<()> {
    match a {
        Some(p) => o.set("answers", pending_to_js(env, p)?),
        None => o.set("answers", Null),
    }
}

/// The JavaScript object of a device event.
fn device_event_to_js<'e>(env: &'e Env, e: &DeviceEvent) -> Result<Object<'e>> {
    if let DeviceEvent::Mqtt(event) = e {
        return event_to_js(env, event);
    }
    let mut o = Object::new(env)?;
    match e {
        DeviceEvent::Command {
            request_id,
            command,
        } => {
            o.set("type", "command")?;
            o.set("requestId", request_id.as_str())?;
            o.set("command", json_of(command))?;
        }
        DeviceEvent::PropertiesSet {
            request_id,
            request,
        } => {
            o.set("type", "properties_set")?;
            o.set("requestId", request_id.as_str())?;
            o.set("request", json_of(request))?;
        }
        DeviceEvent::PropertiesGet {
            request_id,
            request,
        } => {
            o.set("type", "properties_get")?;
            o.set("requestId", request_id.as_str())?;
            o.set("request", json_of(request))?;
        }
        DeviceEvent::Shadow {
            request_id,
            response,
            answers,
        } => {
            o.set("type", "shadow")?;
            o.set("requestId", request_id.as_str())?;
            o.set("response", json_of(response))?;
            answers_to_js(env, &mut o, answers.as_ref())?;
        }
        DeviceEvent::MessageDown { payload, message } => {
            o.set("type", "message_down")?;
            o.set("payload", buffer(env, payload)?)?;
            o.set("message", message.as_ref().map(json_of))?;
        }
        DeviceEvent::System(s) => {
            o.set("type", "system")?;
            o.set("objectDeviceId", s.object_device_id.as_deref())?;
            o.set("eventId", s.event_id.as_deref())?;
            o.set("eventTime", s.event_time.as_deref())?;
            o.set("serviceId", s.event.service_id())?;
            o.set("eventType", s.event.event_type())?;
            o.set("paras", s.event.paras().unwrap_or(Value::Null))?;
            answers_to_js(env, &mut o, s.answers.as_ref())?;
        }
        DeviceEvent::Bootstrapped {
            address,
            init_config,
            secret_changed,
        } => {
            o.set("type", "bootstrapped")?;
            o.set("address", address.as_str())?;
            o.set("initConfig", init_config.clone())?;
            o.set("secretChanged", *secret_changed)?;
        }
        DeviceEvent::BootstrapFailed(f) => {
            o.set("type", "bootstrap_failed")?;
            o.set("failure", json_of(f))?;
        }
        DeviceEvent::Timeout(p) => {
            o.set("type", "request_timeout")?;
            o.set("kind", RequestKind::name(p.kind))?;
            o.set("id", p.id.as_str())?;
        }
        DeviceEvent::BadInput(b) => {
            o.set("type", "bad_input")?;
            o.set("topic", b.topic.as_str())?;
            o.set("requestId", b.request_id.as_deref())?;
            o.set("problem", b.problem.name())?;
            match &b.problem {
                InputProblem::Payload(err) => {
                    o.set(
                        "error",
                        error_to_js(env, &iotmqtt::Error::from(err.clone()))?,
                    )?;
                }
                _ => o.set("error", Null)?,
            }
        }
        DeviceEvent::UpstreamFailed(u) => {
            o.set("type", "upstream_failed")?;
            o.set("topic", u.topic.as_str())?;
            o.set("error", error_to_js(env, &u.error)?)?;
            let mut arr = env.create_array(0)?;
            for p in &u.requests {
                arr.insert(pending_to_js(env, p)?)?;
            }
            o.set("requests", arr)?;
        }
        // Non-exhaustive: a newer core's event reaches JavaScript as `unknown`.
        _ => o.set("type", "unknown")?,
    }
    Ok(o)
}

/// A `DeviceConfig` from its JavaScript object.
fn device_config(env: &Env, obj: &Object<'_>) -> Result<DeviceConfig> {
    let auth: Object<'_> = field(obj, "auth")?.ok_or_else(|| bad_arg(env, "auth: the identity"))?;
    let mut c = DeviceConfig::new(auth_of(env, &auth)?);
    if let Some(p) = field::<String>(obj, "protocol")? {
        c.protocol = version_of(env, &p)?;
    }
    set_int!(
        env,
        obj,
        c.keep_alive,
        "keepAlive",
        "keepAlive: 30 to 1,200 seconds"
    );
    if let Some(q) = int_field::<u32>(env, obj, "upstreamQos", "upstreamQos: 0 or 1")? {
        c.upstream_qos = qos_of(env, Some(q))?;
    }
    if let Some(b) = field::<bool>(obj, "subscribeDownstreamQos1")? {
        c.subscribe_downstream_qos1 = b;
    }
    if let Some(b) = field::<Object<'_>>(obj, "bootstrap")? {
        c.bootstrap = Some(BootstrapRequest {
            base_strategy_keyword: field::<String>(&b, "baseStrategyKeyword")?,
        });
    }
    set_int!(
        env,
        obj,
        c.max_messages_per_sec,
        "maxMessagesPerSec",
        "maxMessagesPerSec"
    );
    set_int!(
        env,
        obj,
        c.max_bytes_per_sec,
        "maxBytesPerSec",
        "maxBytesPerSec"
    );
    set_int!(
        env,
        obj,
        c.max_queued_messages,
        "maxQueuedMessages",
        "maxQueuedMessages"
    );
    set_int!(
        env,
        obj,
        c.max_queued_bytes,
        "maxQueuedBytes",
        "maxQueuedBytes"
    );
    if let Some(ms) = int_field::<u64>(env, obj, "requestTimeoutMs", "requestTimeoutMs")? {
        c.request_timeout = Duration::from_millis(ms);
    }
    set_int!(
        env,
        obj,
        c.max_pending_requests,
        "maxPendingRequests",
        "maxPendingRequests"
    );
    set_int!(
        env,
        obj,
        c.request_id_seed,
        "requestIdSeed",
        "requestIdSeed: an integer"
    );
    if let Some(ms) = int_field::<u64>(env, obj, "connackTimeoutMs", "connackTimeoutMs")? {
        c.connack_timeout = Duration::from_millis(ms);
    }
    reconnect(env, obj, &mut c.reconnect)?;
    set_int!(env, obj, c.max_events, "maxEvents", "maxEvents: a count");
    Ok(c)
}

fn suffix_of<'a>(
    env: &Env,
    suffix: Option<&'a str>,
    rid: Option<&'a str>,
) -> Result<ReportSuffix<'a>> {
    ReportSuffix::from_parts(suffix.unwrap_or("none"), rid)
        .ok_or_else(|| bad_arg(env, "suffix: none, gzip, or request_id with a requestId"))
}

/// Where a report goes: `suffix` (`none`, `gzip`, `request_id`) and its `requestId`.
#[napi(object)]
pub struct ReportOptions {
    /// `none` (default), `gzip` or `request_id`.
    #[napi(ts_type = "'none' | 'gzip' | 'request_id'")]
    pub suffix: Option<String>,
    /// The request id, with suffix `request_id`.
    pub request_id: Option<String>,
}

/// A Huawei Cloud IoTDA device, sans-IO: the MQTT client session plus IoTDA's rules (fresh
/// credentials per attempt from the UTC time given to `handleConnected`, pacing of upstream
/// messages, typed downstream requests, request correlation). Driven exactly like `Client`.
#[napi]
pub struct IotdaDevice {
    inner: CoreDevice,
    out: Vec<u8>,
}

#[napi]
impl IotdaDevice {
    /// A device with `config` (never fails; `connect` reports an invalid config).
    #[napi(constructor, ts_args_type = "config: DeviceConfig")]
    pub fn new(env: &Env, config: Object<'_>) -> napi::Result<Self> {
        Ok(IotdaDevice {
            inner: CoreDevice::new(device_config(env, &config)?),
            out: Vec::new(),
        })
    }

    /// Checks a device configuration against IoTDA's rules without making a device.
    #[napi(ts_args_type = "config: DeviceConfig")]
    pub fn validate_config(env: &Env, config: Object<'_>) -> Result<()> {
        device_config(env, &config)?.validate().or_throw(env)
    }

    /// The device id.
    #[napi(getter)]
    pub fn device_id(&self) -> String {
        self.inner.device_id().to_string()
    }

    /// The client session's state (as `Client.state`).
    #[napi(getter, ts_return_type = "ClientState")]
    pub fn state(&self) -> &'static str {
        self.inner.client().state().snake_name()
    }

    /// True once CONNACK accepted the connection.
    #[napi(getter)]
    pub fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// True while provisioning through the bootstrap endpoint.
    #[napi(getter)]
    pub fn is_bootstrapping(&self) -> bool {
        self.inner.is_bootstrapping()
    }

    /// Upstream messages waiting for the pacing window or a connection.
    #[napi(getter)]
    pub fn queued_upstream(&self) -> f64 {
        f64_of(self.inner.queued_upstream())
    }

    /// Their bytes.
    #[napi(getter)]
    pub fn queued_upstream_bytes(&self) -> f64 {
        f64_of(self.inner.queued_upstream_bytes())
    }

    /// Device requests waiting for the platform's answer.
    #[napi(getter)]
    pub fn pending_requests(&self) -> f64 {
        f64_of(self.inner.pending_requests())
    }

    /// Starts connecting.
    #[napi]
    pub fn connect(&mut self, env: &Env) -> Result<()> {
        self.inner.connect().or_throw(env)
    }

    /// Ends the session.
    #[napi]
    pub fn disconnect(&mut self, env: &Env) -> Result<()> {
        self.inner.disconnect().or_throw(env)
    }

    /// The transport is open at `now` (ms); `utc` is the wall-clock time (a
    /// `YYYY-MM-DDTHH:MM:SSZ` string, a `Date` or Unix milliseconds) the ClientId and password
    /// of this attempt are made from.
    #[napi(ts_args_type = "now: number, utc: string | number | Date")]
    pub fn handle_connected(&mut self, env: &Env, now: f64, utc: Unknown<'_>) -> Result<()> {
        let utc = utc_of(env, &utc)?;
        self.inner.handle_connected(instant(env, now)?, utc);
        Ok(())
    }

    /// Bytes from the transport.
    #[napi]
    pub fn handle_bytes(&mut self, env: &Env, now: f64, bytes: &[u8]) -> Result<()> {
        self.inner.handle_bytes(instant(env, now)?, bytes);
        Ok(())
    }

    /// The deadline of `pollTimeout` passed.
    #[napi]
    pub fn handle_timeout(&mut self, env: &Env, now: f64) -> Result<()> {
        self.inner.handle_timeout(instant(env, now)?);
        Ok(())
    }

    /// The transport closed.
    #[napi]
    pub fn handle_closed(&mut self, env: &Env, now: f64) -> Result<()> {
        self.inner.handle_closed(instant(env, now)?);
        Ok(())
    }

    /// Every byte ready to send now (paced), joined; `null` when none.
    #[napi]
    pub fn poll_transmit(&mut self, env: &Env, now: f64) -> Result<Option<Buffer>> {
        let now = instant(env, now)?;
        self.out.clear();
        while self.inner.poll_transmit(now, &mut self.out) > 0 {}
        if self.out.is_empty() {
            return Ok(None);
        }
        Ok(Some(Buffer::from(std::mem::take(&mut self.out))))
    }

    /// The next deadline in ms, or `null`.
    #[napi]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout().map(|t| num(t.as_millis()))
    }

    /// The next event, or `null`.
    #[napi(ts_return_type = "DeviceEvent | null")]
    pub fn poll_event<'e>(&mut self, env: &'e Env) -> Result<Option<Object<'e>>> {
        self.inner
            .poll_event()
            .map(|e| device_event_to_js(env, &e))
            .transpose()
    }

    /// Every pending event at once (at most `max`), oldest first.
    #[napi(ts_return_type = "DeviceEvent[]")]
    pub fn poll_events<'e>(&mut self, env: &'e Env, max: Option<u32>) -> Result<Array<'e>> {
        let mut arr = env.create_array(0)?;
        let mut left = max.unwrap_or(u32::MAX);
        while left > 0 {
            let Some(e) = self.inner.poll_event() else {
                break;
            };
            arr.insert(device_event_to_js(env, &e)?)?;
            left -= 1;
        }
        Ok(arr)
    }

    /// Answers a `command` event (`{result_code, response_name?, paras?}`).
    #[napi(ts_args_type = "requestId: string, response: CommandResponsePayload")]
    pub fn respond_command(
        &mut self,
        env: &Env,
        request_id: String,
        response: Value,
    ) -> Result<()> {
        let r: CommandResponse = payload(env, response)?;
        self.inner.respond_command(&request_id, &r).or_throw(env)
    }

    /// Answers a `properties_set` event (`{result_code, result_desc?}`).
    #[napi(ts_args_type = "requestId: string, response: PropertiesSetResponsePayload")]
    pub fn respond_properties_set(
        &mut self,
        env: &Env,
        request_id: String,
        response: Value,
    ) -> Result<()> {
        let r: PropertiesSetResponse = payload(env, response)?;
        self.inner
            .respond_properties_set(&request_id, &r)
            .or_throw(env)
    }

    /// Answers a `properties_get` event with a properties report (`{services: […]}`).
    #[napi(ts_args_type = "requestId: string, response: PropertiesReportPayload")]
    pub fn respond_properties_get(
        &mut self,
        env: &Env,
        request_id: String,
        response: Value,
    ) -> Result<()> {
        let r: PropertiesGetResponse = payload(env, response)?;
        self.inner
            .respond_properties_get(&request_id, &r)
            .or_throw(env)
    }

    /// Reports properties (`{services: [{service_id, properties, event_time?}]}`).
    #[napi(ts_args_type = "report: PropertiesReportPayload, options?: ReportOptions")]
    pub fn report_properties(
        &mut self,
        env: &Env,
        report: Value,
        options: Option<ReportOptions>,
    ) -> Result<()> {
        let r: PropertiesReport = payload(env, report)?;
        let (s, rid) = options.map_or((None, None), |o| (o.suffix, o.request_id));
        let suffix = suffix_of(env, s.as_deref(), rid.as_deref())?;
        self.inner.report_properties(&r, suffix).or_throw(env)
    }

    /// Sends a device message (`messages/up`), any bytes.
    #[napi(ts_args_type = "payload: string | Uint8Array, options?: ReportOptions")]
    pub fn send_message(
        &mut self,
        env: &Env,
        payload: BytesArg,
        options: Option<ReportOptions>,
    ) -> Result<()> {
        let (s, rid) = options.map_or((None, None), |o| (o.suffix, o.request_id));
        let suffix = suffix_of(env, s.as_deref(), rid.as_deref())?;
        self.inner
            .send_message(bytes_ref(&payload), suffix)
            .or_throw(env)
    }

    /// Reports one system event (`{service_id, event_type, paras}`); returns the id of the
    /// request when the platform answers it, else `null`.
    #[napi(ts_args_type = "event: { service_id: string; event_type: string; paras?: any }")]
    pub fn report_event(&mut self, env: &Env, event: Value) -> Result<Option<String>> {
        let get = |k: &str| {
            event
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let paras = event.get("paras").cloned().unwrap_or(Value::Null);
        let e =
            SystemEvent::from_parts(&get("service_id"), &get("event_type"), paras).or_throw(env)?;
        self.inner.report_event(&e).or_throw(env)
    }

    /// Reports an `events/up` envelope (`{object_device_id?, services: […]}`); returns the ids
    /// of the answered events, in order.
    #[napi(ts_args_type = "message: EventsMessagePayload")]
    pub fn report_events(&mut self, env: &Env, message: Value) -> Result<Vec<String>> {
        let m: EventsMessage = payload(env, message)?;
        self.inner.report_events(&m).or_throw(env)
    }

    /// Asks for the device shadow; returns the request id its `shadow` event answers.
    #[napi]
    pub fn get_shadow(
        &mut self,
        env: &Env,
        service_id: Option<String>,
        object_device_id: Option<String>,
    ) -> Result<String> {
        self.inner
            .get_shadow(service_id.as_deref(), object_device_id.as_deref())
            .or_throw(env)
    }

    /// Asks the platform for its time (NTP-like); `deviceSendTime` in Unix ms.
    #[napi]
    pub fn request_time_sync(&mut self, env: &Env, device_send_time: f64) -> Result<String> {
        let t = crate::convert::int_of(device_send_time)
            .ok_or_else(|| bad_arg(env, "deviceSendTime: Unix milliseconds"))?;
        self.inner.request_time_sync(t).or_throw(env)
    }

    /// Publishes on a custom topic (IoTDA rules checked).
    #[napi(
        ts_args_type = "topic: string, payload?: string | Uint8Array | null, qos?: QoS, retain?: boolean"
    )]
    pub fn publish(
        &mut self,
        env: &Env,
        topic: String,
        payload: Option<BytesArg>,
        qos: Option<u32>,
        retain: Option<bool>,
    ) -> Result<()> {
        let payload = payload.as_ref().map(bytes_ref).unwrap_or_default();
        self.inner
            .publish(&topic, payload, qos_of(env, qos)?, retain.unwrap_or(false))
            .or_throw(env)
    }

    /// Subscribes to a custom topic filter; returns the packet identifier.
    #[napi(ts_args_type = "filter: string, qos?: QoS")]
    pub fn subscribe(&mut self, env: &Env, filter: String, qos: Option<u32>) -> Result<u32> {
        self.inner
            .subscribe(&filter, qos_of(env, qos)?)
            .map(|id| u32::from(id.get()))
            .or_throw(env)
    }

    /// Unsubscribes from a custom topic filter; returns the packet identifier.
    #[napi]
    pub fn unsubscribe(&mut self, env: &Env, filter: String) -> Result<u32> {
        self.inner
            .unsubscribe(&filter)
            .map(|id| u32::from(id.get()))
            .or_throw(env)
    }

    /// A gateway reports its children's properties (`{devices: […]}`, at most 100).
    #[napi(ts_args_type = "report: any")]
    pub fn report_sub_device_properties(&mut self, env: &Env, report: Value) -> Result<()> {
        let r: GatewayPropertiesReport = payload(env, report)?;
        self.inner.report_sub_device_properties(&r).or_throw(env)
    }

    /// A gateway adds children (`{devices: […]}`); returns the request id.
    #[napi(ts_args_type = "devices: any")]
    pub fn add_sub_devices(&mut self, env: &Env, devices: Value) -> Result<String> {
        let d: AddSubDevices = payload(env, devices)?;
        self.inner.add_sub_devices(d).or_throw(env)
    }

    /// A gateway deletes children (`{devices: [ids]}`); returns the request id.
    #[napi(ts_args_type = "devices: any")]
    pub fn delete_sub_devices(&mut self, env: &Env, devices: Value) -> Result<String> {
        let d: DeleteSubDevices = payload(env, devices)?;
        self.inner.delete_sub_devices(d).or_throw(env)
    }

    /// A gateway reports its children's statuses (`{device_statuses: […]}`); returns the
    /// request id.
    #[napi(ts_args_type = "statuses: any")]
    pub fn update_sub_device_statuses(&mut self, env: &Env, statuses: Value) -> Result<String> {
        let s: SubDeviceStatuses = payload(env, statuses)?;
        self.inner.update_sub_device_statuses(s).or_throw(env)
    }

    /// A gateway asks to replay add/delete notifications after `version`.
    #[napi]
    pub fn sync_sub_devices(&mut self, env: &Env, version: Option<f64>) -> Result<()> {
        let v = match version {
            None => None,
            Some(v) => Some(
                crate::convert::int_of(v)
                    .ok_or_else(|| bad_arg(env, "version: a non-negative integer"))?,
            ),
        };
        self.inner.sync_sub_devices(v).or_throw(env)
    }

    /// Sends the provisioning request again (while bootstrapping); returns its request id.
    #[napi]
    pub fn request_bootstrap(&mut self, env: &Env) -> Result<String> {
        self.inner.request_bootstrap().or_throw(env)
    }
}
