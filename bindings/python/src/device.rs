//! `iotmqtt.iotda.DeviceConfig` and the sans-IO `iotmqtt.iotda.IotdaDevice`: one core
//! `IotdaDevice`, JSON payloads converted through the core's own readers, device events as
//! frozen classes.

use std::time::Duration;

use iotmqtt::iotda::{
    AddSubDevices, BootstrapRequest, CommandResponse, DeleteSubDevices, DeviceConfig as CoreConfig,
    DeviceEvent, EventsMessage, GatewayPropertiesReport, InputProblem, IotdaDevice as CoreDevice,
    JsonPayload, PendingRequest as CorePending, PropertiesGetResponse, PropertiesReport,
    PropertiesSetResponse, ReportSuffix, RequestKind, SubDeviceStatuses,
};
use iotmqtt::{Instant, QoS};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::args::{BytesArg, Version, level, qos, record, stop_on};
use crate::errors::{IntoPy, error_object};
use crate::events::event_to_py;
use crate::iotda::{DeviceAuth, Utc};
use crate::topics::TopicCache;

/// Every setting of an :class:`IotdaDevice`, with the core's defaults (MQTT 3.1.1, keep-alive
/// 120 s, upstream QoS 1, 50 messages and 1 MB per second, requests time out after 30 s, …).
/// Durations are integer milliseconds. What IoTDA does not allow is refused by
/// :meth:`validate` (also run by ``IotdaDevice.connect``).
///
/// >>> from iotmqtt.iotda import DeviceAuth, DeviceConfig
/// >>> config = DeviceConfig(DeviceAuth.secret("dev_1", "s3cr3t-Key"), keep_alive=60)
/// >>> config.protocol, config.keep_alive, config.upstream_qos
/// (4, 60, 1)
/// >>> DeviceConfig(DeviceAuth.secret("dev_1", "k"), keep_alive=10).validate()
/// Traceback (most recent call last):
///   ...
/// iotmqtt.errors.ConfigError: invalid configuration: keep_alive: 30 to 1,200 seconds (IoTDA)
#[pyclass(module = "iotmqtt.iotda")]
#[derive(Clone)]
pub(crate) struct DeviceConfig {
    inner: CoreConfig,
    /// The kind of `inner.auth` (the core does not say).
    auth_kind: &'static str,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Plain settings: a getter and a setter each.
macro_rules! device_settings {
    ($( $(#[$m:meta])* $name:ident / $setname:ident : $ty:ty
        => |$c:ident| $get:expr, |$c2:ident, $v:ident| $set:expr; )*) => {
        #[pymethods]
        impl DeviceConfig {
            $(
                $(#[$m])*
                #[getter]
                fn $name(&self) -> $ty {
                    let $c = &self.inner;
                    $get
                }

                #[setter]
                fn $setname(&mut self, $v: $ty) {
                    let $c2 = &mut self.inner;
                    $set
                }
            )*
        }
    };
}

device_settings! {
    /// Keep-alive in seconds (IoTDA: 30 to 1,200).
    keep_alive / set_keep_alive: u16 => |c| c.keep_alive, |c, v| c.keep_alive = v;
    /// Subscribe to the downstream system topics at QoS 1.
    subscribe_downstream_qos1 / set_subscribe_downstream_qos1: bool
        => |c| c.subscribe_downstream_qos1, |c, v| c.subscribe_downstream_qos1 = v;
    /// Most upstream messages in any one-second window (1 to 50).
    max_messages_per_sec / set_max_messages_per_sec: u32
        => |c| c.max_messages_per_sec, |c, v| c.max_messages_per_sec = v;
    /// Most upstream payload bytes in any one-second window.
    max_bytes_per_sec / set_max_bytes_per_sec: u32
        => |c| c.max_bytes_per_sec, |c, v| c.max_bytes_per_sec = v;
    /// Most upstream messages waiting.
    max_queued_messages / set_max_queued_messages: usize
        => |c| c.max_queued_messages, |c, v| c.max_queued_messages = v;
    /// Most bytes of those messages.
    max_queued_bytes / set_max_queued_bytes: usize
        => |c| c.max_queued_bytes, |c, v| c.max_queued_bytes = v;
    /// How long (ms) a device-originated request waits for its answer.
    request_timeout_ms / set_request_timeout_ms: u64
        => |c| ms(c.request_timeout), |c, v| c.request_timeout = Duration::from_millis(v);
    /// Most requests waiting for an answer.
    max_pending_requests / set_max_pending_requests: usize
        => |c| c.max_pending_requests, |c, v| c.max_pending_requests = v;
    /// Seed of the request ids the device makes up (``{seed:x}-{n}``).
    request_id_seed / set_request_id_seed: u64
        => |c| c.request_id_seed, |c, v| c.request_id_seed = v;
    /// Reconnect after a lost connection.
    reconnect / set_reconnect: bool => |c| c.reconnect.enabled, |c, v| c.reconnect.enabled = v;
    /// First reconnect delay, in ms.
    reconnect_min_delay_ms / set_reconnect_min_delay_ms: u64 => |c| ms(c.reconnect.min_delay),
        |c, v| c.reconnect.min_delay = Duration::from_millis(v);
    /// Largest reconnect delay, in ms.
    reconnect_max_delay_ms / set_reconnect_max_delay_ms: u64 => |c| ms(c.reconnect.max_delay),
        |c, v| c.reconnect.max_delay = Duration::from_millis(v);
    /// Seed of the reconnect jitter.
    jitter_seed / set_jitter_seed: u64
        => |c| c.reconnect.jitter_seed, |c, v| c.reconnect.jitter_seed = v;
    /// How long to wait for CONNACK, in ms.
    connack_timeout_ms / set_connack_timeout_ms: u64 => |c| ms(c.connack_timeout),
        |c, v| c.connack_timeout = Duration::from_millis(v);
    /// Most undelivered events of the underlying client.
    max_events / set_max_events: usize => |c| c.max_events, |c, v| c.max_events = v;
}

#[pymethods]
impl DeviceConfig {
    #[new]
    #[pyo3(signature = (auth, **settings))]
    fn new(
        auth: PyRef<'_, DeviceAuth>,
        settings: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Self> {
        let mut config = DeviceConfig {
            inner: CoreConfig::new(auth.inner.clone()),
            auth_kind: auth.kind(),
        };
        if let Some(settings) = settings {
            let obj = Bound::new(settings.py(), config.clone())?;
            for (k, v) in settings.iter() {
                let name = k.cast::<PyString>()?.to_cow()?.into_owned();
                if name.starts_with('_') || name == "auth" || !obj.hasattr(name.as_str())? {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "DeviceConfig: unknown setting {name:?}"
                    )));
                }
                obj.setattr(name.as_str(), v)?;
            }
            config = obj.borrow().clone();
        }
        Ok(config)
    }

    /// The device identity.
    #[getter]
    fn auth(&self) -> DeviceAuth {
        DeviceAuth::wrap(self.inner.auth.clone(), self.auth_kind)
    }

    #[setter]
    fn set_auth(&mut self, auth: PyRef<'_, DeviceAuth>) {
        self.inner.auth = auth.inner.clone();
        self.auth_kind = auth.kind();
    }

    /// CONNACK refusals (reason codes; a 3.1.1 return code by its 5.0 equivalent) that end
    /// the reconnects instead of retrying. Default ``[0x84, 0x86, 0x87, 0x8A]``; ``[]``
    /// retries every refusal.
    #[getter]
    fn reconnect_stop_on(&self) -> Vec<u32> {
        self.inner
            .reconnect
            .stop_on
            .codes()
            .map(u32::from)
            .collect()
    }

    #[setter]
    fn set_reconnect_stop_on(&mut self, codes: Vec<u8>) -> PyResult<()> {
        self.inner.reconnect.stop_on = stop_on(codes)?;
        Ok(())
    }

    /// Protocol level: 4 (MQTT 3.1.1, default) or 5.
    #[getter]
    fn protocol(&self) -> u8 {
        level(self.inner.protocol)
    }

    #[setter]
    fn set_protocol(&mut self, v: Version) {
        self.inner.protocol = v.0;
    }

    /// QoS of what the device publishes itself: 0 or 1.
    #[getter]
    fn upstream_qos(&self) -> u8 {
        self.inner.upstream_qos as u8
    }

    #[setter]
    fn set_upstream_qos(&mut self, py: Python<'_>, v: u8) -> PyResult<()> {
        self.inner.upstream_qos = qos(py, v)?;
        Ok(())
    }

    /// Provision first at the bootstrap endpoint: ``None`` (default), ``""`` (an empty
    /// request) or a ``baseStrategyKeyword``.
    #[getter]
    fn bootstrap(&self) -> Option<String> {
        self.inner
            .bootstrap
            .as_ref()
            .map(|b| b.base_strategy_keyword.clone().unwrap_or_default())
    }

    #[setter]
    fn set_bootstrap(&mut self, v: Option<String>) {
        self.inner.bootstrap = v.map(|k| {
            let mut request = BootstrapRequest::default();
            if !k.is_empty() {
                request.base_strategy_keyword = Some(k);
            }
            request
        });
    }

    /// Checks every setting against IoTDA's rules; raises ``ConfigError`` (or ``UsageError``
    /// for an upstream QoS of 2).
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.validate().py(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "DeviceConfig(device_id={:?}, protocol={}, keep_alive={}, upstream_qos={})",
            self.inner.auth.device_id().as_str(),
            level(self.inner.protocol),
            self.inner.keep_alive,
            self.inner.upstream_qos as u8
        )
    }
}

