//! The server session target: a [`ServerSession`] driven by arbitrary broker decisions, client
//! bytes and time steps, with its invariants checked after every step.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use arbitrary::{Arbitrary, Result, Unstructured};

use super::driver::Driver;
use super::packets::{self, PacketSpec};
use super::wire::Wire;
use super::{Text, encode_for};
use crate::codec::{ConnectReason, DisconnectReason, PacketId, ProtocolVersion, PubAckReason};
use crate::server::{
    AuthContinue, ConnectAccept, KeepAliveLimits, ServerConfig, ServerEvent, ServerMessage,
    ServerSession, ServerSessionState, ServerState,
};
use crate::time::Instant;

/// A server configuration with small limits, so the fuzzer reaches them.
fn config(u: &mut Unstructured<'_>) -> Result<ServerConfig> {
    let mut c = ServerConfig {
        maximum_qos: packets::qos(u)?,
        retain_available: u.arbitrary()?,
        will_available: u.arbitrary()?,
        ..ServerConfig::default()
    };
    if u.ratio(1, 4)? {
        c.keep_alive_limits = Some(KeepAliveLimits {
            min: u.int_in_range(0..=30)?,
            max: u.int_in_range(30..=1200)?,
            reject_with: ConnectReason::ClientIdentifierNotValid,
        });
    }
    c.server_keep_alive = if u.ratio(1, 4)? {
        Some(u.int_in_range(0..=10)?)
    } else {
        None
    };
    c.max_packet_size = u.int_in_range(64..=4096)?;
    c.receive_maximum = u.int_in_range(1..=6)?;
    c.topic_alias_maximum = u.int_in_range(0..=3)?;
    c.outgoing_topic_alias_maximum = u.int_in_range(0..=3)?;
    c.max_subscriptions = u.int_in_range(0..=4)?;
    c.wildcard_subscriptions = u.ratio(3, 4)?;
    c.shared_subscriptions = u.ratio(3, 4)?;
    c.subscription_identifiers = u.ratio(3, 4)?;
    c.max_session_expiry = *u.choose(&[0, 10, u32::MAX])?;
    c.connect_timeout = Duration::from_millis(u.int_in_range(1..=30_000)?);
    c.max_queued_messages = u.int_in_range(0..=8)?;
    c.max_queued_bytes = u.int_in_range(0..=4096)?;
    c.max_pending_events = u.int_in_range(1..=16)?;
    c.max_transmit_buffer = u.int_in_range(256..=4096)?;
    c.manual_acks = u.arbitrary()?;
    Ok(c)
}

/// A message the broker routes to this session.
#[derive(Debug, Arbitrary)]
struct Msg<'a> {
    topic: Text<'a>,
    payload: &'a [u8],
    qos: u8,
    retain: bool,
    expiry: Option<u32>,
    content_type: Option<Text<'a>>,
}

impl Msg<'_> {
    fn message(&self) -> ServerMessage {
        let qos = crate::QoS::from_u8(self.qos % 3).unwrap_or_default();
        let mut m = ServerMessage::new(self.topic.0, self.payload, qos);
        m.retain = self.retain;
        m.properties.message_expiry_interval = self.expiry;
        m.properties.content_type = self.content_type.as_ref().map(|t| String::from(t.0));
        m
    }
}

