//! `iotmqtt.ClientConfig` and the sans-IO `iotmqtt.Client`: one core `Client`, its settings
//! converted at the edge, its errors mapped to the exception tree.

use std::time::Duration;

use iotmqtt::client::{
    AckToken, Client as CoreClient, ClientConfig as CoreConfig, Credentials, Password,
    RequeuePolicy, WillConfig,
};
use iotmqtt::{Instant, PropertyContext, Subscription as CoreSubscription};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::args::{BytesArg, Version, level, qos, record, stop_on};
use crate::errors::IntoPy;
use crate::events::event_to_py;
use crate::packets::{Subscription, Will};
use crate::properties::{self, Properties};
use crate::topics::TopicCache;

/// Every setting of a :class:`Client`, with the core's defaults (MQTT 5.0, keep-alive 60 s,
/// reconnect 1 s to 60 s, 1,000 messages / 1 MiB queued, 32 in flight, …). Durations are
/// integer milliseconds (``*_ms``), ``keep_alive`` and ``session_expiry`` seconds as in MQTT.
///
/// Pass any attribute as a keyword. Setting ``username`` or ``password`` selects static
/// credentials; ``credentials="ask_each_time"`` makes the client emit ``CredentialsNeeded``
/// before every CONNECT. :meth:`validate` (also run by ``Client.connect``) reports a bad value.
/// ``repr()`` never shows the password.
///
/// >>> import iotmqtt
/// >>> c = iotmqtt.ClientConfig("dev-1", keep_alive=30, username="u", password=b"s3cret")
/// >>> c.credentials, c.keep_alive, c.protocol
/// ('static', 30, 5)
/// >>> "s3cret" in repr(c)
/// False
/// >>> iotmqtt.ClientConfig("dev-1", receive_maximum=0).validate()
/// Traceback (most recent call last):
///   ...
/// iotmqtt.errors.ConfigError: invalid configuration: receive_maximum: 1 to 65,535
#[pyclass(module = "iotmqtt")]
#[derive(Clone)]
pub(crate) struct ClientConfig {
    pub(crate) inner: CoreConfig,
}

