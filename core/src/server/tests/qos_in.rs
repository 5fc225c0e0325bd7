//! PUBLISHes from the client: QoS 0/1/2, acknowledgement modes, duplicates, aliases, limits.

use std::string::ToString;
use std::vec;

use super::*;
use crate::codec::{PacketId, PubRel, Publish};
use crate::error::{Error, ProtocolError, UsageError};

fn publish<'a>(
    topic: &'a str,
    qos: QoS,
    packet_id: Option<u16>,
    props: &'a [Property<'a>],
) -> Packet<'a> {
    Packet::Publish(Publish {
        dup: false,
        qos,
        retain: false,
        topic,
        packet_id: packet_id.and_then(PacketId::new),
        properties: Properties::new(props),
        payload: b"payload",
    })
}

fn only_publish(events: &[ServerEvent]) -> &InboundPublish {
    match events {
        [ServerEvent::Publish(p)] => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn qos0_is_surfaced_without_acknowledgement() {
    for version in [V3, V5] {
        let mut c = connected(version);
        c.send(publish("a/b", QoS::AtMostOnce, None, &[]));
        let events = c.events();
        let p = only_publish(&events);
        assert_eq!(
            p.message,
            ServerMessage::new("a/b", b"payload".to_vec(), QoS::AtMostOnce)
        );
        assert_eq!(p.packet_id, None);
        assert!(c.recv().is_empty());
    }
}

#[test]
fn qos1_is_acknowledged_once_the_event_is_polled() {
    for version in [V3, V5] {
        let mut c = connected(version);
        c.send(publish("a", QoS::AtLeastOnce, Some(7), &[]));
        assert!(
            c.recv().is_empty(),
            "not before the broker took the message"
        );
        let events = c.events();
        assert_eq!(only_publish(&events).packet_id, Some(id(7)));
        assert_eq!(c.recv(), vec![Out::PubAck(7, PubAckReason::Success)]);
    }
}

#[test]
fn qos2_is_surfaced_once_until_released() {
    for version in [V3, V5] {
        let mut c = connected(version);
        c.send(publish("a", QoS::ExactlyOnce, Some(9), &[]));
        // A retransmission before the broker polled is dropped.
        c.send(publish("a", QoS::ExactlyOnce, Some(9), &[]));
        assert_eq!(c.events().len(), 1);
        assert_eq!(c.recv(), vec![Out::PubRec(9, PubAckReason::Success)]);
        // A retransmission after PUBREC gets PUBREC again, and no event.
        c.send(publish("a", QoS::ExactlyOnce, Some(9), &[]));
        assert!(c.events().is_empty());
        assert_eq!(c.recv(), vec![Out::PubRec(9, PubAckReason::Success)]);
        c.send(Packet::PubRel(PubRel::new(id(9))));
        assert_eq!(c.recv(), vec![Out::PubComp(9, PubRelReason::Success)]);
        // Released: the id is new again.
        c.send(publish("b", QoS::ExactlyOnce, Some(9), &[]));
        assert_eq!(only_publish(&c.events()).message.topic, "b");
    }
}

#[test]
fn unknown_pubrel_gets_packet_identifier_not_found() {
    let mut c = connected(V5);
    c.send(Packet::PubRel(PubRel::new(id(4))));
    assert_eq!(
        c.recv(),
        vec![Out::PubComp(4, PubRelReason::PacketIdentifierNotFound)]
    );
    assert_eq!(c.server.state(), ServerState::Connected);
    let mut c = connected(V3);
    c.send(Packet::PubRel(PubRel::new(id(4))));
    assert_eq!(c.recv(), vec![Out::PubComp(4, PubRelReason::Success)]);
}

#[test]
fn manual_acks_carry_the_brokers_reason() {
    let mut cfg = ServerConfig::default();
    cfg.manual_acks = true;
    let mut c = connected_with(cfg.clone(), V5);
    c.send(publish("a", QoS::AtLeastOnce, Some(1), &[]));
    c.send(publish("a", QoS::ExactlyOnce, Some(2), &[]));
    assert_eq!(c.events().len(), 2);
    assert!(c.recv().is_empty(), "nothing until ack");
    c.server
        .ack(id(1), PubAckReason::NoMatchingSubscribers)
        .unwrap();
    c.server.ack(id(2), PubAckReason::QuotaExceeded).unwrap();
    assert_eq!(
        c.recv(),
        vec![
            Out::PubAck(1, PubAckReason::NoMatchingSubscribers),
            Out::PubRec(2, PubAckReason::QuotaExceeded)
        ]
    );
    assert_eq!(
        c.server.ack(id(1), PubAckReason::Success),
        Err(Error::Usage(UsageError::InvalidArgument(
            "no PUBLISH with this packet id awaits an acknowledgement"
        )))
    );
    // The refused QoS 2 exchange is over: its PUBREL is unknown.
    c.send(Packet::PubRel(PubRel::new(id(2))));
    assert_eq!(
        c.recv(),
        vec![Out::PubComp(2, PubRelReason::PacketIdentifierNotFound)]
    );

    // 3.1.1 cannot carry a reason.
    let mut c = connected_with(cfg, V3);
    c.send(publish("a", QoS::AtLeastOnce, Some(1), &[]));
    let _ = c.events();
    c.server.ack(id(1), PubAckReason::NotAuthorized).unwrap();
    assert_eq!(c.recv(), vec![Out::PubAck(1, PubAckReason::Success)]);

    // In automatic mode, ack is a misuse.
    let mut c = connected(V5);
    assert!(matches!(
        c.server.ack(id(1), PubAckReason::Success),
        Err(Error::Usage(UsageError::InvalidState(_)))
    ));
}

fn fault(c: &mut Client, expected_wire: Option<DisconnectReason>, expected: ProtocolError) {
    let out = c.recv();
    match expected_wire {
        Some(reason) => assert!(
            matches!(out.as_slice(), [Out::Disconnect(r, Some(_))] if *r == reason),
            "{out:?}"
        ),
        None => assert!(out.is_empty(), "{out:?}"),
    }
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::PeerFault(Error::Protocol(expected)))
    );
    assert_eq!(c.server.state(), ServerState::Closed);
}

