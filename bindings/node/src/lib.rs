//! The Node.js binding of iotmqtt: the sans-IO MQTT 3.1.1/5.0 core (`Client`, the codec) and
//! the Huawei Cloud IoTDA profile (`IotdaDevice`, credentials, topics, payloads), built with
//! napi-rs. It holds core objects, converts types at the edge and maps errors; it has no
//! protocol logic of its own. The JavaScript package (socket driver, EventEmitter, async
//! iterator) is `node/` at the repository root.

// The modules with exports are public: napi registers them when Node loads the addon, so
// nothing in Rust calls them.
pub mod client;
mod config;
mod convert;
pub mod device;
mod errors;
mod events;
pub mod iotda;
pub mod packets;
mod props;
