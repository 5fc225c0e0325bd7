//! Replays the cross-language scenario files in the repository's `tests/` directory. The format
//! is defined in `tests/README.md`; this runner follows it to the letter and fails on anything it
//! does not know (a file, kind, op or field), so that no part of a scenario is skipped.
#![cfg(feature = "iotda")]
// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use iotmqtt::client::{
    AckToken, Client, ClientConfig, Credentials, Event, Password, RequeuePolicy, State, WillConfig,
};
use iotmqtt::iotda::{
    CommandResponse, ConnectTimestamp, DeviceAuth, DeviceConfig, DeviceEvent, DeviceId,
    DeviceSecret, GroupSecret, InputProblem, IotdaDevice, JsonPayload, LegacyTopic, PendingRequest,
    PropertiesGetResponse, PropertiesReport, PropertiesSetResponse, ReportSuffix, ScopeId, SigType,
    SysTopic, Topic, UtcTime, compute_password,
};
use iotmqtt::{
    DecodeError, Decoder, Error, Instant, OwnedProperties, Packet, Properties, Property,
    PropertyContext, PropertyId, PropertyType, ProtocolVersion, QoS, RetainHandling, Subscription,
    SubscriptionOptions, encode,
};
use serde_json::{Map, Value, json};

type R<T = ()> = Result<T, String>;

/// Fewer files than this means scenarios went missing.
const MIN_FILES: usize = 40;

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/ exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_file_passes() {
    let files = scenario_files();
    let mut failures = Vec::new();
    if files.len() < MIN_FILES {
        failures.push(format!(
            "only {} scenario files in tests/, expected at least {MIN_FILES}",
            files.len()
        ));
    }
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| {
                serde_json::from_str::<Value>(&text).map_err(|e| format!("not JSON: {e}"))
            })
            .and_then(|v| run_file(&name, &v));
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s) in {} scenario files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- file

fn run_file(file_name: &str, v: &Value) -> R {
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("missing string field \"kind\"")?;
    let common = ["name", "description", "spec", "kind"];
    let extra: &[&str] = match kind {
        "codec" => &["version", "max_packet_size", "cases"],
        "client" => &["config", "steps"],
        "credentials" => &["vectors", "cases"],
        "topic" => &["cases"],
        "device" => &["config", "steps"],
        other => return Err(format!("unknown kind {other:?}")),
    };
    let allowed: Vec<&str> = common.iter().chain(extra).copied().collect();
    let m = obj(v, "file", &allowed)?;
    let name = req_str(m, "name", "file")?;
    if Some(name) != file_name.strip_suffix(".json") {
        return Err(format!("name {name:?} differs from the file name"));
    }
    req_str(m, "description", "file")?;
    let spec = req(m, "spec", "file")?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("spec: a non-empty array")?;
    for s in spec {
        let s = s.as_str().ok_or("spec: strings")?;
        if !valid_spec_ref(s) {
            return Err(format!(
                "spec: {s:?} is neither MQTT-x.y.z[-n] nor IOTDA.md §n"
            ));
        }
    }
    match kind {
        "codec" => run_codec(m),
        "client" => run_client(m),
        "credentials" => run_credentials(m),
        "device" => run_device(m),
        _ => run_topics(m),
    }
}

fn valid_spec_ref(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("MQTT-") {
        let (section, statement) = match rest.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let section_ok = section.split('.').count() >= 2
            && section
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        return section_ok
            && statement.is_none_or(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    }
    s.strip_prefix("IOTDA.md §").is_some_and(|n| {
        !n.is_empty()
            && n.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

// ---------------------------------------------------------------- JSON helpers

fn obj<'a>(v: &'a Value, ctx: &str, allowed: &[&str]) -> R<&'a Map<String, Value>> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("{ctx}: expected an object"))?;
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{ctx}: unknown field {k:?}"));
    }
    Ok(m)
}

fn req<'a>(m: &'a Map<String, Value>, key: &str, ctx: &str) -> R<&'a Value> {
    m.get(key)
        .ok_or_else(|| format!("{ctx}: missing field {key:?}"))
}

fn req_str<'a>(m: &'a Map<String, Value>, key: &str, ctx: &str) -> R<&'a str> {
    req(m, key, ctx)?
        .as_str()
        .ok_or_else(|| format!("{ctx}: {key} must be a string"))
}

fn opt_str<'a>(m: &'a Map<String, Value>, key: &str, ctx: &str) -> R<Option<&'a str>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| format!("{ctx}: {key} must be a string or null")),
    }
}

fn opt_u64(m: &Map<String, Value>, key: &str, ctx: &str) -> R<Option<u64>> {
    match m.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{ctx}: {key} must be a non-negative integer")),
    }
}

fn int<T: TryFrom<u64>>(m: &Map<String, Value>, key: &str, default: T, ctx: &str) -> R<T> {
    match opt_u64(m, key, ctx)? {
        None => Ok(default),
        Some(n) => T::try_from(n).map_err(|_| format!("{ctx}: {key} = {n} is out of range")),
    }
}

fn flag(m: &Map<String, Value>, key: &str, default: bool, ctx: &str) -> R<bool> {
    match m.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| format!("{ctx}: {key} must be a boolean")),
    }
}

fn qos_of(n: u64, ctx: &str) -> R<QoS> {
    u8::try_from(n)
        .ok()
        .and_then(QoS::from_u8)
        .ok_or_else(|| format!("{ctx}: QoS {n} is not 0, 1 or 2"))
}

fn version_of(s: &str, ctx: &str) -> R<ProtocolVersion> {
    match s {
        "3.1.1" => Ok(ProtocolVersion::V311),
        "5" => Ok(ProtocolVersion::V5),
        other => Err(format!(
            "{ctx}: protocol {other:?} is not \"3.1.1\" or \"5\""
        )),
    }
}

fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V311 => "3.1.1",
        ProtocolVersion::V5 => "5",
    }
}

