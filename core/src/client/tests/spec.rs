//! Normative statements of MQTT 5.0 and 3.1.1 that no other test checks on its own: one test
//! per statement (or per small group), each naming its statements. `CONFORMANCE.md` at the
//! repository root maps every statement to the test that checks it.

use alloc::string::String;
use alloc::vec;
use core::time::Duration;

use super::*;
use crate::client::Client;
use crate::client::{DropReason, State};
#[cfg(feature = "enhanced-auth")]
use crate::codec::{Auth, AuthReason};
use crate::codec::{
    DisconnectReason, Packet, PacketType, Property, PubAck, PubRec, Publish, QoS, Subscription,
    decode,
};
use crate::error::{Error, ProtocolError};
use crate::time::Instant;

fn v(version: ProtocolVersion) -> ClientConfig {
    config(version)
}

/// The packets the broker received, decoded.
fn types(h: &ClientHarness) -> Vec<PacketType> {
    h.pair.b.received_types()
}

fn lost_error(h: &ClientHarness) -> Option<Error> {
    h.events.iter().find_map(|e| match e {
        Event::ConnectionLost(l) => Some(l.error.clone()),
        _ => None,
    })
}

fn qos_publish(topic: &str, id: u16, qos: QoS) -> Publish<'_> {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic,
        packet_id: Some(super::id(id)),
        properties: Properties::empty(),
        payload: b"x",
    }
}

/// A client driven by hand (no scripted broker), connected with `connack` as the server's
/// answer. Returns the client and the bytes it sent so far.
#[cfg(feature = "enhanced-auth")]
fn by_hand(cfg: ClientConfig, connack: &[u8]) -> (Client, Vec<u8>) {
    let mut c = Client::new(cfg);
    c.connect().unwrap();
    c.handle_connected(Instant::ZERO);
    let mut out = Vec::new();
    let _ = c.poll_transmit(Instant::ZERO, &mut out);
    c.handle_bytes(Instant::ZERO, connack);
    while c.poll_event().is_some() {}
    assert_eq!(c.state(), State::Connected);
    (c, out)
}

#[cfg(feature = "enhanced-auth")]
fn sent(c: &mut Client, version: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = c.poll_transmit(Instant::ZERO, &mut out);
    if let Some(first) = out.first() {
        assert!(decode(&out, version).is_ok(), "first byte {first:#04x}");
    }
    out
}

/// [MQTT-1.5.4-3] (5.0), [MQTT-1.5.3-3] (3.1.1): the bytes EF BB BF are U+FEFF wherever they
/// are, and the receiver neither skips nor strips them.
#[test]
fn a_byte_order_mark_in_a_topic_reaches_the_application() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = connected(v(version));
        h.pair
            .b
            .publish_to_client("\u{FEFF}t/\u{FEFF}", b"", QoS::AtLeastOnce, false);
        h.drive().unwrap();
        let topics: Vec<String> = messages(&h.events).into_iter().map(|m| m.0).collect();
        assert_eq!(
            topics,
            vec![String::from("\u{FEFF}t/\u{FEFF}")],
            "{version}"
        );
        assert_eq!(
            topics[0].as_bytes()[..3],
            [0xEF, 0xBB, 0xBF],
            "{version}: kept byte for byte"
        );
    }
}

/// [MQTT-3.1.2-30]: with an Authentication Method in CONNECT, the client sends nothing but AUTH
/// (or DISCONNECT) until CONNACK; what the application asked for meanwhile goes after it.
#[cfg(feature = "enhanced-auth")]
#[test]
fn only_auth_goes_out_before_connack_during_enhanced_authentication() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.auth_method = Some("SCRAM-SHA-1".into());
    cfg.keep_alive = 1;
    let mut h = ClientHarness::new(cfg);
    h.broker().auth_challenge = Some(b"challenge".to_vec());
    h.connect().unwrap();
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::AuthChallenge { .. }))
    );
    h.client()
        .publish("a", b"1", QoS::AtLeastOnce, false, Properties::empty())
        .unwrap();
    h.client()
        .subscribe(
            &[Subscription::new("b", QoS::AtMostOnce)],
            Properties::empty(),
        )
        .unwrap();
    // Time passes while the application computes its answer: no PINGREQ either.
    h.advance(Duration::from_secs(5)).unwrap();
    assert_eq!(types(&h), vec![PacketType::Connect]);
    h.client().auth_continue(b"response").unwrap();
    h.drive().unwrap();
    assert!(h.pair.a.is_connected());
    assert_eq!(
        types(&h),
        vec![
            PacketType::Connect,
            PacketType::Auth,
            PacketType::Subscribe,
            PacketType::Publish
        ]
    );
}

