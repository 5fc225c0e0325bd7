//! Property tests: arbitrary downstream publishes (topics near and far from the catalogue, any
//! payload, either QoS) never panic, never break the session, and never leave the device
//! unable to answer the next command.

use proptest::prelude::*;
use std::vec; // prop_oneof! expands to vec![]

use super::*;

/// Topics around the catalogue: real system paths with random tails and request ids, other
/// devices, bridge and custom topics, and random text.
fn topic_strategy() -> impl Strategy<Value = String> {
    let paths = prop::sample::select(vec![
        "commands/request_id=",
        "properties/set/request_id=",
        "properties/get/request_id=",
        "shadow/get/response/request_id=",
        "messages/down",
        "events/down",
        "bootstrap/down",
        "properties/report",
        "events/up",
        "commands/response/request_id=",
        "nope/",
    ]);
    prop_oneof![
        (paths.clone(), "[a-zA-Z0-9=_-]{0,12}")
            .prop_map(|(p, tail)| format!("$oc/devices/{DEVICE}/sys/{p}{tail}")),
        (paths, "[a-z]{1,8}").prop_map(|(p, id)| format!("$oc/devices/{id}/sys/{p}")),
        "[a-z]{1,8}".prop_map(|n| format!("$oc/devices/{DEVICE}/user/{n}")),
        "[a-z]{1,8}".prop_map(|b| format!("$oc/bridges/{b}/devices/{DEVICE}/sys/messages/down")),
        "[a-zA-Z0-9/$_=-]{1,40}",
    ]
}

/// Payloads: JSON shaped like the documented ones (with wrong types and nulls), random JSON
/// text and random bytes.
fn payload_strategy() -> impl Strategy<Value = Vec<u8>> {
    let shaped = prop::sample::select(vec![
        r#"{"paras":{}}"#,
        r#"{"services":null}"#,
        r#"{"services":[{"service_id":"$ota","event_type":"version_query","paras":{}}]}"#,
        r#"{"services":[{"service_id":"$ota","event_type":"firmware_upgrade","paras":{"version":1}}]}"#,
        r#"{"services":[{"service_id":"$time_sync","event_type":"time_sync_response","paras":{"device_send_time":"1","server_recv_time":2,"server_send_time":3}}]}"#,
        r#"{"services":[{"service_id":1}]}"#,
        r#"{"object_device_id":"x","shadow":[{"service_id":"s","version":-1}]}"#,
        r#"{"address":"h:1","deviceSecret":""}"#,
        r#"{"errorCode":100414}"#,
        r#"{"content":{"a":[1,2,{"b":null}]}}"#,
        "[]",
        "null",
        "",
    ])
    .prop_map(|s| s.as_bytes().to_vec());
    prop_oneof![
        shaped,
        "[{}\\[\\]\":,a-z0-9 ]{0,64}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..128),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_downstream_publishes_never_break_the_session(
        messages in prop::collection::vec(
            (topic_strategy(), payload_strategy(), any::<bool>()),
            1..24,
        ),
        v5 in any::<bool>(),
        bootstrap in any::<bool>(),
    ) {
        let version = if v5 { ProtocolVersion::V5 } else { ProtocolVersion::V311 };
        let mut cfg = config(version);
        if bootstrap {
            cfg.bootstrap = Some(crate::iotda::BootstrapRequest::default());
        }
        let mut s = Scenario::connected(cfg);
        for (topic, payload, qos1) in &messages {
            // Either QoS on any topic, a subscribed one above its granted QoS included: the
            // client handles what it receives at the QoS it came with (the regression file keeps
            // the case where a QoS 1 `bootstrap/down` on its QoS 0 subscription once broke the
            // session).
            let qos = if *qos1 { QoS::AtLeastOnce } else { QoS::AtMostOnce };
            let now = s.now();
            // Topics MQTT itself cannot carry are the codec's business, not the device's.
            let _ = s
                .platform()
                .session
                .publish(now, ServerMessage::new(topic.as_str(), payload.clone(), qos));
            s.drive();
        }
        // A bootstrap answer may have moved the device to its provisioned identity: it is
        // connected again in every case.
        prop_assert!(s.device().is_connected(), "{:?}", s.events);
        s.take();
        s.send(&topic("commands/request_id=last"), br#"{"command_name":"c","paras":{}}"#);
        let events = s.take_iotda();
        let found = events.iter().any(|e| matches!(
            e,
            DeviceEvent::Command { request_id, .. } if request_id == "last"
        ));
        prop_assert!(found, "{:?}", events);
        let reply = crate::iotda::CommandResponse::success(None);
        s.device().respond_command("last", &reply).unwrap();
        s.drive();
        let (t, _) = s.platform().json().pop().unwrap();
        prop_assert_eq!(t, topic("commands/response/request_id=last"));
    }
}
