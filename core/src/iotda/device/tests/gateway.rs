//! Gateway helpers: the batch report and sub-device management with the platform's answers.

use serde_json::json as j;

use super::*;
use crate::error::{Error, UsageError};
use crate::iotda::{
    AddSubDevices, DeleteSubDevices, DeviceProperties, GatewayPropertiesReport, IotdaError,
    NewSubDevice, PendingRequest, RequestKind, ServiceProperties, SubDeviceState, SubDeviceStatus,
    SubDeviceStatuses, SystemEvent,
};

fn child(i: usize) -> DeviceProperties {
    DeviceProperties {
        device_id: format!("child_{i}"),
        services: vec![ServiceProperties::new("Temp", j!({"value": i}))],
    }
}

#[test]
fn the_batch_report_carries_up_to_a_hundred_children() {
    let mut s = Scenario::connected(config(ProtocolVersion::V311));
    let report = GatewayPropertiesReport {
        devices: vec![child(1), child(2)],
    };
    s.device().report_sub_device_properties(&report).unwrap();
    s.drive();
    assert_eq!(
        s.platform().json(),
        [(
            topic("gateway/sub_devices/properties/report"),
            json(
                r#"{"devices":[{"device_id":"child_1","services":[{"service_id":"Temp","properties":{"value":1}}]},{"device_id":"child_2","services":[{"service_id":"Temp","properties":{"value":2}}]}]}"#
            )
        )]
    );
    let too_many = GatewayPropertiesReport {
        devices: (0..101).map(child).collect(),
    };
    assert!(matches!(
        s.device().report_sub_device_properties(&too_many),
        Err(Error::Usage(UsageError::Iotda(IotdaError::InvalidPayload(
            _
        ))))
    ));
    let hundred = GatewayPropertiesReport {
        devices: (0..100).map(child).collect(),
    };
    s.device().report_sub_device_properties(&hundred).unwrap();
}

