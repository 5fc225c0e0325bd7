//! CONNACK, credentials, keep-alive, loss and reconnection.

use alloc::string::String;
use alloc::vec;
use core::time::Duration;

use super::*;
use crate::client::{ConnectionLost, Credentials, Password, State};
use crate::codec::{
    ConnectReason, DisconnectReason, Packet, PacketType, Property, QoS, ReasonCode,
};
use crate::error::{Error, ProtocolError, TimeoutKind};
use crate::time::Instant;

fn lost(events: &[Event]) -> Vec<ConnectionLost> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ConnectionLost(l) => Some((**l).clone()),
            _ => None,
        })
        .collect()
}

fn count(events: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

#[test]
fn every_connack_property_is_surfaced() {
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker()
        .set_connack_properties(&[
            Property::AssignedClientIdentifier("auto-7"),
            Property::ServerKeepAlive(20),
            Property::ReceiveMaximum(5),
            Property::MaximumPacketSize(2048),
            Property::TopicAliasMaximum(3),
            Property::MaximumQos(QoS::AtLeastOnce),
            Property::RetainAvailable(false),
            Property::ReasonString("welcome"),
            Property::UserProperty("region", "cn-north-4"),
            Property::SessionExpiryInterval(30),
            Property::WildcardSubscriptionAvailable(false),
            Property::ResponseInformation("resp/"),
        ])
        .unwrap();
    h.client().config.client_id = String::new();
    h.connect().unwrap();
    let info = h
        .events
        .iter()
        .find_map(|e| match e {
            Event::Connected(i) => Some(i.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(info.assigned_client_id.as_deref(), Some("auto-7"));
    assert_eq!(h.pair.a.client_id(), "auto-7");
    assert_eq!((info.keep_alive, info.server_keep_alive), (20, Some(20)));
    assert_eq!(info.receive_maximum, 5);
    assert_eq!(info.maximum_packet_size, Some(2048));
    assert_eq!(info.topic_alias_maximum, 3);
    assert_eq!(info.maximum_qos, QoS::AtLeastOnce);
    assert!(!info.retain_available && !info.wildcard_subscription_available);
    assert_eq!(info.reason_string.as_deref(), Some("welcome"));
    assert_eq!(
        info.user_properties,
        vec![("region".into(), "cn-north-4".into())]
    );
    assert_eq!(info.session_expiry, 30);
    assert_eq!(info.response_information.as_deref(), Some("resp/"));
    assert_eq!(info.properties.as_properties().receive_maximum(), Some(5));
    // The learned limits apply at once.
    let c = h.client();
    assert_eq!(
        c.publish("t", b"", QoS::ExactlyOnce, false, Properties::empty()),
        Err(Error::Usage(UsageError::QosNotSupported))
    );
    assert_eq!(
        c.publish("t", b"", QoS::AtMostOnce, true, Properties::empty()),
        Err(Error::Usage(UsageError::RetainNotSupported))
    );
    assert!(matches!(
        c.publish(
            "t",
            &[0u8; 4096],
            QoS::AtMostOnce,
            false,
            Properties::empty()
        ),
        Err(Error::Usage(UsageError::PacketTooLarge { max: 2048, .. }))
    ));
    assert_eq!(c.stats().queued_messages, 0);
}

#[test]
fn credentials_are_asked_before_every_connect() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.credentials = Credentials::AskEachTime;
    cfg.reconnect.min_delay = Duration::from_millis(100);
    let mut h = ClientHarness::new(cfg);
    h.credentials = Some((Some("dev".into()), Some(b"pw-1".to_vec())));
    h.connect().unwrap();
    assert!(h.pair.a.is_connected());
    assert_eq!(
        count(&h.events, |e| matches!(e, Event::CredentialsNeeded)),
        1
    );
    match h.pair.b.received_packets().next() {
        Some(Packet::Connect(c)) => {
            assert_eq!(c.username, Some("dev"));
            assert_eq!(c.password, Some(&b"pw-1"[..]));
        }
        other => panic!("{other:?}"),
    }
    // Drop the link; the reconnect asks again and uses the new password.
    h.credentials = Some((Some("dev".into()), Some(b"pw-2".to_vec())));
    h.pair.close();
    h.pair.b.clear_received();
    h.advance(Duration::from_secs(1)).unwrap();
    assert!(h.pair.a.is_connected());
    assert_eq!(
        count(&h.events, |e| matches!(e, Event::CredentialsNeeded)),
        2
    );
    match h.pair.b.received_packets().next() {
        Some(Packet::Connect(c)) => assert_eq!(c.password, Some(&b"pw-2"[..])),
        other => panic!("{other:?}"),
    }
    // Credentials only when asked.
    assert_eq!(
        h.client().set_credentials(Some("x"), None),
        Err(Error::Usage(UsageError::InvalidState(
            "set_credentials: no credentials were asked for"
        )))
    );
}

#[test]
fn static_credentials_go_out_at_once_and_stay_secret() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.credentials = Credentials::Static {
        username: Some("u".into()),
        password: Some(Password::new(b"s3cret".to_vec())),
    };
    let mut h = ClientHarness::new(cfg);
    let _ = h.client().connect();
    h.pair.open();
    // The CONNECT (with the password) is queued and not polled yet.
    assert!(h.pair.a.stats().outbox_bytes > 0);
    let shown = alloc::format!("{:?}", h.pair.a);
    assert!(
        !shown.contains("s3cret") && shown.contains("redacted"),
        "{shown}"
    );
    assert!(!shown.contains(&alloc::format!("{:?}", b"s3cret")[1..20]));
    h.drive().unwrap();
    assert!(h.pair.a.is_connected());
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e, Event::CredentialsNeeded))
    );
}

