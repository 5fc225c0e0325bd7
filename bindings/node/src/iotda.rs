//! The Huawei Cloud IoTDA profile, namespace `iotda`: connect credentials, topics (parse and
//! build), payloads (read tolerantly, written exactly with the documented limits checked),
//! downstream filters and UTC times.

use iotmqtt::iotda as p;
use iotmqtt::iotda::{
    ConnectTimestamp, DeviceAuth, DeviceId, DeviceSecret, Direction, GroupSecret, JsonPayload,
    LegacyTopic, ScopeId, SigType, SysPartsError, SysTopic, Topic, UtcTime,
};
use napi::bindgen_prelude::{Buffer, Env, JsValue, Object, Unknown, ValueType};
use napi_derive::napi;
use serde_json::Value;

use crate::convert::{BytesArg, bytes_ref, field, int_of, num, required};
use crate::errors::{OrThrow, Result, bad_arg};

/// A device identity from `{kind, deviceId, secret, groupSecret, scopeId, sigType}`.
pub(crate) fn auth_of(env: &Env, obj: &Object<'_>) -> Result<DeviceAuth> {
    let kind: String = required(env, obj, "kind", "auth.kind: the identity kind")?;
    let device_id =
        DeviceId::new(&required::<String>(env, obj, "deviceId", "auth.deviceId")?).or_throw(env)?;
    let s = |key: &str| -> Result<String> { Ok(field::<String>(obj, key)?.unwrap_or_default()) };
    let auth = match kind.as_str() {
        "secret" => DeviceAuth::secret(device_id, DeviceSecret::new(s("secret")?).or_throw(env)?),
        "bridge" => DeviceAuth::bridge(device_id, DeviceSecret::new(s("secret")?).or_throw(env)?),
        "bootstrap_group_secret" => DeviceAuth::bootstrap_group_secret(
            device_id,
            &GroupSecret::new(&s("groupSecret")?).or_throw(env)?,
            ScopeId::new(&s("scopeId")?).or_throw(env)?,
        ),
        "bootstrap_certificate" => DeviceAuth::bootstrap_certificate(
            device_id,
            ScopeId::new(&s("scopeId")?).or_throw(env)?,
        ),
        "certificate" => DeviceAuth::certificate(device_id),
        _ => {
            return Err(bad_arg(
                env,
                "auth.kind: secret, bridge, bootstrap_group_secret, bootstrap_certificate or certificate",
            ));
        }
    };
    Ok(auth.with_sig_type(sig_type(env, field::<f64>(obj, "sigType")?)?))
}

fn sig_type(env: &Env, n: Option<f64>) -> Result<SigType> {
    match n {
        None => Ok(SigType::HmacSha256),
        Some(n) => int_of(n)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(SigType::from_u8)
            .ok_or_else(|| bad_arg(env, "sigType: 0, 1 or 2")),
    }
}

/// A UTC time from a `YYYY-MM-DDTHH:MM:SSZ` string, a `Date` or Unix milliseconds.
pub(crate) fn utc_of(env: &Env, v: &Unknown<'_>) -> Result<UtcTime> {
    if v.get_type()? == ValueType::String {
        let s = v.coerce_to_string()?.into_utf8()?.into_owned()?;
        return UtcTime::parse(&s).or_throw(env);
    }
    let ms = v.coerce_to_number()?.get_double()?;
    let ms = int_of(ms.floor()).ok_or_else(|| bad_arg(env, "utc: a time after 1970"))?;
    UtcTime::from_unix_millis(ms).or_throw(env)
}

/// The ClientId, User Name and Password (`null` for certificate identities) an identity
/// connects with at `utc` (a `YYYY-MM-DDTHH:MM:SSZ` string, a `Date` or Unix milliseconds).
#[napi(
    namespace = "iotda",
    ts_args_type = "auth: DeviceAuth, utc: string | number | Date",
    ts_return_type = "{ clientId: string; username: string; password: string | null }"
)]
pub fn credentials<'e>(env: &'e Env, auth: Object<'_>, utc: Unknown<'_>) -> Result<Object<'e>> {
    let auth = auth_of(env, &auth)?;
    let c = auth.credentials(&utc_of(env, &utc)?);
    let mut o = Object::new(env)?;
    o.set("clientId", c.client_id())?;
    o.set("username", c.username())?;
    o.set("password", c.password().map(|p| p.as_str()))?;
    Ok(o)
}

