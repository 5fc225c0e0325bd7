//! What a simulated device does: the values it reports, and how it answers the platform
//! (commands, property set and get, the OTA version query). It talks through the tokio
//! front; everything IoTDA-specific on the wire is the core's.

use std::collections::BTreeMap;

use iotmqtt::client::Event as Mqtt;
use iotmqtt::iotda::{
    CommandResponse, DeviceEvent, PropertiesGetResponse, PropertiesReport, PropertiesSetResponse,
    ServiceProperties, SystemEvent, UtcTime, VersionReport,
};
use iotmqtt_tokio::iotda::IotdaDevice;
use serde_json::{Map, Value, json};

/// The software and firmware version a simulated device reports to an OTA version query.
pub const VERSION: &str = "1.0.0";

/// One simulated device's values.
#[derive(Debug, Clone)]
pub struct Sim {
    service: String,
    counter: u64,
    /// Values the platform set, by service id.
    set: BTreeMap<String, Map<String, Value>>,
}

/// What the simulation made of one event: a line to print, if any, and whether it was an
/// answer to the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// A readable line (never a secret).
    pub line: Option<String>,
    /// The device answered a request of the platform (command, property set/get, version
    /// query).
    pub answered: bool,
}

impl Sim {
    /// A device reporting the service `service`.
    #[must_use]
    pub fn new(service: &str) -> Self {
        Sim {
            service: service.to_owned(),
            counter: 0,
            set: BTreeMap::new(),
        }
    }

    /// The values of the next report: a temperature and a humidity that drift, a counter,
    /// and whatever the platform set on this service.
    pub fn next_report(&mut self) -> ServiceProperties {
        self.counter = self.counter.saturating_add(1);
        self.current(&self.service.clone())
    }

    /// The current values of `service` (the simulated one, or one the platform set).
    fn current(&self, service: &str) -> ServiceProperties {
        let mut values = Map::new();
        if service == self.service {
            // A slow wave: 20.0–24.9 °C, 40–59 % humidity.
            let step = self.counter % 50;
            let tenths = if step < 25 { step * 2 } else { (50 - step) * 2 };
            values.insert("temperature".into(), json!(20.0 + tenths as f64 / 10.0));
            values.insert("humidity".into(), json!(40 + (self.counter * 7) % 20));
            values.insert("counter".into(), json!(self.counter));
        }
        if let Some(set) = self.set.get(service) {
            for (k, v) in set {
                values.insert(k.clone(), v.clone());
            }
        }
        ServiceProperties::new(service, Value::Object(values))
    }