/// [MQTT-3.3.4-8], [MQTT-4.9.0-3]: with the send quota at zero only QoS 1/2 PUBLISHes wait;
/// SUBSCRIBE, PUBACK and PINGREQ go out, and incoming packets are still processed.
#[test]
fn a_full_send_window_holds_back_only_publishes() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.keep_alive = 10;
    let mut h = ClientHarness::new(cfg);
    h.broker()
        .set_connack_properties(&[Property::ReceiveMaximum(1)])
        .unwrap();
    h.connect().unwrap();
    h.pair.b.auto_ack = false;
    h.pair.b.clear_received();
    for topic in ["q/1", "q/2"] {
        h.client()
            .publish(topic, b"x", QoS::AtLeastOnce, false, Properties::empty())
            .unwrap();
    }
    h.drive().unwrap();
    assert_eq!(types(&h), vec![PacketType::Publish]);
    h.client()
        .subscribe(
            &[Subscription::new("in", QoS::AtLeastOnce)],
            Properties::empty(),
        )
        .unwrap();
    h.pair
        .b
        .publish_to_client("in", b"m", QoS::AtLeastOnce, false);
    h.advance(Duration::from_secs(10)).unwrap();
    assert_eq!(
        types(&h),
        vec![
            PacketType::Publish,
            PacketType::Subscribe,
            PacketType::PubAck,
            PacketType::PingReq
        ]
    );
    assert_eq!(messages(&h.events).len(), 1, "incoming still delivered");
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::Subscribed { .. }))
    );
    // The quota comes back with the PUBACK: the second PUBLISH goes.
    h.pair.b.send(&Packet::PubAck(PubAck::new(id(1)))).unwrap();
    h.drive().unwrap();
    assert_eq!(types(&h).last(), Some(&PacketType::Publish));
}

/// [MQTT-3.14.2-3], [MQTT-3.14.2-4]: the DISCONNECT the client sends on a fault leaves out its
/// Reason String (and never carries User Properties) when that would exceed the server's
/// Maximum Packet Size.
#[test]
fn the_fault_disconnect_fits_the_servers_maximum_packet_size() {
    for (max, with_text) in [(1000u32, true), (8, false)] {
        let mut h = ClientHarness::new(v(ProtocolVersion::V5));
        h.broker()
            .set_connack_properties(&[Property::MaximumPacketSize(max)])
            .unwrap();
        h.connect().unwrap();
        h.pair.b.send(&Packet::PubAck(PubAck::new(id(99)))).unwrap();
        h.drive().unwrap();
        let last = h.pair.b.received().last().cloned().unwrap();
        assert!(last.len() <= max as usize, "{last:?}");
        match decode(&last, ProtocolVersion::V5).unwrap().packet {
            Packet::Disconnect(d) => {
                assert_eq!(d.reason, DisconnectReason::ProtocolError);
                assert_eq!(d.properties.reason_string().is_some(), with_text, "{max}");
                assert_eq!(d.properties.user_properties().count(), 0);
            }
            other => panic!("{other:?}"),
        }
    }
}

/// [MQTT-3.2.2-15] with [MQTT-3.2.2-4]: the DISCONNECT refusing a CONNACK (Session Present
/// on a clean start) keeps to the Maximum Packet Size of that same CONNACK; one that cannot
/// fit even bare is not sent (found by the `client_session` fuzz target).
#[test]
fn the_disconnect_refusing_a_connack_fits_its_maximum_packet_size() {
    for (max, sent) in [(8u8, true), (2, false)] {
        let mut c = Client::new(v(ProtocolVersion::V5));
        c.connect().unwrap();
        c.handle_connected(Instant::ZERO);
        let mut out = Vec::new();
        let _ = c.poll_transmit(Instant::ZERO, &mut out);
        // CONNACK: Session Present 1 (the CONNECT asked for a clean start), Maximum Packet Size.
        c.handle_bytes(
            Instant::ZERO,
            &[0x20, 0x08, 0x01, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, max],
        );
        out.clear();
        let _ = c.poll_transmit(Instant::ZERO, &mut out);
        assert!(out.len() <= usize::from(max), "{max}: {out:02x?}");
        assert_eq!(!out.is_empty(), sent, "{max}: {out:02x?}");
        if sent {
            match decode(&out, ProtocolVersion::V5).unwrap().packet {
                Packet::Disconnect(d) => assert_eq!(d.reason, DisconnectReason::ProtocolError),
                other => panic!("{other:?}"),
            }
        }
        let lost = core::iter::from_fn(|| c.poll_event()).find_map(|e| match e {
            Event::ConnectionLost(l) => Some(l.error),
            _ => None,
        });
        assert_eq!(
            lost,
            Some(Error::Protocol(ProtocolError::SessionPresentOnCleanStart))
        );
    }
}

