//! IoTDA topics: [`Topic`] (every catalogued topic), [`parse_topic`] and [`build_topic`], both
//! the core's `iotmqtt::iotda::Topic`.

use iotmqtt::iotda::{
    self, LegacyTopic as CoreLegacy, ReportSuffix as CoreSuffix, SysTopic as CoreSys,
};

use crate::error::Result;

/// Which way a topic goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Direction {
    /// Device to platform.
    Up,
    /// Platform to device.
    Down,
    /// Either way (custom topics).
    Both,
}

/// The optional tail of the three report topics.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ReportSuffix {
    /// No tail.
    Plain,
    /// `/request_id={request_id}`.
    RequestId {
        /// The request id.
        request_id: String,
    },
    /// `/gzip`: the payload is gzip-compressed.
    Gzip,
}

impl ReportSuffix {
    pub(crate) fn to_core(&self) -> CoreSuffix<'_> {
        match self {
            ReportSuffix::Plain => CoreSuffix::None,
            ReportSuffix::RequestId { request_id } => CoreSuffix::RequestId(request_id),
            ReportSuffix::Gzip => CoreSuffix::Gzip,
        }
    }
}

impl From<CoreSuffix<'_>> for ReportSuffix {
    fn from(s: CoreSuffix<'_>) -> Self {
        match s {
            CoreSuffix::None => ReportSuffix::Plain,
            CoreSuffix::RequestId(r) => ReportSuffix::RequestId {
                request_id: r.into(),
            },
            CoreSuffix::Gzip => ReportSuffix::Gzip,
        }
    }
}

/// A system topic under `$oc/devices/{device_id}/sys/` (IOTDA.md §4).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[allow(missing_docs)] // the core's `SysTopic`, documented there
pub enum SysTopic {
    MessagesUp { suffix: ReportSuffix },
    MessagesDown,
    PropertiesReport { suffix: ReportSuffix },
    GatewayPropertiesReport { suffix: ReportSuffix },
    PropertiesSet { request_id: String },
    PropertiesSetResponse { request_id: String },
    PropertiesGet { request_id: String },
    PropertiesGetResponse { request_id: String },
    Command { request_id: String },
    CommandResponse { request_id: String },
    ShadowGet { request_id: String },
    ShadowGetResponse { request_id: String },
    EventsUp,
    EventsDown,
    BootstrapUp,
    BootstrapDown,
    SubDeviceMessagesUp,
    Login { request_id: String },
    LoginResponse { request_id: String },
    Logout { request_id: String },
    LogoutResponse { request_id: String },
    ResetSecret { request_id: String },
    ResetSecretResponse { request_id: String },
    Disconnect,
}

/// The four legacy (V3) topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[allow(missing_docs)] // the core's `LegacyTopic`, documented there
pub enum LegacyTopic {
    DataJson,
    DataBinary,
    CommandJson,
    CommandBinary,
}

/// Any IoTDA topic.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Topic {
    /// `$oc/devices/{device_id}/sys/…`.
    Device {
        /// The device id.
        device_id: String,
        /// Which system topic.
        topic: SysTopic,
    },
    /// `$oc/bridges/{bridge_id}/devices/{device_id}/sys/…`.
    Bridge {
        /// The bridge id.
        bridge_id: String,
        /// The device id.
        device_id: String,
        /// Which system topic.
        topic: SysTopic,
    },
    /// `$oc/devices/{device_id}/user/{name}`.
    User {
        /// The device id.
        device_id: String,
        /// The custom name.
        name: String,
    },
    /// `$oc/devices/{to}/sys/messages/down?…` device-to-device (M2M).
    M2m {
        /// Target device.
        to: String,
        /// Source device.
        from: String,
        /// Request id.
        request_id: String,
    },
    /// `/huawei/v1/devices/{device_id}/…` (legacy V3).
    Legacy {
        /// The device id.
        device_id: String,
        /// Which one.
        legacy: LegacyTopic,
    },
    /// A custom topic outside `$oc`.
    Custom {
        /// The topic.
        topic: String,
    },
    /// Under `$oc` but not in the catalogue.
    Unknown {
        /// The topic.
        topic: String,
    },
}

