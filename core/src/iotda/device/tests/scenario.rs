//! The issue's scenario: the platform sends a command, a property set, a property get and an
//! OTA version query; the device answers each on the right topic with the right JSON.

use std::boxed::Box;

use serde_json::json as j;

use super::*;
use crate::iotda::{
    CommandResponse, PropertiesGetResponse, PropertiesReport, PropertiesSetResponse,
    ServiceProperties, SystemEvent, VersionReport,
};

/// An application that answers like a light with firmware 1.2.0 would.
fn light() -> App {
    Box::new(|device, event| match event {
        DeviceEvent::Command {
            request_id,
            command,
        } => {
            assert_eq!(command.service_id.as_deref(), Some("Light"));
            let paras = j!({"state": command.paras["state"].clone()});
            let mut reply = CommandResponse::success(Some(paras));
            reply.response_name = Some("switch_done".into());
            device.respond_command(request_id, &reply).unwrap();
        }
        DeviceEvent::PropertiesSet {
            request_id,
            request,
        } => {
            let ok = request.services.iter().all(|s| s.service_id == "Light");
            let reply = if ok {
                PropertiesSetResponse::success()
            } else {
                PropertiesSetResponse::failure(1, "unknown service")
            };
            device.respond_properties_set(request_id, &reply).unwrap();
        }
        DeviceEvent::PropertiesGet {
            request_id,
            request,
        } => {
            assert_eq!(request.service_id.as_deref(), Some("Light"));
            let reply = PropertiesGetResponse::new(vec![ServiceProperties::new(
                "Light",
                j!({"brightness": 70}),
            )]);
            device.respond_properties_get(request_id, &reply).unwrap();
        }
        DeviceEvent::System(e) => {
            if let SystemEvent::VersionQuery(_) = e.event {
                let report = VersionReport {
                    sw_version: Some("1.2.0".into()),
                    fw_version: Some("fw-7".into()),
                };
                let id = device
                    .report_event(&SystemEvent::VersionReport(report))
                    .unwrap();
                assert_eq!(id, None, "a version report is not answered");
            }
        }
        _ => {}
    })
}

