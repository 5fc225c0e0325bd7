//! [`ServerSession`]: the broker side of one MQTT connection, sans-IO.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use super::auth::{Authenticator, ConnectRequest};
use super::config::ServerConfig;
use super::event::{CloseCause, ServerEvent};
use super::inbound::Inbound;
use super::message::WillMessage;
use super::outbound::Outbound;
use super::session_state::ServerSessionState;
use super::state::{ServerState, Step, Verdict, next, on_packet};
use super::subscriptions::{ServerSubscription, Subscriptions};
use super::timer::{Timer, Timers};
use crate::codec::{
    DecodeError, Decoder, Disconnect, DisconnectReason, Packet, PacketId, PacketType, Properties,
    Property, ProtocolVersion, PubAckReason, QoS, encode,
};
use crate::error::{Error, ProtocolError, TimeoutKind, UsageError};
use crate::time::Instant;

/// What was agreed for the live connection.
#[derive(Debug, Clone)]
pub(super) struct Link {
    /// Keep Alive in force (seconds; 0 = none).
    pub(super) keep_alive: u16,
    /// The client's Receive Maximum: our send window.
    pub(super) receive_maximum: u16,
    /// The client's Maximum Packet Size.
    pub(super) max_packet_size: Option<u32>,
    /// Topic aliases we may assign (the client's maximum bounded by ours).
    pub(super) alias_maximum: u16,
    /// Topic → alias assigned on this connection.
    pub(super) aliases: BTreeMap<String, u16>,
    /// The Will, until a normal DISCONNECT deletes it.
    pub(super) will: Option<WillMessage>,
    /// The CONNECT (without password) when it named an Authentication Method, for
    /// re-authentication.
    pub(super) auth_request: Option<Box<ConnectRequest>>,
    /// A re-authentication is under way.
    pub(super) reauthenticating: bool,
    /// The CONNECT's own Session Expiry Interval was 0 [MQTT-3.14.2-2].
    pub(super) connect_expiry_zero: bool,
}

