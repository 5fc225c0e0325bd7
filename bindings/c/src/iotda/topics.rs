//! IoTDA topics: the core's `Topic` as a flat C struct, its parser and its builder.

use std::ffi::c_char;

use iotmqtt::iotda::{
    DeviceId, Direction as CoreDirection, LegacyTopic as CoreLegacy, ReportSuffix as CoreSuffix,
    SysTopic as CoreSys, Topic as CoreTopic, downstream_filters,
};

use crate::error::{Failure, Status};
use crate::ffi::{FfiResult, cstr, enum_in, guard, in_ref, opt_cstr, out_ptr, write_text};
use crate::types::Str;

/// What kind of topic an `iotmqtt_topic` is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicType {
    /// Under `$oc` (or invalid) but not in the catalogue (`topic`). Cannot be built.
    Unknown = 0,
    /// `$oc/devices/{device_id}/sys/…` (`device_id`, `sys`, `request_id`, `suffix`).
    Device = 1,
    /// `$oc/bridges/{bridge_id}/devices/{device_id}/sys/…` (`bridge_id`, `device_id`, `sys`,
    /// `request_id`, `suffix`).
    Bridge = 2,
    /// `$oc/devices/{device_id}/user/{name}` (`device_id`, `name`).
    User = 3,
    /// `$oc/m2m/to/{to}/from/{from}/request_id={request_id}`.
    M2m = 4,
    /// `/huawei/v1/devices/{device_id}/…` (`device_id`, `legacy`).
    Legacy = 5,
    /// A free custom topic, not under `$oc` (`topic`).
    Custom = 6,
}

/// A system topic: the part after `…/sys/`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysTopic {
    /// Up `messages/up` (report suffix).
    MessagesUp = 0,
    /// Down `messages/down`.
    MessagesDown = 1,
    /// Up `properties/report` (report suffix).
    PropertiesReport = 2,
    /// Up `gateway/sub_devices/properties/report` (report suffix).
    GatewayPropertiesReport = 3,
    /// Down `properties/set/request_id={rid}`.
    PropertiesSet = 4,
    /// Up `properties/set/response/request_id={rid}`.
    PropertiesSetResponse = 5,
    /// Down `properties/get/request_id={rid}`.
    PropertiesGet = 6,
    /// Up `properties/get/response/request_id={rid}`.
    PropertiesGetResponse = 7,
    /// Down `commands/request_id={rid}`.
    Command = 8,
    /// Up `commands/response/request_id={rid}`.
    CommandResponse = 9,
    /// Up `shadow/get/request_id={rid}`.
    ShadowGet = 10,
    /// Down `shadow/get/response/request_id={rid}`.
    ShadowGetResponse = 11,
    /// Up `events/up`.
    EventsUp = 12,
    /// Down `events/down`.
    EventsDown = 13,
    /// Up `bootstrap/up`.
    BootstrapUp = 14,
    /// Down `bootstrap/down`.
    BootstrapDown = 15,
    /// Up `sub_device_manage/messages/up`.
    SubDeviceMessagesUp = 16,
    /// Up, bridge: `login/request_id={rid}`.
    Login = 17,
    /// Down, bridge: `login/response/request_id={rid}`.
    LoginResponse = 18,
    /// Up, bridge: `logout/request_id={rid}`.
    Logout = 19,
    /// Down, bridge: `logout/response/request_id={rid}`.
    LogoutResponse = 20,
    /// Up, bridge: `reset_secret/request_id={rid}`.
    ResetSecret = 21,
    /// Down, bridge: `reset_secret/response/request_id={rid}`.
    ResetSecretResponse = 22,
    /// Down, bridge: `disconnect`.
    Disconnect = 23,
}

/// The optional suffix of the three report topics.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSuffix {
    /// None.
    None = 0,
    /// `?encoding=gzip`.
    Gzip = 1,
    /// `?request_id={request_id}`.
    RequestId = 2,
}

/// The version 3 ("legacy") topics.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyTopic {
    /// Up `data/json`.
    DataJson = 0,
    /// Up `data/binary`.
    DataBinary = 1,
    /// Down `command/json`.
    CommandJson = 2,
    /// Down `command/binary`.
    CommandBinary = 3,
}

/// Who publishes on a topic.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Unknown (an `IOTMQTT_TOPIC_TYPE_UNKNOWN` topic).
    Unknown = 0,
    /// The device publishes.
    Up = 1,
    /// The platform publishes.
    Down = 2,
    /// Either.
    Both = 3,
}

