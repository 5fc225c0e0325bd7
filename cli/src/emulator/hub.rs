//! The emulator's shared state: the registry, each device's platform state, the live
//! connections and the requests waiting for a device's answer. One mutex guards it; it is
//! never held across an `.await`. Connection tasks and the HTTP API reach each other only
//! through here, with bounded channels that never block ([`mpsc::Sender::try_send`]).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iotmqtt::QoS;
use iotmqtt::iotda::{SysTopic, Topic, UtcTime, Verifier};
use iotmqtt::server::{ServerMessage, topic_matches};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::device_state::{DeviceState, Direction, LogEntry, payload_value};
use super::log::{Log, excerpt};
use super::registry::Registry;

/// What the hub asks a connection task to do.
#[derive(Debug)]
pub(crate) enum ToConn {
    /// A message another client published on a topic this client subscribed to.
    Route(Arc<ServerMessage>),
    /// A message from the platform: delivered through a matching subscription, or else at QoS 0
    /// when `implicit` (IoTDA's implicit subscription to downstream system topics).
    Platform {
        /// The message (QoS 1, so an explicit QoS 1 subscription gets QoS 1).
        message: ServerMessage,
        /// Whether the device gets it without subscribing.
        implicit: bool,
    },
    /// The same device connected elsewhere: close with Session taken over.
    Displace,
}

/// Fixed settings of one emulator.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Messages kept per device.
    pub message_log_len: usize,
    /// The address bootstrap answers point devices to (`host:port`).
    pub mqtt_address: String,
    /// The login check.
    pub verifier: Verifier,
}

/// One live connection.
#[derive(Debug)]
struct Conn {
    tx: mpsc::Sender<ToConn>,
    device_id: Option<String>,
    client_id: Option<String>,
    filters: Vec<String>,
    transport: &'static str,
    peer: String,
    since: String,
}

/// What kind of answer a pending request waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// `commands/request_id=` → `commands/response/request_id=`.
    Command,
    /// `properties/set/request_id=` → `properties/set/response/request_id=`.
    PropertiesSet,
    /// `properties/get/request_id=` → `properties/get/response/request_id=`.
    PropertiesGet,
}

impl RequestKind {
    fn topic(self, request_id: &str) -> SysTopic<'_> {
        match self {
            RequestKind::Command => SysTopic::Command { request_id },
            RequestKind::PropertiesSet => SysTopic::PropertiesSet { request_id },
            RequestKind::PropertiesGet => SysTopic::PropertiesGet { request_id },
        }
    }

    fn name(self) -> &'static str {
        match self {
            RequestKind::Command => "command",
            RequestKind::PropertiesSet => "properties/set",
            RequestKind::PropertiesGet => "properties/get",
        }
    }
}

#[derive(Debug)]
struct Pending {
    kind: RequestKind,
    device_id: String,
    reply: oneshot::Sender<Value>,
}

/// A property-set request the platform sent on its own (the shadow's desired values): no
/// operator waits for its answer, but the platform expects one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShadowPush {
    /// The request id of the property set.
    pub request_id: String,
    /// The connection's device (a child's gateway) the request went to.
    pub route: String,
    /// The device whose desired values they are.
    pub device_id: String,
    /// The service.
    pub service_id: String,
}

#[derive(Debug)]
struct EventWaiter {
    device_id: String,
    event_type: String,
    reply: oneshot::Sender<Value>,
}

/// An HTTP-style failure of an operator request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// One line.
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

/// Everything behind the mutex.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// The devices.
    pub registry: Registry,
    /// The platform's view of each device.
    pub devices: HashMap<String, DeviceState>,
    conns: HashMap<u64, Conn>,
    online: HashMap<String, u64>,
    pending: HashMap<String, Pending>,
    pushes: VecDeque<ShadowPush>,
    waiters: Vec<EventWaiter>,
    counter: u64,
}

/// Most requests waiting for an answer at once (each holds an HTTP connection).
const MAX_PENDING: usize = 10_000;
/// Most shadow pushes whose answer is expected at once; beyond it the oldest is forgotten (its
/// late answer is then logged as unknown).
const MAX_PUSHES: usize = 1_024;

