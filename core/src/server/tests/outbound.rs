//! Messages to the client: QoS flows, the in-flight window, size, expiry, aliases, delivery
//! rules, Will, and sessions that outlive a connection.

use core::time::Duration;
use std::string::ToString;
use std::vec;

use super::*;
use crate::codec::{
    Disconnect, PacketId, PubAck, PubComp, PubRec, Subscribe, Subscription, SubscriptionOptions,
    Will,
};
use crate::error::{Error, ProtocolError, UsageError};

fn msg(topic: &str, qos: QoS) -> ServerMessage {
    ServerMessage::new(topic, b"data".to_vec(), qos)
}

fn publishes(out: &[Out]) -> Vec<&OutPublish> {
    out.iter()
        .map(|o| match o {
            Out::Publish(p) => p,
            other => panic!("not a PUBLISH: {other:?}"),
        })
        .collect()
}

fn connected_props(props: &[Property<'_>], config: ServerConfig) -> Client {
    let mut c = Client::new(config, V5);
    c.send_connect("c1", 60, props);
    let _ = c.events();
    c.server.accept(c.now, ConnectAccept::default()).unwrap();
    let _ = c.recv();
    let _ = c.events();
    c
}

#[test]
fn qos0_1_2_flows() {
    for version in [V3, V5] {
        let mut c = connected(version);
        assert_eq!(c.server.publish(c.now, msg("a", QoS::AtMostOnce)), Ok(None));
        let one = c
            .server
            .publish(c.now, msg("b", QoS::AtLeastOnce))
            .unwrap()
            .unwrap();
        let two = c
            .server
            .publish(c.now, msg("c", QoS::ExactlyOnce))
            .unwrap()
            .unwrap();
        let out = c.recv();
        let p = publishes(&out);
        assert_eq!(
            p.iter()
                .map(|p| (p.topic.as_str(), p.qos, p.packet_id))
                .collect::<Vec<_>>(),
            [
                ("a", QoS::AtMostOnce, None),
                ("b", QoS::AtLeastOnce, Some(one.get())),
                ("c", QoS::ExactlyOnce, Some(two.get()))
            ]
        );
        assert!(p.iter().all(|p| !p.dup && p.payload == b"data"));
        assert_eq!(c.server.pending_messages(), 2);

        c.send(Packet::PubAck(PubAck::new(one)));
        c.send(Packet::PubRec(PubRec::new(two)));
        assert_eq!(
            c.recv(),
            vec![Out::PubRel(two.get(), PubRelReason::Success)]
        );
        // A repeated PUBREC gets the PUBREL again.
        c.send(Packet::PubRec(PubRec::new(two)));
        assert_eq!(
            c.recv(),
            vec![Out::PubRel(two.get(), PubRelReason::Success)]
        );
        c.send(Packet::PubComp(PubComp::new(two)));
        assert_eq!(
            c.events(),
            vec![
                ServerEvent::Delivered {
                    packet_id: one,
                    reason: PubAckReason::Success
                },
                ServerEvent::Delivered {
                    packet_id: two,
                    reason: PubAckReason::Success
                },
            ]
        );
        assert_eq!(c.server.pending_messages(), 0);
    }
}

#[test]
fn refused_and_unknown_acknowledgements() {
    let mut c = connected(V5);
    let two = c
        .server
        .publish(c.now, msg("c", QoS::ExactlyOnce))
        .unwrap()
        .unwrap();
    let _ = c.recv();
    let mut rec = PubRec::new(two);
    rec.reason = PubAckReason::NotAuthorized;
    c.send(Packet::PubRec(rec));
    assert!(c.recv().is_empty(), "no PUBREL after a refusal");
    assert_eq!(
        c.events(),
        vec![ServerEvent::Delivered {
            packet_id: two,
            reason: PubAckReason::NotAuthorized
        }]
    );
    // PUBREC for an id not in flight: PUBREL Packet Identifier not found.
    c.send(Packet::PubRec(PubRec::new(id(300))));
    assert_eq!(
        c.recv(),
        vec![Out::PubRel(300, PubRelReason::PacketIdentifierNotFound)]
    );
    // PUBACK for an id not in flight: protocol error.
    c.send(Packet::PubAck(PubAck::new(id(301))));
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::ProtocolError, _)]
    ));
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::PeerFault(Error::Protocol(
            ProtocolError::UnknownPacketId(301)
        )))
    );

    let mut c = connected(V3);
    c.send(Packet::PubComp(PubComp::new(id(5))));
    assert!(c.recv().is_empty());
    assert_eq!(
        closed(&c.events()),
        Some(&CloseCause::PeerFault(Error::Protocol(
            ProtocolError::UnknownPacketId(5)
        )))
    );
}