/// Any IoTDA topic as one flat struct: `type` (an `iotmqtt_topic_type`) says which fields are
/// meaningful, the others are zero. `iotmqtt_topic_parse` fills it with spans into the parsed
/// string; `iotmqtt_topic_write` builds the topic it describes.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    /// An `iotmqtt_topic_type`.
    pub r#type: u8,
    /// DEVICE, BRIDGE: an `iotmqtt_sys_topic`.
    pub sys: u8,
    /// The report topics: an `iotmqtt_report_suffix`.
    pub suffix: u8,
    /// LEGACY: an `iotmqtt_legacy_topic`.
    pub legacy: u8,
    /// Out only: an `iotmqtt_direction`.
    pub direction: u8,
    /// DEVICE, BRIDGE, USER, LEGACY: the device id.
    pub device_id: Str,
    /// BRIDGE: the bridge id.
    pub bridge_id: Str,
    /// USER: the custom name.
    pub name: Str,
    /// M2M: the receiving device id.
    pub to: Str,
    /// M2M: the sending device id.
    pub from: Str,
    /// Topics with a request id (and report topics with `IOTMQTT_REPORT_SUFFIX_REQUEST_ID`).
    pub request_id: Str,
    /// CUSTOM, UNKNOWN: the whole topic.
    pub topic: Str,
}

fn direction_out(d: Option<CoreDirection>) -> u8 {
    (match d {
        Some(CoreDirection::Up) => Direction::Up,
        Some(CoreDirection::Down) => Direction::Down,
        Some(CoreDirection::Both) => Direction::Both,
        None => Direction::Unknown,
    }) as u8
}

/// `(sys, suffix, request_id)` of a core system topic; `None` for one this binding does not
/// know yet.
fn sys_out<'a>(s: &CoreSys<'a>) -> Option<(SysTopic, ReportSuffix, Option<&'a str>)> {
    let report = |r: &CoreSuffix<'a>| match *r {
        CoreSuffix::None => (ReportSuffix::None, None),
        CoreSuffix::Gzip => (ReportSuffix::Gzip, None),
        CoreSuffix::RequestId(rid) => (ReportSuffix::RequestId, Some(rid)),
        // A suffix added to the core later.
        #[allow(unreachable_patterns)] // ReportSuffix is exhaustive today
        _ => (ReportSuffix::None, None),
    };
    let none = ReportSuffix::None;
    Some(match *s {
        CoreSys::MessagesUp(r) => {
            let (x, rid) = report(&r);
            (SysTopic::MessagesUp, x, rid)
        }
        CoreSys::PropertiesReport(r) => {
            let (x, rid) = report(&r);
            (SysTopic::PropertiesReport, x, rid)
        }
        CoreSys::GatewayPropertiesReport(r) => {
            let (x, rid) = report(&r);
            (SysTopic::GatewayPropertiesReport, x, rid)
        }
        CoreSys::MessagesDown => (SysTopic::MessagesDown, none, None),
        CoreSys::PropertiesSet { request_id } => (SysTopic::PropertiesSet, none, Some(request_id)),
        CoreSys::PropertiesSetResponse { request_id } => {
            (SysTopic::PropertiesSetResponse, none, Some(request_id))
        }
        CoreSys::PropertiesGet { request_id } => (SysTopic::PropertiesGet, none, Some(request_id)),
        CoreSys::PropertiesGetResponse { request_id } => {
            (SysTopic::PropertiesGetResponse, none, Some(request_id))
        }
        CoreSys::Command { request_id } => (SysTopic::Command, none, Some(request_id)),
        CoreSys::CommandResponse { request_id } => {
            (SysTopic::CommandResponse, none, Some(request_id))
        }
        CoreSys::ShadowGet { request_id } => (SysTopic::ShadowGet, none, Some(request_id)),
        CoreSys::ShadowGetResponse { request_id } => {
            (SysTopic::ShadowGetResponse, none, Some(request_id))
        }
        CoreSys::EventsUp => (SysTopic::EventsUp, none, None),
        CoreSys::EventsDown => (SysTopic::EventsDown, none, None),
        CoreSys::BootstrapUp => (SysTopic::BootstrapUp, none, None),
        CoreSys::BootstrapDown => (SysTopic::BootstrapDown, none, None),
        CoreSys::SubDeviceMessagesUp => (SysTopic::SubDeviceMessagesUp, none, None),
        CoreSys::Login { request_id } => (SysTopic::Login, none, Some(request_id)),
        CoreSys::LoginResponse { request_id } => (SysTopic::LoginResponse, none, Some(request_id)),
        CoreSys::Logout { request_id } => (SysTopic::Logout, none, Some(request_id)),
        CoreSys::LogoutResponse { request_id } => {
            (SysTopic::LogoutResponse, none, Some(request_id))
        }
        CoreSys::ResetSecret { request_id } => (SysTopic::ResetSecret, none, Some(request_id)),
        CoreSys::ResetSecretResponse { request_id } => {
            (SysTopic::ResetSecretResponse, none, Some(request_id))
        }
        CoreSys::Disconnect => (SysTopic::Disconnect, none, None),
        _ => return None,
    })
}

