//! Device-originated requests: ids from the seed and a counter, answers matched to them, and
//! a timeout for those left unanswered.

use core::time::Duration;

use super::*;
use crate::iotda::{PendingRequest, RequestKind, SystemEvent};

fn pending(kind: RequestKind, id: &str) -> PendingRequest {
    PendingRequest {
        kind,
        id: id.into(),
    }
}

#[test]
fn a_shadow_answer_is_matched_and_an_unanswered_request_times_out() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    let first = s.device().get_shadow(Some("Light"), None).unwrap();
    let second = s.device().get_shadow(None, Some("child_1")).unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("d1-1", "d1-2"));
    s.drive();
    assert_eq!(
        s.platform().json(),
        [
            (
                topic("shadow/get/request_id=d1-1"),
                json(r#"{"service_id":"Light"}"#)
            ),
            (
                topic("shadow/get/request_id=d1-2"),
                json(r#"{"object_device_id":"child_1"}"#)
            ),
        ]
    );
    assert_eq!(s.device().pending_requests(), 2);
    let sent_at = s.now();
    s.send(
        &topic("shadow/get/response/request_id=d1-1"),
        br#"{"object_device_id":"5f1c0d2e_sensor01","shadow":[{"service_id":"Light","desired":{"properties":{"brightness":30},"event_time":"20261125T082000Z"},"reported":{"properties":{"brightness":70}},"version":3}]}"#,
    );
    match s.take_iotda().as_slice() {
        [
            DeviceEvent::Shadow {
                request_id,
                response,
                answers,
            },
        ] => {
            assert_eq!(request_id, "d1-1");
            assert_eq!(answers, &Some(pending(RequestKind::Shadow, "d1-1")));
            assert_eq!(response.shadow[0].version, Some(3));
            assert_eq!(
                response.shadow[0].desired.as_ref().unwrap().properties["brightness"],
                30
            );
        }
        other => panic!("{other:?}"),
    }
    // The second gets no answer: it times out 30 s after it was sent, and only then.
    assert_eq!(
        s.device().poll_timeout(),
        Some(sent_at.saturating_add(Duration::from_secs(30)))
    );
    s.advance(Duration::from_secs(29));
    assert!(s.take_iotda().is_empty());
    s.advance(Duration::from_secs(1));
    assert_eq!(
        s.take_iotda(),
        [DeviceEvent::Timeout(pending(RequestKind::Shadow, "d1-2"))]
    );
    assert_eq!(s.device().pending_requests(), 0);
    // A late answer is still delivered, but answers nothing.
    s.send(
        &topic("shadow/get/response/request_id=d1-2"),
        br#"{"object_device_id":"child_1","shadow":[]}"#,
    );
    assert!(matches!(
        s.take_iotda().as_slice(),
        [DeviceEvent::Shadow { answers: None, .. }]
    ));
    assert!(s.device().is_connected());
}

#[test]
fn a_time_sync_answer_is_matched_by_its_echo() {
    let mut s = Scenario::connected(config(ProtocolVersion::V5));
    let id = s.device().request_time_sync(1_795_595_400_000).unwrap();
    s.drive();
    let (t, body) = s.platform().json().pop().unwrap();
    assert_eq!(t, topic("events/up"));
    assert_eq!(
        body,
        json(&format!(
            r#"{{"services":[{{"service_id":"$time_sync","event_type":"time_sync_request","event_id":"{id}","paras":{{"device_send_time":1795595400000}}}}]}}"#
        ))
    );
    // The platform answers without an event id: the echoed send time matches it.
    s.send(
        &topic("events/down"),
        br#"{"services":[{"service_id":"$time_sync","event_type":"time_sync_response","paras":{"device_send_time":1795595400000,"server_recv_time":1795595400100,"server_send_time":1795595400110}}]}"#,
    );
    match s.take_iotda().as_slice() {
        [DeviceEvent::System(e)] => {
            assert_eq!(e.answers, Some(pending(RequestKind::TimeSync, &id)));
            let SystemEvent::TimeSyncResponse(r) = &e.event else {
                panic!("{e:?}");
            };
            assert_eq!(r.device_time(1_795_595_400_030), Some(1_795_595_400_120));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.device().pending_requests(), 0);
    assert_eq!(
        s.device().poll_timeout(),
        s.device().client().poll_timeout()
    );
}

#[test]
fn request_ids_are_deterministic_per_seed() {
    let ids = |seed| {
        let mut cfg = config(ProtocolVersion::V311);
        cfg.request_id_seed = seed;
        let mut d = IotdaDevice::new(cfg);
        [
            d.get_shadow(None, None).unwrap(),
            d.request_time_sync(5).unwrap(),
        ]
    };
    assert_eq!(ids(0xfeed), ["feed-1", "feed-2"]);
    assert_eq!(ids(0xfeed), ids(0xfeed));
    assert_ne!(ids(1), ids(2));
}

#[test]
fn the_request_table_is_bounded() {
    let mut cfg = config(ProtocolVersion::V311);
    cfg.max_pending_requests = 2;
    let mut d = IotdaDevice::new(cfg);
    d.get_shadow(None, None).unwrap();
    d.request_time_sync(1).unwrap();
    assert_eq!(
        d.get_shadow(None, None),
        Err(crate::error::UsageError::QueueFull.into())
    );
    assert_eq!((d.pending_requests(), d.queued_upstream()), (2, 2));
}

#[test]
fn file_url_answers_are_matched_by_event_id() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    let request = crate::iotda::FileRequest {
        file_name: "log.txt".into(),
        file_attributes: None,
    };
    let id = s
        .device()
        .report_event(&SystemEvent::GetUploadUrl(request))
        .unwrap()
        .unwrap();
    s.drive();
    let answer = format!(
        r#"{{"services":[{{"service_id":"$file_manager","event_type":"get_upload_url_response","event_id":"{id}","paras":{{"url":"https://obs.example/log.txt","expire":3600}}}}]}}"#
    );
    s.send(&topic("events/down"), answer.as_bytes());
    match s.take_iotda().as_slice() {
        [DeviceEvent::System(e)] => {
            assert_eq!(e.answers, Some(pending(RequestKind::UploadUrl, &id)));
            assert!(
                matches!(&e.event, SystemEvent::GetUploadUrlResponse(u) if u.url == "https://obs.example/log.txt")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_device_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<IotdaDevice>();
    send::<DeviceEvent>();
}

/// An idle device stays small inline (the client is most of it): keep it from creeping up.
#[test]
#[cfg(target_pointer_width = "64")]
fn the_device_stays_small_inline() {
    let size = core::mem::size_of::<IotdaDevice>();
    assert!(size <= 1400, "{size}");
    assert!(core::mem::size_of::<DeviceEvent>() <= 136);
}
