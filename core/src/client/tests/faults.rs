//! Peer faults end the connection with the right reason code and a typed event; caller misuse
//! is refused at once.

use alloc::vec;

use super::*;
use crate::client::{Client, State};
use crate::codec::{
    DisconnectReason, Packet, PacketType, PubAck, QoS, Subscribe, Subscription, Violation,
};
use crate::error::{Error, ErrorKind, ProtocolError};
use crate::time::Instant;

fn last_disconnect(h: &ClientHarness) -> Option<DisconnectReason> {
    h.pair.b.received_packets().last().and_then(|p| match p {
        Packet::Disconnect(d) => Some(d.reason),
        _ => None,
    })
}

fn last_disconnect_reason_string(h: &ClientHarness) -> Option<alloc::string::String> {
    h.pair.b.received_packets().last().and_then(|p| match p {
        Packet::Disconnect(d) => d
            .properties
            .reason_string()
            .map(alloc::string::String::from),
        _ => None,
    })
}

fn lost_error(h: &ClientHarness) -> Option<Error> {
    h.events.iter().find_map(|e| match e {
        Event::ConnectionLost(l) => Some(l.error.clone()),
        _ => None,
    })
}

#[test]
fn peer_faults_map_to_disconnect_reasons() {
    // [MQTT-3.14.2-1] (5.0): every DISCONNECT the client sends uses a DISCONNECT Reason Code.
    type Inject = fn(&mut ClientHarness);
    let cases: &[(&str, Inject, Error, DisconnectReason)] = &[
        (
            "puback for an unknown id",
            |h| {
                h.pair
                    .b
                    .send(&Packet::PubAck(PubAck::new(id(4242))))
                    .unwrap()
            },
            Error::Protocol(ProtocolError::UnknownPacketId(4242)),
            DisconnectReason::ProtocolError,
        ),
        (
            "a second CONNACK",
            |h| {
                h.pair
                    .b
                    .send(&Packet::Connack(crate::codec::Connack {
                        session_present: false,
                        reason: crate::codec::ConnectReason::Success,
                        properties: Properties::empty(),
                    }))
                    .unwrap()
            },
            Error::Protocol(ProtocolError::UnexpectedPacket(PacketType::Connack)),
            DisconnectReason::ProtocolError,
        ),
        (
            "a SUBSCRIBE from the server",
            |h| {
                let subs = [Subscription::new("x", QoS::AtMostOnce)];
                h.pair
                    .b
                    .send(&Packet::Subscribe(Subscribe {
                        packet_id: id(1),
                        properties: Properties::empty(),
                        subscriptions: crate::codec::List::new(&subs),
                    }))
                    .unwrap()
            },
            Error::Protocol(ProtocolError::UnexpectedPacket(PacketType::Subscribe)),
            DisconnectReason::ProtocolError,
        ),
        (
            "malformed bytes",
            |h| h.pair.b.send_raw(&[0x30, 0x03, 0x00, 0x05, b'a']),
            Error::Malformed {
                offset: 2,
                violation: Violation::LengthMismatch,
            },
            DisconnectReason::MalformedPacket,
        ),
        (
            "reserved packet type",
            |h| h.pair.b.send_raw(&[0x00, 0x00]),
            Error::Malformed {
                offset: 0,
                violation: Violation::InvalidPacketType(0),
            },
            DisconnectReason::MalformedPacket,
        ),
    ];
    for (what, inject, error, reason) in cases {
        let mut h = connected(config(ProtocolVersion::V5));
        inject(&mut h);
        h.drive().unwrap();
        let got = lost_error(&h);
        assert!(
            got.as_ref().is_some_and(|g| g.kind() == error.kind()),
            "{what}: {got:?}"
        );
        if error.kind() == ErrorKind::Protocol {
            assert_eq!(got.as_ref(), Some(error), "{what}");
        }
        assert_eq!(last_disconnect(&h), Some(*reason), "{what}");
        // The Reason String names the fault by its stable code (and the rule for bytes).
        let expected = match error {
            Error::Malformed { violation, .. } => {
                alloc::format!("{} [{}]", violation.code(), violation.rule())
            }
            other => other.code().into(),
        };
        assert_eq!(last_disconnect_reason_string(&h), Some(expected), "{what}");
        assert_eq!(h.pair.a.state(), State::Backoff, "{what}");
    }
}

