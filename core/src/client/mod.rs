//! The sans-IO MQTT client session. See [`Client`].

mod backoff;
mod config;
mod connection;
mod event;
mod fifo;
mod ids;
mod persist;
mod receive;
mod refusals;
mod session;
pub mod state;
mod timer;
mod transmit;

#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

pub use config::{ClientConfig, Credentials, Password, ReconnectPolicy, RequeuePolicy, WillConfig};
pub use event::{AckToken, ConnectedInfo, ConnectionLost, DropReason, Event, Message};
pub use refusals::ConnackRefusals;
pub use session::topic_matches;
pub use state::State;

use crate::codec::client_side::{encode, encoded_len};
use crate::codec::{
    AuthReason, List, PacketId, Properties, PropertyContext, ProtocolVersion, QoS, Subscribe,
    Subscription, Unsubscribe,
};
use crate::error::{Error, Result, UsageError};
use crate::time::Instant;

use backoff::Backoff;
use connection::Conn;
use session::{OutMsg, Request, RequestKind, Session};
use state::Input;
use timer::TimerTable;

/// A sans-IO MQTT 3.1.1 / 5.0 client session.
///
/// The client owns no socket, no clock and no random source. A driver moves bytes and time in
/// and out; the application issues commands and takes events. Nothing here blocks, and nothing
/// panics on any input.
///
/// # The call protocol
///
/// **Commands** return at once. Misuse fails with [`Error::Usage`] and changes nothing:
/// [`connect`](Client::connect), [`publish`](Client::publish),
/// [`subscribe`](Client::subscribe), [`unsubscribe`](Client::unsubscribe),
/// [`ack`](Client::ack) (manual-ack mode), [`disconnect`](Client::disconnect),
/// [`set_credentials`](Client::set_credentials), [`set_client_id`](Client::set_client_id),
/// [`auth_continue`](Client::auth_continue),
/// [`reauthenticate`](Client::reauthenticate).
///
/// **Inputs** from the driver:
/// - [`handle_connected(now)`](Client::handle_connected): a transport (TCP, TLS, WebSocket) is
///   open. The client asks for credentials if needed, then queues CONNECT.
/// - [`handle_bytes(now, bytes)`](Client::handle_bytes): bytes read from the transport, split
///   anywhere (one byte at a time is fine). Only a partial packet is buffered, never more than
///   the configured maximum packet size.
/// - [`handle_timeout(now)`](Client::handle_timeout): the deadline from `poll_timeout` passed.
///   Early or repeated calls do nothing.
/// - [`handle_closed(now)`](Client::handle_closed): the transport closed or failed to open.
///
/// **Outputs**, polled in this order after every input and every command:
/// 1. [`poll_transmit`](Client::poll_transmit) (or
///    [`poll_transmit_to_slice`](Client::poll_transmit_to_slice)) until it returns 0: whole
///    packets to write to the transport;
/// 2. [`poll_timeout`](Client::poll_timeout): when to call `handle_timeout` next;
/// 3. [`poll_event`](Client::poll_event) until `None`: what happened.
///
/// Taking an event can queue output (automatic acknowledgements, and any command the
/// application issues in reaction), so a driver repeats the three polls until all are empty
/// before it waits for the transport or the timer again:
///
/// ```
/// use iotmqtt::client::{Client, ClientConfig, Event};
/// use iotmqtt::Instant;
///
/// let mut client = Client::new(ClientConfig::new("sensor-1"));
/// client.connect().unwrap();
/// let now = Instant::from_millis(0);
/// // The driver opened a TCP connection:
/// client.handle_connected(now);
/// let mut wire = Vec::new();
/// loop {
///     let sent = client.poll_transmit(now, &mut wire); // write `wire` to the socket
///     let _deadline = client.poll_timeout();            // arm the timer
///     let mut events = 0;
///     while let Some(event) = client.poll_event() {
///         events += 1;
///         if let Event::ConnectionLost(lost) = event {
///             eprintln!("lost: {}", lost.error);
///         }
///     }
///     if sent == 0 && events == 0 {
///         break; // now wait for the socket or the timer
///     }
/// }
/// assert_eq!(&wire[..1], &[0x10]); // CONNECT
/// ```
///
/// When a [`Event::ConnectionLost`] or [`Event::Disconnected`] arrives, the driver writes the
/// bytes it already polled and closes the transport. [`Event::ReconnectDue`] asks it to open a
/// new one and call `handle_connected`.
///
/// # Lifecycle
///
/// The states and every transition are in [`state`] (one table); see
/// [`Client::state`].
///
/// # Delivery
///
/// - Outgoing QoS 1/2 messages get packet identifiers at `publish` time; identifiers in use are
///   never reused. At most `min(max_inflight, server Receive Maximum)` are in flight; the rest
///   wait in order. After a reconnect with a session present, unacknowledged PUBLISHes (with
///   DUP) and PUBRELs are resent in their original order before anything new; with a new
///   session the [`RequeuePolicy`] applies and subscriptions are renewed if
///   `reconnect.resubscribe`.
/// - Incoming messages are handled at the QoS they carry, whatever a subscription granted
///   (the client has no Maximum QoS; overlapping subscriptions, server-side subscriptions and
///   QoS upgrades deliver messages above it).
/// - Incoming QoS 1/2 messages are acknowledged when the application takes the
///   [`Event::Message`] (automatic mode) or calls [`ack`](Client::ack) (manual mode), and the
///   PUBACKs and PUBRECs leave in the order the PUBLISHes came: one the application acknowledges
///   early waits for the messages received before it. QoS 2 duplicates are not delivered again
///   until PUBREL.
/// - MQTT 5 topic aliases are assigned automatically to outgoing topics (first come, bounded by
///   the server's maximum and `outgoing_topic_aliases`, never on a resend) and resolved on
///   incoming messages.
///
/// # Memory
///
/// Every buffer is bounded: queued plus in-flight messages by `max_queued_messages` and
/// `max_queued_bytes`; received QoS 1/2 messages by `receive_maximum`; events by `max_events`
/// (QoS 0 messages beyond it are dropped and counted); the receive buffer by
/// `maximum_packet_size`; the application's SUBSCRIBE/UNSUBSCRIBE requests and remembered
/// subscriptions by `max_subscriptions` each (the client's own re-subscriptions after a new
/// session, one request per run of up to 32 remembered filters, come on top of the
/// application's requests); topic aliases by their maxima.
pub struct Client {
    config: ClientConfig,
    state: State,
    session: Session,
    conn: Conn,
    timers: TimerTable,
    backoff: Backoff,
    /// Encoded control packets (CONNECT, acknowledgements, PINGREQ, SUBSCRIBE, …) not yet
    /// polled. Publishes are encoded straight into the caller's buffer instead.
    outbox: Vec<u8>,
    /// The outbox holds a password: wipe it after polling.
    outbox_secret: bool,
    /// A partial packet received so far.
    rx: Vec<u8>,
    events: fifo::Fifo<Event>,
    /// The session changed since the last `snapshot`.
    dirty: bool,
    dropped_qos0: u64,
    /// Client identifier the server assigned (used for the next CONNECTs).
    assigned_client_id: Option<String>,
}