#[test]
fn the_clients_receive_maximum_limits_the_window() {
    let mut c = connected_props(&[Property::ReceiveMaximum(2)], ServerConfig::default());
    let ids: Vec<PacketId> = (0..3)
        .map(|i| {
            let qos = if i == 1 {
                QoS::ExactlyOnce
            } else {
                QoS::AtLeastOnce
            };
            c.server.publish(c.now, msg("t", qos)).unwrap().unwrap()
        })
        .collect();
    c.server
        .publish(c.now, msg("after", QoS::AtMostOnce))
        .unwrap();
    let out = c.recv();
    assert_eq!(publishes(&out).len(), 2, "window of two");
    assert!(c.recv().is_empty());
    // PUBREC does not free the window; PUBCOMP does.
    c.send(Packet::PubRec(PubRec::new(ids[1])));
    assert_eq!(
        c.recv(),
        vec![Out::PubRel(ids[1].get(), PubRelReason::Success)]
    );
    c.send(Packet::PubComp(PubComp::new(ids[1])));
    let out = c.recv();
    let p = publishes(&out);
    // The QoS 0 message keeps its place behind the blocked QoS 1 one.
    assert_eq!(
        p.iter()
            .map(|p| (p.topic.as_str(), p.packet_id))
            .collect::<Vec<_>>(),
        [("t", Some(ids[2].get())), ("after", None)]
    );
}

#[test]
fn messages_over_the_clients_maximum_packet_size() {
    let mut c = connected_props(&[Property::MaximumPacketSize(64)], ServerConfig::default());
    let big = ServerMessage::new("t", vec![0u8; 100], QoS::AtLeastOnce);
    assert!(matches!(
        c.server.publish(c.now, big.clone()),
        Err(Error::Usage(UsageError::PacketTooLarge { max: 64, .. }))
    ));
    assert_eq!(c.server.pending_messages(), 0);
    // Queued while offline, dropped at sending time with an event.
    let mut c = resumable(V5, &[Property::MaximumPacketSize(1000)]);
    c.server.handle_closed(c.now);
    let _ = c.events();
    let queued = c.server.publish(c.now, big).unwrap().unwrap();
    let state = c.server.take_session_state().unwrap();
    let mut c2 = Client::new(ServerConfig::default(), V5);
    let out = resume(&mut c2, state, &[Property::MaximumPacketSize(64)]);
    assert!(
        matches!(
            out.as_slice(),
            [Out::Connack {
                session_present: true,
                ..
            }]
        ),
        "{out:?}"
    );
    let events = c2.events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            ServerEvent::Dropped(Dropped { packet_id: Some(p), reason: DropReason::TooLarge { max: 64, .. }, .. })
                if *p == queued
        )),
        "{events:?}"
    );
    assert_eq!(c2.server.pending_messages(), 0);
}

#[test]
fn message_expiry_counts_down_and_drops() {
    let mut c = connected_props(&[Property::ReceiveMaximum(1)], ServerConfig::default());
    let first = c
        .server
        .publish(c.now, msg("a", QoS::AtLeastOnce))
        .unwrap()
        .unwrap();
    let mut short = msg("short", QoS::AtLeastOnce);
    short.properties.message_expiry_interval = Some(10);
    let mut long = msg("long", QoS::AtLeastOnce);
    long.properties.message_expiry_interval = Some(60);
    let short_id = c.server.publish(c.now, short).unwrap();
    c.server.publish(c.now, long).unwrap();
    assert_eq!(publishes(&c.recv()).len(), 1);
    c.advance(12_500);
    c.send(Packet::PubAck(PubAck::new(first)));
    let out = c.recv();
    let p = publishes(&out);
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].topic.as_str(), p[0].expiry), ("long", Some(48)));
    let events = c.events();
    assert!(events.contains(&ServerEvent::Dropped(Dropped {
        packet_id: short_id,
        topic: "short".into(),
        reason: DropReason::Expired
    })));
}