/// Bytes from a hex string: pairs of hex digits, spaces ignored.
fn unhex(s: &str) -> R<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| *b != b' ').collect();
    if digits.len() % 2 != 0 {
        return Err(format!("hex {s:?} has an odd number of digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("hex {s:?} holds a non-hex digit"))
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bytes of `key` given as text (`key`) or hex (`key_hex`); `None` when neither is there.
fn bytes_field(m: &Map<String, Value>, key: &str, ctx: &str) -> R<Option<Vec<u8>>> {
    let hex_key = format!("{key}_hex");
    match (m.get(key), m.get(&hex_key)) {
        (Some(_), Some(_)) => Err(format!("{ctx}: both {key} and {hex_key}")),
        (Some(Value::String(s)), None) => Ok(Some(s.as_bytes().to_vec())),
        (None, Some(Value::String(h))) => unhex(h).map(Some),
        (None, None) | (Some(Value::Null), None) | (None, Some(Value::Null)) => Ok(None),
        _ => Err(format!("{ctx}: {key} must be a string")),
    }
}

// ---------------------------------------------------------------- matching (README §1.3)

fn norm_hex(v: &Value, path: &str) -> R<Option<Vec<u8>>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => unhex(s).map(Some).map_err(|e| format!("{path}: {e}")),
        other => Err(format!("{path}: expected hex or null, got {other}")),
    }
}

fn matches(exp: &Value, act: &Value, path: &str) -> R {
    match exp {
        Value::Object(em) => {
            let am = act
                .as_object()
                .ok_or_else(|| format!("{path}: expected an object, got {act}"))?;
            for (k, ev) in em {
                let p = format!("{path}.{k}");
                if let Some(av) = am.get(k) {
                    if k.ends_with("_hex") {
                        let (e, a) = (norm_hex(ev, &p)?, norm_hex(av, &p)?);
                        if e != a {
                            return Err(format!(
                                "{p}: expected {}, got {}",
                                e.map_or("null".into(), |b| hex(&b)),
                                a.map_or("null".into(), |b| hex(&b))
                            ));
                        }
                    } else {
                        matches(ev, av, &p)?;
                    }
                } else if ev.is_null() {
                    // Rule 5: null matches an absent key.
                } else if let Some(base) = k.strip_suffix("_json") {
                    let bytes = am
                        .get(&format!("{base}_hex"))
                        .map(|v| norm_hex(v, &p))
                        .transpose()?
                        .flatten()
                        .ok_or_else(|| format!("{p}: the view has no {base}_hex"))?;
                    let parsed: Value = serde_json::from_slice(&bytes).map_err(|e| {
                        format!(
                            "{p}: {base} is not JSON ({e}): {:?}",
                            String::from_utf8_lossy(&bytes)
                        )
                    })?;
                    if !json_eq(ev, &parsed) {
                        return Err(format!("{p}: expected JSON {ev}, got {parsed}"));
                    }
                } else if let Some(av) = am.get(&format!("{k}_hex")) {
                    let text = ev
                        .as_str()
                        .ok_or_else(|| format!("{p}: text for bytes must be a string"))?;
                    let actual = norm_hex(av, &p)?;
                    if actual.as_deref() != Some(text.as_bytes()) {
                        return Err(format!(
                            "{p}: expected {text:?}, got {}",
                            actual.map_or("null".into(), |b| format!(
                                "{:?}",
                                String::from_utf8_lossy(&b)
                            ))
                        ));
                    }
                } else {
                    return Err(format!("{p}: no such field in {act}"));
                }
            }
            Ok(())
        }
        Value::Array(ea) => {
            let aa = act
                .as_array()
                .ok_or_else(|| format!("{path}: expected an array, got {act}"))?;
            if ea.len() != aa.len() {
                return Err(format!(
                    "{path}: expected {} elements, got {}: {act}",
                    ea.len(),
                    aa.len()
                ));
            }
            for (i, (e, a)) in ea.iter().zip(aa).enumerate() {
                matches(e, a, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Value::Number(_) if json_eq(exp, act) => Ok(()),
        _ if exp == act => Ok(()),
        _ => Err(format!("{path}: expected {exp}, got {act}")),
    }
}

/// Exact JSON equality, numbers by value (README §1.3 rule 7).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------- properties (README §2.1)

#[derive(Clone, Copy, PartialEq)]
enum PType {
    Bool,
    Int,
    Str,
    Bytes,
}

/// The view key of a property: its specification name in snake case (`MaximumQos` →
/// `maximum_qos`); binary values add `_hex`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The property (not one of the two repeatable lists) whose view key without `_hex` is `key`.
fn property_by_key(key: &str) -> Option<(PropertyId, PType)> {
    PropertyId::ALL.iter().find_map(|&id| {
        let ty = match (id, id.wire_type()) {
            (PropertyId::UserProperty | PropertyId::SubscriptionIdentifier, _) => return None,
            (PropertyId::MaximumQos, _) => PType::Int,
            (_, PropertyType::Byte) => PType::Bool,
            (_, PropertyType::Utf8String) => PType::Str,
            (_, PropertyType::BinaryData) => PType::Bytes,
            _ => PType::Int,
        };
        (snake(id.name()) == key).then_some((id, ty))
    })
}

/// One input property value, owned.
enum PVal {
    Bool(bool),
    Int(u64),
    Str(String),
    Bytes(Vec<u8>),
    Pair(String, String),
}

/// Properties read from a view, sorted by identifier (README §2.1, input order).
struct PropsIn(Vec<(PropertyId, PVal)>);

impl PropsIn {
    fn parse(v: Option<&Value>, ctx: &str) -> R<Self> {
        let Some(v) = v else {
            return Ok(PropsIn(Vec::new()));
        };
        let m = v
            .as_object()
            .ok_or_else(|| format!("{ctx}: properties must be an object"))?;
        let mut out = Vec::new();
        for (k, val) in m {
            let p = format!("{ctx}.{k}");
            if k == "user_properties" {
                for pair in val.as_array().ok_or_else(|| format!("{p}: an array"))? {
                    match pair.as_array().map(Vec::as_slice) {
                        Some([Value::String(a), Value::String(b)]) => {
                            out.push((PropertyId::UserProperty, PVal::Pair(a.clone(), b.clone())));
                        }
                        _ => return Err(format!("{p}: pairs of two strings")),
                    }
                }
                continue;
            }
            if k == "subscription_identifiers" {
                for id in val.as_array().ok_or_else(|| format!("{p}: an array"))? {
                    let id = id.as_u64().ok_or_else(|| format!("{p}: integers"))?;
                    out.push((PropertyId::SubscriptionIdentifier, PVal::Int(id)));
                }
                continue;
            }
            let (base, is_hex) = match k.strip_suffix("_hex") {
                Some(b) => (b, true),
                None => (k.as_str(), false),
            };
            let (id, ty) =
                property_by_key(base).ok_or_else(|| format!("{ctx}: unknown property {k:?}"))?;
            let value = match (ty, val) {
                (PType::Bool, Value::Bool(b)) if !is_hex => PVal::Bool(*b),
                (PType::Int, Value::Number(n)) if !is_hex => {
                    PVal::Int(n.as_u64().ok_or_else(|| format!("{p}: an integer"))?)
                }
                (PType::Str, Value::String(s)) if !is_hex => PVal::Str(s.clone()),
                (PType::Bytes, Value::String(s)) if is_hex => PVal::Bytes(unhex(s)?),
                (PType::Bytes, Value::String(s)) => PVal::Bytes(s.as_bytes().to_vec()),
                _ => return Err(format!("{p}: wrong type")),
            };
            out.push((id, value));
        }
        if out
            .iter()
            .filter(|(id, _)| *id == PropertyId::CorrelationData)
            .count()
            > 1
            || out
                .iter()
                .filter(|(id, _)| *id == PropertyId::AuthenticationData)
                .count()
                > 1
        {
            return Err(format!("{ctx}: a property given as text and as hex"));
        }
        out.sort_by_key(|(id, _)| *id as u8);
        Ok(PropsIn(out))
    }

    fn list(&self) -> R<Vec<Property<'_>>> {
        self.0
            .iter()
            .map(|(id, v)| {
                let n32 = |n: &u64| u32::try_from(*n).map_err(|_| format!("{id:?}: {n} too large"));
                let n16 = |n: &u64| u16::try_from(*n).map_err(|_| format!("{id:?}: {n} too large"));
                Ok(match (id, v) {
                    (PropertyId::PayloadFormatIndicator, PVal::Bool(b)) => {
                        Property::PayloadFormatIndicator(*b)
                    }
                    (PropertyId::MessageExpiryInterval, PVal::Int(n)) => {
                        Property::MessageExpiryInterval(n32(n)?)
                    }
                    (PropertyId::ContentType, PVal::Str(s)) => Property::ContentType(s),
                    (PropertyId::ResponseTopic, PVal::Str(s)) => Property::ResponseTopic(s),
                    (PropertyId::CorrelationData, PVal::Bytes(b)) => Property::CorrelationData(b),
                    (PropertyId::SubscriptionIdentifier, PVal::Int(n)) => {
                        Property::SubscriptionIdentifier(n32(n)?)
                    }
                    (PropertyId::SessionExpiryInterval, PVal::Int(n)) => {
                        Property::SessionExpiryInterval(n32(n)?)
                    }
                    (PropertyId::AssignedClientIdentifier, PVal::Str(s)) => {
                        Property::AssignedClientIdentifier(s)
                    }
                    (PropertyId::ServerKeepAlive, PVal::Int(n)) => {
                        Property::ServerKeepAlive(n16(n)?)
                    }
                    (PropertyId::AuthenticationMethod, PVal::Str(s)) => {
                        Property::AuthenticationMethod(s)
                    }
                    (PropertyId::AuthenticationData, PVal::Bytes(b)) => {
                        Property::AuthenticationData(b)
                    }
                    (PropertyId::RequestProblemInformation, PVal::Bool(b)) => {
                        Property::RequestProblemInformation(*b)
                    }
                    (PropertyId::WillDelayInterval, PVal::Int(n)) => {
                        Property::WillDelayInterval(n32(n)?)
                    }
                    (PropertyId::RequestResponseInformation, PVal::Bool(b)) => {
                        Property::RequestResponseInformation(*b)
                    }
                    (PropertyId::ResponseInformation, PVal::Str(s)) => {
                        Property::ResponseInformation(s)
                    }
                    (PropertyId::ServerReference, PVal::Str(s)) => Property::ServerReference(s),
                    (PropertyId::ReasonString, PVal::Str(s)) => Property::ReasonString(s),
                    (PropertyId::ReceiveMaximum, PVal::Int(n)) => Property::ReceiveMaximum(n16(n)?),
                    (PropertyId::TopicAliasMaximum, PVal::Int(n)) => {
                        Property::TopicAliasMaximum(n16(n)?)
                    }
                    (PropertyId::TopicAlias, PVal::Int(n)) => Property::TopicAlias(n16(n)?),
                    (PropertyId::MaximumQos, PVal::Int(n)) => {
                        Property::MaximumQos(qos_of(*n, "maximum_qos")?)
                    }
                    (PropertyId::RetainAvailable, PVal::Bool(b)) => Property::RetainAvailable(*b),
                    (PropertyId::UserProperty, PVal::Pair(a, b)) => Property::UserProperty(a, b),
                    (PropertyId::MaximumPacketSize, PVal::Int(n)) => {
                        Property::MaximumPacketSize(n32(n)?)
                    }
                    (PropertyId::WildcardSubscriptionAvailable, PVal::Bool(b)) => {
                        Property::WildcardSubscriptionAvailable(*b)
                    }
                    (PropertyId::SubscriptionIdentifierAvailable, PVal::Bool(b)) => {
                        Property::SubscriptionIdentifierAvailable(*b)
                    }
                    (PropertyId::SharedSubscriptionAvailable, PVal::Bool(b)) => {
                        Property::SharedSubscriptionAvailable(*b)
                    }
                    _ => return Err(format!("property {id:?}: wrong value type")),
                })
            })
            .collect()
    }

    fn owned(&self, ctx: PropertyContext) -> R<OwnedProperties> {
        let list = self.list()?;
        OwnedProperties::from_properties(&Properties::new(&list), ctx)
            .map_err(|e| format!("properties not allowed in {ctx}: {e}"))
    }
}

fn props_view(p: &Properties<'_>) -> Value {
    let mut m = Map::new();
    let mut users = Vec::new();
    let mut sub_ids = Vec::new();
    for prop in p.iter() {
        let (key, value) = match prop {
            Property::PayloadFormatIndicator(b) => ("payload_format_indicator", json!(b)),
            Property::MessageExpiryInterval(n) => ("message_expiry_interval", json!(n)),
            Property::ContentType(s) => ("content_type", json!(s)),
            Property::ResponseTopic(s) => ("response_topic", json!(s)),
            Property::CorrelationData(b) => ("correlation_data_hex", json!(hex(b))),
            Property::SubscriptionIdentifier(n) => {
                sub_ids.push(json!(n));
                continue;
            }
            Property::SessionExpiryInterval(n) => ("session_expiry_interval", json!(n)),
            Property::AssignedClientIdentifier(s) => ("assigned_client_identifier", json!(s)),
            Property::ServerKeepAlive(n) => ("server_keep_alive", json!(n)),
            Property::AuthenticationMethod(s) => ("authentication_method", json!(s)),
            Property::AuthenticationData(b) => ("authentication_data_hex", json!(hex(b))),
            Property::RequestProblemInformation(b) => ("request_problem_information", json!(b)),
            Property::WillDelayInterval(n) => ("will_delay_interval", json!(n)),
            Property::RequestResponseInformation(b) => ("request_response_information", json!(b)),
            Property::ResponseInformation(s) => ("response_information", json!(s)),
            Property::ServerReference(s) => ("server_reference", json!(s)),
            Property::ReasonString(s) => ("reason_string", json!(s)),
            Property::ReceiveMaximum(n) => ("receive_maximum", json!(n)),
            Property::TopicAliasMaximum(n) => ("topic_alias_maximum", json!(n)),
            Property::TopicAlias(n) => ("topic_alias", json!(n)),
            Property::MaximumQos(q) => ("maximum_qos", json!(q as u8)),
            Property::RetainAvailable(b) => ("retain_available", json!(b)),
            Property::UserProperty(k, v) => {
                users.push(json!([k, v]));
                continue;
            }
            Property::MaximumPacketSize(n) => ("maximum_packet_size", json!(n)),
            Property::WildcardSubscriptionAvailable(b) => {
                ("wildcard_subscription_available", json!(b))
            }
            Property::SubscriptionIdentifierAvailable(b) => {
                ("subscription_identifier_available", json!(b))
            }
            Property::SharedSubscriptionAvailable(b) => ("shared_subscription_available", json!(b)),
        };
        m.insert(key.into(), value);
    }
    if !users.is_empty() {
        m.insert("user_properties".into(), Value::Array(users));
    }
    if !sub_ids.is_empty() {
        m.insert("subscription_identifiers".into(), Value::Array(sub_ids));
    }
    Value::Object(m)
}

fn owned_view(p: &OwnedProperties) -> Value {
    props_view(&p.as_properties())
}

// ---------------------------------------------------------------- packet view (README §2.2)

fn packet_view(p: &Packet<'_>) -> Value {
    let ack = |t: &str, id: u16, reason: u8, props: &Properties<'_>| json!({"type": t, "packet_id": id, "reason": reason, "properties": props_view(props)});
    match p {
        Packet::Connect(c) => json!({
            "type": "connect",
            "protocol": version_name(c.protocol),
            "clean_start": c.clean_start,
            "keep_alive": c.keep_alive,
            "properties": props_view(&c.properties),
            "client_id": c.client_id,
            "will": c.will.map(|w| json!({
                "qos": w.qos as u8,
                "retain": w.retain,
                "properties": props_view(&w.properties),
                "topic": w.topic,
                "payload_hex": hex(w.payload),
            })),
            "username": c.username,
            "password_hex": c.password.map(hex),
        }),
        Packet::Connack(c) => json!({
            "type": "connack",
            "session_present": c.session_present,
            "reason": c.reason.as_u8(),
            "properties": props_view(&c.properties),
        }),
        Packet::Publish(x) => json!({
            "type": "publish",
            "dup": x.dup,
            "qos": x.qos as u8,
            "retain": x.retain,
            "topic": x.topic,
            "packet_id": x.packet_id.map(|i| i.get()),
            "properties": props_view(&x.properties),
            "payload_hex": hex(x.payload),
        }),
        Packet::PubAck(a) => ack("puback", a.packet_id.get(), a.reason.as_u8(), &a.properties),
        Packet::PubRec(a) => ack("pubrec", a.packet_id.get(), a.reason.as_u8(), &a.properties),
        Packet::PubRel(a) => ack("pubrel", a.packet_id.get(), a.reason.as_u8(), &a.properties),
        Packet::PubComp(a) => ack(
            "pubcomp",
            a.packet_id.get(),
            a.reason.as_u8(),
            &a.properties,
        ),
        Packet::Subscribe(s) => json!({
            "type": "subscribe",
            "packet_id": s.packet_id.get(),
            "properties": props_view(&s.properties),
            "subscriptions": s.subscriptions.iter().map(|x| json!({
                "filter": x.filter,
                "qos": x.options.qos as u8,
                "no_local": x.options.no_local,
                "retain_as_published": x.options.retain_as_published,
                "retain_handling": x.options.retain_handling as u8,
            })).collect::<Vec<_>>(),
        }),
        Packet::SubAck(s) => json!({
            "type": "suback",
            "packet_id": s.packet_id.get(),
            "properties": props_view(&s.properties),
            "reasons": s.reasons.iter().map(|r| r.as_u8()).collect::<Vec<_>>(),
        }),
        Packet::Unsubscribe(u) => json!({
            "type": "unsubscribe",
            "packet_id": u.packet_id.get(),
            "properties": props_view(&u.properties),
            "filters": u.filters.iter().collect::<Vec<_>>(),
        }),
        Packet::UnsubAck(u) => json!({
            "type": "unsuback",
            "packet_id": u.packet_id.get(),
            "properties": props_view(&u.properties),
            "reasons": u.reasons.iter().map(|r| r.as_u8()).collect::<Vec<_>>(),
        }),
        Packet::PingReq => json!({"type": "pingreq"}),
        Packet::PingResp => json!({"type": "pingresp"}),
        Packet::Disconnect(d) => json!({
            "type": "disconnect",
            "reason": d.reason.as_u8(),
            "properties": props_view(&d.properties),
        }),
        Packet::Auth(a) => json!({
            "type": "auth",
            "reason": a.reason.as_u8(),
            "properties": props_view(&a.properties),
        }),
    }
}

// ---------------------------------------------------------------- error and event views

fn error_view(e: &Error) -> Value {
    json!({"kind": e.kind().as_str(), "code": e.code(), "reason_code": e.reason_code().as_u8()})
}

fn iotda_error_view(e: iotmqtt::iotda::IotdaError) -> Value {
    error_view(&Error::from(e))
}

fn event_view(e: &Event) -> R<Value> {
    Ok(match e {
        Event::CredentialsNeeded => json!({"type": "credentials_needed"}),
        Event::AuthChallenge {
            method,
            data,
            properties,
        } => json!({
            "type": "auth_challenge",
            "method": method,
            "data_hex": data.as_deref().map(hex),
            "properties": owned_view(properties),
        }),
        Event::Reauthenticated { properties } => {
            json!({"type": "reauthenticated", "properties": owned_view(properties)})
        }
        Event::Connected(i) => json!({
            "type": "connected",
            "session_present": i.session_present,
            "keep_alive": i.keep_alive,
            "server_keep_alive": i.server_keep_alive,
            "session_expiry": i.session_expiry,
            "assigned_client_id": i.assigned_client_id,
            "receive_maximum": i.receive_maximum,
            "maximum_packet_size": i.maximum_packet_size,
            "topic_alias_maximum": i.topic_alias_maximum,
            "maximum_qos": i.maximum_qos as u8,
            "retain_available": i.retain_available,
            "wildcard_subscription_available": i.wildcard_subscription_available,
            "subscription_identifiers_available": i.subscription_identifiers_available,
            "shared_subscription_available": i.shared_subscription_available,
            "reason_string": i.reason_string,
            "response_information": i.response_information,
            "server_reference": i.server_reference,
            "authentication_data_hex": i.authentication_data.as_deref().map(hex),
            "user_properties": i.user_properties.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "properties": owned_view(&i.properties),
        }),
        Event::Message(m) => json!({
            "type": "message",
            "topic": m.topic,
            "payload_hex": hex(&m.payload),
            "qos": m.qos as u8,
            "retain": m.retain,
            "dup": m.dup,
            "packet_id": m.packet_id.map(|i| i.get()),
            "properties": owned_view(&m.properties),
        }),
        Event::PublishAcked {
            packet_id,
            reason,
            properties,
        } => json!({
            "type": "publish_acked",
            "packet_id": packet_id.get(),
            "reason": reason.as_u8(),
            "properties": owned_view(properties),
        }),
        Event::PublishCompleted {
            packet_id,
            reason,
            properties,
        } => json!({
            "type": "publish_completed",
            "packet_id": packet_id.get(),
            "reason": reason.as_u8(),
            "properties": owned_view(properties),
        }),
        Event::PublishDropped { packet_id, reason } => json!({
            "type": "publish_dropped",
            "packet_id": packet_id.map(|i| i.get()),
            "reason": reason.code(),
        }),
        Event::RequestDropped { packet_id, reason } => json!({
            "type": "request_dropped",
            "packet_id": packet_id.get(),
            "reason": reason.code(),
        }),
        Event::Subscribed {
            packet_id,
            reasons,
            properties,
            resubscribe,
        } => json!({
            "type": "subscribed",
            "packet_id": packet_id.get(),
            "reasons": reasons.iter().map(|r| r.as_u8()).collect::<Vec<_>>(),
            "properties": owned_view(properties),
            "resubscribe": resubscribe,
        }),
        Event::Unsubscribed {
            packet_id,
            reasons,
            properties,
        } => json!({
            "type": "unsubscribed",
            "packet_id": packet_id.get(),
            "reasons": reasons.iter().map(|r| r.as_u8()).collect::<Vec<_>>(),
            "properties": owned_view(properties),
        }),
        Event::ConnectionLost(l) => json!({
            "type": "connection_lost",
            "error": error_view(&l.error),
            "reason_string": l.reason_string,
            "server_reference": l.server_reference,
            "user_properties": l.user_properties.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "reconnect_at": l.reconnect_at.map(Instant::as_millis),
        }),
        Event::Disconnected => json!({"type": "disconnected"}),
        Event::ReconnectDue { attempt } => json!({"type": "reconnect_due", "attempt": attempt}),
        Event::PersistRequired => json!({"type": "persist_required"}),
        Event::MessagesDropped { count } => json!({"type": "messages_dropped", "count": count}),
        other => return Err(format!("event without a view: {other:?}")),
    })
}

/// Checks a call's outcome against an optional `expect_error`.
fn outcome<T>(result: Result<T, Error>, expect_error: Option<&Value>) -> R<Option<T>> {
    match (result, expect_error) {
        (Ok(v), None) => Ok(Some(v)),
        (Ok(_), Some(e)) => Err(format!("expected error {e}, the call succeeded")),
        (Err(e), None) => Err(format!("unexpected error {} ({e})", error_view(&e))),
        (Err(e), Some(exp)) => {
            matches(exp, &error_view(&e), "error")?;
            Ok(None)
        }
    }
}

// ---------------------------------------------------------------- kind codec (README §3)

fn run_codec(m: &Map<String, Value>) -> R {
    let version = version_of(req_str(m, "version", "codec")?, "codec")?;
    let mut decoder = Decoder::new(version);
    if let Some(max) = opt_u64(m, "max_packet_size", "codec")? {
        decoder = decoder
            .with_max_packet_size(u32::try_from(max).map_err(|_| "max_packet_size out of range")?);
    }
    let cases = req(m, "cases", "codec")?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("cases: a non-empty array")?;
    for (i, case) in cases.iter().enumerate() {
        codec_case(decoder, version, case).map_err(|e| {
            let name = case.get("name").and_then(Value::as_str).unwrap_or("");
            format!("case {i} {name:?}: {e}")
        })?;
    }
    Ok(())
}

fn codec_case(decoder: Decoder, version: ProtocolVersion, case: &Value) -> R {
    let c = obj(
        case,
        "case",
        &[
            "name",
            "hex",
            "expect",
            "reencode_hex",
            "expect_error",
            "expect_incomplete",
        ],
    )?;
    opt_str(c, "name", "case")?;
    let bytes = unhex(req_str(c, "hex", "case")?)?;
    let outcomes = ["expect", "expect_error", "expect_incomplete"]
        .iter()
        .filter(|k| c.contains_key(**k))
        .count();
    if outcomes != 1 {
        return Err("exactly one of expect, expect_error, expect_incomplete".into());
    }
    if c.contains_key("reencode_hex") && !c.contains_key("expect") {
        return Err("reencode_hex needs expect".into());
    }
    let result = decoder.decode(&bytes);
    if let Some(exp) = c.get("expect") {
        let d = result.map_err(|e| format!("decode failed: {e}"))?;
        if d.len != bytes.len() {
            return Err(format!(
                "the packet uses {} of the {} bytes",
                d.len,
                bytes.len()
            ));
        }
        matches(exp, &packet_view(&d.packet), "packet")?;
        let want = match c.get("reencode_hex") {
            Some(h) => unhex(h.as_str().ok_or("reencode_hex: a string")?)?,
            None => bytes.clone(),
        };
        let mut out = Vec::new();
        encode(&d.packet, version, &mut out).map_err(|e| format!("re-encode failed: {e}"))?;
        if out != want {
            return Err(format!(
                "re-encoded as {}, expected {}",
                hex(&out),
                hex(&want)
            ));
        }
        return Ok(());
    }
    if let Some(exp) = c.get("expect_error") {
        let e = obj(exp, "expect_error", &["violation", "offset"])?;
        let violation = req_str(e, "violation", "expect_error")?;
        let offset = opt_u64(e, "offset", "expect_error")?.ok_or("expect_error: offset")?;
        return match result {
            Err(DecodeError::Invalid {
                offset: o,
                violation: v,
            }) if v.code() == violation && o as u64 == offset => Ok(()),
            Err(DecodeError::Invalid {
                offset: o,
                violation: v,
            }) => Err(format!(
                "expected {violation} at {offset}, got {} at {o} ({v})",
                v.code()
            )),
            other => Err(format!("expected {violation} at {offset}, got {other:?}")),
        };
    }
    let needed = opt_u64(c, "expect_incomplete", "case")?.ok_or("expect_incomplete: an integer")?;
    match result {
        Err(DecodeError::Incomplete(n)) if n.bytes() as u64 == needed => Ok(()),
        other => Err(format!(
            "expected incomplete, {needed} more bytes; got {other:?}"
        )),
    }
}

// ---------------------------------------------------------------- kind client (README §4)

const CONFIG_FIELDS: &[&str] = &[
    "client_id",
    "protocol",
    "keep_alive",
    "ping_timeout_ms",
    "clean_start",
    "session_expiry",
    "credentials",
    "username",
    "password",
    "password_hex",
    "will",
    "receive_maximum",
    "maximum_packet_size",
    "topic_alias_maximum",
    "outgoing_topic_aliases",
    "connack_timeout_ms",
    "reconnect",
    "reconnect_min_delay_ms",
    "reconnect_max_delay_ms",
    "jitter_seed",
    "stable_after_ms",
    "resubscribe",
    "requeue",
    "max_queued_messages",
    "max_queued_bytes",
    "max_inflight",
    "max_subscriptions",
    "max_events",
    "manual_ack",
    "persistence",
    "auth_method",
    "auth_data_hex",
    "connect_properties",
];

fn client_config(v: &Value) -> R<ClientConfig> {
    let ctx = "config";
    let m = obj(v, ctx, CONFIG_FIELDS)?;
    let mut c = ClientConfig::new(req_str(m, "client_id", ctx)?);
    if let Some(p) = opt_str(m, "protocol", ctx)? {
        c.protocol = version_of(p, ctx)?;
    }
    c.keep_alive = int(m, "keep_alive", c.keep_alive, ctx)?;
    c.ping_timeout = opt_u64(m, "ping_timeout_ms", ctx)?.map(Duration::from_millis);
    c.clean_start = flag(m, "clean_start", c.clean_start, ctx)?;
    c.session_expiry = int(m, "session_expiry", c.session_expiry, ctx)?;
    let username = opt_str(m, "username", ctx)?;
    let password = bytes_field(m, "password", ctx)?;
    c.credentials = match opt_str(m, "credentials", ctx)?.unwrap_or("none") {
        "static" => Credentials::Static {
            username: username.map(String::from),
            password: password.map(Password::new),
        },
        other => {
            if username.is_some() || password.is_some() {
                return Err(format!(
                    "{ctx}: username/password need credentials \"static\""
                ));
            }
            match other {
                "none" => Credentials::None,
                "ask_each_time" => Credentials::AskEachTime,
                _ => return Err(format!("{ctx}: credentials {other:?}")),
            }
        }
    };
    if let Some(w) = m.get("will").filter(|w| !w.is_null()) {
        let wm = obj(
            w,
            "config.will",
            &[
                "topic",
                "payload",
                "payload_hex",
                "qos",
                "retain",
                "properties",
            ],
        )?;
        c.will = Some(WillConfig {
            topic: req_str(wm, "topic", "config.will")?.into(),
            payload: bytes_field(wm, "payload", "config.will")?.unwrap_or_default(),
            qos: qos_of(int(wm, "qos", 0u64, "config.will")?, "config.will")?,
            retain: flag(wm, "retain", false, "config.will")?,
            properties: PropsIn::parse(wm.get("properties"), "config.will.properties")?
                .owned(PropertyContext::Will)?,
        });
    }
    c.receive_maximum = int(m, "receive_maximum", c.receive_maximum, ctx)?;
    c.maximum_packet_size = int(m, "maximum_packet_size", c.maximum_packet_size, ctx)?;
    c.topic_alias_maximum = int(m, "topic_alias_maximum", c.topic_alias_maximum, ctx)?;
    c.outgoing_topic_aliases = int(m, "outgoing_topic_aliases", c.outgoing_topic_aliases, ctx)?;
    if let Some(ms) = opt_u64(m, "connack_timeout_ms", ctx)? {
        c.connack_timeout = Duration::from_millis(ms);
    }
    let r = &mut c.reconnect;
    r.enabled = flag(m, "reconnect", r.enabled, ctx)?;
    if let Some(ms) = opt_u64(m, "reconnect_min_delay_ms", ctx)? {
        r.min_delay = Duration::from_millis(ms);
    }
    if let Some(ms) = opt_u64(m, "reconnect_max_delay_ms", ctx)? {
        r.max_delay = Duration::from_millis(ms);
    }
    r.jitter_seed = int(m, "jitter_seed", r.jitter_seed, ctx)?;
    if let Some(ms) = opt_u64(m, "stable_after_ms", ctx)? {
        r.stable_after = Duration::from_millis(ms);
    }
    r.resubscribe = flag(m, "resubscribe", r.resubscribe, ctx)?;
    r.requeue = match opt_str(m, "requeue", ctx)?.unwrap_or("resend") {
        "resend" => RequeuePolicy::Resend,
        "drop" => RequeuePolicy::Drop,
        other => return Err(format!("{ctx}: requeue {other:?}")),
    };
    c.max_queued_messages = int(m, "max_queued_messages", c.max_queued_messages, ctx)?;
    c.max_queued_bytes = int(m, "max_queued_bytes", c.max_queued_bytes, ctx)?;
    c.max_inflight = int(m, "max_inflight", c.max_inflight, ctx)?;
    c.max_subscriptions = int(m, "max_subscriptions", c.max_subscriptions, ctx)?;
    c.max_events = int(m, "max_events", c.max_events, ctx)?;
    c.manual_ack = flag(m, "manual_ack", c.manual_ack, ctx)?;
    c.persistence = flag(m, "persistence", c.persistence, ctx)?;
    c.auth_method = opt_str(m, "auth_method", ctx)?.map(String::from);
    c.auth_data = match opt_str(m, "auth_data_hex", ctx)? {
        Some(h) => Some(unhex(h)?),
        None => None,
    };
    c.connect_properties =
        PropsIn::parse(m.get("connect_properties"), "config.connect_properties")?
            .owned(PropertyContext::Connect)?;
    Ok(c)
}

/// What the common ops of `client` and `device` scenarios drive (README §4.4–4.6).
trait Target {
    fn version(&self) -> ProtocolVersion;
    fn connect(&mut self) -> Result<(), Error>;
    fn disconnect(&mut self) -> Result<(), Error>;
    fn handle_bytes(&mut self, now: Instant, bytes: &[u8]);
    fn handle_timeout(&mut self, now: Instant);
    fn handle_closed(&mut self, now: Instant);
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize;
    fn poll_timeout(&self) -> Option<Instant>;
    fn state(&self) -> State;
    /// The view of the next event, remembering the ack token of a message.
    fn poll_event_view(&mut self, tokens: &mut HashMap<u16, AckToken>) -> R<Option<Value>>;
    /// The fields of a kind-specific op, or `None` for an unknown op.
    fn op_fields(&self, op: &str) -> Option<&'static [&'static str]>;
    /// Runs a kind-specific op.
    fn run_op(&mut self, op: &str, s: &Map<String, Value>, script: &mut Script) -> R;
}

fn remember_token(event: &Event, tokens: &mut HashMap<u16, AckToken>) {
    if let Event::Message(m) = event {
        if let (Some(id), Some(t)) = (m.packet_id, m.ack_token) {
            tokens.insert(id.get(), t);
        }
    }
}

/// The scenario clock and what the steps remember.
struct Script {
    clock: u64,
    /// Ack tokens of the message events taken, by packet identifier (the latest wins).
    tokens: HashMap<u16, AckToken>,
}

impl Script {
    fn now(&self) -> Instant {
        Instant::from_millis(self.clock)
    }
}

/// Runs `steps` against `target`, then checks nothing is left (README §4.7).
fn run_steps(target: &mut dyn Target, m: &Map<String, Value>, kind: &str) -> R {
    let steps = req(m, "steps", kind)?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("steps: a non-empty array")?;
    let mut script = Script {
        clock: 0,
        tokens: HashMap::new(),
    };
    for (i, step) in steps.iter().enumerate() {
        let op = step.get("op").and_then(Value::as_str).unwrap_or("?");
        run_step(target, &mut script, step).map_err(|e| format!("step {i} ({op}): {e}"))?;
    }
    transmitted(target, script.now())
        .and_then(|b| {
            if b.is_empty() {
                Ok(())
            } else {
                Err(format!("bytes left to transmit: {}", hex(&b)))
            }
        })
        .and_then(|()| match target.poll_event_view(&mut script.tokens)? {
            None => Ok(()),
            Some(e) => Err(format!("event left: {e}")),
        })
        .map_err(|e| format!("after the last step: {e}"))
}

/// Everything `poll_transmit` has, joined.
fn transmitted(target: &mut dyn Target, now: Instant) -> R<Vec<u8>> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        if target.poll_transmit(now, &mut out) == 0 {
            return Ok(out);
        }
    }
    Err("poll_transmit never ran dry".into())
}

