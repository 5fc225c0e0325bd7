//! Flow control, resending, requeueing, de-duplication, acknowledgement modes, offline queue.

use alloc::string::String;
use alloc::vec;
use core::time::Duration;

use super::*;
use crate::client::{AckToken, DropReason, RequeuePolicy};
use crate::codec::{
    Packet, PacketType, Property, PubRel, Publish, QoS, SubAckReason, Subscription,
};
use crate::error::Error;
use crate::time::Instant;

fn publishes(h: &ClientHarness) -> Vec<(u16, bool, String)> {
    h.pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((
                p.packet_id.map_or(0, |i| i.get()),
                p.dup,
                String::from(p.topic),
            )),
            _ => None,
        })
        .collect()
}

fn publish(h: &mut ClientHarness, topic: &str, qos: QoS) -> Option<u16> {
    h.client()
        .publish(topic, topic.as_bytes(), qos, false, Properties::empty())
        .unwrap()
        .map(|i| i.get())
}

#[test]
fn inflight_is_limited_by_the_server_receive_maximum_and_the_rest_wait_in_order() {
    // [MQTT-3.3.4-7] (5.0): at most Receive Maximum QoS > 0 PUBLISHes unacknowledged.
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker()
        .set_connack_properties(&[Property::ReceiveMaximum(2)])
        .unwrap();
    h.connect().unwrap();
    h.pair.b.auto_ack = false;
    h.pair.b.clear_received();
    let ids: Vec<u16> = (0..5)
        .map(|i| publish(&mut h, &alloc::format!("m/{i}"), QoS::AtLeastOnce).unwrap())
        .collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    h.drive().unwrap();
    assert_eq!(publishes(&h).len(), 2);
    assert_eq!(h.pair.a.stats().inflight, 2);
    assert_eq!(h.pair.a.stats().queued_messages, 3);
    // A QoS 0 message waits behind them too (order is kept).
    publish(&mut h, "m/q0", QoS::AtMostOnce);
    h.pair
        .b
        .send(&Packet::PubAck(crate::codec::PubAck::new(id(1))))
        .unwrap();
    h.drive().unwrap();
    let got: Vec<String> = publishes(&h).into_iter().map(|p| p.2).collect();
    assert_eq!(got, vec!["m/0", "m/1", "m/2"]);
    h.pair.b.auto_ack = true;
    for i in [2, 3] {
        h.pair
            .b
            .send(&Packet::PubAck(crate::codec::PubAck::new(id(i))))
            .unwrap();
    }
    h.drive().unwrap();
    let got: Vec<String> = publishes(&h).into_iter().map(|p| p.2).collect();
    assert_eq!(got, vec!["m/0", "m/1", "m/2", "m/3", "m/4", "m/q0"]);
    assert_eq!(acked(&h.events), vec![1, 2, 3, 4, 5]);
}

#[test]
fn packet_ids_in_use_are_never_reused() {
    // [MQTT-2.2.1-3], [MQTT-4.3.2-1] (5.0): every new QoS > 0 PUBLISH, SUBSCRIBE and UNSUBSCRIBE gets a non-zero identifier not in use.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.max_queued_messages = 70_000;
    cfg.max_queued_bytes = 10_000_000;
    let mut h = connected(cfg);
    h.pair.b.auto_ack = false;
    // Id 1 stays in flight while 65,534 others cycle.
    let first = publish(&mut h, "a", QoS::AtLeastOnce).unwrap();
    h.drive().unwrap();
    let mut seen = vec![false; 65_536];
    for _ in 0..65_534 {
        let i = publish(&mut h, "a", QoS::AtLeastOnce).unwrap();
        assert_ne!(i, first);
        assert!(!seen[usize::from(i)], "{i} reused while in use");
        seen[usize::from(i)] = true;
    }
    assert_eq!(
        h.client()
            .publish("a", b"", QoS::AtLeastOnce, false, Properties::empty()),
        Err(Error::Usage(UsageError::PacketIdsExhausted))
    );
    // QoS 0 needs no identifier.
    assert_eq!(publish(&mut h, "a", QoS::AtMostOnce), None);
}

