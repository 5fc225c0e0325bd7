//! `IotdaDevice`: the core's sans-IO Huawei Cloud IoTDA device for JavaScript. IoTDA payloads
//! go in and out as plain JSON objects, read and written by the core's own schema types.

use core::time::Duration;

use iotmqtt::iotda::{
    CommandResponse, DeviceConfig, DeviceEvent, InputProblem, IotdaDevice as CoreDevice,
    JsonPayload, PendingRequest, PropertiesGetResponse, PropertiesReport, PropertiesSetResponse,
    ReportSuffix, RequestKind,
};
use wasm_bindgen::prelude::*;

use crate::client::{qos_of, reconnect_of};
use crate::errors::{check, check_iotda, error, invalid_argument};
use crate::events::event_to_js;
use crate::iotda::auth_of;
use crate::js::{Fields, Obj, array, bytes, bytes_of, instant, json, json_text, opt, utc};
use crate::packets::version_of;
use crate::protocol::call_protocol;

/// A `DeviceConfig` from `{auth, protocol, keepAlive, …}` (`tests/README.md` §7.1 in camelCase).
fn config_of(value: &JsValue) -> Result<DeviceConfig, JsValue> {
    let mut f = Fields::new(value, "config")?;
    let auth = f
        .get("auth")
        .ok_or_else(|| invalid_argument("config.auth is required"))?;
    let (auth, _) = auth_of(&auth, "config.auth")?;
    let mut c = DeviceConfig::new(auth);
    if let Some(p) = f.str("protocol")? {
        c.protocol = version_of(&p)?;
    }
    c.keep_alive = f.int("keepAlive")?.unwrap_or(c.keep_alive);
    if let Some(q) = f.int("upstreamQos")? {
        c.upstream_qos = qos_of(Some(q))?;
    }
    c.subscribe_downstream_qos1 = f
        .bool("subscribeDownstreamQos1")?
        .unwrap_or(c.subscribe_downstream_qos1);
    c.max_messages_per_sec = f
        .int("maxMessagesPerSec")?
        .unwrap_or(c.max_messages_per_sec);
    c.max_bytes_per_sec = f.int("maxBytesPerSec")?.unwrap_or(c.max_bytes_per_sec);
    c.max_queued_messages = f.int("maxQueuedMessages")?.unwrap_or(c.max_queued_messages);
    c.max_queued_bytes = f.int("maxQueuedBytes")?.unwrap_or(c.max_queued_bytes);
    if let Some(ms) = f.int::<u64>("requestTimeoutMs")? {
        c.request_timeout = Duration::from_millis(ms);
    }
    c.max_pending_requests = f
        .int("maxPendingRequests")?
        .unwrap_or(c.max_pending_requests);
    c.request_id_seed = f.int("requestIdSeed")?.unwrap_or(c.request_id_seed);
    if let Some(ms) = f.int::<u64>("connackTimeoutMs")? {
        c.connack_timeout = Duration::from_millis(ms);
    }
    reconnect_of(&mut f, &mut c.reconnect)?;
    c.max_events = f.int("maxEvents")?.unwrap_or(c.max_events);
    f.finish()?;
    Ok(c)
}

/// An IoTDA payload from a JS value, through the core's tolerant JSON reader.
fn payload<T: JsonPayload>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    check_iotda(T::from_json(json_text(value, what)?.as_bytes()))
}

fn suffix<'a>(
    suffix: Option<&str>,
    request_id: Option<&'a str>,
) -> Result<ReportSuffix<'a>, JsValue> {
    ReportSuffix::from_parts(suffix.unwrap_or("none"), request_id).ok_or_else(|| {
        invalid_argument("suffix: \"none\", \"gzip\", or \"request_id\" with a requestId")
    })
}

fn pending(p: &PendingRequest) -> JsValue {
    Obj::new()
        .set("kind", RequestKind::name(p.kind))
        .set("id", p.id.as_str())
        .build()
}