/// The core system topic for `(sys, suffix, request_id)`.
fn sys_in<'a>(sys: u8, suffix: u8, rid: Option<&'a str>) -> FfiResult<CoreSys<'a>> {
    let need = || rid.ok_or_else(|| Failure::null("topic.request_id"));
    let suffix = enum_in(suffix, "topic.suffix", |v| match v {
        0 => Some(ReportSuffix::None),
        1 => Some(ReportSuffix::Gzip),
        2 => Some(ReportSuffix::RequestId),
        _ => None,
    })?;
    let report = || -> FfiResult<CoreSuffix<'a>> {
        Ok(match suffix {
            ReportSuffix::None => CoreSuffix::None,
            ReportSuffix::Gzip => CoreSuffix::Gzip,
            ReportSuffix::RequestId => CoreSuffix::RequestId(need()?),
        })
    };
    let s = SYS_ALL
        .get(usize::from(sys))
        .copied()
        .ok_or_else(|| Failure::invalid("topic.sys", "value out of range"))?;
    Ok(match s {
        SysTopic::MessagesUp => CoreSys::MessagesUp(report()?),
        SysTopic::MessagesDown => CoreSys::MessagesDown,
        SysTopic::PropertiesReport => CoreSys::PropertiesReport(report()?),
        SysTopic::GatewayPropertiesReport => CoreSys::GatewayPropertiesReport(report()?),
        SysTopic::PropertiesSet => CoreSys::PropertiesSet {
            request_id: need()?,
        },
        SysTopic::PropertiesSetResponse => CoreSys::PropertiesSetResponse {
            request_id: need()?,
        },
        SysTopic::PropertiesGet => CoreSys::PropertiesGet {
            request_id: need()?,
        },
        SysTopic::PropertiesGetResponse => CoreSys::PropertiesGetResponse {
            request_id: need()?,
        },
        SysTopic::Command => CoreSys::Command {
            request_id: need()?,
        },
        SysTopic::CommandResponse => CoreSys::CommandResponse {
            request_id: need()?,
        },
        SysTopic::ShadowGet => CoreSys::ShadowGet {
            request_id: need()?,
        },
        SysTopic::ShadowGetResponse => CoreSys::ShadowGetResponse {
            request_id: need()?,
        },
        SysTopic::EventsUp => CoreSys::EventsUp,
        SysTopic::EventsDown => CoreSys::EventsDown,
        SysTopic::BootstrapUp => CoreSys::BootstrapUp,
        SysTopic::BootstrapDown => CoreSys::BootstrapDown,
        SysTopic::SubDeviceMessagesUp => CoreSys::SubDeviceMessagesUp,
        SysTopic::Login => CoreSys::Login {
            request_id: need()?,
        },
        SysTopic::LoginResponse => CoreSys::LoginResponse {
            request_id: need()?,
        },
        SysTopic::Logout => CoreSys::Logout {
            request_id: need()?,
        },
        SysTopic::LogoutResponse => CoreSys::LogoutResponse {
            request_id: need()?,
        },
        SysTopic::ResetSecret => CoreSys::ResetSecret {
            request_id: need()?,
        },
        SysTopic::ResetSecretResponse => CoreSys::ResetSecretResponse {
            request_id: need()?,
        },
        SysTopic::Disconnect => CoreSys::Disconnect,
    })
}

/// Every system topic, by value.
const SYS_ALL: [SysTopic; 24] = [
    SysTopic::MessagesUp,
    SysTopic::MessagesDown,
    SysTopic::PropertiesReport,
    SysTopic::GatewayPropertiesReport,
    SysTopic::PropertiesSet,
    SysTopic::PropertiesSetResponse,
    SysTopic::PropertiesGet,
    SysTopic::PropertiesGetResponse,
    SysTopic::Command,
    SysTopic::CommandResponse,
    SysTopic::ShadowGet,
    SysTopic::ShadowGetResponse,
    SysTopic::EventsUp,
    SysTopic::EventsDown,
    SysTopic::BootstrapUp,
    SysTopic::BootstrapDown,
    SysTopic::SubDeviceMessagesUp,
    SysTopic::Login,
    SysTopic::LoginResponse,
    SysTopic::Logout,
    SysTopic::LogoutResponse,
    SysTopic::ResetSecret,
    SysTopic::ResetSecretResponse,
    SysTopic::Disconnect,
];