/// One step of the scenario.
#[derive(Debug, Arbitrary)]
enum Op<'a> {
    /// The client sends a packet, in chunks of this size (0 = whole).
    Packet(PacketSpec<'a>, u8),
    /// The client sends raw bytes.
    Bytes(&'a [u8]),
    Accept {
        assigned: Option<Text<'a>>,
        resume: bool,
        reason_string: Option<Text<'a>>,
        auth_data: Option<&'a [u8]>,
    },
    Reject(u8),
    ContinueAuth(Option<&'a [u8]>),
    CompleteReauth(Option<&'a [u8]>),
    Disconnect(u8, Option<Text<'a>>),
    Publish(Msg<'a>),
    Deliver(Msg<'a>, bool),
    DeliverShared(Msg<'a>, Text<'a>),
    Ack(u16, u8),
    /// The transport closes.
    Close,
    /// Time passes (milliseconds).
    Advance(u16),
    /// Time jumps to the session's deadline.
    Deadline,
    /// The broker stops (true) or resumes taking events.
    Hold(bool),
    /// The broker accepts CONNECTs and answers events by itself (true), or leaves it to later
    /// steps.
    Auto(bool),
    /// Output through a small caller buffer.
    TransmitSlice(u8),
    /// The client connects again: a new session for a new transport, the old state kept.
    Reconnect,
}

struct Harness {
    session: ServerSession,
    config: ServerConfig,
    now: Instant,
    wire: Wire,
    hold: bool,
    auto: bool,
    kept: Option<ServerSessionState>,
    inbound_ids: Vec<PacketId>,
}

impl Harness {
    fn deliver(&mut self, bytes: &[u8]) {
        match self.session.handle_bytes(self.now, bytes) {
            Ok(()) => self.wire.peer(bytes),
            Err(_) => {
                // Refused whole (events or output waiting): take them, then pass it again.
                self.events();
                self.transmit();
                if self.session.handle_bytes(self.now, bytes).is_ok() {
                    self.wire.peer(bytes);
                }
            }
        }
    }

    fn transmit(&mut self) {
        let mut out = Vec::new();
        for _ in 0..64 {
            if self.session.poll_transmit(self.now, &mut out) == 0 {
                break;
            }
        }
        self.wire.ours(&out);
    }

    fn accept(&mut self, accept: ConnectAccept) {
        let _ = self.session.accept(self.now, accept);
    }

    fn events(&mut self) {
        let mut taken = 0usize;
        while let Some(event) = self.session.poll_event() {
            taken += 1;
            assert!(taken <= 100_000, "poll_event never runs dry");
            match event {
                ServerEvent::ConnectRequest(_) if self.auto => {
                    let session = self.kept.take();
                    self.accept(ConnectAccept {
                        assigned_client_id: Some(String::from("assigned")),
                        session,
                        ..ConnectAccept::default()
                    });
                }
                ServerEvent::Auth(_) if self.auto => {
                    let _ = self
                        .session
                        .continue_auth(self.now, AuthContinue::default());
                }
                ServerEvent::Publish(p) => {
                    if let Some(id) = p.packet_id {
                        if self.inbound_ids.len() < 64 {
                            self.inbound_ids.push(id);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn step(&mut self) {
        self.transmit();
        if !self.hold {
            self.events();
            self.transmit();
        }
        self.check();
    }

    fn check(&self) {
        let s = &self.session;
        assert!(
            s.pending_messages() <= self.config.max_queued_messages,
            "{} messages held, max_queued_messages {}",
            s.pending_messages(),
            self.config.max_queued_messages
        );
        let subs = s.subscriptions().count();
        assert!(
            subs <= self.config.max_subscriptions,
            "{subs} subscriptions held"
        );
    }

    fn run(&mut self, op: Op<'_>) {
        match op {
            Op::Packet(spec, chunk) => {
                let version = self.wire.version;
                let Some(bytes) = encode_for(&spec.packet(), version) else {
                    return;
                };
                let chunk = usize::from(chunk);
                if chunk == 0 {
                    self.deliver(&bytes);
                } else {
                    for c in bytes.chunks(chunk) {
                        self.deliver(c);
                    }
                }
            }
            Op::Bytes(bytes) => self.deliver(bytes),
            Op::Accept {
                assigned,
                resume,
                reason_string,
                auth_data,
            } => {
                let session = if resume { self.kept.take() } else { None };
                self.accept(ConnectAccept {
                    assigned_client_id: assigned.map(|a| String::from(a.0)),
                    session,
                    reason_string: reason_string.map(|r| String::from(r.0)),
                    authentication_data: auth_data.map(<[u8]>::to_vec),
                    ..ConnectAccept::default()
                });
            }
            Op::Reject(i) => {
                let all = ConnectReason::ALL;
                if let Some(r) = all.get(usize::from(i) % all.len()) {
                    let _ = self.session.reject(self.now, *r);
                }
            }
            Op::ContinueAuth(data) => {
                let step = AuthContinue {
                    data: data.map(<[u8]>::to_vec),
                    reason_string: None,
                };
                let _ = self.session.continue_auth(self.now, step);
            }
            Op::CompleteReauth(data) => {
                let _ = self
                    .session
                    .complete_reauth(self.now, data.map(<[u8]>::to_vec));
            }
            Op::Disconnect(i, reason_string) => {
                let all = DisconnectReason::ALL;
                if let Some(r) = all.get(usize::from(i) % all.len()) {
                    let _ = self
                        .session
                        .disconnect(self.now, *r, reason_string.map(|t| t.0));
                }
            }
            Op::Publish(m) => {
                let _ = self.session.publish(self.now, m.message());
            }
            Op::Deliver(m, own) => {
                let _ = self.session.deliver(self.now, &m.message(), own);
            }
            Op::DeliverShared(m, filter) => {
                let _ = self
                    .session
                    .deliver_shared(self.now, &m.message(), filter.0);
            }
            Op::Ack(i, r) => {
                let all = PubAckReason::ALL;
                let reason = all.get(usize::from(r) % all.len()).copied();
                if let (false, Some(reason)) = (self.inbound_ids.is_empty(), reason) {
                    let id = self
                        .inbound_ids
                        .remove(usize::from(i) % self.inbound_ids.len());
                    let _ = self.session.ack(id, reason);
                }
            }
            Op::Close => self.session.handle_closed(self.now),
            Op::Advance(ms) => self.advance(ms),
            Op::Deadline => self.jump_to_deadline(),
            Op::Hold(h) => self.hold = h,
            Op::Auto(a) => self.auto = a,
            Op::TransmitSlice(n) => self.transmit_slice(n),
            Op::Reconnect => {
                if self.session.state() != ServerState::Closed {
                    self.session.handle_closed(self.now);
                    self.step();
                }
                if let Some(state) = self.session.take_session_state() {
                    self.kept = Some(state);
                }
                self.session = ServerSession::new(self.config.clone(), self.now);
                self.wire = Wire::new(ProtocolVersion::V311, u16::MAX, true);
                self.inbound_ids.clear();
            }
        }
    }
}

impl Driver for Harness {
    type Session = ServerSession;
    fn parts(&mut self) -> (&mut ServerSession, &mut Instant, &mut Wire) {
        (&mut self.session, &mut self.now, &mut self.wire)
    }
    fn step(&mut self) {
        Harness::step(self);
    }
}

/// Runs a server session through an arbitrary scenario: a configuration with small limits,
/// then up to 256 steps of client packets (encoded from arbitrary packets, in arbitrary
/// chunks) or raw bytes, broker decisions (accept with or without a kept session, reject,
/// authentication steps, disconnect), messages to deliver, acknowledgements, time steps,
/// closes and reconnects that carry the session state over. The broker takes output and
/// events after every step (and, when `auto`, accepts CONNECTs).
///
/// Invariants: no panic; queued and in-flight messages stay under `max_queued_messages`,
/// subscriptions under `max_subscriptions`; every byte sent decodes in the client's version;
/// on the wire, new PUBLISH ids are not in use, at most the client's Receive Maximum QoS 1/2
/// messages are unacknowledged, and no packet exceeds the client's Maximum Packet Size; a
/// deadline moves on once handled.
pub fn server_session(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(config) = config(&mut u) else {
        return;
    };
    if config.validate().is_err() {
        return;
    }
    let mut h = Harness {
        session: ServerSession::new(config.clone(), Instant::ZERO),
        config,
        now: Instant::ZERO,
        wire: Wire::new(ProtocolVersion::V311, u16::MAX, true),
        hold: false,
        auto: true,
        kept: None,
        inbound_ids: Vec::new(),
    };
    for _ in 0..256 {
        let Ok(op) = Op::arbitrary(&mut u) else {
            break;
        };
        h.run(op);
        h.step();
    }
}
