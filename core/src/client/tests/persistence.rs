//! Snapshots: round trip, resume after a restart, typed errors for bad bytes, write-ahead mode.

use alloc::vec;
use core::time::Duration;

use super::*;
use crate::client::{Client, State};
use crate::codec::{Packet, PacketType, Publish, QoS, Subscription};
use crate::error::{Error, SnapshotError};
use crate::testing::ScriptedBroker;

fn cfg() -> ClientConfig {
    let mut c = config(ProtocolVersion::V5);
    c.clean_start = false;
    c.session_expiry = 3600;
    c
}

/// A client with a subscription, a queued message, two in flight (one released) and a
/// received QoS 2 message awaiting PUBREL.
fn busy() -> ClientHarness {
    let mut h = connected(cfg());
    h.client()
        .subscribe(
            &[Subscription::new("cmd/#", QoS::ExactlyOnce)],
            Properties::empty(),
        )
        .unwrap();
    h.drive().unwrap();
    h.pair.b.auto_ack = false;
    for (t, q) in [("a", QoS::AtLeastOnce), ("b", QoS::ExactlyOnce)] {
        h.client()
            .publish(t, t.as_bytes(), q, false, Properties::empty())
            .unwrap();
    }
    h.drive().unwrap();
    h.pair
        .b
        .send(&Packet::PubRec(crate::codec::PubRec::new(id(3))))
        .unwrap();
    h.pair
        .b
        .send(&Packet::Publish(Publish {
            dup: false,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: "cmd/x",
            packet_id: Some(id(77)),
            properties: Properties::empty(),
            payload: b"run",
        }))
        .unwrap();
    h.drive().unwrap();
    h.pair.close();
    h.client()
        .publish("c", b"c", QoS::AtLeastOnce, false, Properties::empty())
        .unwrap();
    h.client().disconnect().unwrap();
    h.drive().unwrap();
    h
}

#[test]
fn snapshot_restores_into_a_new_client_that_resumes_the_session() {
    let mut h = busy();
    let s = h.pair.a.stats();
    assert_eq!(
        (
            s.inflight,
            s.queued_messages,
            s.incoming_unacked,
            s.subscriptions
        ),
        (2, 1, 1, 1)
    );
    let snap = h.client().snapshot();
    // Same bytes from the same state; a fresh client takes them.
    assert_eq!(h.client().snapshot(), snap);
    let mut fresh = Client::new(cfg());
    fresh.restore(&snap).unwrap();
    assert_eq!(fresh.stats(), Client::stats(&h.pair.a));
    assert_eq!(fresh.snapshot().len(), snap.len());
    // The restored client reconnects to the broker that kept the session.
    let mut broker = ScriptedBroker::new();
    broker.session = h.pair.b.session.clone();
    broker.session.exists = true;
    let mut h2 = ClientHarness::with_broker(cfg(), broker);
    h2.pair.a = fresh;
    h2.connect().unwrap();
    let order: Vec<(PacketType, u16, bool)> = h2
        .pair
        .b
        .received_packets()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some((PacketType::Publish, p.packet_id?.get(), p.dup)),
            Packet::PubRel(r) => Some((PacketType::PubRel, r.packet_id.get(), false)),
            Packet::Connect(c) => Some((PacketType::Connect, u16::from(c.clean_start), false)),
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        vec![
            (PacketType::Connect, 0, false),
            (PacketType::Publish, 2, true),
            (PacketType::PubRel, 3, false),
            (PacketType::Publish, 4, false),
        ]
    );
    // The QoS 2 id survived: a duplicate is not delivered, PUBREL completes it.
    h2.pair
        .b
        .send(&Packet::Publish(Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: "cmd/x",
            packet_id: Some(id(77)),
            properties: Properties::empty(),
            payload: b"run",
        }))
        .unwrap();
    h2.pair
        .b
        .send(&Packet::PubRel(crate::codec::PubRel::new(id(77))))
        .unwrap();
    h2.drive().unwrap();
    assert!(messages(&h2.events).is_empty());
    assert_eq!(h2.pair.a.stats().incoming_unacked, 0);
    let types = h2.pair.b.received_types();
    assert!(
        types.ends_with(&[PacketType::PubRec, PacketType::PubComp]),
        "{types:?}"
    );
}