/// A device event as a JS object (`tests/README.md` §7.3 in camelCase; JSON payloads as
/// objects). An MQTT event of the underlying client has the client's form.
fn device_event_to_js(e: &DeviceEvent) -> JsValue {
    let answers = |a: &Option<PendingRequest>| opt(a.as_ref().map(pending));
    match e {
        DeviceEvent::Mqtt(event) => return event_to_js(event),
        DeviceEvent::Command {
            request_id,
            command,
        } => Obj::typed("command")
            .set("requestId", request_id.as_str())
            .set("command", json(command)),
        DeviceEvent::PropertiesSet {
            request_id,
            request,
        } => Obj::typed("properties_set")
            .set("requestId", request_id.as_str())
            .set("request", json(request)),
        DeviceEvent::PropertiesGet {
            request_id,
            request,
        } => Obj::typed("properties_get")
            .set("requestId", request_id.as_str())
            .set("request", json(request)),
        DeviceEvent::Shadow {
            request_id,
            response,
            answers: a,
        } => Obj::typed("shadow")
            .set("requestId", request_id.as_str())
            .set("response", json(response))
            .set("answers", answers(a)),
        DeviceEvent::MessageDown { payload, message } => Obj::typed("message_down")
            .set("payload", bytes(payload))
            .set("message", opt(message.as_ref().map(json))),
        DeviceEvent::System(s) => Obj::typed("system")
            .set("objectDeviceId", opt(s.object_device_id.as_deref()))
            .set("eventId", opt(s.event_id.as_deref()))
            .set("eventTime", opt(s.event_time.as_deref()))
            .set("serviceId", s.event.service_id())
            .set("eventType", s.event.event_type())
            .set("paras", s.event.paras().map_or(JsValue::NULL, |p| json(&p)))
            .set("answers", answers(&s.answers)),
        DeviceEvent::Bootstrapped {
            address,
            init_config,
            secret_changed,
        } => Obj::typed("bootstrapped")
            .set("address", address.as_str())
            .set("initConfig", opt(init_config.as_ref().map(json)))
            .set("secretChanged", *secret_changed),
        DeviceEvent::BootstrapFailed(f) => Obj::typed("bootstrap_failed").set("failure", json(f)),
        DeviceEvent::Timeout(p) => Obj::typed("request_timeout")
            .set("kind", RequestKind::name(p.kind))
            .set("id", p.id.as_str()),
        DeviceEvent::BadInput(b) => {
            let err = match &b.problem {
                InputProblem::Payload(e) => error(&iotmqtt::Error::from(e.clone())),
                _ => JsValue::NULL,
            };
            Obj::typed("bad_input")
                .set("topic", b.topic.as_str())
                .set("requestId", opt(b.request_id.as_deref()))
                .set("problem", b.problem.name())
                .set("error", err)
        }
        DeviceEvent::UpstreamFailed(u) => Obj::typed("upstream_failed")
            .set("topic", u.topic.as_str())
            .set("error", error(&u.error))
            .set("requests", array(u.requests.iter().map(pending))),
        #[allow(unreachable_patterns)] // `DeviceEvent` is non-exhaustive
        _ => Obj::typed("unknown"),
    }
    .build()
}

/// A Huawei Cloud IoTDA device over the MQTT client (the core's `IotdaDevice`): fresh
/// credentials on every connection from the UTC time the driver passes, IoTDA's connection
/// rules, upstream pacing, typed downstream requests and their replies.
///
/// The call protocol is the `Client`'s, except that `handleConnected(now, utc)` also takes the
/// wall-clock time (`Date.now()`): the ClientId and password carry the hour.
#[wasm_bindgen]
pub struct IotdaDevice {
    inner: CoreDevice,
}

