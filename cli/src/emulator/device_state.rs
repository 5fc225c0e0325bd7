//! What the platform remembers about each device while the emulator runs: reported properties,
//! the shadow (desired and reported per service, with a version), firmware and software
//! versions, and a bounded log of the messages it sent and received.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde_json::{Map, Value, json};

/// One service's reported properties.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Reported {
    /// The properties, merged over every report.
    pub properties: Map<String, Value>,
    /// The `event_time` of the last report (the receive time when it had none).
    pub event_time: Option<String>,
}

/// One service's desired properties.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Desired {
    /// The properties the application wants.
    pub properties: Map<String, Value>,
    /// When they were last set.
    pub event_time: Option<String>,
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Direction {
    /// Device → platform.
    Up,
    /// Platform → device.
    Down,
}

/// One entry of a device's message log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct LogEntry {
    /// When (UTC, `yyyy-MM-ddTHH:mm:ss.SSSZ`).
    pub time: String,
    /// Which way.
    pub direction: Direction,
    /// The MQTT topic.
    pub topic: String,
    /// The payload: its JSON when it is JSON, else `{"text": …}` or `{"base64": …}`.
    pub payload: Value,
}

/// The payload of a log entry.
#[must_use]
pub(crate) fn payload_value(payload: &[u8]) -> Value {
    if let Ok(v) = serde_json::from_slice::<Value>(payload) {
        return v;
    }
    match std::str::from_utf8(payload) {
        Ok(text) => json!({ "text": text }),
        Err(_) => {
            use base64::Engine as _;
            json!({ "base64": base64::engine::general_purpose::STANDARD.encode(payload) })
        }
    }
}

/// The platform's view of one device.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeviceState {
    /// Reported properties by service id.
    pub reported: BTreeMap<String, Reported>,
    /// Desired properties by service id.
    pub desired: BTreeMap<String, Desired>,
    /// The shadow version: bumped on every change of desired or reported properties.
    pub version: u64,
    /// Firmware version from the last `version_report`.
    pub fw_version: Option<String>,
    /// Software version from the last `version_report`.
    pub sw_version: Option<String>,
    /// A child's status from its gateway (`ONLINE`, `OFFLINE`).
    pub child_status: Option<String>,
    /// The last SDK information the device reported.
    pub sdk_info: Option<Value>,
    /// The last OTA progress report.
    pub upgrade_progress: Option<Value>,
    /// Property reports received (one per service in a report, a gateway's included).
    pub reports: u64,
    /// Messages, oldest first, at most `capacity`.
    log: VecDeque<LogEntry>,
}

impl DeviceState {
    /// Records a report for `service_id`.
    pub(crate) fn report(&mut self, service_id: &str, properties: &Value, event_time: String) {
        let entry = self.reported.entry(service_id.to_owned()).or_default();
        if let Value::Object(map) = properties {
            for (k, v) in map {
                entry.properties.insert(k.clone(), v.clone());
            }
        }
        entry.event_time = Some(event_time);
        self.version = self.version.saturating_add(1);
        self.reports = self.reports.saturating_add(1);
    }

    /// Merges desired properties for `service_id`.
    pub(crate) fn set_desired(
        &mut self,
        service_id: &str,
        properties: &Map<String, Value>,
        time: String,
    ) {
        let entry = self.desired.entry(service_id.to_owned()).or_default();
        for (k, v) in properties {
            entry.properties.insert(k.clone(), v.clone());
        }
        entry.event_time = Some(time);
        self.version = self.version.saturating_add(1);
    }