/// The password for `secret` at a `YYYYMMDDHH` timestamp (HMAC-SHA256, or SM3 for sig type 2).
#[napi(namespace = "iotda")]
pub fn compute_password(
    env: &Env,
    secret: String,
    timestamp: String,
    sig_type_n: Option<f64>,
) -> Result<String> {
    let secret = DeviceSecret::new(secret).or_throw(env)?;
    let ts = ConnectTimestamp::parse(&timestamp).or_throw(env)?;
    Ok(
        p::compute_password(&secret, &ts, sig_type(env, sig_type_n)?)
            .as_str()
            .to_string(),
    )
}

/// The device secret an identity signs with: the one given, the one derived from a group
/// secret, or `null` for certificate identities.
#[napi(namespace = "iotda", ts_args_type = "auth: DeviceAuth")]
pub fn device_secret(env: &Env, auth: Object<'_>) -> Result<Option<String>> {
    Ok(auth_of(env, &auth)?
        .device_secret()
        .map(|s| s.expose().to_string()))
}

/// Unix milliseconds of a `YYYY-MM-DDTHH:MM:SSZ` (or `.sssZ`) time.
#[napi(namespace = "iotda")]
pub fn parse_utc(env: &Env, utc: String) -> Result<f64> {
    Ok(num(UtcTime::parse(&utc).or_throw(env)?.unix_millis()))
}

/// The topic filters a device subscribes to for its downstream system topics.
#[napi(namespace = "iotda")]
pub fn downstream_filters(env: &Env, device_id: String) -> Result<Vec<String>> {
    Ok(p::downstream_filters(
        &DeviceId::new(&device_id).or_throw(env)?,
    ))
}

/// The `bootstrap/down` filter of a device.
#[napi(namespace = "iotda")]
pub fn bootstrap_filter(env: &Env, device_id: String) -> Result<String> {
    Ok(p::bootstrap_filter(
        &DeviceId::new(&device_id).or_throw(env)?,
    ))
}

/// The downstream filters of a bridge.
#[napi(namespace = "iotda")]
pub fn bridge_downstream_filters(env: &Env, bridge_id: String) -> Result<Vec<String>> {
    Ok(p::bridge_downstream_filters(
        &DeviceId::new(&bridge_id).or_throw(env)?,
    ))
}

// ---------------------------------------------------------------- topics

/// The system topic a topic object's `sys`, `requestId` and `suffix` name.
fn sys_of<'a>(
    env: &Env,
    name: &str,
    rid: Option<&'a str>,
    suffix: Option<&str>,
) -> Result<SysTopic<'a>> {
    SysTopic::from_parts(name, rid, suffix).map_err(|e| {
        bad_arg(
            env,
            match e {
                SysPartsError::UnknownName => "sys: an IoTDA system topic name",
                SysPartsError::RequestIdMissing => "requestId: this topic needs one",
                SysPartsError::BadSuffix => "suffix: none, gzip, or request_id with a requestId",
                // The core checks the request id first, so a refused suffix with a request id
                // is a request-id topic's; without one, a topic's that takes neither.
                SysPartsError::SuffixNotTaken if rid.is_some() => "sys: this topic takes no suffix",
                _ => "sys: this topic takes neither requestId nor suffix",
            },
        )
    })
}

/// What a topic is, as a plain object (`{type, …fields, direction}`).
fn topic_to_js<'e>(env: &'e Env, t: &Topic<'_>) -> Result<Object<'e>> {
    let mut o = Object::new(env)?;
    match t {
        Topic::Device { device_id, topic }
        | Topic::Bridge {
            device_id, topic, ..
        } => {
            if let Topic::Bridge { bridge_id, .. } = t {
                o.set("type", "bridge")?;
                o.set("bridgeId", *bridge_id)?;
            } else {
                o.set("type", "device")?;
            }
            o.set("deviceId", *device_id)?;
            o.set("sys", topic.name())?;
            if let Some(r) = topic.request_id() {
                o.set("requestId", r)?;
            }
            if let Some(s) = topic.report_suffix() {
                o.set("suffix", s.name())?;
            }
        }
        Topic::User { device_id, name } => {
            o.set("type", "user")?;
            o.set("deviceId", *device_id)?;
            o.set("name", *name)?;
        }
        Topic::M2m {
            to,
            from,
            request_id,
        } => {
            o.set("type", "m2m")?;
            o.set("to", *to)?;
            o.set("from", *from)?;
            o.set("requestId", *request_id)?;
        }
        Topic::Legacy { device_id, topic } => {
            o.set("type", "legacy")?;
            o.set("deviceId", *device_id)?;
            o.set("legacy", topic.name())?;
        }
        Topic::Custom(s) => {
            o.set("type", "custom")?;
            o.set("topic", *s)?;
        }
        Topic::Unknown(s) => {
            o.set("type", "unknown")?;
            o.set("topic", *s)?;
        }
        // `Topic` is non-exhaustive; anything newer reads as unknown.
        _ => o.set("type", "unknown")?,
    }
    o.set("direction", t.direction().map(Direction::name))?;
    Ok(o)
}

