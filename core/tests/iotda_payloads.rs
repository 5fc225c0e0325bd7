//! IoTDA payloads: every schema of IOTDA.md §5, §5.1 and §6 read from a documented-shape
//! example (with `null`s and unknown fields, as the SDKs send them), written back exactly, and
//! read again to the same value; limits and malformed input give typed errors.
#![cfg(feature = "iotda")]
// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Debug;

use iotmqtt::iotda::*;
use serde_json::{Value, json};

/// Reads `input`, checks it writes exactly `canonical`, and that `canonical` reads back to the
/// same value. Returns the value.
fn round_trip<T: JsonPayload + PartialEq + Debug>(input: &str, canonical: &str) -> T {
    let value = T::from_json(input.as_bytes()).unwrap_or_else(|e| panic!("{input}: {e}"));
    let written = value.to_json().unwrap();
    assert_eq!(std::str::from_utf8(&written).unwrap(), canonical, "{input}");
    assert_eq!(T::from_json(&written).unwrap(), value);
    value
}

#[test]
fn device_messages() {
    // DOC-3016's example, explicit nulls included.
    let m: DeviceMessage = round_trip(
        r#"{"object_device_id":null,"name":null,"id":"aca6a906-1c34-4a8f-8e4e-4f2b2b4c0f1e","content":"hello!"}"#,
        r#"{"id":"aca6a906-1c34-4a8f-8e4e-4f2b2b4c0f1e","content":"hello!"}"#,
    );
    assert_eq!(m.content, "hello!");
    round_trip::<DeviceMessage>(
        r#"{"object_device_id":"child_1","name":"n","content":{"a":[1,2]},"new_field":true}"#,
        r#"{"object_device_id":"child_1","name":"n","content":{"a":[1,2]}}"#,
    );
    assert_eq!(
        DeviceMessage::new("hi").to_json().unwrap(),
        br#"{"content":"hi"}"#
    );
    // Down: system format or raw bytes.
    let doc = br#"{"object_device_id":null,"name":null,"id":"1","content":{"x":1}}"#;
    match MessageDown::parse(doc) {
        MessageDown::Structured(m) => assert_eq!(m.content, json!({"x":1})),
        raw => panic!("{raw:?}"),
    }
    for raw in [
        &b"plain text"[..],
        b"[1,2]",
        b"{\"content\":",
        b"",
        b"\xff\xfe",
    ] {
        assert_eq!(MessageDown::parse(raw), MessageDown::Raw(raw));
    }
}

#[test]
fn property_reports() {
    let t = UtcTime::new(2016, 12, 19, 11, 49, 20).unwrap();
    let report = PropertiesReport::new(vec![
        ServiceProperties::new("Battery", json!({"batteryLevel": 57})).at(&t),
        ServiceProperties::new("Location", json!({"lat": 1.5})),
    ]);
    assert_eq!(
        String::from_utf8(report.to_json().unwrap()).unwrap(),
        r#"{"services":[{"service_id":"Battery","properties":{"batteryLevel":57},"event_time":"20161219T114920Z"},{"service_id":"Location","properties":{"lat":1.5}}]}"#
    );
    // The millisecond form and PY's explicit null are read as given.
    let r: PropertiesReport = round_trip(
        r#"{"services":[{"service_id":"s","properties":{"p":1},"event_time":"2016-12-19T11:49:20.000Z"},{"service_id":"t","properties":{},"event_time":null}]}"#,
        r#"{"services":[{"service_id":"s","properties":{"p":1},"event_time":"2016-12-19T11:49:20.000Z"},{"service_id":"t","properties":{}}]}"#,
    );
    assert_eq!(
        UtcTime::parse(r.services[0].event_time.as_deref().unwrap()).unwrap(),
        t
    );
    let g: GatewayPropertiesReport = round_trip(
        r#"{"devices":[{"device_id":"child_1","services":[{"service_id":"s","properties":{"v":2}}]},{"device_id":"child_2","services":null}]}"#,
        r#"{"devices":[{"device_id":"child_1","services":[{"service_id":"s","properties":{"v":2}}]},{"device_id":"child_2","services":[]}]}"#,
    );
    assert_eq!(g.devices.len(), 2);
}

