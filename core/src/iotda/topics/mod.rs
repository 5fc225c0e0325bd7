//! IoTDA topics (IOTDA.md §4, §6): one typed [`Topic`] that builds every catalogued topic and
//! that [`Topic::parse`] returns for any incoming topic, borrowing from it.

mod catalogue;
mod filters;
mod parse;
mod parts;

use alloc::string::String;

pub use filters::{bootstrap_filter, bridge_downstream_filters, downstream_filters};

use self::catalogue::{Param, Value, row_of};
use super::error::{IotdaError, TopicError};
use super::ids::check_device_id;
use super::limits::{MAX_CUSTOM_TOPIC_LEN, MAX_USER_TOPIC_NAME_LEN};

/// Who publishes on a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The device publishes, the platform receives.
    Up,
    /// The platform publishes, the device receives.
    Down,
    /// Either side (custom topics).
    Both,
}

impl Direction {
    /// The name the bindings use: `up`, `down`, `both`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Both => "both",
        }
    }
}

/// The optional suffix of a report topic (messages/up, properties/report, gateway batch report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReportSuffix<'a> {
    /// No suffix: the platform generates a request id.
    #[default]
    None,
    /// `?request_id={rid}` (messages/up and properties/report only). When parsing, the id is
    /// everything after `request_id=`.
    RequestId(&'a str),
    /// `?encoding=gzip`: the payload is gzip-compressed (C and Java SDKs).
    Gzip,
}

/// A system topic: the part after `$oc/devices/{id}/sys/` (or the bridge equivalent).
///
/// Request ids are opaque: on downstream requests the platform makes them up and the response
/// must echo them exactly; when parsing, the id is everything after `request_id=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SysTopic<'a> {
    /// Up: `messages/up` — a free-form message.
    MessagesUp(ReportSuffix<'a>),
    /// Down: `messages/down` — a free-form message to the device.
    MessagesDown,
    /// Up: `properties/report`.
    PropertiesReport(ReportSuffix<'a>),
    /// Up: `gateway/sub_devices/properties/report` — a gateway's batch report (no
    /// `?request_id=` suffix is documented for it).
    GatewayPropertiesReport(ReportSuffix<'a>),
    /// Down: `properties/set/request_id={rid}`.
    PropertiesSet {
        /// The request id.
        request_id: &'a str,
    },
    /// Up: `properties/set/response/request_id={rid}`.
    PropertiesSetResponse {
        /// The request id of the set request.
        request_id: &'a str,
    },
    /// Down: `properties/get/request_id={rid}`.
    PropertiesGet {
        /// The request id.
        request_id: &'a str,
    },
    /// Up: `properties/get/response/request_id={rid}`.
    PropertiesGetResponse {
        /// The request id of the get request.
        request_id: &'a str,
    },
    /// Down: `commands/request_id={rid}` (the id is the application's `command_id`).
    Command {
        /// The request id.
        request_id: &'a str,
    },
    /// Up: `commands/response/request_id={rid}`.
    CommandResponse {
        /// The request id of the command.
        request_id: &'a str,
    },
    /// Up: `shadow/get/request_id={rid}` — the device asks for its shadow (the device picks
    /// the id).
    ShadowGet {
        /// The request id.
        request_id: &'a str,
    },
    /// Down: `shadow/get/response/request_id={rid}`.
    ShadowGetResponse {
        /// The request id of the shadow request.
        request_id: &'a str,
    },
    /// Up: `events/up` — every system event from the device.
    EventsUp,
    /// Down: `events/down` — every system event to the device.
    EventsDown,
    /// Up: `bootstrap/up` — a provisioning request (bootstrap endpoint).
    BootstrapUp,
    /// Down: `bootstrap/down` — the provisioning answer (subscribe explicitly).
    BootstrapDown,
    /// Up: `sub_device_manage/messages/up` — deprecated C SDK gateway messages.
    SubDeviceMessagesUp,
    /// Up, bridge only: `login/request_id={rid}`.
    Login {
        /// The request id.
        request_id: &'a str,
    },
    /// Down, bridge only: `login/response/request_id={rid}`.
    LoginResponse {
        /// The request id of the login.
        request_id: &'a str,
    },
    /// Up, bridge only: `logout/request_id={rid}`.
    Logout {
        /// The request id.
        request_id: &'a str,
    },
    /// Down, bridge only: `logout/response/request_id={rid}`.
    LogoutResponse {
        /// The request id of the logout.
        request_id: &'a str,
    },
    /// Up, bridge only: `reset_secret/request_id={rid}`.
    ResetSecret {
        /// The request id.
        request_id: &'a str,
    },
    /// Down, bridge only: `reset_secret/response/request_id={rid}`.
    ResetSecretResponse {
        /// The request id of the reset.
        request_id: &'a str,
    },
    /// Down, bridge only: `disconnect` — the platform disconnects the device behind the bridge.
    Disconnect,
}

impl<'a> SysTopic<'a> {
    /// Who publishes on this topic.
    #[must_use]
    pub fn direction(&self) -> Direction {
        row_of(self.split().0).map_or(Direction::Both, |r| r.direction)
    }

    /// The request id, when the topic carries one.
    #[must_use]
    pub fn request_id(&self) -> Option<&'a str> {
        match self.split().1 {
            Value::RequestId(rid) | Value::Report(ReportSuffix::RequestId(rid)) => Some(rid),
            _ => None,
        }
    }
}

/// The version 3 ("legacy") topics still in the C and Java SDKs (IOTDA.md §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyTopic {
    /// Up: `/huawei/v1/devices/{id}/data/json`.
    DataJson,
    /// Up: `/huawei/v1/devices/{id}/data/binary`.
    DataBinary,
    /// Down: `/huawei/v1/devices/{id}/command/json`.
    CommandJson,
    /// Down: `/huawei/v1/devices/{id}/command/binary`.
    CommandBinary,
}