    /// The desired properties the device has not reported yet, per service.
    #[must_use]
    pub(crate) fn pending_desired(&self) -> Vec<(String, Map<String, Value>)> {
        self.desired
            .iter()
            .filter_map(|(service, d)| {
                let reported = self.reported.get(service);
                let differ: Map<String, Value> = d
                    .properties
                    .iter()
                    .filter(|(k, v)| reported.and_then(|r| r.properties.get(*k)) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (!differ.is_empty()).then(|| (service.clone(), differ))
            })
            .collect()
    }

    /// The shadow of one service (or every service) in IoTDA's `shadow` list form.
    #[must_use]
    pub(crate) fn shadow(&self, service_id: Option<&str>) -> Vec<Value> {
        let mut services: Vec<&String> = self.reported.keys().chain(self.desired.keys()).collect();
        services.sort();
        services.dedup();
        services
            .into_iter()
            .filter(|s| service_id.is_none_or(|want| want == s.as_str()))
            .map(|s| {
                let desired = self.desired.get(s);
                let reported = self.reported.get(s);
                json!({
                    "service_id": s,
                    "desired": {
                        "properties": desired.map(|d| Value::Object(d.properties.clone())).unwrap_or(json!({})),
                        "event_time": desired.and_then(|d| d.event_time.clone()),
                    },
                    "reported": {
                        "properties": reported.map(|r| Value::Object(r.properties.clone())).unwrap_or(json!({})),
                        "event_time": reported.and_then(|r| r.event_time.clone()),
                    },
                    "version": self.version,
                })
            })
            .collect()
    }

    /// The reported properties in the `services` list form of a properties report.
    #[must_use]
    pub(crate) fn properties(&self, service_id: Option<&str>) -> Value {
        let services: Vec<Value> = self
            .reported
            .iter()
            .filter(|(s, _)| service_id.is_none_or(|want| want == s.as_str()))
            .map(|(s, r)| {
                json!({ "service_id": s, "properties": r.properties, "event_time": r.event_time })
            })
            .collect();
        json!({ "services": services })
    }

    /// Appends to the message log, dropping the oldest entry beyond `capacity`.
    pub(crate) fn log(&mut self, entry: LogEntry, capacity: usize) {
        if capacity == 0 {
            return;
        }
        while self.log.len() >= capacity {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    /// The newest `limit` log entries, oldest first.
    #[must_use]
    pub(crate) fn messages(&self, limit: usize) -> Vec<LogEntry> {
        let skip = self.log.len().saturating_sub(limit);
        self.log.iter().skip(skip).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> LogEntry {
        LogEntry {
            time: String::new(),
            direction: Direction::Up,
            topic: format!("t/{n}"),
            payload: Value::Null,
        }
    }

    #[test]
    fn reports_merge_and_desired_values_wait_until_reported() {
        let mut d = DeviceState::default();
        d.report("Light", &json!({"on": false, "level": 3}), "t1".into());
        d.report("Light", &json!({"level": 4}), "t2".into());
        assert_eq!(d.reported["Light"].properties["on"], json!(false));
        assert_eq!(d.reported["Light"].properties["level"], json!(4));
        let desired = json!({"on": true, "level": 4});
        d.set_desired("Light", desired.as_object().unwrap(), "t3".into());
        let pending = d.pending_desired();
        assert_eq!(pending.len(), 1);
        assert_eq!(Value::Object(pending[0].1.clone()), json!({"on": true}));
        let shadow = d.shadow(Some("Light"));
        assert_eq!(shadow[0]["version"], json!(3));
        assert_eq!(shadow[0]["desired"]["properties"]["on"], json!(true));
        assert!(d.shadow(Some("Other")).is_empty());
    }

    #[test]
    fn the_message_log_is_bounded() {
        let mut d = DeviceState::default();
        for n in 0..10 {
            d.log(entry(n), 4);
        }
        let topics: Vec<String> = d.messages(100).into_iter().map(|e| e.topic).collect();
        assert_eq!(topics, ["t/6", "t/7", "t/8", "t/9"]);
        assert_eq!(d.messages(1)[0].topic, "t/9");
    }

    #[test]
    fn payloads_are_json_text_or_base64() {
        assert_eq!(payload_value(br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(payload_value(b"hello"), json!({"text": "hello"}));
        assert_eq!(payload_value(&[0xFF]), json!({"base64": "/w=="}));
    }
}
