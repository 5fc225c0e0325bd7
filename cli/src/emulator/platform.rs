//! What the platform does with a device's PUBLISH (IOTDA.md §4–§6): system topics are
//! interpreted (reports stored, answers matched to waiting requests, shadow and time-sync
//! requests answered, gateway children added and deleted, bootstrap answered), custom topics
//! are routed to subscribers, and topics of other devices are refused.

use iotmqtt::iotda::{
    AddSubDevicesResponse, BootstrapAnswer, BootstrapFailure, BootstrapOutcome, ClientId,
    ClientIdKind, DeleteSubDevicesResponse, DeletedSubDevice, EventService, EventsMessage,
    FailedSubDevice, FailedSubDeviceAdd, GatewayPropertiesReport, JsonPayload, PropertiesReport,
    ShadowGetRequest, SubDeviceInfo, SubDeviceState, SubDeviceStatus, SubDeviceStatusesResponse,
    SubDevicesAdded, SysTopic, SystemEvent, TimeSyncResponse, Topic,
};
use iotmqtt::server::ServerMessage;
use serde_json::{Value, json};

use super::device_state::{Direction, payload_value};
use super::hub::{Hub, RequestKind, ShadowPush, State, unix_millis, utc_now};
use super::log::excerpt;
use super::registry::DeviceRecord;

/// Who published: the connection and the device it logged in as.
#[derive(Debug, Clone)]
pub(crate) struct Publisher<'a> {
    /// The connection.
    pub conn: u64,
    /// The device id of the login.
    pub device_id: &'a str,
    /// The ClientId of the login.
    pub client_id: &'a str,
}

/// Handles one PUBLISH from a logged-in device.
pub(crate) fn device_publish(hub: &Hub, from: &Publisher<'_>, message: ServerMessage) {
    let topic = message.topic.clone();
    let me = from.device_id;
    match Topic::parse(&topic) {
        Topic::Device {
            device_id,
            topic: sys,
        } if device_id == me => {
            system_up(hub, from, sys, &topic, &message.payload);
        }
        Topic::User { device_id, .. } | Topic::Device { device_id, .. } if device_id != me => {
            hub.log.line(format!(
                "{me}: refused a PUBLISH on another device's topic {topic}"
            ));
        }
        Topic::User { .. } | Topic::Custom(_) => {
            let payload = excerpt(&message.payload);
            let n = hub.route(from.conn, message);
            hub.log
                .line(format!("{me} -> {topic} ({n} subscriber(s)): {payload}"));
        }
        Topic::Legacy { .. } | Topic::Bridge { .. } | Topic::M2m { .. } => {
            record_up(hub, me, &topic, &message.payload);
            hub.log.line(format!(
                "{me} -> {topic}: recorded; this interface is not emulated"
            ));
        }
        _ => hub.log.line(format!(
            "{me}: dropped a PUBLISH on an unknown $oc topic {topic}"
        )),
    }
}

fn record_up(hub: &Hub, device_id: &str, topic: &str, payload: &[u8]) {
    let capacity = hub.settings.message_log_len;
    hub.lock()
        .record(device_id, Direction::Up, topic, payload, capacity);
}

/// Sends `payload` to `device_id` (through its gateway for a child) on the system topic
/// `make(route)`; records and logs it. Returns false when the device is not connected.
pub(crate) fn send_down(
    hub: &Hub,
    s: &mut State,
    route: &str,
    sys: SysTopic<'_>,
    payload: Vec<u8>,
    implicit: bool,
) -> bool {
    let Ok(topic) = Topic::device(route, sys).to_topic_string() else {
        return false;
    };
    let capacity = hub.settings.message_log_len;
    s.record(route, Direction::Down, &topic, &payload, capacity);
    hub.log
        .line(format!("{route} <- {topic}: {}", excerpt(&payload)));
    let sent = s.send_platform(route, topic, payload, implicit);
    if !sent {
        hub.log
            .line(format!("{route}: not connected or queue full, not sent"));
    }
    sent
}

