//! Provisioning: connect to the bootstrap endpoint with the registration group's secret,
//! subscribe, ask, read the answer and reconnect as the provisioned device.

use core::time::Duration;

use super::*;
use crate::iotda::{BootstrapRequest, PendingRequest, RequestKind, ScopeId};

const GROUP: &str = "c2VjcmV0LWdyb3VwLWtleQ==";
const SCOPE: &str = "a1b2c3d4e5f6";

fn bootstrap_config(keyword: Option<&str>) -> DeviceConfig {
    let id = DeviceId::new(DEVICE).unwrap();
    let group = GroupSecret::new(GROUP).unwrap();
    let mut cfg = config(ProtocolVersion::V311);
    cfg.auth = DeviceAuth::bootstrap_group_secret(id, &group, ScopeId::new(SCOPE).unwrap());
    cfg.bootstrap = Some(BootstrapRequest {
        base_strategy_keyword: keyword.map(String::from),
    });
    cfg
}

fn platform(answer: Option<&str>, device_secret: &str) -> Platform {
    let mut p = Platform::new();
    p.group = Some(GroupSecret::new(GROUP).unwrap());
    p.secrets = vec![(DEVICE.into(), device_secret.into())];
    p.bootstrap_answer = answer.map(|a| a.as_bytes().to_vec());
    p
}

#[test]
fn the_device_provisions_then_connects_with_the_secret_that_came_back() {
    let answer = r#"{"address":"iot-mqtts.example.com:8883","deviceSecret":"new-secret","initConfig":"{\"a\":1}"}"#;
    let mut s =
        Scenario::with_platform(bootstrap_config(None), platform(Some(answer), "new-secret"));
    assert!(s.device().is_bootstrapping());
    s.connect();
    assert!(s.device().is_connected(), "{:?}", s.events);
    assert!(!s.device().is_bootstrapping());
    let p = s.platform();
    assert_eq!(
        p.logins,
        [
            (format!("{DEVICE}_0_{SCOPE}_0_2026112508"), Ok(())),
            (format!("{DEVICE}_0_0_2026112508"), Ok(())),
        ]
    );
    // The bootstrap connection subscribed to its answer topic at QoS 0 and sent an empty
    // request; the provisioned connection subscribed to nothing.
    assert_eq!(p.subscribed(), [(topic("bootstrap/down"), QoS::AtMostOnce)]);
    assert_eq!(p.received.len(), 1);
    assert_eq!(p.received[0].topic, topic("bootstrap/up"));
    assert!(p.received[0].payload.is_empty());
    let bootstrapped: Vec<_> = s
        .take()
        .into_iter()
        .filter_map(|e| match e {
            DeviceEvent::Bootstrapped {
                address,
                init_config,
                secret_changed,
            } => Some((address, init_config, secret_changed)),
            _ => None,
        })
        .collect();
    assert_eq!(
        bootstrapped,
        [(
            "iot-mqtts.example.com:8883".into(),
            Some(serde_json::Value::String(r#"{"a":1}"#.into())),
            true
        )]
    );
    assert_eq!(
        s.device()
            .config()
            .auth
            .device_secret()
            .map(|s| s.expose().to_string()),
        Some("new-secret".into())
    );
    assert_eq!(s.device().pending_requests(), 0);
    // The provisioned device works as any other.
    s.send(&topic("commands/request_id=1"), br#"{"paras":{}}"#);
    assert!(matches!(
        s.take_iotda().as_slice(),
        [DeviceEvent::Command { .. }]
    ));
}

#[test]
fn without_a_secret_in_the_answer_the_derived_secret_is_used() {
    let derived = GroupSecret::new(GROUP)
        .unwrap()
        .derive_device_secret(&DeviceId::new(DEVICE).unwrap());
    let answer = r#"{"address":"iot.example.com:8883"}"#;
    let mut s = Scenario::with_platform(
        bootstrap_config(Some("line-1")),
        platform(Some(answer), derived.expose()),
    );
    s.connect();
    assert!(s.device().is_connected(), "{:?}", s.events);
    let p = s.platform();
    assert_eq!(p.logins.len(), 2);
    assert_eq!(p.logins[1], (format!("{DEVICE}_0_0_2026112508"), Ok(())));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&p.received[0].payload).unwrap(),
        json(r#"{"baseStrategyKeyword":"line-1"}"#)
    );
    assert!(s.take().iter().any(|e| matches!(
        e,
        DeviceEvent::Bootstrapped {
            secret_changed: false,
            init_config: None,
            ..
        }
    )));
}

#[test]
fn a_failure_is_reported_and_the_request_can_be_retried_or_time_out() {
    let failure = r#"{"errorCode":"100414","errorMsg":"no policy"}"#;
    let mut s = Scenario::with_platform(bootstrap_config(None), platform(Some(failure), "x"));
    s.connect();
    assert!(s.device().is_connected());
    assert!(s.device().is_bootstrapping());
    let failed: Vec<_> = s
        .take_iotda()
        .into_iter()
        .filter_map(|e| match e {
            DeviceEvent::BootstrapFailed(f) => Some(f.error_code),
            _ => None,
        })
        .collect();
    assert_eq!(failed, ["100414"]);
    assert_eq!(s.device().pending_requests(), 0);

    // No answer this time: the request times out.
    s.platform().bootstrap_answer = None;
    let id = s.device().request_bootstrap().unwrap();
    s.advance(Duration::from_secs(30));
    assert_eq!(
        s.take_iotda(),
        [DeviceEvent::Timeout(PendingRequest {
            kind: RequestKind::Bootstrap,
            id,
        })]
    );
    // The answer comes at last.
    s.platform().bootstrap_answer = Some(br#"{"address":"h:8883","deviceSecret":"x"}"#.to_vec());
    s.device().request_bootstrap().unwrap();
    s.drive();
    assert!(s.device().is_connected());
    assert!(!s.device().is_bootstrapping());
    assert_eq!(s.platform().logins.len(), 2);
    // Not provisioning any more: no request to retry.
    assert!(s.device().request_bootstrap().is_err());
}

#[test]
fn an_empty_secret_in_the_answer_is_bad_input_and_changes_nothing() {
    let answer = r#"{"address":"h:8883","deviceSecret":""}"#;
    let mut s = Scenario::with_platform(bootstrap_config(None), platform(Some(answer), "x"));
    s.connect();
    assert!(s.device().is_bootstrapping());
    assert!(s.device().is_connected());
    assert!(s.take_iotda().iter().any(|e| matches!(
        e,
        DeviceEvent::BadInput(b) if b.topic == topic("bootstrap/down")
    )));
    assert_eq!(s.platform().logins.len(), 1);
}