fn empty_topic() -> Topic {
    Topic {
        r#type: TopicType::Unknown as u8,
        sys: 0,
        suffix: 0,
        legacy: 0,
        direction: Direction::Unknown as u8,
        device_id: Str::NONE,
        bridge_id: Str::NONE,
        name: Str::NONE,
        to: Str::NONE,
        from: Str::NONE,
        request_id: Str::NONE,
        topic: Str::NONE,
    }
}

/// The C view of a parsed topic; `whole` is the parsed string.
fn topic_out(t: &CoreTopic<'_>, whole: &str) -> Topic {
    let mut out = empty_topic();
    out.direction = direction_out(t.direction());
    let sys = |out: &mut Topic, s: &CoreSys<'_>| match sys_out(s) {
        Some((sys, suffix, rid)) => {
            out.sys = sys as u8;
            out.suffix = suffix as u8;
            out.request_id = Str::opt(rid);
            true
        }
        None => false,
    };
    let known = match *t {
        CoreTopic::Device { device_id, topic } => {
            out.r#type = TopicType::Device as u8;
            out.device_id = Str::of(device_id);
            sys(&mut out, &topic)
        }
        CoreTopic::Bridge {
            bridge_id,
            device_id,
            topic,
        } => {
            out.r#type = TopicType::Bridge as u8;
            out.bridge_id = Str::of(bridge_id);
            out.device_id = Str::of(device_id);
            sys(&mut out, &topic)
        }
        CoreTopic::User { device_id, name } => {
            out.r#type = TopicType::User as u8;
            out.device_id = Str::of(device_id);
            out.name = Str::of(name);
            true
        }
        CoreTopic::M2m {
            to,
            from,
            request_id,
        } => {
            out.r#type = TopicType::M2m as u8;
            out.to = Str::of(to);
            out.from = Str::of(from);
            out.request_id = Str::of(request_id);
            true
        }
        CoreTopic::Legacy { device_id, topic } => {
            out.r#type = TopicType::Legacy as u8;
            out.device_id = Str::of(device_id);
            out.legacy = (match topic {
                CoreLegacy::DataJson => LegacyTopic::DataJson,
                CoreLegacy::DataBinary => LegacyTopic::DataBinary,
                CoreLegacy::CommandJson => LegacyTopic::CommandJson,
                CoreLegacy::CommandBinary => LegacyTopic::CommandBinary,
            }) as u8;
            true
        }
        CoreTopic::Custom(s) => {
            out.r#type = TopicType::Custom as u8;
            out.topic = Str::of(s);
            true
        }
        CoreTopic::Unknown(s) => {
            out.topic = Str::of(s);
            true
        }
        _ => false,
    };
    if !known {
        // A topic kind added to the core after this binding: reported as not catalogued.
        out = empty_topic();
        out.topic = Str::of(whole);
    }
    out
}

/// The core topic `t` describes.
///
/// # Safety
/// `t`'s spans are NULL or valid for `'a`.
unsafe fn topic_in<'a>(t: &Topic) -> FfiResult<CoreTopic<'a>> {
    let text = |s: Str, what| unsafe { s.get(what) }?.ok_or_else(|| Failure::null(what));
    let kind = enum_in(t.r#type, "topic.type", |v| match v {
        0 => Some(TopicType::Unknown),
        1 => Some(TopicType::Device),
        2 => Some(TopicType::Bridge),
        3 => Some(TopicType::User),
        4 => Some(TopicType::M2m),
        5 => Some(TopicType::Legacy),
        6 => Some(TopicType::Custom),
        _ => None,
    })?;
    let rid = unsafe { t.request_id.get("topic.request_id") }?;
    Ok(match kind {
        TopicType::Unknown => CoreTopic::Unknown(unsafe { t.topic.get_or_empty("topic.topic") }?),
        TopicType::Device => CoreTopic::Device {
            device_id: text(t.device_id, "topic.device_id")?,
            topic: sys_in(t.sys, t.suffix, rid)?,
        },
        TopicType::Bridge => CoreTopic::Bridge {
            bridge_id: text(t.bridge_id, "topic.bridge_id")?,
            device_id: text(t.device_id, "topic.device_id")?,
            topic: sys_in(t.sys, t.suffix, rid)?,
        },
        TopicType::User => CoreTopic::User {
            device_id: text(t.device_id, "topic.device_id")?,
            name: text(t.name, "topic.name")?,
        },
        TopicType::M2m => CoreTopic::M2m {
            to: text(t.to, "topic.to")?,
            from: text(t.from, "topic.from")?,
            request_id: rid.ok_or_else(|| Failure::null("topic.request_id"))?,
        },
        TopicType::Legacy => CoreTopic::Legacy {
            device_id: text(t.device_id, "topic.device_id")?,
            topic: enum_in(t.legacy, "topic.legacy", |v| match v {
                0 => Some(CoreLegacy::DataJson),
                1 => Some(CoreLegacy::DataBinary),
                2 => Some(CoreLegacy::CommandJson),
                3 => Some(CoreLegacy::CommandBinary),
                _ => None,
            })?,
        },
        TopicType::Custom => CoreTopic::Custom(text(t.topic, "topic.topic")?),
    })
}

