//! The real client session against the server session on the two-peer harness: both sides of
//! every exchange are this crate's own state machines, driven on one virtual clock.

use core::time::Duration;
use std::string::String;

use super::*;
use crate::client::{self, ClientConfig, Event, WillConfig};
use crate::codec::{OwnedProperties, Subscription};
use crate::error::{Error, ProtocolError, TimeoutKind};
use crate::testing::{Pair, Peer};

/// A broker for one client around [`ServerSession`]: it accepts every CONNECT (resuming the
/// stored session when asked), routes each PUBLISH back through `deliver` when `loopback` is
/// set, keeps a session that outlives its connection, and records every event and byte.
pub(super) struct Broker {
    config: ServerConfig,
    authenticator: Option<fn() -> Box<dyn Authenticator + Send>>,
    pub(super) session: ServerSession,
    pub(super) store: Option<ServerSessionState>,
    pub(super) events: Vec<ServerEvent>,
    pub(super) loopback: bool,
    pub(super) from_client: Vec<u8>,
    pub(super) to_client: Vec<u8>,
}

impl Broker {
    fn new(config: ServerConfig) -> Self {
        Broker {
            session: ServerSession::new(config.clone(), Instant::ZERO),
            config,
            authenticator: None,
            store: None,
            events: Vec::new(),
            loopback: true,
            from_client: Vec::new(),
            to_client: Vec::new(),
        }
    }

    /// Takes the session's events and answers them like a broker; true if there were any.
    fn react(&mut self, now: Instant) -> bool {
        let mut worked = false;
        while let Some(event) = self.session.poll_event() {
            worked = true;
            match &event {
                ServerEvent::ConnectRequest(r) => {
                    let session = if r.clean_start {
                        None
                    } else {
                        self.store.take()
                    };
                    let accept = ConnectAccept {
                        session,
                        assigned_client_id: Some("assigned-1".into()),
                        ..ConnectAccept::default()
                    };
                    self.session.accept(now, accept).unwrap();
                }
                ServerEvent::Publish(p) if self.loopback => {
                    self.session.deliver(now, &p.message, true).unwrap();
                }
                ServerEvent::Closed {
                    session_kept: true, ..
                } => self.store = self.session.take_session_state(),
                _ => {}
            }
            self.events.push(event);
        }
        worked
    }

    fn received(&self) -> Vec<&InboundPublish> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Publish(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// (topic, alias) of every PUBLISH the client sent, as it was on the wire.
    fn client_publishes(&self) -> Vec<(String, Option<u16>)> {
        let mut out = Vec::new();
        let mut rest = &self.from_client[..];
        while let Ok(d) = decode(rest, V5) {
            if let Packet::Publish(p) = d.packet {
                out.push((p.topic.into(), p.properties.topic_alias()));
            }
            rest = &rest[d.len..];
        }
        out
    }
}

impl Peer for Broker {
    fn handle_connected(&mut self, now: Instant) {
        // A new transport: a new session object; the old one's kept state is already stored.
        self.session = match self.authenticator {
            Some(make) => ServerSession::with_authenticator(self.config.clone(), now, make()),
            None => ServerSession::new(self.config.clone(), now),
        };
    }

    fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        self.from_client.extend_from_slice(data);
        // A full event queue refuses input until the broker takes events: the driver's loop.
        while self.session.handle_bytes(now, data).is_err() {
            assert!(self.react(now), "input refused with nothing to take");
        }
        self.react(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
        self.react(now);
    }

    fn handle_closed(&mut self, now: Instant) {
        self.session.handle_closed(now);
        self.react(now);
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.react(now);
        let start = out.len();
        let n = self.session.poll_transmit(now, out);
        self.to_client.extend_from_slice(&out[start..]);
        n
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }
}

/// The client, the broker, and the client's driver.
struct Duo {
    pair: Pair<client::Client, Broker>,
    events: Vec<Event>,
    auth_answer: Option<Vec<u8>>,
}

fn react_client(
    pair: &mut Pair<client::Client, Broker>,
    events: &mut Vec<Event>,
    auth_answer: Option<&[u8]>,
) -> bool {
    let mut worked = false;
    while let Some(event) = pair.a.poll_event() {
        worked = true;
        match &event {
            Event::AuthChallenge { .. } => {
                if let Some(answer) = auth_answer {
                    pair.a.auth_continue(answer).unwrap();
                }
            }
            Event::ConnectionLost(_) | Event::Disconnected => {
                pair.exchange();
                pair.close();
            }
            Event::ReconnectDue { .. } => pair.open(),
            _ => {}
        }
        events.push(event);
    }
    worked
}

impl Duo {
    fn new(client: ClientConfig, server: ServerConfig) -> Self {
        Duo {
            pair: Pair::new(client::Client::new(client), Broker::new(server)),
            events: Vec::new(),
            auth_answer: None,
        }
    }