fn decode_all(version: ProtocolVersion, mut bytes: &[u8]) -> R<Vec<Value>> {
    let decoder = Decoder::new(version);
    let mut views = Vec::new();
    while !bytes.is_empty() {
        let d = decoder
            .decode(bytes)
            .map_err(|e| format!("transmitted bytes do not decode ({e}): {}", hex(bytes)))?;
        views.push(packet_view(&d.packet));
        bytes = &bytes[d.len..];
    }
    Ok(views)
}

fn run_step(target: &mut dyn Target, script: &mut Script, step: &Value) -> R {
    let op = step
        .as_object()
        .and_then(|m| m.get("op"))
        .and_then(Value::as_str)
        .ok_or("a step needs a string field \"op\"")?;
    let fields: &[&str] = match op {
        "connect" | "disconnect" => &["expect_error"],
        "timeout" | "closed" | "expect_no_transmit" | "expect_no_event" => &[],
        "receive" => &["hex"],
        "expect_transmit" => &["hex", "packets"],
        "expect_event" => &["event"],
        "expect_timeout" => &["at", "at_least", "at_most"],
        "expect_state" => &["state"],
        other => target
            .op_fields(other)
            .ok_or_else(|| format!("unknown op {other:?}"))?,
    };
    let allowed: Vec<&str> = ["op", "now"].iter().chain(fields).copied().collect();
    let s = obj(step, "step", &allowed)?;
    if let Some(now) = opt_u64(s, "now", "step")? {
        if now < script.clock {
            return Err(format!("now {now} is before the clock {}", script.clock));
        }
        script.clock = now;
    }
    let now = script.now();
    let expect_error = s.get("expect_error");
    match op {
        "connect" => {
            outcome(target.connect(), expect_error)?;
        }
        "disconnect" => {
            outcome(target.disconnect(), expect_error)?;
        }
        "receive" => {
            let bytes = unhex(req_str(s, "hex", "step")?)?;
            target.handle_bytes(now, &bytes);
        }
        "timeout" => target.handle_timeout(now),
        "closed" => target.handle_closed(now),
        "expect_transmit" => {
            let got = transmitted(target, now)?;
            match (s.get("hex"), s.get("packets")) {
                (Some(h), None) => {
                    let want = unhex(h.as_str().ok_or("hex: a string")?)?;
                    if got != want {
                        return Err(format!(
                            "transmitted {}\n      expected    {}",
                            hex(&got),
                            hex(&want)
                        ));
                    }
                }
                (None, Some(p)) => {
                    p.as_array().ok_or("packets: an array")?;
                    let views = Value::Array(decode_all(target.version(), &got)?);
                    matches(p, &views, "packets")
                        .map_err(|e| format!("{e}\n      transmitted {views}"))?;
                }
                _ => return Err("expect_transmit: exactly one of hex, packets".into()),
            }
        }
        "expect_no_transmit" => {
            let got = transmitted(target, now)?;
            if !got.is_empty() {
                return Err(format!("transmitted {}", hex(&got)));
            }
        }
        "expect_event" => {
            let want = req(s, "event", "step")?;
            let view = target
                .poll_event_view(&mut script.tokens)?
                .ok_or("no event")?;
            matches(want, &view, "event").map_err(|e| format!("{e}\n      event {view}"))?;
        }
        "expect_no_event" => {
            if let Some(e) = target.poll_event_view(&mut script.tokens)? {
                return Err(format!("got {e}"));
            }
        }
        "expect_timeout" => {
            let got = target.poll_timeout().map(Instant::as_millis);
            match (s.get("at"), s.get("at_least"), s.get("at_most")) {
                (Some(at), None, None) => {
                    let want = match at {
                        Value::Null => None,
                        v => Some(v.as_u64().ok_or("at: a time or null")?),
                    };
                    if got != want {
                        return Err(format!("deadline {got:?}, expected {want:?}"));
                    }
                }
                (None, Some(lo), Some(hi)) => {
                    let (lo, hi) = (
                        lo.as_u64().ok_or("at_least: a time")?,
                        hi.as_u64().ok_or("at_most: a time")?,
                    );
                    if !got.is_some_and(|t| (lo..=hi).contains(&t)) {
                        return Err(format!("deadline {got:?}, expected in [{lo}, {hi}]"));
                    }
                }
                _ => return Err("expect_timeout: at, or at_least and at_most".into()),
            }
        }
        "expect_state" => {
            let want = req_str(s, "state", "step")?;
            let got = target.state().snake_name();
            if got != want {
                return Err(format!("state {got}, expected {want}"));
            }
        }
        other => target.run_op(other, s, script)?,
    }
    Ok(())
}