// ------------------------------------------------------------------ events

record! {
    module = "iotmqtt.iotda";
    /// A request the device sent that the platform answers: ``kind`` (``"shadow"``,
    /// ``"time_sync"``, ``"add_sub_devices"``, ``"delete_sub_devices"``,
    /// ``"sub_device_status"``, ``"upload_url"``, ``"download_url"``, ``"bootstrap"``) and the
    /// ``id`` the answer carries.
    PendingRequest { kind: Py<PyString>, id: Py<PyString> }
}

record! {
    module = "iotmqtt.iotda";
    /// A command: answer with ``IotdaDevice.respond_command(request_id, …)`` (the platform
    /// waits about 20 s). ``command`` is the request as a dict (``service_id``,
    /// ``command_name``, ``paras``, ``object_device_id``; absent keys left out).
    Command { request_id: Py<PyString>, command: Py<PyAny> }
}

record! {
    module = "iotmqtt.iotda";
    /// The platform sets properties: answer with ``respond_properties_set``.
    PropertiesSet { request_id: Py<PyString>, request: Py<PyAny> }
}

record! {
    module = "iotmqtt.iotda";
    /// The platform queries properties: answer with ``respond_properties_get``.
    PropertiesGet { request_id: Py<PyString>, request: Py<PyAny> }
}