#[test]
fn outgoing_topic_aliases_within_both_maximums() {
    let mut cfg = ServerConfig::default();
    cfg.outgoing_topic_alias_maximum = 5;
    let mut c = connected_props(&[Property::TopicAliasMaximum(2)], cfg);
    for t in ["a/long/topic", "a/long/topic", "b", "c", "b"] {
        c.server.publish(c.now, msg(t, QoS::AtMostOnce)).unwrap();
    }
    let out = c.recv();
    let sent: Vec<(&str, Option<u16>)> = publishes(&out)
        .iter()
        .map(|p| (p.topic.as_str(), p.alias))
        .collect();
    assert_eq!(
        sent,
        [
            ("a/long/topic", Some(1)),
            ("", Some(1)),
            ("b", Some(2)),
            ("c", None),
            ("", Some(2))
        ]
    );
    // The client never allowed aliases: none are sent.
    let mut cfg = ServerConfig::default();
    cfg.outgoing_topic_alias_maximum = 5;
    let mut c = connected_props(&[], cfg);
    c.server.publish(c.now, msg("a", QoS::AtMostOnce)).unwrap();
    assert_eq!(publishes(&c.recv())[0].alias, None);
}

fn subscribe(c: &mut Client, packet_id: u16, subs: &[Subscription<'_>], props: &[Property<'_>]) {
    c.send(Packet::Subscribe(Subscribe {
        packet_id: id(packet_id),
        properties: Properties::new(props),
        subscriptions: subs.into(),
    }));
    let _ = c.recv();
    let _ = c.events();
}

#[test]
fn deliver_applies_the_subscription_rules() {
    let mut c = connected(V5);
    subscribe(
        &mut c,
        1,
        &[Subscription::new("a/+", QoS::AtMostOnce)],
        &[Property::SubscriptionIdentifier(11)],
    );
    let rap = SubscriptionOptions {
        retain_as_published: true,
        ..SubscriptionOptions::qos(QoS::AtLeastOnce)
    };
    subscribe(
        &mut c,
        2,
        &[Subscription {
            filter: "a/#",
            options: rap,
        }],
        &[Property::SubscriptionIdentifier(12)],
    );
    let no_local = SubscriptionOptions {
        no_local: true,
        ..SubscriptionOptions::qos(QoS::ExactlyOnce)
    };
    subscribe(
        &mut c,
        3,
        &[Subscription {
            filter: "a/b",
            options: no_local,
        }],
        &[],
    );
    subscribe(
        &mut c,
        4,
        &[Subscription::new("$share/g/a/b", QoS::ExactlyOnce)],
        &[],
    );

    let mut m = msg("a/b", QoS::ExactlyOnce);
    m.retain = true;
    // From another client: all three plain subscriptions match; the highest QoS is 2.
    let d = c.server.deliver(c.now, &m, false).unwrap();
    assert!(matches!(
        d,
        Delivery::Queued {
            qos: QoS::ExactlyOnce,
            packet_id: Some(_)
        }
    ));
    // From this client: the No Local one is skipped.
    let d = c.server.deliver(c.now, &m, true).unwrap();
    assert!(matches!(
        d,
        Delivery::Queued {
            qos: QoS::AtLeastOnce,
            ..
        }
    ));
    assert_eq!(
        c.server.deliver(c.now, &msg("b", QoS::AtMostOnce), false),
        Ok(Delivery::NoMatch)
    );
    let d = c.server.deliver_shared(c.now, &m, "$share/g/a/b").unwrap();
    assert!(matches!(
        d,
        Delivery::Queued {
            qos: QoS::ExactlyOnce,
            ..
        }
    ));
    assert_eq!(
        c.server.deliver_shared(c.now, &m, "$share/h/a/b"),
        Ok(Delivery::NoMatch)
    );

    let out = c.recv();
    let p = publishes(&out);
    assert_eq!(p.len(), 3);
    assert_eq!(p[0].subscription_ids, vec![11, 12]);
    assert!(p[0].retain, "Retain as Published on a/#");
    assert_eq!(p[1].subscription_ids, vec![11, 12]);
    assert!(p[2].subscription_ids.is_empty());
    assert!(
        !p[2].retain,
        "RETAIN is cleared without Retain as Published"
    );
}