/// Sends one system event to `device_id` (a child's goes to its gateway with
/// `object_device_id`). Returns the event id, or why it could not be sent.
pub(crate) fn send_event(
    hub: &Hub,
    s: &mut State,
    device_id: &str,
    event: &SystemEvent,
    event_id: Option<String>,
) -> Result<String, String> {
    let route = s.route_id(device_id);
    let event_id = match event_id {
        Some(id) => id,
        None => s.request_id(),
    };
    let service = EventService::new(event)
        .map_err(|e| format!("invalid event: {e}"))?
        .at(&utc_now())
        .with_event_id(event_id.clone());
    let message = EventsMessage {
        object_device_id: (route != device_id).then(|| device_id.to_owned()),
        services: vec![service],
    };
    let payload = message
        .to_json()
        .map_err(|e| format!("invalid event: {e}"))?;
    if send_down(hub, s, &route, SysTopic::EventsDown, payload, true) {
        Ok(event_id)
    } else {
        Err(format!("device {device_id} is offline"))
    }
}

fn system_up(hub: &Hub, from: &Publisher<'_>, sys: SysTopic<'_>, topic: &str, payload: &[u8]) {
    let me = from.device_id;
    let capacity = hub.settings.message_log_len;
    let mut s = hub.lock();
    s.record(me, Direction::Up, topic, payload, capacity);
    let now = utc_now().event_time();
    match sys {
        SysTopic::MessagesUp(_) => hub
            .log
            .line(format!("{me} -> message: {}", excerpt(payload))),
        SysTopic::PropertiesReport(_) => match PropertiesReport::from_json(payload) {
            Ok(r) => {
                for service in &r.services {
                    let time = service.event_time.clone().unwrap_or_else(|| now.clone());
                    s.device(me)
                        .report(&service.service_id, &service.properties, time);
                }
                hub.log
                    .line(format!("{me} -> properties: {}", excerpt(payload)));
            }
            Err(e) => hub
                .log
                .line(format!("{me}: malformed properties report: {e}")),
        },
        SysTopic::GatewayPropertiesReport(_) => match GatewayPropertiesReport::from_json(payload) {
            Ok(r) => {
                for d in &r.devices {
                    for service in &d.services {
                        let time = service.event_time.clone().unwrap_or_else(|| now.clone());
                        s.device(&d.device_id).report(
                            &service.service_id,
                            &service.properties,
                            time,
                        );
                    }
                }
                hub.log.line(format!(
                    "{me} -> properties of {} child(ren): {}",
                    r.devices.len(),
                    excerpt(payload)
                ));
            }
            Err(e) => hub.log.line(format!("{me}: malformed gateway report: {e}")),
        },
        SysTopic::CommandResponse { request_id } => {
            answer(hub, &mut s, me, RequestKind::Command, request_id, payload);
        }
        SysTopic::PropertiesSetResponse { request_id } => {
            answer(
                hub,
                &mut s,
                me,
                RequestKind::PropertiesSet,
                request_id,
                payload,
            );
        }
        SysTopic::PropertiesGetResponse { request_id } => {
            if let Ok(r) = PropertiesReport::from_json(payload) {
                for service in &r.services {
                    let time = service.event_time.clone().unwrap_or_else(|| now.clone());
                    s.device(me)
                        .report(&service.service_id, &service.properties, time);
                }
            }
            answer(
                hub,
                &mut s,
                me,
                RequestKind::PropertiesGet,
                request_id,
                payload,
            );
        }
        SysTopic::ShadowGet { request_id } => shadow_get(hub, &mut s, me, request_id, payload),
        SysTopic::EventsUp => events_up(hub, &mut s, me, payload),
        SysTopic::BootstrapUp => bootstrap(hub, &mut s, from),
        SysTopic::SubDeviceMessagesUp => {
            hub.log.line(format!(
                "{me} -> sub-device message (deprecated): {}",
                excerpt(payload)
            ));
        }
        other if other.direction() == iotmqtt::iotda::Direction::Down => hub.log.line(format!(
            "{me}: refused a PUBLISH on the downstream topic {topic}"
        )),
        _ => hub
            .log
            .line(format!("{me} -> {topic}: recorded; not emulated")),
    }
}