/// The broker side of one MQTT 3.1.1 or 5.0 connection: CONNECT and authentication, keep-alive,
/// QoS 0/1/2 in both directions, subscriptions, topic aliases, session state. It never touches a
/// socket, a clock, a thread or a random source.
///
/// # Call protocol
///
/// * **Construction** cannot fail: [`ServerSession::new`] (CONNECT decisions by event) or
///   [`ServerSession::with_authenticator`]; check the config first with
///   [`ServerConfig::validate`].
/// * **Inputs**: [`handle_bytes`](Self::handle_bytes) with whatever the socket read (any split,
///   one byte at a time included), [`handle_timeout`](Self::handle_timeout) when the deadline from
///   [`poll_timeout`](Self::poll_timeout) passes (early or repeated calls are harmless),
///   [`handle_closed`](Self::handle_closed) when the transport closes.
/// * **Commands** return at once; misuse is an [`Error::Usage`] and changes nothing:
///   [`accept`](Self::accept), [`reject`](Self::reject), [`continue_auth`](Self::continue_auth),
///   [`complete_reauth`](Self::complete_reauth), [`publish`](Self::publish),
///   [`deliver`](Self::deliver), [`deliver_shared`](Self::deliver_shared), [`ack`](Self::ack),
///   [`disconnect`](Self::disconnect), [`take_session_state`](Self::take_session_state).
/// * **Outputs**, polled in this order after every input or command:
///   [`poll_transmit`](Self::poll_transmit) (whole packets to write),
///   [`poll_timeout`](Self::poll_timeout) (the next deadline),
///   [`poll_event`](Self::poll_event) (owned [`ServerEvent`]s) until `None`. After
///   [`ServerEvent::Closed`], write what `poll_transmit` returns and close the transport.
///
/// Peer faults (malformed bytes, protocol errors) are never returned: the session queues the
/// matching DISCONNECT (MQTT 5, after CONNACK) and reports [`CloseCause::PeerFault`].
///
/// # Acknowledgements
///
/// Inbound QoS 1/2 PUBLISHes are acknowledged when their [`ServerEvent::Publish`] is polled,
/// unless [`ServerConfig::manual_acks`] is set; then [`ack`](Self::ack) sends PUBACK / PUBREC with
/// the broker's reason code. PUBCOMP answers PUBREL automatically, and a QoS 2 message is
/// surfaced once until the client releases it.
///
/// # Memory
///
/// Every buffer is bounded by [`ServerConfig`]: a partial packet by `max_packet_size`, queued
/// messages by `max_queued_messages` / `max_queued_bytes`, the in-flight window by the client's
/// Receive Maximum, inbound ids by `receive_maximum`, topic aliases by `topic_alias_maximum`,
/// subscriptions by `max_subscriptions`. While `max_pending_events` events or
/// `max_transmit_buffer` bytes wait to be polled, `handle_bytes` refuses input with
/// [`UsageError::QueueFull`] and consumes nothing; one call can add at most what its own bytes
/// produce beyond those marks.
///
/// ```
/// use iotmqtt::{encode, Connect, Instant, Packet, Properties, ProtocolVersion};
/// use iotmqtt::server::{ConnectAccept, ServerConfig, ServerEvent, ServerSession};
///
/// let now = Instant::from_millis(0);
/// let mut server = ServerSession::new(ServerConfig::default(), now);
///
/// let connect = Connect {
///     protocol: ProtocolVersion::V5,
///     clean_start: true,
///     keep_alive: 60,
///     properties: Properties::empty(),
///     client_id: "sensor-1",
///     will: None,
///     username: None,
///     password: None,
/// };
/// let mut wire = Vec::new();
/// encode(&Packet::Connect(connect), ProtocolVersion::V5, &mut wire).unwrap();
/// server.handle_bytes(now, &wire).unwrap();
///
/// match server.poll_event() {
///     Some(ServerEvent::ConnectRequest(req)) => assert_eq!(req.client_id, "sensor-1"),
///     other => panic!("{other:?}"),
/// }
/// server.accept(now, ConnectAccept::default()).unwrap();
/// let mut out = Vec::new();
/// assert!(server.poll_transmit(now, &mut out) > 0); // the CONNACK
/// assert!(matches!(server.poll_event(), Some(ServerEvent::Connected(_))));
/// ```
pub struct ServerSession {
    pub(super) config: ServerConfig,
    pub(super) authenticator: Option<Box<dyn Authenticator + Send>>,
    pub(super) state: ServerState,
    /// The version of the CONNECT (3.1.1 until one arrives).
    pub(super) version: ProtocolVersion,
    pub(super) connect_seen: bool,
    pub(super) now: Instant,
    /// Bytes received and not processed: a partial packet, or packets held before CONNACK.
    pub(super) input: Vec<u8>,
    /// Encoded packets waiting for `poll_transmit`.
    pub(super) tx: Vec<u8>,
    pub(super) events: VecDeque<ServerEvent>,
    pub(super) timers: Timers,
    /// The CONNECT awaiting a decision (password removed).
    pub(super) request: Option<Box<ConnectRequest>>,
    pub(super) link: Option<Box<Link>>,
    pub(super) client_id: Option<String>,
    pub(super) subscriptions: Subscriptions,
    pub(super) outbound: Outbound,
    pub(super) inbound: Inbound,
    pub(super) session_expiry: u32,
    /// A closed session whose state is kept.
    pub(super) kept: bool,
    /// The CONNECT's own Session Expiry Interval was 0 (5.0).
    pub(super) connect_expiry_zero: bool,
    /// The Maximum Packet Size of the CONNECT, for what is sent before the link exists (a
    /// refusing CONNACK).
    pub(super) connect_max_packet: Option<u32>,
}

/// Input buffers above this capacity are released once empty.
const SHRINK_ABOVE: usize = 4096;

impl ServerSession {
    /// A session for a connection accepted at `now`; CONNECT decisions come as
    /// [`ServerEvent::ConnectRequest`].
    #[must_use]
    pub fn new(config: ServerConfig, now: Instant) -> Self {
        let mut timers = Timers::default();
        timers.set(Timer::Connect, now.saturating_add(config.connect_timeout));
        ServerSession {
            config,
            authenticator: None,
            state: ServerState::AwaitingConnect,
            version: ProtocolVersion::V311,
            connect_seen: false,
            now,
            input: Vec::new(),
            tx: Vec::new(),
            events: VecDeque::new(),
            timers,
            request: None,
            link: None,
            client_id: None,
            subscriptions: Subscriptions::default(),
            outbound: Outbound::default(),
            inbound: Inbound::default(),
            session_expiry: 0,
            kept: false,
            connect_expiry_zero: false,
            connect_max_packet: None,
        }
    }