/// A `client` scenario's target: one `Client`, and its config for `restart`.
struct ClientTarget {
    config: ClientConfig,
    client: Client,
}

fn run_client(m: &Map<String, Value>) -> R {
    let config = client_config(req(m, "config", "client")?)?;
    let mut target = ClientTarget {
        client: Client::new(config.clone()),
        config,
    };
    run_steps(&mut target, m, "client")
}

impl Target for ClientTarget {
    fn version(&self) -> ProtocolVersion {
        self.config.protocol
    }
    fn connect(&mut self) -> Result<(), Error> {
        self.client.connect()
    }
    fn disconnect(&mut self) -> Result<(), Error> {
        self.client.disconnect()
    }
    fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) {
        self.client.handle_bytes(now, bytes);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.client.handle_timeout(now);
    }
    fn handle_closed(&mut self, now: Instant) {
        self.client.handle_closed(now);
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.client.poll_transmit(now, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.client.poll_timeout()
    }
    fn state(&self) -> State {
        self.client.state()
    }
    fn poll_event_view(&mut self, tokens: &mut HashMap<u16, AckToken>) -> R<Option<Value>> {
        let Some(event) = self.client.poll_event() else {
            return Ok(None);
        };
        remember_token(&event, tokens);
        event_view(&event).map(Some)
    }

    fn op_fields(&self, op: &str) -> Option<&'static [&'static str]> {
        Some(match op {
            "set_credentials" => &["username", "password", "password_hex", "expect_error"],
            "publish" => &[
                "topic",
                "payload",
                "payload_hex",
                "qos",
                "retain",
                "properties",
                "expect_packet_id",
                "expect_error",
            ],
            "subscribe" => &[
                "subscriptions",
                "properties",
                "expect_packet_id",
                "expect_error",
            ],
            "unsubscribe" => &["filters", "properties", "expect_packet_id", "expect_error"],
            "ack" => &["packet_id", "expect_error"],
            "auth_continue" | "reauthenticate" => &["data_hex", "expect_error"],
            "snapshot" | "restart" | "handle_connected" => &[],
            _ => return None,
        })
    }

    fn run_op(&mut self, op: &str, s: &Map<String, Value>, script: &mut Script) -> R {
        let expect_error = s.get("expect_error");
        match op {
            "handle_connected" => self.client.handle_connected(script.now()),
            "set_credentials" => {
                let username = opt_str(s, "username", "step")?;
                let password = bytes_field(s, "password", "step")?;
                outcome(
                    self.client.set_credentials(username, password.as_deref()),
                    expect_error,
                )?;
            }
            "publish" => {
                let topic = req_str(s, "topic", "step")?;
                let payload = bytes_field(s, "payload", "step")?.unwrap_or_default();
                let qos = qos_of(int(s, "qos", 0u64, "step")?, "step")?;
                let retain = flag(s, "retain", false, "step")?;
                let props = PropsIn::parse(s.get("properties"), "step.properties")?;
                let list = props.list()?;
                let result =
                    self.client
                        .publish(topic, &payload, qos, retain, Properties::new(&list));
                if let Some(id) = outcome(result, expect_error)? {
                    expect_id(s, id.map(|i| i.get()))?;
                }
            }
            "subscribe" => {
                let subs = req(s, "subscriptions", "step")?
                    .as_array()
                    .ok_or("subscriptions: an array")?
                    .iter()
                    .map(subscription)
                    .collect::<R<Vec<Subscription<'_>>>>()?;
                let props = PropsIn::parse(s.get("properties"), "step.properties")?;
                let list = props.list()?;
                let result = self.client.subscribe(&subs, Properties::new(&list));
                if let Some(id) = outcome(result, expect_error)? {
                    expect_id(s, Some(id.get()))?;
                }
            }
            "unsubscribe" => {
                let filters = req(s, "filters", "step")?
                    .as_array()
                    .ok_or("filters: an array")?
                    .iter()
                    .map(|f| f.as_str().ok_or("filters: strings"))
                    .collect::<Result<Vec<&str>, _>>()?;
                let props = PropsIn::parse(s.get("properties"), "step.properties")?;
                let list = props.list()?;
                let result = self.client.unsubscribe(&filters, Properties::new(&list));
                if let Some(id) = outcome(result, expect_error)? {
                    expect_id(s, Some(id.get()))?;
                }
            }
            "ack" => {
                let id: u16 = int(s, "packet_id", 0, "step")?;
                let token = *script
                    .tokens
                    .get(&id)
                    .ok_or_else(|| format!("no message event with packet id {id} was taken"))?;
                outcome(self.client.ack(token), expect_error)?;
            }
            "auth_continue" | "reauthenticate" => {
                let data = unhex(req_str(s, "data_hex", "step")?)?;
                let result = if op == "auth_continue" {
                    self.client.auth_continue(&data)
                } else {
                    self.client.reauthenticate(&data)
                };
                outcome(result, expect_error)?;
            }
            "snapshot" => {
                let _ = self.client.snapshot();
            }
            _ => {
                // "restart"
                let snapshot = self.client.snapshot();
                self.client = Client::new(self.config.clone());
                self.client
                    .restore(&snapshot)
                    .map_err(|e| format!("restore failed: {e}"))?;
                script.tokens.clear();
            }
        }
        Ok(())
    }
}

