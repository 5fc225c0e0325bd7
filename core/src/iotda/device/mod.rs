//! [`IotdaDevice`]: a sans-IO IoTDA device over the MQTT [`Client`] session.

mod bootstrap;
mod commands;
mod config;
mod event;
mod gateway;
mod inbound;
mod pacing;
mod requests;

// The tests run the device against the server session.
#[cfg(test)]
#[cfg(feature = "server")]
mod tests;

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use config::DeviceConfig;
pub use event::{
    BadInput, DeviceEvent, InputProblem, PendingRequest, RequestKind, SystemEventDown,
    UpstreamFailed,
};

use crate::client::{Client, Event, State};
use crate::codec::{Properties, QoS};
use crate::error::{Error, Result, UsageError};
use crate::iotda::utc::UtcTime;
use crate::time::Instant;

use bootstrap::Bootstrap;
use pacing::{Outbox, RateLimiter};
use requests::Requests;

/// A Huawei Cloud IoTDA device, sans-IO: the MQTT [`Client`] session plus everything IoTDA
/// adds — fresh credentials on every connection, its connection rules, upstream pacing, typed
/// downstream requests and their replies, request/answer correlation, gateway helpers and the
/// bootstrap flow.
///
/// Like the client, it owns no socket, clock or random source.
///
/// # The call protocol
///
/// The client's, with one addition: the driver passes the **UTC wall-clock time** when a
/// transport opens, because the ClientId and the password carry the hour
/// (`handle_connected(now, utc)`). `now` is the monotonic [`Instant`] of every other call.
///
/// **Commands** return at once; misuse (and anything IoTDA would refuse) fails with
/// [`Error::Usage`] and nothing reaches the wire: [`connect`](Self::connect),
/// [`disconnect`](Self::disconnect), the replies ([`respond_command`](Self::respond_command),
/// [`respond_properties_set`](Self::respond_properties_set),
/// [`respond_properties_get`](Self::respond_properties_get)), the reports
/// ([`report_properties`](Self::report_properties), [`send_message`](Self::send_message),
/// [`report_event`](Self::report_event), [`report_events`](Self::report_events)), the requests
/// ([`get_shadow`](Self::get_shadow), [`request_time_sync`](Self::request_time_sync)), the
/// gateway helpers ([`report_sub_device_properties`](Self::report_sub_device_properties),
/// [`add_sub_devices`](Self::add_sub_devices), [`delete_sub_devices`](Self::delete_sub_devices),
/// [`update_sub_device_statuses`](Self::update_sub_device_statuses)), and plain
/// [`publish`](Self::publish) / [`subscribe`](Self::subscribe) /
/// [`unsubscribe`](Self::unsubscribe) for custom topics.
///
/// **Inputs** from the driver: [`handle_connected(now, utc)`](Self::handle_connected),
/// [`handle_bytes(now, bytes)`](Self::handle_bytes), [`handle_timeout(now)`](Self::handle_timeout),
/// [`handle_closed(now)`](Self::handle_closed).
///
/// **Outputs**, polled in this order until all are empty:
/// [`poll_transmit`](Self::poll_transmit) (or
/// [`poll_transmit_to_slice`](Self::poll_transmit_to_slice)), [`poll_timeout`](Self::poll_timeout),
/// [`poll_event`](Self::poll_event). Upstream messages leave through `poll_transmit` as the rate
/// limit allows; `poll_timeout` includes the moment the next one may go and the earliest
/// request timeout.
///
/// # Rules
///
/// - CONNECT: clean session, no Will, keep-alive 30–1200 s, ClientId/Username/Password from the
///   [`DeviceAuth`](crate::iotda::DeviceAuth) and the UTC time of `handle_connected`, renewed
///   on every attempt. A CONNACK refusal in `reconnect.stop_on` ends the reconnects (by
///   default the user name or password, 0x86 / 3.1.1 code 4, as the SDKs do, and not
///   authorized, banned, unsupported protocol: 3.1.1 codes 5 and 1).
/// - Upstream: QoS 0 or 1, no retain, payloads up to 1 MB, at most `max_messages_per_sec`
///   (50) messages and `max_bytes_per_sec` (1 MB) in any one-second window; messages wait in a
///   bounded queue (`QueueFull` at once when it is full).
/// - At most 50 subscriptions; QoS 0 or 1.
/// - Anything the platform sends that the device cannot use becomes
///   [`DeviceEvent::BadInput`]; the session goes on.
///
/// # Example
///
/// A device connects, gets a command and answers it; the bytes would go over TCP or TLS.
///
/// ```
/// use iotmqtt::iotda::{
///     CommandResponse, DeviceAuth, DeviceConfig, DeviceEvent, DeviceId, DeviceSecret,
///     IotdaDevice, UtcTime,
/// };
/// use iotmqtt::client::Event;
/// use iotmqtt::Instant;
///
/// let auth = DeviceAuth::secret(DeviceId::new("dev_1")?, DeviceSecret::new("s3cr3t-Key")?);
/// let mut device = IotdaDevice::new(DeviceConfig::new(auth));
/// device.connect().unwrap();
///
/// // The driver opened a transport: it passes the monotonic and the UTC time.
/// let now = Instant::from_millis(0);
/// let utc = UtcTime::new(2026, 11, 25, 8, 30, 0)?;
/// device.handle_connected(now, utc);
/// let mut wire = Vec::new();
/// let _ = device.poll_transmit(now, &mut wire);
/// assert_eq!(wire[0], 0x10); // CONNECT, with ClientId dev_1_0_0_2026112508
/// assert!(wire.windows(20).any(|w| w == b"dev_1_0_0_2026112508"));
///
/// // The server accepts (CONNACK) and sends a command (PUBLISH QoS 0).
/// device.handle_bytes(now, &[0x20, 0x02, 0x00, 0x00]);
/// let topic = b"$oc/devices/dev_1/sys/commands/request_id=42";
/// let body = br#"{"service_id":"Light","command_name":"on","paras":{}}"#;
/// let mut publish = vec![0x30, (2 + topic.len() + body.len()) as u8, 0, topic.len() as u8];
/// publish.extend_from_slice(topic);
/// publish.extend_from_slice(body);
/// device.handle_bytes(now, &publish);
///
/// let mut answered = false;
/// while let Some(event) = device.poll_event() {
///     match event {
///         DeviceEvent::Mqtt(Event::Connected(_)) => {}
///         DeviceEvent::Command { request_id, command } => {
///             assert_eq!(command.command_name.as_deref(), Some("on"));
///             device.respond_command(&request_id, &CommandResponse::success(None)).unwrap();
///             answered = true;
///         }
///         other => panic!("{other:?}"),
///     }
/// }
/// assert!(answered);
/// wire.clear();
/// let _ = device.poll_transmit(now, &mut wire);
/// let reply = b"$oc/devices/dev_1/sys/commands/response/request_id=42";
/// assert!(wire.windows(reply.len()).any(|w| w == reply));
/// assert!(wire.ends_with(br#"{"result_code":0}"#));
/// # Ok::<(), iotmqtt::iotda::IotdaError>(())
/// ```
pub struct IotdaDevice {
    config: DeviceConfig,
    client: Client,
    /// The bootstrap connection's client after the answer: its DISCONNECT is still to be
    /// polled.
    retiring: Option<alloc::boxed::Box<Client>>,
    outbox: Outbox,
    limiter: RateLimiter,
    requests: Requests,
    events: VecDeque<DeviceEvent>,
    /// Filters the device subscribed to (at most 50).
    subscriptions: Vec<String>,
    bootstrap: Bootstrap,
    /// The latest time the driver gave.
    last_now: Instant,
    /// The client refused a message (its own queue is full): wait for it to drain.
    client_full: bool,
    /// After the bootstrap answer: the next transport connects the new identity.
    connect_on_transport: bool,
}