/// What an MQTT topic name is in IoTDA's catalogue: `{type: "device", deviceId, sys,
/// requestId?, suffix?, direction}`, `bridge`, `user`, `m2m`, `legacy`, `custom` or `unknown`.
#[napi(namespace = "iotda", ts_return_type = "TopicView")]
pub fn parse_topic<'e>(env: &'e Env, topic: String) -> Result<Object<'e>> {
    topic_to_js(env, &Topic::parse(&topic))
}

/// The topic name of a topic object (as `parseTopic` returns; `direction` is ignored). A topic
/// that breaks a catalogue rule throws (e.g. `invalid_topic_device_id`).
#[napi(namespace = "iotda", ts_args_type = "topic: TopicInput")]
pub fn build_topic(env: &Env, topic: Object<'_>) -> Result<String> {
    let ty: String = required(env, &topic, "type", "type: a topic type")?;
    let s = |k: &str| -> Result<String> { Ok(field::<String>(&topic, k)?.unwrap_or_default()) };
    let (device_id, bridge_id, name) = (s("deviceId")?, s("bridgeId")?, s("name")?);
    let (to, from, t) = (s("to")?, s("from")?, s("topic")?);
    let rid: Option<String> = field(&topic, "requestId")?;
    let suffix: Option<String> = field(&topic, "suffix")?;
    let sys_name: Option<String> = field(&topic, "sys")?;
    let legacy: Option<String> = field(&topic, "legacy")?;
    let sys = || {
        sys_of(
            env,
            sys_name.as_deref().unwrap_or(""),
            rid.as_deref(),
            suffix.as_deref(),
        )
    };
    let built = match ty.as_str() {
        "device" => Topic::Device {
            device_id: &device_id,
            topic: sys()?,
        },
        "bridge" => Topic::Bridge {
            bridge_id: &bridge_id,
            device_id: &device_id,
            topic: sys()?,
        },
        "user" => Topic::User {
            device_id: &device_id,
            name: &name,
        },
        "m2m" => Topic::M2m {
            to: &to,
            from: &from,
            request_id: rid.as_deref().unwrap_or(""),
        },
        "legacy" => Topic::Legacy {
            device_id: &device_id,
            topic: legacy
                .as_deref()
                .and_then(LegacyTopic::from_name)
                .ok_or_else(|| {
                    bad_arg(
                        env,
                        "legacy: data_json, data_binary, command_json or command_binary",
                    )
                })?,
        },
        "custom" => Topic::Custom(&t),
        "unknown" => Topic::Unknown(&t),
        _ => {
            return Err(bad_arg(
                env,
                "type: device, bridge, user, m2m, legacy, custom or unknown",
            ));
        }
    };
    built.to_topic_string().or_throw(env)
}

// ---------------------------------------------------------------- payloads

macro_rules! payload_kinds {
    ($($name:literal => $ty:ty,)+) => {
        /// Names of the payload schemas `parsePayload` and `serializePayload` know.
        pub(crate) const PAYLOAD_KINDS: &[&str] = &[$($name),+];

        fn parse_kind(kind: &str, bytes: &[u8]) -> Option<core::result::Result<Value, iotmqtt::Error>> {
            Some(match kind {
                $($name => <$ty as JsonPayload>::from_json(bytes)
                    .and_then(|v| serde_json::to_value(&v).map_err(Into::into))
                    .map_err(iotmqtt::Error::from),)+
                _ => return None,
            })
        }

        fn serialize_kind(kind: &str, value: Value) -> Option<core::result::Result<Vec<u8>, iotmqtt::Error>> {
            Some(match kind {
                $($name => serde_json::from_value::<$ty>(value)
                    .map_err(p::IotdaError::from)
                    .and_then(|v| v.to_json())
                    .map_err(iotmqtt::Error::from),)+
                _ => return None,
            })
        }
    };
}

