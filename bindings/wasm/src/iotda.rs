//! IoTDA for JavaScript: the login credentials of a device identity at a UTC time, and topics
//! (parse a topic name into its parts, build one from them).

use iotmqtt::iotda::{
    ConnectTimestamp, DeviceAuth, DeviceId, DeviceSecret, GroupSecret, LegacyTopic, ScopeId,
    SigType, SysPartsError, SysTopic, Topic,
};
use wasm_bindgen::prelude::*;

use crate::errors::{check_iotda, invalid_argument};
use crate::js::{Fields, Obj, utc};

/// A device identity from `{kind, deviceId, secret, groupSecret, scopeId, sigType}`; `kind` is
/// `secret` (default), `bridge`, `bootstrap_group_secret`, `bootstrap_certificate` or
/// `certificate`, `sigType` 0 (default), 1 or 2.
/// The second value is true for a registration-group identity (its secret is derived).
pub(crate) fn auth_of(value: &JsValue, what: &'static str) -> Result<(DeviceAuth, bool), JsValue> {
    let mut f = Fields::new(value, what)?;
    let kind = f.str("kind")?.unwrap_or_else(|| "secret".into());
    let device_id = check_iotda(DeviceId::new(&f.str("deviceId")?.unwrap_or_default()))?;
    let secret = f.str("secret")?;
    let group_secret = f.str("groupSecret")?;
    let scope_id = f.str("scopeId")?;
    let sig: u8 = f.int("sigType")?.unwrap_or(0);
    f.finish()?;
    let sig = SigType::from_u8(sig).ok_or_else(|| invalid_argument("sigType: 0, 1 or 2"))?;
    let device_secret = || check_iotda(DeviceSecret::new(secret.as_deref().unwrap_or_default()));
    let scope = || check_iotda(ScopeId::new(scope_id.as_deref().unwrap_or_default()));
    let auth = match kind.as_str() {
        "secret" => DeviceAuth::secret(device_id, device_secret()?),
        "bridge" => DeviceAuth::bridge(device_id, device_secret()?),
        "bootstrap_group_secret" => DeviceAuth::bootstrap_group_secret(
            device_id,
            &check_iotda(GroupSecret::new(
                group_secret.as_deref().unwrap_or_default(),
            ))?,
            scope()?,
        ),
        "bootstrap_certificate" => DeviceAuth::bootstrap_certificate(device_id, scope()?),
        "certificate" => DeviceAuth::certificate(device_id),
        _ => {
            return Err(invalid_argument(&format!(
                "{what}.kind: unknown identity kind"
            )));
        }
    };
    Ok((auth.with_sig_type(sig), kind == "bootstrap_group_secret"))
}

/// The MQTT login of an IoTDA identity (see `auth_of`) at `utc` (milliseconds since 1970 as
/// `Date.now()` gives, a `Date`, or `YYYY-MM-DDTHH:MM:SSZ`): `{clientId, username, password}`
/// (`password` is `null` for certificate identities), plus `derivedSecret` for a
/// registration-group identity.
///
/// ```js
/// const c = iotdaCredentials({deviceId: "5f1c0d2e_sensor01", secret: "s3cr3t-Key"}, Date.now());
/// ```
#[wasm_bindgen(js_name = iotdaCredentials)]
pub fn iotda_credentials(auth: &JsValue, utc_time: &JsValue) -> Result<JsValue, JsValue> {
    let (auth, group) = auth_of(auth, "auth")?;
    let now = utc(utc_time)?;
    let c = auth.credentials(&now);
    let mut out = Obj::new()
        .set("clientId", c.client_id())
        .set("username", c.username())
        .set("password", crate::js::opt(c.password().map(|p| p.as_str())));
    if let (Some(s), true) = (auth.device_secret(), group) {
        out = out.set("derivedSecret", s.expose());
    }
    Ok(out.build())
}

/// The password for a device `secret` and a `YYYYMMDDHH` timestamp (HMAC-SHA256, or SM3 for
/// `sigType` 2; 0 and 1 both use SHA-256).
#[wasm_bindgen(js_name = computePassword)]
pub fn compute_password(
    secret: &str,
    timestamp: &str,
    #[wasm_bindgen(js_name = sigType)] sig_type: Option<u8>,
) -> Result<String, JsValue> {
    let secret = check_iotda(DeviceSecret::new(secret))?;
    let ts = check_iotda(ConnectTimestamp::parse(timestamp))?;
    let sig = SigType::from_u8(sig_type.unwrap_or(0))
        .ok_or_else(|| invalid_argument("sigType: 0, 1 or 2"))?;
    Ok(iotmqtt::iotda::compute_password(&secret, &ts, sig)
        .as_str()
        .to_owned())
}

