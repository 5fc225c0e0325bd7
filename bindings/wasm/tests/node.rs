//! The bindings under Node (wasm-bindgen-test-runner): codec round trip and field offsets, the
//! error fields, IoTDA credentials against the shared vectors, topics, and a client session
//! over scripted bytes. Run by `make wasm-test`.
#![cfg(target_arch = "wasm32")]
// A failing test panics: helpers unwrap and index like the tests do; the lengths cast are of
// the tests' own short constants.
#![allow(
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iotmqtt_wasm::{
    Client, IotdaDevice, build_topic, compute_password, decode, encode, inspect, iotda_credentials,
    parse_topic,
};
use js_sys::{Array, JSON, Reflect, Uint8Array};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// The shared IoTDA vectors, compiled in from the repository's copy.
const VECTORS: &str = include_str!("../../../tests/vectors/iotda-auth.json");

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn number(v: &JsValue, key: &str) -> Option<f64> {
    get(v, key).as_f64()
}

fn bytes(v: &JsValue) -> Vec<u8> {
    v.dyn_ref::<Uint8Array>().expect("a Uint8Array").to_vec()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| *c != ' ').collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn a_publish_round_trips_through_encode_and_decode() {
    let packet = js(
        r#"{"type": "publish", "topic": "a/b", "qos": 1, "packetId": 7,
        "properties": {"contentType": "text/plain", "userProperties": [["k", "v"]]},
        "payload": "hi"}"#,
    );
    let wire = encode(&packet, "5").unwrap();
    let d = decode(&wire, "5", None).unwrap();
    assert_eq!(number(&d, "length"), Some(wire.len() as f64));
    let p = get(&d, "packet");
    assert_eq!(text(&p, "type").as_deref(), Some("publish"));
    assert_eq!(text(&p, "topic").as_deref(), Some("a/b"));
    assert_eq!(number(&p, "packetId"), Some(7.0));
    assert_eq!(bytes(&get(&p, "payload")), b"hi");
    let props = get(&p, "properties");
    assert_eq!(text(&props, "contentType").as_deref(), Some("text/plain"));
    // Encoding the decoded object again gives the same bytes.
    assert_eq!(encode(&p, "5").unwrap(), wire);
}