payload_kinds! {
    "properties_report" => p::PropertiesReport,
    "gateway_properties_report" => p::GatewayPropertiesReport,
    "service_properties" => p::ServiceProperties,
    "device_properties" => p::DeviceProperties,
    "properties_set_request" => p::PropertiesSetRequest,
    "properties_set_response" => p::PropertiesSetResponse,
    "properties_get_request" => p::PropertiesGetRequest,
    "properties_get_response" => p::PropertiesGetResponse,
    "command_request" => p::CommandRequest,
    "command_response" => p::CommandResponse,
    "device_message" => p::DeviceMessage,
    "shadow_get_request" => p::ShadowGetRequest,
    "shadow_get_response" => p::ShadowGetResponse,
    "events_message" => p::EventsMessage,
    "time_sync_request" => p::TimeSyncRequest,
    "time_sync_response" => p::TimeSyncResponse,
    "new_sub_device" => p::NewSubDevice,
    "add_sub_devices" => p::AddSubDevices,
    "add_sub_devices_response" => p::AddSubDevicesResponse,
    "delete_sub_devices" => p::DeleteSubDevices,
    "delete_sub_devices_response" => p::DeleteSubDevicesResponse,
    "sub_devices_added" => p::SubDevicesAdded,
    "sub_devices_deleted" => p::SubDevicesDeleted,
    "sub_device_sync" => p::SubDeviceSync,
    "sub_device_statuses" => p::SubDeviceStatuses,
    "sub_device_statuses_response" => p::SubDeviceStatusesResponse,
    "bootstrap_request" => p::BootstrapRequest,
    "bootstrap_answer" => p::BootstrapAnswer,
    "bootstrap_failure" => p::BootstrapFailure,
    "bridge_login" => p::BridgeLogin,
    "bridge_reset_secret" => p::BridgeResetSecret,
    "file_request" => p::FileRequest,
    "file_url" => p::FileUrl,
    "file_result" => p::FileResult,
    "legacy_data_report" => p::LegacyDataReport,
    "legacy_command_reply" => p::LegacyCommandReply,
    "ota_task" => p::OtaTask,
    "version_report" => p::VersionReport,
    "upgrade_info" => p::UpgradeInfo,
    "upgrade_info_v2" => p::UpgradeInfoV2,
    "upgrade_progress" => p::UpgradeProgress,
    "sdk_info" => p::SdkInfo,
    "log_config" => p::LogConfig,
    "log_report" => p::LogReport,
    "tunnel_notify" => p::TunnelNotify,
    "config_update" => p::ConfigUpdate,
    "config_update_response" => p::ConfigUpdateResponse,
    "opaque_paras" => p::OpaqueParas,
}

/// The payload schemas `parsePayload` and `serializePayload` know, by name.
#[napi(namespace = "iotda")]
pub fn payload_kinds() -> Vec<&'static str> {
    PAYLOAD_KINDS.to_vec()
}

/// Reads a JSON payload of schema `kind` the way IoTDA's peers write it (unknown fields
/// ignored, `null` as absent, numbers sent as strings accepted) and returns it normalised.
/// Bad JSON throws `invalid_json` (with line and column only, never the input).
#[napi(
    namespace = "iotda",
    ts_args_type = "kind: PayloadKind, payload: string | Uint8Array",
    ts_return_type = "any"
)]
pub fn parse_payload(env: &Env, kind: String, payload: BytesArg) -> Result<Value> {
    parse_kind(&kind, bytes_ref(&payload))
        .ok_or_else(|| bad_arg(env, "kind: a payload schema name (iotda.payloadKinds())"))?
        .or_throw(env)
}

/// The exact JSON bytes of a payload object of schema `kind`, after checking IoTDA's
/// documented limits (`invalid_payload` names the one broken).
#[napi(namespace = "iotda", ts_args_type = "kind: PayloadKind, value: any")]
pub fn serialize_payload(env: &Env, kind: String, value: Value) -> Result<Buffer> {
    serialize_kind(&kind, value)
        .ok_or_else(|| bad_arg(env, "kind: a payload schema name (iotda.payloadKinds())"))?
        .or_throw(env)
        .map(Buffer::from)
}