#[test]
fn session_present_resends_publish_with_dup_and_pubrel_in_original_order() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.clean_start = false;
    cfg.session_expiry = 600;
    let mut h = connected(cfg);
    h.pair.b.auto_ack = false;
    let a = publish(&mut h, "q/a", QoS::ExactlyOnce).unwrap();
    let b = publish(&mut h, "q/b", QoS::AtLeastOnce).unwrap();
    let c = publish(&mut h, "q/c", QoS::ExactlyOnce).unwrap();
    h.drive().unwrap();
    // The server received `a` (PUBREC), so it moves to PUBREL.
    h.pair
        .b
        .send(&Packet::PubRec(crate::codec::PubRec::new(id(a))))
        .unwrap();
    h.drive().unwrap();
    // The link drops before anything else is acknowledged; a new message is queued offline.
    h.pair.close();
    let d = publish(&mut h, "q/d", QoS::AtLeastOnce).unwrap();
    h.pair.b.clear_received();
    h.advance(Duration::from_secs(2)).unwrap();
    assert!(h.pair.a.is_connected());
    let order: Vec<(PacketType, u16, bool)> = h
        .pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((PacketType::Publish, p.packet_id?.get(), p.dup)),
            Packet::PubRel(r) => Some((PacketType::PubRel, r.packet_id.get(), false)),
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (PacketType::PubRel, a, false),
            (PacketType::Publish, b, true),
            (PacketType::Publish, c, true),
            (PacketType::Publish, d, false),
        ]
    );
    // The CONNECT asked to resume, with the session expiry.
    match h.pair.b.received_packets().next() {
        Some(Packet::Connect(c)) => {
            assert!(!c.clean_start);
            assert_eq!(c.properties.session_expiry_interval(), Some(600));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_new_session_requeues_or_drops_per_policy_and_resubscribes() {
    for policy in [RequeuePolicy::Resend, RequeuePolicy::Drop] {
        let mut cfg = config(ProtocolVersion::V311);
        cfg.reconnect.requeue = policy;
        let mut h = connected(cfg);
        let subs = [
            Subscription::new("s/1", QoS::AtLeastOnce),
            Subscription::new("s/2", QoS::AtMostOnce),
        ];
        h.client().subscribe(&subs, Properties::empty()).unwrap();
        h.drive().unwrap();
        h.pair.b.auto_ack = false;
        let a = publish(&mut h, "q/a", QoS::AtLeastOnce).unwrap();
        let b = publish(&mut h, "q/b", QoS::ExactlyOnce).unwrap();
        let c = publish(&mut h, "q/c", QoS::ExactlyOnce).unwrap();
        h.drive().unwrap();
        h.pair
            .b
            .send(&Packet::PubRec(crate::codec::PubRec::new(id(c))))
            .unwrap();
        h.drive().unwrap();
        // The broker forgets everything (e.g. restarted without persistence).
        h.pair.close();
        h.pair.b.session = Default::default();
        h.pair.b.session_present = Some(false);
        h.pair.b.auto_ack = true;
        h.pair.b.clear_received();
        h.take();
        h.advance(Duration::from_secs(2)).unwrap();
        assert!(h.pair.a.is_connected());
        let dropped: Vec<(u16, DropReason)> = h
            .events
            .iter()
            .filter_map(|e| match e {
                Event::PublishDropped { packet_id, reason } => {
                    Some((packet_id.unwrap().get(), *reason))
                }
                _ => None,
            })
            .collect();
        let resent: Vec<(u16, bool)> = publishes(&h).iter().map(|p| (p.0, p.1)).collect();
        match policy {
            RequeuePolicy::Resend => {
                assert_eq!(dropped, vec![(c, DropReason::SessionLost)]);
                assert_eq!(resent, vec![(a, false), (b, false)]);
                assert_eq!(acked(&h.events), vec![a, b]);
            }
            RequeuePolicy::Drop => {
                assert_eq!(
                    dropped,
                    vec![
                        (a, DropReason::SessionLost),
                        (b, DropReason::SessionLost),
                        (c, DropReason::SessionLost)
                    ]
                );
                assert!(resent.is_empty());
            }
        }
        // Subscriptions were renewed, before the requeued messages.
        let types = h.pair.b.received_types();
        assert_eq!(types[1], PacketType::Subscribe);
        assert!(h.events.iter().any(|e| matches!(e,
            Event::Subscribed { resubscribe: true, reasons, .. }
                if reasons == &[SubAckReason::GrantedQos1, SubAckReason::GrantedQos0])));
        assert_eq!(h.pair.b.session.subscriptions.len(), 2);
        let s = h.pair.a.stats();
        assert_eq!((s.inflight, s.queued_messages, s.stored_bytes), (0, 0, 0));
    }
}

/// A server that starts a new session and closes before its SUBACK, again and again: the
/// client's re-subscription is replaced each time, not repeated; the application's requests
/// still get all of `max_subscriptions` beside it, and a snapshot of that state restores
/// (found by the `client_session` fuzz target: requests outgrew `max_subscriptions`).
#[test]
fn unanswered_resubscriptions_are_replaced_and_leave_the_limit_to_the_application() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.max_subscriptions = 2;
    let mut c = crate::client::Client::new(cfg.clone());
    let mut now = Instant::ZERO;
    let mut out = Vec::new();
    c.connect().unwrap();
    c.handle_connected(now);
    c.handle_bytes(now, &[0x20, 0x02, 0x00, 0x00]);
    c.subscribe(
        &[Subscription::new("s/1", QoS::AtLeastOnce)],
        Properties::empty(),
    )
    .unwrap();
    let _ = c.poll_transmit(now, &mut out);
    c.handle_bytes(now, &[0x90, 0x03, 0x00, 0x01, 0x01]);
    assert_eq!(c.stats().subscriptions, 1);
    for round in 0..4 {
        c.handle_closed(now);
        while c.poll_event().is_some() {}
        now = c.poll_timeout().expect("a reconnect is scheduled");
        c.handle_timeout(now);
        while c.poll_event().is_some() {}
        c.handle_connected(now);
        c.handle_bytes(now, &[0x20, 0x02, 0x00, 0x00]);
        out.clear();
        let _ = c.poll_transmit(now, &mut out);
        let subscribes = out.iter().filter(|b| **b == 0x82).count();
        assert!(subscribes >= 1, "round {round}: {out:02x?}");
        assert_eq!(c.stats().pending_requests, 1, "round {round}");
    }
    c.unsubscribe(&["x"], Properties::empty()).unwrap();
    c.unsubscribe(&["y"], Properties::empty()).unwrap();
    assert_eq!(
        c.unsubscribe(&["z"], Properties::empty()),
        Err(Error::Usage(crate::error::UsageError::QueueFull))
    );
    assert_eq!(c.stats().pending_requests, 3);
    let snapshot = c.snapshot();
    let mut restored = crate::client::Client::new(cfg);
    restored.restore(&snapshot).unwrap();
    assert_eq!(restored.stats().pending_requests, 3);
}

#[test]
fn unsubscribe_forgets_the_filter_for_resubscription() {
    let mut h = connected(config(ProtocolVersion::V5));
    let subs = [
        Subscription::new("a", QoS::AtLeastOnce),
        Subscription::new("b", QoS::AtLeastOnce),
    ];
    h.client().subscribe(&subs, Properties::empty()).unwrap();
    h.drive().unwrap();
    let u = h
        .client()
        .unsubscribe(&["a", "zz"], Properties::empty())
        .unwrap();
    h.drive().unwrap();
    assert!(h.events.iter().any(|e| matches!(e,
        Event::Unsubscribed { packet_id, reasons, .. } if *packet_id == u && reasons.len() == 2)));
    assert_eq!(h.pair.a.stats().subscriptions, 1);
    h.pair.close();
    h.pair.b.session = Default::default();
    h.pair.b.clear_received();
    h.advance(Duration::from_secs(2)).unwrap();
    let filters: Vec<String> = h
        .pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Subscribe(s) => Some(
                s.subscriptions
                    .iter()
                    .map(|x| String::from(x.filter))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(filters, vec!["b"]);
}

#[test]
fn incoming_qos2_is_delivered_once_until_pubrel() {
    // [MQTT-4.3.3-10] (5.0): until PUBREL a repeated PUBLISH gets PUBREC again and is not delivered twice.
    let mut h = connected(config(ProtocolVersion::V5));
    let p = Publish {
        dup: false,
        qos: QoS::ExactlyOnce,
        retain: false,
        topic: "x",
        packet_id: Some(id(9)),
        properties: Properties::empty(),
        payload: b"once",
    };
    h.pair.b.send(&Packet::Publish(p)).unwrap();
    h.drive().unwrap();
    h.pair
        .b
        .send(&Packet::Publish(Publish { dup: true, ..p }))
        .unwrap();
    h.drive().unwrap();
    assert_eq!(messages(&h.events).len(), 1);
    let recs = h
        .pair
        .b
        .received_types()
        .iter()
        .filter(|t| **t == PacketType::PubRec)
        .count();
    assert_eq!(recs, 2, "the duplicate gets its PUBREC again");
    assert_eq!(h.pair.a.stats().incoming_unacked, 1);
    h.pair.b.send(&Packet::PubRel(PubRel::new(id(9)))).unwrap();
    h.drive().unwrap();
    assert_eq!(h.pair.a.stats().incoming_unacked, 0);
    assert_eq!(h.pair.b.received_types().last(), Some(&PacketType::PubComp));
    // After PUBREL the id is free: the same id is a new message.
    h.pair.b.send(&Packet::Publish(p)).unwrap();
    h.drive().unwrap();
    assert_eq!(messages(&h.events).len(), 2);
    // A PUBREL for an unknown id gets PUBCOMP "not found".
    h.pair.b.send(&Packet::PubRel(PubRel::new(id(77)))).unwrap();
    h.drive().unwrap();
    match h.pair.b.received_packets().last() {
        Some(Packet::PubComp(c)) => {
            assert_eq!(
                c.reason,
                crate::codec::PubCompReason::PacketIdentifierNotFound
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn manual_ack_holds_the_acknowledgement_until_the_app_acks() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.manual_ack = true;
    let mut h = connected(cfg);
    let subs = [Subscription::new("m/#", QoS::ExactlyOnce)];
    h.client().subscribe(&subs, Properties::empty()).unwrap();
    h.drive().unwrap();
    h.pair
        .b
        .publish_to_client("m/1", b"one", QoS::AtLeastOnce, false);
    h.pair
        .b
        .publish_to_client("m/2", b"two", QoS::ExactlyOnce, false);
    h.pair.b.clear_received();
    h.drive().unwrap();
    let tokens: Vec<AckToken> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => m.ack_token,
            _ => None,
        })
        .collect();
    assert_eq!(tokens.len(), 2);
    assert!(h.pair.b.received().is_empty(), "nothing acknowledged yet");
    assert_eq!(h.pair.b.session.outgoing.len(), 2);
    // Acknowledged out of order: the PUBREC for the second waits for the first's PUBACK
    // [MQTT-4.6.0-2, MQTT-4.6.0-3].
    h.client().ack(tokens[1]).unwrap();
    h.drive().unwrap();
    assert!(h.pair.b.received().is_empty(), "held behind the first");
    assert_eq!(h.client().stats().incoming_unacked, 2);
    // Acknowledged already, though still held: a second ack is refused.
    assert!(matches!(
        h.client().ack(tokens[1]),
        Err(Error::Usage(UsageError::InvalidArgument(_)))
    ));
    h.client().ack(tokens[0]).unwrap();
    h.drive().unwrap();
    assert_eq!(
        h.pair.b.received_types(),
        vec![PacketType::PubAck, PacketType::PubRec, PacketType::PubComp]
    );
    assert!(h.pair.b.session.outgoing.is_empty());
    // Twice is an error; a token from a replaced session is ignored.
    assert!(matches!(
        h.client().ack(tokens[0]),
        Err(Error::Usage(UsageError::InvalidArgument(_)))
    ));
    let stale = AckToken::from_u64(tokens[0].to_u64() + (5 << 16));
    assert_eq!(h.client().ack(stale), Ok(()));
    // Automatic mode refuses ack().
    let mut h2 = connected(config(ProtocolVersion::V5));
    assert!(matches!(
        h2.client().ack(tokens[0]),
        Err(Error::Usage(UsageError::InvalidState(_)))
    ));
}

/// The client has no Maximum QoS: whatever QoS the server sends is delivered and acknowledged
/// at that QoS, above what a subscription granted (overlapping subscriptions, a QoS upgrade) or
/// without any subscription (a server-side one, as IoTDA's system topics).
#[test]
fn any_qos_the_server_sends_is_handled_as_received() {
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = connected(config(v));
        h.client()
            .subscribe(
                &[Subscription::new("g/#", QoS::AtMostOnce)],
                Properties::empty(),
            )
            .unwrap();
        h.drive().unwrap();
        h.pair.b.echo = false;
        h.pair.b.clear_received();
        h.take();
        h.pair
            .b
            .publish_to_client("g/1", b"a", QoS::AtLeastOnce, false);
        h.pair
            .b
            .publish_to_client("g/2", b"b", QoS::ExactlyOnce, false);
        h.pair
            .b
            .publish_to_client("$sys/implicit", b"c", QoS::ExactlyOnce, false);
        h.drive().unwrap();
        assert!(h.pair.a.is_connected(), "{v}: {:?}", h.events);
        let got: Vec<(String, QoS)> = h
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some((m.topic.clone(), m.qos)),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                ("g/1".into(), QoS::AtLeastOnce),
                ("g/2".into(), QoS::ExactlyOnce),
                ("$sys/implicit".into(), QoS::ExactlyOnce),
            ],
            "{v}"
        );
        assert_eq!(
            h.pair.b.received_types(),
            [
                PacketType::PubAck,
                PacketType::PubRec,
                PacketType::PubRec,
                PacketType::PubComp,
                PacketType::PubComp
            ],
            "{v}"
        );
        assert!(h.pair.b.session.outgoing.is_empty(), "{v}");
    }
}

