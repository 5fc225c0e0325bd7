//! `iotmqtt decode`, run as a process.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{run, stderr, stdout};

use iotmqtt::{
    Connect, Packet, Properties, Property, ProtocolVersion, Publish, QoS, Subscribe, Subscription,
    encode,
};

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CONNECT (3.1.1, client "a", user "u", password "pw"), SUBSCRIBE "t/#" QoS 1, PUBLISH QoS 1
/// "t/1" "hi" (id 7), PINGREQ — encoded by the core.
fn stream() -> String {
    let v = ProtocolVersion::V311;
    let mut wire = Vec::new();
    let connect = Connect {
        protocol: v,
        clean_start: true,
        keep_alive: 60,
        properties: Properties::empty(),
        client_id: "a",
        will: None,
        username: Some("u"),
        password: Some(b"pw"),
    };
    encode(&Packet::Connect(connect), v, &mut wire).unwrap();
    let subs = [Subscription::new("t/#", QoS::AtLeastOnce)];
    let subscribe = Subscribe {
        packet_id: iotmqtt::PacketId::new(1).unwrap(),
        properties: Properties::empty(),
        subscriptions: iotmqtt::List::new(&subs),
    };
    encode(&Packet::Subscribe(subscribe), v, &mut wire).unwrap();
    let mut publish = Publish::new("t/1", b"hi");
    publish.qos = QoS::AtLeastOnce;
    publish.packet_id = iotmqtt::PacketId::new(7);
    encode(&Packet::Publish(publish), v, &mut wire).unwrap();
    encode(&Packet::PingReq, v, &mut wire).unwrap();
    hex(&wire)
}

#[test]
fn a_valid_stream_decodes_to_a_tree() {
    let out = run(&["decode", &stream()], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "#0 CONNECT at byte 0, 22 bytes (MQTT 3.1.1)",
        "client_id: a",
        "username: u",
        "password: <2 bytes, not shown>",
        "#1 SUBSCRIBE at byte 22, 10 bytes",
        "filter: t/#",
        "#2 PUBLISH at byte 32, 11 bytes",
        "topic: t/1",
        "packet_id: 7",
        "payload: \"hi\"",
        "#3 PINGREQ at byte 43, 2 bytes",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(
        !text.contains("pw"),
        "the password must not be shown:\n{text}"
    );
}

#[test]
fn json_from_stdin() {
    let out = run(&["decode", "--json", "-"], &stream());
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let types: Vec<&str> = v["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["CONNECT", "SUBSCRIBE", "PUBLISH", "PINGREQ"]);
    assert_eq!(v["packets"][2]["fields"]["payload"], "hi");
    assert_eq!(
        v["packets"][1]["fields"]["subscriptions"][0]["options"]["qos"],
        1
    );
    assert!(v["error"].is_null());
}

#[test]
fn a_v5_publish_shows_its_properties() {
    // PUBLISH QoS 0 "a" with Content Type "t" and a User Property ("k","v"), payload "x".
    let props = [Property::ContentType("t"), Property::UserProperty("k", "v")];
    let mut publish = Publish::new("a", b"x");
    publish.properties = Properties::new(&props);
    let mut wire = Vec::new();
    encode(&Packet::Publish(publish), ProtocolVersion::V5, &mut wire).unwrap();
    let out = run(&["decode", "--v5", &hex(&wire)], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ContentType: t"), "{text}");
    assert!(text.contains("UserProperty:"), "{text}");
}

#[test]
fn malformed_input_names_the_offset_and_the_rule() {
    // PINGREQ, then a PUBLISH whose topic "a/+" holds a wildcard.
    let out = run(&["decode", "--v3", "c0 00 30 06 00 03 61 2f 2b 78"], "");
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("(PUBLISH at byte 2)"), "{err}");
    assert!(err.contains("at byte 8 "), "the '+' is byte 8: {err}");
    assert!(err.contains("[MQTT-3.3.2-2]"), "{err}");
    // The packet before the error was printed.
    assert!(stdout(&out).contains("#0 PINGREQ"));

    // A reserved packet type at byte 0, in JSON.
    let out = run(&["decode", "--json", "00 00"], "");
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["error"]["offset"], 0);
    assert_eq!(v["error"]["rule"], "MQTT-2.1.2");
}

#[test]
fn a_truncated_stream_and_bad_hex() {
    let out = run(&["decode", "30 05 00"], "");
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));

    let out = run(&["decode", "c0 0z"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("'z' at character 4"),
        "{}",
        stderr(&out)
    );
}