/// A client connected with Clean Start 0 and a Session Expiry Interval (or 3.1.1 Clean
/// Session 0), with one subscription.
fn resumable(version: ProtocolVersion, extra: &[Property<'_>]) -> Client {
    let mut c = Client::new(ServerConfig::default(), version);
    let mut props = vec![Property::SessionExpiryInterval(100)];
    props.extend_from_slice(extra);
    let props = if version == V5 { props } else { Vec::new() };
    let mut conn = connect(version, "c1", 60, Properties::new(&props));
    conn.clean_start = false;
    c.send(Packet::Connect(conn));
    let _ = c.events();
    c.server.accept(c.now, ConnectAccept::default()).unwrap();
    let _ = c.recv();
    let _ = c.events();
    subscribe(
        &mut c,
        1,
        &[Subscription::new("s/#", QoS::ExactlyOnce)],
        &[],
    );
    c
}

/// Connects `c` with Clean Start 0, resuming `state`; returns everything the server sends.
fn resume(c: &mut Client, state: ServerSessionState, props: &[Property<'_>]) -> Vec<Out> {
    let mut conn = connect(c.version, "c1", 60, Properties::new(props));
    conn.clean_start = false;
    c.send(Packet::Connect(conn));
    let _ = c.events();
    let accept = ConnectAccept {
        session: Some(state),
        ..ConnectAccept::default()
    };
    c.server.accept(c.now, accept).unwrap();
    c.recv()
}

#[test]
fn a_resumed_session_resends_with_dup_and_keeps_subscriptions() {
    for version in [V3, V5] {
        let mut c = resumable(version, &[]);
        let one = c
            .server
            .publish(c.now, msg("s/1", QoS::AtLeastOnce))
            .unwrap()
            .unwrap();
        let two = c
            .server
            .publish(c.now, msg("s/2", QoS::ExactlyOnce))
            .unwrap()
            .unwrap();
        let three = c
            .server
            .publish(c.now, msg("s/3", QoS::ExactlyOnce))
            .unwrap()
            .unwrap();
        assert_eq!(publishes(&c.recv()).len(), 3);
        c.send(Packet::PubRec(PubRec::new(three)));
        assert_eq!(c.recv().len(), 1);
        // The client also had a QoS 2 message received by the server.
        c.send(Packet::Publish(crate::codec::Publish {
            qos: QoS::ExactlyOnce,
            packet_id: PacketId::new(77),
            ..crate::codec::Publish::new("up", b"x")
        }));
        assert_eq!(c.events().len(), 1);
        assert_eq!(c.recv(), vec![Out::PubRec(77, PubAckReason::Success)]);

        c.server.handle_closed(c.now);
        let events = c.events();
        assert_eq!(
            events.last(),
            Some(&ServerEvent::Closed {
                cause: CloseCause::TransportClosed,
                session_kept: true
            })
        );
        assert_eq!(c.server.state(), ServerState::Closed);
        // While the client is away, QoS 1/2 messages queue; QoS 0 is refused.
        let four = c
            .server
            .publish(c.now, msg("s/4", QoS::AtLeastOnce))
            .unwrap()
            .unwrap();
        assert!(matches!(
            c.server.publish(c.now, msg("s/0", QoS::AtMostOnce)),
            Err(Error::Usage(UsageError::InvalidState(_)))
        ));
        assert_eq!(
            c.server.deliver(c.now, &msg("s/x", QoS::AtMostOnce), false),
            Ok(Delivery::Skipped)
        );
        assert!(c.recv().is_empty(), "nothing is sent while closed");
        let state = c.server.take_session_state().expect("kept");
        assert_eq!(state.client_id(), "c1");
        assert_eq!(state.pending_messages(), 4);
        assert_eq!(state.subscriptions().count(), 1);
        assert!(c.server.take_session_state().is_none());

        let mut c2 = Client::new(ServerConfig::default(), version);
        let mut out = resume(&mut c2, state, &[]);
        let ack = out.remove(0);
        assert!(
            matches!(
                ack,
                Out::Connack {
                    session_present: true,
                    ..
                }
            ),
            "{ack:?}"
        );
        assert_eq!(
            out,
            vec![
                Out::Publish(OutPublish {
                    dup: true,
                    ..sent("s/1", QoS::AtLeastOnce, one)
                }),
                Out::Publish(OutPublish {
                    dup: true,
                    ..sent("s/2", QoS::ExactlyOnce, two)
                }),
                Out::PubRel(three.get(), PubRelReason::Success),
                Out::Publish(sent("s/4", QoS::AtLeastOnce, four)),
            ]
        );
        assert!(matches!(
            c2.events().as_slice(),
            [ServerEvent::Connected(Connected {
                session_present: true,
                ..
            })]
        ));
        assert_eq!(
            c2.server.subscriptions().next().map(|s| s.filter.as_str()),
            Some("s/#")
        );
        // The received QoS 2 message is not surfaced twice.
        c2.send(Packet::Publish(crate::codec::Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            packet_id: PacketId::new(77),
            ..crate::codec::Publish::new("up", b"x")
        }));
        assert!(c2.events().is_empty());
        assert_eq!(c2.recv(), vec![Out::PubRec(77, PubAckReason::Success)]);
    }
}

fn sent(topic: &str, qos: QoS, id: PacketId) -> OutPublish {
    OutPublish {
        topic: topic.to_string(),
        payload: b"data".to_vec(),
        qos,
        retain: false,
        dup: false,
        packet_id: Some(id.get()),
        alias: None,
        subscription_ids: Vec::new(),
        expiry: None,
        user_properties: Vec::new(),
    }
}

#[test]
fn clean_start_discards_the_offered_session() {
    let mut c = resumable(V5, &[]);
    c.server.handle_closed(c.now);
    let state = c.server.take_session_state().unwrap();
    let mut c2 = Client::new(ServerConfig::default(), V5);
    c2.send_connect("c1", 60, &[]);
    let _ = c2.events();
    let accept = ConnectAccept {
        session: Some(state),
        ..ConnectAccept::default()
    };
    c2.server.accept(c2.now, accept).unwrap();
    assert!(matches!(
        c2.recv().as_slice(),
        [Out::Connack {
            session_present: false,
            ..
        }]
    ));
    assert_eq!(c2.server.subscriptions().count(), 0);
}

#[test]
fn a_kept_session_expires() {
    let mut c = resumable(V5, &[]);
    c.server
        .publish(c.now, msg("s/1", QoS::AtLeastOnce))
        .unwrap();
    c.server.handle_closed(c.now);
    let _ = c.events();
    assert_eq!(c.server.poll_timeout(), Some(Instant::from_millis(100_000)));
    c.advance(99_999);
    assert!(c.events().is_empty());
    c.advance(1);
    assert_eq!(
        c.events(),
        vec![ServerEvent::SessionExpired {
            client_id: "c1".into()
        }]
    );
    assert!(c.server.take_session_state().is_none());
    assert_eq!(c.server.pending_messages(), 0);
    assert!(c.server.publish(c.now, msg("s", QoS::AtLeastOnce)).is_err());

    // 3.1.1 Clean Session 0: kept without a deadline.
    let mut c = resumable(V3, &[]);
    c.server.handle_closed(c.now);
    assert_eq!(c.server.poll_timeout(), None);
    assert!(c.server.take_session_state().is_some());
}

#[test]
fn disconnect_can_shorten_but_not_start_a_session_expiry() {
    let mut c = resumable(V5, &[]);
    let zero = [Property::SessionExpiryInterval(0)];
    c.send(Packet::Disconnect(Disconnect {
        reason: DisconnectReason::NormalDisconnection,
        properties: Properties::new(&zero),
    }));
    assert_eq!(
        c.events().last(),
        Some(&ServerEvent::Closed {
            cause: CloseCause::ClientDisconnect {
                reason: DisconnectReason::NormalDisconnection,
                reason_string: None,
                user_properties: Vec::new(),
            },
            session_kept: false
        })
    );

    let mut c = connected(V5);
    let ten = [Property::SessionExpiryInterval(10)];
    c.send(Packet::Disconnect(Disconnect {
        reason: DisconnectReason::NormalDisconnection,
        properties: Properties::new(&ten),
    }));
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::ProtocolError, _)]
    ));
    assert!(matches!(
        closed(&c.events()),
        Some(CloseCause::PeerFault(Error::Protocol(
            ProtocolError::PropertyNotAllowed(_)
        )))
    ));
}

