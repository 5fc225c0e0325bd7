//! Upstream pacing: at most 50 messages (and 1 MB) in any second; the rest wait in a bounded
//! queue and leave as tokens come back.

use core::time::Duration;

use super::*;
use crate::error::UsageError;
use crate::iotda::ReportSuffix;

fn received_at(s: &Scenario) -> usize {
    s.pair.b.received.len()
}

#[test]
fn the_fifty_first_message_in_a_second_waits_and_the_bucket_refills() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    let start = s.now();
    for i in 0..51 {
        s.device()
            .send_message(format!("m{i}").as_bytes(), ReportSuffix::None)
            .unwrap();
    }
    s.drive();
    assert_eq!(received_at(&s), 50);
    assert_eq!(s.device().queued_upstream(), 1);
    // The 51st may go when the first token comes back, one second after it was spent.
    assert_eq!(
        s.device().poll_timeout(),
        Some(start.saturating_add(Duration::from_secs(1)))
    );
    s.advance(Duration::from_millis(999));
    assert_eq!(received_at(&s), 50);
    s.advance(Duration::from_millis(1));
    assert_eq!(received_at(&s), 51);
    assert_eq!(s.platform().received[50].payload, b"m50");
    // The bucket refills: a second later 50 more go at once, in order.
    s.advance(Duration::from_secs(1));
    for i in 51..101 {
        s.device()
            .send_message(format!("m{i}").as_bytes(), ReportSuffix::None)
            .unwrap();
    }
    s.drive();
    assert_eq!(received_at(&s), 101);
    let order: Vec<String> = s
        .platform()
        .received
        .iter()
        .map(|m| String::from_utf8(m.payload.clone()).unwrap())
        .collect();
    let expected: Vec<String> = (0..101).map(|i| format!("m{i}")).collect();
    assert_eq!(order, expected);
}

#[test]
fn bytes_are_paced_too() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.max_bytes_per_sec = 100_000;
    let mut s = Scenario::connected(cfg);
    let chunk = vec![b'x'; 60_000];
    s.device().send_message(&chunk, ReportSuffix::None).unwrap();
    s.device().send_message(&chunk, ReportSuffix::None).unwrap();
    s.drive();
    assert_eq!(received_at(&s), 1);
    s.advance(Duration::from_secs(1));
    assert_eq!(received_at(&s), 2);
}

#[test]
fn a_full_queue_refuses_at_once_and_offline_messages_wait_for_the_connection() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.max_queued_messages = 3;
    let mut s = Scenario::new(cfg);
    for i in 0..3 {
        s.device().send_message(&[i], ReportSuffix::None).unwrap();
    }
    assert_eq!(
        s.device().send_message(b"4", ReportSuffix::None),
        Err(UsageError::QueueFull.into())
    );
    // A request that does not fit is refused and not left waiting.
    assert_eq!(
        s.device().get_shadow(None, None),
        Err(UsageError::QueueFull.into())
    );
    assert_eq!(s.device().pending_requests(), 0);
    assert_eq!(s.device().poll_timeout(), None);
    s.connect();
    assert_eq!(received_at(&s), 3);
    assert_eq!(s.device().queued_upstream(), 0);
    s.device().send_message(b"4", ReportSuffix::None).unwrap();
    s.drive();
    assert_eq!(received_at(&s), 4);
}

#[test]
fn messages_wait_in_the_device_not_in_the_client_while_the_window_is_full() {
    let mut platform = Platform::new();
    platform.config.manual_acks = true;
    let mut s = Scenario::with_platform(config(ProtocolVersion::V311), platform);
    s.connect();
    for i in 0..40u8 {
        s.device().send_message(&[i], ReportSuffix::None).unwrap();
    }
    s.drive();
    // The client's in-flight window (32) is full: the rest stay queued in the device, none
    // in the client, and no token is spent on them.
    assert_eq!(received_at(&s), 32);
    assert_eq!(s.device().queued_upstream(), 8);
    assert_eq!(s.device().client().stats().queued_messages, 0);
    assert_eq!(
        s.device().poll_timeout(),
        s.device().client().poll_timeout()
    );
    s.advance(Duration::from_millis(500));
    assert_eq!(received_at(&s), 32);
    // The platform acknowledges: the other 8 go, within the same second's 50 tokens.
    let ids: Vec<_> = s
        .platform()
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Publish(p) => p.packet_id,
            _ => None,
        })
        .collect();
    for id in ids {
        s.platform()
            .session
            .ack(id, crate::codec::PubAckReason::Success)
            .unwrap();
    }
    s.drive();
    assert_eq!(received_at(&s), 40);
    assert_eq!(s.device().queued_upstream(), 0);
}