fn expect_id(s: &Map<String, Value>, got: Option<u16>) -> R {
    match s.get("expect_packet_id") {
        None => Ok(()),
        Some(want) if *want == json!(got) => Ok(()),
        Some(want) => Err(format!("packet id {got:?}, expected {want}")),
    }
}

fn subscription(v: &Value) -> R<Subscription<'_>> {
    let ctx = "subscription";
    let m = obj(
        v,
        ctx,
        &[
            "filter",
            "qos",
            "no_local",
            "retain_as_published",
            "retain_handling",
        ],
    )?;
    let retain_handling = match int(m, "retain_handling", 0u64, ctx)? {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendIfNew,
        2 => RetainHandling::DoNotSend,
        n => return Err(format!("{ctx}: retain_handling {n}")),
    };
    Ok(Subscription {
        filter: req_str(m, "filter", ctx)?,
        options: SubscriptionOptions {
            qos: qos_of(int(m, "qos", 0u64, ctx)?, ctx)?,
            no_local: flag(m, "no_local", false, ctx)?,
            retain_as_published: flag(m, "retain_as_published", false, ctx)?,
            retain_handling,
        },
    })
}

// ---------------------------------------------------------------- kind device (README §7)

const DEVICE_CONFIG_FIELDS: &[&str] = &[
    "auth",
    "protocol",
    "keep_alive",
    "upstream_qos",
    "subscribe_downstream_qos1",
    "max_messages_per_sec",
    "max_bytes_per_sec",
    "max_queued_messages",
    "max_queued_bytes",
    "request_timeout_ms",
    "max_pending_requests",
    "request_id_seed",
    "connack_timeout_ms",
    "reconnect",
    "reconnect_min_delay_ms",
    "reconnect_max_delay_ms",
    "jitter_seed",
    "max_events",
];