#[test]
fn property_set_and_get() {
    let set: PropertiesSetRequest = round_trip(
        r#"{"object_device_id":null,"services":[{"service_id":"Light","properties":{"on":true}}]}"#,
        r#"{"services":[{"service_id":"Light","properties":{"on":true}}]}"#,
    );
    assert_eq!(set.services[0].properties["on"], true);
    let ok: PropertiesSetResponse = round_trip(r#"{}"#, r#"{}"#);
    assert!(ok.is_success());
    let ok: PropertiesSetResponse =
        round_trip(r#"{"result_code":null,"result_desc":null}"#, r#"{}"#);
    assert!(ok.is_success());
    let failed: PropertiesSetResponse = round_trip(
        r#"{"result_code":1,"result_desc":"busy"}"#,
        r#"{"result_code":1,"result_desc":"busy"}"#,
    );
    assert!(!failed.is_success());
    assert_eq!(failed, PropertiesSetResponse::failure(1, "busy"));
    assert_eq!(
        PropertiesSetResponse::success().to_json().unwrap(),
        br#"{"result_code":0}"#
    );
    let get: PropertiesGetRequest = round_trip(
        r#"{"object_device_id":"c","service_id":null}"#,
        r#"{"object_device_id":"c"}"#,
    );
    assert_eq!(get.service_id, None);
    let answer: PropertiesGetResponse = round_trip(
        r#"{"services":[{"service_id":"s","properties":{"a":1},"event_time":"20200101T000000Z"}]}"#,
        r#"{"services":[{"service_id":"s","properties":{"a":1},"event_time":"20200101T000000Z"}]}"#,
    );
    assert_eq!(answer.services.len(), 1);
}

#[test]
fn commands() {
    let c: CommandRequest = round_trip(
        r#"{"object_device_id":null,"service_id":"Light","command_name":"switch","paras":{"value":"ON"}}"#,
        r#"{"service_id":"Light","command_name":"switch","paras":{"value":"ON"}}"#,
    );
    assert_eq!(c.paras["value"], "ON");
    let r: CommandResponse = round_trip(
        r#"{"result_code":0,"response_name":"switch_rsp","paras":{"result":"done"}}"#,
        r#"{"result_code":0,"response_name":"switch_rsp","paras":{"result":"done"}}"#,
    );
    assert!(r.is_success());
    let bare: CommandResponse = round_trip(r#"{"paras":null}"#, r#"{}"#);
    assert!(bare.is_success());
    assert_eq!(
        CommandResponse::success(None).to_json().unwrap(),
        br#"{"result_code":0}"#
    );
}

#[test]
fn shadow() {
    let q: ShadowGetRequest =
        round_trip(r#"{"object_device_id":"d"}"#, r#"{"object_device_id":"d"}"#);
    assert_eq!(q.service_id, None);
    let s: ShadowGetResponse = round_trip(
        r#"{"object_device_id":"d","shadow":[{"service_id":"Light","desired":{"properties":{"on":true},"event_time":"20230101T000000Z"},"reported":{"properties":{"on":false},"event_time":null},"version":3}]}"#,
        r#"{"object_device_id":"d","shadow":[{"service_id":"Light","desired":{"properties":{"on":true},"event_time":"20230101T000000Z"},"reported":{"properties":{"on":false}},"version":3}]}"#,
    );
    assert_eq!(s.shadow[0].version, Some(3));
    assert!(ShadowGetResponse::from_json(br#"{"shadow":[]}"#).is_err());
}

/// One system event: service, type, parameters as a sender writes them, as we write them,
/// and a check on the typed value.
struct EventCase {
    service: &'static str,
    event: &'static str,
    paras_in: Value,
    paras_out: Value,
    check: fn(&SystemEvent) -> bool,
    direction: Direction,
}

fn event_cases() -> Vec<EventCase> {
    use Direction::{Down, Up};
    let same = |v: Value| (v.clone(), v);
    let mut cases = Vec::new();
    let mut add = |service, event, (paras_in, paras_out): (Value, Value), direction, check| {
        cases.push(EventCase {
            service,
            event,
            paras_in,
            paras_out,
            check,
            direction,
        });
    };
    add(
        "$sub_device_manager",
        "add_sub_device_request",
        (
            json!({"devices":[{"node_id":"n1","product_id":"p","device_id":null,"name":"lamp","extension_info":{"k":"v"}}]}),
            json!({"devices":[{"node_id":"n1","product_id":"p","name":"lamp","extension_info":{"k":"v"}}]}),
        ),
        Up,
        |e| matches!(e, SystemEvent::AddSubDeviceRequest(a) if a.devices[0].node_id == "n1"),
    );
    add(
        "$sub_device_manager",
        "add_sub_device_response",
        (
            json!({"successful_devices":[{"parent_device_id":"gw","node_id":"n1","device_id":"p_n1","status":"INACTIVE"}],"failed_devices":[{"node_id":"n2","product_id":"p","error_code":"IOTDA.014016","error_msg":"exists"}]}),
            json!({"successful_devices":[{"parent_device_id":"gw","node_id":"n1","device_id":"p_n1","status":"INACTIVE"}],"failed_devices":[{"node_id":"n2","product_id":"p","error_code":"IOTDA.014016","error_msg":"exists"}]}),
        ),
        Down,
        |e| {
            matches!(e, SystemEvent::AddSubDeviceResponse(r)
            if r.successful_devices[0].status == Some(SubDeviceState::Inactive)
                && r.failed_devices[0].error_code == "IOTDA.014016")
        },
    );
    add(
        "$sub_device_manager",
        "delete_sub_device_request",
        same(json!({"devices":["p_n1","p_n2"]})),
        Up,
        |e| matches!(e, SystemEvent::DeleteSubDeviceRequest(d) if d.devices.len() == 2),
    );
    add(
        "$sub_device_manager",
        "delete_sub_device_response",
        (
            json!({"successful_devices":["p_n1"],"failed_devices":[{"device_id":"p_n2","error_code":404,"error_msg":null}]}),
            json!({"successful_devices":["p_n1"],"failed_devices":[{"device_id":"p_n2","error_code":"404","error_msg":null}]}),
        ),
        Down,
        |e| {
            matches!(e, SystemEvent::DeleteSubDeviceResponse(r)
            if r.failed_devices[0].error_code == "404" && r.failed_devices[0].error_msg.is_none())
        },
    );
    add(
        "$sub_device_manager",
        "add_sub_device_notify",
        (
            json!({"version":1706000000000u64,"devices":[{"parent_device_id":"gw","node_id":"n1","device_id":"p_n1","name":"lamp","manufacturer_id":"m","model":"x","product_id":"p","fw_version":"1","sw_version":"2","status":"ONLINE","extension_info":null}]}),
            json!({"version":1706000000000u64,"devices":[{"parent_device_id":"gw","node_id":"n1","device_id":"p_n1","name":"lamp","manufacturer_id":"m","model":"x","product_id":"p","fw_version":"1","sw_version":"2","status":"ONLINE"}]}),
        ),
        Down,
        |e| matches!(e, SystemEvent::AddSubDeviceNotify(n) if n.version == 1_706_000_000_000),
    );
    add(
        "$sub_device_manager",
        "delete_sub_device_notify",
        (
            json!({"version":"7","devices":[{"parent_device_id":"gw","node_id":null,"device_id":"p_n1"}]}),
            json!({"version":7,"devices":[{"parent_device_id":"gw","device_id":"p_n1"}]}),
        ),
        Down,
        |e| matches!(e, SystemEvent::DeleteSubDeviceNotify(n) if n.version == 7),
    );
    add(
        "$sub_device_manager",
        "sub_device_sync_request",
        same(json!({"version":7})),
        Up,
        |e| matches!(e, SystemEvent::SubDeviceSyncRequest(s) if s.version == Some(7)),
    );
    add(
        "$sub_device_manager",
        "sub_device_update_status",
        same(
            json!({"device_statuses":[{"device_id":"p_n1","status":"ONLINE"},{"device_id":"p_n2","status":"OFFLINE"}]}),
        ),
        Up,
        |e| {
            matches!(e, SystemEvent::SubDeviceUpdateStatus(s)
            if s.device_statuses[1].status == SubDeviceState::Offline)
        },
    );
    add(
        "$sub_device_manager",
        "sub_device_update_status_response",
        same(
            json!({"successful_devices":[{"device_id":"p_n1","status":"ONLINE"}],"failed_devices":[]}),
        ),
        Down,
        |e| matches!(e, SystemEvent::SubDeviceUpdateStatusResponse(r) if r.failed_devices.is_empty()),
    );
    add(
        "$ota",
        "version_query",
        same(json!({})),
        Down,
        |e| matches!(e, SystemEvent::VersionQuery(q) if q.task_id.is_none()),
    );
    add(
        "$ota",
        "version_query",
        same(json!({"task_id":"t1","sub_device_count":3,"task_ext_info":{"a":1}})),
        Down,
        |e| matches!(e, SystemEvent::VersionQuery(q) if q.sub_device_count == Some(3)),
    );
    add(
        "$ota",
        "version_report",
        (
            json!({"sw_version":"v2.0","fw_version":null}),
            json!({"sw_version":"v2.0"}),
        ),
        Up,
        |e| matches!(e, SystemEvent::VersionReport(r) if r.fw_version.is_none()),
    );
    let upgrade = json!({"version":"v1.2","url":"https://x/pkg","file_size":81920,"file_name":"pkg.bin","access_token":"tok","expires":86400,"sign":"8b6f","custom_info":"note","task_id":"t"});
    add(
        "$ota",
        "firmware_upgrade",
        same(upgrade.clone()),
        Down,
        |e| matches!(e, SystemEvent::FirmwareUpgrade(u) if u.file_size == 81_920 && u.access_token.as_ref().unwrap().expose() == "tok" && u.task.task_id.as_deref() == Some("t")),
    );
    add(
        "$ota",
        "software_upgrade",
        same(upgrade),
        Down,
        |e| matches!(e, SystemEvent::SoftwareUpgrade(u) if u.sign == "8b6f"),
    );
    add(
        "$ota",
        "firmware_upgrade_v2",
        same(json!({"version":"v2","url":"https://obs/x","expires":3600,"sign":"aa"})),
        Down,
        |e| matches!(e, SystemEvent::FirmwareUpgradeV2(u) if u.file_size.is_none() && u.expires == Some(3600)),
    );
    add(
        "$ota",
        "software_upgrade_v2",
        same(json!({"version":"v2","url":"https://obs/y"})),
        Down,
        |e| matches!(e, SystemEvent::SoftwareUpgradeV2(u) if u.url == "https://obs/y"),
    );
    add(
        "$ota",
        "upgrade_progress_report",
        (
            json!({"result_code":7,"progress":null,"version":"v1.2","description":"bad sign"}),
            json!({"result_code":7,"version":"v1.2","description":"bad sign"}),
        ),
        Up,
        |e| matches!(e, SystemEvent::UpgradeProgressReport(p) if p.result_code == UpgradeResult::VerifyFailed),
    );
    add(
        "$ota",
        "upgrade_progress_report",
        same(json!({"result_code":42,"progress":50,"version":"v1"})),
        Up,
        |e| matches!(e, SystemEvent::UpgradeProgressReport(p) if p.result_code == UpgradeResult::Other(42)),
    );
    add(
        "$time_sync",
        "time_sync_request",
        (
            json!({"device_send_time":"1582685678789"}),
            json!({"device_send_time":1582685678789u64}),
        ),
        Up,
        |e| matches!(e, SystemEvent::TimeSyncRequest(r) if r.device_send_time == 1_582_685_678_789),
    );
    add(
        "$time_sync",
        "time_sync_response",
        same(
            json!({"device_send_time":1582685678789u64,"server_recv_time":1582685680000u64,"server_send_time":1582685680005u64}),
        ),
        Down,
        |e| matches!(e, SystemEvent::TimeSyncResponse(r) if r.server_send_time == 1_582_685_680_005),
    );
    add(
        "$sdk_info",
        "sdk_info_report",
        (
            json!({"device_sdk_version":"C_v1.1.2","sw_version":null,"fw_version":"1","device_ip":"10.0.0.2"}),
            json!({"device_sdk_version":"C_v1.1.2","fw_version":"1","device_ip":"10.0.0.2"}),
        ),
        Up,
        |e| matches!(e, SystemEvent::SdkInfoReport(s) if s.device_ip.as_deref() == Some("10.0.0.2")),
    );
    add(
        "$file_manager",
        "get_upload_url",
        same(json!({"file_name":"a.log","file_attributes":{"hash_code":"abc","size":1024}})),
        Up,
        |e| matches!(e, SystemEvent::GetUploadUrl(f) if f.file_attributes.as_ref().unwrap().size == 1024),
    );
    add(
        "$file_manager",
        "get_download_url",
        same(json!({"file_name":"a.log"})),
        Up,
        |e| matches!(e, SystemEvent::GetDownloadUrl(f) if f.file_attributes.is_none()),
    );
    add(
        "$file_manager",
        "get_upload_url_response",
        same(
            json!({"url":"https://obs/put","bucket_name":"b","object_name":"o","expire":3600,"file_attributes":{"hash_code":"abc","size":1024}}),
        ),
        Down,
        |e| matches!(e, SystemEvent::GetUploadUrlResponse(f) if f.expire == Some(3600)),
    );
    add(
        "$file_manager",
        "get_download_url_response",
        same(json!({"url":"https://obs/get"})),
        Down,
        |e| matches!(e, SystemEvent::GetDownloadUrlResponse(f) if f.url == "https://obs/get"),
    );
    add(
        "$file_manager",
        "upload_result_report",
        same(
            json!({"object_name":"o","result_code":0,"status_code":200,"status_description":"OK"}),
        ),
        Up,
        |e| matches!(e, SystemEvent::UploadResultReport(f) if f.status_code == 200),
    );
    add(
        "$file_manager",
        "download_result_report",
        same(
            json!({"object_name":"o","result_code":1,"status_code":404,"status_description":"Not Found"}),
        ),
        Up,
        |e| matches!(e, SystemEvent::DownloadResultReport(f) if f.result_code == 1),
    );
    add(
        "$log",
        "log_config",
        same(json!({"switch":"on","end_time":"20240101T000000Z"})),
        Down,
        |e| matches!(e, SystemEvent::LogConfig(c) if c.switch == LogSwitch::On),
    );
    add(
        "$log",
        "log_report",
        (
            json!({"timestamp":1700000000000u64,"type":"DEVICE_STATUS","content":"up"}),
            json!({"timestamp":"1700000000000","type":"DEVICE_STATUS","content":"up"}),
        ),
        Up,
        |e| matches!(e, SystemEvent::LogReport(l) if l.log_type == LogType::DeviceStatus),
    );
    add(
        "$tunnel_manager",
        "tunnel_notify",
        same(
            json!({"tunnel_uri":"wss://x/v5/iot/tunnels/t1/device-connect","tunnel_access_token":"tkn","expires_in":300}),
        ),
        Down,
        |e| matches!(e, SystemEvent::TunnelNotify(t) if t.expires_in == 300 && t.tunnel_access_token.expose() == "tkn"),
    );
    add(
        "$device_config",
        "config_update",
        same(json!({"config_content":{"interval":30}})),
        Down,
        |e| matches!(e, SystemEvent::ConfigUpdate(c) if c.config_content["interval"] == 30),
    );
    add(
        "$device_config",
        "config_update_response",
        same(json!({"result_code":0,"description":"applied"})),
        Up,
        |e| matches!(e, SystemEvent::ConfigUpdateResponse(c) if c.result_code == 0),
    );
    let opaque = || same(json!({"anything":[1,{"b":null}]}));
    add(
        "$device_rule",
        "device_rule_config_request",
        opaque(),
        Up,
        |e| matches!(e, SystemEvent::DeviceRuleConfigRequest(_)),
    );
    add(
        "$device_rule",
        "device_rule_config_response",
        opaque(),
        Down,
        |e| matches!(e, SystemEvent::DeviceRuleConfigResponse(_)),
    );
    add(
        "$security_detection_config",
        "security_log_report",
        opaque(),
        Up,
        |e| matches!(e, SystemEvent::SecurityLogReport(_)),
    );
    add(
        "$oh_soft_bus",
        "soft_bus_config_request",
        opaque(),
        Up,
        |e| matches!(e, SystemEvent::SoftBusConfigRequest(_)),
    );
    add(
        "$oh_soft_bus",
        "soft_bus_config_response",
        opaque(),
        Down,
        |e| matches!(e, SystemEvent::SoftBusConfigResponse(_)),
    );
    add("sub_device_discovery", "start_scan", opaque(), Down, |e| {
        matches!(e, SystemEvent::StartScan(_))
    });
    add(
        "sub_device_discovery",
        "scan_result",
        opaque(),
        Up,
        |e| matches!(e, SystemEvent::ScanResult(OpaqueParas(v)) if v["anything"][0] == 1),
    );
    cases
}

#[test]
fn every_system_event_round_trips_through_the_envelope() {
    let cases = event_cases();
    // Every service_id/event_type of the table (37), two of them twice.
    let distinct: std::collections::BTreeSet<_> =
        cases.iter().map(|c| (c.service, c.event)).collect();
    assert_eq!((cases.len(), distinct.len()), (39, 37));
    for case in cases {
        let name = format!("{}/{}", case.service, case.event);
        let envelope = json!({
            "object_device_id": null,
            "services": [{
                "service_id": case.service,
                "event_type": case.event,
                "event_time": "20240101T000000Z",
                "event_id": "0f3a",
                "paras": case.paras_in,
                "future_field": 1,
            }],
        });
        let message = EventsMessage::from_json(envelope.to_string().as_bytes()).unwrap();
        let event = message.services[0]
            .to_event()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!((case.check)(&event), "{name}: {event:?}");
        assert_eq!(event.service_id(), case.service, "{name}");
        assert_eq!(event.event_type(), case.event, "{name}");
        assert_eq!(event.direction(), Some(case.direction), "{name}");
        assert_eq!(event.paras().unwrap(), case.paras_out, "{name}");

        // Written back exactly: the same envelope, nulls and unknown fields gone.
        let time = UtcTime::new(2024, 1, 1, 0, 0, 0).unwrap();
        let out = EventsMessage {
            object_device_id: None,
            services: vec![
                EventService::new(&event)
                    .unwrap()
                    .at(&time)
                    .with_event_id("0f3a"),
            ],
        };
        let written: Value = serde_json::from_slice(&out.to_json().unwrap()).unwrap();
        assert_eq!(
            written,
            json!({"services":[{"service_id":case.service,"event_type":case.event,"event_time":"20240101T000000Z","event_id":"0f3a","paras":case.paras_out}]}),
            "{name}"
        );
        let again = EventsMessage::from_json(&out.to_json().unwrap()).unwrap();
        assert_eq!(again.events().next().unwrap().unwrap(), event, "{name}");
    }
}

#[test]
fn unknown_events_keep_their_raw_parameters() {
    let doc =
        br#"{"services":[{"service_id":"$future","event_type":"thing","paras":{"x":[1,2]}}]}"#;
    let message = EventsMessage::from_json(doc).unwrap();
    let event = message.services[0].to_event().unwrap();
    assert_eq!(
        event,
        SystemEvent::Unknown {
            service_id: "$future".into(),
            event_type: "thing".into(),
            paras: json!({"x":[1,2]}),
        }
    );
    assert_eq!(event.direction(), None);
    assert_eq!(
        EventsMessage::single(&event).unwrap().to_json().unwrap(),
        doc
    );
}

#[test]
fn java_sdk_sync_request_without_dollar_is_understood() {
    let event = SystemEvent::from_parts(
        "sub_device_manager",
        "sub_device_sync_request",
        json!({"version": 3}),
    )
    .unwrap();
    assert!(matches!(
        event,
        SystemEvent::SubDeviceSyncRequest(SubDeviceSync { version: Some(3) })
    ));
    // Written with the documented service id.
    assert_eq!(event.service_id(), "$sub_device_manager");
}

#[test]
fn a_known_event_with_bad_parameters_is_a_typed_error() {
    for (service, event, paras) in [
        ("$ota", "upgrade_progress_report", json!({"progress": 5})),
        (
            "$time_sync",
            "time_sync_response",
            json!({"device_send_time": "soon"}),
        ),
        (
            "$sub_device_manager",
            "add_sub_device_request",
            json!({"devices": [{"node_id": 1}]}),
        ),
        ("$log", "log_config", json!([])),
    ] {
        let err = SystemEvent::from_parts(service, event, paras).unwrap_err();
        assert!(
            matches!(
                err,
                IotdaError::Json(JsonError {
                    kind: JsonErrorKind::Data,
                    ..
                })
            ),
            "{service}/{event}: {err:?}"
        );
    }
}

#[test]
fn time_sync_arithmetic_is_the_documented_formula() {
    let response = TimeSyncResponse::from_json(
        br#"{"device_send_time":"1000","server_recv_time":1000000,"server_send_time":1000010}"#,
    )
    .unwrap();
    // (server_recv + server_send + device_recv - device_send) / 2
    assert_eq!(
        response.device_time(1_050),
        Some((1_000_000 + 1_000_010 + 1_050 - 1_000) / 2)
    );
    let extreme = TimeSyncResponse {
        device_send_time: u64::MAX,
        server_recv_time: 0,
        server_send_time: 0,
    };
    assert_eq!(extreme.device_time(0), None);
    let huge = TimeSyncResponse {
        device_send_time: 0,
        server_recv_time: u64::MAX,
        server_send_time: u64::MAX,
    };
    assert_eq!(huge.device_time(u64::MAX), None);
    assert_eq!(huge.device_time(0), Some(u64::MAX));
}

#[test]
fn bootstrap() {
    assert_eq!(BootstrapRequest::default().to_json().unwrap(), b"");
    assert_eq!(
        BootstrapRequest::from_json(b"").unwrap(),
        BootstrapRequest::default()
    );
    let keyed: BootstrapRequest = round_trip(
        r#"{"baseStrategyKeyword":"floor-3"}"#,
        r#"{"baseStrategyKeyword":"floor-3"}"#,
    );
    assert_eq!(keyed.base_strategy_keyword.as_deref(), Some("floor-3"));

    let answer = r#"{"address":"iot-mqtts.cn-north-4.myhuaweicloud.com:8883","initConfig":"{\"a\":1}","deviceSecret":"new-secret"}"#;
    let outcome = BootstrapOutcome::from_json(answer.as_bytes()).unwrap();
    let BootstrapOutcome::Answer(a) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        a.host_port(),
        Some(("iot-mqtts.cn-north-4.myhuaweicloud.com", 8883))
    );
    assert_eq!(a.device_secret.as_ref().unwrap().expose(), "new-secret");
    assert!(!format!("{outcome:?}").contains("new-secret"));
    assert_eq!(
        String::from_utf8(outcome.to_json().unwrap()).unwrap(),
        answer
    );
    round_trip::<BootstrapAnswer>(
        r#"{"address":"h:1","initConfig":null,"deviceSecret":null}"#,
        r#"{"address":"h:1"}"#,
    );
    for bad in [
        r#"{"address":"no-port"}"#,
        r#"{"address":":8883"}"#,
        r#"{"address":"h:99999"}"#,
    ] {
        let a = BootstrapAnswer::from_json(bad.as_bytes()).unwrap();
        assert_eq!(a.host_port(), None, "{bad}");
    }

    let failure =
        BootstrapOutcome::from_json(br#"{"errorCode":100417,"errorMsg":"policy"}"#).unwrap();
    assert_eq!(
        failure,
        BootstrapOutcome::Failure(BootstrapFailure {
            error_code: "100417".into(),
            error_msg: Some("policy".into())
        })
    );
    assert_eq!(
        failure.to_json().unwrap(),
        br#"{"errorCode":"100417","errorMsg":"policy"}"#
    );
    assert_eq!(
        BootstrapOutcome::from_json(br#"{"address":null}"#),
        Err(IotdaError::InvalidPayload(
            "bootstrap answer has neither address nor errorCode"
        ))
    );
}

#[test]
fn bridge_payloads() {
    let secret = DeviceSecret::new("s3cr3t-Key").unwrap();
    let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
    let login = BridgeLogin::new(&secret, &now, SigType::HmacSha256Checked);
    let ts = ConnectTimestamp::parse("2026112508").unwrap();
    let password = compute_password(&secret, &ts, SigType::HmacSha256Checked);
    assert_eq!(login.password.expose(), password.as_str());
    let written: Value = serde_json::from_slice(&login.to_json().unwrap()).unwrap();
    assert_eq!(
        written,
        json!({"sign_type":1,"timestamp":"2026112508","password":password.as_str()})
    );
    assert!(!format!("{login:?}").contains(password.as_str()));
    let reset: BridgeResetSecret = round_trip(
        r#"{"old_secret":"a","new_secret":"b"}"#,
        r#"{"old_secret":"a","new_secret":"b"}"#,
    );
    assert_eq!(format!("{reset:?}").matches("***").count(), 2);
}

#[test]
fn legacy_v3_payloads() {
    let report: LegacyDataReport = round_trip(
        r#"{"msgType":"deviceReq","data":[{"serviceId":"Temp","serviceData":{"t":21},"eventTime":"20240101T000000Z"}]}"#,
        r#"{"msgType":"deviceReq","data":[{"serviceId":"Temp","serviceData":{"t":21},"eventTime":"20240101T000000Z"}]}"#,
    );
    assert_eq!(report, LegacyDataReport::new(report.data.clone()));
    let reply: LegacyCommandReply = round_trip(
        r#"{"msgType":"deviceRsp","mid":"12","errcode":0,"body":{"ok":true}}"#,
        r#"{"msgType":"deviceRsp","mid":12,"errcode":0,"body":{"ok":true}}"#,
    );
    assert_eq!(reply, LegacyCommandReply::new(12, 0, json!({"ok": true})));
}

#[test]
fn documented_limits_are_enforced_when_writing() {
    let child = |i: usize| DeviceProperties {
        device_id: format!("c{i}"),
        services: vec![],
    };
    let ok = GatewayPropertiesReport {
        devices: (0..100).map(child).collect(),
    };
    assert!(ok.to_json().is_ok());
    let too_many = GatewayPropertiesReport {
        devices: (0..101).map(child).collect(),
    };
    fn expected<T>(what: &'static str) -> Result<T, IotdaError> {
        Err(IotdaError::InvalidPayload(what))
    }
    assert_eq!(
        too_many.to_json(),
        expected("gateway batch report holds more than 100 children")
    );

    let new = |i: usize| NewSubDevice::new(format!("n{i}"), "p");
    for n in [0, 51] {
        let add = AddSubDevices {
            devices: (0..n).map(new).collect(),
        };
        assert_eq!(
            add.to_json(),
            expected("add_sub_device_request needs 1-50 devices")
        );
    }
    let mut big = new(0);
    big.extension_info = Some(json!({"blob": "x".repeat(1_020)}));
    let add = AddSubDevices { devices: vec![big] };
    assert_eq!(add.to_json(), expected("extension_info larger than 1 KB"));
    // The same check through the event.
    let event = SystemEvent::AddSubDeviceRequest(add);
    assert_eq!(
        EventsMessage::single(&event).map(drop),
        expected("extension_info larger than 1 KB")
    );

    let status = |i: usize| SubDeviceStatus {
        device_id: format!("c{i}"),
        status: SubDeviceState::Online,
    };
    for n in [0, 101] {
        let s = SubDeviceStatuses {
            device_statuses: (0..n).map(status).collect(),
        };
        assert_eq!(
            s.to_json(),
            expected("sub_device_update_status needs 1-100 statuses")
        );
    }
    let progress = UpgradeProgress {
        result_code: UpgradeResult::Success,
        progress: Some(101),
        version: "v".into(),
        description: None,
    };
    assert_eq!(progress.to_json(), expected("progress must be 0-100"));
    let log = LogReport {
        timestamp: None,
        log_type: LogType::DeviceMessage,
        content: "x".repeat(1024 * 1024 + 1),
    };
    assert_eq!(log.to_json(), expected("log content larger than 1 MB"));
    let huge = DeviceMessage::new("x".repeat(1024 * 1024));
    assert_eq!(huge.to_json(), expected("payload larger than 1 MB"));
}

#[test]
fn malformed_json_gets_a_typed_error_with_its_position() {
    let cases: [(&[u8], JsonErrorKind); 6] = [
        (b"{\"services\":[", JsonErrorKind::Eof),
        (b"{\"services\":[}", JsonErrorKind::Syntax),
        (b"not json", JsonErrorKind::Syntax),
        (b"{\"services\":{}}", JsonErrorKind::Data),
        (b"{\"services\":[{\"properties\":{}}]}", JsonErrorKind::Data),
        (b"\xff", JsonErrorKind::Syntax),
    ];
    for (input, kind) in cases {
        match PropertiesReport::from_json(input) {
            Err(IotdaError::Json(e)) => {
                assert_eq!(e.kind, kind, "{input:?}");
                assert!(e.line >= 1, "{input:?}");
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
    let oversize = vec![b' '; 1024 * 1024 + 1];
    assert_eq!(
        CommandRequest::from_json(&oversize),
        Err(IotdaError::InvalidPayload("payload larger than 1 MB"))
    );
    // Deep nesting is refused by serde_json's recursion limit, not by a stack overflow.
    let deep = "[".repeat(100_000);
    assert!(CommandRequest::from_json(deep.as_bytes()).is_err());
    let err: iotmqtt::Error = CommandRequest::from_json(b"{").unwrap_err().into();
    assert_eq!(err.kind(), iotmqtt::ErrorKind::Usage);
}

#[test]
fn json_errors_never_quote_the_input() {
    let secret = "hunter2-secret";
    let doc = format!(r#"{{"tunnel_uri":"u","tunnel_access_token":"t","expires_in":"{secret}"}}"#);
    let err = TunnelNotify::from_json(doc.as_bytes()).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(secret));
    let t = TunnelNotify::from_json(
        br#"{"tunnel_uri":"u","tunnel_access_token":"hunter2-secret","expires_in":1}"#,
    )
    .unwrap();
    assert!(!format!("{t:?}").contains(secret));
    let info = UpgradeInfo::from_json(
        br#"{"version":"1","url":"u","file_size":1,"file_name":"f","access_token":"hunter2-secret","sign":"s"}"#,
    )
    .unwrap();
    assert!(!format!("{info:?}").contains(secret));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = EventsMessage::from_json(&bytes).map(|m| m.events().count());
            let _ = PropertiesReport::from_json(&bytes);
            let _ = BootstrapOutcome::from_json(&bytes);
            let _ = MessageDown::parse(&bytes);
        }

        #[test]
        fn properties_report_round_trips(
            service in "[A-Za-z_$][A-Za-z0-9_]{0,20}",
            key in "[a-z]{1,8}",
            value in any::<i64>(),
            secs in 0u64..253_402_300_799,
        ) {
            let t = UtcTime::from_unix_seconds(secs).unwrap();
            let report = PropertiesReport::new(vec![
                ServiceProperties::new(service, json!({ key: value })).at(&t),
            ]);
            let bytes = report.to_json().unwrap();
            let back = PropertiesReport::from_json(&bytes).unwrap();
            prop_assert_eq!(UtcTime::parse(back.services[0].event_time.as_deref().unwrap()).unwrap(), t);
            prop_assert_eq!(back, report);
        }
    }
}