#[test]
fn connack_timeout_refusal_and_server_disconnect_are_typed() {
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker().answer_connect = false;
    h.connect().unwrap();
    assert_eq!(h.pair.a.state(), State::AwaitingConnack);
    assert_eq!(h.pair.a.poll_timeout(), Some(Instant::from_millis(10_000)));
    h.pair.b.answer_connect = true;
    h.pair.b.connack_reason = ConnectReason::ServerBusy;
    h.step().unwrap();
    let l = lost(&h.events);
    assert_eq!(l[0].error, Error::Timeout(TimeoutKind::Connack));
    assert!(l[0].reconnect_at.is_some());
    assert_eq!(h.pair.a.state(), State::Backoff);
    h.take();
    h.step().unwrap(); // reconnect: refused, and retried
    let l = lost(&h.events);
    assert_eq!(
        l[0].error,
        Error::Protocol(ProtocolError::ConnectRefused(ReasonCode::ServerBusy))
    );
    assert!(l[0].reconnect_at.is_some());
    h.pair.b.connack_reason = ConnectReason::Success;
    h.take();
    h.step().unwrap();
    assert!(h.pair.a.is_connected());
    let items = [Property::ReasonString("maintenance")];
    h.pair
        .b
        .send(&Packet::Disconnect(crate::codec::Disconnect {
            reason: DisconnectReason::ServerShuttingDown,
            properties: Properties::new(&items),
        }))
        .unwrap();
    h.drive().unwrap();
    let l = lost(&h.events);
    assert_eq!(
        l[0].error,
        Error::Protocol(ProtocolError::Disconnected(ReasonCode::ServerShuttingDown))
    );
    assert_eq!(l[0].reason_string.as_deref(), Some("maintenance"));
    assert!(!h.pair.is_open());
}