    /// A session whose CONNECT (and AUTH) decisions are made by `authenticator`, synchronously,
    /// inside [`handle_bytes`](Self::handle_bytes).
    #[must_use]
    pub fn with_authenticator(
        config: ServerConfig,
        now: Instant,
        authenticator: Box<dyn Authenticator + Send>,
    ) -> Self {
        let mut s = ServerSession::new(config, now);
        s.authenticator = Some(authenticator);
        s
    }

    // ------------------------------------------------------------------ inputs

    /// Feeds bytes read from the transport. Any split works. Complete packets are processed at
    /// once; packets the client pipelines after CONNECT are held until the broker accepts.
    /// Bytes arriving after the connection closed are ignored.
    ///
    /// # Errors
    /// [`UsageError::QueueFull`] when `max_pending_events` events or `max_transmit_buffer` bytes
    /// wait to be polled, or (before CONNACK) the held input reached `max_packet_size`: nothing
    /// was consumed; poll, then pass the same bytes again.
    pub fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) -> Result<(), Error> {
        self.tick(now);
        if self.state == ServerState::Closed {
            return Ok(());
        }
        let holding = self.state == ServerState::Authenticating
            && self.input.len() >= self.config.max_packet_size as usize;
        if self.events.len() >= self.config.max_pending_events
            || self.tx.len() >= self.config.max_transmit_buffer
            || holding
        {
            return Err(UsageError::QueueFull.into());
        }
        if self.input.is_empty() {
            let used = self.process(bytes);
            if self.state != ServerState::Closed {
                self.input
                    .extend_from_slice(bytes.get(used..).unwrap_or_default());
            }
        } else {
            self.input.extend_from_slice(bytes);
            self.process_buffered();
        }
        Ok(())
    }

    /// Tells the session that time is `now`: fires every timer that is due. Early and repeated
    /// calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        while let Some(timer) = self.timers.due(self.now) {
            self.timers.clear(timer);
            match timer {
                Timer::Connect => self.close(CloseCause::Timeout(TimeoutKind::Connect), false),
                Timer::KeepAlive => {
                    if self.state == ServerState::Connected && self.version == ProtocolVersion::V5 {
                        self.send_disconnect(DisconnectReason::KeepAliveTimeout, None);
                    }
                    self.close(CloseCause::Timeout(TimeoutKind::KeepAlive), true);
                }
                Timer::SessionExpiry => {
                    if self.kept {
                        self.discard_session();
                        let client_id = self.client_id.clone().unwrap_or_default();
                        self.events
                            .push_back(ServerEvent::SessionExpired { client_id });
                    }
                }
            }
        }
    }

    /// Tells the session that the transport closed. The Will is due unless the client sent a
    /// normal DISCONNECT.
    pub fn handle_closed(&mut self, now: Instant) {
        self.tick(now);
        self.close(CloseCause::TransportClosed, true);
    }

    // ------------------------------------------------------------------ outputs

    /// Appends every packet ready to send to `out` (whole packets only) and returns how many
    /// bytes it appended. Queued messages are sent as the client's Receive Maximum allows.
    #[must_use = "the bytes must be written to the transport"]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.tick(now);
        let before = out.len();
        loop {
            self.flush_outbound();
            if self.tx.is_empty() {
                break;
            }
            out.append(&mut self.tx);
        }
        if self.tx.capacity() > SHRINK_ABOVE {
            self.tx = Vec::new();
        }
        out.len().saturating_sub(before)
    }

    /// Copies as many whole packets as fit into `buf` and returns the bytes written (0 when
    /// nothing waits).
    ///
    /// # Errors
    /// [`UsageError::BufferTooSmall`] with the size of the next packet when not even it fits;
    /// nothing is lost.
    pub fn poll_transmit_to_slice(&mut self, now: Instant, buf: &mut [u8]) -> Result<usize, Error> {
        self.tick(now);
        self.flush_outbound();
        let framer = Decoder::new(ProtocolVersion::V5);
        let mut end = 0usize;
        while let Some(rest) = self.tx.get(end..).filter(|r| !r.is_empty()) {
            let Ok(header) = framer.header(rest) else {
                break;
            };
            let next = end.saturating_add(header.packet_len());
            if next > buf.len() {
                if end == 0 {
                    return Err(UsageError::BufferTooSmall {
                        required: header.packet_len(),
                    }
                    .into());
                }
                break;
            }
            end = next;
        }
        if let (Some(dst), Some(src)) = (buf.get_mut(..end), self.tx.get(..end)) {
            dst.copy_from_slice(src);
        }
        self.tx.drain(..end);
        Ok(end)
    }

    /// The next event, oldest first. Polling a [`ServerEvent::Publish`] queues its PUBACK or
    /// PUBREC unless [`ServerConfig::manual_acks`] is set.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        let event = self.events.pop_front()?;
        if let ServerEvent::Publish(p) = &event {
            if let (false, Some(id)) = (self.config.manual_acks, p.packet_id) {
                self.ack_inbound(id, PubAckReason::Success);
            }
        }
        Some(event)
    }

    /// The earliest deadline at which [`handle_timeout`](Self::handle_timeout) must be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ------------------------------------------------------------------ accessors

    /// Where the connection stands.
    #[must_use]
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// The client id in use, once accepted (kept while a closed session keeps its state).
    #[must_use]
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The protocol version of the CONNECT, once one arrived.
    #[must_use]
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.connect_seen.then_some(self.version)
    }

    /// The Keep Alive in force, in seconds, while connected.
    #[must_use]
    pub fn keep_alive(&self) -> Option<u16> {
        self.link.as_ref().map(|l| l.keep_alive)
    }

    /// The granted subscriptions, in the order they were made: what a broker routes on.
    pub fn subscriptions(&self) -> impl Iterator<Item = &ServerSubscription> {
        self.subscriptions.iter()
    }

    /// Messages queued for the client or in flight to it.
    #[must_use]
    pub fn pending_messages(&self) -> usize {
        self.outbound.len()
    }

    /// Takes the session state of a closed session that kept it (see
    /// [`ServerSessionState`]); afterwards this session holds nothing.
    pub fn take_session_state(&mut self) -> Option<ServerSessionState> {
        if self.state != ServerState::Closed || !self.kept {
            return None;
        }
        self.kept = false;
        self.timers.clear(Timer::SessionExpiry);
        Some(ServerSessionState {
            client_id: self.client_id.clone().unwrap_or_default(),
            subscriptions: core::mem::take(&mut self.subscriptions),
            outbound: core::mem::take(&mut self.outbound),
            received_qos2: core::mem::take(&mut self.inbound).received_qos2().collect(),
            expiry_interval: self.session_expiry,
        })
    }

    // ------------------------------------------------------------------ plumbing

    /// Moves the clock forward (never back).
    pub(super) fn tick(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    /// Processes held input after the state changed.
    pub(super) fn process_buffered(&mut self) {
        let buf = core::mem::take(&mut self.input);
        let used = self.process(&buf);
        if self.state != ServerState::Closed {
            self.input = buf;
            self.input.drain(..used.min(self.input.len()));
            if self.input.is_empty() && self.input.capacity() > SHRINK_ABOVE {
                self.input = Vec::new();
            }
        }
    }

    /// Processes the complete packets at the front of `data`; returns the bytes used.
    fn process(&mut self, data: &[u8]) -> usize {
        let mut used = 0usize;
        while self.state != ServerState::Closed {
            let rest = data.get(used..).unwrap_or_default();
            if rest.is_empty() {
                break;
            }
            let decoder =
                Decoder::new(self.version).with_max_packet_size(self.config.max_packet_size);
            let header = match decoder.header(rest) {
                Ok(h) => h,
                Err(DecodeError::Incomplete(_)) => break,
                Err(DecodeError::Invalid { offset, violation }) => {
                    self.fault(Error::Malformed { offset, violation });
                    break;
                }
            };
            let len = header.packet_len();
            let Some(bytes) = rest.get(..len) else {
                break;
            };
            match on_packet(self.state, header.packet_type) {
                Verdict::Hold => break,
                Verdict::Ignore => {
                    used = used.saturating_add(len);
                    continue;
                }
                Verdict::Fault => {
                    let t = header.packet_type;
                    self.fault(ProtocolError::UnexpectedPacket(t).into());
                    break;
                }
                Verdict::Handle => {}
            }
            used = used.saturating_add(len);
            if header.packet_type == PacketType::Connect {
                self.handle_connect_bytes(bytes);
                continue;
            }
            match decoder.decode(bytes) {
                Ok(decoded) => {
                    self.touch();
                    self.handle_packet(&decoded.packet);
                }
                Err(DecodeError::Invalid { offset, violation }) => {
                    self.fault(Error::Malformed { offset, violation });
                }
                // The whole packet is present, so the decoder cannot ask for more; treat it as
                // the length mismatch it would be.
                Err(DecodeError::Incomplete(_)) => self.fault(Error::Malformed {
                    offset: 0,
                    violation: crate::codec::Violation::LengthMismatch,
                }),
            }
        }
        used
    }

    /// A packet arrived: the keep-alive deadline moves.
    pub(super) fn touch(&mut self) {
        if let Some(link) = &self.link {
            if link.keep_alive > 0 {
                let grace = Duration::from_millis(u64::from(link.keep_alive) * 1500);
                self.timers
                    .set(Timer::KeepAlive, self.now.saturating_add(grace));
            }
        }
    }

    fn handle_packet(&mut self, packet: &Packet<'_>) {
        match packet {
            Packet::Publish(p) => self.handle_publish(p),
            Packet::PubAck(a) => self.handle_puback(a.packet_id, a.reason),
            Packet::PubRec(a) => self.handle_pubrec(a.packet_id, a.reason),
            Packet::PubRel(a) => self.handle_pubrel(a.packet_id),
            Packet::PubComp(a) => self.handle_pubcomp(a.packet_id),
            Packet::Subscribe(s) => self.handle_subscribe(s),
            Packet::Unsubscribe(u) => self.handle_unsubscribe(u),
            Packet::PingReq => {
                self.send(&Packet::PingResp);
            }
            Packet::Disconnect(d) => self.handle_disconnect(d),
            Packet::Auth(a) => self.handle_auth(a),
            // The state table lets no other packet through.
            other => self.fault(ProtocolError::UnexpectedPacket(other.packet_type()).into()),
        }
    }

    fn handle_disconnect(&mut self, d: &Disconnect<'_>) {
        if let Some(expiry) = d.properties.session_expiry_interval() {
            if expiry != 0 && self.link.as_ref().is_some_and(|l| l.connect_expiry_zero) {
                let property = crate::codec::PropertyId::SessionExpiryInterval;
                self.fault(ProtocolError::PropertyNotAllowed(property).into());
                return;
            }
            self.session_expiry = expiry.min(self.config.max_session_expiry);
        }
        let reason_string = d.properties.reason_string().map(String::from);
        let user_properties = d
            .properties
            .user_properties()
            .map(|(k, v)| (String::from(k), String::from(v)))
            .collect();
        let publish_will = d.reason != DisconnectReason::NormalDisconnection;
        self.close(
            CloseCause::ClientDisconnect {
                reason: d.reason,
                reason_string,
                user_properties,
            },
            publish_will,
        );
    }

    /// Encodes `packet` into the transmit buffer unless it is larger than the client's Maximum
    /// Packet Size or cannot be encoded; returns whether it was queued.
    pub(super) fn send(&mut self, packet: &Packet<'_>) -> bool {
        let start = self.tx.len();
        if encode(packet, self.version, &mut self.tx).is_err() {
            self.tx.truncate(start);
            return false;
        }
        let size = self.tx.len().saturating_sub(start);
        let max = match &self.link {
            Some(l) => l.max_packet_size,
            None => self.connect_max_packet,
        };
        if max.is_some_and(|m| size > m as usize) {
            self.tx.truncate(start);
            return false;
        }
        true
    }

    /// Sends `full`, or `bare` (the same packet without optional properties) when `full` does
    /// not fit the client's Maximum Packet Size.
    pub(super) fn send_either(&mut self, full: &Packet<'_>, bare: &Packet<'_>) {
        if !self.send(full) {
            self.send(bare);
        }
    }

    /// Queues a DISCONNECT (5.0 only; 3.1.1 has no server DISCONNECT).
    pub(super) fn send_disconnect(
        &mut self,
        reason: DisconnectReason,
        reason_string: Option<&str>,
    ) {
        if self.version != ProtocolVersion::V5 {
            return;
        }
        let items: Vec<Property<'_>> = reason_string
            .map(Property::ReasonString)
            .into_iter()
            .collect();
        let full = Packet::Disconnect(Disconnect {
            reason,
            properties: Properties::new(&items),
        });
        self.send_either(&full, &Packet::Disconnect(Disconnect::new(reason)));
    }

    /// The client broke the rules: tell an MQTT 5 client why (after CONNACK), then close.
    pub(super) fn fault(&mut self, error: Error) {
        if self.state == ServerState::Connected {
            let reason = DisconnectReason::from_reason_code(error.reason_code())
                .unwrap_or(DisconnectReason::ProtocolError);
            let text = format!("{error}");
            self.send_disconnect(reason, Some(&text));
        }
        self.close(CloseCause::PeerFault(error), true);
    }

    /// Ends the connection: Will, session keeping, and the `Closed` event.
    pub(super) fn close(&mut self, cause: CloseCause, publish_will: bool) {
        let Some(state) = next(self.state, Step::Close) else {
            return;
        };
        let was_connected = self.state == ServerState::Connected;
        self.state = state;
        self.timers.clear_all();
        self.input = Vec::new();
        self.request = None;
        let link = self.link.take();
        if let (true, true, Some(will)) = (was_connected, publish_will, link.and_then(|l| l.will)) {
            let delay = will.delay_interval.min(self.session_expiry);
            self.events.push_back(ServerEvent::Will {
                message: will.message,
                delay: Duration::from_secs(u64::from(delay)),
            });
        }
        let session_kept = was_connected && self.session_expiry > 0;
        if session_kept {
            self.kept = true;
            let received: Vec<u16> = self.inbound.received_qos2().collect();
            self.inbound = Inbound::resumed(received);
            if self.session_expiry != u32::MAX {
                let expiry = Duration::from_secs(u64::from(self.session_expiry));
                self.timers
                    .set(Timer::SessionExpiry, self.now.saturating_add(expiry));
            }
        } else {
            self.discard_session();
        }
        self.events.push_back(ServerEvent::Closed {
            cause,
            session_kept,
        });
    }

    /// Forgets the session state.
    fn discard_session(&mut self) {
        self.kept = false;
        self.subscriptions = Subscriptions::default();
        self.outbound = Outbound::default();
        self.inbound = Inbound::default();
        self.timers.clear(Timer::SessionExpiry);
    }

    /// Sends the acknowledgement for inbound `id`; false when none is due.
    pub(super) fn ack_inbound(&mut self, id: PacketId, reason: PubAckReason) -> bool {
        if self.state != ServerState::Connected {
            return false;
        }
        // 3.1.1 acknowledgements carry no reason: a refusal cannot be told, only recorded.
        let reason = if self.version == ProtocolVersion::V5 {
            reason
        } else {
            PubAckReason::Success
        };
        match self.inbound.acknowledge(id, reason.is_error()) {
            Some(QoS::AtLeastOnce) => {
                let mut ack = crate::codec::PubAck::new(id);
                ack.reason = reason;
                self.send(&Packet::PubAck(ack));
                true
            }
            Some(_) => {
                let mut rec = crate::codec::PubRec::new(id);
                rec.reason = reason;
                self.send(&Packet::PubRec(rec));
                true
            }
            None => false,
        }
    }
}

impl fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSession")
            .field("state", &self.state)
            .field("version", &self.version)
            .field("client_id", &self.client_id)
            .field("authenticator", &self.authenticator.is_some())
            .field("input", &self.input.len())
            .field("tx", &self.tx.len())
            .field("events", &self.events.len())
            .field("subscriptions", &self.subscriptions.len())
            .field("pending_messages", &self.outbound.len())
            .field("timers", &self.timers)
            .finish_non_exhaustive()
    }
}