/// [MQTT-3.2.2-15]: a resumed session whose CONNACK announces a Maximum Packet Size below an
/// in-flight PUBLISH gives that message up (`PublishDropped`, identifier freed) instead of
/// resending it; one that fits is resent (found by the `client_session` fuzz target).
#[test]
fn a_resumed_session_drops_in_flight_publishes_over_the_new_maximum_packet_size() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.session_expiry = 600;
    let mut h = connected(cfg);
    h.pair.b.auto_ack = false;
    let big = h
        .client()
        .publish(
            "t/big",
            &[7u8; 64],
            QoS::AtLeastOnce,
            false,
            Properties::empty(),
        )
        .unwrap()
        .unwrap();
    let small = h
        .client()
        .publish("t", b"x", QoS::ExactlyOnce, false, Properties::empty())
        .unwrap()
        .unwrap();
    h.drive().unwrap();
    assert_eq!(h.client().stats().inflight, 2);
    h.pair.close();
    h.pair.b.session_present = Some(true);
    h.broker()
        .set_connack_properties(&[Property::MaximumPacketSize(32)])
        .unwrap();
    h.pair.b.clear_received();
    h.take();
    h.advance(Duration::from_secs(2)).unwrap();
    assert!(h.pair.a.is_connected(), "{:?}", h.events);
    for packet in h.pair.b.received().iter().skip(1) {
        assert!(packet.len() <= 32, "{packet:02x?}");
    }
    let resent: Vec<u16> = h
        .pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Publish(p) => p.packet_id.map(|i| i.get()),
            _ => None,
        })
        .collect();
    assert_eq!(resent, vec![small.get()]);
    assert!(h.events.iter().any(|e| matches!(e,
        Event::PublishDropped { packet_id: Some(id), reason: DropReason::PacketTooLarge { max: 32, .. } }
            if *id == big)));
    assert!(!h.pair.a.session.ids.contains(big));
    assert_eq!(h.client().stats().inflight, 1);
}

/// [MQTT-4.3.2-5] (5.0), [MQTT-4.3.2-2] (3.1.1): once the PUBACK is sent, a PUBLISH with the
/// same Packet Identifier is a new message.
#[test]
fn after_its_puback_a_packet_identifier_is_a_new_message() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = connected(v(version));
        let p = qos_publish("t", 5, QoS::AtLeastOnce);
        h.pair.b.send(&Packet::Publish(p)).unwrap();
        h.drive().unwrap();
        h.pair.b.send(&Packet::Publish(p)).unwrap();
        h.drive().unwrap();
        assert_eq!(messages(&h.events).len(), 2, "{version}");
        let acks = types(&h)
            .iter()
            .filter(|t| **t == PacketType::PubAck)
            .count();
        assert_eq!(acks, 2, "{version}");
    }
}

/// [MQTT-4.3.3-7]: a QoS 2 PUBLISH that has been sent is not expired: its Message Expiry
/// Interval passing changes nothing, the exchange completes.
#[test]
fn message_expiry_does_not_cut_a_sent_qos2_exchange() {
    let mut h = connected(v(ProtocolVersion::V5));
    h.pair.b.auto_ack = false;
    let expiry = [Property::MessageExpiryInterval(1)];
    let pid = h
        .client()
        .publish("t", b"x", QoS::ExactlyOnce, false, Properties::new(&expiry))
        .unwrap()
        .unwrap();
    h.drive().unwrap();
    h.advance(Duration::from_secs(30)).unwrap();
    assert_eq!(h.pair.a.stats().inflight, 1);
    h.pair.b.send(&Packet::PubRec(PubRec::new(pid))).unwrap();
    h.drive().unwrap();
    h.pair
        .b
        .send(&Packet::PubComp(crate::codec::PubComp::new(pid)))
        .unwrap();
    h.drive().unwrap();
    assert!(
        types(&h).contains(&PacketType::PubRel),
        "PUBREL follows PUBREC"
    );
    assert_eq!(acked(&h.events), vec![pid.get()]);
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e, Event::PublishDropped { .. }))
    );
}