/// Shows the state and what the device holds; never secrets or payloads.
impl fmt::Debug for IotdaDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IotdaDevice")
            .field("device_id", &self.config.auth.device_id())
            .field("state", &self.client.state())
            .field("queued_upstream", &self.outbox.len())
            .field("pending_requests", &self.requests.len())
            .field("subscriptions", &self.subscriptions.len())
            .field("bootstrap", &self.bootstrap)
            .finish_non_exhaustive()
    }
}

impl IotdaDevice {
    /// A device with `config`. Never fails: [`connect`](Self::connect) reports a bad config.
    #[must_use]
    pub fn new(config: DeviceConfig) -> Self {
        IotdaDevice {
            client: Client::new(config.client_config()),
            retiring: None,
            outbox: Outbox::default(),
            limiter: RateLimiter::new(config.max_messages_per_sec, config.max_bytes_per_sec),
            requests: Requests::new(config.request_id_seed),
            events: VecDeque::new(),
            subscriptions: Vec::new(),
            bootstrap: Bootstrap::new(config.bootstrap.clone()),
            last_now: Instant::ZERO,
            client_full: false,
            connect_on_transport: false,
            config,
        }
    }

    /// The configuration (after a bootstrap, `auth` is the provisioned identity).
    #[must_use]
    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// The MQTT client underneath, for its state and statistics.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The device id in every topic.
    #[must_use]
    pub fn device_id(&self) -> &str {
        self.config.auth.device_id().as_str()
    }