fn answer(hub: &Hub, s: &mut State, me: &str, kind: RequestKind, request_id: &str, payload: &[u8]) {
    let value = payload_value(payload);
    let push = match kind {
        RequestKind::PropertiesSet => s.push_answered(me, request_id),
        RequestKind::Command | RequestKind::PropertiesGet => None,
    };
    if let Some(push) = push {
        let whose = if push.device_id == me {
            String::new()
        } else {
            format!(" of {}", push.device_id)
        };
        let verdict = match value.get("result_code").and_then(Value::as_i64) {
            Some(0) => "accepted",
            _ => "not accepted",
        };
        hub.log.line(format!(
            "{me} -> answer to the shadow's property set {request_id} (desired {}{whose}), {verdict}: {}",
            push.service_id,
            excerpt(payload)
        ));
    } else if s.answer(kind, request_id, value) {
        hub.log.line(format!(
            "{me} -> answer to {request_id}: {}",
            excerpt(payload)
        ));
    } else {
        hub.log.line(format!(
            "{me} -> answer to {request_id}, which nobody waits for (late or unknown): {}",
            excerpt(payload)
        ));
    }
}

fn shadow_get(hub: &Hub, s: &mut State, me: &str, request_id: &str, payload: &[u8]) {
    let request = ShadowGetRequest::from_json(payload).unwrap_or_default();
    let target = request.object_device_id.unwrap_or_else(|| me.to_owned());
    let shadow = s.device(&target).shadow(request.service_id.as_deref());
    let answer = json!({ "object_device_id": target, "shadow": shadow });
    let Ok(bytes) = serde_json::to_vec(&answer) else {
        return;
    };
    hub.log.line(format!("{me} -> shadow request {request_id}"));
    send_down(
        hub,
        s,
        me,
        SysTopic::ShadowGetResponse { request_id },
        bytes,
        true,
    );
}

fn events_up(hub: &Hub, s: &mut State, me: &str, payload: &[u8]) {
    let message = match EventsMessage::from_json(payload) {
        Ok(m) => m,
        Err(e) => {
            hub.log.line(format!("{me}: malformed event message: {e}"));
            return;
        }
    };
    let target = message
        .object_device_id
        .clone()
        .unwrap_or_else(|| me.to_owned());
    for service in &message.services {
        hub.log.line(format!(
            "{me} -> event {}/{}: {}",
            service.service_id,
            service.event_type,
            excerpt(service.paras.to_string().as_bytes())
        ));
        s.event_arrived(&target, &service.event_type, &service.paras);
        let event = match service.to_event() {
            Ok(e) => e,
            Err(e) => {
                hub.log.line(format!(
                    "{me}: event {} does not fit its schema: {e}",
                    service.event_type
                ));
                continue;
            }
        };
        let reply = handle_event(hub, s, me, &target, event);
        if let Some(reply) = reply {
            if let Err(e) = send_event(hub, s, &target, &reply, service.event_id.clone()) {
                hub.log
                    .line(format!("{me}: cannot answer {}: {e}", service.event_type));
            }
        }
    }
}