/// Shows the state, the configuration (password redacted) and what the client holds; never the
/// bytes of its buffers, which may hold a CONNECT with a password.
impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("client_id", &self.client_id())
            .field("config", &self.config)
            .field("stats", &self.stats())
            .field("next_deadline", &self.timers.next())
            .finish_non_exhaustive()
    }
}

/// Counters describing what a client holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Messages waiting to be sent (offline, or for an in-flight slot).
    pub queued_messages: usize,
    /// QoS 1/2 messages sent and not yet acknowledged.
    pub inflight: usize,
    /// Bytes of queued and in-flight messages (counted against `max_queued_bytes`).
    pub stored_bytes: usize,
    /// Received QoS 1/2 messages not fully acknowledged.
    pub incoming_unacked: usize,
    /// SUBSCRIBE/UNSUBSCRIBE requests awaiting their acknowledgement.
    pub pending_requests: usize,
    /// Subscriptions remembered for re-subscription.
    pub subscriptions: usize,
    /// Events not yet taken.
    pub pending_events: usize,
    /// Encoded bytes waiting for `poll_transmit`.
    pub outbox_bytes: usize,
    /// Bytes of a partial packet in the receive buffer.
    pub rx_buffered: usize,
}

impl Client {
    /// A client with `config`. Never fails: [`Client::connect`] reports an invalid config.
    #[must_use]
    pub fn new(config: ClientConfig) -> Self {
        let seed = config.reconnect.jitter_seed;
        let conn = Conn {
            session_outlives: config.session_expiry != 0,
            ..Conn::default()
        };
        Client {
            config,
            state: State::Idle,
            session: Session::default(),
            conn,
            timers: TimerTable::default(),
            backoff: Backoff::new(seed),
            outbox: Vec::new(),
            outbox_secret: false,
            rx: Vec::new(),
            events: fifo::Fifo::new(),
            dirty: false,
            dropped_qos0: 0,
            assigned_client_id: None,
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The lifecycle state (see [`state`]).
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// True in [`State::Connected`].
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// The client identifier the next CONNECT uses (the server-assigned one if it assigned
    /// one).
    #[must_use]
    pub fn client_id(&self) -> &str {
        match &self.assigned_client_id {
            Some(id) if self.config.client_id.is_empty() => id,
            _ => &self.config.client_id,
        }
    }

    /// What the client holds right now.
    #[must_use]
    pub fn stats(&self) -> Stats {
        Stats {
            queued_messages: self.session.pending.len(),
            inflight: self.session.inflight.len(),
            stored_bytes: self.session.stored_bytes,
            incoming_unacked: self.session.incoming.len(),
            pending_requests: self.session.requests.len(),
            subscriptions: self.session.subscriptions.len(),
            pending_events: self.events.len(),
            outbox_bytes: self.outbox.len(),
            rx_buffered: self.rx.len(),
        }
    }

    /// The application's pending requests (the rest are the client's re-subscriptions): the
    /// fuzz harness holds each part to its own bound.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn own_requests(&self) -> usize {
        self.session.own_requests()
    }

    /// Packet identifiers of the QoS 1/2 messages in flight, in send order.
    pub fn inflight_ids(&self) -> impl Iterator<Item = PacketId> + '_ {
        self.session.inflight.iter().map(|f| f.id)
    }

