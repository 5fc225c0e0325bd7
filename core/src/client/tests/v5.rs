//! MQTT 5 features: topic aliases, maximum packet size, enhanced authentication.

use alloc::string::String;
use alloc::vec;
use core::time::Duration;

use super::*;
#[cfg(feature = "topic-alias")]
use crate::codec::Subscription;
use crate::codec::{DisconnectReason, Packet, PacketType, Property, Publish, QoS, ReasonCode};
use crate::error::{Error, ProtocolError};

fn with_aliases(max: u16) -> ClientHarness {
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker()
        .set_connack_properties(&[Property::TopicAliasMaximum(max)])
        .unwrap();
    h.connect().unwrap();
    h.pair.b.clear_received();
    h
}

fn sent_publishes(h: &ClientHarness) -> Vec<(String, Option<u16>, bool)> {
    h.pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((String::from(p.topic), p.properties.topic_alias(), p.dup)),
            _ => None,
        })
        .collect()
}

#[cfg(feature = "topic-alias")]
#[test]
fn outgoing_topic_aliases_are_assigned_reused_and_bounded() {
    // [MQTT-3.2.2-17] (5.0): no Topic Alias above the server's Topic Alias Maximum.
    let mut h = with_aliases(2);
    for t in [
        "dev/a/telemetry",
        "dev/a/telemetry",
        "dev/b/telemetry",
        "dev/c/telemetry",
        "dev/b/telemetry",
    ] {
        h.client()
            .publish(t, b"1", QoS::AtMostOnce, false, Properties::empty())
            .unwrap();
    }
    h.drive().unwrap();
    assert_eq!(
        sent_publishes(&h),
        vec![
            ("dev/a/telemetry".into(), Some(1), false),
            (String::new(), Some(1), false),
            ("dev/b/telemetry".into(), Some(2), false),
            ("dev/c/telemetry".into(), None, false),
            (String::new(), Some(2), false),
        ]
    );
}

#[test]
fn no_aliases_when_the_server_allows_none_or_in_3_1_1() {
    // [MQTT-3.2.2-18] (5.0): no Topic Alias Maximum from the server, no Topic Alias.
    let mut h = with_aliases(0);
    h.client()
        .publish(
            "dev/a/telemetry",
            b"1",
            QoS::AtMostOnce,
            false,
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    assert_eq!(
        sent_publishes(&h),
        vec![("dev/a/telemetry".into(), None, false)]
    );
}

#[test]
fn resends_never_use_an_alias() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.clean_start = false;
    cfg.session_expiry = 60;
    let mut h = ClientHarness::new(cfg);
    h.broker()
        .set_connack_properties(&[Property::TopicAliasMaximum(5)])
        .unwrap();
    h.connect().unwrap();
    h.pair.b.auto_ack = false;
    for _ in 0..2 {
        h.client()
            .publish(
                "dev/a/telemetry",
                b"1",
                QoS::AtLeastOnce,
                false,
                Properties::empty(),
            )
            .unwrap();
    }
    h.drive().unwrap();
    h.pair.close();
    h.pair.b.clear_received();
    h.advance(Duration::from_secs(2)).unwrap();
    assert_eq!(
        sent_publishes(&h),
        vec![
            ("dev/a/telemetry".into(), None, true),
            ("dev/a/telemetry".into(), None, true),
        ]
    );
}

#[cfg(feature = "topic-alias")]
#[test]
fn incoming_aliases_are_resolved_and_invalid_ones_end_the_connection() {
    let mut h = connected(config(ProtocolVersion::V5));
    h.client()
        .subscribe(
            &[Subscription::new("in/#", QoS::AtMostOnce)],
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    let alias = [Property::TopicAlias(3), Property::ContentType("text/plain")];
    let first = Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "in/long/topic",
        packet_id: None,
        properties: Properties::new(&alias),
        payload: b"1",
    };
    h.pair.b.send(&Packet::Publish(first)).unwrap();
    h.pair
        .b
        .send(&Packet::Publish(Publish {
            topic: "",
            payload: b"2",
            ..first
        }))
        .unwrap();
    h.drive().unwrap();
    let got = messages(&h.events);
    assert_eq!(
        got,
        vec![
            ("in/long/topic".into(), b"1".to_vec()),
            ("in/long/topic".into(), b"2".to_vec())
        ]
    );
    let props: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.properties.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        props[1].as_properties().topic_alias(),
        None,
        "the alias is removed"
    );
    assert_eq!(props[1].as_properties().content_type(), Some("text/plain"));
    // An unknown alias (never set) with an empty topic is a Protocol Error: DISCONNECT 0x82
    // (MQTT 5.0 §3.3.4).
    let unknown = [Property::TopicAlias(4)];
    h.pair
        .b
        .send(&Packet::Publish(Publish {
            topic: "",
            properties: Properties::new(&unknown),
            ..first
        }))
        .unwrap();
    h.drive().unwrap();
    match h.pair.b.received_packets().last() {
        Some(Packet::Disconnect(d)) => assert_eq!(d.reason, DisconnectReason::ProtocolError),
        other => panic!("{other:?}"),
    }
    assert!(h.events.iter().any(|e| matches!(e, Event::ConnectionLost(l)
        if l.error == Error::Protocol(ProtocolError::TopicAliasUnknown))));
}