/// A refusal in `reconnect.stop_on` ends the reconnects: `reconnect_at` is `None`, the client is
/// idle with no timer, and only `connect` starts again. Others are retried.
#[test]
fn refusals_in_stop_on_end_the_reconnects() {
    use crate::client::ConnackRefusals;
    let stops = |v: ProtocolVersion, stop_on: ConnackRefusals, reason: ConnectReason| {
        let mut cfg = config(v);
        cfg.reconnect.stop_on = stop_on;
        let mut h = ClientHarness::new(cfg);
        h.broker().connack_reason = reason;
        h.connect().unwrap();
        let l = lost(&h.events);
        assert_eq!(
            l[0].error,
            Error::Protocol(ProtocolError::ConnectRefused(reason.into())),
            "{v} {reason}"
        );
        let stopped = l[0].reconnect_at.is_none();
        if stopped {
            assert_eq!(h.pair.a.state(), State::Idle, "{v} {reason}");
            assert_eq!(h.pair.a.poll_timeout(), None, "{v} {reason}");
            assert!(!h.events.iter().any(|e| matches!(e, Event::Disconnected)));
            // Nothing happens any more, until the application connects again.
            h.take();
            h.advance(Duration::from_secs(3600)).unwrap();
            assert!(h.events.is_empty(), "{:?}", h.events);
            h.pair.b.connack_reason = ConnectReason::Success;
            h.pair.open();
            h.connect().unwrap();
            assert!(h.pair.a.is_connected(), "{v} {reason}");
        } else {
            assert_eq!(h.pair.a.state(), State::Backoff, "{v} {reason}");
        }
        stopped
    };
    let default = ConnackRefusals::default();
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        // The four the default names; in 3.1.1, return codes 1, 4 and 5.
        for reason in [
            ConnectReason::UnsupportedProtocolVersion,
            ConnectReason::BadUserNameOrPassword,
            ConnectReason::NotAuthorized,
        ] {
            assert!(stops(v, default, reason), "{v} {reason}");
            assert!(!stops(v, ConnackRefusals::NONE, reason), "{v} {reason}");
        }
        // 3.1.1 codes 2 and 3.
        for reason in [
            ConnectReason::ClientIdentifierNotValid,
            ConnectReason::ServerUnavailable,
        ] {
            assert!(!stops(v, default, reason), "{v} {reason}");
        }
    }
    let v5 = ProtocolVersion::V5;
    assert!(stops(v5, default, ConnectReason::Banned));
    assert!(!stops(v5, default, ConnectReason::ServerBusy));
    assert!(stops(
        v5,
        ConnackRefusals::NONE.with(ConnectReason::ServerBusy),
        ConnectReason::ServerBusy
    ));
    // Reconnection off: every refusal ends it anyway.
    let mut cfg = config(v5);
    cfg.reconnect.enabled = false;
    let mut h = ClientHarness::new(cfg);
    h.broker().connack_reason = ConnectReason::ServerBusy;
    h.connect().unwrap();
    assert_eq!(lost(&h.events)[0].reconnect_at, None);
}

#[test]
fn keep_alive_pings_when_idle_and_detects_a_dead_link() {
    // [MQTT-3.1.2-20] (5.0): idle with Keep Alive > 0, the client sends PINGREQ.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.keep_alive = 10;
    let mut h = connected(cfg);
    h.pair.b.clear_received();
    // Two idle intervals: a PINGREQ each, answered.
    h.advance(Duration::from_secs(20)).unwrap();
    assert_eq!(
        h.pair.b.received_types(),
        vec![PacketType::PingReq, PacketType::PingReq]
    );
    assert!(h.pair.a.is_connected());
    // The link dies silently: the next PINGREQ is never answered.
    h.pair.drop_b_to_a = true;
    h.pair.drop_a_to_b = true;
    h.take();
    h.advance(Duration::from_secs(20)).unwrap();
    let l = lost(&h.events);
    assert_eq!(l.len(), 1, "{:?}", h.events);
    assert_eq!(l[0].error, Error::Timeout(TimeoutKind::KeepAlive));
    assert_eq!(h.pair.a.state(), State::Backoff);
}

#[test]
fn a_sender_that_never_hears_back_still_detects_the_dead_link() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.keep_alive = 5;
    let mut h = connected(cfg);
    h.pair.drop_b_to_a = true;
    for _ in 0..30 {
        h.client()
            .publish("t", b"x", QoS::AtMostOnce, false, Properties::empty())
            .unwrap();
        h.advance(Duration::from_millis(500)).unwrap();
    }
    let l = lost(&h.events);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].error, Error::Timeout(TimeoutKind::KeepAlive));
}

#[test]
fn no_ping_while_traffic_flows_and_none_with_keep_alive_off() {
    // [MQTT-3.1.2-20] (5.0): PINGREQ only in the absence of other packets.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.keep_alive = 10;
    let mut h = connected(cfg);
    h.pair.b.clear_received();
    for _ in 0..10 {
        h.client()
            .publish("t", b"x", QoS::AtLeastOnce, false, Properties::empty())
            .unwrap();
        h.advance(Duration::from_secs(5)).unwrap();
    }
    assert!(!h.pair.b.received_types().contains(&PacketType::PingReq));
    let mut cfg = config(ProtocolVersion::V5);
    cfg.keep_alive = 0;
    let mut h = connected(cfg);
    assert_eq!(h.pair.a.poll_timeout(), None);
    h.advance(Duration::from_secs(3600)).unwrap();
    assert_eq!(h.pair.b.received_types(), vec![PacketType::Connect]);
}

