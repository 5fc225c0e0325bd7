//! The emulator from a device's side: the core client over real TCP (and WebSocket), with the
//! operator's HTTP requests in parallel.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod device;

use std::thread;

use common::http;
use device::{Device, InProcess, auth, config, disconnected, refused};
use iotmqtt::client::Event;
use iotmqtt::iotda::{
    CommandRequest, CommandResponse, EventsMessage, JsonPayload, PropertiesGetRequest,
    PropertiesSetRequest, PropertiesSetResponse, SigType, SysTopic, SystemEvent, Topic,
};
use iotmqtt::{ProtocolVersion, QoS, ReasonCode, SubAckReason};
use serde_json::{Value, json};

const V3: ProtocolVersion = ProtocolVersion::V311;
const V5: ProtocolVersion = ProtocolVersion::V5;

fn dev1(emu: &InProcess, version: ProtocolVersion) -> Device {
    let c = auth("p_dev1", "s3cr3t-Key", SigType::HmacSha256Checked);
    let d = Device::connect(emu.mqtt, config(&c, version, 120));
    assert!(d.is_connected(), "{:?}\n{}", d.events, emu.log_text());
    d
}

/// Runs an HTTP request on its own thread (it may wait for the device).
fn http_async(
    port: u16,
    method: &'static str,
    path: String,
    body: Value,
) -> thread::JoinHandle<(u16, Value)> {
    thread::spawn(move || http(port, method, &path, Some(body)))
}

/// The request id of a downstream request topic.
fn request_id(topic: &str) -> String {
    Topic::parse(topic).request_id().unwrap().to_owned()
}

#[test]
fn a_timestamped_login_connects_in_both_versions_and_shows_online() {
    let emu = InProcess::start();
    for version in [V3, V5] {
        let mut d = dev1(&emu, version);
        if version == V5 {
            let info = d
                .events
                .iter()
                .find_map(|e| match e {
                    Event::Connected(i) => Some(i.clone()),
                    _ => None,
                })
                .unwrap();
            // IoTDA's limits, announced in CONNACK.
            assert_eq!(info.maximum_qos, QoS::AtLeastOnce);
            assert!(!info.retain_available);
            assert_eq!(info.maximum_packet_size, Some(1024 * 1024));
            // The client knows QoS 2 is refused and does not send it.
            assert!(
                d.client
                    .publish(
                        "x",
                        b"y",
                        QoS::ExactlyOnce,
                        false,
                        iotmqtt::Properties::empty()
                    )
                    .is_err()
            );
        }
        let (status, list) = http(emu.http, "GET", "/devices", None);
        assert_eq!(status, 200);
        let me = list["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["device_id"] == "p_dev1")
            .unwrap()
            .clone();
        assert_eq!(me["online"], true, "{version}: {me}");
        assert_eq!(me["connection"]["client_id"], d.client.client_id());
        d.client.disconnect().unwrap();
        d.wait(|e| matches!(e, Event::Disconnected));
        emu.wait_log("p_dev1: offline");
    }
}

#[test]
fn bad_logins_get_iotda_connack_codes() {
    let emu = InProcess::start();
    for version in [V3, V5] {
        // Wrong password → 4 (0x86 in 5.0).
        let mut c = config(
            &auth("p_dev1", "not-the-secret", SigType::HmacSha256),
            version,
            120,
        );
        let d = Device::connect(emu.mqtt, c.clone());
        assert_eq!(
            refused(d.lost()),
            Some(ReasonCode::BadUserNameOrPassword),
            "{version}"
        );

        // Keep-alive outside 30–1200 → 2 (0x85).
        c = config(
            &auth("p_dev1", "s3cr3t-Key", SigType::HmacSha256),
            version,
            10,
        );
        let d = Device::connect(emu.mqtt, c);
        assert_eq!(
            refused(d.lost()),
            Some(ReasonCode::ClientIdentifierNotValid),
            "{version}"
        );

        // A ClientId without IoTDA's shape → 2.
        let mut c = config(
            &auth("p_dev1", "s3cr3t-Key", SigType::HmacSha256),
            version,
            120,
        );
        c.client_id = "just-a-name".into();
        let d = Device::connect(emu.mqtt, c);
        assert_eq!(
            refused(d.lost()),
            Some(ReasonCode::ClientIdentifierNotValid),
            "{version}"
        );

        // A child has no secret and cannot log in itself → 5 (0x87).
        let d = Device::connect(
            emu.mqtt,
            config(
                &auth("p_child1", "whatever", SigType::HmacSha256),
                version,
                120,
            ),
        );
        assert_eq!(
            refused(d.lost()),
            Some(ReasonCode::NotAuthorized),
            "{version}"
        );
    }
    // The 3.1.1 refusals carried the return codes 4, 2, 2, 5.
    let log = emu.log_text();
    assert!(log.contains("(CONNACK 4): wrong password"), "{log}");
    assert!(
        log.contains("refused: CONNACK 2 (ClientIdentifierNotValid)"),
        "{log}"
    );
    assert!(log.contains("(CONNACK 5): device not registered"), "{log}");
    assert!(!log.contains("s3cr3t-Key") && !log.contains("not-the-secret"));
}

#[test]
fn a_qos_2_publish_is_refused() {
    let emu = InProcess::start();
    let mut d = dev1(&emu, V3);
    d.publish("plant/x", b"q2", QoS::ExactlyOnce);
    d.wait(|e| matches!(e, Event::ConnectionLost(_)));
    emu.wait_log("p_dev1: closed, the client broke the protocol");
}

#[test]
fn a_command_from_http_is_answered_by_the_device() {
    let emu = InProcess::start();
    let mut d = dev1(&emu, V5);
    let call = http_async(
        emu.http,
        "POST",
        "/devices/p_dev1/commands".into(),
        json!({ "service_id": "Light", "command_name": "switch", "paras": { "on": true } }),
    );
    // The device never subscribed: the command arrives on the implicit QoS 0 subscription.
    let m = d.message("$oc/devices/p_dev1/sys/commands/request_id=");
    assert_eq!(m.qos, QoS::AtMostOnce);
    let command = CommandRequest::from_json(&m.payload).unwrap();
    assert_eq!(command.command_name.as_deref(), Some("switch"));
    assert_eq!(command.paras, json!({ "on": true }));
    let rid = request_id(&m.topic);
    let reply = Topic::device("p_dev1", SysTopic::CommandResponse { request_id: &rid })
        .to_topic_string()
        .unwrap();
    let answer = CommandResponse::success(Some(json!({ "state": "on" })));
    d.publish(&reply, &answer.to_json().unwrap(), QoS::AtLeastOnce);
    let (status, body) = call.join().unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["response"]["result_code"], 0);
    assert_eq!(body["response"]["paras"]["state"], "on");

    // A device that does not answer: 408 after the timeout.
    let call = http_async(
        emu.http,
        "POST",
        "/devices/p_dev1/commands".into(),
        json!({ "paras": {}, "timeout_ms": 300 }),
    );
    d.message("$oc/devices/p_dev1/sys/commands/request_id=");
    let (status, body) = call.join().unwrap();
    assert_eq!(status, 408, "{body}");
}