/// The system topic that `sys`, `requestId` and `suffix` name.
fn sys_from<'a>(
    name: &str,
    rid: Option<&'a str>,
    suffix: Option<&str>,
) -> Result<SysTopic<'a>, JsValue> {
    SysTopic::from_parts(name, rid, suffix).map_err(|e| {
        let why = match e {
            SysPartsError::UnknownName => "not a system topic name",
            SysPartsError::BadSuffix => "suffix none, gzip, or request_id with a requestId",
            // The core checks the request id first, so a refused suffix with a request id is a
            // request-id topic's; without one, a topic's that takes neither.
            SysPartsError::RequestIdMissing => "needs a requestId and no suffix",
            SysPartsError::SuffixNotTaken if rid.is_some() => "needs a requestId and no suffix",
            _ => "takes neither requestId nor suffix",
        };
        invalid_argument(&format!("topic {name}: {why}"))
    })
}

/// The parts of an IoTDA topic name: `{type, …, direction}` with `type` `device`, `bridge`,
/// `user`, `m2m`, `legacy`, `custom` or `unknown`, and `direction` `up`, `down`, `both` or
/// `null` (see `tests/README.md` §2.5; keys in camelCase: `deviceId`, `requestId`, …).
#[wasm_bindgen(js_name = parseTopic)]
pub fn parse_topic(topic: &str) -> JsValue {
    let t = Topic::parse(topic);
    let out = match &t {
        Topic::Device { device_id, topic }
        | Topic::Bridge {
            device_id, topic, ..
        } => {
            let mut o = match &t {
                Topic::Bridge { bridge_id, .. } => Obj::typed("bridge").set("bridgeId", *bridge_id),
                _ => Obj::typed("device"),
            }
            .set("deviceId", *device_id)
            .set("sys", topic.name());
            if let Some(r) = topic.request_id() {
                o = o.set("requestId", r);
            }
            if let Some(s) = topic.report_suffix() {
                o = o.set("suffix", s.name());
            }
            o
        }
        Topic::User { device_id, name } => Obj::typed("user")
            .set("deviceId", *device_id)
            .set("name", *name),
        Topic::M2m {
            to,
            from,
            request_id,
        } => Obj::typed("m2m")
            .set("to", *to)
            .set("from", *from)
            .set("requestId", *request_id),
        Topic::Legacy { device_id, topic } => Obj::typed("legacy")
            .set("deviceId", *device_id)
            .set("legacy", topic.name()),
        Topic::Custom(s) => Obj::typed("custom").set("topic", *s),
        Topic::Unknown(s) => Obj::typed("unknown").set("topic", *s),
        #[allow(unreachable_patterns)] // `Topic` may grow; a new kind needs a view here
        _ => Obj::typed("unknown").set("topic", topic),
    };
    out.set(
        "direction",
        t.direction()
            .map_or(JsValue::NULL, |d| JsValue::from_str(d.name())),
    )
    .build()
}

/// The topic name for parts as [`parse_topic`] gives them (without `direction`); a topic that
/// breaks an IoTDA rule throws a usage `Error` naming it.
#[wasm_bindgen(js_name = buildTopic)]
pub fn build_topic(parts: &JsValue) -> Result<String, JsValue> {
    let mut f = Fields::new(parts, "topic")?;
    let ty = f.req_str("type")?;
    let topic = match ty.as_str() {
        "device" | "bridge" => {
            let bridge_id = if ty == "bridge" {
                Some(f.req_str("bridgeId")?)
            } else {
                None
            };
            let device_id = f.req_str("deviceId")?;
            let sys = f.req_str("sys")?;
            let rid = f.str("requestId")?;
            let suffix = f.str("suffix")?;
            f.finish()?;
            let sys = sys_from(&sys, rid.as_deref(), suffix.as_deref())?;
            let t = match &bridge_id {
                Some(b) => Topic::Bridge {
                    bridge_id: b,
                    device_id: &device_id,
                    topic: sys,
                },
                None => Topic::Device {
                    device_id: &device_id,
                    topic: sys,
                },
            };
            t.to_topic_string()
        }
        "user" => {
            let (device_id, name) = (f.req_str("deviceId")?, f.req_str("name")?);
            f.finish()?;
            Topic::User {
                device_id: &device_id,
                name: &name,
            }
            .to_topic_string()
        }
        "m2m" => {
            let (to, from, rid) = (
                f.req_str("to")?,
                f.req_str("from")?,
                f.req_str("requestId")?,
            );
            f.finish()?;
            Topic::M2m {
                to: &to,
                from: &from,
                request_id: &rid,
            }
            .to_topic_string()
        }
        "legacy" => {
            let (device_id, legacy) = (f.req_str("deviceId")?, f.req_str("legacy")?);
            f.finish()?;
            let topic = LegacyTopic::from_name(&legacy).ok_or_else(|| {
                invalid_argument(
                    "topic.legacy: data_json, data_binary, command_json or command_binary",
                )
            })?;
            Topic::Legacy {
                device_id: &device_id,
                topic,
            }
            .to_topic_string()
        }
        "custom" | "unknown" => {
            let s = f.req_str("topic")?;
            f.finish()?;
            if ty == "custom" {
                Topic::Custom(&s)
            } else {
                Topic::Unknown(&s)
            }
            .to_topic_string()
        }
        _ => {
            return Err(invalid_argument(
                "topic.type: device, bridge, user, m2m, legacy, custom or unknown",
            ));
        }
    };
    check_iotda(topic)
}