/// The platform's side of one device event: state changes and the answer to send, if any.
fn handle_event(
    hub: &Hub,
    s: &mut State,
    gateway: &str,
    target: &str,
    event: SystemEvent,
) -> Option<SystemEvent> {
    match event {
        SystemEvent::TimeSyncRequest(r) => {
            let now = unix_millis();
            Some(SystemEvent::TimeSyncResponse(TimeSyncResponse {
                device_send_time: r.device_send_time,
                server_recv_time: now,
                server_send_time: now,
            }))
        }
        SystemEvent::VersionReport(v) => {
            let d = s.device(target);
            d.fw_version = v.fw_version;
            d.sw_version = v.sw_version;
            None
        }
        SystemEvent::UpgradeProgressReport(p) => {
            s.device(target).upgrade_progress = serde_json::to_value(&p).ok();
            None
        }
        SystemEvent::SdkInfoReport(i) => {
            s.device(target).sdk_info = serde_json::to_value(&i).ok();
            None
        }
        SystemEvent::AddSubDeviceRequest(add) => {
            let mut response = AddSubDevicesResponse::default();
            for new in add.devices {
                let id = new
                    .device_id
                    .clone()
                    .unwrap_or_else(|| format!("{}_{}", new.product_id, new.node_id));
                let added = DeviceRecord::new(
                    &id,
                    None,
                    Some(new.product_id.clone()),
                    Some(new.node_id.clone()),
                )
                .and_then(|mut child| {
                    child.name.clone_from(&new.name);
                    s.registry.add_child(gateway, child)
                });
                match added {
                    Ok(()) => {
                        hub.log.line(format!("{gateway}: added sub-device {id}"));
                        response.successful_devices.push(SubDeviceInfo {
                            parent_device_id: gateway.to_owned(),
                            node_id: new.node_id,
                            device_id: id,
                            name: new.name,
                            description: new.description,
                            manufacturer_id: None,
                            model: None,
                            product_id: Some(new.product_id),
                            fw_version: None,
                            sw_version: None,
                            status: Some(SubDeviceState::Offline),
                            extension_info: new.extension_info,
                        });
                    }
                    Err(e) => response.failed_devices.push(FailedSubDeviceAdd {
                        node_id: new.node_id,
                        product_id: new.product_id,
                        error_code: "IOTDA.014016".into(),
                        error_msg: Some(e),
                    }),
                }
            }
            Some(SystemEvent::AddSubDeviceResponse(response))
        }
        SystemEvent::DeleteSubDeviceRequest(del) => {
            let mut response = DeleteSubDevicesResponse::default();
            for id in del.devices {
                let child_of_gateway = s
                    .registry
                    .get(&id)
                    .is_some_and(|d| d.gateway_id.as_deref() == Some(gateway));
                if child_of_gateway {
                    s.registry.remove(&id);
                    s.devices.remove(&id);
                    hub.log.line(format!("{gateway}: deleted sub-device {id}"));
                    response.successful_devices.push(id);
                } else {
                    response.failed_devices.push(FailedSubDevice {
                        device_id: id,
                        error_code: "IOTDA.014000".into(),
                        error_msg: Some("not a sub-device of this gateway".into()),
                    });
                }
            }
            Some(SystemEvent::DeleteSubDeviceResponse(response))
        }
        SystemEvent::SubDeviceSyncRequest(_) => {
            let devices = children_of(s, gateway);
            Some(SystemEvent::AddSubDeviceNotify(SubDevicesAdded {
                version: s.registry.version,
                devices,
            }))
        }
        SystemEvent::SubDeviceUpdateStatus(update) => {
            let mut response = SubDeviceStatusesResponse::default();
            for st in update.device_statuses {
                let ok = s
                    .registry
                    .get(&st.device_id)
                    .is_some_and(|d| d.gateway_id.as_deref() == Some(gateway));
                if ok {
                    s.device(&st.device_id).child_status = Some(st.status.as_str().to_owned());
                    response.successful_devices.push(SubDeviceStatus {
                        device_id: st.device_id,
                        status: st.status,
                    });
                } else {
                    response.failed_devices.push(FailedSubDevice {
                        device_id: st.device_id,
                        error_code: "IOTDA.014000".into(),
                        error_msg: Some("not a sub-device of this gateway".into()),
                    });
                }
            }
            Some(SystemEvent::SubDeviceUpdateStatusResponse(response))
        }
        _ => None,
    }
}