    fn connect(&mut self) {
        self.pair.a.connect().unwrap();
        self.pair.open();
        self.drive();
    }

    fn drive(&mut self) {
        let Duo {
            pair,
            events,
            auth_answer,
        } = self;
        pair.drive_with(10_000, |p| react_client(p, events, auth_answer.as_deref()))
            .unwrap();
    }

    fn advance(&mut self, d: Duration) {
        let Duo {
            pair,
            events,
            auth_answer,
        } = self;
        pair.advance_with(d, |p| react_client(p, events, auth_answer.as_deref()))
            .unwrap();
    }

    fn take(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }

    fn messages(&self) -> Vec<&client::Message> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn lost(&self) -> Option<&Error> {
        self.events.iter().find_map(|e| match e {
            Event::ConnectionLost(l) => Some(&l.error),
            _ => None,
        })
    }

    fn subscribe(&mut self, filter: &str, qos: QoS) {
        let subs = [Subscription::new(filter, qos)];
        self.pair.a.subscribe(&subs, Properties::empty()).unwrap();
        self.drive();
    }
}

fn client_config(version: ProtocolVersion) -> ClientConfig {
    let mut c = ClientConfig::new("dev-1");
    c.protocol = version;
    c
}

#[test]
fn the_client_connects_in_both_versions() {
    for version in [V3, V5] {
        let mut duo = Duo::new(client_config(version), ServerConfig::default());
        duo.connect();
        assert!(duo.pair.a.is_connected(), "{version}: {:?}", duo.events);
        let info = duo
            .events
            .iter()
            .find_map(|e| match e {
                Event::Connected(info) => Some(info),
                _ => None,
            })
            .expect("Connected");
        assert!(!info.session_present);
        if version == V5 {
            assert_eq!(info.receive_maximum, 100);
            assert_eq!(info.maximum_packet_size, Some(1024 * 1024));
            assert_eq!(info.topic_alias_maximum, 10);
        }
        assert!(matches!(
            duo.pair.b.events.as_slice(),
            [ServerEvent::ConnectRequest(r), ServerEvent::Connected(c)]
                if r.client_id == "dev-1" && c.client_id == "dev-1" && c.protocol == version
        ));
        assert_eq!(duo.pair.b.session.state(), ServerState::Connected);
    }
}

#[test]
fn an_empty_client_id_is_assigned() {
    let mut cfg = client_config(V5);
    cfg.client_id = String::new();
    let mut duo = Duo::new(cfg, ServerConfig::default());
    duo.connect();
    assert_eq!(duo.pair.a.client_id(), "assigned-1");
    assert_eq!(duo.pair.b.session.client_id(), Some("assigned-1"));
}

#[test]
fn qos_0_1_2_both_ways() {
    for version in [V3, V5] {
        for chunk in [0, 1] {
            let mut duo = Duo::new(client_config(version), ServerConfig::default());
            duo.pair.chunk = chunk;
            duo.connect();
            duo.subscribe("s/#", QoS::ExactlyOnce);
            assert!(duo.events.iter().any(|e| matches!(
                e,
                Event::Subscribed { reasons, .. } if reasons == &[SubAckReason::GrantedQos2]
            )));
            duo.take();
            let mut ids = Vec::new();
            for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
                .into_iter()
                .enumerate()
            {
                let topic = std::format!("s/{i}");
                ids.push(
                    duo.pair
                        .a
                        .publish(&topic, b"up", qos, false, Properties::empty())
                        .unwrap(),
                );
            }
            duo.drive();
            // Client → server: three messages, each once, at its QoS.
            let received: Vec<(String, QoS)> = duo
                .pair
                .b
                .received()
                .iter()
                .map(|p| (p.message.topic.clone(), p.message.qos))
                .collect();
            assert_eq!(
                received,
                [
                    ("s/0".into(), QoS::AtMostOnce),
                    ("s/1".into(), QoS::AtLeastOnce),
                    ("s/2".into(), QoS::ExactlyOnce)
                ],
                "{version} chunk {chunk}"
            );
            // The client's QoS 1 and 2 publishes completed.
            let done: Vec<_> = duo
                .events
                .iter()
                .filter_map(|e| match e {
                    Event::PublishAcked { packet_id, .. }
                    | Event::PublishCompleted { packet_id, .. } => Some(Some(*packet_id)),
                    _ => None,
                })
                .collect();
            assert_eq!(done, ids[1..]);
            // Server → client (routed back): three messages at the same QoS.
            let got: Vec<(String, QoS)> = duo
                .messages()
                .iter()
                .map(|m| (m.topic.clone(), m.qos))
                .collect();
            assert_eq!(got, received);
            let delivered = duo
                .pair
                .b
                .events
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        ServerEvent::Delivered {
                            reason: PubAckReason::Success,
                            ..
                        }
                    )
                })
                .count();
            assert_eq!(delivered, 2);
            assert_eq!(duo.pair.b.session.pending_messages(), 0);
            let stats = duo.pair.a.stats();
            assert_eq!((stats.inflight, stats.incoming_unacked), (0, 0));
        }
    }
}