/// Plain settings: a getter and a setter each, converting with `into`/`from`.
macro_rules! settings {
    ($( $(#[$m:meta])* $name:ident / $setname:ident : $ty:ty
        => |$c:ident| $get:expr, |$c2:ident, $v:ident| $set:expr; )*) => {
        #[pymethods]
        impl ClientConfig {
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

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

settings! {
    /// Client Identifier (empty: the server assigns one).
    client_id / set_client_id: String => |c| c.client_id.clone(), |c, v| c.client_id = v;
    /// Keep Alive in seconds (0 = off).
    keep_alive / set_keep_alive: u16 => |c| c.keep_alive, |c, v| c.keep_alive = v;
    /// How long to wait for PINGRESP, in ms (``None``: the keep-alive interval).
    ping_timeout_ms / set_ping_timeout_ms: Option<u64> => |c| c.ping_timeout.map(ms),
        |c, v| c.ping_timeout = v.map(Duration::from_millis);
    /// Clean Start (5.0) / Clean Session (3.1.1).
    clean_start / set_clean_start: bool => |c| c.clean_start, |c, v| c.clean_start = v;
    /// Session Expiry Interval in seconds (5.0).
    session_expiry / set_session_expiry: u32 => |c| c.session_expiry, |c, v| c.session_expiry = v;
    /// Receive Maximum we announce (1 to 65,535).
    receive_maximum / set_receive_maximum: u16 => |c| c.receive_maximum, |c, v| c.receive_maximum = v;
    /// Maximum Packet Size we accept, in bytes.
    maximum_packet_size / set_maximum_packet_size: u32 => |c| c.maximum_packet_size, |c, v| c.maximum_packet_size = v;
    /// Topic aliases the server may use towards us (5.0).
    topic_alias_maximum / set_topic_alias_maximum: u16 => |c| c.topic_alias_maximum, |c, v| c.topic_alias_maximum = v;
    /// Topic aliases this client assigns on its own PUBLISHes (5.0).
    outgoing_topic_aliases / set_outgoing_topic_aliases: u16 => |c| c.outgoing_topic_aliases,
        |c, v| c.outgoing_topic_aliases = v;
    /// How long to wait for CONNACK, in ms.
    connack_timeout_ms / set_connack_timeout_ms: u64 => |c| ms(c.connack_timeout),
        |c, v| c.connack_timeout = Duration::from_millis(v);
    /// Reconnect after a lost connection.
    reconnect / set_reconnect: bool => |c| c.reconnect.enabled, |c, v| c.reconnect.enabled = v;
    /// First reconnect delay, in ms.
    reconnect_min_delay_ms / set_reconnect_min_delay_ms: u64 => |c| ms(c.reconnect.min_delay),
        |c, v| c.reconnect.min_delay = Duration::from_millis(v);
    /// Largest reconnect delay, in ms.
    reconnect_max_delay_ms / set_reconnect_max_delay_ms: u64 => |c| ms(c.reconnect.max_delay),
        |c, v| c.reconnect.max_delay = Duration::from_millis(v);
    /// Seed of the reconnect jitter (give each device its own).
    jitter_seed / set_jitter_seed: u64 => |c| c.reconnect.jitter_seed, |c, v| c.reconnect.jitter_seed = v;
    /// A connection that lasted this long (ms) resets the backoff.
    stable_after_ms / set_stable_after_ms: u64 => |c| ms(c.reconnect.stable_after),
        |c, v| c.reconnect.stable_after = Duration::from_millis(v);
    /// Subscribe again to granted filters after a new session.
    resubscribe / set_resubscribe: bool => |c| c.reconnect.resubscribe, |c, v| c.reconnect.resubscribe = v;
    /// Most messages held for sending (queued + in flight).
    max_queued_messages / set_max_queued_messages: usize => |c| c.max_queued_messages, |c, v| c.max_queued_messages = v;
    /// Most bytes of those messages.
    max_queued_bytes / set_max_queued_bytes: usize => |c| c.max_queued_bytes, |c, v| c.max_queued_bytes = v;
    /// Most QoS > 0 messages in flight.
    max_inflight / set_max_inflight: u16 => |c| c.max_inflight, |c, v| c.max_inflight = v;
    /// Most pending SUBSCRIBE/UNSUBSCRIBE requests and remembered filters.
    max_subscriptions / set_max_subscriptions: usize => |c| c.max_subscriptions, |c, v| c.max_subscriptions = v;
    /// Most undelivered events.
    max_events / set_max_events: usize => |c| c.max_events, |c, v| c.max_events = v;
    /// Acknowledge incoming QoS 1/2 only on ``Client.ack``.
    manual_ack / set_manual_ack: bool => |c| c.manual_ack, |c, v| c.manual_ack = v;
    /// Write-ahead persistence (``PersistRequired`` before output).
    persistence / set_persistence: bool => |c| c.persistence, |c, v| c.persistence = v;
    /// Authentication Method (5.0 enhanced authentication).
    auth_method / set_auth_method: Option<String> => |c| c.auth_method.clone(), |c, v| c.auth_method = v;
}

#[pymethods]
impl ClientConfig {
    #[new]
    #[pyo3(signature = (client_id = String::new(), **settings))]
    fn new(client_id: String, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let mut config = ClientConfig {
            inner: CoreConfig::new(client_id),
        };
        if let Some(settings) = settings {
            let py = settings.py();
            let obj = Bound::new(py, config.clone())?;
            for (k, v) in settings.iter() {
                let name = k.cast::<PyString>()?.to_cow()?.into_owned();
                if !obj.hasattr(name.as_str())? || name.starts_with('_') {
                    return Err(PyTypeError::new_err(format!(
                        "ClientConfig: unknown setting {name:?}"
                    )));
                }
                obj.setattr(name.as_str(), v)?;
            }
            config = obj.borrow().clone();
        }
        Ok(config)
    }

    /// Protocol level: 4 (MQTT 3.1.1) or 5 (MQTT 5.0); ``"3.1.1"`` and ``"5"`` are accepted.
    #[getter]
    fn protocol(&self) -> u8 {
        level(self.inner.protocol)
    }

    #[setter]
    fn set_protocol(&mut self, v: Version) {
        self.inner.protocol = v.0;
    }

    /// Where user name and password come from: ``"none"``, ``"static"`` or
    /// ``"ask_each_time"``.
    #[getter]
    fn credentials(&self) -> &'static str {
        match &self.inner.credentials {
            Credentials::None => "none",
            Credentials::Static { .. } => "static",
            Credentials::AskEachTime => "ask_each_time",
        }
    }

    #[setter]
    fn set_credentials(&mut self, v: &str) -> PyResult<()> {
        self.inner.credentials = match v {
            "none" => Credentials::None,
            "static" => match &self.inner.credentials {
                c @ Credentials::Static { .. } => c.clone(),
                _ => Credentials::Static {
                    username: None,
                    password: None,
                },
            },
            "ask_each_time" => Credentials::AskEachTime,
            _ => {
                return Err(PyValueError::new_err(
                    "credentials: \"none\", \"static\" or \"ask_each_time\"",
                ));
            }
        };
        Ok(())
    }

    /// Static User Name (``None`` when absent or not static).
    #[getter]
    fn username(&self) -> Option<String> {
        match &self.inner.credentials {
            Credentials::Static { username, .. } => username.clone(),
            _ => None,
        }
    }

    #[setter]
    fn set_username(&mut self, v: Option<String>) {
        match &mut self.inner.credentials {
            Credentials::Static { username, .. } => *username = v,
            other => {
                *other = Credentials::Static {
                    username: v,
                    password: None,
                }
            }
        }
    }

    /// Static Password (``None`` when absent or not static).
    #[getter]
    fn password<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        match &self.inner.credentials {
            Credentials::Static {
                password: Some(p), ..
            } => Some(PyBytes::new(py, p.expose())),
            _ => None,
        }
    }

    #[setter]
    fn set_password(&mut self, v: Option<BytesArg<'_>>) {
        let v = v.map(|b| Password::new(b.as_slice().to_vec()));
        match &mut self.inner.credentials {
            Credentials::Static { password, .. } => *password = v,
            other => {
                *other = Credentials::Static {
                    username: None,
                    password: v,
                }
            }
        }
    }

    /// The Will Message (a :class:`Will`), or ``None``.
    #[getter]
    fn will(&self, py: Python<'_>) -> PyResult<Option<Py<Will>>> {
        let Some(w) = &self.inner.will else {
            return Ok(None);
        };
        Ok(Some(Py::new(
            py,
            Will {
                topic: PyString::new(py, &w.topic).unbind(),
                payload: PyBytes::new(py, &w.payload).unbind(),
                qos: w.qos as u8,
                retain: w.retain,
                properties: properties::owned_to_py(py, &w.properties)?,
            },
        )?))
    }

    #[setter]
    fn set_will(&mut self, py: Python<'_>, v: Option<Bound<'_, Will>>) -> PyResult<()> {
        self.inner.will = match v {
            None => None,
            Some(w) => {
                let w = w.get();
                Some(WillConfig {
                    topic: w.topic.bind(py).to_cow()?.into_owned(),
                    payload: w.payload.bind(py).as_bytes().to_vec(),
                    qos: qos(py, w.qos)?,
                    retain: w.retain,
                    properties: w
                        .properties
                        .get()
                        .to_owned_checked(py, PropertyContext::Will)?,
                })
            }
        };
        Ok(())
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

    /// What happens to unacknowledged QoS > 0 messages when the server starts a new session:
    /// ``"resend"`` or ``"drop"``.
    #[getter]
    fn requeue(&self) -> &'static str {
        match self.inner.reconnect.requeue {
            RequeuePolicy::Drop => "drop",
            _ => "resend",
        }
    }

    #[setter]
    fn set_requeue(&mut self, v: &str) -> PyResult<()> {
        self.inner.reconnect.requeue = match v {
            "resend" => RequeuePolicy::Resend,
            "drop" => RequeuePolicy::Drop,
            _ => return Err(PyValueError::new_err("requeue: \"resend\" or \"drop\"")),
        };
        Ok(())
    }

    /// Initial Authentication Data (5.0, needs ``auth_method``).
    #[getter]
    fn auth_data<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner.auth_data.as_deref().map(|d| PyBytes::new(py, d))
    }

    #[setter]
    fn set_auth_data(&mut self, v: Option<BytesArg<'_>>) {
        self.inner.auth_data = v.map(|b| b.as_slice().to_vec());
    }

    /// Extra CONNECT properties (5.0): User Properties, Request Problem/Response Information.
    #[getter]
    fn connect_properties(&self, py: Python<'_>) -> PyResult<Py<Properties>> {
        properties::owned_to_py(py, &self.inner.connect_properties)
    }

    #[setter]
    fn set_connect_properties(&mut self, py: Python<'_>, v: Bound<'_, Properties>) -> PyResult<()> {
        self.inner.connect_properties = v.get().to_owned_checked(py, PropertyContext::Connect)?;
        Ok(())
    }

    /// Checks every setting; raises ``ConfigError`` naming the first bad one.
    fn validate(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.validate().py(py)
    }

    fn __repr__(&self) -> String {
        // The core's Debug output redacts the password.
        format!("ClientConfig({:?})", self.inner)
    }
}

record! {
    /// What a client holds right now (``Client.stats``).
    Stats {
        queued_messages: usize,
        inflight: usize,
        stored_bytes: usize,
        incoming_unacked: usize,
        pending_requests: usize,
        subscriptions: usize,
        pending_events: usize,
        outbox_bytes: usize,
        rx_buffered: usize,
    }
}

/// A sans-IO MQTT 3.1.1 / 5.0 client session: no socket, no clock, no thread. Your driver (or
/// :mod:`iotmqtt.aio`) moves bytes and time in and out; every call returns at once.
///
/// **Commands** (raise a ``UsageError`` on misuse, changing nothing): :meth:`connect`,
/// :meth:`publish`, :meth:`subscribe`, :meth:`unsubscribe`, :meth:`ack`,
/// :meth:`disconnect`, :meth:`set_credentials`, :meth:`set_client_id`.
/// **Inputs**: :meth:`handle_connected`, :meth:`handle_bytes` (any split of the stream),
/// :meth:`handle_timeout`, :meth:`handle_closed`. **Outputs**, polled after every input and
/// command, until all are empty: :meth:`poll_transmit` (bytes to write), :meth:`poll_timeout`
/// (when to call ``handle_timeout``), :meth:`poll_event` / :meth:`poll_events`. Taking a QoS
/// 1/2 ``Message`` queues its acknowledgement, so poll transmit again after taking events.
/// Times are integer milliseconds on a clock you choose (``now_ms``).
///
/// >>> import iotmqtt
/// >>> c = iotmqtt.Client(iotmqtt.ClientConfig("c1", protocol=4, keep_alive=0))
/// >>> c.connect()
/// >>> c.handle_connected(0)
/// >>> c.poll_transmit(0).hex(" ")
/// '10 0e 00 04 4d 51 54 54 04 02 00 00 00 02 63 31'
/// >>> c.handle_bytes(10, bytes.fromhex("20 02 00 00"))
/// >>> type(c.poll_event()).__name__
/// 'Connected'
/// >>> c.publish("a/b", b"hi", qos=1)
/// 1
/// >>> c.poll_transmit(10).hex(" ")
/// '32 09 00 03 61 2f 62 00 01 68 69'
/// >>> c.handle_bytes(20, bytes.fromhex("40 02 00 01"))
/// >>> c.poll_event()
/// PublishAcked(packet_id=1, reason=0, properties=Properties())
#[pyclass(module = "iotmqtt")]
pub(crate) struct Client {
    inner: CoreClient,
    out: Vec<u8>,
    topics: TopicCache,
}

fn at(now_ms: u64) -> Instant {
    Instant::from_millis(now_ms)
}

/// One `subscribe` entry: a filter string, a `(filter, qos)` pair or a `Subscription`.
fn subscription_item(
    py: Python<'_>,
    item: &Bound<'_, PyAny>,
    default_qos: u8,
) -> PyResult<(String, iotmqtt::SubscriptionOptions)> {
    use iotmqtt::{RetainHandling, SubscriptionOptions, Violation};
    if let Ok(s) = item.cast::<PyString>() {
        return Ok((
            s.to_cow()?.into_owned(),
            SubscriptionOptions::qos(qos(py, default_qos)?),
        ));
    }
    if let Ok(sub) = item.cast::<Subscription>() {
        let sub = sub.get();
        let retain_handling = match sub.retain_handling {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => {
                return Err(crate::args::encode_violation(
                    py,
                    Violation::InvalidSubscriptionOptions,
                ));
            }
        };
        return Ok((
            sub.filter.bind(py).to_cow()?.into_owned(),
            SubscriptionOptions {
                qos: qos(py, sub.qos)?,
                no_local: sub.no_local,
                retain_as_published: sub.retain_as_published,
                retain_handling,
            },
        ));
    }
    if let Ok(t) = item.cast::<PyTuple>() {
        if let Ok((filter, q)) = t.extract::<(String, u8)>() {
            return Ok((filter, SubscriptionOptions::qos(qos(py, q)?)));
        }
    }
    Err(PyTypeError::new_err(
        "subscribe: a filter str, a (filter, qos) tuple, a Subscription, or a list of them",
    ))
}

impl Client {
    /// Takes up to `max` events into `out`.
    fn take_events(&mut self, py: Python<'_>, out: &Bound<'_, PyList>, max: usize) -> PyResult<()> {
        let mut n = 0;
        while n < max {
            let Some(event) = self.inner.poll_event() else {
                break;
            };
            out.append(event_to_py(py, &event, &mut self.topics)?)?;
            n += 1;
        }
        Ok(())
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(config: Option<PyRef<'_, ClientConfig>>) -> Self {
        let config = config.map_or_else(|| CoreConfig::new(""), |c| c.inner.clone());
        Client {
            inner: CoreClient::new(config),
            out: Vec::new(),
            topics: TopicCache::default(),
        }
    }

    /// A copy of the configuration (with the client id the next CONNECT uses).
    #[getter]
    fn config(&self) -> ClientConfig {
        ClientConfig {
            inner: self.inner.config().clone(),
        }
    }

    /// The lifecycle state: ``"idle"``, ``"waiting_for_transport"``,
    /// ``"awaiting_credentials"``, ``"awaiting_connack"``, ``"connected"`` or ``"backoff"``.
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state().snake_name()
    }

    /// True once CONNACK accepted the connection.
    #[getter]
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// The client identifier the next CONNECT uses (the server-assigned one, if any).
    #[getter]
    fn client_id(&self) -> String {
        self.inner.client_id().to_owned()
    }

    /// What the client holds right now (a :class:`Stats`).
    #[getter]
    fn stats(&self) -> Stats {
        let s = self.inner.stats();
        Stats {
            queued_messages: s.queued_messages,
            inflight: s.inflight,
            stored_bytes: s.stored_bytes,
            incoming_unacked: s.incoming_unacked,
            pending_requests: s.pending_requests,
            subscriptions: s.subscriptions,
            pending_events: s.pending_events,
            outbox_bytes: s.outbox_bytes,
            rx_buffered: s.rx_buffered,
        }
    }

    /// Packet identifiers of the QoS 1/2 messages in flight, in send order.
    fn inflight_ids(&self) -> Vec<u16> {
        self.inner.inflight_ids().map(|id| id.get()).collect()
    }

    /// Starts connecting: open a transport, then call :meth:`handle_connected`. Raises
    /// ``ConfigError`` for a bad configuration, ``InvalidStateError`` unless idle.
    fn connect(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.connect().py(py)
    }

    /// Ends the connection: queues DISCONNECT, emits ``Disconnected``, stops reconnecting.
    fn disconnect(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.disconnect().py(py)
    }

    /// Answers ``CredentialsNeeded``: sends CONNECT with this user name and password.
    #[pyo3(signature = (username = None, password = None))]
    fn set_credentials(
        &mut self,
        py: Python<'_>,
        username: Option<String>,
        password: Option<BytesArg<'_>>,
    ) -> PyResult<()> {
        self.inner
            .set_credentials(
                username.as_deref(),
                password.as_ref().map(BytesArg::as_slice),
            )
            .py(py)
    }

    /// Replaces the Client Identifier for the next CONNECT (call it on ``CredentialsNeeded``
    /// for logins whose client id carries the time).
    fn set_client_id(&mut self, py: Python<'_>, client_id: String) -> PyResult<()> {
        self.inner.set_client_id(&client_id).py(py)
    }

    /// Queues a message; returns its packet identifier (``None`` at QoS 0), which
    /// ``PublishAcked``/``PublishCompleted`` will carry. Raises ``EncodeError`` for a bad
    /// topic, ``QueueFullError`` when the bounded queue is full, ``PacketTooLargeError``,
    /// ``TypeError`` for a ``str`` payload.
    #[pyo3(signature = (topic, payload = None, qos = 0, retain = false, properties = None))]
    fn publish(
        &mut self,
        py: Python<'_>,
        topic: &Bound<'_, PyString>,
        payload: Option<BytesArg<'_>>,
        qos: u8,
        retain: bool,
        properties: Option<PyRef<'_, Properties>>,
    ) -> PyResult<Option<u16>> {
        let q = crate::args::qos(py, qos)?;
        let topic = topic.to_cow()?;
        let payload = payload.as_ref().map_or(&[][..], BytesArg::as_slice);
        let items = properties.as_ref().map(|p| p.items()).unwrap_or_default();
        let id = self
            .inner
            .publish(&topic, payload, q, retain, iotmqtt::Properties::new(&items))
            .py(py)?;
        Ok(id.map(|id| id.get()))
    }

    /// Subscribes; returns the packet identifier ``Subscribed`` will carry. ``subscriptions``
    /// is a filter, a ``(filter, qos)`` pair, a :class:`Subscription`, or a list of them;
    /// ``qos`` applies to plain filters.
    #[pyo3(signature = (subscriptions, qos = 0, properties = None))]
    fn subscribe(
        &mut self,
        py: Python<'_>,
        subscriptions: &Bound<'_, PyAny>,
        qos: u8,
        properties: Option<PyRef<'_, Properties>>,
    ) -> PyResult<u16> {
        let mut entries = Vec::new();
        if subscriptions.cast::<PyString>().is_ok()
            || subscriptions.cast::<Subscription>().is_ok()
            || subscriptions.cast::<PyTuple>().is_ok_and(|t| {
                t.len() == 2 && t.get_item(0).is_ok_and(|f| f.cast::<PyString>().is_ok())
            })
        {
            entries.push(subscription_item(py, subscriptions, qos)?);
        } else {
            for item in subscriptions.try_iter()? {
                entries.push(subscription_item(py, &item?, qos)?);
            }
        }
        let subs: Vec<CoreSubscription<'_>> = entries
            .iter()
            .map(|(filter, options)| CoreSubscription {
                filter,
                options: *options,
            })
            .collect();
        let items = properties.as_ref().map(|p| p.items()).unwrap_or_default();
        let id = self
            .inner
            .subscribe(&subs, iotmqtt::Properties::new(&items))
            .py(py)?;
        Ok(id.get())
    }

    /// Unsubscribes from a filter or a list of filters; returns the packet identifier.
    #[pyo3(signature = (filters, properties = None))]
    fn unsubscribe(
        &mut self,
        py: Python<'_>,
        filters: &Bound<'_, PyAny>,
        properties: Option<PyRef<'_, Properties>>,
    ) -> PyResult<u16> {
        let list: Vec<String> = if let Ok(s) = filters.cast::<PyString>() {
            vec![s.to_cow()?.into_owned()]
        } else {
            filters.extract()?
        };
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        let items = properties.as_ref().map(|p| p.items()).unwrap_or_default();
        let id = self
            .inner
            .unsubscribe(&refs, iotmqtt::Properties::new(&items))
            .py(py)?;
        Ok(id.get())
    }

    /// Acknowledges a received QoS 1/2 message in manual-ack mode (its ``Message.ack_token``).
    fn ack(&mut self, py: Python<'_>, token: u64) -> PyResult<()> {
        self.inner.ack(AckToken::from_u64(token)).py(py)
    }

    /// Answers ``AuthChallenge`` with this Authentication Data.
    fn auth_continue(&mut self, py: Python<'_>, data: BytesArg<'_>) -> PyResult<()> {
        self.inner.auth_continue(data.as_slice()).py(py)
    }

    /// Starts MQTT 5 re-authentication with this Authentication Data.
    fn reauthenticate(&mut self, py: Python<'_>, data: BytesArg<'_>) -> PyResult<()> {
        self.inner.reauthenticate(data.as_slice()).py(py)
    }

    /// The transport is open.
    fn handle_connected(&mut self, now_ms: u64) {
        self.inner.handle_connected(at(now_ms));
    }

    /// Bytes read from the transport, split anywhere. Malformed bytes or a protocol violation
    /// end the connection with a ``ConnectionLost`` event; nothing is raised.
    fn handle_bytes(&mut self, now_ms: u64, data: BytesArg<'_>) {
        self.inner.handle_bytes(at(now_ms), data.as_slice());
    }

    /// The deadline from :meth:`poll_timeout` passed (early or repeated calls do nothing).
    fn handle_timeout(&mut self, now_ms: u64) {
        self.inner.handle_timeout(at(now_ms));
    }

    /// The transport closed or failed to open.
    fn handle_closed(&mut self, now_ms: u64) {
        self.inner.handle_closed(at(now_ms));
    }

    /// Everything to write to the transport now, as one ``bytes`` (empty when nothing).
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

    /// When (ms) to call :meth:`handle_timeout` next; ``None`` when no timer runs.
    fn poll_timeout(&self) -> Option<u64> {
        self.inner.poll_timeout().map(Instant::as_millis)
    }

    /// The next event, or ``None``.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.poll_event() {
            Some(e) => event_to_py(py, &e, &mut self.topics).map(Some),
            None => Ok(None),
        }
    }

    /// Up to ``max`` events (all when ``None``), in order, in one call.
    #[pyo3(signature = (max = None))]
    fn poll_events<'py>(
        &mut self,
        py: Python<'py>,
        max: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        self.take_events(py, &out, max.unwrap_or(usize::MAX))?;
        Ok(out)
    }

    /// The session state to store (persistence mode) and give to :meth:`restore` after a
    /// restart.
    fn snapshot<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.snapshot())
    }

    /// Loads a snapshot into this idle client; raises ``SnapshotError`` for bytes it cannot
    /// use (nothing changes then).
    fn restore(&mut self, py: Python<'_>, snapshot: BytesArg<'_>) -> PyResult<()> {
        self.inner.restore(snapshot.as_slice()).py(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Client(client_id={:?}, state={:?})",
            self.inner.client_id(),
            self.state()
        )
    }
}
