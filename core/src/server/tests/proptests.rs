//! Property tests: arbitrary byte streams, splits, commands and clock moves never panic, the
//! server only ever sends valid packets, and every buffer stays within its bound.

use proptest::prelude::*;
use std::vec; // prop_oneof! expands to vec![]

use super::*;
use crate::codec::{
    Auth, Disconnect, PacketId, PubAck, PubComp, PubRec, PubRel, Publish, Subscribe, Subscription,
    Unsubscribe,
};

fn small_config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.max_packet_size = 512;
    c.receive_maximum = 3;
    c.max_queued_messages = 8;
    c.max_queued_bytes = 2048;
    c.max_pending_events = 16;
    c.max_transmit_buffer = 512;
    c.max_subscriptions = 4;
    c.topic_alias_maximum = 2;
    c.outgoing_topic_alias_maximum = 2;
    c
}

/// Checks the bounds and that everything sent decodes.
fn check(s: &mut ServerSession, now: Instant) -> Result<(), TestCaseError> {
    let cfg = small_config();
    prop_assert!(s.pending_messages() <= cfg.max_queued_messages);
    prop_assert!(s.subscriptions().count() <= cfg.max_subscriptions);
    prop_assert!(s.inbound.ids.len() <= usize::from(cfg.receive_maximum));
    // A partial packet (or input held before CONNACK) stays near one packet's size; one call's
    // input can add at most its own length, here at most 64 bytes.
    prop_assert!(
        s.input.len() <= cfg.max_packet_size as usize + 64,
        "{}",
        s.input.len()
    );
    prop_assert!(s.tx.len() <= cfg.max_transmit_buffer + cfg.max_packet_size as usize + 64);
    let version = s.protocol_version().unwrap_or(V3);
    let mut out = Vec::new();
    let _ = s.poll_transmit(now, &mut out);
    let mut rest = &out[..];
    while !rest.is_empty() {
        let d = decode(rest, version);
        prop_assert!(
            d.is_ok(),
            "the server sent an invalid packet: {:?} {:02X?}",
            d,
            rest
        );
        rest = &rest[d.map(|d| d.len).unwrap_or(rest.len())..];
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_after_a_connect_never_panic(
        v5 in any::<bool>(),
        connect_first in any::<bool>(),
        junk in prop::collection::vec(any::<u8>(), 0..300),
        splits in prop::collection::vec(1usize..64, 1..20),
    ) {
        let version = if v5 { V5 } else { V3 };
        let mut bytes = Vec::new();
        if connect_first {
            encode(&Packet::Connect(connect(version, "p", 5, Properties::empty())), version, &mut bytes).unwrap();
        }
        bytes.extend_from_slice(&junk);
        let mut s = ServerSession::new(small_config(), Instant::ZERO);
        let mut at = 0;
        let mut now = 0u64;
        for (i, step) in splits.iter().cycle().enumerate() {
            if at >= bytes.len() || i > 400 {
                break;
            }
            let end = (at + step).min(bytes.len());
            if s.handle_bytes(Instant::from_millis(now), &bytes[at..end]).is_ok() {
                at = end;
            }
            while let Some(e) = s.poll_event() {
                if matches!(e, ServerEvent::ConnectRequest(_)) {
                    let _ = s.accept(Instant::from_millis(now), ConnectAccept::default());
                }
            }
            now += 1000;
            s.handle_timeout(Instant::from_millis(now));
            check(&mut s, Instant::from_millis(now))?;
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Feed(u8, u16, u8),
    Raw(Vec<u8>),
    Publish(u8, u8, bool),
    Deliver(u8, u8),
    Ack(u16, bool),
    Decide(u8),
    Disconnect,
    Advance(u32),
    Closed,
    TakeState,
    PollEvents,
    PollTransmit,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..14, 1u16..6, any::<u8>()).prop_map(|(k, i, x)| Op::Feed(k, i, x)),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Op::Raw),
        3 => (0u8..3, 0u8..4, any::<bool>()).prop_map(|(q, t, e)| Op::Publish(q, t, e)),
        2 => (0u8..3, 0u8..4).prop_map(|(q, t)| Op::Deliver(q, t)),
        1 => (1u16..6, any::<bool>()).prop_map(|(i, e)| Op::Ack(i, e)),
        2 => (0u8..4).prop_map(Op::Decide),
        1 => Just(Op::Disconnect),
        2 => (0u32..120_000).prop_map(Op::Advance),
        1 => Just(Op::Closed),
        1 => Just(Op::TakeState),
        3 => Just(Op::PollEvents),
        3 => Just(Op::PollTransmit),
    ]
}

const TOPICS: [&str; 4] = ["a", "a/b", "$s/x", "long/topic/name"];