#[test]
fn properties_set_get_report_and_the_shadow() {
    let emu = InProcess::start();
    let mut d = dev1(&emu, V5);
    // Report.
    let report = json!({ "services": [ { "service_id": "Light", "properties": { "on": false, "level": 3 } } ] });
    d.publish(
        "$oc/devices/p_dev1/sys/properties/report",
        report.to_string().as_bytes(),
        QoS::AtLeastOnce,
    );
    emu.wait_log("p_dev1 -> properties");
    let (_, props) = http(emu.http, "GET", "/devices/p_dev1/properties", None);
    assert_eq!(props["services"][0]["properties"]["level"], 3, "{props}");

    // Set through HTTP: the device gets the request and answers.
    let call = http_async(
        emu.http,
        "POST",
        "/devices/p_dev1/properties/set".into(),
        json!({ "service_id": "Light", "properties": { "level": 7 } }),
    );
    let m = d.message("$oc/devices/p_dev1/sys/properties/set/request_id=");
    let set = PropertiesSetRequest::from_json(&m.payload).unwrap();
    assert_eq!(set.services[0].properties, json!({ "level": 7 }));
    let rid = request_id(&m.topic);
    d.publish(
        &format!("$oc/devices/p_dev1/sys/properties/set/response/request_id={rid}"),
        &PropertiesSetResponse::success().to_json().unwrap(),
        QoS::AtMostOnce,
    );
    let (status, body) = call.join().unwrap();
    assert_eq!(
        (status, body["response"]["result_code"].clone()),
        (200, json!(0)),
        "{body}"
    );

    // Get through HTTP.
    let call = http_async(
        emu.http,
        "POST",
        "/devices/p_dev1/properties/get".into(),
        json!({ "service_id": "Light" }),
    );
    let m = d.message("$oc/devices/p_dev1/sys/properties/get/request_id=");
    let get = PropertiesGetRequest::from_json(&m.payload).unwrap();
    assert_eq!(get.service_id.as_deref(), Some("Light"));
    let rid = request_id(&m.topic);
    let current = json!({ "services": [ { "service_id": "Light", "properties": { "on": false, "level": 7 } } ] });
    d.publish(
        &format!("$oc/devices/p_dev1/sys/properties/get/response/request_id={rid}"),
        current.to_string().as_bytes(),
        QoS::AtMostOnce,
    );
    let (status, body) = call.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["response"]["services"][0]["properties"]["level"], 7);

    // Shadow: a desired value goes to the online device at once …
    let (status, shadow) = http(
        emu.http,
        "PUT",
        "/devices/p_dev1/shadow",
        Some(json!({ "service_id": "Light", "desired": { "on": true } })),
    );
    assert_eq!(status, 200, "{shadow}");
    assert_eq!(shadow["sent_to_device"], true);
    let m = d.message("$oc/devices/p_dev1/sys/properties/set/request_id=");
    assert_eq!(
        PropertiesSetRequest::from_json(&m.payload)
            .unwrap()
            .services[0]
            .properties,
        json!({ "on": true })
    );
    // The platform expects the answer to its own push (matched by request id), accepted or
    // not; a second answer to the same id is one nobody waits for.
    let rid = request_id(&m.topic);
    let refusal = format!("$oc/devices/p_dev1/sys/properties/set/response/request_id={rid}");
    d.publish(&refusal, br#"{"result_code":1}"#, QoS::AtMostOnce);
    emu.wait_log(&format!(
        "p_dev1 -> answer to the shadow's property set {rid} (desired Light), not accepted"
    ));
    d.publish(&refusal, br#"{"result_code":1}"#, QoS::AtMostOnce);
    emu.wait_log(&format!("answer to {rid}, which nobody waits for"));
    // … and the device reads its shadow.
    d.publish(
        "$oc/devices/p_dev1/sys/shadow/get/request_id=dev-42",
        br#"{"service_id":"Light"}"#,
        QoS::AtMostOnce,
    );
    let m = d.message("$oc/devices/p_dev1/sys/shadow/get/response/request_id=dev-42");
    let answer: Value = serde_json::from_slice(&m.payload).unwrap();
    assert_eq!(answer["object_device_id"], "p_dev1");
    assert_eq!(answer["shadow"][0]["desired"]["properties"]["on"], true);
    assert_eq!(answer["shadow"][0]["reported"]["properties"]["level"], 7);
    assert!(answer["shadow"][0]["version"].as_u64().unwrap() >= 3);

    // A device that connects later gets the desired values it has not reported.
    d.client.disconnect().unwrap();
    d.wait(|e| matches!(e, Event::Disconnected));
    emu.wait_log("p_dev1: offline");
    let (status, _) = http(
        emu.http,
        "PUT",
        "/devices/p_dev1/shadow",
        Some(json!({ "service_id": "Light", "desired": { "level": 9 } })),
    );
    assert_eq!(status, 200);
    let mut d = dev1(&emu, V3);
    let m = d.message("$oc/devices/p_dev1/sys/properties/set/request_id=");
    let pushed = PropertiesSetRequest::from_json(&m.payload).unwrap();
    assert_eq!(
        pushed.services[0].properties,
        json!({ "on": true, "level": 9 })
    );
    let rid = request_id(&m.topic);
    d.publish(
        &format!("$oc/devices/p_dev1/sys/properties/set/response/request_id={rid}"),
        &PropertiesSetResponse::success().to_json().unwrap(),
        QoS::AtMostOnce,
    );
    emu.wait_log(&format!(
        "p_dev1 -> answer to the shadow's property set {rid} (desired Light), accepted"
    ));
}

#[test]
fn an_explicit_subscription_gets_its_qos_and_other_devices_topics_are_refused() {
    let emu = InProcess::start();
    let mut d = dev1(&emu, V5);
    let codes = d.subscribe(&[
        ("$oc/devices/p_dev1/sys/messages/down", QoS::AtLeastOnce),
        ("$oc/devices/p_dev2/sys/#", QoS::AtMostOnce),
    ]);
    assert_eq!(
        codes,
        [SubAckReason::GrantedQos1, SubAckReason::NotAuthorized]
    );
    let (status, _) = http(
        emu.http,
        "POST",
        "/devices/p_dev1/messages",
        Some(json!({ "content": "hello" })),
    );
    assert_eq!(status, 202);
    let m = d.message("$oc/devices/p_dev1/sys/messages/down");
    assert_eq!(m.qos, QoS::AtLeastOnce);
    assert_eq!(
        serde_json::from_slice::<Value>(&m.payload).unwrap()["content"],
        "hello"
    );

    // IoTDA allows 50 subscriptions.
    let filters: Vec<String> = (0..50).map(|i| format!("custom/{i}")).collect();
    let mut subs: Vec<(&str, QoS)> = filters
        .iter()
        .map(|f| (f.as_str(), QoS::AtMostOnce))
        .collect();
    subs.truncate(49); // one filter is already held
    let codes = d.subscribe(&subs);
    assert!(codes.iter().all(|c| *c == SubAckReason::GrantedQos0));
    assert_eq!(
        d.subscribe(&[("custom/one-too-many", QoS::AtMostOnce)]),
        [SubAckReason::QuotaExceeded]
    );
}

#[test]
fn a_second_connection_displaces_the_first() {
    let emu = InProcess::start();
    let mut first = dev1(&emu, V5);
    let second = dev1(&emu, V5);
    first.wait(|e| matches!(e, Event::ConnectionLost(_)));
    assert_eq!(
        disconnected(first.lost()),
        Some(ReasonCode::SessionTakenOver)
    );
    assert!(second.is_connected());
    emu.wait_log("p_dev1: a new connection displaces the previous one");
    let (_, me) = http(emu.http, "GET", "/devices/p_dev1", None);
    assert_eq!(me["online"], true);
}

fn event_up(d: &mut Device, device: &str, body: Value) {
    d.publish(
        &format!("$oc/devices/{device}/sys/events/up"),
        body.to_string().as_bytes(),
        QoS::AtMostOnce,
    );
}

fn event_down(d: &mut Device, device: &str) -> EventsMessage {
    let m = d.message(&format!("$oc/devices/{device}/sys/events/down"));
    EventsMessage::from_json(&m.payload).unwrap()
}

#[test]
fn time_sync_and_an_ota_version_query() {
    let emu = InProcess::start();
    let mut d = dev1(&emu, V3);
    event_up(
        &mut d,
        "p_dev1",
        json!({ "services": [ { "service_id": "$time_sync", "event_type": "time_sync_request", "event_id": "e-1", "paras": { "device_send_time": "1700000000000" } } ] }),
    );
    let down = event_down(&mut d, "p_dev1");
    assert_eq!(down.services[0].event_id.as_deref(), Some("e-1"));
    match down.services[0].to_event().unwrap() {
        SystemEvent::TimeSyncResponse(r) => {
            assert_eq!(r.device_send_time, 1_700_000_000_000);
            assert!(r.server_recv_time > 1_700_000_000_000);
        }
        other => panic!("{other:?}"),
    }

    let call = http_async(
        emu.http,
        "POST",
        "/devices/p_dev1/events".into(),
        json!({ "service_id": "$ota", "event_type": "version_query", "paras": {}, "wait_for": "version_report" }),
    );
    let down = event_down(&mut d, "p_dev1");
    assert!(matches!(
        down.services[0].to_event().unwrap(),
        SystemEvent::VersionQuery(_)
    ));
    event_up(
        &mut d,
        "p_dev1",
        json!({ "services": [ { "service_id": "$ota", "event_type": "version_report", "paras": { "fw_version": "1.2.3", "sw_version": "4.5" } } ] }),
    );
    let (status, body) = call.join().unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["answer"]["fw_version"], "1.2.3");
    let (_, me) = http(emu.http, "GET", "/devices/p_dev1", None);
    assert_eq!(me["sw_version"], "4.5");
    // An event whose parameters break its schema is refused.
    let (status, _) = http(
        emu.http,
        "POST",
        "/devices/p_dev1/events",
        Some(
            json!({ "service_id": "$time_sync", "event_type": "time_sync_response", "paras": { "x": 1 } }),
        ),
    );
    assert_eq!(status, 400);
}