impl LegacyTopic {
    const ALL: [LegacyTopic; 4] = [
        LegacyTopic::DataJson,
        LegacyTopic::DataBinary,
        LegacyTopic::CommandJson,
        LegacyTopic::CommandBinary,
    ];

    /// The name the bindings use: `data_json`, `data_binary`, `command_json`,
    /// `command_binary`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            LegacyTopic::DataJson => "data_json",
            LegacyTopic::DataBinary => "data_binary",
            LegacyTopic::CommandJson => "command_json",
            LegacyTopic::CommandBinary => "command_binary",
        }
    }

    /// The topic of a [`name`](Self::name), or `None`.
    ///
    /// ```
    /// use iotmqtt::iotda::LegacyTopic;
    /// assert_eq!(LegacyTopic::from_name("data_json"), Some(LegacyTopic::DataJson));
    /// assert_eq!(LegacyTopic::from_name(LegacyTopic::CommandBinary.name()), Some(LegacyTopic::CommandBinary));
    /// assert_eq!(LegacyTopic::from_name("data/json"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<LegacyTopic> {
        LegacyTopic::ALL.into_iter().find(|t| t.name() == name)
    }

    const fn path(self) -> &'static str {
        match self {
            LegacyTopic::DataJson => "data/json",
            LegacyTopic::DataBinary => "data/binary",
            LegacyTopic::CommandJson => "command/json",
            LegacyTopic::CommandBinary => "command/binary",
        }
    }
}

