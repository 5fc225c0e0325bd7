//! Connect, publish and subscribe in both protocol versions.

use alloc::vec;

use super::*;
use crate::client::State;
use crate::codec::{Packet, PacketType, Properties, QoS, SubAckReason, Subscription};

#[test]
fn connects_in_both_versions_and_reports_connack() {
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = ClientHarness::new(config(v));
        assert_eq!(h.pair.a.state(), State::Idle);
        h.connect().unwrap();
        assert_eq!(h.pair.a.state(), State::Connected);
        let connected: Vec<_> = h
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Connected(info) => Some(info.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(connected.len(), 1, "{v}");
        assert!(!connected[0].session_present);
        assert_eq!(h.pair.b.version, v);
        assert_eq!(h.pair.b.received_types(), vec![PacketType::Connect]);
        match h.pair.b.received_packets().next() {
            Some(Packet::Connect(c)) => {
                assert_eq!(c.client_id, "test-client");
                assert_eq!(c.keep_alive, 60);
                assert!(c.clean_start);
                if v == ProtocolVersion::V5 {
                    assert_eq!(c.properties.session_expiry_interval(), None);
                    assert_eq!(c.properties.receive_maximum(), Some(64));
                    assert_eq!(
                        c.properties.topic_alias_maximum(),
                        cfg!(feature = "topic-alias").then_some(16)
                    );
                }
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn publishes_at_every_qos_and_gets_acknowledgements() {
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = connected(config(v));
        let c = h.client();
        assert_eq!(
            c.publish("t/0", b"zero", QoS::AtMostOnce, false, Properties::empty())
                .unwrap(),
            None
        );
        let one = c
            .publish("t/1", b"one", QoS::AtLeastOnce, false, Properties::empty())
            .unwrap()
            .unwrap();
        let two = c
            .publish("t/2", b"two", QoS::ExactlyOnce, true, Properties::empty())
            .unwrap()
            .unwrap();
        assert_ne!(one, two);
        h.drive().unwrap();
        assert_eq!(acked(&h.events), vec![one.get(), two.get()], "{v}");
        assert_eq!(
            h.pair.b.received_types(),
            vec![
                PacketType::Connect,
                PacketType::Publish,
                PacketType::Publish,
                PacketType::Publish,
                PacketType::PubRel
            ]
        );
        let s = h.pair.a.stats();
        assert_eq!((s.inflight, s.queued_messages, s.stored_bytes), (0, 0, 0));
    }
}

#[test]
fn subscribes_and_receives_at_every_qos_with_automatic_acks() {
    // [MQTT-3.3.4-1], [MQTT-4.5.0-2] (both versions): every PUBLISH is answered as its QoS requires.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = connected(config(v));
        let subs = [Subscription::new("s/#", QoS::ExactlyOnce)];
        let sid = h.client().subscribe(&subs, Properties::empty()).unwrap();
        h.drive().unwrap();
        assert!(h.events.iter().any(|e| matches!(e,
            Event::Subscribed { packet_id, reasons, resubscribe: false, .. }
                if *packet_id == sid && reasons == &[SubAckReason::GrantedQos2])));
        h.take();
        for (i, q) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
            .into_iter()
            .enumerate()
        {
            let topic = alloc::format!("s/{i}");
            h.client()
                .publish(&topic, b"x", q, false, Properties::empty())
                .unwrap();
        }
        h.drive().unwrap();
        let got = messages(&h.events);
        assert_eq!(got.len(), 3, "{v}: {:?}", h.events);
        assert_eq!(got[2].0, "s/2");
        // The broker's QoS 1 and 2 deliveries were acknowledged (and released).
        assert!(h.pair.b.session.outgoing.is_empty(), "{v}");
        assert_eq!(h.pair.a.stats().incoming_unacked, 0);
    }
}

#[test]
fn one_byte_at_a_time_changes_nothing() {
    // [MQTT-6.0.0-2] (both versions): packets need not align with what the transport delivers (a WebSocket frame, a read).
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.pair.chunk = 1;
    h.connect().unwrap();
    assert!(h.pair.a.is_connected());
    let subs = [Subscription::new("a/b", QoS::AtLeastOnce)];
    h.client().subscribe(&subs, Properties::empty()).unwrap();
    h.drive().unwrap();
    h.client()
        .publish(
            "a/b",
            &[7u8; 300],
            QoS::AtLeastOnce,
            false,
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    assert_eq!(messages(&h.events), vec![("a/b".into(), vec![7u8; 300])]);
    assert_eq!(acked(&h.events), vec![2]);
}
