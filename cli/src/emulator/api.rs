//! The operator's HTTP API (JSON). Every route and its body are listed in the module docs of
//! [`crate::emulator`].

use std::sync::Arc;
use std::time::Duration;

use iotmqtt::iotda::{
    CommandRequest, DeviceMessage, JsonPayload, PropertiesGetRequest, PropertiesSetRequest,
    ServiceProperties, SysTopic, SystemEvent, Topic,
};
use iotmqtt::server::ServerMessage;
use iotmqtt::{QoS, validate_topic_name};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::http::{Request, Response};
use super::hub::{ApiError, Hub, RequestKind, utc_now};
use super::platform::{notify_deleted, push_desired, send_down, send_event};
use super::registry::DeviceRecord;

/// How long a request waits for the device by default (IoTDA's application API waits ~20 s).
const DEFAULT_TIMEOUT_MS: u64 = 20_000;
/// The longest wait a request may ask for.
const MAX_TIMEOUT_MS: u64 = 300_000;
/// Message-log entries returned by default.
const DEFAULT_LIMIT: usize = 100;

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Self {
        Response::error(e.status, e.message)
    }
}

fn body<T: DeserializeOwned>(req: &Request) -> Result<T, Response> {
    let bytes: &[u8] = if req.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &req.body
    };
    serde_json::from_slice(bytes).map_err(|e| Response::error(400, format!("body: {e}")))
}

fn timeout(ms: Option<u64>) -> Duration {
    Duration::from_millis(ms.unwrap_or(DEFAULT_TIMEOUT_MS).min(MAX_TIMEOUT_MS))
}

fn known(hub: &Hub, device_id: &str) -> Result<(), Response> {
    if hub.lock().registry.get(device_id).is_some() {
        Ok(())
    } else {
        Err(Response::error(404, format!("no device {device_id}")))
    }
}