/// [MQTT-4.4.0-1] (both versions): a client resends only after reconnecting to a resumed
/// session, never on a live connection however long an acknowledgement takes; and
/// [MQTT-4.1.0-1] (5.0) / [MQTT-4.1.0-1], [MQTT-4.1.0-2] (3.1.1): the unacknowledged messages
/// stay in the session state all that time.
#[test]
fn nothing_is_resent_on_a_live_connection() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut cfg = v(version);
        cfg.keep_alive = 30;
        let mut h = connected(cfg);
        h.pair.b.auto_ack = false;
        h.pair.b.clear_received();
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            h.client()
                .publish("t", b"x", qos, false, Properties::empty())
                .unwrap();
        }
        h.advance(Duration::from_secs(600)).unwrap();
        assert!(h.pair.a.is_connected());
        let publishes = types(&h)
            .iter()
            .filter(|t| **t == PacketType::Publish)
            .count();
        assert_eq!(publishes, 2, "{version}: each sent once");
        assert!(
            types(&h).contains(&PacketType::PingReq),
            "{version}: the link was kept alive meanwhile"
        );
        assert_eq!(h.pair.a.stats().inflight, 2, "{version}");
    }
}

/// [MQTT-4.6.0-4] (both versions): PUBRELs leave in the order the PUBRECs came.
#[test]
fn pubrels_follow_the_order_of_the_pubrecs() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = connected(v(version));
        h.pair.b.auto_ack = false;
        let ids: Vec<_> = (0..3)
            .map(|_| {
                h.client()
                    .publish("t", b"x", QoS::ExactlyOnce, false, Properties::empty())
                    .unwrap()
                    .unwrap()
            })
            .collect();
        h.drive().unwrap();
        h.pair.b.clear_received();
        for i in [2usize, 0, 1] {
            h.pair.b.send(&Packet::PubRec(PubRec::new(ids[i]))).unwrap();
        }
        h.drive().unwrap();
        let rels: Vec<u16> = h
            .pair
            .b
            .received_packets()
            .filter_map(|p| match p {
                Packet::PubRel(r) => Some(r.packet_id.get()),
                _ => None,
            })
            .collect();
        assert_eq!(
            rels,
            vec![ids[2].get(), ids[0].get(), ids[1].get()],
            "{version}"
        );
    }
}

/// [MQTT-4.12.1-2]: a re-authentication that fails ends the connection: the server's DISCONNECT
/// does, and an AUTH the client cannot accept makes it send DISCONNECT and close.
#[cfg(feature = "enhanced-auth")]
#[test]
fn a_failed_reauthentication_ends_the_connection() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.auth_method = Some("M".into());
    // CONNACK with the method echoed.
    let connack = [0x20, 0x07, 0x00, 0x00, 0x04, 0x15, 0x00, 0x01, b'M'];
    // The server refuses: DISCONNECT 0x87 (not authorized).
    let (mut c, _) = by_hand(cfg.clone(), &connack);
    c.reauthenticate(b"r").unwrap();
    let auth = sent(&mut c, ProtocolVersion::V5);
    assert_eq!(auth.first(), Some(&0xF0));
    c.handle_bytes(Instant::ZERO, &[0xE0, 0x01, 0x87]);
    assert_ne!(c.state(), State::Connected);
    assert!(sent(&mut c, ProtocolVersion::V5).is_empty());
    // The server answers with another method: the client gives up with DISCONNECT 0x82.
    let (mut c, _) = by_hand(cfg, &connack);
    c.reauthenticate(b"r").unwrap();
    let _ = sent(&mut c, ProtocolVersion::V5);
    let other = [Property::AuthenticationMethod("N")];
    let mut bytes = Vec::new();
    crate::codec::encode(
        &Packet::Auth(Auth {
            reason: AuthReason::ContinueAuthentication,
            properties: Properties::new(&other),
        }),
        ProtocolVersion::V5,
        &mut bytes,
    )
    .unwrap();
    c.handle_bytes(Instant::ZERO, &bytes);
    let out = sent(&mut c, ProtocolVersion::V5);
    match decode(&out, ProtocolVersion::V5).unwrap().packet {
        Packet::Disconnect(d) => assert_eq!(d.reason, DisconnectReason::ProtocolError),
        other => panic!("{other:?}"),
    }
    assert_ne!(c.state(), State::Connected);
}