    /// True while connected to the platform (or the bootstrap endpoint).
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.client.is_connected()
    }

    /// True while provisioning at the bootstrap endpoint.
    #[must_use]
    pub fn is_bootstrapping(&self) -> bool {
        self.bootstrap.is_active()
    }

    /// True when the driver should open a transport and call
    /// [`handle_connected`](Self::handle_connected): the client waits for one (the first
    /// connection, or a reconnect that is due), or a [`DeviceEvent::Bootstrapped`] answer named
    /// the address of the next connection (open it there).
    #[must_use]
    pub fn wants_transport(&self) -> bool {
        match self.client.state() {
            State::WaitingForTransport => true,
            State::Idle => self.connect_on_transport,
            _ => false,
        }
    }

    /// True while the current transport is still needed: the client uses it, or the bootstrap
    /// connection's DISCONNECT is still to be polled. When it turns false, the driver writes
    /// what it polled and closes the transport.
    #[must_use]
    pub fn needs_transport(&self) -> bool {
        self.client.state().has_transport() || self.retiring.is_some()
    }

    /// Upstream messages waiting for the rate limit or a connection.
    #[must_use]
    pub fn queued_upstream(&self) -> usize {
        self.outbox.len()
    }

    /// Topic and payload bytes of those messages.
    #[must_use]
    pub fn queued_upstream_bytes(&self) -> usize {
        self.outbox.bytes()
    }

    /// Requests waiting for their answer.
    #[must_use]
    pub fn pending_requests(&self) -> usize {
        self.requests.len()
    }

    // ------------------------------------------------------------------ lifecycle

    /// Starts connecting: the driver opens a transport and calls
    /// [`handle_connected`](Self::handle_connected). Subscribes what the configuration asks
    /// (the bootstrap answer topic, or the downstream system topics at QoS 1); the
    /// subscriptions go out after CONNACK and are renewed on every new session.
    ///
    /// # Errors
    /// [`UsageError::InvalidConfig`] (or [`UsageError::QosNotSupported`]) for a configuration
    /// IoTDA would refuse; [`UsageError::InvalidState`] unless idle.
    pub fn connect(&mut self) -> Result<()> {
        self.config.validate()?;
        self.client.connect()?;
        self.connect_on_transport = false;
        self.subscribe_configured()
    }

    /// Ends the connection (DISCONNECT if CONNECT was sent) and stops reconnecting;
    /// [`Event::Disconnected`] follows. Queued upstream messages and waiting requests are kept
    /// for the next [`connect`](Self::connect).
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when idle.
    pub fn disconnect(&mut self) -> Result<()> {
        self.connect_on_transport = false;
        self.client.disconnect()
    }

    // ------------------------------------------------------------------ inputs

    /// A transport is open. `utc` is the wall-clock time: the ClientId and the password are
    /// made from its hour, so they are fresh on every attempt. After
    /// [`DeviceEvent::Bootstrapped`] this also starts the connection to the new address.
    pub fn handle_connected(&mut self, now: Instant, utc: UtcTime) {
        self.last_now = now;
        self.client_full = false;
        self.retiring = None;
        if self.connect_on_transport && self.client.state() == State::Idle {
            self.connect_on_transport = false;
            // Validated when the device first connected; the identity changed, nothing else.
            let _ = self.client.connect();
        }
        self.client.handle_connected(now);
        if self.client.state() == State::AwaitingCredentials {
            let credentials = self.config.auth.credentials(&utc);
            // A validated identity makes a ClientId and user name of at most 256 bytes without
            // U+0000, which the client always accepts.
            let _ = self.client.set_client_id(credentials.client_id());
            let _ = self.client.set_credentials(
                Some(credentials.username()),
                credentials.password().map(|p| p.as_bytes()),
            );
        }
    }

    /// Bytes read from the transport, split anywhere.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) {
        self.last_now = now;
        self.client_full = false;
        self.client.handle_bytes(now, bytes);
    }

    /// The deadline from [`poll_timeout`](Self::poll_timeout) passed: client timers, request
    /// timeouts ([`DeviceEvent::Timeout`]); the rate limit is applied by the next
    /// `poll_transmit`. Early or repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.last_now = now;
        self.client.handle_timeout(now);
        for request in self.requests.expire(now) {
            self.events.push_back(DeviceEvent::Timeout(request));
        }
    }

    /// The transport closed (or could not be opened).
    pub fn handle_closed(&mut self, now: Instant) {
        self.last_now = now;
        self.retiring = None;
        self.client.handle_closed(now);
    }

    // ------------------------------------------------------------------ outputs

    /// Appends whole packets to send to `out` and returns how many bytes it appended: first
    /// the upstream messages the rate limit allows at `now` are handed to the client.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.last_now = now;
        let mut n = 0;
        if let Some(mut old) = self.retiring.take() {
            n = old.poll_transmit(now, out);
        }
        // One message at a time, each written out before the next is handed over, so that
        // the client never holds a paced message back for later.
        loop {
            let handed = self.pump_one(now);
            n = n.saturating_add(self.client.poll_transmit(now, out));
            if !handed {
                return n;
            }
        }
    }

    /// Writes whole packets to the front of `buf` (see [`poll_transmit`](Self::poll_transmit)).
    ///
    /// # Errors
    /// [`UsageError::BufferTooSmall`] with the size of the next packet when not even that one
    /// fits; nothing is lost.
    #[must_use = "the bytes written must be sent"]
    pub fn poll_transmit_to_slice(&mut self, now: Instant, buf: &mut [u8]) -> Result<usize> {
        self.last_now = now;
        if let Some(old) = self.retiring.as_mut() {
            let n = old.poll_transmit_to_slice(now, buf)?;
            if n > 0 {
                return Ok(n);
            }
            self.retiring = None;
        }
        // The caller calls again until 0: one paced message per call.
        self.pump_one(now);
        self.client.poll_transmit_to_slice(now, buf)
    }

    /// The next deadline: the client's timers, the next request timeout, and when the next
    /// queued upstream message may go. `None` when nothing waits.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next = self.client.poll_timeout();
        let mut consider = |at: Option<Instant>| {
            if let Some(at) = at {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        };
        consider(self.requests.next_deadline());
        if let Some(front) = self.outbox.front() {
            if self.client_takes(front.qos) {
                consider(Some(
                    self.limiter
                        .ready_at(front.payload.len())
                        .unwrap_or(self.last_now),
                ));
            }
        }
        next
    }

    /// The next event. Taking one can queue output (acknowledgements, subscriptions, the
    /// bootstrap request): poll transmit again afterwards.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<DeviceEvent> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Some(event);
            }
            let event = self.client.poll_event()?;
            self.client_full = false;
            self.on_client_event(event);
        }
    }

    // ------------------------------------------------------------------ internals

    /// What the device makes of one client event (zero or more device events).
    fn on_client_event(&mut self, event: Event) {
        match event {
            // Answered in `handle_connected` already.
            Event::CredentialsNeeded => {}
            Event::Message(message) => self.on_message(message),
            Event::Connected(info) => {
                self.bootstrap.on_connected();
                self.events
                    .push_back(DeviceEvent::Mqtt(Event::Connected(info)));
            }
            Event::Subscribed {
                packet_id,
                reasons,
                properties,
                resubscribe,
            } => {
                if reasons.iter().all(|r| !r.is_error()) {
                    self.on_granted();
                }
                self.events.push_back(DeviceEvent::Mqtt(Event::Subscribed {
                    packet_id,
                    reasons,
                    properties,
                    resubscribe,
                }));
            }
            other => self.events.push_back(DeviceEvent::Mqtt(other)),
        }
    }

    /// True when the client would put a message of `qos` on the wire at once: connected, not
    /// full, nothing of ours waiting in it, and (QoS 1) a free in-flight slot. Handing over
    /// more would let the client send a burst later, when acknowledgements free its window.
    fn client_takes(&self, qos: QoS) -> bool {
        let stats = self.client.stats();
        self.client.is_connected()
            && !self.client_full
            && stats.queued_messages == 0
            && (qos == QoS::AtMostOnce
                || stats.inflight < usize::from(self.client.config().max_inflight))
    }

    /// Hands the next queued upstream message to the client if it would send it at once and
    /// the rate limit allows it at `now`. Returns true when one was handed over (or given up).
    fn pump_one(&mut self, now: Instant) -> bool {
        let Some(front) = self.outbox.front() else {
            return false;
        };
        if !self.client_takes(front.qos) {
            return false;
        }
        let len = front.payload.len();
        if !self.limiter.try_take(now, len) {
            return false;
        }
        let published = self.client.publish(
            &front.topic,
            &front.payload,
            front.qos,
            false,
            Properties::empty(),
        );
        match published {
            Err(Error::Usage(UsageError::QueueFull)) => {
                self.limiter.give_back();
                self.client_full = true;
                return false;
            }
            Ok(_) => {
                if let Some(m) = self.outbox.pop() {
                    for request in &m.requests {
                        self.requests
                            .sent(request, now, self.config.request_timeout);
                    }
                }
            }
            Err(error) => {
                if let Some(m) = self.outbox.pop() {
                    for request in &m.requests {
                        self.requests.remove(request);
                    }
                    self.events
                        .push_back(DeviceEvent::UpstreamFailed(alloc::boxed::Box::new(
                            UpstreamFailed {
                                topic: m.topic,
                                requests: m.requests,
                                error,
                            },
                        )));
                }
            }
        }
        true
    }
}