#[test]
fn the_device_answers_a_command_a_property_set_a_property_get_and_a_version_query() {
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut s = Scenario::connected(config(version));
        s.app = light();
        // The login the platform saw: the documented ClientId and a good password.
        assert_eq!(
            s.platform().logins,
            [(format!("{DEVICE}_0_0_2026112508"), Ok(()))]
        );

        s.send(
            &topic("commands/request_id=cmd-1"),
            br#"{"object_device_id":null,"service_id":"Light","command_name":"switch","paras":{"state":"on"}}"#,
        );
        s.send(
            &topic("properties/set/request_id=set-2"),
            br#"{"services":[{"service_id":"Light","properties":{"brightness":70}}]}"#,
        );
        s.send(
            &topic("properties/get/request_id=get-3"),
            br#"{"service_id":"Light"}"#,
        );
        s.send(
            &topic("events/down"),
            br#"{"object_device_id":null,"services":[{"service_id":"$ota","event_type":"version_query","event_time":"20261125T083000Z","paras":{}}]}"#,
        );

        let events = s.take_iotda();
        assert!(
            matches!(&events[0], DeviceEvent::Command { request_id, .. } if request_id == "cmd-1")
        );
        assert!(
            matches!(&events[1], DeviceEvent::PropertiesSet { request_id, .. } if request_id == "set-2")
        );
        assert!(
            matches!(&events[2], DeviceEvent::PropertiesGet { request_id, .. } if request_id == "get-3")
        );
        match &events[3] {
            DeviceEvent::System(e) => {
                assert!(matches!(e.event, SystemEvent::VersionQuery(_)));
                assert_eq!(e.event_time.as_deref(), Some("20261125T083000Z"));
                assert_eq!(e.answers, None);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(events.len(), 4, "{events:?}");

        assert_eq!(
            s.platform().json(),
            [
                (
                    topic("commands/response/request_id=cmd-1"),
                    json(
                        r#"{"result_code":0,"response_name":"switch_done","paras":{"state":"on"}}"#
                    )
                ),
                (
                    topic("properties/set/response/request_id=set-2"),
                    json(r#"{"result_code":0}"#)
                ),
                (
                    topic("properties/get/response/request_id=get-3"),
                    json(r#"{"services":[{"service_id":"Light","properties":{"brightness":70}}]}"#)
                ),
                (
                    topic("events/up"),
                    json(
                        r#"{"services":[{"service_id":"$ota","event_type":"version_report","paras":{"sw_version":"1.2.0","fw_version":"fw-7"}}]}"#
                    )
                ),
            ],
            "{version}"
        );
        // Everything went up at QoS 1 without retain, and the connection is still up.
        assert!(
            s.platform()
                .received
                .iter()
                .all(|m| m.qos == QoS::AtLeastOnce && !m.retain)
        );
        assert!(s.device().is_connected());
    }
}

#[test]
fn a_failed_property_set_is_answered_with_its_code_and_reports_carry_their_suffix() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    s.app = light();
    s.send(
        &topic("properties/set/request_id=9"),
        br#"{"services":[{"service_id":"Fan","properties":{"speed":1}}]}"#,
    );
    let t = UtcTime::new(2026, 11, 25, 8, 31, 0).unwrap();
    let report = PropertiesReport::new(vec![
        ServiceProperties::new("Light", j!({"brightness": 70})).at(&t),
    ]);
    s.device()
        .report_properties(&report, crate::iotda::ReportSuffix::RequestId("r-1"))
        .unwrap();
    s.device()
        .report_properties(&report, crate::iotda::ReportSuffix::None)
        .unwrap();
    s.device()
        .send_message(b"\x01\x02raw", crate::iotda::ReportSuffix::None)
        .unwrap();
    s.drive();
    let got = s.platform().json();
    assert_eq!(
        got[0],
        (
            topic("properties/set/response/request_id=9"),
            json(r#"{"result_code":1,"result_desc":"unknown service"}"#)
        )
    );
    let expected_report = json(
        r#"{"services":[{"service_id":"Light","properties":{"brightness":70},"event_time":"20261125T083100Z"}]}"#,
    );
    assert_eq!(
        got[1],
        (
            topic("properties/report?request_id=r-1"),
            expected_report.clone()
        )
    );
    assert_eq!(got[2], (topic("properties/report"), expected_report));
    let raw = &s.platform().received[3];
    assert_eq!(
        (raw.topic.as_str(), raw.payload.as_slice()),
        (topic("messages/up").as_str(), &b"\x01\x02raw"[..])
    );
    // A gzip suffix needs compressed bytes: the typed report refuses it.
    assert!(
        s.device()
            .report_properties(&report, crate::iotda::ReportSuffix::Gzip)
            .is_err()
    );
}

#[test]
fn messages_down_arrive_raw_and_structured_and_custom_topics_pass_through() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    s.send(&topic("messages/down"), b"\x00\xffbinary");
    s.send(
        &topic("messages/down"),
        br#"{"object_device_id":null,"name":"n","id":"m-1","content":{"a":1}}"#,
    );
    let user = format!("$oc/devices/{DEVICE}/user/alarms");
    s.send(&user, b"custom");
    let events = s.take();
    let downs: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::MessageDown { payload, message } => {
                Some((payload.clone(), message.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(downs.len(), 2);
    assert_eq!(downs[0], (b"\x00\xffbinary".to_vec(), None));
    let structured = downs[1].1.as_ref().unwrap();
    assert_eq!(
        (structured.id.as_deref(), &structured.content),
        (Some("m-1"), &j!({"a": 1}))
    );
    assert!(events.iter().any(|e| matches!(
        e,
        DeviceEvent::Mqtt(Event::Message(m)) if m.topic == user && m.payload == b"custom"
    )));
}
