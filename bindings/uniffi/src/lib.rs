//! # iotmqtt-uniffi
//!
//! Kotlin and Swift bindings for the iotmqtt sans-IO MQTT 3.1.1/5.0 core and its Huawei Cloud
//! IoTDA device, made with uniffi proc-macros (no UDL). The binding stays thin: every object
//! holds one core object behind a `Mutex` (uniffi objects are shared and take `&self`), every
//! record is a copy of a core type, and every error is the core's taxonomy
//! ([`IotMqttError`]: kind, stable `code`, `reason_code`, a message without secrets). There is
//! no parser, timer, retry policy or topic rule here.
//!
//! | area | items |
//! |---|---|
//! | codec | [`decode`], [`encode`], [`Packet`], [`Property`] |
//! | client session | [`Client`], [`ClientConfig`] ([`default_client_config`]), [`Event`] |
//! | IoTDA credentials | [`DeviceAuth`], [`IotdaCredentials`], [`compute_password`], [`parse_utc_time`] |
//! | IoTDA topics | [`Topic`], [`parse_topic`], [`build_topic`], [`topic_direction`] |
//! | IoTDA payloads | records such as [`CommandRequest`] and `*_from_json` / `*_to_json` |
//! | IoTDA device | [`IotdaDevice`], [`DeviceConfig`] ([`default_device_config`]), [`DeviceEvent`] |
//!
//! Times are `u64` milliseconds: of the driver's monotonic clock for `now_ms`, since the Unix
//! epoch for `utc_ms`. Generate the bindings with the crate's own `uniffi-bindgen` binary
//! (`make kotlin`, `make swift`; see the README).

uniffi::setup_scaffolding!("iotmqtt");

mod client;
mod error;
mod events;
mod iotda;
mod packets;
mod properties;

pub use client::{
    Client, ClientConfig, ClientCredentials, ClientState, ClientStats, ReconnectPolicy,
    RequeuePolicy, WillConfig, default_client_config,
};
pub use error::{ErrorInfo, ErrorKind, IotMqttError, Result};
pub use events::{ConnectedInfo, ConnectionLostInfo, DropReason, Event, MqttMessage, UserProperty};
pub use iotda::credentials::{
    DeviceAuth, IotdaCredentials, SigType, compute_password, parse_utc_time,
};
pub use iotda::device::{
    DeviceConfig, DeviceEvent, InputProblem, IotdaDevice, PendingRequest, RequestKind,
    default_device_config,
};
pub use iotda::payloads::*;
pub use iotda::topics::{
    Direction, LegacyTopic, ReportSuffix, SysTopic, Topic, build_topic, parse_topic,
    topic_direction,
};
pub use packets::{Decoded, Packet, Subscription, Will, decode, encode};
pub use properties::{Property, ProtocolVersion, QoS, RetainHandling};