/// The shared state and what every part of the emulator needs.
#[derive(Debug)]
pub(crate) struct Hub {
    /// The live log.
    pub log: Log,
    /// Fixed settings.
    pub settings: Settings,
    state: Mutex<State>,
    epoch: std::time::Instant,
    next_conn: AtomicU64,
}

/// Milliseconds since 1970.
pub(crate) fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The current UTC time (1970 if the clock is out of range).
pub(crate) fn utc_now() -> UtcTime {
    match UtcTime::from_unix_millis(unix_millis()) {
        Ok(t) => t,
        // The Unix epoch itself is always representable.
        #[allow(clippy::expect_used)] // 1970-01-01T00:00:00Z is inside UtcTime's range
        Err(_) => UtcTime::from_unix_seconds(0).expect("the epoch is a valid UtcTime"),
    }
}

impl State {
    /// The device's platform state, created on first use.
    pub(crate) fn device(&mut self, device_id: &str) -> &mut DeviceState {
        self.devices.entry(device_id.to_owned()).or_default()
    }

    /// A fresh request id (UUID-shaped, unique in this process).
    pub(crate) fn request_id(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        let t = unix_millis();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            t >> 16 & 0xFFFF_FFFF,
            t & 0xFFFF,
            (self.counter >> 48) & 0xFFF,
            (self.counter >> 36) & 0xFFF,
            self.counter & 0xFFFF_FFFF_FFFF
        )
    }

    /// Whether the connection of `device_id` (its gateway's for a child) is live.
    pub(crate) fn is_online(&self, device_id: &str) -> bool {
        self.online.contains_key(&self.route_id(device_id))
    }

    /// The device whose connection carries `device_id`'s messages: its gateway, or itself.
    pub(crate) fn route_id(&self, device_id: &str) -> String {
        self.registry
            .get(device_id)
            .and_then(|d| d.gateway_id.clone())
            .unwrap_or_else(|| device_id.to_owned())
    }

    /// Records a message in `device_id`'s log.
    pub(crate) fn record(
        &mut self,
        device_id: &str,
        direction: Direction,
        topic: &str,
        payload: &[u8],
        capacity: usize,
    ) {
        let entry = LogEntry {
            time: utc_now().event_time_millis(),
            direction,
            topic: topic.to_owned(),
            payload: payload_value(payload),
        };
        self.device(device_id).log(entry, capacity);
    }

    /// Sends a platform message on `device_id`'s connection; false when it is not connected or
    /// its queue is full.
    pub(crate) fn send_platform(
        &mut self,
        device_id: &str,
        topic: String,
        payload: Vec<u8>,
        implicit: bool,
    ) -> bool {
        let Some(conn) = self.online.get(device_id).and_then(|c| self.conns.get(c)) else {
            return false;
        };
        let message = ServerMessage::new(topic, payload, QoS::AtLeastOnce);
        conn.tx
            .try_send(ToConn::Platform { message, implicit })
            .is_ok()
    }

    /// Completes the request `request_id` if it waits for an answer of `kind` from
    /// `device_id`'s connection; returns whether one did.
    pub(crate) fn answer(&mut self, kind: RequestKind, request_id: &str, answer: Value) -> bool {
        match self.pending.get(request_id) {
            Some(p) if p.kind == kind => {}
            _ => return false,
        }
        match self.pending.remove(request_id) {
            Some(p) => p.reply.send(answer).is_ok(),
            None => false,
        }
    }

    /// Expects an answer to a property set the shadow sent (see [`State::push_answered`]).
    pub(crate) fn expect_push_answer(&mut self, push: ShadowPush) {
        if self.pushes.len() >= MAX_PUSHES {
            self.pushes.pop_front();
        }
        self.pushes.push_back(push);
    }

    /// The shadow push that `request_id`, answered on `route`'s connection, answers (it is
    /// expected no more).
    pub(crate) fn push_answered(&mut self, route: &str, request_id: &str) -> Option<ShadowPush> {
        let i = self
            .pushes
            .iter()
            .position(|p| p.request_id == request_id && p.route == route)?;
        self.pushes.remove(i)
    }

    /// Hands an event from `device_id` to whoever waits for it; returns how many did.
    pub(crate) fn event_arrived(
        &mut self,
        device_id: &str,
        event_type: &str,
        paras: &Value,
    ) -> usize {
        let (matched, rest): (Vec<EventWaiter>, Vec<EventWaiter>) =
            std::mem::take(&mut self.waiters)
                .into_iter()
                .partition(|w| w.device_id == device_id && w.event_type == event_type);
        self.waiters = rest.into_iter().filter(|w| !w.reply.is_closed()).collect();
        matched
            .into_iter()
            .filter_map(|w| w.reply.send(paras.clone()).ok())
            .count()
    }
}