#[wasm_bindgen_test]
fn a_partial_packet_says_how_many_bytes_are_missing() {
    let d = decode(&[0x30, 0x05, 0x00], "3.1.1", None).unwrap();
    assert!(get(&d, "packet").is_null());
    assert_eq!(number(&d, "needed"), Some(4.0));
    assert_eq!(get(&d, "neededExact").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn inspect_gives_each_field_its_bytes() {
    // PUBLISH QoS 1 "a/b", packet id 10, payload "hi".
    let wire = unhex("32 09 00 03 61 2f 62 00 0a 68 69");
    let r = inspect(&wire, "3.1.1", None).unwrap();
    assert!(get(&r, "error").is_null());
    let fields: Vec<JsValue> = Array::from(&get(&r, "fields")).iter().collect();
    let keys: Vec<String> = fields.iter().map(|f| text(f, "key").unwrap()).collect();
    assert_eq!(keys, ["fixed_header", "topic", "packet_id", "payload"]);
    let span = |f: &JsValue| (number(f, "start").unwrap(), number(f, "end").unwrap());
    assert_eq!(span(&fields[0]), (0.0, 2.0));
    assert_eq!(span(&fields[1]), (2.0, 7.0));
    assert_eq!(text(&fields[1], "value").as_deref(), Some("a/b"));
    assert_eq!(span(&fields[2]), (7.0, 9.0));
    assert_eq!(number(&fields[2], "value"), Some(10.0));
    assert_eq!(span(&fields[3]), (9.0, 11.0));
    // The fixed header's parts: type (with its name), flags and the QoS bits, the length.
    let header: Vec<JsValue> = Array::from(&get(&fields[0], "children")).iter().collect();
    assert_eq!(text(&header[0], "name").as_deref(), Some("PUBLISH"));
    assert_eq!(text(&header[0], "kind").as_deref(), Some("code"));
    let qos = Array::from(&get(&header[1], "children"))
        .iter()
        .find(|c| text(c, "key").as_deref() == Some("qos"))
        .unwrap();
    assert_eq!(number(&qos, "value"), Some(1.0));
    assert_eq!(text(&header[2], "key").as_deref(), Some("remaining_length"));
}

#[wasm_bindgen_test]
fn malformed_bytes_throw_an_error_with_offset_and_rule() {
    // PUBLISH to "a/+": a wildcard in a Topic Name, at byte 6.
    let wire = unhex("30 05 00 03 61 2f 2b");
    let err = decode(&wire, "3.1.1", None).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(text(&err, "kind").as_deref(), Some("malformed"));
    assert_eq!(text(&err, "code").as_deref(), Some("topic_wildcard"));
    assert_eq!(number(&err, "offset"), Some(6.0));
    assert_eq!(text(&err, "rule").as_deref(), Some("MQTT-3.3.2-2"));
    assert_eq!(number(&err, "reasonCode"), Some(144.0)); // 0x90 Topic Name invalid
    // The inspector reports the same error and keeps the fields up to the bad byte.
    let r = inspect(&wire, "3.1.1", None).unwrap();
    assert_eq!(
        text(&get(&r, "error"), "code").as_deref(),
        Some("topic_wildcard")
    );
    let last = Array::from(&get(&r, "fields")).pop();
    assert_eq!(text(&last, "key").as_deref(), Some("topic"));
    assert!(number(&last, "start").unwrap() <= 6.0 && number(&last, "end").unwrap() > 6.0);
}

#[wasm_bindgen_test]
fn misuse_throws_a_usage_error_with_its_code() {
    let err = encode(&js(r#"{"type": "publish", "topic": "a/#"}"#), "5").unwrap_err();
    assert_eq!(text(&err, "kind").as_deref(), Some("usage"));
    assert_eq!(text(&err, "code").as_deref(), Some("topic_wildcard"));
    assert_eq!(text(&err, "rule").as_deref(), Some("MQTT-3.3.2-2"));
    let err = encode(&js(r#"{"type": "publish", "topik": "a"}"#), "5").unwrap_err();
    assert_eq!(text(&err, "code").as_deref(), Some("invalid_argument"));
    assert!(text(&err, "message").unwrap().contains("topik"));
    let err = Client::new(&js(r#"{"clientId": "c", "keepalive": 5}"#))
        .err()
        .unwrap();
    assert_eq!(text(&err, "code").as_deref(), Some("invalid_argument"));
}

#[wasm_bindgen_test]
fn credentials_match_the_shared_vectors() {
    let file: Value = serde_json::from_str(VECTORS).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let s = |k: &str| case.get(k).and_then(Value::as_str);
        let sig = case.get("sig_type").and_then(Value::as_u64).unwrap_or(0);
        let name = s("name").unwrap_or("");
        if let Some(ts) = s("timestamp") {
            let got = compute_password(s("secret").unwrap(), ts, Some(sig as u8)).unwrap();
            assert_eq!(Some(got.as_str()), s("password"), "{name}");
            continue;
        }
        let auth = serde_json::json!({
            "kind": s("kind"),
            "deviceId": s("device_id"),
            "secret": s("secret"),
            "groupSecret": s("group_secret"),
            "scopeId": s("scope_id"),
            "sigType": sig,
        });
        let c = iotda_credentials(
            &js(&auth.to_string()),
            &JsValue::from_str(s("utc").unwrap()),
        )
        .unwrap_or_else(|e| panic!("{name}: {:?}", text(&e, "message")));
        for (view, key) in [
            ("client_id", "clientId"),
            ("username", "username"),
            ("password", "password"),
            ("derived_secret", "derivedSecret"),
        ] {
            if let Some(want) = s(view) {
                assert_eq!(text(&c, key).as_deref(), Some(want), "{name}: {view}");
            }
        }
    }
}

#[wasm_bindgen_test]
fn the_utc_time_may_be_milliseconds_since_1970() {
    let auth = js(r#"{"deviceId": "5f1c0d2e_sensor01", "secret": "s3cr3t-Key"}"#);
    // 2026-11-25T08:00:00Z, as Date.now() would give it.
    let by_ms = iotda_credentials(&auth, &JsValue::from_f64(1_795_593_600_000.0)).unwrap();
    let by_text = iotda_credentials(&auth, &JsValue::from_str("2026-11-25T08:00:00Z")).unwrap();
    assert_eq!(text(&by_ms, "clientId"), text(&by_text, "clientId"));
    assert_eq!(text(&by_ms, "password"), text(&by_text, "password"));
    let bad = iotda_credentials(
        &js(r#"{"deviceId": "", "secret": "x"}"#),
        &JsValue::from_f64(0.0),
    );
    assert_eq!(
        text(&bad.unwrap_err(), "code").as_deref(),
        Some("invalid_device_id")
    );
}

#[wasm_bindgen_test]
fn topics_parse_and_build() {
    let t = parse_topic("$oc/devices/d1/sys/commands/request_id=7");
    assert_eq!(text(&t, "type").as_deref(), Some("device"));
    assert_eq!(text(&t, "deviceId").as_deref(), Some("d1"));
    assert_eq!(text(&t, "sys").as_deref(), Some("command"));
    assert_eq!(text(&t, "requestId").as_deref(), Some("7"));
    assert_eq!(text(&t, "direction").as_deref(), Some("down"));
    let back = build_topic(&js(
        r#"{"type": "device", "deviceId": "d1", "sys": "command_response", "requestId": "7"}"#,
    ))
    .unwrap();
    assert_eq!(back, "$oc/devices/d1/sys/commands/response/request_id=7");
    let err =
        build_topic(&js(r#"{"type": "user", "deviceId": "d1", "name": "a//b"}"#)).unwrap_err();
    assert_eq!(
        text(&err, "code").as_deref(),
        Some("invalid_user_topic_name")
    );
}

/// Everything the client has to send now.
fn drain(c: &mut Client, now: f64) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = c.poll_transmit(now) {
        out.extend(b);
    }
    out
}

#[wasm_bindgen_test]
fn a_client_session_over_scripted_bytes() {
    let mut c = Client::new(&js(
        r#"{"clientId": "c1", "protocol": "3.1.1", "keepAlive": 0}"#,
    ))
    .unwrap();
    assert_eq!(c.state(), "idle");
    c.connect().unwrap();
    c.handle_connected(0.0);
    assert_eq!(
        drain(&mut c, 0.0),
        unhex("10 0e 00 04 4d 51 54 54 04 02 00 00 00 02 63 31")
    );
    c.handle_bytes(10.0, &unhex("20 02 00 00"));
    let e = c.poll_event();
    assert_eq!(text(&e, "type").as_deref(), Some("connected"));
    assert_eq!(get(&e, "sessionPresent").as_bool(), Some(false));
    assert_eq!(c.state(), "connected");
    let id = c
        .publish(
            "a/b",
            &JsValue::from_str("hi"),
            Some(1),
            None,
            &JsValue::UNDEFINED,
        )
        .unwrap();
    assert_eq!(id, Some(1));
    assert_eq!(
        drain(&mut c, 10.0),
        unhex("32 09 00 03 61 2f 62 00 01 68 69")
    );
    c.handle_bytes(20.0, &unhex("40 02 00 01"));
    let e = c.poll_event();
    assert_eq!(text(&e, "type").as_deref(), Some("publish_acked"));
    assert_eq!(number(&e, "packetId"), Some(1.0));
    assert!(c.poll_event().is_null());
    // The server closes: the loss is an event with an Error, and a reconnect is planned.
    c.handle_closed(30.0);
    let e = c.poll_event();
    assert_eq!(text(&e, "type").as_deref(), Some("connection_lost"));
    assert_eq!(
        text(&get(&e, "error"), "code").as_deref(),
        Some("connection_closed")
    );
    assert!(number(&e, "reconnectAt").unwrap() > 30.0);
    assert_eq!(c.poll_timeout().as_f64(), number(&e, "reconnectAt"));
}

#[wasm_bindgen_test]
fn a_device_answers_a_command() {
    let mut d = IotdaDevice::new(&js(
        r#"{"auth": {"deviceId": "dev_1", "secret": "s3cr3t-Key"}, "keepAlive": 60}"#,
    ))
    .unwrap();
    d.connect().unwrap();
    d.handle_connected(0.0, &JsValue::from_str("2026-11-25T08:30:00Z"))
        .unwrap();
    let connect = d.poll_transmit(0.0).unwrap();
    assert_eq!(connect[0], 0x10);
    assert!(connect.windows(20).any(|w| w == b"dev_1_0_0_2026112508"));
    d.handle_bytes(5.0, &unhex("20 02 00 00"));
    let topic = b"$oc/devices/dev_1/sys/commands/request_id=42";
    let body = br#"{"service_id":"Light","command_name":"on","paras":{"level":3}}"#;
    let mut publish = vec![
        0x30,
        (2 + topic.len() + body.len()) as u8,
        0,
        topic.len() as u8,
    ];
    publish.extend_from_slice(topic);
    publish.extend_from_slice(body);
    d.handle_bytes(6.0, &publish);
    assert_eq!(text(&d.poll_event(), "type").as_deref(), Some("connected"));
    let e = d.poll_event();
    assert_eq!(text(&e, "type").as_deref(), Some("command"));
    assert_eq!(text(&e, "requestId").as_deref(), Some("42"));
    let command = get(&e, "command");
    assert_eq!(text(&command, "command_name").as_deref(), Some("on"));
    assert_eq!(number(&get(&command, "paras"), "level"), Some(3.0));
    d.respond_command("42", &js(r#"{"result_code": 0, "paras": {"done": true}}"#))
        .unwrap();
    let mut out = Vec::new();
    while let Some(b) = d.poll_transmit(7.0) {
        out.extend(b);
    }
    let reply = b"$oc/devices/dev_1/sys/commands/response/request_id=42";
    assert!(out.windows(reply.len()).any(|w| w == reply));
    assert!(out.ends_with(br#"{"result_code":0,"paras":{"done":true}}"#));
    // A response the schema refuses is a usage error naming the payload.
    let err = d
        .respond_command("42", &js(r#"{"result_code": "x"}"#))
        .unwrap_err();
    assert_eq!(text(&err, "kind").as_deref(), Some("usage"));
}

#[wasm_bindgen_test]
fn reconnect_stop_on_names_the_refusals_that_end_the_reconnects() {
    // A 5.0 CONNACK refusing with 0x86 (bad user name or password).
    let refused = |stop_on: &str| {
        let mut c = Client::new(&js(&format!(
            r#"{{"clientId": "c1", "protocol": "5", "keepAlive": 0{stop_on}}}"#
        )))
        .unwrap();
        c.connect().unwrap();
        c.handle_connected(0.0);
        drain(&mut c, 0.0);
        c.handle_bytes(10.0, &unhex("20 03 00 86 00"));
        let e = c.poll_event();
        assert_eq!(text(&e, "type").as_deref(), Some("connection_lost"));
        number(&e, "reconnectAt")
    };
    assert_eq!(refused(""), None, "the default stops on 0x86");
    assert_eq!(refused(r#", "reconnectStopOn": [134]"#), None);
    assert!(refused(r#", "reconnectStopOn": [135]"#).is_some());
    assert!(refused(r#", "reconnectStopOn": []"#).is_some());
    for bad in ["[1]", "[142]", "[300]", "134"] {
        let Err(err) = Client::new(&js(&format!(
            r#"{{"clientId": "c1", "reconnectStopOn": {bad}}}"#
        ))) else {
            panic!("{bad} accepted");
        };
        assert_eq!(
            text(&err, "code").as_deref(),
            Some("invalid_argument"),
            "{bad}"
        );
        assert!(
            text(&err, "message").unwrap().contains("reconnectStopOn"),
            "{bad}"
        );
    }
    let device = |stop_on: &str| {
        IotdaDevice::new(&js(&format!(
            r#"{{"auth": {{"deviceId": "dev_1", "secret": "s3cr3t-Key"}}, "reconnectStopOn": {stop_on}}}"#
        )))
    };
    assert!(device("[134, 135]").is_ok());
    assert!(device("[0]").is_err());
}