#[test]
fn keep_alive_pings_keep_the_link_and_silence_ends_it() {
    for version in [V3, V5] {
        let mut cfg = client_config(version);
        cfg.keep_alive = 10;
        let mut duo = Duo::new(cfg, ServerConfig::default());
        duo.connect();
        duo.advance(Duration::from_secs(120));
        assert!(duo.pair.a.is_connected());
        assert_eq!(duo.pair.b.session.state(), ServerState::Connected);
        let pings = duo
            .pair
            .b
            .from_client
            .windows(2)
            .filter(|w| w == &[0xC0, 0x00])
            .count();
        assert!(pings >= 11, "{pings} PINGREQs in 120 s");

        // The client's bytes stop arriving: the server gives up after 15 s of silence.
        duo.pair.drop_a_to_b = true;
        duo.take();
        let before = duo.pair.now;
        duo.advance(Duration::from_secs(16));
        let closed_at = duo.pair.b.events.iter().rev().find_map(|e| match e {
            ServerEvent::Closed { cause, .. } => Some(cause.clone()),
            _ => None,
        });
        assert_eq!(
            closed_at,
            Some(CloseCause::Timeout(TimeoutKind::KeepAlive)),
            "{version}"
        );
        assert!(duo.pair.now.saturating_duration_since(before) <= Duration::from_secs(16));
        if version == V5 {
            // The DISCONNECT reached the client.
            assert_eq!(
                duo.lost(),
                Some(&Error::Protocol(ProtocolError::Disconnected(
                    crate::codec::ReasonCode::KeepAliveTimeout
                )))
            );
        }
    }
}

#[test]
fn topic_aliases_both_ways() {
    let mut server = ServerConfig::default();
    server.outgoing_topic_alias_maximum = 4;
    let mut duo = Duo::new(client_config(V5), server);
    duo.connect();
    duo.subscribe("very/long/topic/#", QoS::AtMostOnce);
    duo.take();
    for _ in 0..3 {
        duo.pair
            .a
            .publish(
                "very/long/topic/name",
                b"x",
                QoS::AtMostOnce,
                false,
                Properties::empty(),
            )
            .unwrap();
    }
    duo.drive();
    // The client aliased its topic; the server resolved every PUBLISH.
    let sent = duo.pair.b.client_publishes();
    assert_eq!(
        sent,
        [
            ("very/long/topic/name".into(), Some(1)),
            (String::new(), Some(1)),
            (String::new(), Some(1))
        ]
    );
    assert!(
        duo.pair
            .b
            .received()
            .iter()
            .all(|p| p.message.topic == "very/long/topic/name")
    );
    // The server aliased its deliveries; the client resolved them.
    let server_sent: Vec<(String, Option<u16>)> = decode_all(&duo.pair.b.to_client, V5)
        .into_iter()
        .filter_map(|o| match o {
            Out::Publish(p) => Some((p.topic, p.alias)),
            _ => None,
        })
        .collect();
    assert_eq!(
        server_sent,
        [
            ("very/long/topic/name".into(), Some(1)),
            (String::new(), Some(1)),
            (String::new(), Some(1))
        ]
    );
    let got: Vec<&str> = duo.messages().iter().map(|m| m.topic.as_str()).collect();
    assert_eq!(got, ["very/long/topic/name"; 3]);
}