#[test]
fn sub_devices_are_added_deleted_and_reported_with_the_platforms_answers() {
    let mut s = Scenario::connected(config(ProtocolVersion::V5));
    let add = s
        .device()
        .add_sub_devices(AddSubDevices {
            devices: vec![NewSubDevice::new("node-1", "prod-1")],
        })
        .unwrap();
    let delete = s
        .device()
        .delete_sub_devices(DeleteSubDevices {
            devices: vec!["prod-1_node-0".into()],
        })
        .unwrap();
    let status = s
        .device()
        .update_sub_device_statuses(SubDeviceStatuses {
            device_statuses: vec![SubDeviceStatus {
                device_id: "prod-1_node-1".into(),
                status: SubDeviceState::Online,
            }],
        })
        .unwrap();
    s.device().sync_sub_devices(Some(7)).unwrap();
    s.drive();
    let sent = s.platform().json();
    let expect = |event_type: &str, id: Option<&str>, service: &str, paras: &str| {
        let id = id.map_or(String::new(), |i| format!(r#","event_id":"{i}""#));
        json(&format!(
            r#"{{"services":[{{"service_id":"{service}","event_type":"{event_type}"{id},"paras":{paras}}}]}}"#
        ))
    };
    let m = "$sub_device_manager";
    assert_eq!(
        sent.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        [
            expect(
                "add_sub_device_request",
                Some(&add),
                m,
                r#"{"devices":[{"node_id":"node-1","product_id":"prod-1"}]}"#
            ),
            expect(
                "delete_sub_device_request",
                Some(&delete),
                m,
                r#"{"devices":["prod-1_node-0"]}"#
            ),
            expect(
                "sub_device_update_status",
                Some(&status),
                m,
                r#"{"device_statuses":[{"device_id":"prod-1_node-1","status":"ONLINE"}]}"#
            ),
            expect("sub_device_sync_request", None, m, r#"{"version":7}"#),
        ]
    );
    assert!(sent.iter().all(|(t, _)| *t == topic("events/up")));
    assert_eq!(s.device().pending_requests(), 3);

    // The platform answers in another order, echoing the event ids, in one envelope.
    let answer = format!(
        r#"{{"services":[
            {{"service_id":"$sub_device_manager","event_type":"sub_device_update_status_response","event_id":"{status}","paras":{{"successful_devices":[{{"device_id":"prod-1_node-1","status":"ONLINE"}}],"failed_devices":[]}}}},
            {{"service_id":"$sub_device_manager","event_type":"add_sub_device_response","event_id":"{add}","paras":{{"successful_devices":[{{"parent_device_id":"{DEVICE}","node_id":"node-1","device_id":"prod-1_node-1","product_id":"prod-1","status":"OFFLINE"}}],"failed_devices":[]}}}},
            {{"service_id":"$sub_device_manager","event_type":"delete_sub_device_response","event_id":"{delete}","paras":{{"successful_devices":[],"failed_devices":[{{"device_id":"prod-1_node-0","error_code":"IOTDA.014000","error_msg":"not found"}}]}}}}
        ]}}"#
    );
    s.send(&topic("events/down"), answer.as_bytes());
    let events = s.take_iotda();
    let answered: Vec<(Option<PendingRequest>, &SystemEvent)> = events
        .iter()
        .map(|e| match e {
            DeviceEvent::System(e) => (e.answers.clone(), &e.event),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(answered.len(), 3);
    let req = |kind, id: &str| {
        Some(PendingRequest {
            kind,
            id: id.into(),
        })
    };
    assert_eq!(answered[0].0, req(RequestKind::SubDeviceStatus, &status));
    assert_eq!(answered[1].0, req(RequestKind::AddSubDevices, &add));
    assert_eq!(answered[2].0, req(RequestKind::DeleteSubDevices, &delete));
    match answered[1].1 {
        SystemEvent::AddSubDeviceResponse(r) => {
            assert_eq!(r.successful_devices[0].device_id, "prod-1_node-1");
        }
        other => panic!("{other:?}"),
    }
    match answered[2].1 {
        SystemEvent::DeleteSubDeviceResponse(r) => {
            assert_eq!(r.failed_devices[0].error_code, "IOTDA.014000");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.device().pending_requests(), 0);
    // A notification the platform sends on its own answers nothing.
    s.send(
        &topic("events/down"),
        format!(r#"{{"services":[{{"service_id":"$sub_device_manager","event_type":"delete_sub_device_notify","paras":{{"version":8,"devices":[{{"parent_device_id":"{DEVICE}","device_id":"prod-1_node-1"}}]}}}}]}}"#).as_bytes(),
    );
    assert!(matches!(
        s.take_iotda().as_slice(),
        [DeviceEvent::System(e)] if e.answers.is_none() && matches!(e.event, SystemEvent::DeleteSubDeviceNotify(_))
    ));
}

#[test]
fn sub_device_limits_are_checked_before_anything_is_queued() {
    let mut d = IotdaDevice::new(config(ProtocolVersion::V311));
    let many = AddSubDevices {
        devices: (0..51)
            .map(|i| NewSubDevice::new(format!("n{i}"), "p"))
            .collect(),
    };
    assert!(matches!(
        d.add_sub_devices(many),
        Err(Error::Usage(UsageError::Iotda(IotdaError::InvalidPayload(
            _
        ))))
    ));
    assert!(
        d.add_sub_devices(AddSubDevices { devices: vec![] })
            .is_err()
    );
    assert!(
        d.update_sub_device_statuses(SubDeviceStatuses {
            device_statuses: vec![]
        })
        .is_err()
    );
    let statuses = SubDeviceStatuses {
        device_statuses: (0..101)
            .map(|i| SubDeviceStatus {
                device_id: format!("c{i}"),
                status: SubDeviceState::Offline,
            })
            .collect(),
    };
    assert!(d.update_sub_device_statuses(statuses).is_err());
    assert!(
        d.delete_sub_devices(DeleteSubDevices { devices: vec![] })
            .is_err()
    );
    assert_eq!((d.queued_upstream(), d.pending_requests()), (0, 0));
}