/// Parses any topic into `out` (never fails on the topic itself: what is not catalogued is
/// CUSTOM or UNKNOWN). `out`'s spans point into `topic`: keep it alive while you use them.
///
/// # Safety
/// `topic` is NULL or NUL-terminated; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_topic_parse(topic: *const c_char, out: *mut Topic) -> Status {
    guard(|| {
        let out = unsafe { out_ptr(out, "out") }?;
        let s = unsafe { cstr(topic, "topic") }?;
        out.write(topic_out(&CoreTopic::parse(s), s));
        Ok(())
    })
}

/// Builds the topic `topic` describes, after checking every part (ids, request id, names,
/// catalogue rules, length), NUL-terminated into `buf`; `out_len` receives its length, also when
/// `buf` is too small. A topic IoTDA does not allow is `IOTMQTT_STATUS_IOTDA` with the core's
/// code (`"invalid_user_topic_name"`, `"topic_not_in_catalogue"`, …).
///
/// # Safety
/// `topic` is NULL or valid with spans valid; `buf` is NULL or points to `cap` writable bytes;
/// `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_topic_write(
    topic: *const Topic,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        let t = unsafe { topic_in(in_ref(topic, "topic")?) }?;
        let s = t.to_topic_string()?;
        unsafe { write_text(buf, cap, out_len, &s) }
    })
}

/// Builds the system topic `sys` (an `iotmqtt_sys_topic`) of a directly connected device,
/// NUL-terminated into `buf`. `request_id` is the request id of the topics that carry one
/// (a response echoes the request's), or for the three report topics an optional
/// `?request_id=` suffix; NULL otherwise. `out_len` receives the length, also when `buf` is
/// too small.
///
/// # Safety
/// `device_id` and `request_id` are NULL or NUL-terminated; `buf` is NULL or points to `cap`
/// writable bytes; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_topic_device(
    device_id: *const c_char,
    sys: u8,
    request_id: *const c_char,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        let device_id = unsafe { cstr(device_id, "device_id") }?;
        let rid = unsafe { opt_cstr(request_id, "request_id") }?;
        let is_report = matches!(
            SYS_ALL.get(usize::from(sys)),
            Some(
                SysTopic::MessagesUp
                    | SysTopic::PropertiesReport
                    | SysTopic::GatewayPropertiesReport
            )
        );
        let suffix = if is_report && rid.is_some() {
            ReportSuffix::RequestId
        } else {
            ReportSuffix::None
        };
        let t = CoreTopic::device(device_id, sys_in(sys, suffix as u8, rid)?);
        let s = t.to_topic_string()?;
        unsafe { write_text(buf, cap, out_len, &s) }
    })
}

/// The `index`-th subscription filter that covers the downstream system topics of
/// `device_id` (messages, property set/get, commands, shadow responses, events), e.g.
/// `$oc/devices/{id}/sys/commands/#`; IoTDA delivers them at QoS 0 without a SUBSCRIBE, and at
/// QoS 1 after one. `count` (may be NULL) receives how many filters there are; an `index`
/// beyond them is `IOTMQTT_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `device_id` is NULL or NUL-terminated; `buf` is NULL or points to `cap` writable bytes;
/// `out_len` and `count` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_iotda_downstream_filter(
    device_id: *const c_char,
    index: usize,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    count: *mut usize,
) -> Status {
    guard(|| {
        let id = DeviceId::new(unsafe { cstr(device_id, "device_id") }?)?;
        let filters = downstream_filters(&id);
        if !count.is_null() {
            unsafe { out_ptr(count, "count") }?.write(filters.len());
        }
        let f = filters
            .get(index)
            .ok_or_else(|| Failure::invalid("index", "beyond the last filter"))?;
        unsafe { write_text(buf, cap, out_len, f) }
    })
}