/// Answers one request.
pub(crate) async fn handle(hub: &Arc<Hub>, req: Request) -> Response {
    let path = req.path.trim_matches('/').to_owned();
    let segments: Vec<&str> = path.split('/').collect();
    let result = match (req.method.as_str(), segments.as_slice()) {
        ("GET", [""] | ["health"]) => Ok(Response::ok(json!({ "ok": true }))),
        ("GET", ["devices"]) => Ok(Response::ok(hub.list())),
        ("POST", ["devices"]) => register(hub, &req),
        ("GET", ["devices", id]) => detail(hub, id),
        ("DELETE", ["devices", id]) => delete(hub, id),
        ("GET", ["devices", id, "properties"]) => properties(hub, id),
        ("GET", ["devices", id, "shadow"]) => shadow(hub, id),
        ("PUT", ["devices", id, "shadow"]) => set_desired(hub, id, &req),
        ("GET", ["devices", id, "messages"]) => messages(hub, id, &req),
        ("POST", ["devices", id, "messages"]) => message_down(hub, id, &req),
        ("POST", ["devices", id, "commands"]) => command(hub, id, &req).await,
        ("POST", ["devices", id, "properties", "set"]) => properties_set(hub, id, &req).await,
        ("POST", ["devices", id, "properties", "get"]) => properties_get(hub, id, &req).await,
        ("POST", ["devices", id, "events"]) => event(hub, id, &req).await,
        ("POST", ["publish"]) => publish(hub, &req),
        (
            _,
            [""]
            | ["health" | "devices" | "publish"]
            | ["devices", _]
            | [
                "devices",
                _,
                "properties" | "shadow" | "messages" | "commands" | "events",
            ]
            | ["devices", _, "properties", "set" | "get"],
        ) => Err(Response::error(
            405,
            format!("{} is not allowed here", req.method),
        )),
        _ => Err(Response::error(404, format!("no route {}", req.path))),
    };
    result.unwrap_or_else(|e| e)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Register {
    device_id: Option<String>,
    product_id: Option<String>,
    node_id: Option<String>,
    secret: Option<String>,
    name: Option<String>,
    gateway_id: Option<String>,
}

fn register(hub: &Hub, req: &Request) -> Result<Response, Response> {
    let r: Register = body(req)?;
    let id = match (&r.device_id, &r.product_id, &r.node_id) {
        (Some(id), _, _) => id.clone(),
        (None, Some(p), Some(n)) => format!("{p}_{n}"),
        _ => {
            return Err(Response::error(
                400,
                "needs device_id, or product_id and node_id",
            ));
        }
    };
    let mut record = DeviceRecord::new(&id, r.secret.as_deref(), r.product_id, r.node_id)
        .map_err(|e| Response::error(400, e))?;
    record.name = r.name;
    let mut s = hub.lock();
    match &r.gateway_id {
        Some(g) => s.registry.add_child(g, record),
        None => s.registry.insert(record),
    }
    .map_err(|e| Response::error(409, e))?;
    hub.log.line(format!("{id}: registered through the API"));
    Ok(Response {
        status: 201,
        body: json!({ "device_id": id }),
    })
}

fn detail(hub: &Hub, id: &str) -> Result<Response, Response> {
    known(hub, id)?;
    let mut s = hub.lock();
    let online = s.is_online(id);
    let Some(record) = s.registry.get(id).cloned() else {
        return Err(Response::error(404, format!("no device {id}")));
    };
    let d = s.device(id);
    Ok(Response::ok(json!({
        "device_id": record.device_id,
        "product_id": record.product_id,
        "node_id": record.node_id,
        "name": record.name,
        "gateway_id": record.gateway_id,
        "children": record.children,
        "online": online,
        "status": d.child_status,
        "fw_version": d.fw_version,
        "sw_version": d.sw_version,
        "sdk_info": d.sdk_info,
        "upgrade_progress": d.upgrade_progress,
        "properties": d.properties(None).get("services").cloned(),
        "shadow": d.shadow(None),
    })))
}

fn delete(hub: &Hub, id: &str) -> Result<Response, Response> {
    known(hub, id)?;
    let mut s = hub.lock();
    let gateway = s.registry.get(id).and_then(|d| d.gateway_id.clone());
    let removed = s.registry.remove(id);
    for r in &removed {
        s.devices.remove(r);
    }
    if let Some(g) = gateway {
        notify_deleted(hub, &mut s, &g, &removed);
    }
    hub.log.line(format!(
        "{id}: deleted through the API ({})",
        removed.join(", ")
    ));
    Ok(Response::ok(json!({ "removed": removed })))
}

fn properties(hub: &Hub, id: &str) -> Result<Response, Response> {
    known(hub, id)?;
    Ok(Response::ok(hub.lock().device(id).properties(None)))
}

fn shadow(hub: &Hub, id: &str) -> Result<Response, Response> {
    known(hub, id)?;
    Ok(Response::ok(json!({
        "object_device_id": id,
        "shadow": hub.lock().device(id).shadow(None),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetDesired {
    service_id: String,
    desired: Map<String, Value>,
}

fn set_desired(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    known(hub, id)?;
    let r: SetDesired = body(req)?;
    if let Some(bad) = r
        .desired
        .keys()
        .find(|k| k.is_empty() || k.contains(['.', '$', '\0']))
    {
        return Err(Response::error(
            400,
            format!("shadow key {bad:?}: keys may not be empty or contain '.', '$' or NUL"),
        ));
    }
    let mut s = hub.lock();
    s.device(id)
        .set_desired(&r.service_id, &r.desired, utc_now().event_time());
    hub.log.line(format!(
        "{id}: desired {} = {}",
        r.service_id,
        Value::Object(r.desired.clone())
    ));
    let sent = push_desired(hub, &mut s, id);
    Ok(Response::ok(json!({
        "object_device_id": id,
        "shadow": s.device(id).shadow(Some(&r.service_id)),
        "sent_to_device": sent,
    })))
}

fn messages(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    known(hub, id)?;
    let limit = match req.param("limit") {
        Some(l) => l
            .parse()
            .map_err(|_| Response::error(400, "limit must be a number"))?,
        None => DEFAULT_LIMIT,
    };
    let list = hub.lock().device(id).messages(limit);
    Ok(Response::ok(json!({ "device_id": id, "messages": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    content: Option<Value>,
    name: Option<String>,
    id: Option<String>,
    raw: Option<String>,
}

fn message_down(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    known(hub, id)?;
    let m: MessageBody = body(req)?;
    let mut s = hub.lock();
    let route = s.route_id(id);
    let payload = match (m.raw, m.content) {
        (Some(raw), None) => raw.into_bytes(),
        (None, Some(content)) => DeviceMessage {
            object_device_id: (route != id).then(|| id.to_owned()),
            name: m.name,
            id: m.id,
            content,
        }
        .to_json()
        .map_err(|e| Response::error(400, e.to_string()))?,
        _ => {
            return Err(Response::error(
                400,
                "give either content (JSON) or raw (text)",
            ));
        }
    };
    if send_down(hub, &mut s, &route, SysTopic::MessagesDown, payload, true) {
        Ok(Response {
            status: 202,
            body: json!({ "sent": true }),
        })
    } else {
        Err(Response::error(409, format!("device {id} is offline")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandBody {
    service_id: Option<String>,
    command_name: Option<String>,
    #[serde(default)]
    paras: Value,
    timeout_ms: Option<u64>,
}

async fn command(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    let c: CommandBody = body(req)?;
    let request = CommandRequest {
        object_device_id: None,
        service_id: c.service_id,
        command_name: c.command_name,
        paras: if c.paras.is_null() {
            json!({})
        } else {
            c.paras
        },
    };
    let value = serde_json::to_value(&request).map_err(|e| Response::error(400, e.to_string()))?;
    let answer = hub
        .request(id, RequestKind::Command, value, timeout(c.timeout_ms))
        .await?;
    Ok(Response::ok(json!({ "response": answer })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    services: Option<Vec<ServiceProperties>>,
    service_id: Option<String>,
    properties: Option<Value>,
    timeout_ms: Option<u64>,
}

async fn properties_set(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    let b: SetBody = body(req)?;
    let services = match (b.services, b.service_id, b.properties) {
        (Some(list), None, None) => list,
        (None, Some(service), Some(props)) => vec![ServiceProperties::new(service, props)],
        _ => {
            return Err(Response::error(
                400,
                "give services [...] or service_id with properties",
            ));
        }
    };
    let request = PropertiesSetRequest {
        object_device_id: None,
        services,
    };
    let value = serde_json::to_value(&request).map_err(|e| Response::error(400, e.to_string()))?;
    let answer = hub
        .request(id, RequestKind::PropertiesSet, value, timeout(b.timeout_ms))
        .await?;
    Ok(Response::ok(json!({ "response": answer })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetBody {
    service_id: Option<String>,
    timeout_ms: Option<u64>,
}

async fn properties_get(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    let b: GetBody = body(req)?;
    let request = PropertiesGetRequest {
        object_device_id: None,
        service_id: b.service_id,
    };
    let value = serde_json::to_value(&request).map_err(|e| Response::error(400, e.to_string()))?;
    let answer = hub
        .request(id, RequestKind::PropertiesGet, value, timeout(b.timeout_ms))
        .await?;
    Ok(Response::ok(json!({ "response": answer })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    service_id: String,
    event_type: String,
    #[serde(default)]
    paras: Value,
    wait_for: Option<String>,
    timeout_ms: Option<u64>,
}

async fn event(hub: &Hub, id: &str, req: &Request) -> Result<Response, Response> {
    known(hub, id)?;
    let b: EventBody = body(req)?;
    let paras = if b.paras.is_null() {
        json!({})
    } else {
        b.paras
    };
    let event = SystemEvent::from_parts(&b.service_id, &b.event_type, paras)
        .map_err(|e| Response::error(400, format!("{}/{}: {e}", b.service_id, b.event_type)))?;
    let waiting = match b.wait_for.as_deref() {
        Some(w) => Some(hub.wait_event(id, w)?),
        None => None,
    };
    let event_id = {
        let mut s = hub.lock();
        send_event(hub, &mut s, id, &event, None).map_err(|e| Response::error(409, e))?
    };
    let Some(rx) = waiting else {
        return Ok(Response {
            status: 202,
            body: json!({ "event_id": event_id }),
        });
    };
    let wait = timeout(b.timeout_ms);
    match tokio::time::timeout(wait, rx).await {
        Ok(Ok(paras)) => Ok(Response::ok(
            json!({ "event_id": event_id, "answer": paras }),
        )),
        _ => Err(Response::error(
            408,
            format!(
                "device {id} sent no {} event within {} ms",
                b.wait_for.unwrap_or_default(),
                wait.as_millis()
            ),
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    topic: String,
    #[serde(default)]
    payload: String,
    #[serde(default)]
    qos: u8,
}

fn publish(hub: &Hub, req: &Request) -> Result<Response, Response> {
    let b: PublishBody = body(req)?;
    validate_topic_name(&b.topic).map_err(|v| Response::error(400, format!("topic: {v}")))?;
    if !matches!(
        Topic::parse(&b.topic),
        Topic::Custom(_) | Topic::User { .. }
    ) {
        return Err(Response::error(
            400,
            "only custom topics (not $oc system topics); use the device routes for those",
        ));
    }
    let qos = match b.qos {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => {
            return Err(Response::error(
                400,
                "qos must be 0 or 1 (IoTDA has no QoS 2)",
            ));
        }
    };
    let topic = b.topic.clone();
    let n = hub.route(0, ServerMessage::new(b.topic, b.payload.into_bytes(), qos));
    hub.log
        .line(format!("operator -> {topic} ({n} subscriber(s))"));
    Ok(Response::ok(json!({ "delivered_to": n })))
}
