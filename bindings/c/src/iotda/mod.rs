//! The Huawei Cloud IoTDA profile (feature `iotda`): CONNECT credentials, topics and the
//! device, from `iotmqtt::iotda`. Errors are `IOTMQTT_STATUS_IOTDA` with the core's code
//! (`"invalid_device_id"`, `"invalid_request_id"`, …) in `iotmqtt_last_error`.

mod credentials;
mod device;
mod topics;

pub use credentials::{
    AuthKind, DeviceAuth, TextBuffer, iotmqtt_iotda_compute_password, iotmqtt_iotda_credentials,
    iotmqtt_iotda_derive_device_secret, iotmqtt_iotda_device_secret, iotmqtt_utc_parse,
};
pub use device::*;
pub use topics::{
    Direction, LegacyTopic, ReportSuffix, SysTopic, Topic, TopicType,
    iotmqtt_iotda_downstream_filter, iotmqtt_topic_device, iotmqtt_topic_parse,
    iotmqtt_topic_write,
};
