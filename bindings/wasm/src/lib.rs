//! iotmqtt for the browser and Node (wasm-bindgen): the sans-IO MQTT [`Client`], the Huawei
//! Cloud IoTDA [`IotdaDevice`], the codec (`decode`, `encode`, and `inspect` with the byte range
//! of every field), IoTDA credentials and topics.
//!
//! The binding is thin: it holds one core object, converts values at its edge and maps errors;
//! every protocol decision is the core's. Time comes from the caller — `now` in milliseconds
//! from `performance.now()`, and for the IoTDA login the UTC time from `Date.now()` — and the
//! bytes go over whatever transport the page opens (a `WebSocket` with subprotocol `mqtt`).
//!
//! Errors are JS `Error`s with `kind` (`malformed`, `protocol`, `usage`, `timeout`), `code` (the
//! stable names of `tests/README.md` §9), `reasonCode`, and for malformed bytes `offset` and
//! `rule`.

mod client;
mod device;
mod errors;
mod events;
mod iotda;
mod js;
mod packets;
mod props;
mod protocol;

pub use client::Client;
pub use device::IotdaDevice;
pub use iotda::{build_topic, compute_password, iotda_credentials, parse_topic};
pub use packets::{decode, encode, inspect};