fn with_will(version: ProtocolVersion, will_delay: u32, session_expiry: u32) -> Client {
    let mut c = Client::new(ServerConfig::default(), version);
    let will_props = [
        Property::WillDelayInterval(will_delay),
        Property::ContentType("text/plain"),
    ];
    let props = [Property::SessionExpiryInterval(session_expiry)];
    let v5 = version == V5;
    let mut conn = connect(
        version,
        "c1",
        10,
        if v5 {
            Properties::new(&props)
        } else {
            Properties::empty()
        },
    );
    conn.will = Some(Will {
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: if v5 {
            Properties::new(&will_props)
        } else {
            Properties::empty()
        },
        topic: "status/c1",
        payload: b"offline",
    });
    c.send(Packet::Connect(conn));
    match c.events().as_slice() {
        [ServerEvent::ConnectRequest(r)] => {
            let w = r.will.as_ref().unwrap();
            assert_eq!(w.message.topic, "status/c1");
            assert_eq!(w.delay_interval, if v5 { will_delay } else { 0 });
        }
        other => panic!("{other:?}"),
    }
    c.server.accept(c.now, ConnectAccept::default()).unwrap();
    let _ = c.recv();
    let _ = c.events();
    c
}

fn will_of(events: &[ServerEvent]) -> Option<(&ServerMessage, Duration)> {
    events.iter().find_map(|e| match e {
        ServerEvent::Will { message, delay } => Some((message, *delay)),
        _ => None,
    })
}