    // ------------------------------------------------------------------ commands

    /// Starts connecting: the driver should open a transport and call
    /// [`handle_connected`](Client::handle_connected). Reconnects follow automatically after a
    /// loss until [`disconnect`](Client::disconnect).
    ///
    /// # Errors
    /// [`UsageError::InvalidConfig`] for a bad configuration; [`UsageError::InvalidState`]
    /// unless the client is idle.
    pub fn connect(&mut self) -> Result<()> {
        self.config.validate()?;
        let next = state::next(self.state, Input::Connect).ok_or(UsageError::InvalidState(
            "connect: already connecting or connected",
        ))?;
        self.state = next;
        self.backoff.reset();
        Ok(())
    }

    /// Ends the connection: queues DISCONNECT (if CONNECT was sent), emits
    /// [`Event::Disconnected`] and stops reconnecting. The session (queued messages,
    /// subscriptions) is kept for a later [`connect`](Client::connect).
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when the client is idle.
    pub fn disconnect(&mut self) -> Result<()> {
        let next = state::next(self.state, Input::Disconnect)
            .ok_or(UsageError::InvalidState("disconnect: not connected"))?;
        if self.state.has_transport() && self.conn.connect_sent {
            self.queue_control(&crate::codec::Packet::Disconnect(
                crate::codec::Disconnect::default(),
            ));
        }
        self.timers.stop_all();
        self.state = next;
        self.rx.clear();
        self.push_event(Event::Disconnected);
        Ok(())
    }