record! {
    module = "iotmqtt.iotda";
    /// The answer to ``get_shadow``; ``answers`` is the request it answers (``None`` when late).
    Shadow { request_id: Py<PyString>, response: Py<PyAny>, answers: Option<Py<PendingRequest>> }
}

record! {
    module = "iotmqtt.iotda";
    /// A message on ``messages/down``: the payload, and the documented envelope as a dict when
    /// the payload is one.
    MessageDown { payload: Py<PyBytes>, message: Option<Py<PyAny>> }
}

record! {
    module = "iotmqtt.iotda";
    /// One system event from ``events/down`` (``paras`` as a dict).
    SystemEvent {
        object_device_id: Option<Py<PyString>>,
        event_id: Option<Py<PyString>>,
        event_time: Option<Py<PyString>>,
        service_id: Py<PyString>,
        event_type: Py<PyString>,
        paras: Py<PyAny>,
        answers: Option<Py<PendingRequest>>,
    }
}

record! {
    module = "iotmqtt.iotda";
    /// Provisioning succeeded: close the transport, open one to ``address`` (``host:port``) and
    /// call ``handle_connected``.
    Bootstrapped { address: Py<PyString>, init_config: Option<Py<PyAny>>, secret_changed: bool }
}

record! {
    module = "iotmqtt.iotda";
    /// Provisioning failed; ``failure`` is the platform's answer as a dict.
    BootstrapFailed { failure: Py<PyAny> }
}

record! {
    module = "iotmqtt.iotda";
    /// A request got no answer within ``request_timeout_ms``.
    RequestTimeout { kind: Py<PyString>, id: Py<PyString> }
}

record! {
    module = "iotmqtt.iotda";
    /// Something the platform sent could not be used; the session goes on. ``problem`` is
    /// ``"unknown_topic"``, ``"other_device"``, ``"unexpected_topic"``,
    /// ``"unexpected_bootstrap"`` or ``"payload"`` (then ``error`` says why).
    BadInput {
        topic: Py<PyString>,
        request_id: Option<Py<PyString>>,
        problem: Py<PyString>,
        error: Option<Py<PyAny>>,
    }
}