#[test]
fn receive_maximum_is_enforced() {
    let mut cfg = ServerConfig::default();
    cfg.receive_maximum = 2;
    for version in [V3, V5] {
        let mut c = connected_with(cfg.clone(), version);
        c.send(publish("a", QoS::AtLeastOnce, Some(1), &[]));
        c.send(publish("a", QoS::ExactlyOnce, Some(2), &[]));
        c.send(publish("a", QoS::AtMostOnce, None, &[]));
        c.send(publish("a", QoS::AtLeastOnce, Some(3), &[]));
        let wire = (version == V5).then_some(DisconnectReason::ReceiveMaximumExceeded);
        fault(&mut c, wire, ProtocolError::ReceiveMaximumExceeded);
    }
}

#[test]
fn qos_and_retain_above_what_was_announced_are_faults() {
    let mut c = connected_with(ServerConfig::iotda(), V5);
    c.send(publish("a", QoS::ExactlyOnce, Some(1), &[]));
    fault(
        &mut c,
        Some(DisconnectReason::QosNotSupported),
        ProtocolError::QosNotAllowed,
    );

    let mut c = connected_with(ServerConfig::iotda(), V3);
    c.send(publish("a", QoS::ExactlyOnce, Some(1), &[]));
    fault(&mut c, None, ProtocolError::QosNotAllowed);

    let mut c = connected_with(ServerConfig::iotda(), V5);
    c.send(Packet::Publish(Publish {
        retain: true,
        ..Publish::new("a", b"")
    }));
    fault(
        &mut c,
        Some(DisconnectReason::RetainNotSupported),
        ProtocolError::RetainNotSupported,
    );
}