#[test]
fn receive_maximum_overflow() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.receive_maximum = 2;
    cfg.manual_ack = true;
    let mut h = connected(cfg);
    for _ in 0..3 {
        h.pair
            .b
            .publish_to_client("r", b"", QoS::AtLeastOnce, false);
    }
    h.drive().unwrap();
    assert_eq!(
        lost_error(&h),
        Some(Error::Protocol(ProtocolError::ReceiveMaximumExceeded))
    );
    assert_eq!(
        last_disconnect(&h),
        Some(DisconnectReason::ReceiveMaximumExceeded)
    );
}

#[test]
fn faults_in_3_1_1_close_without_disconnect() {
    // [MQTT-4.8.0-1] (3.1.1): a protocol violation closes the connection.
    let mut h = connected(config(ProtocolVersion::V311));
    h.pair.b.send(&Packet::PubAck(PubAck::new(id(9)))).unwrap();
    h.drive().unwrap();
    assert_eq!(
        lost_error(&h),
        Some(Error::Protocol(ProtocolError::UnknownPacketId(9)))
    );
    assert_eq!(last_disconnect(&h), None);
    assert!(!h.pair.is_open());
}

#[test]
fn session_present_after_clean_start_is_a_violation() {
    // [MQTT-3.2.2-4] (5.0): Session Present 1 without session state closes the connection.
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker().session_present = Some(true);
    h.connect().unwrap();
    assert_eq!(
        lost_error(&h),
        Some(Error::Protocol(ProtocolError::SessionPresentOnCleanStart))
    );
}

#[test]
fn misuse_is_refused_at_once_and_changes_nothing() {
    let mut c = Client::new(config(ProtocolVersion::V311));
    let before = c.stats();
    let bad: &[(Result<Option<crate::codec::PacketId>, Error>, &str)] = &[
        (
            c.publish("a/+", b"", QoS::AtMostOnce, false, Properties::empty()),
            "wildcard",
        ),
        (
            c.publish("", b"", QoS::AtMostOnce, false, Properties::empty()),
            "empty",
        ),
        (
            c.publish("a\0b", b"", QoS::AtMostOnce, false, Properties::empty()),
            "nul",
        ),
    ];
    for (r, what) in bad {
        assert!(
            matches!(r, Err(Error::Usage(UsageError::Encode(_)))),
            "{what}: {r:?}"
        );
    }
    let props = [crate::codec::Property::ContentType("x")];
    assert_eq!(
        c.publish("a", b"", QoS::AtMostOnce, false, Properties::new(&props)),
        Err(Error::Usage(UsageError::Encode(Violation::NotInVersion)))
    );
    assert_eq!(c.stats(), before);
    let mut c = Client::new(config(ProtocolVersion::V5));
    let alias = [crate::codec::Property::TopicAlias(1)];
    assert!(matches!(
        c.publish("a", b"", QoS::AtMostOnce, false, Properties::new(&alias)),
        Err(Error::Usage(UsageError::InvalidArgument(_)))
    ));
    assert!(matches!(
        c.subscribe(
            &[Subscription::new("a/#/b", QoS::AtMostOnce)],
            Properties::empty()
        ),
        Err(Error::Usage(UsageError::Encode(
            Violation::InvalidTopicFilter
        )))
    ));
    assert!(matches!(
        c.subscribe(&[], Properties::empty()),
        Err(Error::Usage(UsageError::Encode(Violation::NoTopicFilters)))
    ));
    assert!(c.set_credentials(None, None).is_err());
    assert!(c.auth_continue(b"").is_err());
    assert!(c.disconnect().is_err());
    assert_eq!(c.stats(), Default::default());
    // Refused commands leave the packet-id allocator exactly as it was: the next command gets
    // the id it would have got without them.
    assert_eq!(c.session.last_id, 0);
    assert_eq!(c.session.ids.len(), 0);
    assert!(matches!(
        c.unsubscribe(&[], Properties::empty()),
        Err(Error::Usage(UsageError::Encode(Violation::NoTopicFilters)))
    ));
    let ok = c
        .subscribe(
            &[Subscription::new("a", QoS::AtMostOnce)],
            Properties::empty(),
        )
        .unwrap();
    assert_eq!(
        ok.get(),
        1,
        "three refused commands did not move the counter"
    );
    assert_eq!(c.stats().pending_requests, 1);
    // Also when a QoS 1 publish is refused after the topic checks (queue full), and when a
    // request is too large for the server.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.max_queued_messages = 1;
    let mut h = connected(cfg);
    h.pair.b.auto_ack = false;
    let first = h
        .client()
        .publish("q", b"", QoS::AtLeastOnce, false, Properties::empty())
        .unwrap();
    assert_eq!(first.map(|i| i.get()), Some(1));
    let before = (h.pair.a.session.last_id, h.pair.a.session.ids.len());
    assert_eq!(
        h.client()
            .publish("q", b"", QoS::AtLeastOnce, false, Properties::empty()),
        Err(Error::Usage(UsageError::QueueFull))
    );
    assert_eq!(
        (h.pair.a.session.last_id, h.pair.a.session.ids.len()),
        before
    );
    h.pair.a.conn.server_max_packet = Some(16);
    let long = "a/very/long/filter/that/does/not/fit";
    assert!(matches!(
        h.client().subscribe(
            &[Subscription::new(long, QoS::AtMostOnce)],
            Properties::empty()
        ),
        Err(Error::Usage(UsageError::PacketTooLarge { .. }))
    ));
    assert_eq!(
        (h.pair.a.session.last_id, h.pair.a.session.ids.len()),
        before
    );
}