#[test]
fn server_keep_alive_replaces_ours() {
    // [MQTT-3.1.2-21], [MQTT-3.2.2-21] (5.0): the Server Keep Alive replaces the client's.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.keep_alive = 100;
    let mut h = ClientHarness::new(cfg);
    h.broker()
        .set_connack_properties(&[Property::ServerKeepAlive(3)])
        .unwrap();
    h.connect().unwrap();
    h.pair.b.clear_received();
    h.advance(Duration::from_secs(3)).unwrap();
    assert_eq!(h.pair.b.received_types(), vec![PacketType::PingReq]);
}

#[test]
fn reconnect_backs_off_with_jitter_and_resets_after_a_stable_connection() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.reconnect.min_delay = Duration::from_secs(1);
    cfg.reconnect.max_delay = Duration::from_secs(8);
    cfg.reconnect.stable_after = Duration::from_secs(30);
    let mut h = connected(cfg);
    h.reachable = false;
    h.pair.close();
    h.drive().unwrap();
    let mut delays = vec![];
    let mut last = h.now();
    for _ in 0..6 {
        h.step().unwrap();
        delays.push((h.now() - last).as_millis());
        last = h.now();
    }
    let attempts: Vec<u32> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ReconnectDue { attempt } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, vec![1, 2, 3, 4, 5, 6]);
    for (n, d) in delays.iter().enumerate() {
        let cap = (1000u128 << n).min(8000);
        assert!(
            *d >= cap / 2 && *d <= cap,
            "attempt {n}: {d} ms not in [{}, {cap}]",
            cap / 2
        );
    }
    // Reachable again: connects; a long stable connection resets the backoff.
    h.reachable = true;
    h.step().unwrap();
    assert!(h.pair.a.is_connected());
    h.advance(Duration::from_secs(60)).unwrap();
    h.take();
    h.pair.close();
    h.drive().unwrap();
    let at = lost(&h.events)[0].reconnect_at.unwrap();
    let wait = at - h.now();
    assert!(
        wait >= Duration::from_millis(500) && wait <= Duration::from_secs(1),
        "{wait:?}"
    );
}

#[test]
fn disconnect_stops_reconnecting_and_reconnect_off_goes_idle() {
    let mut h = connected(config(ProtocolVersion::V5));
    h.client().disconnect().unwrap();
    h.drive().unwrap();
    assert_eq!(h.pair.a.state(), State::Idle);
    assert!(h.events.contains(&Event::Disconnected));
    assert_eq!(
        h.pair.b.received_types().last(),
        Some(&PacketType::Disconnect)
    );
    assert_eq!(h.pair.a.poll_timeout(), None);
    assert!(matches!(
        h.client().disconnect(),
        Err(Error::Usage(UsageError::InvalidState(_)))
    ));
    let mut cfg = config(ProtocolVersion::V5);
    cfg.reconnect.enabled = false;
    let mut h = connected(cfg);
    h.pair.close();
    h.drive().unwrap();
    assert_eq!(h.pair.a.state(), State::Idle);
    assert_eq!(lost(&h.events)[0].reconnect_at, None);
    // connect() again works.
    h.connect().unwrap();
    assert!(h.pair.a.is_connected());
    assert!(matches!(
        h.client().connect(),
        Err(Error::Usage(UsageError::InvalidState(_)))
    ));
}

#[test]
fn invalid_config_is_refused_by_connect() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.max_inflight = 0;
    let mut c = crate::client::Client::new(cfg);
    assert!(matches!(
        c.connect(),
        Err(Error::Usage(UsageError::InvalidConfig(_)))
    ));
    assert_eq!(c.state(), State::Idle);
    // A transport the client did not ask for is ignored.
    c.handle_connected(Instant::ZERO);
    assert_eq!(c.state(), State::Idle);
    assert_eq!(c.poll_event(), None);
    let mut out = vec![];
    assert_eq!(c.poll_transmit(Instant::ZERO, &mut out), 0);
}

