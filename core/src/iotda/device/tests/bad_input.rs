//! What the device cannot use becomes a typed event, and the session goes on.

use super::*;
use crate::iotda::{BadInput, InputProblem, IotdaError, JsonErrorKind, MAX_PUBLISH_BYTES};

fn bad(events: &[DeviceEvent]) -> Vec<BadInput> {
    events
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::BadInput(b) => Some((**b).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn bad_input_is_reported_and_the_session_stays_usable() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    s.app = Box::new(|device, event| {
        if let DeviceEvent::BadInput(b) = event {
            // A malformed command can still be answered with a failure.
            if let (true, Some(rid)) = (b.topic.contains("/sys/commands/"), &b.request_id) {
                let reply = crate::iotda::CommandResponse {
                    result_code: Some(1),
                    response_name: None,
                    paras: None,
                };
                device.respond_command(rid, &reply).unwrap();
            }
        }
    });
    s.send(&topic("commands/request_id=7"), b"{\"paras\":");
    s.send(&topic("properties/set/request_id=8"), b"not json");
    s.send("$oc/devices/other_device/sys/commands/request_id=9", b"{}");
    s.send(&topic("no/such/topic"), b"{}");
    s.send(&topic("properties/report"), b"{}");
    let oversize = vec![b' '; MAX_PUBLISH_BYTES + 10];
    s.send(&topic("events/down"), &oversize);
    s.send(&topic("messages/down"), &oversize);
    s.send(
        &topic("events/down"),
        br#"{"services":[{"service_id":"$ota","event_type":"firmware_upgrade","paras":{"version":1}},{"service_id":"$ota","event_type":"version_query","paras":{}}]}"#,
    );
    s.send(&topic("bootstrap/down"), br#"{"address":"h:1"}"#);
    s.send("$oc/bridges/b1/devices/d1/sys/disconnect", b"");

    let events = s.take();
    let problems: Vec<(String, Option<String>, InputProblem)> = bad(&events)
        .into_iter()
        .map(|b| (b.topic, b.request_id, b.problem))
        .collect();
    let too_large = InputProblem::Payload(IotdaError::InvalidPayload("payload larger than 1 MB"));
    assert_eq!(problems.len(), 10, "{problems:?}");
    assert_eq!(problems[0].0, topic("commands/request_id=7"));
    assert_eq!(problems[0].1.as_deref(), Some("7"));
    assert!(matches!(
        &problems[0].2,
        InputProblem::Payload(IotdaError::Json(e)) if e.kind == JsonErrorKind::Eof
    ));
    assert!(matches!(
        &problems[1].2,
        InputProblem::Payload(IotdaError::Json(e)) if e.kind == JsonErrorKind::Syntax
    ));
    assert_eq!(problems[1].1.as_deref(), Some("8"));
    assert_eq!(problems[2].2, InputProblem::OtherDevice);
    assert_eq!(problems[3].2, InputProblem::UnknownTopic);
    assert_eq!(problems[4].2, InputProblem::UnexpectedTopic);
    assert_eq!(problems[5].2, too_large);
    assert_eq!(problems[6].2, too_large);
    // One bad event in an envelope does not spoil the other.
    assert!(matches!(
        &problems[7].2,
        InputProblem::Payload(IotdaError::Json(_))
    ));
    assert!(events.iter().any(|e| matches!(
        e,
        DeviceEvent::System(x) if matches!(x.event, crate::iotda::SystemEvent::VersionQuery(_))
    )));
    assert_eq!(problems[8].2, InputProblem::UnexpectedBootstrap);
    assert_eq!(problems[9].2, InputProblem::UnexpectedTopic);
    // No secret or payload leaks into the errors' text.
    for (_, _, p) in &problems {
        assert!(!p.to_string().contains(SECRET));
    }

    // Still connected, and the next command works.
    assert!(s.device().is_connected());
    s.send(&topic("commands/request_id=10"), br#"{"paras":{}}"#);
    assert!(matches!(
        s.take_iotda().as_slice(),
        [DeviceEvent::Command { request_id, .. }] if request_id == "10"
    ));
    // The malformed command got its failure answer.
    assert_eq!(
        s.platform().json()[0],
        (
            topic("commands/response/request_id=7"),
            json(r#"{"result_code":1}"#)
        )
    );
}