#[test]
fn slice_output_keeps_whole_packets_and_reports_the_size_needed() {
    let mut c = Client::new(config(ProtocolVersion::V5));
    c.connect().unwrap();
    c.handle_connected(Instant::ZERO);
    let mut small = [0u8; 4];
    let need = match c.poll_transmit_to_slice(Instant::ZERO, &mut small) {
        Err(Error::Usage(UsageError::BufferTooSmall { required })) => required,
        other => panic!("{other:?}"),
    };
    let mut buf = vec![0u8; need];
    assert_eq!(c.poll_transmit_to_slice(Instant::ZERO, &mut buf), Ok(need));
    assert_eq!(buf[0], 0x10);
    // Connect, then queue three publishes; a buffer for two gets exactly two.
    c.handle_bytes(Instant::ZERO, &[0x20, 0x03, 0x00, 0x00, 0x00]);
    assert!(c.is_connected());
    for _ in 0..3 {
        c.publish("t", b"12345", QoS::AtMostOnce, false, Properties::empty())
            .unwrap();
    }
    let one = 2 + 2 + 1 + 1 + 5; // header, topic, props length, payload
    let mut buf = vec![0u8; 2 * one + 3];
    assert_eq!(
        c.poll_transmit_to_slice(Instant::ZERO, &mut buf),
        Ok(2 * one)
    );
    assert_eq!(c.stats().queued_messages, 1);
    let mut tiny = [0u8; 3];
    assert_eq!(
        c.poll_transmit_to_slice(Instant::ZERO, &mut tiny),
        Err(Error::Usage(UsageError::BufferTooSmall { required: one }))
    );
    assert_eq!(c.stats().queued_messages, 1);
    let mut rest = vec![];
    assert_eq!(c.poll_transmit(Instant::ZERO, &mut rest), one);
}

#[test]
fn inputs_in_the_wrong_state_are_ignored_and_timeouts_are_idempotent() {
    let mut c = Client::new(config(ProtocolVersion::V5));
    c.handle_bytes(Instant::ZERO, &[0x20, 0x03, 0, 0, 0]);
    c.handle_closed(Instant::ZERO);
    c.handle_timeout(Instant::from_millis(1_000_000));
    assert_eq!(c.state(), State::Idle);
    assert_eq!(c.poll_event(), None);
    c.connect().unwrap();
    c.handle_connected(Instant::ZERO);
    c.handle_connected(Instant::ZERO); // a second one changes nothing
    let deadline = c.poll_timeout().unwrap();
    c.handle_timeout(Instant::from_millis(5)); // early
    c.handle_timeout(Instant::from_millis(5));
    assert_eq!(c.state(), State::AwaitingConnack);
    assert_eq!(c.poll_timeout(), Some(deadline));
    let mut out = vec![];
    assert!(c.poll_transmit(Instant::ZERO, &mut out) > 0);
    assert_eq!(c.poll_transmit(Instant::ZERO, &mut out), 0);
    // A PUBLISH before CONNACK is a protocol error.
    c.handle_bytes(Instant::ZERO, &[0x30, 0x04, 0x00, 0x01, b't', 0x00]);
    assert_eq!(c.state(), State::Backoff);
}
