//! Random commands, bytes and time: no panic, the in-flight window and packet identifiers hold,
//! memory stays within the configured budgets.

use alloc::vec;
use core::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::client::session::InState;
use crate::client::{AckToken, Client};
use crate::codec::{
    Packet, PubAck, PubComp, PubRec, PubRel, QoS, SubAck, SubAckReason, Subscription,
};
use crate::codec::{Property, ReasonCode};

#[derive(Debug, Clone)]
enum Op {
    Publish { topic: u8, qos: u8, len: u16 },
    Subscribe(u8),
    Unsubscribe(u8),
    AckFirst,
    Disconnect,
    Connect,
    BrokerPublish { topic: u8, qos: u8 },
    BrokerAck { kind: u8, id: u16 },
    BrokerSuback(u16),
    Raw(Vec<u8>),
    Close,
    Silence(bool),
    Advance(u32),
    Step,
    Drive,
    TakeEvents(bool),
    Snapshot,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..4, 0u8..3, 0u16..300).prop_map(|(topic, qos, len)| Op::Publish { topic, qos, len }),
        1 => (0u8..4).prop_map(Op::Subscribe),
        1 => (0u8..4).prop_map(Op::Unsubscribe),
        1 => Just(Op::AckFirst),
        1 => Just(Op::Disconnect),
        1 => Just(Op::Connect),
        3 => (0u8..4, 0u8..3).prop_map(|(topic, qos)| Op::BrokerPublish { topic, qos }),
        2 => (0u8..4, 1u16..12).prop_map(|(kind, id)| Op::BrokerAck { kind, id }),
        1 => (1u16..12).prop_map(Op::BrokerSuback),
        1 => proptest::collection::vec(any::<u8>(), 0..24).prop_map(Op::Raw),
        1 => Just(Op::Close),
        1 => any::<bool>().prop_map(Op::Silence),
        3 => (0u32..40_000).prop_map(Op::Advance),
        2 => Just(Op::Step),
        4 => Just(Op::Drive),
        1 => any::<bool>().prop_map(Op::TakeEvents),
        1 => Just(Op::Snapshot),
    ]
}

const TOPICS: [&str; 4] = ["a", "a/b", "dev/long/topic/name", "c/#"];

fn check(c: &Client, cfg: &ClientConfig, server_rm: u16) {
    let s = &c.session;
    let announced = match cfg.protocol {
        ProtocolVersion::V5 => server_rm,
        ProtocolVersion::V311 => u16::MAX,
    };
    let window = usize::from(cfg.max_inflight.min(announced));
    let outstanding = s.inflight.len().saturating_sub(c.conn.resend_pending);
    assert!(outstanding <= window, "{outstanding} in flight > {window}");
    let mut ids: Vec<u16> = s
        .inflight
        .iter()
        .map(|f| f.id.get())
        .chain(s.pending.iter().filter_map(|m| m.id.map(|i| i.get())))
        .chain(s.requests.iter().map(|r| r.id.get()))
        .collect();
    let n = ids.len();
    assert_eq!(n, s.ids.len(), "id set out of step");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a packet id is used twice");
    assert!(s.stored_messages() <= cfg.max_queued_messages);
    assert!(s.stored_bytes <= cfg.max_queued_bytes);
    let real: usize = s.pending.iter().map(|m| m.size()).sum::<usize>()
        + s.inflight.iter().map(|f| f.msg.size()).sum::<usize>();
    assert_eq!(real, s.stored_bytes, "byte accounting");
    assert!(s.incoming.len() <= usize::from(cfg.receive_maximum));
    // An acknowledgement is held back only behind an earlier message not yet acknowledged.
    let first_unacked = s
        .incoming
        .iter()
        .position(|e| e.state == InState::AwaitingAck);
    for (i, e) in s.incoming.iter().enumerate() {
        if e.state == InState::AckHeld {
            assert!(
                first_unacked.is_some_and(|f| f < i),
                "ack {} held",
                e.id.get()
            );
        }
    }
    assert!(s.requests.len() <= cfg.max_subscriptions);
    assert!(s.subscriptions.len() <= cfg.max_subscriptions);
    assert!(c.rx.len() <= cfg.maximum_packet_size as usize);
    assert!(
        c.events.len()
            <= cfg.max_events
                + usize::from(cfg.receive_maximum)
                + usize::from(cfg.max_inflight)
                + cfg.max_subscriptions
                + 16,
        "{} events",
        c.events.len()
    );
    if let Some(a) = &c.conn.aliases {
        assert!(a.out.len() <= usize::from(cfg.outgoing_topic_aliases));
        assert!(a.inbound.len() <= usize::from(cfg.topic_alias_maximum));
    }
}

