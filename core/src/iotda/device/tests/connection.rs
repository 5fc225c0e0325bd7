//! Connecting under IoTDA's rules: fresh credentials on every attempt, no retry after bad
//! credentials, refusals before the wire, the optional QoS 1 subscription.

use core::time::Duration;

use super::*;
use crate::ReasonCode;
use crate::error::{Error, ProtocolError, UsageError};
use crate::iotda::{ConnectTimestamp, IotdaError, SigType, compute_password, downstream_filters};

/// ClientId, user name, password and keep-alive of a CONNECT.
type ConnectFields = (String, Option<String>, Option<Vec<u8>>, u16);

/// Every CONNECT the platform got.
fn connects(s: &Scenario) -> Vec<ConnectFields> {
    s.pair
        .b
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::ConnectRequest(r) => Some((
                r.client_id.clone(),
                r.username.clone(),
                r.password.as_ref().map(|p| p.expose().to_vec()),
                r.keep_alive,
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn each_reconnect_logs_in_with_the_hour_it_happens_in() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.auth = auth().with_sig_type(SigType::HmacSha256Checked);
    let mut platform = Platform::new();
    // A stale timestamp is refused: only fresh credentials get in.
    platform.verifier = Verifier::new().with_tolerance_secs(0);
    let mut s = Scenario::with_platform(cfg, platform);
    s.connect();
    assert!(s.device().is_connected());
    // An hour later the platform drops the link; the device reconnects on its own.
    s.advance(Duration::from_secs(3_600));
    s.pair.close();
    s.advance(Duration::from_secs(60));
    assert!(s.device().is_connected(), "{:?}", s.events);
    let logins = s.platform().logins.clone();
    assert_eq!(
        logins,
        [
            (format!("{DEVICE}_0_1_2026112508"), Ok(())),
            (format!("{DEVICE}_0_1_2026112509"), Ok(())),
        ]
    );
}

#[test]
fn the_password_in_connect_is_made_from_the_attempts_hour() {
    let mut s = Scenario::connected(config(ProtocolVersion::V5));
    s.advance(Duration::from_secs(2 * 3_600));
    s.pair.close();
    s.advance(Duration::from_secs(60));
    assert!(s.device().is_connected());
    let secret = DeviceSecret::new(SECRET).unwrap();
    let seen = connects(&s);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, format!("{DEVICE}_0_0_2026112508"));
    assert_eq!(seen[1].0, format!("{DEVICE}_0_0_2026112510"));
    for (client_id, username, password, keep_alive) in &seen {
        let ts = ConnectTimestamp::parse(&client_id[client_id.len() - 10..]).unwrap();
        let expected = compute_password(&secret, &ts, SigType::HmacSha256);
        assert_eq!(password.as_deref(), Some(expected.as_bytes()));
        assert_eq!(username.as_deref(), Some(DEVICE));
        assert_eq!(*keep_alive, 120);
    }
    assert_ne!(seen[0].2, seen[1].2);
    // Clean session on every attempt, in 5.0 too; no Will.
    let requests: Vec<_> = s
        .pair
        .b
        .events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::ConnectRequest(r) => Some((r.clean_start, r.will.is_none())),
            _ => None,
        })
        .collect();
    assert_eq!(requests, [(true, true), (true, true)]);
}

#[test]
fn bad_credentials_stop_the_reconnects() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut platform = Platform::new();
        platform.secrets = vec![(DEVICE.into(), "another-secret".into())];
        let mut s = Scenario::with_platform(config(version), platform);
        s.connect();
        assert!(!s.device().is_connected());
        let lost = s
            .take()
            .into_iter()
            .find_map(|e| match e {
                DeviceEvent::Mqtt(Event::ConnectionLost(l)) => Some(l),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            lost.error,
            Error::Protocol(ProtocolError::ConnectRefused(
                ReasonCode::BadUserNameOrPassword
            ))
        );
        assert_eq!(lost.reconnect_at, None);
        // No reconnect, ever, and no second login; the device is idle until `connect`.
        s.advance(Duration::from_secs(600));
        assert_eq!(s.platform().logins.len(), 1, "{version}");
        assert!(s.take().iter().all(|e| !matches!(
            e,
            DeviceEvent::Mqtt(Event::ReconnectDue { .. } | Event::Disconnected)
        )));
        assert_eq!(s.device().client().state(), crate::client::State::Idle);
        assert_eq!(s.device().poll_timeout(), None);
        // Fixed credentials: connect again and get in.
        s.platform().secrets = vec![(DEVICE.into(), SECRET.into())];
        s.connect();
        assert!(s.device().is_connected());
    }
}