fn device_config(v: &Value) -> R<DeviceConfig> {
    let ctx = "config";
    let m = obj(v, ctx, DEVICE_CONFIG_FIELDS)?;
    let a = obj(
        req(m, "auth", ctx)?,
        "config.auth",
        &[
            "kind",
            "device_id",
            "secret",
            "group_secret",
            "scope_id",
            "sig_type",
        ],
    )?;
    let kind = req_str(a, "kind", "config.auth")?;
    if ![
        "secret",
        "bridge",
        "bootstrap_group_secret",
        "bootstrap_certificate",
        "certificate",
    ]
    .contains(&kind)
    {
        return Err(format!("config.auth: unknown kind {kind:?}"));
    }
    let sig_n: u8 = int(a, "sig_type", 0, "config.auth")?;
    let sig = SigType::from_u8(sig_n).ok_or_else(|| format!("sig_type {sig_n}"))?;
    let (auth, _, _) =
        identity(a, kind, sig).map_err(|e| format!("config.auth: {}", iotda_error_view(e)))?;
    let mut c = DeviceConfig::new(auth);
    if let Some(p) = opt_str(m, "protocol", ctx)? {
        c.protocol = version_of(p, ctx)?;
    }
    c.keep_alive = int(m, "keep_alive", c.keep_alive, ctx)?;
    c.upstream_qos = qos_of(int(m, "upstream_qos", c.upstream_qos as u64, ctx)?, ctx)?;
    c.subscribe_downstream_qos1 = flag(
        m,
        "subscribe_downstream_qos1",
        c.subscribe_downstream_qos1,
        ctx,
    )?;
    c.max_messages_per_sec = int(m, "max_messages_per_sec", c.max_messages_per_sec, ctx)?;
    c.max_bytes_per_sec = int(m, "max_bytes_per_sec", c.max_bytes_per_sec, ctx)?;
    c.max_queued_messages = int(m, "max_queued_messages", c.max_queued_messages, ctx)?;
    c.max_queued_bytes = int(m, "max_queued_bytes", c.max_queued_bytes, ctx)?;
    if let Some(ms) = opt_u64(m, "request_timeout_ms", ctx)? {
        c.request_timeout = Duration::from_millis(ms);
    }
    c.max_pending_requests = int(m, "max_pending_requests", c.max_pending_requests, ctx)?;
    c.request_id_seed = int(m, "request_id_seed", c.request_id_seed, ctx)?;
    if let Some(ms) = opt_u64(m, "connack_timeout_ms", ctx)? {
        c.connack_timeout = Duration::from_millis(ms);
    }
    c.reconnect.enabled = flag(m, "reconnect", c.reconnect.enabled, ctx)?;
    if let Some(ms) = opt_u64(m, "reconnect_min_delay_ms", ctx)? {
        c.reconnect.min_delay = Duration::from_millis(ms);
    }
    if let Some(ms) = opt_u64(m, "reconnect_max_delay_ms", ctx)? {
        c.reconnect.max_delay = Duration::from_millis(ms);
    }
    c.reconnect.jitter_seed = int(m, "jitter_seed", c.reconnect.jitter_seed, ctx)?;
    c.max_events = int(m, "max_events", c.max_events, ctx)?;
    Ok(c)
}

/// A typed payload from the JSON value of a step field.
fn payload_of<T: JsonPayload>(s: &Map<String, Value>, key: &str) -> R<T> {
    let bytes = serde_json::to_vec(req(s, key, "step")?).map_err(|e| e.to_string())?;
    T::from_json(&bytes).map_err(|e| format!("{key}: not a valid payload: {e}"))
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn pending_view(p: &PendingRequest) -> R<Value> {
    Ok(json!({"kind": p.kind.name(), "id": p.id}))
}

fn device_event_view(e: &DeviceEvent) -> R<Value> {
    let answers = |a: &Option<PendingRequest>| a.as_ref().map(pending_view).transpose();
    Ok(match e {
        DeviceEvent::Mqtt(event) => event_view(event)?,
        DeviceEvent::Command {
            request_id,
            command,
        } => json!({"type": "command", "request_id": request_id, "command": json_of(command)}),
        DeviceEvent::PropertiesSet {
            request_id,
            request,
        } => {
            json!({"type": "properties_set", "request_id": request_id, "request": json_of(request)})
        }
        DeviceEvent::PropertiesGet {
            request_id,
            request,
        } => {
            json!({"type": "properties_get", "request_id": request_id, "request": json_of(request)})
        }
        DeviceEvent::Shadow {
            request_id,
            response,
            answers: a,
        } => json!({
            "type": "shadow",
            "request_id": request_id,
            "response": json_of(response),
            "answers": answers(a)?,
        }),
        DeviceEvent::MessageDown { payload, message } => json!({
            "type": "message_down",
            "payload_hex": hex(payload),
            "message": message.as_ref().map(json_of),
        }),
        DeviceEvent::System(s) => json!({
            "type": "system",
            "object_device_id": s.object_device_id,
            "event_id": s.event_id,
            "event_time": s.event_time,
            "service_id": s.event.service_id(),
            "event_type": s.event.event_type(),
            "paras": s.event.paras().map_err(|e| format!("system event paras: {e}"))?,
            "answers": answers(&s.answers)?,
        }),
        DeviceEvent::Bootstrapped {
            address,
            init_config,
            secret_changed,
        } => json!({
            "type": "bootstrapped",
            "address": address,
            "init_config": init_config,
            "secret_changed": secret_changed,
        }),
        DeviceEvent::BootstrapFailed(f) => {
            json!({"type": "bootstrap_failed", "failure": json_of(f)})
        }
        DeviceEvent::Timeout(p) => {
            json!({"type": "request_timeout", "kind": p.kind.name(), "id": p.id})
        }
        DeviceEvent::BadInput(b) => {
            let (problem, error) = match &b.problem {
                InputProblem::UnknownTopic => ("unknown_topic", Value::Null),
                InputProblem::OtherDevice => ("other_device", Value::Null),
                InputProblem::UnexpectedTopic => ("unexpected_topic", Value::Null),
                InputProblem::UnexpectedBootstrap => ("unexpected_bootstrap", Value::Null),
                InputProblem::Payload(e) => ("payload", iotda_error_view(e.clone())),
                other => return Err(format!("input problem without a name: {other:?}")),
            };
            json!({
                "type": "bad_input",
                "topic": b.topic,
                "request_id": b.request_id,
                "problem": problem,
                "error": error,
            })
        }
        DeviceEvent::UpstreamFailed(u) => json!({
            "type": "upstream_failed",
            "topic": u.topic,
            "error": error_view(&u.error),
            "requests": u.requests.iter().map(pending_view).collect::<R<Vec<_>>>()?,
        }),
        other => return Err(format!("device event without a view: {other:?}")),
    })
}

fn report_suffix<'a>(s: &'a Map<String, Value>) -> R<ReportSuffix<'a>> {
    let rid = opt_str(s, "request_id", "step")?;
    let name = opt_str(s, "suffix", "step")?.unwrap_or("none");
    ReportSuffix::from_parts(name, rid)
        .ok_or_else(|| format!("suffix {name:?} with request_id {rid:?}"))
}

/// A `device` scenario's target: one `IotdaDevice`.
struct DeviceTarget {
    device: IotdaDevice,
    version: ProtocolVersion,
}

fn run_device(m: &Map<String, Value>) -> R {
    let config = device_config(req(m, "config", "device")?)?;
    let mut target = DeviceTarget {
        version: config.protocol,
        device: IotdaDevice::new(config),
    };
    run_steps(&mut target, m, "device")
}