fn sys_from_core(t: &CoreSys<'_>) -> Option<SysTopic> {
    let r = |s: &str| String::from(s);
    Some(match *t {
        CoreSys::MessagesUp(s) => SysTopic::MessagesUp { suffix: s.into() },
        CoreSys::MessagesDown => SysTopic::MessagesDown,
        CoreSys::PropertiesReport(s) => SysTopic::PropertiesReport { suffix: s.into() },
        CoreSys::GatewayPropertiesReport(s) => {
            SysTopic::GatewayPropertiesReport { suffix: s.into() }
        }
        CoreSys::PropertiesSet { request_id } => SysTopic::PropertiesSet {
            request_id: r(request_id),
        },
        CoreSys::PropertiesSetResponse { request_id } => SysTopic::PropertiesSetResponse {
            request_id: r(request_id),
        },
        CoreSys::PropertiesGet { request_id } => SysTopic::PropertiesGet {
            request_id: r(request_id),
        },
        CoreSys::PropertiesGetResponse { request_id } => SysTopic::PropertiesGetResponse {
            request_id: r(request_id),
        },
        CoreSys::Command { request_id } => SysTopic::Command {
            request_id: r(request_id),
        },
        CoreSys::CommandResponse { request_id } => SysTopic::CommandResponse {
            request_id: r(request_id),
        },
        CoreSys::ShadowGet { request_id } => SysTopic::ShadowGet {
            request_id: r(request_id),
        },
        CoreSys::ShadowGetResponse { request_id } => SysTopic::ShadowGetResponse {
            request_id: r(request_id),
        },
        CoreSys::EventsUp => SysTopic::EventsUp,
        CoreSys::EventsDown => SysTopic::EventsDown,
        CoreSys::BootstrapUp => SysTopic::BootstrapUp,
        CoreSys::BootstrapDown => SysTopic::BootstrapDown,
        CoreSys::SubDeviceMessagesUp => SysTopic::SubDeviceMessagesUp,
        CoreSys::Login { request_id } => SysTopic::Login {
            request_id: r(request_id),
        },
        CoreSys::LoginResponse { request_id } => SysTopic::LoginResponse {
            request_id: r(request_id),
        },
        CoreSys::Logout { request_id } => SysTopic::Logout {
            request_id: r(request_id),
        },
        CoreSys::LogoutResponse { request_id } => SysTopic::LogoutResponse {
            request_id: r(request_id),
        },
        CoreSys::ResetSecret { request_id } => SysTopic::ResetSecret {
            request_id: r(request_id),
        },
        CoreSys::ResetSecretResponse { request_id } => SysTopic::ResetSecretResponse {
            request_id: r(request_id),
        },
        CoreSys::Disconnect => SysTopic::Disconnect,
        _ => return None,
    })
}

impl SysTopic {
    fn to_core(&self) -> CoreSys<'_> {
        match self {
            SysTopic::MessagesUp { suffix } => CoreSys::MessagesUp(suffix.to_core()),
            SysTopic::MessagesDown => CoreSys::MessagesDown,
            SysTopic::PropertiesReport { suffix } => CoreSys::PropertiesReport(suffix.to_core()),
            SysTopic::GatewayPropertiesReport { suffix } => {
                CoreSys::GatewayPropertiesReport(suffix.to_core())
            }
            SysTopic::PropertiesSet { request_id } => CoreSys::PropertiesSet { request_id },
            SysTopic::PropertiesSetResponse { request_id } => {
                CoreSys::PropertiesSetResponse { request_id }
            }
            SysTopic::PropertiesGet { request_id } => CoreSys::PropertiesGet { request_id },
            SysTopic::PropertiesGetResponse { request_id } => {
                CoreSys::PropertiesGetResponse { request_id }
            }
            SysTopic::Command { request_id } => CoreSys::Command { request_id },
            SysTopic::CommandResponse { request_id } => CoreSys::CommandResponse { request_id },
            SysTopic::ShadowGet { request_id } => CoreSys::ShadowGet { request_id },
            SysTopic::ShadowGetResponse { request_id } => CoreSys::ShadowGetResponse { request_id },
            SysTopic::EventsUp => CoreSys::EventsUp,
            SysTopic::EventsDown => CoreSys::EventsDown,
            SysTopic::BootstrapUp => CoreSys::BootstrapUp,
            SysTopic::BootstrapDown => CoreSys::BootstrapDown,
            SysTopic::SubDeviceMessagesUp => CoreSys::SubDeviceMessagesUp,
            SysTopic::Login { request_id } => CoreSys::Login { request_id },
            SysTopic::LoginResponse { request_id } => CoreSys::LoginResponse { request_id },
            SysTopic::Logout { request_id } => CoreSys::Logout { request_id },
            SysTopic::LogoutResponse { request_id } => CoreSys::LogoutResponse { request_id },
            SysTopic::ResetSecret { request_id } => CoreSys::ResetSecret { request_id },
            SysTopic::ResetSecretResponse { request_id } => {
                CoreSys::ResetSecretResponse { request_id }
            }
            SysTopic::Disconnect => CoreSys::Disconnect,
        }
    }
}