#[test]
fn topic_aliases_are_resolved_within_our_maximum() {
    let mut c = connected(V5);
    c.send(publish(
        "long/topic/name",
        QoS::AtMostOnce,
        None,
        &[Property::TopicAlias(3)],
    ));
    c.send(publish(
        "",
        QoS::AtLeastOnce,
        Some(1),
        &[Property::TopicAlias(3)],
    ));
    let events = c.events();
    let topics: Vec<&str> = events
        .iter()
        .map(|e| match e {
            ServerEvent::Publish(p) => p.message.topic.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(topics, ["long/topic/name", "long/topic/name"]);

    let mut c = connected(V5);
    c.send(publish(
        "",
        QoS::AtMostOnce,
        None,
        &[Property::TopicAlias(2)],
    ));
    // An alias with no mapping yet is a plain Protocol Error (MQTT 5.0 §3.3.4).
    fault(
        &mut c,
        Some(DisconnectReason::ProtocolError),
        ProtocolError::TopicAliasUnknown,
    );

    let mut c = connected(V5);
    c.send(publish(
        "t",
        QoS::AtMostOnce,
        None,
        &[Property::TopicAlias(11)],
    ));
    fault(
        &mut c,
        Some(DisconnectReason::TopicAliasInvalid),
        ProtocolError::TopicAliasInvalid,
    );

    let mut cfg = ServerConfig::default();
    cfg.topic_alias_maximum = 0;
    let mut c = connected_with(cfg, V5);
    c.send(publish(
        "t",
        QoS::AtMostOnce,
        None,
        &[Property::TopicAlias(1)],
    ));
    fault(
        &mut c,
        Some(DisconnectReason::TopicAliasInvalid),
        ProtocolError::TopicAliasInvalid,
    );
}

#[test]
fn message_properties_pass_through() {
    let mut c = connected(V5);
    let props = [
        Property::ContentType("application/json"),
        Property::ResponseTopic("reply/here"),
        Property::CorrelationData(b"\x01\x02"),
        Property::MessageExpiryInterval(30),
        Property::PayloadFormatIndicator(true),
        Property::UserProperty("k1", "v1"),
        Property::UserProperty("k1", "v2"),
    ];
    c.send(publish("a", QoS::AtMostOnce, None, &props));
    let events = c.events();
    let m = &only_publish(&events).message.properties;
    assert_eq!(m.content_type.as_deref(), Some("application/json"));
    assert_eq!(m.response_topic.as_deref(), Some("reply/here"));
    assert_eq!(m.correlation_data.as_deref(), Some(&[1u8, 2][..]));
    assert_eq!(m.message_expiry_interval, Some(30));
    assert_eq!(m.payload_format_indicator, Some(true));
    assert_eq!(
        m.user_properties,
        vec![
            ("k1".to_string(), "v1".to_string()),
            ("k1".to_string(), "v2".to_string())
        ]
    );
}

#[test]
fn a_subscription_identifier_from_the_client_is_a_protocol_error() {
    let mut c = connected(V5);
    c.send(publish(
        "a",
        QoS::AtMostOnce,
        None,
        &[Property::SubscriptionIdentifier(4)],
    ));
    fault(
        &mut c,
        Some(DisconnectReason::ProtocolError),
        ProtocolError::PropertyNotAllowed(crate::codec::PropertyId::SubscriptionIdentifier),
    );
}

#[test]
fn reusing_an_unacknowledged_id_at_another_qos_is_a_protocol_error() {
    let mut c = connected(V5);
    c.send(publish("a", QoS::AtLeastOnce, Some(5), &[]));
    c.send(publish("a", QoS::ExactlyOnce, Some(5), &[]));
    let out = c.recv();
    assert!(
        matches!(
            out.as_slice(),
            [Out::Disconnect(DisconnectReason::ProtocolError, _)]
        ),
        "{out:?}"
    );
    let events = c.events();
    assert!(matches!(events[0], ServerEvent::Publish(_)));
    assert_eq!(
        closed(&events),
        Some(&CloseCause::PeerFault(Error::Protocol(
            ProtocolError::PacketIdInUse(5)
        )))
    );
    // The event of the first PUBLISH was polled after the close: no PUBACK goes out.
    assert!(c.recv().is_empty());
}