    /// Reacts to an event: answers the platform's requests through `device`, and describes
    /// what happened.
    pub fn handle(&mut self, device: &IotdaDevice, event: &DeviceEvent) -> Handled {
        let (line, answered) = match event {
            DeviceEvent::Command {
                request_id,
                command,
            } => {
                let name = command.command_name.as_deref().unwrap_or("(unnamed)");
                let service = command.service_id.as_deref().unwrap_or(&self.service);
                let response = CommandResponse {
                    result_code: Some(0),
                    response_name: Some(format!("{name}_response")),
                    paras: Some(json!({ "command": name, "received": command.paras })),
                };
                let outcome = outcome(device.respond_command(request_id, &response));
                (
                    format!(
                        "command {request_id}: {service}.{name} {} -> {outcome}",
                        compact(&command.paras)
                    ),
                    true,
                )
            }
            DeviceEvent::PropertiesSet {
                request_id,
                request,
            } => {
                for service in &request.services {
                    if let Value::Object(values) = &service.properties {
                        let entry = self.set.entry(service.service_id.clone()).or_default();
                        for (k, v) in values {
                            entry.insert(k.clone(), v.clone());
                        }
                    }
                }
                let outcome = outcome(
                    device.respond_properties_set(request_id, &PropertiesSetResponse::success()),
                );
                let what: Vec<String> = request
                    .services
                    .iter()
                    .map(|s| format!("{} {}", s.service_id, compact(&s.properties)))
                    .collect();
                (
                    format!(
                        "properties set {request_id}: {} -> {outcome}",
                        what.join(", ")
                    ),
                    true,
                )
            }
            DeviceEvent::PropertiesGet {
                request_id,
                request,
            } => {
                let services: Vec<ServiceProperties> = match &request.service_id {
                    Some(s) if *s != self.service && !self.set.contains_key(s) => Vec::new(),
                    Some(s) => vec![self.current(s)],
                    None => std::iter::once(self.service.clone())
                        .chain(self.set.keys().filter(|k| **k != self.service).cloned())
                        .map(|s| self.current(&s))
                        .collect(),
                };
                let answer: PropertiesGetResponse = PropertiesReport::new(services);
                let outcome = outcome(device.respond_properties_get(request_id, &answer));
                let shown: Vec<String> = answer
                    .services
                    .iter()
                    .map(|s| format!("{} {}", s.service_id, compact(&s.properties)))
                    .collect();
                (
                    format!(
                        "properties get {request_id} ({}) -> {outcome}: {}",
                        request.service_id.as_deref().unwrap_or("all services"),
                        shown.join(", ")
                    ),
                    true,
                )
            }
            DeviceEvent::System(system) => match &system.event {
                SystemEvent::VersionQuery(_) => {
                    let report = SystemEvent::VersionReport(VersionReport {
                        sw_version: Some(VERSION.into()),
                        fw_version: Some(VERSION.into()),
                    });
                    let outcome = outcome(device.report_event(&report).map(|_| ()));
                    (
                        format!(
                            "OTA version query -> version report sw {VERSION}, fw {VERSION}: {outcome}"
                        ),
                        true,
                    )
                }
                SystemEvent::TimeSyncResponse(r) => {
                    let now = unix_millis();
                    let line = match r.device_time(now) {
                        Some(t) => format!(
                            "time sync: platform time {}, this clock is off by {} ms",
                            utc_text(t),
                            i128::from(now) - i128::from(t)
                        ),
                        None => "time sync: an answer with unusable times".to_owned(),
                    };
                    (line, false)
                }
                other => (
                    format!(
                        "system event {}/{}{}",
                        other.service_id(),
                        other.event_type(),
                        system
                            .answers
                            .as_ref()
                            .map_or(String::new(), |a| format!(" (answers {})", a.id))
                    ),
                    false,
                ),
            },
            DeviceEvent::Shadow {
                request_id,
                response,
                ..
            } => {
                let services: Vec<String> = response
                    .shadow
                    .iter()
                    .map(|s| {
                        format!(
                            "{} version {}",
                            s.service_id,
                            s.version.map_or("-".into(), |v| v.to_string())
                        )
                    })
                    .collect();
                (
                    format!("shadow {request_id}: {}", services.join(", ")),
                    false,
                )
            }
            DeviceEvent::MessageDown { payload, .. } => (
                format!("message down: {}", String::from_utf8_lossy(payload)),
                false,
            ),
            DeviceEvent::Timeout(request) => (
                format!("no answer to {:?} request {}", request.kind, request.id),
                false,
            ),
            DeviceEvent::BadInput(bad) => (
                format!("unusable message on {}: {}", bad.topic, bad.problem),
                false,
            ),
            DeviceEvent::UpstreamFailed(failed) => (
                format!("could not send on {}: {}", failed.topic, failed.error),
                false,
            ),
            DeviceEvent::Bootstrapped { address, .. } => {
                (format!("bootstrapped: reconnecting to {address}"), false)
            }
            DeviceEvent::BootstrapFailed(f) => (format!("bootstrap failed: {f:?}"), false),
            DeviceEvent::Mqtt(m) => match mqtt_line(m) {
                Some(line) => (line, false),
                None => {
                    return Handled {
                        line: None,
                        answered: false,
                    };
                }
            },
            other => (format!("{other:?}"), false),
        };
        Handled {
            line: Some(line),
            answered,
        }
    }
}

/// A readable line for the session events worth one.
fn mqtt_line(event: &Mqtt) -> Option<String> {
    Some(match event {
        Mqtt::Connected(info) => format!(
            "connected (session present: {})",
            if info.session_present { "yes" } else { "no" }
        ),
        Mqtt::ConnectionLost(lost) => match lost.reconnect_at {
            Some(_) => format!("connection lost: {}; reconnecting", lost.error),
            None => format!("connection lost: {}; not reconnecting", lost.error),
        },
        Mqtt::ReconnectDue { attempt } => format!("reconnecting (attempt {attempt})"),
        Mqtt::Disconnected => "disconnected".to_owned(),
        Mqtt::MessagesDropped { count } => format!("{count} message(s) dropped: events not read"),
        Mqtt::Message(m) => format!(
            "message on {}: {}",
            m.topic,
            String::from_utf8_lossy(&m.payload)
        ),
        _ => return None,
    })
}

fn outcome(result: Result<(), iotmqtt_tokio::Error>) -> String {
    match result {
        Ok(()) => "answered".to_owned(),
        Err(e) => format!("not answered: {e}"),
    }
}

/// JSON on one line.
#[must_use]
pub fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "?".into())
}

/// A time in milliseconds since 1970 as `yyyy-MM-ddTHH:mm:ss.SSSZ`.
#[must_use]
pub fn utc_text(unix_millis: u64) -> String {
    UtcTime::from_unix_millis(unix_millis).map_or_else(
        |_| format!("{unix_millis} ms since 1970"),
        |t| t.event_time_millis(),
    )
}

/// Milliseconds since 1970 by this machine's clock.
#[must_use]
pub fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_drift_and_carry_what_the_platform_set() {
        let mut sim = Sim::new("Sensor");
        let first = sim.next_report();
        assert_eq!(first.service_id, "Sensor");
        assert_eq!(first.properties["counter"], 1);
        let t = first.properties["temperature"].as_f64().unwrap();
        assert!((20.0..25.0).contains(&t), "{t}");
        let second = sim.next_report();
        assert_eq!(second.properties["counter"], 2);
        assert_ne!(first.properties, second.properties);
        sim.set
            .entry("Sensor".into())
            .or_default()
            .insert("target".into(), json!(5));
        assert_eq!(sim.next_report().properties["target"], 5);
    }
}