#[wasm_bindgen]
impl IotdaDevice {
    /// A device with `config`: `{auth: {deviceId, secret, sigType}, protocol, keepAlive, …}`.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &JsValue) -> Result<IotdaDevice, JsValue> {
        Ok(IotdaDevice {
            inner: CoreDevice::new(config_of(config)?),
        })
    }

    /// The device id.
    #[wasm_bindgen(getter, js_name = deviceId)]
    pub fn device_id(&self) -> String {
        self.inner.device_id().to_owned()
    }

    /// The state of the underlying client (`idle`, …, `connected`, `backoff`).
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.inner.client().state().snake_name().into()
    }

    /// The protocol version: `"3.1.1"` or `"5"`.
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        crate::packets::version_name(self.inner.config().protocol).into()
    }

    /// The transport is open; `utc` is the wall-clock time (`Date.now()`, a `Date` or
    /// `YYYY-MM-DDTHH:MM:SSZ`) from which this attempt's ClientId and password are made.
    #[wasm_bindgen(js_name = handleConnected)]
    pub fn handle_connected(&mut self, now: f64, utc_time: &JsValue) -> Result<(), JsValue> {
        let utc = utc(utc_time)?;
        self.inner.handle_connected(instant(now), utc);
        Ok(())
    }

    /// Answers a `command` event: `response` is `{result_code, response_name?, paras?}`.
    #[wasm_bindgen(js_name = respondCommand)]
    pub fn respond_command(&mut self, request_id: &str, response: &JsValue) -> Result<(), JsValue> {
        let r: CommandResponse = payload(response, "response")?;
        check(self.inner.respond_command(request_id, &r))
    }

    /// Answers a `properties_set` event: `{result_code, result_desc?}`.
    #[wasm_bindgen(js_name = respondPropertiesSet)]
    pub fn respond_properties_set(
        &mut self,
        request_id: &str,
        response: &JsValue,
    ) -> Result<(), JsValue> {
        let r: PropertiesSetResponse = payload(response, "response")?;
        check(self.inner.respond_properties_set(request_id, &r))
    }

    /// Answers a `properties_get` event: `{services: [{service_id, properties}]}`.
    #[wasm_bindgen(js_name = respondPropertiesGet)]
    pub fn respond_properties_get(
        &mut self,
        request_id: &str,
        response: &JsValue,
    ) -> Result<(), JsValue> {
        let r: PropertiesGetResponse = payload(response, "response")?;
        check(self.inner.respond_properties_get(request_id, &r))
    }

    /// Reports properties: `report` is `{services: [{service_id, properties, event_time?}]}`;
    /// `suffix` is `"none"` (default), `"gzip"` or `"request_id"` (with `requestId`).
    #[wasm_bindgen(js_name = reportProperties)]
    pub fn report_properties(
        &mut self,
        report: &JsValue,
        suffix_name: Option<String>,
        request_id: Option<String>,
    ) -> Result<(), JsValue> {
        let r: PropertiesReport = payload(report, "report")?;
        let s = suffix(suffix_name.as_deref(), request_id.as_deref())?;
        check(self.inner.report_properties(&r, s))
    }

    /// Sends a device message (`payload`: a `Uint8Array` or a string).
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(
        &mut self,
        payload: &JsValue,
        suffix_name: Option<String>,
        request_id: Option<String>,
    ) -> Result<(), JsValue> {
        let bytes = bytes_of(payload, "payload")?;
        let s = suffix(suffix_name.as_deref(), request_id.as_deref())?;
        check(self.inner.send_message(&bytes, s))
    }

    /// Publishes to a custom topic.
    pub fn publish(
        &mut self,
        topic: &str,
        payload: &JsValue,
        qos: Option<u8>,
        retain: Option<bool>,
    ) -> Result<(), JsValue> {
        let bytes = bytes_of(payload, "payload")?;
        check(
            self.inner
                .publish(topic, &bytes, qos_of(qos)?, retain.unwrap_or(false)),
        )
    }

    /// Subscribes to a custom topic filter; returns the packet identifier.
    pub fn subscribe(&mut self, filter: &str, qos: Option<u8>) -> Result<u16, JsValue> {
        Ok(check(self.inner.subscribe(filter, qos_of(qos)?))?.get())
    }

    /// Unsubscribes; returns the packet identifier.
    pub fn unsubscribe(&mut self, filter: &str) -> Result<u16, JsValue> {
        Ok(check(self.inner.unsubscribe(filter))?.get())
    }

    /// Asks for the device shadow; returns the request id its `shadow` event will carry.
    #[wasm_bindgen(js_name = getShadow)]
    pub fn get_shadow(
        &mut self,
        service_id: Option<String>,
        object_device_id: Option<String>,
    ) -> Result<String, JsValue> {
        check(
            self.inner
                .get_shadow(service_id.as_deref(), object_device_id.as_deref()),
        )
    }

    /// Asks the platform for its time (`device_send_time` in ms since 1970); returns the id.
    #[wasm_bindgen(js_name = requestTimeSync)]
    pub fn request_time_sync(&mut self, device_send_time: f64) -> Result<String, JsValue> {
        let t = crate::js::int_of::<u64>(&JsValue::from_f64(device_send_time), "deviceSendTime")?;
        check(self.inner.request_time_sync(t))
    }
}

call_protocol!(IotdaDevice, device_event_to_js);