record! {
    module = "iotmqtt.iotda";
    /// A queued message could not be handed to the MQTT client; its requests get no answer.
    UpstreamFailed { topic: Py<PyString>, error: Py<PyAny>, requests: Py<PyTuple> }
}

fn s(py: Python<'_>, v: &str) -> Py<PyString> {
    PyString::new(py, v).unbind()
}

fn opt_s(py: Python<'_>, v: Option<&str>) -> Option<Py<PyString>> {
    v.map(|v| s(py, v))
}

/// A serde value as Python objects (through JSON, as the application would read it).
fn json_obj<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(v)
        .map_err(|_| PyValueError::new_err("payload cannot be written as JSON"))?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

fn pending(py: Python<'_>, p: &CorePending) -> PyResult<Py<PendingRequest>> {
    Py::new(
        py,
        PendingRequest {
            kind: s(py, RequestKind::name(p.kind)),
            id: s(py, &p.id),
        },
    )
}

fn answers(py: Python<'_>, p: Option<&CorePending>) -> PyResult<Option<Py<PendingRequest>>> {
    p.map(|p| pending(py, p)).transpose()
}

/// A device event as its Python object; a wrapped client event as the client's class.
fn device_event_to_py<'py>(
    py: Python<'py>,
    e: &DeviceEvent,
    topics: &mut TopicCache,
) -> PyResult<Bound<'py, PyAny>> {
    macro_rules! new {
        ($v:expr) => {
            Ok(Bound::new(py, $v)?.into_any())
        };
    }
    match e {
        DeviceEvent::Mqtt(event) => event_to_py(py, event, topics),
        DeviceEvent::Command {
            request_id,
            command,
        } => new!(Command {
            request_id: s(py, request_id),
            command: json_obj(py, command)?,
        }),
        DeviceEvent::PropertiesSet {
            request_id,
            request,
        } => new!(PropertiesSet {
            request_id: s(py, request_id),
            request: json_obj(py, request)?,
        }),
        DeviceEvent::PropertiesGet {
            request_id,
            request,
        } => new!(PropertiesGet {
            request_id: s(py, request_id),
            request: json_obj(py, request)?,
        }),
        DeviceEvent::Shadow {
            request_id,
            response,
            answers: a,
        } => new!(Shadow {
            request_id: s(py, request_id),
            response: json_obj(py, response)?,
            answers: answers(py, a.as_ref())?,
        }),
        DeviceEvent::MessageDown { payload, message } => new!(MessageDown {
            payload: PyBytes::new(py, payload).unbind(),
            message: message.as_ref().map(|m| json_obj(py, m)).transpose()?,
        }),
        DeviceEvent::System(sys) => {
            let paras = sys.event.paras().py(py)?;
            new!(SystemEvent {
                object_device_id: opt_s(py, sys.object_device_id.as_deref()),
                event_id: opt_s(py, sys.event_id.as_deref()),
                event_time: opt_s(py, sys.event_time.as_deref()),
                service_id: s(py, sys.event.service_id()),
                event_type: s(py, sys.event.event_type()),
                paras: json_obj(py, &paras)?,
                answers: answers(py, sys.answers.as_ref())?,
            })
        }
        DeviceEvent::Bootstrapped {
            address,
            init_config,
            secret_changed,
        } => new!(Bootstrapped {
            address: s(py, address),
            init_config: init_config.as_ref().map(|c| json_obj(py, c)).transpose()?,
            secret_changed: *secret_changed,
        }),
        DeviceEvent::BootstrapFailed(f) => new!(BootstrapFailed {
            failure: json_obj(py, f)?,
        }),
        DeviceEvent::Timeout(p) => new!(RequestTimeout {
            kind: s(py, RequestKind::name(p.kind)),
            id: s(py, &p.id),
        }),
        DeviceEvent::BadInput(b) => {
            let problem = b.problem.name();
            let error = match &b.problem {
                InputProblem::Payload(e) => {
                    Some(error_object(py, &iotmqtt::Error::from(e.clone()))?.unbind())
                }
                _ => None,
            };
            new!(BadInput {
                topic: s(py, &b.topic),
                request_id: opt_s(py, b.request_id.as_deref()),
                problem: s(py, problem),
                error,
            })
        }
        DeviceEvent::UpstreamFailed(u) => {
            let requests = u
                .requests
                .iter()
                .map(|p| pending(py, p))
                .collect::<PyResult<Vec<_>>>()?;
            new!(UpstreamFailed {
                topic: s(py, &u.topic),
                error: error_object(py, &u.error)?.unbind(),
                requests: PyTuple::new(py, requests)?.unbind(),
            })
        }
        other => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "iotmqtt: a device event this binding does not know: {other:?}"
        ))),
    }
}