impl Target for DeviceTarget {
    fn version(&self) -> ProtocolVersion {
        self.version
    }
    fn connect(&mut self) -> Result<(), Error> {
        self.device.connect()
    }
    fn disconnect(&mut self) -> Result<(), Error> {
        self.device.disconnect()
    }
    fn handle_bytes(&mut self, now: Instant, bytes: &[u8]) {
        self.device.handle_bytes(now, bytes);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.device.handle_timeout(now);
    }
    fn handle_closed(&mut self, now: Instant) {
        self.device.handle_closed(now);
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.device.poll_transmit(now, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.device.poll_timeout()
    }
    fn state(&self) -> State {
        self.device.client().state()
    }
    fn poll_event_view(&mut self, tokens: &mut HashMap<u16, AckToken>) -> R<Option<Value>> {
        let Some(event) = self.device.poll_event() else {
            return Ok(None);
        };
        if let DeviceEvent::Mqtt(e) = &event {
            remember_token(e, tokens);
        }
        device_event_view(&event).map(Some)
    }

    fn op_fields(&self, op: &str) -> Option<&'static [&'static str]> {
        Some(match op {
            "handle_connected" => &["utc"],
            "respond_command" | "respond_properties_set" | "respond_properties_get" => {
                &["request_id", "response", "expect_error"]
            }
            "report_properties" => &["report", "suffix", "request_id", "expect_error"],
            "send_message" => &[
                "payload",
                "payload_hex",
                "suffix",
                "request_id",
                "expect_error",
            ],
            "publish" => &[
                "topic",
                "payload",
                "payload_hex",
                "qos",
                "retain",
                "expect_error",
            ],
            "subscribe" => &["filter", "qos", "expect_packet_id", "expect_error"],
            "unsubscribe" => &["filter", "expect_packet_id", "expect_error"],
            "get_shadow" => &[
                "service_id",
                "object_device_id",
                "expect_request_id",
                "expect_error",
            ],
            _ => return None,
        })
    }