/// [MQTT-3.3.2-7]: Topic Alias mappings belong to one connection: after a reconnect an alias
/// the server set before is unknown (Protocol Error), and the client's own aliases start over.
#[cfg(feature = "topic-alias")]
#[test]
fn topic_aliases_do_not_outlive_the_connection() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.clean_start = false;
    cfg.session_expiry = 60;
    let mut h = ClientHarness::new(cfg);
    h.broker()
        .set_connack_properties(&[Property::TopicAliasMaximum(4)])
        .unwrap();
    h.connect().unwrap();
    let set = [Property::TopicAlias(1)];
    let first = Publish {
        properties: Properties::new(&set),
        ..Publish::new("long/topic", b"1")
    };
    h.pair.b.send(&Packet::Publish(first)).unwrap();
    h.client()
        .publish(
            "out/topic",
            b"1",
            QoS::AtMostOnce,
            false,
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    assert_eq!(messages(&h.events).len(), 1);
    h.pair.close();
    h.advance(Duration::from_secs(2)).unwrap();
    assert!(h.pair.a.is_connected());
    h.pair.b.clear_received();
    h.take();
    // The client's first PUBLISH on the new connection names its topic again.
    h.client()
        .publish(
            "out/topic",
            b"2",
            QoS::AtMostOnce,
            false,
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    match h.pair.b.received_packets().next() {
        Some(Packet::Publish(p)) => {
            assert_eq!(p.topic, "out/topic");
            assert_eq!(p.properties.topic_alias(), Some(1));
        }
        other => panic!("{other:?}"),
    }
    // The server's alias from the old connection means nothing now.
    h.pair
        .b
        .send(&Packet::Publish(Publish { topic: "", ..first }))
        .unwrap();
    h.drive().unwrap();
    assert!(messages(&h.events).is_empty());
    assert_eq!(
        lost_error(&h),
        Some(Error::Protocol(ProtocolError::TopicAliasUnknown))
    );
}

/// [MQTT-3.2.2-5]: a client holding session state that gets Session Present 0 discards it: a
/// QoS 2 message received but not released is forgotten, so the same Packet Identifier on the
/// new session is a new message.
#[test]
fn a_new_session_forgets_received_qos2_identifiers() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.clean_start = false;
    cfg.session_expiry = 60;
    let mut h = connected(cfg);
    let p = qos_publish("t", 7, QoS::ExactlyOnce);
    h.pair.b.send(&Packet::Publish(p)).unwrap();
    h.drive().unwrap();
    assert_eq!(h.pair.a.stats().incoming_unacked, 1);
    h.pair.close();
    h.pair.b.session = Default::default();
    h.pair.b.session_present = Some(false);
    h.advance(Duration::from_secs(2)).unwrap();
    assert!(h.pair.a.is_connected());
    assert_eq!(h.pair.a.stats().incoming_unacked, 0);
    h.pair.b.send(&Packet::Publish(p)).unwrap();
    h.drive().unwrap();
    assert_eq!(
        messages(&h.events).len(),
        2,
        "delivered again: a new message"
    );
}

/// [MQTT-4.8.0-2] (3.1.1): a packet the client cannot take (here more unacknowledged QoS 1
/// messages than it holds) closes the connection; 3.1.1 has no DISCONNECT to say why.
#[test]
fn a_packet_the_client_cannot_hold_closes_the_connection_in_3_1_1() {
    let mut cfg = v(ProtocolVersion::V311);
    cfg.receive_maximum = 1;
    cfg.manual_ack = true;
    let mut h = connected(cfg);
    h.pair
        .b
        .send(&Packet::Publish(qos_publish("t", 1, QoS::AtLeastOnce)))
        .unwrap();
    h.pair
        .b
        .send(&Packet::Publish(qos_publish("t", 2, QoS::AtLeastOnce)))
        .unwrap();
    h.drive().unwrap();
    assert_eq!(
        lost_error(&h),
        Some(Error::Protocol(ProtocolError::ReceiveMaximumExceeded))
    );
    assert!(!h.pair.is_open());
    assert!(!types(&h).contains(&PacketType::Disconnect));
}

/// [MQTT-3.2.2-15]: re-authentication data that would make AUTH larger than the server's
/// Maximum Packet Size is refused at the call; nothing is sent.
#[cfg(feature = "enhanced-auth")]
#[test]
fn reauthentication_data_is_held_to_the_servers_maximum_packet_size() {
    let mut cfg = v(ProtocolVersion::V5);
    cfg.auth_method = Some("M".into());
    // CONNACK: Authentication Method "M", Maximum Packet Size 32.
    let connack = [
        0x20, 0x0C, 0x00, 0x00, 0x09, 0x15, 0x00, 0x01, b'M', 0x27, 0x00, 0x00, 0x00, 0x20,
    ];
    let (mut c, _) = by_hand(cfg, &connack);
    assert!(matches!(
        c.reauthenticate(&[7u8; 40]),
        Err(Error::Usage(crate::error::UsageError::PacketTooLarge {
            max: 32,
            ..
        }))
    ));
    assert!(sent(&mut c, ProtocolVersion::V5).is_empty());
    c.reauthenticate(&[7u8; 8]).unwrap();
    let auth = sent(&mut c, ProtocolVersion::V5);
    assert!(auth.len() <= 32 && auth.first() == Some(&0xF0), "{auth:?}");
    // [MQTT-3.15.2-2], [MQTT-3.15.2-3]: the client's AUTH carries no Reason String and no User
    // Property, so neither can push it over the limit.
    match decode(&auth, ProtocolVersion::V5).unwrap().packet {
        Packet::Auth(a) => {
            assert_eq!(a.reason, AuthReason::ReAuthenticate);
            assert_eq!(a.properties.reason_string(), None);
            assert_eq!(a.properties.user_properties().count(), 0);
        }
        other => panic!("{other:?}"),
    }
}