#[test]
fn the_will_is_due_unless_the_client_disconnects_normally() {
    // Transport closed: Will, delayed by min(Will Delay, Session Expiry).
    let mut c = with_will(V5, 30, 5);
    c.server.handle_closed(c.now);
    let events = c.events();
    let (m, delay) = will_of(&events).expect("will");
    assert_eq!(
        (m.topic.as_str(), &m.payload[..], m.qos),
        ("status/c1", &b"offline"[..], QoS::AtLeastOnce)
    );
    assert_eq!(m.properties.content_type.as_deref(), Some("text/plain"));
    assert_eq!(delay, Duration::from_secs(5));

    // Normal DISCONNECT: no Will.
    for version in [V3, V5] {
        let mut c = with_will(version, 0, 0);
        c.send(Packet::Disconnect(Disconnect::default()));
        assert!(will_of(&c.events()).is_none());
    }
    // DISCONNECT with Will Message, keep-alive timeout, server disconnect: Will.
    let mut c = with_will(V5, 0, 0);
    c.send(Packet::Disconnect(Disconnect::new(
        DisconnectReason::DisconnectWithWillMessage,
    )));
    assert_eq!(will_of(&c.events()).map(|w| w.1), Some(Duration::ZERO));
    let mut c = with_will(V3, 0, 0);
    c.advance(15_000);
    assert!(will_of(&c.events()).is_some());
    let mut c = with_will(V5, 0, 0);
    c.server
        .disconnect(c.now, DisconnectReason::SessionTakenOver, Some("replaced"))
        .unwrap();
    assert_eq!(
        c.recv(),
        vec![Out::Disconnect(
            DisconnectReason::SessionTakenOver,
            Some("replaced".into())
        )]
    );
    assert!(will_of(&c.events()).is_some());
}