    fn run_op(&mut self, op: &str, s: &Map<String, Value>, script: &mut Script) -> R {
        let expect_error = s.get("expect_error");
        let d = &mut self.device;
        match op {
            "handle_connected" => {
                let utc =
                    UtcTime::parse(req_str(s, "utc", "step")?).map_err(|e| format!("utc: {e}"))?;
                d.handle_connected(script.now(), utc);
            }
            "respond_command" => {
                let rid = req_str(s, "request_id", "step")?;
                let response: CommandResponse = payload_of(s, "response")?;
                outcome(d.respond_command(rid, &response), expect_error)?;
            }
            "respond_properties_set" => {
                let rid = req_str(s, "request_id", "step")?;
                let response: PropertiesSetResponse = payload_of(s, "response")?;
                outcome(d.respond_properties_set(rid, &response), expect_error)?;
            }
            "respond_properties_get" => {
                let rid = req_str(s, "request_id", "step")?;
                let response: PropertiesGetResponse = payload_of(s, "response")?;
                outcome(d.respond_properties_get(rid, &response), expect_error)?;
            }
            "report_properties" => {
                let report: PropertiesReport = payload_of(s, "report")?;
                outcome(
                    d.report_properties(&report, report_suffix(s)?),
                    expect_error,
                )?;
            }
            "send_message" => {
                let payload = bytes_field(s, "payload", "step")?.unwrap_or_default();
                outcome(d.send_message(&payload, report_suffix(s)?), expect_error)?;
            }
            "publish" => {
                let topic = req_str(s, "topic", "step")?;
                let payload = bytes_field(s, "payload", "step")?.unwrap_or_default();
                let qos = qos_of(int(s, "qos", 0u64, "step")?, "step")?;
                let retain = flag(s, "retain", false, "step")?;
                outcome(d.publish(topic, &payload, qos, retain), expect_error)?;
            }
            "subscribe" | "unsubscribe" => {
                let filter = req_str(s, "filter", "step")?;
                let result = if op == "subscribe" {
                    d.subscribe(filter, qos_of(int(s, "qos", 0u64, "step")?, "step")?)
                } else {
                    d.unsubscribe(filter)
                };
                if let Some(id) = outcome(result, expect_error)? {
                    expect_id(s, Some(id.get()))?;
                }
            }
            _ => {
                // "get_shadow"
                let result = d.get_shadow(
                    opt_str(s, "service_id", "step")?,
                    opt_str(s, "object_device_id", "step")?,
                );
                if let Some(id) = outcome(result, expect_error)? {
                    if let Some(want) = s.get("expect_request_id") {
                        if *want != json!(id) {
                            return Err(format!("request id {id:?}, expected {want}"));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- kind credentials (README §5)

fn run_credentials(m: &Map<String, Value>) -> R {
    let mut cases: Vec<(String, Value)> = Vec::new();
    if let Some(file) = opt_str(m, "vectors", "credentials")? {
        let path = scenario_dir().join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("vectors {file:?}: {e}"))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("vectors {file:?}: {e}"))?;
        let list = v
            .get("cases")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("vectors {file:?}: no cases array"))?;
        cases.extend(list.iter().map(|c| (format!("{file} "), c.clone())));
    }
    if let Some(list) = m.get("cases") {
        let list = list.as_array().ok_or("cases: an array")?;
        cases.extend(list.iter().map(|c| (String::new(), c.clone())));
    }
    if cases.is_empty() {
        return Err("no credentials case".into());
    }
    for (i, (origin, case)) in cases.iter().enumerate() {
        credentials_case(case).map_err(|e| {
            let name = case.get("name").and_then(Value::as_str).unwrap_or("");
            format!("case {i} ({origin}{name:?}): {e}")
        })?;
    }
    Ok(())
}

fn credentials_case(case: &Value) -> R {
    let ctx = "case";
    let c = obj(
        case,
        ctx,
        &[
            "name",
            "kind",
            "device_id",
            "secret",
            "group_secret",
            "scope_id",
            "sig_type",
            "utc",
            "timestamp",
            "client_id",
            "username",
            "password",
            "derived_secret",
            "expect_error",
        ],
    )?;
    opt_str(c, "name", ctx)?;
    let kind = req_str(c, "kind", ctx)?;
    let sig_n: u8 = int(c, "sig_type", 0, ctx)?;
    let sig = SigType::from_u8(sig_n).ok_or_else(|| format!("sig_type {sig_n}"))?;
    let expect_error = c.get("expect_error");
    let outputs = ["client_id", "username", "password", "derived_secret"];
    if expect_error.is_some() && outputs.iter().any(|k| c.contains_key(*k)) {
        return Err("expect_error excludes expected values".into());
    }
    let need = |key: &str| req_str(c, key, ctx);
    // The fields each kind needs must be there (their values are checked by the core).
    need("device_id")?;
    match kind {
        "secret" | "bridge" => {
            need("secret")?;
        }
        "bootstrap_group_secret" => {
            need("group_secret")?;
            need("scope_id")?;
        }
        "bootstrap_certificate" => {
            need("scope_id")?;
        }
        "certificate" => {}
        other => return Err(format!("unknown credentials kind {other:?}")),
    }
    if c.contains_key("utc") == c.contains_key("timestamp") {
        return Err("exactly one of utc, timestamp".into());
    }
    let (auth, utc, ts) = match (identity(c, kind, sig), expect_error) {
        (Ok(v), None) => v,
        (Ok(_), Some(e)) => return Err(format!("expected error {e}, it succeeded")),
        (Err(e), None) => return Err(format!("unexpected error {}", iotda_error_view(e))),
        (Err(e), Some(exp)) => return matches(exp, &iotda_error_view(e), "error"),
    };
    let check = |key: &str, got: Option<&str>| -> R {
        match c.get(key) {
            None => Ok(()),
            Some(want) if *want == json!(got) => Ok(()),
            Some(want) => Err(format!("{key}: got {got:?}, expected {want}")),
        }
    };
    if let Some(ts) = ts {
        if outputs[..2]
            .iter()
            .chain(&outputs[3..])
            .any(|k| c.contains_key(*k))
        {
            return Err("a timestamp case checks only password".into());
        }
        let secret = auth
            .device_secret()
            .ok_or("a timestamp case needs a secret")?;
        let p = compute_password(secret, &ts, sig);
        return check("password", Some(p.as_str()));
    }
    let utc = utc.ok_or("utc")?;
    let creds = auth.credentials(&utc);
    check("client_id", Some(creds.client_id()))?;
    check("username", Some(creds.username()))?;
    check("password", creds.password().map(|p| p.as_str()))?;
    check("derived_secret", auth.device_secret().map(|s| s.expose()))?;
    if outputs.iter().all(|k| !c.contains_key(*k)) {
        return Err("a case checks nothing".into());
    }
    Ok(())
}

type Identity = (DeviceAuth, Option<UtcTime>, Option<ConnectTimestamp>);

/// The identity and time of a credentials case, or the core's error for a bad input.
fn identity(
    c: &Map<String, Value>,
    kind: &str,
    sig: SigType,
) -> Result<Identity, iotmqtt::iotda::IotdaError> {
    let s = |key: &str| c.get(key).and_then(Value::as_str).unwrap_or("");
    let device_id = DeviceId::new(s("device_id"))?;
    let auth = match kind {
        "secret" => DeviceAuth::secret(device_id, DeviceSecret::new(s("secret"))?),
        "bridge" => DeviceAuth::bridge(device_id, DeviceSecret::new(s("secret"))?),
        "bootstrap_group_secret" => DeviceAuth::bootstrap_group_secret(
            device_id,
            &GroupSecret::new(s("group_secret"))?,
            ScopeId::new(s("scope_id"))?,
        ),
        "bootstrap_certificate" => {
            DeviceAuth::bootstrap_certificate(device_id, ScopeId::new(s("scope_id"))?)
        }
        _ => DeviceAuth::certificate(device_id),
    }
    .with_sig_type(sig);
    let utc = c
        .get("utc")
        .and_then(Value::as_str)
        .map(UtcTime::parse)
        .transpose()?;
    let ts = c
        .get("timestamp")
        .and_then(Value::as_str)
        .map(ConnectTimestamp::parse)
        .transpose()?;
    Ok((auth, utc, ts))
}

// ---------------------------------------------------------------- kind topic (README §6)

fn topic_view(t: &Topic<'_>) -> R<Value> {
    let mut v = match t {
        Topic::Device { device_id, topic }
        | Topic::Bridge {
            device_id, topic, ..
        } => {
            let mut v = json!({"device_id": device_id, "sys": topic.name()});
            if let Topic::Bridge { bridge_id, .. } = t {
                v["type"] = json!("bridge");
                v["bridge_id"] = json!(bridge_id);
            } else {
                v["type"] = json!("device");
            }
            if let Some(r) = topic.request_id() {
                v["request_id"] = json!(r);
            }
            if let Some(s) = topic.report_suffix() {
                v["suffix"] = json!(s.name());
            }
            v
        }
        Topic::User { device_id, name } => {
            json!({"type": "user", "device_id": device_id, "name": name})
        }
        Topic::M2m {
            to,
            from,
            request_id,
        } => json!({"type": "m2m", "to": to, "from": from, "request_id": request_id}),
        Topic::Legacy { device_id, topic } => {
            json!({"type": "legacy", "device_id": device_id, "legacy": topic.name()})
        }
        Topic::Custom(s) => json!({"type": "custom", "topic": s}),
        Topic::Unknown(s) => json!({"type": "unknown", "topic": s}),
        other => return Err(format!("topic without a view: {other:?}")),
    };
    v["direction"] = json!(t.direction().map(|d| d.name()));
    Ok(v)
}

fn topic_from(v: &Value) -> R<Topic<'_>> {
    let ctx = "build";
    let ty = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or("build: a string field \"type\"")?;
    let fields: &[&str] = match ty {
        "device" => &["device_id", "sys", "request_id", "suffix"],
        "bridge" => &["bridge_id", "device_id", "sys", "request_id", "suffix"],
        "user" => &["device_id", "name"],
        "m2m" => &["to", "from", "request_id"],
        "legacy" => &["device_id", "legacy"],
        "custom" | "unknown" => &["topic"],
        other => return Err(format!("build: unknown type {other:?}")),
    };
    let allowed: Vec<&str> = ["type"].iter().chain(fields).copied().collect();
    let m = obj(v, ctx, &allowed)?;
    let s = |k: &str| req_str(m, k, ctx);
    Ok(match ty {
        "device" | "bridge" => {
            let name = s("sys")?;
            let sys = SysTopic::from_parts(
                name,
                opt_str(m, "request_id", ctx)?,
                opt_str(m, "suffix", ctx)?,
            )
            .map_err(|e| format!("sys {name:?}: {e}"))?;
            if ty == "device" {
                Topic::Device {
                    device_id: s("device_id")?,
                    topic: sys,
                }
            } else {
                Topic::Bridge {
                    bridge_id: s("bridge_id")?,
                    device_id: s("device_id")?,
                    topic: sys,
                }
            }
        }
        "user" => Topic::User {
            device_id: s("device_id")?,
            name: s("name")?,
        },
        "m2m" => Topic::M2m {
            to: s("to")?,
            from: s("from")?,
            request_id: s("request_id")?,
        },
        "legacy" => {
            let name = s("legacy")?;
            let topic = LegacyTopic::from_name(name)
                .ok_or_else(|| format!("unknown legacy topic {name:?}"))?;
            Topic::Legacy {
                device_id: s("device_id")?,
                topic,
            }
        }
        "custom" => Topic::Custom(s("topic")?),
        _ => Topic::Unknown(s("topic")?),
    })
}

fn run_topics(m: &Map<String, Value>) -> R {
    let cases = req(m, "cases", "topic")?
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("cases: a non-empty array")?;
    for (i, case) in cases.iter().enumerate() {
        topic_case(case).map_err(|e| {
            let name = case.get("name").and_then(Value::as_str).unwrap_or("");
            format!("case {i} {name:?}: {e}")
        })?;
    }
    Ok(())
}

fn topic_case(case: &Value) -> R {
    let c = obj(
        case,
        "case",
        &[
            "name",
            "parse",
            "expect",
            "build",
            "expect_topic",
            "expect_error",
        ],
    )?;
    opt_str(c, "name", "case")?;
    match (c.get("parse"), c.get("build")) {
        (Some(p), None) => {
            if c.contains_key("expect_topic") || c.contains_key("expect_error") {
                return Err("a parse case has expect only".into());
            }
            let input = p.as_str().ok_or("parse: a string")?;
            let parsed = Topic::parse(input);
            let view = topic_view(&parsed)?;
            matches(req(c, "expect", "case")?, &view, "topic")
                .map_err(|e| format!("{e}\n      parsed {view}"))?;
            if !matches!(parsed, Topic::Unknown(_)) {
                let back = parsed
                    .to_topic_string()
                    .map_err(|e| format!("the parsed topic does not build: {e}"))?;
                if back != input {
                    return Err(format!("the parsed topic builds as {back:?}"));
                }
            }
            Ok(())
        }
        (None, Some(b)) => {
            if c.contains_key("expect") {
                return Err("a build case has expect_topic or expect_error".into());
            }
            let topic = topic_from(b)?;
            let built = topic.to_topic_string();
            match (c.get("expect_topic"), c.get("expect_error")) {
                (Some(want), None) => {
                    let want = want.as_str().ok_or("expect_topic: a string")?;
                    let got =
                        built.map_err(|e| format!("build failed: {}", iotda_error_view(e)))?;
                    if got != want {
                        return Err(format!("built {got:?}, expected {want:?}"));
                    }
                    Ok(())
                }
                (None, Some(exp)) => match built {
                    Ok(s) => Err(format!("expected error {exp}, built {s:?}")),
                    Err(e) => matches(exp, &iotda_error_view(e), "error"),
                },
                _ => Err("a build case has exactly one of expect_topic, expect_error".into()),
            }
        }
        _ => Err("a case has exactly one of parse, build".into()),
    }
}

// ---------------------------------------------------------------- the runner's own checks

/// Runs a scenario given as text, as if it were the file `name.json`.
fn run_text(name: &str, text: &str) -> R {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    run_file(&format!("{name}.json"), &v)
}

const MINIMAL: &str = r#"{"name": "t", "description": "d", "spec": ["MQTT-3.1.0-1"], "kind": "client",
  "config": {"client_id": "c", "protocol": "3.1.1", "keep_alive": 0},
  "steps": [{"op": "connect"}, {"op": "handle_connected"},
            {"op": "expect_transmit", "hex": "10 0d 00 04 4d 51 54 54 04 02 00 00 00 01 63"}]}"#;

#[test]
fn a_minimal_scenario_passes() {
    run_text("t", MINIMAL).unwrap();
}

#[test]
fn unknown_kinds_ops_and_fields_fail() {
    let cases = [
        (
            MINIMAL.replace("\"client\",", "\"clients\","),
            "unknown kind",
        ),
        (
            MINIMAL.replace("\"connect\"}", "\"konnect\"}"),
            "unknown op",
        ),
        (
            MINIMAL.replace("\"keep_alive\": 0", "\"keep_alive\": 0, \"keepalive\": 1"),
            "unknown field \"keepalive\"",
        ),
        (
            MINIMAL.replace("{\"op\": \"connect\"}", "{\"op\": \"connect\", \"x\": 1}"),
            "unknown field \"x\"",
        ),
        (
            MINIMAL.replace("\"d\",", "\"d\", \"extra\": 1,"),
            "unknown field \"extra\"",
        ),
        (
            MINIMAL.replace("\"kind\": \"client\"", "\"kind\": \"devices\""),
            "unknown kind",
        ),
    ];
    for (text, want) in cases {
        let err = run_text("t", &text).unwrap_err();
        assert!(err.contains(want), "{err:?} should mention {want:?}");
    }
}

#[test]
fn failures_name_the_step_and_the_difference() {
    let wrong_byte = MINIMAL.replace("00 01 63\"", "00 01 64\"");
    let err = run_text("t", &wrong_byte).unwrap_err();
    assert!(err.starts_with("step 2 (expect_transmit)"), "{err}");
    let missing_event = MINIMAL.replace(
        "]}",
        ", {\"op\": \"expect_event\", \"event\": {\"type\": \"connected\"}}]}",
    );
    let err = run_text("t", &missing_event).unwrap_err();
    assert!(err.starts_with("step 3 (expect_event): no event"), "{err}");
    assert!(
        run_text("u", MINIMAL)
            .unwrap_err()
            .contains("differs from the file name")
    );
}

#[test]
fn leftover_output_fails_the_scenario() {
    let untaken = MINIMAL.replace("]}", ", {\"op\": \"receive\", \"hex\": \"20 02 00 00\"}]}");
    let err = run_text("t", &untaken).unwrap_err();
    assert!(err.starts_with("after the last step: event left"), "{err}");
}

#[test]
fn matching_follows_the_readme_rules() {
    let act = json!({"a": 1, "b": {"c": "x", "d": null}, "p_hex": "68 69", "l": [1, 2]});
    matches(&json!({"a": 1}), &act, "v").unwrap();
    matches(&json!({"b": {"c": "x"}}), &act, "v").unwrap();
    matches(&json!({"b": {"d": null, "e": null}}), &act, "v").unwrap();
    matches(&json!({"p_hex": "6869"}), &act, "v").unwrap();
    matches(&json!({"p": "hi"}), &act, "v").unwrap();
    matches(&json!({"l": [1, 2]}), &act, "v").unwrap();
    matches(&json!({"a": 1.0}), &act, "v").unwrap();
    assert!(matches(&json!({"p": "ho"}), &act, "v").is_err());
    assert!(matches(&json!({"l": [1]}), &act, "v").is_err());
    assert!(matches(&json!({"z": 1}), &act, "v").is_err());
    assert!(matches(&json!({"a": 2}), &act, "v").is_err());
    assert!(matches(&json!({"b": {"c": null}}), &act, "v").is_err());
    let with_json = json!({"payload_hex": hex(br#"{"x":1,"y":[true]}"#)});
    matches(
        &json!({"payload_json": {"y": [true], "x": 1.0}}),
        &with_json,
        "v",
    )
    .unwrap();
    assert!(matches(&json!({"payload_json": {"x": 1}}), &with_json, "v").is_err());
}