/// Any IoTDA topic. Build one and [`write`](Topic::write) it, or [`parse`](Topic::parse) an
/// incoming topic into one.
///
/// ```
/// use iotmqtt::iotda::{SysTopic, Topic};
/// // The platform sends a command …
/// let incoming = Topic::parse("$oc/devices/dev_1/sys/commands/request_id=42ab");
/// let Topic::Device { device_id, topic: SysTopic::Command { request_id } } = incoming else {
///     panic!("{incoming:?}");
/// };
/// // … and the device answers on the response topic with the same request id.
/// let reply = Topic::Device { device_id, topic: SysTopic::CommandResponse { request_id } };
/// assert_eq!(
///     reply.to_topic_string().unwrap(),
///     "$oc/devices/dev_1/sys/commands/response/request_id=42ab"
/// );
/// assert!(matches!(Topic::parse("$oc/devices/dev_1/sys/nope"), Topic::Unknown(_)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Topic<'a> {
    /// `$oc/devices/{device_id}/sys/…`: a system topic of a directly connected device (for a
    /// gateway, the gateway's id; children are named in the payload).
    Device {
        /// The device id.
        device_id: &'a str,
        /// The system topic.
        topic: SysTopic<'a>,
    },
    /// `$oc/bridges/{bridge_id}/devices/{device_id}/sys/…`: a device behind a bridge.
    Bridge {
        /// The bridge id.
        bridge_id: &'a str,
        /// The device id.
        device_id: &'a str,
        /// The system topic.
        topic: SysTopic<'a>,
    },
    /// `$oc/devices/{device_id}/user/{name}`: a custom topic declared in the product.
    User {
        /// The device id.
        device_id: &'a str,
        /// The name: 1–64 characters of `[A-Za-z0-9_/]`, no leading `/`, no `//`.
        name: &'a str,
    },
    /// `$oc/m2m/to/{to}/from/{from}/request_id={rid}`: device-to-device through an IoTEdge
    /// node (C SDK), at most 128 bytes.
    M2m {
        /// The receiving device id.
        to: &'a str,
        /// The sending device id.
        from: &'a str,
        /// The request id.
        request_id: &'a str,
    },
    /// `/huawei/v1/devices/{device_id}/…`: the version 3 interface.
    Legacy {
        /// The device id.
        device_id: &'a str,
        /// Which legacy topic.
        topic: LegacyTopic,
    },
    /// A free custom topic (not under `$oc`): 1–128 bytes, governed by device topic policies.
    Custom(&'a str),
    /// A topic under `$oc` (or an over-long or otherwise invalid one) that is not in the
    /// catalogue.
    Unknown(&'a str),
}

/// Longest MQTT topic, in bytes.
const MAX_TOPIC_LEN: usize = u16::MAX as usize;

/// Checks a request id for building: non-empty, no `+`, `#` or U+0000.
pub(crate) fn check_request_id(rid: &str) -> Result<(), TopicError> {
    if rid.is_empty() || rid.contains(['+', '#', '\0']) {
        return Err(TopicError::RequestId);
    }
    Ok(())
}

/// Checks a `$oc/devices/{id}/user/{name}` name.
pub(crate) fn check_user_topic_name(name: &str) -> Result<(), TopicError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_USER_TOPIC_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'/')
        && !name.starts_with('/')
        && !name.contains("//");
    if ok {
        Ok(())
    } else {
        Err(TopicError::UserTopicName)
    }
}

/// Checks a free custom topic: 1–128 bytes, not under `$oc`, no wildcard or U+0000.
pub(crate) fn check_custom_topic(topic: &str) -> Result<(), TopicError> {
    let ok = !topic.is_empty()
        && topic.len() <= MAX_CUSTOM_TOPIC_LEN
        && !topic.starts_with("$oc")
        && !topic.contains(['+', '#', '\0']);
    if ok {
        Ok(())
    } else {
        Err(TopicError::CustomTopic)
    }
}

fn id(device_id: &str) -> Result<&str, TopicError> {
    check_device_id(device_id).map_err(TopicError::DeviceId)?;
    Ok(device_id)
}

impl<'a> Topic<'a> {
    /// A system topic of a directly connected device.
    #[must_use]
    pub const fn device(device_id: &'a str, topic: SysTopic<'a>) -> Self {
        Topic::Device { device_id, topic }
    }

    /// Parses any topic. Never fails: what is not in the catalogue is [`Topic::Custom`] or
    /// [`Topic::Unknown`]. Whatever parses into another variant writes back to the same string.
    #[must_use]
    pub fn parse(topic: &'a str) -> Self {
        parse::parse(topic)
    }