/// A gateway's children as sub-device notifications list them.
fn children_of(s: &State, gateway: &str) -> Vec<SubDeviceInfo> {
    let Some(g) = s.registry.get(gateway) else {
        return Vec::new();
    };
    g.children
        .iter()
        .filter_map(|id| s.registry.get(id))
        .map(|c| SubDeviceInfo {
            parent_device_id: gateway.to_owned(),
            node_id: c.node_id.clone().unwrap_or_default(),
            device_id: c.device_id.clone(),
            name: c.name.clone(),
            description: None,
            manufacturer_id: None,
            model: None,
            product_id: c.product_id.clone(),
            fw_version: None,
            sw_version: None,
            status: Some(
                match s
                    .devices
                    .get(&c.device_id)
                    .and_then(|d| d.child_status.as_deref())
                {
                    Some("ONLINE") => SubDeviceState::Online,
                    _ => SubDeviceState::Offline,
                },
            ),
            extension_info: None,
        })
        .collect()
}

/// Also used when a gateway's children change through the HTTP API.
pub(crate) fn notify_deleted(hub: &Hub, s: &mut State, gateway: &str, removed: &[String]) {
    let devices = removed
        .iter()
        .map(|id| DeletedSubDevice {
            parent_device_id: gateway.to_owned(),
            node_id: None,
            device_id: id.clone(),
        })
        .collect();
    let event = SystemEvent::DeleteSubDeviceNotify(iotmqtt::iotda::SubDevicesDeleted {
        version: s.registry.version,
        devices,
    });
    let _ = send_event(hub, s, gateway, &event, None);
}

/// Answers a bootstrap request on `bootstrap/down` (subscribed explicitly, IOTDA.md §6.1). A
/// login through a registration group registers the device first.
fn bootstrap(hub: &Hub, s: &mut State, from: &Publisher<'_>) {
    let me = from.device_id;
    if let Ok(ClientId {
        kind: ClientIdKind::BootstrapSigned { scope_id, .. },
        ..
    }) = ClientId::parse(from.client_id)
    {
        if s.registry.get(me).is_none() && s.registry.self_register(me, scope_id) {
            hub.log.line(format!(
                "{me}: registered through registration group {scope_id}"
            ));
        }
    }
    let outcome = if s.registry.get(me).is_some() {
        BootstrapOutcome::Answer(BootstrapAnswer {
            address: hub.settings.mqtt_address.clone(),
            init_config: None,
            device_secret: None,
        })
    } else {
        BootstrapOutcome::Failure(BootstrapFailure {
            error_code: "100414".into(),
            error_msg: Some("the device is not registered".into()),
        })
    };
    let Ok(payload) = outcome.to_json() else {
        return;
    };
    hub.log.line(format!("{me} -> bootstrap request"));
    send_down(hub, s, me, SysTopic::BootstrapDown, payload, false);
}

/// Sends `device_id`'s desired properties that differ from what it reported as a
/// property-set request (a child's through its gateway). Returns whether anything was sent.
pub(crate) fn push_desired(hub: &Hub, s: &mut State, device_id: &str) -> bool {
    let route = s.route_id(device_id);
    if !s.is_online(device_id) {
        return false;
    }
    let pending = s.device(device_id).pending_desired();
    let mut sent = false;
    for (service_id, properties) in pending {
        let request_id = s.request_id();
        let mut body = json!({
            "services": [ { "service_id": service_id, "properties": Value::Object(properties) } ]
        });
        if let (true, Value::Object(map)) = (route != device_id, &mut body) {
            map.insert("object_device_id".into(), json!(device_id));
        }
        let Ok(bytes) = serde_json::to_vec(&body) else {
            continue;
        };
        let topic = SysTopic::PropertiesSet {
            request_id: &request_id,
        };
        if send_down(hub, s, &route, topic, bytes, true) {
            sent = true;
            s.expect_push_answer(ShadowPush {
                request_id,
                route: route.clone(),
                device_id: device_id.to_owned(),
                service_id,
            });
        }
    }
    sent
}

/// A device connected: the shadow sends it (and its children) the desired properties it has
/// not reported yet. The answers are logged.
pub(crate) fn on_connect(hub: &Hub, device_id: &str) {
    let mut s = hub.lock();
    let children: Vec<String> = s
        .registry
        .get(device_id)
        .map(|d| d.children.iter().cloned().collect())
        .unwrap_or_default();
    push_desired(hub, &mut s, device_id);
    for child in children {
        push_desired(hub, &mut s, &child);
    }
}