/// [MQTT-3.2.2-15]: a SUBSCRIBE queued before the CONNACK (or to be resent after a reconnect)
/// that the CONNACK's Maximum Packet Size does not admit is not sent: it ends with
/// `RequestDropped` and frees its identifier; a request that fits goes out (found by the
/// `client_session` fuzz target in CI).
#[test]
fn a_request_over_the_connacks_maximum_packet_size_is_dropped_not_sent() {
    let max = 40u32;
    let mut h = ClientHarness::new(v(ProtocolVersion::V5));
    h.broker()
        .set_connack_properties(&[Property::MaximumPacketSize(max)])
        .unwrap();
    let long = "a/filter/far/too/long/for/the/server/to/take";
    let big = h
        .client()
        .subscribe(
            &[Subscription::new(long, QoS::AtMostOnce)],
            Properties::empty(),
        )
        .unwrap();
    let small = h.client().unsubscribe(&["b"], Properties::empty()).unwrap();
    h.connect().unwrap();
    let sent = types(&h);
    assert!(!sent.contains(&PacketType::Subscribe), "{sent:?}");
    assert!(sent.contains(&PacketType::Unsubscribe), "{sent:?}");
    for packet in h.pair.b.received().iter().skip(1) {
        assert!(packet.len() <= max as usize, "{packet:02x?}");
    }
    let dropped: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::RequestDropped { packet_id, reason } => Some((*packet_id, *reason)),
            _ => None,
        })
        .collect();
    let [(id, DropReason::PacketTooLarge { size, max: limit })] = dropped[..] else {
        panic!("{:?}", h.events);
    };
    assert_eq!((id, limit), (big, max));
    assert!(size > max as usize);
    assert!(!h.pair.a.session.ids.contains(big));
    assert!(h.events.iter().any(|e| matches!(e,
        Event::Unsubscribed { packet_id, .. } if *packet_id == small)));
}

/// In 3.1.1 a malformed packet closes the connection, without a DISCONNECT (3.1.1 has no way
/// to say why): invalid fixed-header flags [MQTT-2.2.2-2], ill-formed UTF-8 [MQTT-1.5.3-1],
/// U+0000 in a string [MQTT-1.5.3-2], QoS 3 [MQTT-3.3.1-4].
#[test]
fn malformed_input_closes_a_3_1_1_connection() {
    let cases: [&[u8]; 4] = [
        &[0x41, 0x02, 0x00, 0x01],
        &[0x30, 0x04, 0x00, 0x02, b'a', 0xFF],
        &[0x30, 0x04, 0x00, 0x02, b'a', 0x00],
        &[0x36, 0x04, 0x00, 0x02, b'a', b'b'],
    ];
    for bytes in cases {
        let mut h = connected(v(ProtocolVersion::V311));
        h.pair.b.clear_received();
        h.pair.b.send_raw(bytes);
        h.drive().unwrap();
        assert!(
            matches!(lost_error(&h), Some(Error::Malformed { .. })),
            "{bytes:02x?}: {:?}",
            h.events
        );
        assert!(!h.pair.is_open(), "{bytes:02x?}: closed");
        assert!(types(&h).is_empty(), "{bytes:02x?}: no DISCONNECT in 3.1.1");
        assert!(messages(&h.events).is_empty());
    }
}

/// The PUBLISH and PUBREL packets the broker received, with their identifier and DUP flag.
fn sequence(h: &ClientHarness) -> Vec<(PacketType, u16, bool)> {
    h.pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((PacketType::Publish, p.packet_id?.get(), p.dup)),
            Packet::PubRel(r) => Some((PacketType::PubRel, r.packet_id.get(), false)),
            _ => None,
        })
        .collect()
}