#[cfg(feature = "topic-alias")]
#[test]
fn alias_above_our_maximum_is_refused() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.topic_alias_maximum = 2;
    let mut h = connected(cfg);
    let alias = [Property::TopicAlias(3)];
    h.pair
        .b
        .send(&Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "t",
            packet_id: None,
            properties: Properties::new(&alias),
            payload: b"",
        }))
        .unwrap();
    h.drive().unwrap();
    assert!(!h.pair.a.is_connected());
}

/// Without the `topic-alias` feature the client announces no Topic Alias Maximum, assigns no
/// alias, refuses a config that asks for aliases, and takes an incoming alias as the Protocol
/// Error 0x94 (Topic Alias invalid) that an alias above a maximum of 0 is [MQTT-3.3.2-9].
#[cfg(not(feature = "topic-alias"))]
#[test]
fn without_topic_aliases_none_are_announced_assigned_or_accepted() {
    let mut cfg = config(ProtocolVersion::V5);
    assert_eq!(
        (cfg.topic_alias_maximum, cfg.outgoing_topic_aliases),
        (0, 0)
    );
    cfg.topic_alias_maximum = 1;
    assert!(cfg.validate().is_err());
    cfg.topic_alias_maximum = 0;
    cfg.outgoing_topic_aliases = 1;
    assert!(cfg.validate().is_err());
    // The server allows aliases; the client uses none.
    let mut h = with_aliases(8);
    for _ in 0..2 {
        h.client()
            .publish(
                "dev/a/telemetry",
                b"1",
                QoS::AtMostOnce,
                false,
                Properties::empty(),
            )
            .unwrap();
    }
    h.drive().unwrap();
    assert_eq!(
        sent_publishes(&h),
        vec![
            (String::from("dev/a/telemetry"), None, false),
            (String::from("dev/a/telemetry"), None, false),
        ]
    );
    let alias = [Property::TopicAlias(1)];
    h.pair
        .b
        .send(&Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: "t",
            packet_id: None,
            properties: Properties::new(&alias),
            payload: b"",
        }))
        .unwrap();
    h.drive().unwrap();
    assert!(!h.pair.a.is_connected());
    assert!(h.events.iter().any(|e| matches!(e, Event::ConnectionLost(l)
        if l.error == Error::Protocol(ProtocolError::TopicAliasInvalid))));
    assert!(!h.events.iter().any(|e| matches!(e, Event::Message(_))));
}

/// Without the `enhanced-auth` feature a config with an Authentication Method is refused,
/// CONNECT carries none, and an AUTH from the server is an unexpected packet [MQTT-4.12.0-6].
#[cfg(not(feature = "enhanced-auth"))]
#[test]
fn without_enhanced_authentication_auth_is_refused() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.auth_method = Some("SCRAM-SHA-1".into());
    assert!(cfg.validate().is_err());
    let mut h = connected(config(ProtocolVersion::V5));
    match h.pair.b.received_packets().next() {
        Some(Packet::Connect(c)) => assert_eq!(c.properties.authentication_method(), None),
        other => panic!("{other:?}"),
    }
    assert!(h.client().reauthenticate(b"x").is_err());
    assert!(h.client().auth_continue(b"x").is_err());
    h.pair
        .b
        .send(&Packet::Auth(crate::codec::Auth::new(
            crate::codec::AuthReason::ContinueAuthentication,
        )))
        .unwrap();
    h.drive().unwrap();
    assert!(h.events.iter().any(|e| matches!(e, Event::ConnectionLost(l)
        if l.error == Error::Protocol(ProtocolError::UnexpectedPacket(PacketType::Auth)))));
}

#[test]
fn maximum_packet_size_both_ways() {
    // Outgoing: refused at once.
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker()
        .set_connack_properties(&[Property::MaximumPacketSize(64)])
        .unwrap();
    h.connect().unwrap();
    let big = [0u8; 100];
    assert!(matches!(
        h.client()
            .publish("t", &big, QoS::AtLeastOnce, false, Properties::empty()),
        Err(Error::Usage(UsageError::PacketTooLarge { max: 64, .. }))
    ));
    assert_eq!(h.pair.a.stats().queued_messages, 0);
    // Incoming: over what we announced is a fault with DISCONNECT 0x95, before buffering it.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.maximum_packet_size = 128;
    let mut h = connected(cfg);
    h.pair.chunk = 7;
    h.pair
        .b
        .publish_to_client("t", &[1u8; 200], QoS::AtMostOnce, false);
    h.drive().unwrap();
    match h.pair.b.received_packets().last() {
        Some(Packet::Disconnect(d)) => assert_eq!(d.reason, DisconnectReason::PacketTooLarge),
        other => panic!("{other:?}"),
    }
    assert!(h.events.iter().any(|e| matches!(e, Event::ConnectionLost(l)
        if matches!(l.error, Error::Malformed { violation: crate::codec::Violation::PacketTooLarge { .. }, .. }))));
    assert!(h.pair.a.stats().rx_buffered <= 128);
}