#[test]
fn the_will_goes_into_connect_in_both_versions() {
    // [MQTT-3.1.2-9] (both versions): with the Will Flag, the Will Topic and Payload (and in 5.0 the Will Properties) are in the payload.
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut cfg = config(v);
        let props = [Property::WillDelayInterval(5)];
        cfg.will = Some(crate::client::WillConfig {
            topic: "dev/status".into(),
            payload: b"offline".to_vec(),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: if v == ProtocolVersion::V5 {
                crate::codec::OwnedProperties::from_properties(
                    &Properties::new(&props),
                    crate::codec::PropertyContext::Will,
                )
                .unwrap()
            } else {
                crate::codec::OwnedProperties::new()
            },
        });
        let h = connected(cfg);
        match h.pair.b.received_packets().next() {
            Some(Packet::Connect(c)) => {
                let w = c.will.unwrap();
                assert_eq!(
                    (w.topic, w.payload, w.qos, w.retain),
                    ("dev/status", &b"offline"[..], QoS::AtLeastOnce, true)
                );
                let delay = w.properties.will_delay_interval();
                assert_eq!(delay, (v == ProtocolVersion::V5).then_some(5), "{v}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_driver_may_reconnect_before_the_backoff_ends() {
    let mut h = connected(config(ProtocolVersion::V5));
    h.pair.close();
    h.drive().unwrap();
    assert_eq!(h.pair.a.state(), State::Backoff);
    let due = h.pair.a.poll_timeout().unwrap();
    h.pair.open();
    h.drive().unwrap();
    assert!(h.pair.a.is_connected());
    assert!(h.pair.now < due);
    // The reconnect timer is gone: no ReconnectDue later.
    h.take();
    h.advance(Duration::from_secs(120)).unwrap();
    assert!(
        !h.events
            .iter()
            .any(|e| matches!(e, Event::ReconnectDue { .. }))
    );
}

#[test]
fn a_new_client_id_is_used_by_the_next_connect_only() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.credentials = Credentials::AskEachTime;
    cfg.reconnect.min_delay = Duration::from_millis(100);
    let mut h = ClientHarness::new(cfg);
    h.credentials = Some((Some("dev".into()), Some(b"pw".to_vec())));
    h.connect().unwrap();
    match h.pair.b.received_packets().next() {
        Some(Packet::Connect(c)) => assert_eq!(c.client_id, "test-client"),
        other => panic!("{other:?}"),
    }
    // Changed while connected: the CONNECT already sent keeps the old id.
    h.client().set_client_id("test-client-2").unwrap();
    assert_eq!(h.pair.a.client_id(), "test-client-2");
    h.pair.close();
    h.pair.b.clear_received();
    h.advance(Duration::from_secs(1)).unwrap();
    assert!(h.pair.a.is_connected());
    match h.pair.b.received_packets().next() {
        Some(Packet::Connect(c)) => assert_eq!(c.client_id, "test-client-2"),
        other => panic!("{other:?}"),
    }
    // What MQTT cannot carry is refused and changes nothing.
    let long = "x".repeat(65_536);
    for bad in ["a\0b", long.as_str()] {
        assert!(matches!(
            h.client().set_client_id(bad),
            Err(Error::Usage(UsageError::InvalidArgument(_)))
        ));
    }
    assert_eq!(h.pair.a.client_id(), "test-client-2");
    let mut cfg = config(ProtocolVersion::V311);
    cfg.clean_start = false;
    let mut c = crate::client::Client::new(cfg);
    assert!(c.set_client_id("").is_err());
    assert_eq!(c.client_id(), "test-client");
}

#[test]
fn a_v5_reconnect_resumes_only_a_session_that_outlives_the_connection() {
    // [MQTT-3.1.2-23] (5.0): the session state is kept after the connection closes when Session Expiry > 0.
    let clean_starts = |h: &ClientHarness| -> Vec<bool> {
        h.pair
            .b
            .received_packets()
            .filter_map(|p| match p {
                Packet::Connect(c) => Some(c.clean_start),
                _ => None,
            })
            .collect()
    };
    let reconnect = |h: &mut ClientHarness| {
        h.pair.close();
        h.advance(Duration::from_secs(70)).unwrap();
        assert!(h.pair.a.is_connected());
    };
    // Session Expiry 0: nothing is left after a loss, so every CONNECT starts clean.
    let mut h = connected(config(ProtocolVersion::V5));
    reconnect(&mut h);
    assert_eq!(clean_starts(&h), [true, true]);
    // The server's Session Expiry Interval in CONNACK is the one in force: resume.
    let mut h = ClientHarness::new(config(ProtocolVersion::V5));
    h.broker()
        .set_connack_properties(&[Property::SessionExpiryInterval(60)])
        .unwrap();
    h.connect().unwrap();
    reconnect(&mut h);
    assert_eq!(clean_starts(&h), [true, false]);
    // Ours above 0: resume.
    let mut cfg = config(ProtocolVersion::V5);
    cfg.session_expiry = 30;
    let mut h = connected(cfg);
    reconnect(&mut h);
    assert_eq!(clean_starts(&h), [true, false]);
}