/// [MQTT-3.1.2-4] (5.0), [MQTT-3.1.2-6] (3.1.1): with Clean Start (Clean Session) 1 the client
/// discards its session: a QoS 2 message it had received (PUBREC sent, no PUBREL yet) is
/// forgotten, so the same Packet Identifier on the new connection is a new message.
#[test]
fn clean_start_discards_the_clients_session() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let cfg = v(version);
        assert!(cfg.clean_start, "the default");
        let mut h = connected(cfg);
        let p = qos_publish("t", 7, QoS::ExactlyOnce);
        h.pair.b.send(&Packet::Publish(p)).unwrap();
        h.drive().unwrap();
        assert_eq!(h.pair.a.stats().incoming_unacked, 1, "{version}");
        h.pair.close();
        h.pair.b.clear_received();
        h.advance(Duration::from_secs(2)).unwrap();
        assert!(h.pair.a.is_connected(), "{version}");
        match h.pair.b.received_packets().next() {
            Some(Packet::Connect(c)) => assert!(c.clean_start, "{version}"),
            other => panic!("{version}: {other:?}"),
        }
        assert_eq!(h.pair.a.stats().incoming_unacked, 0, "{version}: forgotten");
        h.pair.b.send(&Packet::Publish(p)).unwrap();
        h.drive().unwrap();
        assert_eq!(
            messages(&h.events).len(),
            2,
            "{version}: delivered again, as a new message"
        );
    }
}

/// The acknowledgements the client sends (5.0 and 3.1.1): each carries the Packet Identifier
/// of what it answers ([MQTT-2.3.1-6] in 3.1.1, [MQTT-2.2.1-5] in 5.0), PUBREL has the flags
/// 0010 ([MQTT-3.6.1-1] both versions), and in 5.0 each goes out in its shortest form:
/// Reason Code 0x00 Success, which is in every acknowledgement's list ([MQTT-3.4.2-1],
/// [MQTT-3.5.2-1], [MQTT-3.6.2-1], [MQTT-3.7.2-1]), and no Reason String or User Property, so
/// none can push it over the server's Maximum Packet Size ([MQTT-3.4.2-2], [MQTT-3.4.2-3],
/// [MQTT-3.5.2-2], [MQTT-3.5.2-3], [MQTT-3.6.2-2], [MQTT-3.6.2-3], [MQTT-3.7.2-2],
/// [MQTT-3.7.2-3]). The client never sends a failing PUBREC, so [MQTT-4.3.3-9] never applies.
#[test]
fn acknowledgements_go_out_successful_and_without_properties() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut h = ClientHarness::new(v(version));
        if version == ProtocolVersion::V5 {
            h.broker()
                .set_connack_properties(&[Property::MaximumPacketSize(16)])
                .unwrap();
        }
        h.connect().unwrap();
        h.pair.b.auto_ack = false;
        h.pair.b.clear_received();
        // Incoming QoS 1 and QoS 2, and an outgoing QoS 2 answered with PUBREC.
        h.pair
            .b
            .send(&Packet::Publish(qos_publish("a", 3, QoS::AtLeastOnce)))
            .unwrap();
        h.pair
            .b
            .send(&Packet::Publish(qos_publish("b", 4, QoS::ExactlyOnce)))
            .unwrap();
        h.drive().unwrap();
        h.pair
            .b
            .send(&Packet::PubRel(crate::codec::PubRel::new(super::id(4))))
            .unwrap();
        let out = h
            .client()
            .publish("c", b"x", QoS::ExactlyOnce, false, Properties::empty())
            .unwrap()
            .unwrap();
        h.drive().unwrap();
        h.pair.b.send(&Packet::PubRec(PubRec::new(out))).unwrap();
        h.drive().unwrap();
        let [hi, lo] = out.get().to_be_bytes();
        let acks: Vec<Vec<u8>> = h
            .pair
            .b
            .received()
            .iter()
            .filter(|p| matches!(p.first(), Some(0x40 | 0x50 | 0x62 | 0x70)))
            .cloned()
            .collect();
        assert_eq!(
            acks,
            vec![
                vec![0x40, 0x02, 0x00, 0x03],
                vec![0x50, 0x02, 0x00, 0x04],
                vec![0x70, 0x02, 0x00, 0x04],
                vec![0x62, 0x02, hi, lo],
            ],
            "{version}: PUBACK 3, PUBREC 4, PUBCOMP 4, PUBREL {out}, each in its shortest form"
        );
        assert!(h.pair.a.is_connected(), "{version}");
    }
}