// ------------------------------------------------------------------ the device

/// A JSON payload argument: a ``dict``/``list`` (written with :func:`json.dumps`) or JSON
/// text as ``str`` or ``bytes``; read into the core's type by its own reader.
fn payload<T: JsonPayload>(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<T> {
    let text: Vec<u8> = if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow()?.as_bytes().to_vec()
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else {
        let dumped = py.import("json")?.call_method1("dumps", (obj,))?;
        dumped.cast::<PyString>()?.to_cow()?.as_bytes().to_vec()
    };
    T::from_json(&text).py(py)
}

fn suffix<'a>(suffix: Option<&str>, request_id: Option<&'a str>) -> PyResult<ReportSuffix<'a>> {
    // A request id without a suffix means suffix `request_id`.
    let name = suffix.or(request_id.and(Some("request_id")));
    ReportSuffix::from_parts(name.unwrap_or("none"), request_id).ok_or_else(|| {
        PyValueError::new_err("suffix: \"none\", \"gzip\" or \"request_id\" (with request_id)")
    })
}

/// A Huawei Cloud IoTDA device, sans-IO: the MQTT :class:`iotmqtt.Client` session plus
/// everything IoTDA adds — fresh credentials on every connection (so
/// :meth:`handle_connected` takes the UTC time too), its connection rules, upstream pacing,
/// typed downstream requests (:class:`Command`, :class:`PropertiesSet`, …) and their replies.
/// The call protocol is the client's: commands, inputs, then
/// :meth:`poll_transmit` / :meth:`poll_timeout` / :meth:`poll_events` until empty.
/// :mod:`iotmqtt.aio` drives it over asyncio.
///
/// >>> from iotmqtt.iotda import DeviceAuth, DeviceConfig, IotdaDevice, Command
/// >>> device = IotdaDevice(DeviceConfig(DeviceAuth.secret("dev_1", "s3cr3t-Key")))
/// >>> device.connect()
/// >>> device.handle_connected(0, "2026-11-25T08:30:00Z")
/// >>> b"dev_1_0_0_2026112508" in device.poll_transmit(0)
/// True
/// >>> device.handle_bytes(0, bytes.fromhex("20020000"))
/// >>> topic = b"$oc/devices/dev_1/sys/commands/request_id=42"
/// >>> body = b'{"service_id":"Light","command_name":"on","paras":{}}'
/// >>> device.handle_bytes(0, bytes([0x30, 2 + len(topic) + len(body), 0, len(topic)]) + topic + body)
/// >>> [type(e).__name__ for e in device.poll_events()]
/// ['Connected', 'Command']
/// >>> device.respond_command("42", {"result_code": 0})
/// >>> device.poll_transmit(0).endswith(b'{"result_code":0}')
/// True
#[pyclass(module = "iotmqtt.iotda")]
pub(crate) struct IotdaDevice {
    inner: CoreDevice,
    out: Vec<u8>,
    topics: TopicCache,
}

fn at(now_ms: u64) -> Instant {
    Instant::from_millis(now_ms)
}

#[pymethods]
impl IotdaDevice {
    #[new]
    fn new(config: PyRef<'_, DeviceConfig>) -> Self {
        IotdaDevice {
            inner: CoreDevice::new(config.inner.clone()),
            out: Vec::new(),
            topics: TopicCache::default(),
        }
    }

    /// The device id (the provisioned one after a bootstrap).
    #[getter]
    fn device_id(&self) -> String {
        self.inner.device_id().to_owned()
    }

    /// True once CONNACK accepted the connection.
    #[getter]
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// True while provisioning at the bootstrap endpoint.
    #[getter]
    fn is_bootstrapping(&self) -> bool {
        self.inner.is_bootstrapping()
    }

    /// Upstream messages waiting for the rate limit or a connection.
    #[getter]
    fn queued_upstream(&self) -> usize {
        self.inner.queued_upstream()
    }

    /// Bytes of those messages.
    #[getter]
    fn queued_upstream_bytes(&self) -> usize {
        self.inner.queued_upstream_bytes()
    }

    /// Requests waiting for an answer.
    #[getter]
    fn pending_requests(&self) -> usize {
        self.inner.pending_requests()
    }