fn legacy_from_core(l: CoreLegacy) -> LegacyTopic {
    match l {
        CoreLegacy::DataJson => LegacyTopic::DataJson,
        CoreLegacy::DataBinary => LegacyTopic::DataBinary,
        CoreLegacy::CommandJson => LegacyTopic::CommandJson,
        CoreLegacy::CommandBinary => LegacyTopic::CommandBinary,
    }
}

fn legacy_to_core(l: LegacyTopic) -> CoreLegacy {
    match l {
        LegacyTopic::DataJson => CoreLegacy::DataJson,
        LegacyTopic::DataBinary => CoreLegacy::DataBinary,
        LegacyTopic::CommandJson => CoreLegacy::CommandJson,
        LegacyTopic::CommandBinary => CoreLegacy::CommandBinary,
    }
}

impl Topic {
    /// The topic the core parsed from `input`; one this binding cannot name yet is `Unknown`.
    fn from_core(t: &iotda::Topic<'_>, input: &str) -> Topic {
        let unknown = || Topic::Unknown {
            topic: input.into(),
        };
        match *t {
            iotda::Topic::Device { device_id, topic } => match sys_from_core(&topic) {
                Some(topic) => Topic::Device {
                    device_id: device_id.into(),
                    topic,
                },
                None => unknown(),
            },
            iotda::Topic::Bridge {
                bridge_id,
                device_id,
                topic,
            } => match sys_from_core(&topic) {
                Some(topic) => Topic::Bridge {
                    bridge_id: bridge_id.into(),
                    device_id: device_id.into(),
                    topic,
                },
                None => unknown(),
            },
            iotda::Topic::User { device_id, name } => Topic::User {
                device_id: device_id.into(),
                name: name.into(),
            },
            iotda::Topic::M2m {
                to,
                from,
                request_id,
            } => Topic::M2m {
                to: to.into(),
                from: from.into(),
                request_id: request_id.into(),
            },
            iotda::Topic::Legacy { device_id, topic } => Topic::Legacy {
                device_id: device_id.into(),
                legacy: legacy_from_core(topic),
            },
            iotda::Topic::Custom(s) => Topic::Custom { topic: s.into() },
            _ => unknown(),
        }
    }

    fn to_core(&self) -> iotda::Topic<'_> {
        match self {
            Topic::Device { device_id, topic } => iotda::Topic::Device {
                device_id,
                topic: topic.to_core(),
            },
            Topic::Bridge {
                bridge_id,
                device_id,
                topic,
            } => iotda::Topic::Bridge {
                bridge_id,
                device_id,
                topic: topic.to_core(),
            },
            Topic::User { device_id, name } => iotda::Topic::User { device_id, name },
            Topic::M2m {
                to,
                from,
                request_id,
            } => iotda::Topic::M2m {
                to,
                from,
                request_id,
            },
            Topic::Legacy { device_id, legacy } => iotda::Topic::Legacy {
                device_id,
                topic: legacy_to_core(*legacy),
            },
            Topic::Custom { topic } => iotda::Topic::Custom(topic),
            Topic::Unknown { topic } => iotda::Topic::Unknown(topic),
        }
    }
}

/// What `topic` is: a system, bridge, `user/`, M2M, legacy or custom topic, or `Unknown`.
#[uniffi::export]
pub fn parse_topic(topic: String) -> Topic {
    Topic::from_core(&iotda::Topic::parse(&topic), &topic)
}

/// The topic string, after the core's checks (ids, request ids, names, length, catalogue).
///
/// # Errors
/// A usage error naming the part: `invalid_topic_device_id`, `invalid_request_id`,
/// `invalid_user_topic_name`, `invalid_custom_topic`, `topic_too_long`,
/// `topic_not_in_catalogue`.
#[uniffi::export]
pub fn build_topic(topic: Topic) -> Result<String> {
    Ok(topic.to_core().to_topic_string()?)
}

/// Which way `topic` goes (none for `Unknown`).
#[uniffi::export]
pub fn topic_direction(topic: Topic) -> Option<Direction> {
    topic.to_core().direction().map(|d| match d {
        iotda::Direction::Up => Direction::Up,
        iotda::Direction::Down => Direction::Down,
        _ => Direction::Both,
    })
}
