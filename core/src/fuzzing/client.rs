//! The client session target: a [`Client`] driven by arbitrary commands, server bytes and time
//! steps, with its invariants checked after every step.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::time::Duration;

use arbitrary::{Arbitrary, Result, Unstructured};

use super::driver::Driver;
use super::packets::{self, PacketSpec};
use super::wire::Wire;
use super::{Text, encode_for};
use crate::client::{AckToken, Client, ClientConfig, Credentials, Event, RequeuePolicy};
use crate::codec::{Properties, Property, QoS, Subscription, SubscriptionOptions};
use crate::time::Instant;

/// A client configuration with small limits, so the fuzzer reaches them.
fn config(u: &mut Unstructured<'_>) -> Result<ClientConfig> {
    let protocol = packets::version(u)?;
    let v5 = protocol == crate::ProtocolVersion::V5;
    let mut c = ClientConfig::new("fuzz");
    c.protocol = protocol;
    c.keep_alive = *u.choose(&[0, 1, 5, 60])?;
    c.ping_timeout = if u.arbitrary()? {
        Some(Duration::from_millis(u.int_in_range(1..=10_000)?))
    } else {
        None
    };
    c.clean_start = u.arbitrary()?;
    c.session_expiry = if v5 {
        *u.choose(&[0, 0, 60, u32::MAX])?
    } else {
        0
    };
    c.credentials = if u.arbitrary()? {
        Credentials::AskEachTime
    } else {
        Credentials::None
    };
    c.receive_maximum = u.int_in_range(1..=6)?;
    c.maximum_packet_size = u.int_in_range(64..=2048)?;
    c.topic_alias_maximum = u.int_in_range(0..=3)?;
    c.outgoing_topic_aliases = u.int_in_range(0..=3)?;
    c.connack_timeout = Duration::from_millis(u.int_in_range(1..=20_000)?);
    c.reconnect.enabled = u.ratio(7, 8)?;
    c.reconnect.min_delay = Duration::from_millis(u.int_in_range(0..=2_000)?);
    c.reconnect.max_delay = c.reconnect.min_delay.saturating_mul(u.int_in_range(1..=8)?);
    c.reconnect.resubscribe = u.arbitrary()?;
    c.reconnect.requeue = if u.arbitrary()? {
        RequeuePolicy::Resend
    } else {
        RequeuePolicy::Drop
    };
    c.max_queued_messages = u.int_in_range(1..=12)?;
    c.max_queued_bytes = u.int_in_range(1..=4096)?;
    c.max_inflight = u.int_in_range(1..=6)?;
    c.max_subscriptions = u.int_in_range(1..=4)?;
    c.max_events = u.int_in_range(16..=20)?;
    c.manual_ack = u.arbitrary()?;
    c.persistence = u.ratio(1, 4)?;
    if v5 && u.ratio(1, 4)? {
        c.auth_method = Some(alloc::string::String::from("fuzz-auth"));
    }
    Ok(c)
}