fn run(v: ProtocolVersion, server_rm: u16, chunk: usize, ops: Vec<Op>) {
    let mut cfg = config(v);
    cfg.max_inflight = 4;
    cfg.receive_maximum = 3;
    cfg.max_queued_messages = 12;
    cfg.max_queued_bytes = 1500;
    cfg.max_subscriptions = 4;
    cfg.max_events = 16;
    cfg.maximum_packet_size = 512;
    cfg.keep_alive = 5;
    cfg.clean_start = false;
    cfg.session_expiry = if v == ProtocolVersion::V5 { 60 } else { 0 };
    cfg.manual_ack = chunk % 2 == 1;
    let mut h = ClientHarness::new(cfg.clone());
    h.pair.chunk = chunk;
    let _ = h.broker().set_connack_properties(&[
        Property::ReceiveMaximum(server_rm),
        Property::TopicAliasMaximum(2),
    ]);
    let _ = h.connect();
    for op in ops {
        match op {
            Op::Publish { topic, qos, len } => {
                let q = QoS::from_u8(qos).unwrap_or_default();
                let t = TOPICS[usize::from(topic) % 3];
                let _ = h.client().publish(
                    t,
                    &vec![0xAB; usize::from(len)],
                    q,
                    false,
                    Properties::empty(),
                );
            }
            Op::Subscribe(t) => {
                let f = TOPICS[usize::from(t)];
                let _ = h.client().subscribe(
                    &[Subscription::new(f, QoS::ExactlyOnce)],
                    Properties::empty(),
                );
            }
            Op::Unsubscribe(t) => {
                let _ = h
                    .client()
                    .unsubscribe(&[TOPICS[usize::from(t)]], Properties::empty());
            }
            Op::AckFirst => {
                let token = h.events.iter().find_map(|e| match e {
                    Event::Message(m) => m.ack_token,
                    _ => None,
                });
                if let Some(t) = token {
                    let _ = h.client().ack(t);
                }
            }
            Op::Disconnect => {
                let _ = h.client().disconnect();
            }
            Op::Connect => {
                if h.client().connect().is_ok() {
                    h.pair.open();
                }
            }
            Op::BrokerPublish { topic, qos } => {
                let q = QoS::from_u8(qos).unwrap_or_default();
                h.pair
                    .b
                    .publish_to_client(TOPICS[usize::from(topic) % 3], b"p", q, false);
            }
            Op::BrokerAck { kind, id } => {
                let Some(id) = crate::codec::PacketId::new(id) else {
                    continue;
                };
                let p = match kind {
                    0 => Packet::PubAck(PubAck::new(id)),
                    1 => Packet::PubRec(PubRec::new(id)),
                    2 => Packet::PubRel(PubRel::new(id)),
                    _ => Packet::PubComp(PubComp::new(id)),
                };
                let _ = h.pair.b.send(&p);
            }
            Op::BrokerSuback(id) => {
                let Some(id) = crate::codec::PacketId::new(id) else {
                    continue;
                };
                let codes = [SubAckReason::GrantedQos1];
                let _ = h.pair.b.send(&Packet::SubAck(SubAck {
                    packet_id: id,
                    properties: Properties::empty(),
                    reasons: crate::codec::List::new(&codes),
                }));
            }
            Op::Raw(bytes) => h.pair.b.send_raw(&bytes),
            Op::Close => h.pair.close(),
            Op::Silence(on) => {
                h.pair.drop_b_to_a = on;
                h.pair.b.answer_ping = !on;
            }
            Op::Advance(ms) => {
                let _ = h.advance(Duration::from_millis(u64::from(ms)));
            }
            Op::Step => {
                let _ = h.step();
            }
            Op::Drive => {
                let _ = h.drive();
            }
            Op::TakeEvents(on) => h.take_events = on,
            Op::Snapshot => {
                let snap = h.client().snapshot();
                let mut copy = Client::new(cfg.clone());
                copy.restore(&snap).expect("a snapshot restores");
                assert_eq!(copy.session.stored_bytes, h.pair.a.session.stored_bytes);
            }
        }
        if h.events.len() > 256 {
            h.events.clear();
        }
        check(&h.pair.a, &cfg, server_rm);
    }
    let _ = ReasonCode::Success;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_sessions_keep_every_invariant(
        v5 in any::<bool>(),
        server_rm in 1u16..6,
        chunk in 0usize..4,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let v = if v5 { ProtocolVersion::V5 } else { ProtocolVersion::V311 };
        run(v, server_rm, chunk, ops);
    }

    /// Whatever order the application acknowledges in, PUBACKs and PUBRECs leave in the order
    /// the PUBLISHes came, each as soon as everything before it is acknowledged
    /// [MQTT-4.6.0-2, MQTT-4.6.0-3].
    #[test]
    fn acknowledgements_leave_in_receive_order(
        v5 in any::<bool>(),
        qos2 in proptest::collection::vec(any::<bool>(), 1..12),
        order in Just((0..12).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let v = if v5 { ProtocolVersion::V5 } else { ProtocolVersion::V311 };
        let mut cfg = config(v);
        cfg.manual_ack = true;
        let mut h = connected(cfg);
        for &two in &qos2 {
            let qos = if two { QoS::ExactlyOnce } else { QoS::AtLeastOnce };
            h.pair.b.publish_to_client("t", b"x", qos, false);
        }
        h.drive().unwrap();
        let received: Vec<(u16, AckToken)> = h
            .take()
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some((m.packet_id?.get(), m.ack_token?)),
                _ => None,
            })
            .collect();
        prop_assert_eq!(received.len(), qos2.len());
        h.pair.b.clear_received();
        let mut acked = vec![false; received.len()];
        for &i in order.iter().filter(|&&i| i < received.len()) {
            h.client().ack(received[i].1).unwrap();
            acked[i] = true;
            h.drive().unwrap();
            let prefix = acked.iter().take_while(|a| **a).count();
            let sent: Vec<u16> = h
                .pair
                .b
                .received_packets()
                .filter_map(|p| match p {
                    Packet::PubAck(a) => Some(a.packet_id.get()),
                    Packet::PubRec(a) => Some(a.packet_id.get()),
                    _ => None,
                })
                .collect();
            let expected: Vec<u16> = received[..prefix].iter().map(|r| r.0).collect();
            prop_assert_eq!(sent, expected);
        }
        prop_assert_eq!(h.client().stats().incoming_unacked, 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        v5 in any::<bool>(),
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16),
    ) {
        let v = if v5 { ProtocolVersion::V5 } else { ProtocolVersion::V311 };
        let mut c = Client::new(config(v));
        c.connect().unwrap();
        c.handle_connected(crate::time::Instant::ZERO);
        c.handle_bytes(crate::time::Instant::ZERO, &[0x20, 0x02, 0x00, 0x00]);
        let mut out = vec![];
        for (i, chunk) in chunks.iter().enumerate() {
            c.handle_bytes(crate::time::Instant::from_millis(i as u64), chunk);
            let _ = c.poll_transmit(crate::time::Instant::from_millis(i as u64), &mut out);
            while c.poll_event().is_some() {}
            prop_assert!(c.rx.len() <= c.config.maximum_packet_size as usize);
        }
    }
}