#[test]
fn corrupt_truncated_or_foreign_snapshots_are_typed_errors() {
    let mut h = busy();
    let snap = h.client().snapshot();
    let err = |bytes: &[u8]| match Client::new(cfg()).restore(bytes) {
        Err(Error::Usage(UsageError::Snapshot(e))) => e,
        other => panic!("{other:?}"),
    };
    for n in 0..snap.len() {
        let e = err(&snap[..n]);
        assert!(
            matches!(e, SnapshotError::Truncated),
            "prefix of {n} bytes: {e:?}"
        );
    }
    for i in 10..snap.len() {
        let mut bad = snap.clone();
        bad[i] ^= 0x40;
        assert_eq!(
            err(&bad),
            SnapshotError::ChecksumMismatch,
            "bit flip at {i}"
        );
    }
    let mut bad = snap.clone();
    bad[0] = b'X';
    assert_eq!(err(&bad), SnapshotError::NotASnapshot);
    let mut bad = snap.clone();
    bad[4] = 9;
    assert_eq!(err(&bad), SnapshotError::UnsupportedVersion(9));
    let mut other = config(ProtocolVersion::V311);
    other.clean_start = false;
    assert!(matches!(
        Client::new(other).restore(&snap),
        Err(Error::Usage(UsageError::Snapshot(
            SnapshotError::VersionMismatch
        )))
    ));
    let mut small = cfg();
    small.max_queued_messages = 1;
    assert!(matches!(
        Client::new(small).restore(&snap),
        Err(Error::Usage(UsageError::Snapshot(
            SnapshotError::ExceedsLimits
        )))
    ));
    let mut extra = snap.clone();
    extra.push(0);
    assert!(matches!(err(&extra), SnapshotError::Invalid(_)));
    // Only while idle; a failed restore changes nothing.
    let mut live = connected(cfg());
    assert!(matches!(
        live.client().restore(&snap),
        Err(Error::Usage(UsageError::InvalidState(_)))
    ));
    let mut c = Client::new(cfg());
    let empty = c.snapshot();
    assert!(c.restore(&snap[..snap.len() - 1]).is_err());
    assert_eq!(c.snapshot(), empty);
}

#[test]
fn write_ahead_mode_holds_output_until_the_snapshot_is_taken() {
    let mut c = cfg();
    c.persistence = true;
    let mut h = connected(c);
    assert!(h.events.is_empty() || !h.events.contains(&Event::PersistRequired));
    h.take_events = false;
    // Connecting changed the session: the harness did not take the snapshot yet.
    while h.client().poll_event().is_some() {}
    let _ = h.client().snapshot();
    h.client()
        .publish("w", b"1", QoS::AtLeastOnce, false, Properties::empty())
        .unwrap();
    h.pair.b.clear_received();
    h.drive().unwrap();
    assert!(h.pair.b.received().is_empty(), "held back");
    assert_eq!(h.client().poll_event(), Some(Event::PersistRequired));
    assert_eq!(h.client().poll_event(), None);
    let snap = h.client().snapshot();
    assert!(!snap.is_empty());
    h.drive().unwrap();
    assert_eq!(h.pair.b.received_types(), vec![PacketType::Publish]);
    // The PUBACK changed the session again.
    assert_eq!(h.client().poll_event(), Some(Event::PersistRequired));
    assert!(matches!(
        h.client().poll_event(),
        Some(Event::PublishAcked { .. })
    ));
    let _ = h.client().snapshot();
    h.advance(Duration::from_secs(1)).unwrap();
    assert_eq!(h.pair.a.state(), State::Connected);
}