/// One step of the scenario.
#[derive(Debug, Arbitrary)]
enum Op<'a> {
    Connect,
    Disconnect,
    Publish {
        topic: Text<'a>,
        payload: &'a [u8],
        qos: u8,
        retain: bool,
        expiry: Option<u32>,
        user: Option<(Text<'a>, Text<'a>)>,
    },
    Subscribe {
        filters: Vec<(Text<'a>, u8)>,
        id: Option<u32>,
    },
    Unsubscribe {
        filters: Vec<Text<'a>>,
    },
    Ack(u8),
    AuthContinue(&'a [u8]),
    Reauthenticate(&'a [u8]),
    SetCredentials(Option<Text<'a>>, Option<&'a [u8]>),
    SetClientId(Text<'a>),
    /// The driver opens a transport.
    Open,
    /// The transport closes.
    Close,
    /// The server sends a packet, in chunks of this size (0 = whole).
    Packet(PacketSpec<'a>, u8),
    /// The server sends raw bytes.
    Bytes(&'a [u8]),
    /// Time passes (milliseconds).
    Advance(u16),
    /// Time jumps to the client's deadline.
    Deadline,
    /// The application stops (true) or resumes taking events.
    Hold(bool),
    /// The driver reacts to events by itself (true) or leaves it to later steps.
    Auto(bool),
    /// Output through a small caller buffer.
    TransmitSlice(u8),
    /// The process restarts from the last snapshot (persistence).
    Restart,
    /// A fresh client restores these bytes as a snapshot.
    Restore(&'a [u8]),
}

struct Harness {
    client: Client,
    config: ClientConfig,
    now: Instant,
    wire: Wire,
    hold: bool,
    auto: bool,
    tokens: Vec<AckToken>,
    snapshot: Option<Vec<u8>>,
}

impl Harness {
    fn open(&mut self) {
        self.wire = Wire::new(self.config.protocol, self.config.max_inflight, false);
        self.client.handle_connected(self.now);
    }

    fn deliver(&mut self, bytes: &[u8]) {
        if !self.client.state().has_transport() {
            return;
        }
        self.client.handle_bytes(self.now, bytes);
        self.wire.peer(bytes);
    }

    fn transmit(&mut self) {
        let mut out = Vec::new();
        for _ in 0..64 {
            if self.client.poll_transmit(self.now, &mut out) == 0 {
                break;
            }
        }
        self.wire.ours(&out);
    }

    /// Takes events as a driver would, checking the bounds on messages.
    fn events(&mut self) {
        let mut qos0 = 0usize;
        let mut unacked = 0usize;
        let auto_ack = !self.config.manual_ack;
        let mut taken = 0usize;
        while let Some(event) = self.client.poll_event() {
            taken += 1;
            assert!(taken <= 100_000, "poll_event never runs dry");
            match event {
                Event::Message(m) => {
                    if m.qos == QoS::AtMostOnce {
                        qos0 += 1;
                        assert!(
                            qos0 <= self.config.max_events,
                            "QoS 0 events over max_events"
                        );
                    } else if auto_ack {
                        unacked += 1;
                        assert!(
                            unacked <= usize::from(self.config.receive_maximum),
                            "more QoS 1/2 messages waiting than receive_maximum"
                        );
                    }
                    if let Some(t) = m.ack_token {
                        if self.tokens.len() < 64 {
                            self.tokens.push(t);
                        }
                    }
                }
                Event::PersistRequired => self.snapshot = Some(self.client.snapshot()),
                Event::CredentialsNeeded if self.auto => {
                    let _ = self.client.set_credentials(Some("user"), Some(b"pass"));
                }
                Event::ReconnectDue { .. } if self.auto => self.open(),
                Event::ConnectionLost(_) | Event::Disconnected if self.auto => {
                    self.transmit();
                    self.client.handle_closed(self.now);
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

    /// What must hold whatever happened.
    fn check(&self) {
        let c = &self.client;
        let s = c.stats();
        let cfg = &self.config;
        assert!(
            s.queued_messages.saturating_add(s.inflight) <= cfg.max_queued_messages,
            "{s:?} over max_queued_messages {}",
            cfg.max_queued_messages
        );
        assert!(
            s.stored_bytes <= cfg.max_queued_bytes,
            "{s:?} over max_queued_bytes"
        );
        assert!(s.inflight <= usize::from(u16::MAX));
        assert!(
            s.incoming_unacked <= usize::from(cfg.receive_maximum),
            "{s:?} over receive_maximum"
        );
        // The application's requests, and beside them the client's re-subscriptions (at most
        // one per remembered subscription), are each bounded by `max_subscriptions`.
        let own = c.own_requests();
        assert!(
            own <= cfg.max_subscriptions,
            "{own} requests over max_subscriptions"
        );
        assert!(
            s.pending_requests.saturating_sub(own) <= cfg.max_subscriptions,
            "{s:?}: re-subscriptions over max_subscriptions"
        );
        assert!(
            s.subscriptions <= cfg.max_subscriptions,
            "{s:?} over max_subscriptions"
        );
        assert!(
            s.rx_buffered < cfg.maximum_packet_size as usize,
            "{s:?} buffers a packet over maximum_packet_size"
        );
        assert!(s.outbox_bytes <= 1 << 20, "{s:?}: unbounded outbox");
        let ids: BTreeSet<u16> = c.inflight_ids().map(|i| i.get()).collect();
        assert_eq!(
            ids.len(),
            c.inflight_ids().count(),
            "duplicate packet ids in flight"
        );
    }

    fn run(&mut self, op: Op<'_>) {
        match op {
            Op::Connect => {
                let _ = self.client.connect();
            }
            Op::Disconnect => {
                let _ = self.client.disconnect();
            }
            Op::Publish {
                topic,
                payload,
                qos,
                retain,
                expiry,
                user,
            } => {
                let mut props = Vec::new();
                if let Some(e) = expiry {
                    props.push(Property::MessageExpiryInterval(e));
                }
                if let Some((k, v)) = user {
                    props.push(Property::UserProperty(k.0, v.0));
                }
                let qos = QoS::from_u8(qos % 3).unwrap_or_default();
                let props = if self.config.protocol == crate::ProtocolVersion::V5 {
                    Properties::new(&props)
                } else {
                    Properties::empty()
                };
                if let Ok(Some(id)) = self.client.publish(topic.0, payload, qos, retain, props) {
                    assert!(qos != QoS::AtMostOnce, "QoS 0 publish got id {id}");
                }
            }
            Op::Subscribe { filters, id } => {
                let subs: Vec<Subscription<'_>> = filters
                    .iter()
                    .take(4)
                    .map(|(f, o)| Subscription {
                        filter: f.0,
                        options: SubscriptionOptions::from_byte(*o & 0x3F, self.config.protocol)
                            .unwrap_or_default(),
                    })
                    .collect();
                let props = [Property::SubscriptionIdentifier(id.unwrap_or(1))];
                let props = match (id, self.config.protocol) {
                    (Some(_), crate::ProtocolVersion::V5) => Properties::new(&props),
                    _ => Properties::empty(),
                };
                let _ = self.client.subscribe(&subs, props);
            }
            Op::Unsubscribe { filters } => {
                let filters: Vec<&str> = filters.iter().take(4).map(|f| f.0).collect();
                let _ = self.client.unsubscribe(&filters, Properties::empty());
            }
            Op::Ack(i) => {
                if !self.tokens.is_empty() {
                    let t = self.tokens.remove(usize::from(i) % self.tokens.len());
                    let _ = self.client.ack(t);
                }
            }
            Op::AuthContinue(data) => {
                let _ = self.client.auth_continue(data);
            }
            Op::Reauthenticate(data) => {
                let _ = self.client.reauthenticate(data);
            }
            Op::SetCredentials(user, pass) => {
                let _ = self.client.set_credentials(user.map(|u| u.0), pass);
            }
            Op::SetClientId(id) => {
                let _ = self.client.set_client_id(id.0);
            }
            Op::Open => {
                if !self.client.state().has_transport() {
                    self.open();
                }
            }
            Op::Close => self.client.handle_closed(self.now),
            Op::Packet(spec, chunk) => {
                let Some(bytes) = encode_for(&spec.packet(), self.config.protocol) else {
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
            Op::Advance(ms) => self.advance(ms),
            Op::Deadline => self.jump_to_deadline(),
            Op::Hold(h) => self.hold = h,
            Op::Auto(a) => self.auto = a,
            Op::TransmitSlice(n) => self.transmit_slice(n),
            Op::Restart => {
                if let Some(snap) = self.snapshot.clone() {
                    let mut fresh = Client::new(self.config.clone());
                    let restored = fresh.restore(&snap);
                    assert!(restored.is_ok(), "own snapshot refused: {restored:?}");
                    self.client = fresh;
                    self.tokens.clear();
                }
            }
            Op::Restore(bytes) => {
                let mut fresh = Client::new(self.config.clone());
                if fresh.restore(bytes).is_ok() {
                    // What a restore accepts is a state the client could have reached.
                    let snap = fresh.snapshot();
                    let mut again = Client::new(self.config.clone());
                    assert!(again.restore(&snap).is_ok(), "re-snapshot refused");
                    self.client = fresh;
                    self.tokens.clear();
                }
            }
        }
    }
}

impl Driver for Harness {
    type Session = Client;
    fn parts(&mut self) -> (&mut Client, &mut Instant, &mut Wire) {
        (&mut self.client, &mut self.now, &mut self.wire)
    }
    fn step(&mut self) {
        Harness::step(self);
    }
}

/// Runs a client through an arbitrary scenario. The input chooses a configuration with small
/// limits, then up to 256 steps: commands, server packets (encoded from arbitrary packets, in
/// arbitrary chunks) or raw bytes, time steps, transport opens and closes, held events,
/// restarts from a snapshot and restores of arbitrary snapshot bytes. A driver takes output
/// and events after every step (and, when `auto`, answers credential requests, reconnects and
/// closes as the events say).
///
/// Invariants: no panic; queued plus in-flight messages, stored bytes, unacknowledged incoming
/// messages, pending requests, subscriptions and the receive buffer stay under the configured
/// limits; QoS 0 events never exceed `max_events`; in-flight packet ids are unique; every byte
/// the client sends decodes; on the wire, new PUBLISH and SUBSCRIBE ids are not in use and at
/// most min(`max_inflight`, server Receive Maximum) QoS 1/2 messages are unacknowledged; no
/// packet exceeds the server's Maximum Packet Size; a deadline moves on once handled; a
/// snapshot restores.
pub fn client_session(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(config) = config(&mut u) else {
        return;
    };
    let mut h = Harness {
        client: Client::new(config.clone()),
        wire: Wire::new(config.protocol, config.max_inflight, false),
        config,
        now: Instant::ZERO,
        hold: false,
        auto: true,
        tokens: Vec::new(),
        snapshot: None,
    };
    let _ = h.client.connect();
    h.open();
    h.step();
    for _ in 0..256 {
        let Ok(op) = Op::arbitrary(&mut u) else {
            break;
        };
        h.run(op);
        h.step();
    }
}