fn client_packet(version: ProtocolVersion, kind: u8, n: u16, x: u8, out: &mut Vec<u8>) {
    let id = PacketId::new(n).unwrap_or(PacketId::new(1).unwrap());
    let topic = TOPICS[usize::from(x) % TOPICS.len()];
    let qos = QoS::from_u8(x % 3).unwrap();
    let alias = [Property::TopicAlias(u16::from(x % 3) + 1)];
    let auth = [Property::AuthenticationMethod("M")];
    let subs = [Subscription::new(
        if x % 2 == 0 { "a/#" } else { topic },
        qos,
    )];
    let filters = [topic];
    let packet = match kind {
        0 => Packet::Connect(Connect {
            clean_start: x % 2 == 0,
            ..connect(version, "p", u16::from(x % 4), Properties::empty())
        }),
        1 => Packet::Publish(Publish {
            qos,
            packet_id: (qos != QoS::AtMostOnce).then_some(id),
            dup: x % 5 == 0 && qos != QoS::AtMostOnce,
            ..Publish::new(topic, b"payload")
        }),
        2 if version == V5 => Packet::Publish(Publish {
            topic: if x % 2 == 0 { "" } else { topic },
            properties: Properties::new(&alias),
            ..Publish::new(topic, b"aliased")
        }),
        3 => Packet::PubAck(PubAck::new(id)),
        4 => Packet::PubRec(PubRec::new(id)),
        5 => Packet::PubRel(PubRel::new(id)),
        6 => Packet::PubComp(PubComp::new(id)),
        7 => Packet::Subscribe(Subscribe {
            packet_id: id,
            properties: Properties::empty(),
            subscriptions: (&subs).into(),
        }),
        8 => Packet::Unsubscribe(Unsubscribe {
            packet_id: id,
            properties: Properties::empty(),
            filters: (&filters).into(),
        }),
        9 => Packet::PingReq,
        10 => Packet::Disconnect(Disconnect::default()),
        11 if version == V5 => Packet::Auth(Auth {
            reason: AuthReason::ReAuthenticate,
            properties: Properties::new(&auth),
        }),
        12 => Packet::PingResp,
        _ => Packet::PingReq,
    };
    let mut packet_bytes = Vec::new();
    if encode(&packet, version, &mut packet_bytes).is_ok() {
        out.extend_from_slice(&packet_bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn command_and_time_sequences_never_panic(
        v5 in any::<bool>(),
        manual in any::<bool>(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let version = if v5 { V5 } else { V3 };
        let mut cfg = small_config();
        cfg.manual_acks = manual;
        let mut s = ServerSession::new(cfg, Instant::ZERO);
        let mut now = 0u64;
        let mut first = Vec::new();
        client_packet(version, 0, 1, 0, &mut first);
        let _ = s.handle_bytes(Instant::ZERO, &first);
        for op in ops {
            let t = Instant::from_millis(now);
            match op {
                Op::Feed(kind, n, x) => {
                    let mut bytes = Vec::new();
                    client_packet(version, kind, n, x, &mut bytes);
                    let _ = s.handle_bytes(t, &bytes);
                }
                Op::Raw(bytes) => {
                    let _ = s.handle_bytes(t, &bytes);
                }
                Op::Publish(q, topic, expiry) => {
                    let mut m = ServerMessage::new(TOPICS[usize::from(topic)], b"m".to_vec(), QoS::from_u8(q).unwrap());
                    if expiry {
                        m.properties.message_expiry_interval = Some(5);
                    }
                    let _ = s.publish(t, m);
                }
                Op::Deliver(q, topic) => {
                    let m = ServerMessage::new(TOPICS[usize::from(topic)], b"d".to_vec(), QoS::from_u8(q).unwrap());
                    let _ = s.deliver(t, &m, q == 0);
                }
                Op::Ack(n, refuse) => {
                    let reason = if refuse { PubAckReason::QuotaExceeded } else { PubAckReason::Success };
                    let _ = s.ack(PacketId::new(n).unwrap(), reason);
                }
                Op::Decide(d) => {
                    let _ = match d {
                        0 => s.accept(t, ConnectAccept::default()),
                        1 => s.reject(t, ConnectReason::NotAuthorized),
                        2 => s.continue_auth(t, AuthContinue::default()),
                        _ => s.complete_reauth(t, None),
                    };
                }
                Op::Disconnect => {
                    let _ = s.disconnect(t, DisconnectReason::AdministrativeAction, Some("bye"));
                }
                Op::Advance(ms) => {
                    now += u64::from(ms);
                    s.handle_timeout(Instant::from_millis(now));
                }
                Op::Closed => s.handle_closed(t),
                Op::TakeState => {
                    if let Some(state) = s.take_session_state() {
                        prop_assert!(state.pending_messages() <= small_config().max_queued_messages);
                    }
                }
                Op::PollEvents => while s.poll_event().is_some() {},
                Op::PollTransmit => {}
            }
            check(&mut s, Instant::from_millis(now))?;
            prop_assert!(s.events.len() <= small_config().max_pending_events + 64);
            if let Some(deadline) = s.poll_timeout() {
                // A deadline in the past fires on the next handle_timeout and disappears.
                if deadline <= Instant::from_millis(now) {
                    s.handle_timeout(Instant::from_millis(now));
                    prop_assert!(s.poll_timeout().is_none_or(|d| d > Instant::from_millis(now)));
                }
            }
        }
    }
}

#[test]
fn the_strategies_reach_a_connected_session() {
    // Guards the property tests against only ever exercising the CONNECT path.
    let mut s = ServerSession::new(small_config(), Instant::ZERO);
    let mut bytes = Vec::new();
    client_packet(V5, 0, 1, 0, &mut bytes);
    s.handle_bytes(Instant::ZERO, &bytes).unwrap();
    s.accept(Instant::ZERO, ConnectAccept::default()).unwrap();
    let mut more = Vec::new();
    client_packet(V5, 1, 2, 1, &mut more);
    client_packet(V5, 7, 3, 4, &mut more);
    s.handle_bytes(Instant::ZERO, &more).unwrap();
    let events: Vec<ServerEvent> = core::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        events.iter().any(|e| matches!(e, ServerEvent::Publish(_))),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ServerEvent::Subscribed(_))),
        "{events:?}"
    );
    assert_eq!(s.state(), ServerState::Connected);
}