#[test]
fn a_gateway_adds_and_deletes_sub_devices() {
    let emu = InProcess::start();
    let c = auth("p_gw", "gw-Secret", SigType::HmacSha256);
    let mut gw = Device::connect(emu.mqtt, config(&c, V5, 120));
    assert!(gw.is_connected());
    event_up(
        &mut gw,
        "p_gw",
        json!({ "services": [ { "service_id": "$sub_device_manager", "event_type": "add_sub_device_request", "event_id": "add-1",
            "paras": { "devices": [ { "node_id": "c2", "product_id": "p" }, { "node_id": "child1", "product_id": "p", "device_id": "p_child1" } ] } } ] }),
    );
    let down = event_down(&mut gw, "p_gw");
    assert_eq!(down.services[0].event_id.as_deref(), Some("add-1"));
    match down.services[0].to_event().unwrap() {
        SystemEvent::AddSubDeviceResponse(r) => {
            assert_eq!(r.successful_devices.len(), 1);
            assert_eq!(r.successful_devices[0].device_id, "p_c2");
            assert_eq!(r.failed_devices.len(), 1, "p_child1 exists already");
        }
        other => panic!("{other:?}"),
    }
    let (status, child) = http(emu.http, "GET", "/devices/p_c2", None);
    assert_eq!(status, 200);
    assert_eq!(child["gateway_id"], "p_gw");
    assert_eq!(
        child["online"], true,
        "a child is reached through its online gateway"
    );

    // A command to the child goes through the gateway with object_device_id.
    let call = http_async(
        emu.http,
        "POST",
        "/devices/p_c2/commands".into(),
        json!({ "paras": {} }),
    );
    let m = gw.message("$oc/devices/p_gw/sys/commands/request_id=");
    let command = CommandRequest::from_json(&m.payload).unwrap();
    assert_eq!(command.object_device_id.as_deref(), Some("p_c2"));
    let rid = request_id(&m.topic);
    gw.publish(
        &format!("$oc/devices/p_gw/sys/commands/response/request_id={rid}"),
        br#"{"result_code":0}"#,
        QoS::AtMostOnce,
    );
    assert_eq!(call.join().unwrap().0, 200);

    event_up(
        &mut gw,
        "p_gw",
        json!({ "services": [ { "service_id": "$sub_device_manager", "event_type": "delete_sub_device_request",
            "paras": { "devices": [ "p_c2", "p_dev1" ] } } ] }),
    );
    match event_down(&mut gw, "p_gw").services[0].to_event().unwrap() {
        SystemEvent::DeleteSubDeviceResponse(r) => {
            assert_eq!(r.successful_devices, ["p_c2"]);
            assert_eq!(r.failed_devices[0].device_id, "p_dev1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(http(emu.http, "GET", "/devices/p_c2", None).0, 404);
}

#[test]
fn custom_topics_are_routed_between_devices() {
    let emu = InProcess::start();
    let mut a = dev1(&emu, V5);
    let c = auth("p_dev2", "other-Secret", SigType::HmacSha256);
    let mut b = Device::connect(emu.mqtt, config(&c, V3, 60));
    assert_eq!(
        a.subscribe(&[("plant/+/temp", QoS::AtLeastOnce)]),
        [SubAckReason::GrantedQos1]
    );
    b.publish("plant/7/temp", b"21.5", QoS::AtLeastOnce);
    let m = a.message("plant/7/temp");
    assert_eq!(
        (m.payload.as_slice(), m.qos),
        (&b"21.5"[..], QoS::AtLeastOnce)
    );
    // The operator publishes too.
    let (status, body) = http(
        emu.http,
        "POST",
        "/publish",
        Some(json!({ "topic": "plant/8/temp", "payload": "19", "qos": 0 })),
    );
    assert_eq!((status, body["delivered_to"].clone()), (200, json!(1)));
    assert_eq!(a.message("plant/8/temp").payload, b"19");
    // Another device's system topic is not for b to publish on.
    b.publish(
        "$oc/devices/p_dev1/sys/messages/up",
        b"spoof",
        QoS::AtMostOnce,
    );
    emu.wait_log("p_dev2: refused a PUBLISH on another device's topic");
}

#[test]
fn bootstrap_through_a_registration_group() {
    use iotmqtt::iotda::{BootstrapOutcome, DeviceAuth, DeviceId, GroupSecret, ScopeId};
    let emu = InProcess::start();
    let now = common::utc_now();
    let group = GroupSecret::new("c2VjcmV0LWdyb3VwLWtleQ==").unwrap();
    let c = DeviceAuth::bootstrap_group_secret(
        DeviceId::new("p_new7").unwrap(),
        &group,
        ScopeId::new("a1b2c3d4e5f6").unwrap(),
    )
    .credentials(&now);
    assert_eq!(http(emu.http, "GET", "/devices/p_new7", None).0, 404);
    let mut d = Device::connect(emu.mqtt, config(&c, V3, 120));
    assert!(d.is_connected(), "{:?}", d.events);
    d.subscribe(&[("$oc/devices/p_new7/sys/bootstrap/down", QoS::AtMostOnce)]);
    d.publish("$oc/devices/p_new7/sys/bootstrap/up", b"", QoS::AtMostOnce);
    let m = d.message("$oc/devices/p_new7/sys/bootstrap/down");
    match BootstrapOutcome::from_json(&m.payload).unwrap() {
        BootstrapOutcome::Answer(a) => assert_eq!(a.host_port(), Some(("127.0.0.1", emu.mqtt))),
        other => panic!("{other:?}"),
    }
    assert_eq!(http(emu.http, "GET", "/devices/p_new7", None).0, 200);
}

#[test]
fn mqtt_over_websocket() {
    use futures_util::{SinkExt, StreamExt};
    use iotmqtt::client::Client;
    use tokio_tungstenite::tungstenite::Message as Ws;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let emu = InProcess::start();
    let port = emu.ws;
    let http_port = emu.http;
    let log = std::sync::Arc::clone(&emu.log);
    emu.rt.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let mut request = format!("ws://127.0.0.1:{port}/mqtt")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());
        let (mut ws, response) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
        assert_eq!(response.headers()["Sec-WebSocket-Protocol"], "mqtt");

        let c = auth("p_dev1", "s3cr3t-Key", SigType::HmacSha256);
        let mut client = Client::new(config(&c, V5, 60));
        let epoch = std::time::Instant::now();
        let now =
            || iotmqtt::Instant::from_millis(u64::try_from(epoch.elapsed().as_millis()).unwrap());
        client.connect().unwrap();
        client.handle_connected(now());
        let mut asked = false;
        let mut got_message = false;
        let deadline = tokio::time::Instant::now() + common::WAIT;
        while !got_message {
            let mut out = Vec::new();
            while client.poll_transmit(now(), &mut out) > 0 {}
            if !out.is_empty() {
                ws.send(Ws::binary(out)).await.unwrap();
            }
            while let Some(e) = client.poll_event() {
                match e {
                    Event::Connected(_) if !asked => {
                        asked = true;
                        // Ask the operator API for a message down while connected over WebSocket.
                        tokio::task::spawn_blocking(move || {
                            http(
                                http_port,
                                "POST",
                                "/devices/p_dev1/messages",
                                Some(json!({ "raw": "over ws" })),
                            )
                        });
                    }
                    Event::Message(m) => {
                        assert_eq!(m.topic, "$oc/devices/p_dev1/sys/messages/down");
                        assert_eq!(m.payload, b"over ws");
                        got_message = true;
                    }
                    Event::ConnectionLost(l) => panic!("{l:?}"),
                    _ => {}
                }
            }
            if got_message {
                break;
            }
            let frame = tokio::time::timeout_at(deadline, ws.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "no frame in time; asked={asked}; log:\n{}",
                        log.lock().unwrap().join("\n")
                    )
                });
            match frame {
                Some(Ok(Ws::Binary(data))) => client.handle_bytes(now(), &data),
                Some(Ok(_)) => {}
                other => panic!("{other:?}"),
            }
        }
    });
    emu.wait_log("p_dev1: connected");
}

#[test]
fn the_http_api_registers_and_deletes_devices() {
    let emu = InProcess::start();
    let (status, body) = http(
        emu.http,
        "POST",
        "/devices",
        Some(json!({ "product_id": "p", "node_id": "n9", "secret": "n9-Secret" })),
    );
    assert_eq!((status, body["device_id"].clone()), (201, json!("p_n9")));
    assert_eq!(
        http(
            emu.http,
            "POST",
            "/devices",
            Some(json!({ "device_id": "p_n9" }))
        )
        .0,
        409
    );
    // The new device can log in at once.
    let c = auth("p_n9", "n9-Secret", SigType::HmacSha256);
    let d = Device::connect(emu.mqtt, config(&c, V3, 60));
    assert!(d.is_connected());
    let (status, body) = http(emu.http, "DELETE", "/devices/p_n9", None);
    assert_eq!((status, body["removed"].clone()), (200, json!(["p_n9"])));
    assert_eq!(
        http(emu.http, "POST", "/devices", Some(json!({ "secret": "x" }))).0,
        400
    );
}