    /// Appends the topic to `out`, after checking every part (ids, request id, custom names,
    /// catalogue rules, length). On error `out` is left as it was.
    ///
    /// ```
    /// use iotmqtt::iotda::{IotdaError, ReportSuffix, SysTopic, Topic, TopicError};
    /// let mut out = String::new();
    /// Topic::device("dev", SysTopic::PropertiesReport(ReportSuffix::Gzip)).write(&mut out).unwrap();
    /// assert_eq!(out, "$oc/devices/dev/sys/properties/report?encoding=gzip");
    /// let bad = Topic::User { device_id: "dev", name: "a//b" };
    /// assert_eq!(bad.write(&mut out), Err(IotdaError::InvalidTopic(TopicError::UserTopicName)));
    /// assert_eq!(out, "$oc/devices/dev/sys/properties/report?encoding=gzip");
    /// ```
    pub fn write(&self, out: &mut String) -> Result<(), IotdaError> {
        let start = out.len();
        let written = self.write_inner(out).and_then(|()| {
            let len = out.len().saturating_sub(start);
            let max = match self {
                Topic::M2m { .. } => MAX_CUSTOM_TOPIC_LEN,
                _ => MAX_TOPIC_LEN,
            };
            if len > max {
                Err(TopicError::TooLong { len, max })
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            out.truncate(start);
            return Err(e.into());
        }
        Ok(())
    }

    /// The topic as a new string (see [`Topic::write`]).
    pub fn to_topic_string(&self) -> Result<String, IotdaError> {
        let mut s = String::with_capacity(96);
        self.write(&mut s)?;
        Ok(s)
    }

    fn write_inner(&self, out: &mut String) -> Result<(), TopicError> {
        match *self {
            Topic::Device { device_id, topic } => {
                out.push_str("$oc/devices/");
                out.push_str(id(device_id)?);
                write_sys(out, topic, false)
            }
            Topic::Bridge {
                bridge_id,
                device_id,
                topic,
            } => {
                out.push_str("$oc/bridges/");
                out.push_str(id(bridge_id)?);
                out.push_str("/devices/");
                out.push_str(id(device_id)?);
                write_sys(out, topic, true)
            }
            Topic::User { device_id, name } => {
                check_user_topic_name(name)?;
                out.push_str("$oc/devices/");
                out.push_str(id(device_id)?);
                out.push_str("/user/");
                out.push_str(name);
                Ok(())
            }
            Topic::M2m {
                to,
                from,
                request_id,
            } => {
                check_request_id(request_id)?;
                out.push_str("$oc/m2m/to/");
                out.push_str(id(to)?);
                out.push_str("/from/");
                out.push_str(id(from)?);
                out.push_str("/request_id=");
                out.push_str(request_id);
                Ok(())
            }
            Topic::Legacy { device_id, topic } => {
                out.push_str("/huawei/v1/devices/");
                out.push_str(id(device_id)?);
                out.push('/');
                out.push_str(topic.path());
                Ok(())
            }
            Topic::Custom(topic) => {
                check_custom_topic(topic)?;
                out.push_str(topic);
                Ok(())
            }
            Topic::Unknown(_) => Err(TopicError::NotInCatalogue),
        }
    }

    /// Who publishes on this topic; `None` for [`Topic::Unknown`].
    #[must_use]
    pub fn direction(&self) -> Option<Direction> {
        match self {
            Topic::Device { topic, .. } | Topic::Bridge { topic, .. } => Some(topic.direction()),
            Topic::M2m { .. } => Some(Direction::Up),
            Topic::Legacy { topic, .. } => Some(match topic {
                LegacyTopic::DataJson | LegacyTopic::DataBinary => Direction::Up,
                LegacyTopic::CommandJson | LegacyTopic::CommandBinary => Direction::Down,
            }),
            Topic::User { .. } | Topic::Custom(_) => Some(Direction::Both),
            Topic::Unknown(_) => None,
        }
    }

    /// The request id, when the topic carries one.
    #[must_use]
    pub fn request_id(&self) -> Option<&'a str> {
        match self {
            Topic::Device { topic, .. } | Topic::Bridge { topic, .. } => topic.request_id(),
            Topic::M2m { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// The device id the topic names (the receiver for M2M).
    #[must_use]
    pub fn device_id(&self) -> Option<&'a str> {
        match *self {
            Topic::Device { device_id, .. }
            | Topic::Bridge { device_id, .. }
            | Topic::User { device_id, .. }
            | Topic::Legacy { device_id, .. } => Some(device_id),
            Topic::M2m { to, .. } => Some(to),
            Topic::Custom(_) | Topic::Unknown(_) => None,
        }
    }
}

/// Appends `/sys/{path}{param}` after checking the catalogue allows it here.
fn write_sys(out: &mut String, topic: SysTopic<'_>, bridge: bool) -> Result<(), TopicError> {
    let (kind, value) = topic.split();
    let row = row_of(kind).ok_or(TopicError::NotInCatalogue)?;
    if !row.scope.allows(bridge) {
        return Err(TopicError::NotInCatalogue);
    }
    out.push_str("/sys/");
    out.push_str(row.path);
    match (row.param, value) {
        (Param::None, Value::None) => {}
        (Param::RequestId, Value::RequestId(rid)) => {
            check_request_id(rid)?;
            out.push_str(rid);
        }
        (Param::Report { request_id }, Value::Report(suffix)) => match suffix {
            ReportSuffix::None => {}
            // Bridge reports document no suffix.
            _ if bridge => return Err(TopicError::NotInCatalogue),
            ReportSuffix::Gzip => out.push_str("?encoding=gzip"),
            ReportSuffix::RequestId(rid) if request_id => {
                check_request_id(rid)?;
                out.push_str("?request_id=");
                out.push_str(rid);
            }
            ReportSuffix::RequestId(_) => return Err(TopicError::NotInCatalogue),
        },
        _ => return Err(TopicError::NotInCatalogue),
    }
    Ok(())
}