    /// Answers [`Event::CredentialsNeeded`]: sends CONNECT with this user name and password.
    /// The password is not kept (the CONNECT bytes holding it are wiped once polled).
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] unless credentials were asked for;
    /// [`UsageError::InvalidArgument`] for a value MQTT cannot carry (over 65,535 bytes, U+0000
    /// in the user name, a password without user name in 3.1.1).
    pub fn set_credentials(
        &mut self,
        username: Option<&str>,
        password: Option<&[u8]>,
    ) -> Result<()> {
        if self.state != State::AwaitingCredentials {
            return Err(
                UsageError::InvalidState("set_credentials: no credentials were asked for").into(),
            );
        }
        if username.is_some_and(|u| u.len() > usize::from(u16::MAX) || u.contains('\0'))
            || password.is_some_and(|p| p.len() > usize::from(u16::MAX))
        {
            return Err(UsageError::InvalidArgument("credentials too long or with U+0000").into());
        }
        if self.config.protocol == ProtocolVersion::V311 && password.is_some() && username.is_none()
        {
            return Err(UsageError::InvalidArgument(
                "MQTT 3.1.1 needs a user name with a password",
            )
            .into());
        }
        self.send_connect(username, password)
    }

    /// Replaces the Client Identifier for the next CONNECT (the one already sent is not
    /// affected). Use it with [`Credentials::AskEachTime`]: on [`Event::CredentialsNeeded`] call
    /// `set_client_id` and then [`set_credentials`](Client::set_credentials), for schemes whose
    /// client identifier is part of a time-limited login (IoTDA puts the hour into it and signs
    /// it into the password). A new identifier names another session at the server, which then
    /// reports a new session (see [`RequeuePolicy`]).
    ///
    /// ```
    /// use iotmqtt::client::{Client, ClientConfig, Credentials, Event};
    /// use iotmqtt::Instant;
    /// let mut config = ClientConfig::new("dev_0_1_2026112508");
    /// config.credentials = Credentials::AskEachTime;
    /// let mut client = Client::new(config);
    /// client.connect().unwrap();
    /// client.handle_connected(Instant::ZERO);
    /// assert_eq!(client.poll_event(), Some(Event::CredentialsNeeded));
    /// client.set_client_id("dev_0_1_2026112509").unwrap();
    /// client.set_credentials(Some("dev"), Some(b"fresh")).unwrap();
    /// assert_eq!(client.client_id(), "dev_0_1_2026112509");
    /// ```
    ///
    /// # Errors
    /// [`UsageError::InvalidArgument`] for an identifier MQTT cannot carry (over 65,535 bytes,
    /// U+0000) or an empty one in 3.1.1 without `clean_start`; nothing changes then.
    pub fn set_client_id(&mut self, client_id: &str) -> Result<()> {
        if client_id.len() > usize::from(u16::MAX) || client_id.contains('\0') {
            return Err(UsageError::InvalidArgument(
                "set_client_id: at most 65,535 bytes, no U+0000",
            )
            .into());
        }
        if client_id.is_empty()
            && self.config.protocol == ProtocolVersion::V311
            && !self.config.clean_start
        {
            return Err(UsageError::InvalidArgument(
                "set_client_id: an empty id needs clean_start in MQTT 3.1.1",
            )
            .into());
        }
        self.config.client_id = String::from(client_id);
        Ok(())
    }

    /// Publishes a message. The topic, payload and properties are copied; the message is queued
    /// and sent by the next [`poll_transmit`](Client::poll_transmit) when connected (and an
    /// in-flight slot is free for QoS 1/2). Returns the packet identifier for QoS 1/2, which
    /// [`Event::PublishAcked`] / [`Event::PublishCompleted`] will carry.
    ///
    /// ```
    /// use iotmqtt::client::{Client, ClientConfig};
    /// use iotmqtt::{Properties, QoS};
    /// let mut client = Client::new(ClientConfig::new("dev"));
    /// // Offline: the message is queued until the connection is up.
    /// let id = client.publish("a/b", b"hi", QoS::AtLeastOnce, false, Properties::empty()).unwrap();
    /// assert_eq!(id.map(|i| i.get()), Some(1));
    /// assert_eq!(client.stats().queued_messages, 1);
    /// ```
    ///
    /// # Errors
    /// [`UsageError::Encode`] for an invalid topic or properties (a Topic Alias or Subscription
    /// Identifier is [`UsageError::InvalidArgument`]: the client manages those);
    /// [`UsageError::QosNotSupported`], [`UsageError::RetainNotSupported`] or
    /// [`UsageError::PacketTooLarge`] against the server's last CONNACK;
    /// [`UsageError::QueueFull`]; [`UsageError::PacketIdsExhausted`].
    pub fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        properties: Properties<'_>,
    ) -> Result<Option<PacketId>> {
        let v = self.config.protocol;
        if properties.topic_alias().is_some()
            || properties.subscription_identifiers().next().is_some()
        {
            return Err(UsageError::InvalidArgument(
                "publish: Topic Alias and Subscription Identifier are managed by the client",
            )
            .into());
        }
        if topic.is_empty() {
            return Err(UsageError::Encode(crate::codec::Violation::EmptyTopic).into());
        }
        let probe = crate::codec::Publish {
            dup: false,
            qos,
            retain,
            topic,
            packet_id: if qos == QoS::AtMostOnce {
                None
            } else {
                PacketId::new(1)
            },
            properties,
            payload,
        };
        let size = encoded_len(&crate::codec::Packet::Publish(probe), v)?;
        if let Some(reason) = self.conn.refuses(qos, retain, size) {
            return Err(match reason {
                DropReason::QosNotSupported => UsageError::QosNotSupported,
                DropReason::RetainNotSupported => UsageError::RetainNotSupported,
                DropReason::PacketTooLarge { size, max } => {
                    UsageError::PacketTooLarge { size, max }
                }
                _ => UsageError::InvalidState("publish"),
            }
            .into());
        }
        let props_len = properties
            .check_outgoing(PropertyContext::Publish)
            .map_err(UsageError::Encode)?;
        let stored = topic
            .len()
            .saturating_add(props_len)
            .saturating_add(payload.len());
        if self.session.stored_messages() >= self.config.max_queued_messages
            || self.session.stored_bytes.saturating_add(stored) > self.config.max_queued_bytes
        {
            return Err(UsageError::QueueFull.into());
        }
        let id = if qos == QoS::AtMostOnce {
            None
        } else {
            Some(
                self.session
                    .next_free_id()
                    .ok_or(UsageError::PacketIdsExhausted)?,
            )
        };
        let Some(msg) = OutMsg::build(topic, &properties, stored, payload, qos, retain, id) else {
            return Err(UsageError::InvalidArgument("publish: too large").into());
        };
        if let Some(id) = id {
            self.session.claim_id(id);
        }
        self.session.push_pending(msg);
        if qos != QoS::AtMostOnce {
            self.mark_dirty();
        }
        Ok(id)
    }

    /// Subscribes. The request is sent at once when connected, otherwise after the next
    /// CONNACK. [`Event::Subscribed`] carries one reason code per subscription; granted filters
    /// are remembered for re-subscription on a new session (with their Subscription
    /// Identifier; other SUBSCRIBE properties are not repeated).
    ///
    /// # Errors
    /// [`UsageError::Encode`] for an invalid filter, option or property (none in 3.1.1);
    /// [`UsageError::PacketTooLarge`]; [`UsageError::QueueFull`] beyond `max_subscriptions`;
    /// [`UsageError::PacketIdsExhausted`].
    pub fn subscribe(
        &mut self,
        subscriptions: &[Subscription<'_>],
        properties: Properties<'_>,
    ) -> Result<PacketId> {
        let new_filters = subscriptions
            .iter()
            .filter(|s| {
                !self
                    .session
                    .subscriptions
                    .iter()
                    .any(|r| r.filter == s.filter)
            })
            .count();
        // A re-subscription's filters are remembered already: they add nothing.
        let pending: usize = self
            .session
            .requests
            .iter()
            .filter(|r| r.kind == RequestKind::Subscribe && !r.resubscribe)
            .map(|r| r.filter_count(self.config.protocol))
            .sum();
        if self.session.own_requests() >= self.config.max_subscriptions
            || self
                .session
                .subscriptions
                .len()
                .saturating_add(pending)
                .saturating_add(new_filters)
                > self.config.max_subscriptions
        {
            return Err(UsageError::QueueFull.into());
        }
        let id = self
            .session
            .next_free_id()
            .ok_or(UsageError::PacketIdsExhausted)?;
        let packet = crate::codec::Packet::Subscribe(Subscribe {
            packet_id: id,
            properties,
            subscriptions: List::new(subscriptions),
        });
        self.add_request(id, RequestKind::Subscribe, &packet)
    }

    /// Unsubscribes; [`Event::Unsubscribed`] follows. The filters are forgotten for
    /// re-subscription once the server acknowledges.
    ///
    /// # Errors
    /// As [`subscribe`](Client::subscribe).
    pub fn unsubscribe(
        &mut self,
        filters: &[&str],
        properties: Properties<'_>,
    ) -> Result<PacketId> {
        if self.session.own_requests() >= self.config.max_subscriptions {
            return Err(UsageError::QueueFull.into());
        }
        let id = self
            .session
            .next_free_id()
            .ok_or(UsageError::PacketIdsExhausted)?;
        let packet = crate::codec::Packet::Unsubscribe(Unsubscribe {
            packet_id: id,
            properties,
            filters: List::new(filters),
        });
        self.add_request(id, RequestKind::Unsubscribe, &packet)
    }

    /// Checks and queues a SUBSCRIBE or UNSUBSCRIBE built with the free identifier `id`, which
    /// is claimed only once the request is accepted.
    fn add_request(
        &mut self,
        id: PacketId,
        kind: RequestKind,
        packet: &crate::codec::Packet<'_>,
    ) -> Result<PacketId> {
        let mut bytes = Vec::new();
        let size = encode(packet, self.config.protocol, &mut bytes)?;
        if let Some(max) = self.conn.server_max_packet.filter(|m| size > *m as usize) {
            return Err(Error::Usage(UsageError::PacketTooLarge { size, max }));
        }
        self.session.claim_id(id);
        let sent = self.state == State::Connected;
        if sent {
            self.outbox.extend_from_slice(&bytes);
        }
        self.session.requests.push(Request {
            id,
            kind,
            packet: bytes,
            sent,
            resubscribe: false,
        });
        self.mark_dirty();
        Ok(id)
    }

    /// Acknowledges a received QoS 1/2 message in manual-ack mode (`config.manual_ack`), once
    /// the application has stored it: queues PUBACK (QoS 1) or PUBREC (QoS 2). A token from a
    /// session the server has since replaced is accepted and ignored.
    ///
    /// Acknowledgements leave in the order the messages were received, as MQTT requires
    /// [MQTT-4.6.0-2, MQTT-4.6.0-3]: acknowledging a message before an earlier one holds its
    /// PUBACK/PUBREC back until the earlier one is acknowledged too, then both go. Held-back
    /// acknowledgements count against `receive_maximum` like unacknowledged messages, so a
    /// message never acknowledged stalls delivery once `receive_maximum` messages wait.
    ///
    /// ```
    /// use iotmqtt::client::{Client, ClientConfig, Event};
    /// use iotmqtt::{Instant, ProtocolVersion};
    /// let mut config = ClientConfig::new("m");
    /// config.protocol = ProtocolVersion::V311;
    /// config.manual_ack = true;
    /// let mut client = Client::new(config);
    /// client.connect().unwrap();
    /// client.handle_connected(Instant::ZERO);
    /// let mut wire = Vec::new();
    /// let _ = client.poll_transmit(Instant::ZERO, &mut wire); // CONNECT
    /// // CONNACK, then two QoS 1 PUBLISHes (ids 1 and 2) on topic "t".
    /// client.handle_bytes(Instant::ZERO, &[0x20, 2, 0, 0]);
    /// client.handle_bytes(Instant::ZERO, &[0x32, 5, 0, 1, b't', 0, 1, 0x32, 5, 0, 1, b't', 0, 2]);
    /// let mut tokens = Vec::new();
    /// while let Some(event) = client.poll_event() {
    ///     if let Event::Message(m) = event {
    ///         tokens.extend(m.ack_token);
    ///     }
    /// }
    /// wire.clear();
    /// client.ack(tokens[1]).unwrap(); // the second first: held back
    /// assert_eq!(client.poll_transmit(Instant::ZERO, &mut wire), 0);
    /// client.ack(tokens[0]).unwrap(); // now both, in receive order
    /// let _ = client.poll_transmit(Instant::ZERO, &mut wire);
    /// assert_eq!(wire, [0x40, 2, 0, 1, 0x40, 2, 0, 2]);
    /// ```
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] in automatic mode; [`UsageError::InvalidArgument`] when no
    /// message awaits acknowledgement under this token (e.g. acknowledged twice).
    pub fn ack(&mut self, token: AckToken) -> Result<()> {
        if !self.config.manual_ack {
            return Err(
                UsageError::InvalidState("ack: messages are acknowledged automatically").into(),
            );
        }
        self.ack_incoming(token)
    }

    /// Answers [`Event::AuthChallenge`] (MQTT 5 enhanced authentication): sends AUTH with
    /// reason "continue authentication" and this Authentication Data.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when no challenge is pending;
    /// [`UsageError::InvalidArgument`] for data over 65,535 bytes.
    pub fn auth_continue(&mut self, data: &[u8]) -> Result<()> {
        if !self.conn.auth_challenged || !self.state.has_transport() {
            return Err(
                UsageError::InvalidState("auth_continue: no AUTH challenge is pending").into(),
            );
        }
        self.conn.auth_challenged = false;
        self.send_auth(AuthReason::ContinueAuthentication, data)
    }

    /// Starts MQTT 5 re-authentication: sends AUTH with reason "re-authenticate" and this
    /// Authentication Data. [`Event::AuthChallenge`] or [`Event::Reauthenticated`] follows.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] unless connected over 5.0 with an `auth_method`;
    /// [`UsageError::PacketTooLarge`] when the AUTH would exceed the server's Maximum Packet
    /// Size; [`UsageError::InvalidArgument`] for data over 65,535 bytes.
    pub fn reauthenticate(&mut self, data: &[u8]) -> Result<()> {
        if self.state != State::Connected
            || self.config.protocol != ProtocolVersion::V5
            || self.config.auth_method().is_none()
        {
            return Err(UsageError::InvalidState(
                "reauthenticate: needs a 5.0 connection with an auth_method",
            )
            .into());
        }
        self.send_auth(AuthReason::ReAuthenticate, data)?;
        self.conn.reauthenticating = true;
        Ok(())
    }

    // ------------------------------------------------------------------ outputs

    /// The next deadline: call [`handle_timeout`](Client::handle_timeout) then. `None` when no
    /// timer runs.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The next event, if any. Taking a QoS 1/2 [`Event::Message`] in automatic-ack mode queues
    /// its acknowledgement: poll transmit again afterwards.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = match self.events.pop_front() {
            Some(e) => e,
            None => {
                if self.dropped_qos0 == 0 {
                    return None;
                }
                let count = core::mem::take(&mut self.dropped_qos0);
                return Some(Event::MessagesDropped { count });
            }
        };
        if let Event::Message(m) = &event {
            if let (Some(token), false) = (m.ack_token, self.config.manual_ack) {
                // A stale or already-acknowledged token is not an error here: nothing is owed.
                let _ = self.ack_incoming(token);
            }
        }
        if self.events.is_empty() && self.events.capacity() > 32 {
            self.events = fifo::Fifo::new();
        }
        Some(event)
    }

    fn push_event(&mut self, event: Event) {
        if self.events.capacity() == 0 {
            // An idle client holds one slot, not the default four.
            self.events.reserve_exact(1);
        }
        self.events.push_back(event);
    }

    fn mark_dirty(&mut self) {
        if !self.dirty {
            self.dirty = true;
            if self.config.persistence {
                self.push_event(Event::PersistRequired);
            }
        }
    }

    /// Encodes a control packet into the outbox. The client only builds valid packets; should
    /// one ever fail to encode, it is not sent. Nor is one over the Maximum Packet Size of the
    /// server's CONNACK [MQTT-3.2.2-15]: a server that announces less than a DISCONNECT or an
    /// acknowledgement takes gets none (found by the `client_session` fuzz target).
    fn queue_control(&mut self, packet: &crate::codec::Packet<'_>) {
        if self.state == State::Connected {
            if let Some(max) = self.conn.server_max_packet {
                if encoded_len(packet, self.config.protocol).map_or(true, |n| n > max as usize) {
                    return;
                }
            }
        }
        let _ = encode(packet, self.config.protocol, &mut self.outbox);
    }

    fn send_auth(&mut self, reason: AuthReason, data: &[u8]) -> Result<()> {
        if data.len() > usize::from(u16::MAX) {
            return Err(
                UsageError::InvalidArgument("authentication data over 65,535 bytes").into(),
            );
        }
        let method = self.config.auth_method().unwrap_or("");
        let items = [
            crate::codec::Property::AuthenticationMethod(method),
            crate::codec::Property::AuthenticationData(data),
        ];
        let packet = crate::codec::Packet::Auth(crate::codec::Auth {
            reason,
            properties: Properties::new(&items),
        });
        // The server's Maximum Packet Size binds once its CONNACK is in: re-authentication
        // [MQTT-3.2.2-15]. (During the first exchange there is no limit yet.)
        let size = encoded_len(&packet, self.config.protocol)?;
        if let Some(max) = self
            .conn
            .server_max_packet
            .filter(|m| self.state == State::Connected && size > *m as usize)
        {
            return Err(UsageError::PacketTooLarge { size, max }.into());
        }
        encode(&packet, self.config.protocol, &mut self.outbox)?;
        Ok(())
    }
}