#[test]
fn a_resumed_session_redelivers_both_ways() {
    for version in [V3, V5] {
        let mut cfg = client_config(version);
        if version == V5 {
            cfg.session_expiry = 300;
        } else {
            cfg.clean_start = false;
        }
        let mut duo = Duo::new(cfg, ServerConfig::default());
        duo.pair.b.loopback = false;
        duo.connect();
        duo.subscribe("r/#", QoS::AtLeastOnce);
        duo.take();

        // Both directions go dead: a QoS 1 message each way is sent and lost.
        duo.pair.drop_a_to_b = true;
        duo.pair.drop_b_to_a = true;
        let now = duo.pair.now;
        let down = duo
            .pair
            .b
            .session
            .deliver(
                now,
                &ServerMessage::new("r/1", b"down".to_vec(), QoS::AtLeastOnce),
                false,
            )
            .unwrap();
        assert!(matches!(
            down,
            Delivery::Queued {
                qos: QoS::AtLeastOnce,
                ..
            }
        ));
        duo.pair
            .a
            .publish("up", b"up", QoS::AtLeastOnce, false, Properties::empty())
            .unwrap();
        duo.drive();
        assert!(duo.messages().is_empty());
        assert!(duo.pair.b.received().is_empty());

        // The link closes; the server keeps the session; the client reconnects.
        duo.pair.close();
        assert!(
            duo.pair.b.store.is_some(),
            "{version}: {:?}",
            duo.pair.b.events
        );
        duo.pair.drop_a_to_b = false;
        duo.pair.drop_b_to_a = false;
        duo.advance(Duration::from_secs(5));
        assert!(duo.pair.a.is_connected(), "{version}: {:?}", duo.events);
        assert!(duo.events.iter().any(|e| matches!(
            e,
            Event::Connected(info) if info.session_present
        )));
        let got = duo.messages();
        assert_eq!(got.len(), 1, "{version}: {:?}", duo.events);
        assert_eq!((got[0].topic.as_str(), got[0].dup), ("r/1", true));
        let up = duo.pair.b.received();
        assert_eq!(up.len(), 1);
        assert_eq!((up[0].message.topic.as_str(), up[0].dup), ("up", true));
        assert_eq!(duo.pair.b.session.pending_messages(), 0);
        assert_eq!(duo.pair.a.stats().inflight, 0);
        assert_eq!(duo.pair.b.session.subscriptions().count(), 1);
    }
}

#[test]
fn the_will_and_a_server_disconnect_reach_the_other_side() {
    let mut cfg = client_config(V5);
    cfg.will = Some(WillConfig {
        topic: "status/dev-1".into(),
        payload: b"gone".to_vec(),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: OwnedProperties::new(),
    });
    let mut duo = Duo::new(cfg, ServerConfig::default());
    duo.connect();
    duo.pair
        .b
        .session
        .disconnect(
            duo.pair.now,
            DisconnectReason::SessionTakenOver,
            Some("another connection"),
        )
        .unwrap();
    duo.drive();
    assert_eq!(
        duo.lost(),
        Some(&Error::Protocol(ProtocolError::Disconnected(
            crate::codec::ReasonCode::SessionTakenOver
        )))
    );
    let will = duo.pair.b.events.iter().find_map(|e| match e {
        ServerEvent::Will { message, .. } => Some(message),
        _ => None,
    });
    assert_eq!(
        will.map(|m| (m.topic.as_str(), &m.payload[..])),
        Some(("status/dev-1", &b"gone"[..]))
    );
}

#[test]
fn the_iotda_policy_refuses_a_short_keep_alive() {
    for version in [V3, V5] {
        let mut cfg = client_config(version);
        cfg.keep_alive = 10;
        cfg.reconnect.enabled = false;
        let mut duo = Duo::new(cfg, ServerConfig::iotda());
        duo.connect();
        assert!(!duo.pair.a.is_connected());
        assert_eq!(
            duo.lost(),
            Some(&Error::Protocol(ProtocolError::ConnectRefused(
                crate::codec::ReasonCode::ClientIdentifierNotValid
            ))),
            "{version}"
        );
    }
}

/// The client must answer the challenge "1+1" with "2".
struct Sum;

impl Authenticator for Sum {
    fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision {
        assert_eq!(request.authentication_method.as_deref(), Some("SUM"));
        AuthDecision::Continue(AuthContinue {
            data: Some(b"1+1".to_vec()),
            reason_string: None,
        })
    }

    fn continue_auth(&mut self, _request: &ConnectRequest, auth: &AuthExchange) -> AuthDecision {
        if auth.data.as_deref() == Some(b"2") {
            AuthDecision::Accept(Box::default())
        } else {
            AuthDecision::Reject(ConnectReason::NotAuthorized.into())
        }
    }
}

#[test]
fn enhanced_authentication_with_the_client() {
    for (answer, ok) in [(&b"2"[..], true), (&b"3"[..], false)] {
        let mut cfg = client_config(V5);
        cfg.auth_method = Some("SUM".into());
        cfg.reconnect.enabled = false;
        let mut duo = Duo::new(cfg, ServerConfig::default());
        duo.pair.b.authenticator = Some(|| Box::new(Sum));
        duo.pair.b.handle_connected(Instant::ZERO);
        duo.auth_answer = Some(answer.to_vec());
        duo.connect();
        assert_eq!(duo.pair.a.is_connected(), ok, "{:?}", duo.events);
        assert!(duo.events.iter().any(|e| matches!(
            e,
            Event::AuthChallenge { method, data: Some(d), .. } if method == "SUM" && d == b"1+1"
        )));
    }
}