#[cfg(feature = "enhanced-auth")]
#[test]
fn enhanced_authentication_and_reauthentication() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.auth_method = Some("SCRAM-SHA-1".into());
    cfg.auth_data = Some(b"client-first".to_vec());
    let mut h = ClientHarness::new(cfg);
    h.broker().auth_challenge = Some(b"server-first".to_vec());
    h.connect().unwrap();
    assert!(!h.pair.a.is_connected());
    let challenge = h.events.iter().find_map(|e| match e {
        Event::AuthChallenge { method, data, .. } => Some((method.clone(), data.clone())),
        _ => None,
    });
    assert_eq!(
        challenge,
        Some(("SCRAM-SHA-1".into(), Some(b"server-first".to_vec())))
    );
    h.client().auth_continue(b"client-final").unwrap();
    assert!(matches!(
        h.client().auth_continue(b"again"),
        Err(Error::Usage(UsageError::InvalidState(_)))
    ));
    h.drive().unwrap();
    assert!(h.pair.a.is_connected());
    // [MQTT-4.12.0-3]: the answer to the server's AUTH is AUTH 0x18; [MQTT-4.12.0-5]: it
    // carries CONNECT's Authentication Method.
    match h.pair.b.received_packets().nth(1) {
        Some(Packet::Auth(a)) => {
            assert_eq!(a.reason, crate::codec::AuthReason::ContinueAuthentication);
            assert_eq!(a.properties.authentication_method(), Some("SCRAM-SHA-1"));
            assert_eq!(
                a.properties.authentication_data(),
                Some(&b"client-final"[..])
            );
        }
        other => panic!("{other:?}"),
    }
    h.client().reauthenticate(b"again").unwrap();
    h.drive().unwrap();
    // [MQTT-4.12.1-1]: re-authentication is AUTH 0x19 with the same Authentication Method.
    let reauth = h.pair.b.received_packets().find_map(|p| match p {
        Packet::Auth(a) if a.reason == crate::codec::AuthReason::ReAuthenticate => Some(
            a.properties
                .authentication_method()
                .map(alloc::string::String::from),
        ),
        _ => None,
    });
    assert_eq!(reauth, Some(Some("SCRAM-SHA-1".into())));
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::Reauthenticated { .. }))
    );
    // Without an auth method, re-authentication is refused and AUTH from the server is a fault:
    // the client sends no AUTH [MQTT-4.12.0-7].
    let mut h = connected(config(ProtocolVersion::V5));
    assert!(h.client().reauthenticate(b"x").is_err());
    assert!(h.client().auth_continue(b"x").is_err());
    h.pair
        .b
        .send(&Packet::Auth(crate::codec::Auth::new(
            crate::codec::AuthReason::ContinueAuthentication,
        )))
        .unwrap();
    h.drive().unwrap();
    assert!(h.events.iter().any(|e| matches!(e, Event::ConnectionLost(l)
        if l.error == Error::Protocol(ProtocolError::UnexpectedPacket(PacketType::Auth)))));
    assert!(!h.pair.b.received_types().contains(&PacketType::Auth));
}

#[test]
fn puback_failure_codes_reach_the_app() {
    let mut h = connected(config(ProtocolVersion::V5));
    h.pair.b.ack_reason = crate::codec::PubAckReason::NotAuthorized;
    let one = h
        .client()
        .publish("t", b"", QoS::AtLeastOnce, false, Properties::empty())
        .unwrap()
        .unwrap();
    let two = h
        .client()
        .publish("t", b"", QoS::ExactlyOnce, false, Properties::empty())
        .unwrap()
        .unwrap();
    h.drive().unwrap();
    let results: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::PublishAcked {
                packet_id, reason, ..
            } => Some((*packet_id, *reason)),
            Event::PublishCompleted {
                packet_id, reason, ..
            } => Some((*packet_id, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        results,
        vec![
            (one, ReasonCode::NotAuthorized),
            (two, ReasonCode::NotAuthorized)
        ]
    );
    assert_eq!(h.pair.a.stats().inflight, 0);
    assert!(!h.pair.b.received_types().contains(&PacketType::PubRel));
}