    /// The client's lifecycle state (as ``Client.state``).
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.client().state().snake_name()
    }

    /// Starts connecting (validates the config): open a transport, then call
    /// :meth:`handle_connected`.
    fn connect(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.connect().py(py)
    }

    /// Ends the connection and stops reconnecting.
    fn disconnect(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.disconnect().py(py)
    }

    /// The transport is open; ``utc`` (an aware datetime, Unix seconds or an IoTDA time
    /// string) is the wall-clock time the login is signed for.
    fn handle_connected(&mut self, now_ms: u64, utc: Utc) {
        self.inner.handle_connected(at(now_ms), utc.0);
    }

    /// Bytes read from the transport, split anywhere.
    fn handle_bytes(&mut self, now_ms: u64, data: BytesArg<'_>) {
        self.inner.handle_bytes(at(now_ms), data.as_slice());
    }

    /// The deadline from :meth:`poll_timeout` passed.
    fn handle_timeout(&mut self, now_ms: u64) {
        self.inner.handle_timeout(at(now_ms));
    }

    /// The transport closed or failed to open.
    fn handle_closed(&mut self, now_ms: u64) {
        self.inner.handle_closed(at(now_ms));
    }

    /// Everything to write to the transport now (upstream messages as the rate limit allows).
    fn poll_transmit<'py>(&mut self, py: Python<'py>, now_ms: u64) -> Bound<'py, PyBytes> {
        self.out.clear();
        while self.inner.poll_transmit(at(now_ms), &mut self.out) > 0 {}
        let bytes = PyBytes::new(py, &self.out);
        self.out.clear();
        if self.out.capacity() > 64 * 1024 {
            self.out = Vec::new();
        }
        bytes
    }

    /// When (ms) to call :meth:`handle_timeout` next (timers, the next paced message, request
    /// timeouts); ``None`` when nothing waits.
    fn poll_timeout(&self) -> Option<u64> {
        self.inner.poll_timeout().map(Instant::as_millis)
    }

    /// The next event, or ``None``.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.poll_event() {
            Some(e) => device_event_to_py(py, &e, &mut self.topics).map(Some),
            None => Ok(None),
        }
    }

    /// Up to ``max`` events (all when ``None``), in order.
    #[pyo3(signature = (max = None))]
    fn poll_events<'py>(
        &mut self,
        py: Python<'py>,
        max: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let max = max.unwrap_or(usize::MAX);
        while out.len() < max {
            let Some(e) = self.inner.poll_event() else {
                break;
            };
            out.append(device_event_to_py(py, &e, &mut self.topics)?)?;
        }
        Ok(out)
    }

    /// Answers a :class:`Command` (``response``: a command response dict or JSON, e.g.
    /// ``{"result_code": 0, "paras": {...}}``).
    fn respond_command(
        &mut self,
        py: Python<'_>,
        request_id: &str,
        response: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let r: CommandResponse = payload(py, response)?;
        self.inner.respond_command(request_id, &r).py(py)
    }

    /// Answers a :class:`PropertiesSet` (``{"result_code": 0}`` for success).
    fn respond_properties_set(
        &mut self,
        py: Python<'_>,
        request_id: &str,
        response: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let r: PropertiesSetResponse = payload(py, response)?;
        self.inner.respond_properties_set(request_id, &r).py(py)
    }

    /// Answers a :class:`PropertiesGet` with a properties report (``{"services": [...]}``).
    fn respond_properties_get(
        &mut self,
        py: Python<'_>,
        request_id: &str,
        response: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let r: PropertiesGetResponse = payload(py, response)?;
        self.inner.respond_properties_get(request_id, &r).py(py)
    }

    /// Reports properties (``{"services": [{"service_id": …, "properties": {…}}]}``);
    /// ``suffix`` ``"none"`` or ``"request_id"`` (with ``request_id``).
    #[pyo3(signature = (report, suffix = None, request_id = None))]
    fn report_properties(
        &mut self,
        py: Python<'_>,
        report: &Bound<'_, PyAny>,
        suffix: Option<&str>,
        request_id: Option<&str>,
    ) -> PyResult<()> {
        let r: PropertiesReport = payload(py, report)?;
        let sfx = self::suffix(suffix, request_id)?;
        self.inner.report_properties(&r, sfx).py(py)
    }

    /// Sends a message on ``messages/up`` (any bytes).
    #[pyo3(signature = (payload, suffix = None, request_id = None))]
    fn send_message(
        &mut self,
        py: Python<'_>,
        payload: BytesArg<'_>,
        suffix: Option<&str>,
        request_id: Option<&str>,
    ) -> PyResult<()> {
        let sfx = self::suffix(suffix, request_id)?;
        self.inner.send_message(payload.as_slice(), sfx).py(py)
    }

    /// Reports system events on ``events/up`` (an events message:
    /// ``{"services": [{"service_id", "event_type", "paras", …}]}``); returns the ids of the
    /// requests among them that wait for an answer.
    fn report_events(
        &mut self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        let m: EventsMessage = payload(py, message)?;
        self.inner.report_events(&m).py(py)
    }

    /// Asks for the device shadow; returns the request id the :class:`Shadow` answer carries.
    #[pyo3(signature = (service_id = None, object_device_id = None))]
    fn get_shadow(
        &mut self,
        py: Python<'_>,
        service_id: Option<&str>,
        object_device_id: Option<&str>,
    ) -> PyResult<String> {
        self.inner.get_shadow(service_id, object_device_id).py(py)
    }

    /// Asks for the platform time (``device_send_time`` in ms since the Unix epoch); returns
    /// the event id the answer carries.
    fn request_time_sync(&mut self, py: Python<'_>, device_send_time: u64) -> PyResult<String> {
        self.inner.request_time_sync(device_send_time).py(py)
    }

    /// Sends the provisioning request again; returns its id.
    fn request_bootstrap(&mut self, py: Python<'_>) -> PyResult<String> {
        self.inner.request_bootstrap().py(py)
    }

    /// A gateway reports its children's properties (``{"devices": [...]}``).
    fn report_sub_device_properties(
        &mut self,
        py: Python<'_>,
        report: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let r: GatewayPropertiesReport = payload(py, report)?;
        self.inner.report_sub_device_properties(&r).py(py)
    }

    /// A gateway adds children; returns the request id.
    fn add_sub_devices(&mut self, py: Python<'_>, devices: &Bound<'_, PyAny>) -> PyResult<String> {
        let d: AddSubDevices = payload(py, devices)?;
        self.inner.add_sub_devices(d).py(py)
    }

    /// A gateway deletes children; returns the request id.
    fn delete_sub_devices(
        &mut self,
        py: Python<'_>,
        devices: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let d: DeleteSubDevices = payload(py, devices)?;
        self.inner.delete_sub_devices(d).py(py)
    }

    /// A gateway updates its children's online status; returns the request id.
    fn update_sub_device_statuses(
        &mut self,
        py: Python<'_>,
        statuses: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let st: SubDeviceStatuses = payload(py, statuses)?;
        self.inner.update_sub_device_statuses(st).py(py)
    }

    /// A gateway asks for the child notifications after ``version``.
    #[pyo3(signature = (version = None))]
    fn sync_sub_devices(&mut self, py: Python<'_>, version: Option<u64>) -> PyResult<()> {
        self.inner.sync_sub_devices(version).py(py)
    }

    /// Publishes on a custom, ``user/``, M2M or the device's own system topic (QoS 0 or 1).
    #[pyo3(signature = (topic, payload, qos = 0, retain = false))]
    fn publish(
        &mut self,
        py: Python<'_>,
        topic: &str,
        payload: BytesArg<'_>,
        qos: u8,
        retain: bool,
    ) -> PyResult<()> {
        let q = crate::args::qos(py, qos)?;
        self.inner
            .publish(topic, payload.as_slice(), q, retain)
            .py(py)
    }

    /// Subscribes to a filter (QoS 0 or 1); returns the packet id.
    #[pyo3(signature = (filter, qos = 0))]
    fn subscribe(&mut self, py: Python<'_>, filter: &str, qos: u8) -> PyResult<u16> {
        let q: QoS = crate::args::qos(py, qos)?;
        Ok(self.inner.subscribe(filter, q).py(py)?.get())
    }

    /// Unsubscribes from a filter; returns the packet id.
    fn unsubscribe(&mut self, py: Python<'_>, filter: &str) -> PyResult<u16> {
        Ok(self.inner.unsubscribe(filter).py(py)?.get())
    }

    fn __repr__(&self) -> String {
        format!(
            "IotdaDevice(device_id={:?}, state={:?})",
            self.inner.device_id(),
            self.state()
        )
    }
}
