//! Subscription filters for the downstream system topics.
//!
//! IoTDA subscribes a connected device to its downstream system topics at QoS 0 by itself; an
//! explicit SUBSCRIBE to these filters at QoS 1 is how a device gets them at QoS 1. Request ids
//! cannot be predicted, so their level is replaced by `#` (IOTDA.md §4).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::iotda::ids::DeviceId;

/// The downstream system paths of a directly connected device (`bootstrap/down` is separate:
/// it is only used at the bootstrap endpoint).
const DEVICE_DOWN: [&str; 6] = [
    "messages/down",
    "properties/set/#",
    "properties/get/#",
    "commands/#",
    "shadow/get/response/#",
    "events/down",
];

/// The downstream system paths of the devices behind a bridge (IOTDA.md §6.3).
const BRIDGE_DOWN: [&str; 8] = [
    "login/response/#",
    "logout/response/#",
    "reset_secret/response/#",
    "disconnect",
    "messages/down",
    "commands/#",
    "properties/set/#",
    "properties/get/#",
];

/// The filters that cover every downstream system topic of `device_id`: messages, property
/// set and get, commands, shadow responses and events.
///
/// ```
/// use iotmqtt::iotda::{downstream_filters, DeviceId, SysTopic, Topic};
/// let filters = downstream_filters(&DeviceId::new("dev").unwrap());
/// assert!(filters.contains(&"$oc/devices/dev/sys/commands/#".to_string()));
/// assert_eq!(filters.len(), 6);
/// ```
#[must_use]
pub fn downstream_filters(device_id: &DeviceId) -> Vec<String> {
    DEVICE_DOWN
        .iter()
        .map(|path| format!("$oc/devices/{device_id}/sys/{path}"))
        .collect()
}

/// The filter for the provisioning answer, `$oc/devices/{id}/sys/bootstrap/down`; the SDKs
/// subscribe to it at QoS 0.
#[must_use]
pub fn bootstrap_filter(device_id: &DeviceId) -> String {
    format!("$oc/devices/{device_id}/sys/bootstrap/down")
}

/// The filters that cover every downstream system topic of every device behind `bridge_id`
/// (the device level is `+`).
#[must_use]
pub fn bridge_downstream_filters(bridge_id: &DeviceId) -> Vec<String> {
    BRIDGE_DOWN
        .iter()
        .map(|path| format!("$oc/bridges/{bridge_id}/devices/+/sys/{path}"))
        .collect()
}