/// [MQTT-4.3.2-3] (QoS 1 unacknowledged until PUBACK), [MQTT-4.3.3-2] (QoS 2 PUBLISH goes out
/// with DUP 0), [MQTT-4.3.3-3] (unacknowledged until PUBREC), [MQTT-4.3.3-5] (PUBREL
/// unacknowledged until PUBCOMP), [MQTT-4.3.3-6] (no PUBLISH again once PUBREL was sent), all
/// 5.0 ([MQTT-4.3.2-1] and [MQTT-4.3.3-1] in 3.1.1); in 3.1.1 the resends keep their Packet
/// Identifiers [MQTT-2.3.1-3] and their original order [MQTT-4.6.0-1]. Checked across a reconnect that resumes the session, the one moment
/// a client sends anything again.
#[test]
fn a_publish_stays_unacknowledged_until_its_acknowledgement() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut cfg = v(version);
        cfg.clean_start = false;
        if version == ProtocolVersion::V5 {
            cfg.session_expiry = 600;
        }
        let mut h = connected(cfg);
        h.pair.b.auto_ack = false;
        let send = |h: &mut ClientHarness, topic: &str, qos: QoS| {
            h.client()
                .publish(topic, b"x", qos, false, Properties::empty())
                .unwrap()
                .unwrap()
                .get()
        };
        let a = send(&mut h, "a", QoS::AtLeastOnce);
        let b = send(&mut h, "b", QoS::ExactlyOnce);
        let c = send(&mut h, "c", QoS::ExactlyOnce);
        h.drive().unwrap();
        let first: Vec<(PacketType, u16, bool)> = sequence(&h);
        assert_eq!(
            first,
            vec![
                (PacketType::Publish, a, false),
                (PacketType::Publish, b, false),
                (PacketType::Publish, c, false),
            ],
            "{version}: first sent with DUP 0"
        );
        // Only `c` gets its PUBREC: the client moves it to PUBREL.
        h.pair
            .b
            .send(&Packet::PubRec(PubRec::new(super::id(c))))
            .unwrap();
        h.drive().unwrap();
        assert_eq!(
            h.pair.a.stats().inflight,
            3,
            "{version}: none acknowledged yet"
        );
        h.pair.close();
        h.pair.b.clear_received();
        h.advance(Duration::from_secs(2)).unwrap();
        assert!(h.pair.a.is_connected(), "{version}");
        assert_eq!(
            sequence(&h),
            vec![
                (PacketType::Publish, a, true),
                (PacketType::Publish, b, true),
                (PacketType::PubRel, c, false),
            ],
            "{version}: a and b again with DUP 1 and their ids, in order; c only as PUBREL"
        );
        // The acknowledgements end each exchange, and nothing is acknowledged early.
        h.pair
            .b
            .send(&Packet::PubAck(PubAck::new(super::id(a))))
            .unwrap();
        h.pair
            .b
            .send(&Packet::PubComp(crate::codec::PubComp::new(super::id(c))))
            .unwrap();
        h.drive().unwrap();
        assert_eq!(acked(&h.events), vec![a, c], "{version}");
        assert_eq!(
            h.pair.a.stats().inflight,
            1,
            "{version}: b waits for PUBREC"
        );
    }
}

/// [MQTT-4.3.3-13]: the receiver of a QoS 2 message goes on with the acknowledgements even
/// when the message's expiry has passed meanwhile.
#[test]
fn an_incoming_qos2_exchange_completes_after_its_message_expired() {
    let mut h = connected(v(ProtocolVersion::V5));
    let expiry = [Property::MessageExpiryInterval(1)];
    let mut p = qos_publish("t", 5, QoS::ExactlyOnce);
    p.properties = Properties::new(&expiry);
    h.pair.b.send(&Packet::Publish(p)).unwrap();
    h.drive().unwrap();
    h.advance(Duration::from_secs(10)).unwrap();
    h.pair.b.clear_received();
    h.pair
        .b
        .send(&Packet::PubRel(crate::codec::PubRel::new(super::id(5))))
        .unwrap();
    h.drive().unwrap();
    assert_eq!(types(&h), vec![PacketType::PubComp]);
    assert_eq!(messages(&h.events).len(), 1);
    assert_eq!(h.pair.a.stats().incoming_unacked, 0);
    assert!(h.pair.a.is_connected());
}

/// After its DISCONNECT the client is done with the connection: it sends nothing more
/// ([MQTT-3.14.4-1] in 5.0, [MQTT-3.14.4-2] in 3.1.1), runs no timer and reports
/// `Disconnected`, the driver's signal to close the transport ([MQTT-3.14.4-2] in 5.0,
/// [MQTT-3.14.4-1] in 3.1.1: the core owns no socket; `bindings/tokio` closes it on that event).
#[test]
fn after_disconnect_the_client_is_done_with_the_connection() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut cfg = v(version);
        cfg.keep_alive = 5;
        let mut h = connected(cfg);
        h.pair.b.clear_received();
        h.client().disconnect().unwrap();
        h.drive().unwrap();
        assert_eq!(types(&h), vec![PacketType::Disconnect], "{version}");
        assert!(h.events.iter().any(|e| matches!(e, Event::Disconnected)));
        assert_eq!(h.client().state(), State::Idle, "{version}");
        assert_eq!(h.client().poll_timeout(), None, "{version}: no timer left");
        h.advance(Duration::from_secs(60)).unwrap();
        assert_eq!(
            types(&h),
            vec![PacketType::Disconnect],
            "{version}: nothing after it"
        );
    }
}