/// An unknown device (CONNACK 5, not authorised) stops too by default; the set is the
/// application's to change.
#[test]
fn which_refusals_stop_is_configurable() {
    use crate::client::ConnackRefusals;
    use crate::codec::ConnectReason;
    for keep_trying in [false, true] {
        let mut platform = Platform::new();
        platform.secrets.clear();
        let mut cfg = config(ProtocolVersion::V311);
        if keep_trying {
            cfg.reconnect.stop_on =
                ConnackRefusals::default().without(ConnectReason::NotAuthorized);
        }
        let mut s = Scenario::with_platform(cfg, platform);
        s.connect();
        s.advance(Duration::from_secs(120));
        let logins = &s.platform().logins;
        assert!(
            logins
                .iter()
                .all(|(_, v)| *v == Err(LoginRejection::UnknownDevice))
        );
        if keep_trying {
            assert!(logins.len() >= 3, "{logins:?}");
        } else {
            assert_eq!(logins.len(), 1, "{logins:?}");
            assert_eq!(s.device().client().state(), crate::client::State::Idle);
        }
    }
}

#[test]
fn what_iotda_refuses_never_reaches_the_wire() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    let before = s.pair.bytes_a_to_b;
    let d = s.device();
    let custom = "factory/line1";
    assert_eq!(
        d.publish(custom, b"x", QoS::ExactlyOnce, false),
        Err(UsageError::QosNotSupported.into())
    );
    assert_eq!(
        d.publish(custom, b"x", QoS::AtMostOnce, true),
        Err(UsageError::RetainNotSupported.into())
    );
    let big = vec![b'x'; crate::iotda::MAX_PUBLISH_BYTES + 1];
    assert!(matches!(
        d.publish(custom, &big, QoS::AtMostOnce, false),
        Err(Error::Usage(UsageError::PacketTooLarge { size, max: 1_048_576 })) if size == big.len()
    ));
    assert!(matches!(
        d.send_message(&big, crate::iotda::ReportSuffix::None),
        Err(Error::Usage(UsageError::PacketTooLarge { .. }))
    ));
    // Topics the device may not publish on: downstream, another device's, not catalogued.
    for bad in [
        topic("commands/request_id=1"),
        "$oc/devices/other_dev/sys/properties/report".into(),
        "$oc/devices/x/sys/nope".into(),
        "a/+/b".into(),
    ] {
        assert!(
            matches!(
                d.publish(&bad, b"{}", QoS::AtMostOnce, false),
                Err(Error::Usage(_))
            ),
            "{bad}"
        );
    }
    assert_eq!(
        d.subscribe("a/b", QoS::ExactlyOnce),
        Err(UsageError::QosNotSupported.into())
    );
    for i in 0..50 {
        d.subscribe(&format!("custom/{i}"), QoS::AtLeastOnce)
            .unwrap();
    }
    assert_eq!(
        d.subscribe("custom/50", QoS::AtMostOnce),
        Err(IotdaError::TooManySubscriptions { max: 50 }.into())
    );
    // Re-subscribing to a filter already held does not count twice.
    d.subscribe("custom/7", QoS::AtMostOnce).unwrap();
    d.unsubscribe("custom/0").unwrap();
    d.subscribe("custom/50", QoS::AtMostOnce).unwrap();
    assert_eq!(d.queued_upstream(), 0);
    s.drive();
    // Only the subscriptions went out: 50 granted plus the one re-subscribed and the last.
    assert!(s.platform().received.is_empty());
    assert_eq!(s.platform().subscribed().len(), 52);
    assert!(s.pair.bytes_a_to_b > before);
    assert!(s.device().is_connected());

    // A keep-alive IoTDA would refuse is refused by connect.
    let mut cfg = config(ProtocolVersion::V311);
    cfg.keep_alive = 1_201;
    let mut d = IotdaDevice::new(cfg);
    assert!(matches!(
        d.connect(),
        Err(Error::Usage(UsageError::InvalidConfig(w))) if w.starts_with("keep_alive")
    ));
    assert_eq!(d.client().state(), crate::client::State::Idle);
    d.handle_connected(Instant::ZERO, utc_at(Instant::ZERO));
    let mut out = Vec::new();
    assert_eq!(d.poll_transmit(Instant::ZERO, &mut out), 0);
}

#[test]
fn the_downstream_system_topics_can_be_subscribed_at_qos_1() {
    let mut cfg = config(ProtocolVersion::V5);
    cfg.subscribe_downstream_qos1 = true;
    let mut s = Scenario::connected(cfg);
    let expected: Vec<(String, QoS)> = downstream_filters(&DeviceId::new(DEVICE).unwrap())
        .into_iter()
        .map(|f| (f, QoS::AtLeastOnce))
        .collect();
    assert_eq!(s.platform().subscribed(), expected);
    // Renewed on the next (clean) session, and still 6 of the 50.
    s.pair.close();
    s.advance(Duration::from_secs(60));
    assert!(s.device().is_connected());
    let twice: Vec<_> = expected.iter().chain(&expected).cloned().collect();
    assert_eq!(s.platform().subscribed(), twice);
    for i in 0..44 {
        s.device()
            .subscribe(&format!("c/{i}"), QoS::AtMostOnce)
            .unwrap();
    }
    assert!(s.device().subscribe("c/44", QoS::AtMostOnce).is_err());
}

#[test]
fn debug_output_shows_no_secret() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    let shown = format!("{:?}", s.device());
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains(DEVICE));
    let config = format!("{:?}", s.device().config());
    assert!(!config.contains(SECRET), "{config}");
}