#[test]
fn automatic_acks_wait_until_the_app_takes_the_message() {
    let mut h = connected(config(ProtocolVersion::V5));
    h.client()
        .subscribe(
            &[Subscription::new("m", QoS::AtLeastOnce)],
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    h.take_events = false;
    h.pair.b.clear_received();
    h.pair
        .b
        .publish_to_client("m", b"1", QoS::AtLeastOnce, false);
    h.drive().unwrap();
    assert!(h.pair.b.received().is_empty());
    assert!(matches!(h.client().poll_event(), Some(Event::Message(_))));
    h.drive().unwrap();
    assert_eq!(h.pair.b.received_types(), vec![PacketType::PubAck]);
}

#[test]
fn offline_queue_is_bounded_by_count_and_bytes_and_flushes_in_order() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.max_queued_messages = 3;
    cfg.max_queued_bytes = 100;
    let mut h = ClientHarness::new(cfg);
    publish(&mut h, "o/1", QoS::AtMostOnce);
    publish(&mut h, "o/2", QoS::AtLeastOnce);
    assert_eq!(
        h.client().publish(
            "o/3",
            &[0u8; 100],
            QoS::AtMostOnce,
            false,
            Properties::empty()
        ),
        Err(Error::Usage(UsageError::QueueFull))
    );
    publish(&mut h, "o/3", QoS::ExactlyOnce);
    assert_eq!(
        h.client()
            .publish("o/4", b"", QoS::AtMostOnce, false, Properties::empty()),
        Err(Error::Usage(UsageError::QueueFull))
    );
    let s = h.pair.a.stats();
    assert_eq!((s.queued_messages, s.stored_bytes), (3, 18));
    h.connect().unwrap();
    let got: Vec<String> = publishes(&h).into_iter().map(|p| p.2).collect();
    assert_eq!(got, vec!["o/1", "o/2", "o/3"]);
    assert_eq!(h.pair.a.stats().stored_bytes, 0);
}

#[test]
fn qos0_beyond_the_event_limit_is_dropped_and_counted() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.max_events = 16;
    let mut h = connected(cfg);
    h.client()
        .subscribe(
            &[Subscription::new("f", QoS::AtMostOnce)],
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    h.take_events = false;
    for _ in 0..20 {
        h.pair
            .b
            .publish_to_client("f", b"x", QoS::AtMostOnce, false);
    }
    h.drive().unwrap();
    let mut got = 0;
    let mut dropped = 0;
    while let Some(e) = h.client().poll_event() {
        match e {
            Event::Message(_) => got += 1,
            Event::MessagesDropped { count } => dropped += count,
            _ => {}
        }
    }
    assert_eq!((got, dropped), (16, 4));
}
