//! The Huawei Cloud IoTDA profile: credentials, topics, payload records and the device.

pub(crate) mod credentials;
pub(crate) mod device;
pub(crate) mod payloads;
pub(crate) mod topics;