impl Hub {
    pub(crate) fn new(registry: Registry, settings: Settings, log: Log) -> Self {
        Hub {
            log,
            settings,
            state: Mutex::new(State {
                registry,
                ..State::default()
            }),
            epoch: std::time::Instant::now(),
            next_conn: AtomicU64::new(1),
        }
    }

    /// The shared state, locked (a panic elsewhere does not make it unusable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The core's clock: milliseconds since the emulator started.
    pub(crate) fn now(&self) -> iotmqtt::Instant {
        iotmqtt::Instant::from_millis(
            u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX),
        )
    }

    /// The tokio instant of a core deadline.
    pub(crate) fn deadline(&self, at: iotmqtt::Instant) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.epoch) + Duration::from_millis(at.as_millis())
    }

    /// A new connection: its id.
    pub(crate) fn open(
        &self,
        tx: mpsc::Sender<ToConn>,
        transport: &'static str,
        peer: String,
    ) -> u64 {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.lock().conns.insert(
            id,
            Conn {
                tx,
                device_id: None,
                client_id: None,
                filters: Vec::new(),
                transport,
                peer,
                since: utc_now().event_time_millis(),
            },
        );
        id
    }

    /// `conn` logged in as `device_id`: it is the device's connection now. The one it
    /// replaces is told to close.
    pub(crate) fn online(&self, conn: u64, device_id: &str, client_id: &str) {
        let mut s = self.lock();
        if let Some(c) = s.conns.get_mut(&conn) {
            c.device_id = Some(device_id.to_owned());
            c.client_id = Some(client_id.to_owned());
        }
        if let Some(old) = s.online.insert(device_id.to_owned(), conn) {
            if let Some(c) = s.conns.get(&old) {
                let _ = c.tx.try_send(ToConn::Displace);
                self.log.line(format!(
                    "{device_id}: a new connection displaces the previous one ({})",
                    c.peer
                ));
            }
        }
        s.device(device_id);
    }

    /// The connection ended.
    pub(crate) fn close(&self, conn: u64) {
        let mut s = self.lock();
        let Some(c) = s.conns.remove(&conn) else {
            return;
        };
        if let Some(device) = c.device_id {
            if s.online.get(&device) == Some(&conn) {
                s.online.remove(&device);
                // Answers come on the connection the pushes went to; a new one gets new pushes.
                s.pushes.retain(|p| p.route != device);
            }
        }
    }

    /// The connection's subscriptions changed.
    pub(crate) fn set_filters(&self, conn: u64, filters: Vec<String>) {
        if let Some(c) = self.lock().conns.get_mut(&conn) {
            c.filters = filters;
        }
    }

    /// Sends `message`, published by `from`, to every other connection subscribed to its topic;
    /// returns how many got it.
    pub(crate) fn route(&self, from: u64, message: ServerMessage) -> usize {
        let message = Arc::new(message);
        let s = self.lock();
        let mut sent = 0usize;
        for (id, c) in &s.conns {
            if *id == from || !c.filters.iter().any(|f| topic_matches(f, &message.topic)) {
                continue;
            }
            match c.tx.try_send(ToConn::Route(Arc::clone(&message))) {
                Ok(()) => sent = sent.saturating_add(1),
                Err(_) => self.log.line(format!(
                    "{}: queue full, dropped a message on {}",
                    c.client_id.as_deref().unwrap_or(&c.peer),
                    message.topic
                )),
            }
        }
        sent
    }

    /// Sends a request to a device and waits up to `timeout` for its answer.
    pub(crate) async fn request(
        &self,
        device_id: &str,
        kind: RequestKind,
        mut body: Value,
        timeout: Duration,
    ) -> Result<Value, ApiError> {
        let (rx, request_id) = {
            let mut s = self.lock();
            if s.registry.get(device_id).is_none() {
                return Err(ApiError::new(404, format!("no device {device_id}")));
            }
            let route = s.route_id(device_id);
            if !s.online.contains_key(&route) {
                return Err(ApiError::new(409, format!("device {device_id} is offline")));
            }
            if s.pending.len() >= MAX_PENDING {
                return Err(ApiError::new(503, "too many requests waiting for devices"));
            }
            if route != device_id {
                if let Value::Object(m) = &mut body {
                    m.insert("object_device_id".into(), json!(device_id));
                }
            }
            let request_id = s.request_id();
            let topic = Topic::device(&route, kind.topic(&request_id))
                .to_topic_string()
                .map_err(|e| ApiError::new(400, format!("cannot build the topic: {e}")))?;
            let payload = serde_json::to_vec(&body)
                .map_err(|e| ApiError::new(400, format!("cannot encode the request: {e}")))?;
            let (tx, rx) = oneshot::channel();
            s.pending.insert(
                request_id.clone(),
                Pending {
                    kind,
                    device_id: device_id.to_owned(),
                    reply: tx,
                },
            );
            if !s.send_platform(&route, topic.clone(), payload.clone(), true) {
                s.pending.remove(&request_id);
                return Err(ApiError::new(
                    503,
                    format!("device {device_id}: send queue full"),
                ));
            }
            let capacity = self.settings.message_log_len;
            s.record(device_id, Direction::Down, &topic, &payload, capacity);
            self.log.line(format!(
                "{device_id} <- {} {request_id}: {}",
                kind.name(),
                excerpt(&payload)
            ));
            (rx, request_id)
        };
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            _ => {
                let mut s = self.lock();
                let who = s
                    .pending
                    .remove(&request_id)
                    .map_or_else(|| device_id.to_owned(), |p| p.device_id);
                drop(s);
                self.log.line(format!(
                    "{who}: no answer to {} {request_id} within {} ms",
                    kind.name(),
                    timeout.as_millis()
                ));
                Err(ApiError::new(
                    408,
                    format!(
                        "device {device_id} did not answer the {} within {} ms",
                        kind.name(),
                        timeout.as_millis()
                    ),
                ))
            }
        }
    }

    /// Registers interest in the next `event_type` event from `device_id`.
    ///
    /// # Errors
    /// 503 when [`MAX_PENDING`] requests wait already.
    pub(crate) fn wait_event(
        &self,
        device_id: &str,
        event_type: &str,
    ) -> Result<oneshot::Receiver<Value>, ApiError> {
        let (tx, rx) = oneshot::channel();
        let mut s = self.lock();
        s.waiters.retain(|w| !w.reply.is_closed());
        if s.waiters.len() >= MAX_PENDING {
            return Err(ApiError::new(
                503,
                "too many requests waiting for device events",
            ));
        }
        s.waiters.push(EventWaiter {
            device_id: device_id.to_owned(),
            event_type: event_type.to_owned(),
            reply: tx,
        });
        Ok(rx)
    }

    /// Every device with its online state and connection.
    pub(crate) fn list(&self) -> Value {
        let s = self.lock();
        let devices: Vec<Value> = s
            .registry
            .devices()
            .map(|d| {
                let conn = s
                    .online
                    .get(&d.device_id)
                    .and_then(|c| s.conns.get(c))
                    .map(|c| {
                        json!({
                            "client_id": c.client_id,
                            "transport": c.transport,
                            "peer": c.peer,
                            "since": c.since,
                        })
                    });
                json!({
                    "device_id": d.device_id,
                    "product_id": d.product_id,
                    "node_id": d.node_id,
                    "name": d.name,
                    "gateway_id": d.gateway_id,
                    "children": d.children,
                    "online": s.is_online(&d.device_id),
                    "status": s.devices.get(&d.device_id).and_then(|st| st.child_status.clone()),
                    "reports": s.devices.get(&d.device_id).map_or(0, |st| st.reports),
                    "connection": conn,
                })
            })
            .collect();
        json!({ "devices": devices })
    }
}
