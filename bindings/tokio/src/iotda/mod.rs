//! A Huawei Cloud IoTDA device on tokio (feature `iotda`).
//!
//! [`IotdaDevice`] is a handle on the core's sans-IO [`iotmqtt::iotda::IotdaDevice`], which
//! holds every IoTDA rule: fresh timestamped credentials on every attempt, the connection rules
//! (keep-alive 30–1200 s, clean session, no Will), QoS ≤ 1 and no retain upstream, the rate limit
//! (50 messages and 1 MB in any second), typed downstream requests and their replies, request
//! correlation with timeouts, gateway helpers and the bootstrap flow. The driver task only
//! moves bytes and time:
//!
//! ```text
//!   IotdaDevice ──commands (under a lock)──►┌───────────── driver task ─────────────┐
//!   (clone it)                              │  iotmqtt::iotda::IotdaDevice (core)   │◄──► TCP / TLS / WebSocket
//!   DeviceEvents ◄──events (bounded)────────│  a timer, a monotonic clock, the UTC  │
//!                                           │  clock for each login                 │
//!                                           └───────────────────────────────────────┘
//! ```
//!
//! It opens a transport when the core wants one (at start, when a reconnect is due, and to the
//! address of a bootstrap answer), passes the UTC time with `handle_connected`, closes the
//! transport when the core is done with it, and stops when the core is idle for good (after
//! [`IotdaDevice::disconnect`], or a refused password, which IoTDA's SDKs do not retry).
//!
//! ```no_run
//! use iotmqtt::iotda::{CommandResponse, DeviceAuth, DeviceEvent, DeviceId, DeviceSecret, ServiceProperties};
//! use iotmqtt_tokio::iotda::{Event, IotdaDevice, IotdaOptions};
//! use iotmqtt_tokio::{Endpoint, TlsOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = DeviceAuth::secret(DeviceId::new("5f1c0d2e_sensor01")?, DeviceSecret::new("s3cr3t-Key")?);
//! let endpoint = Endpoint::tls(
//!     "iot-mqtts.cn-north-4.myhuaweicloud.com",
//!     8883,
//!     TlsOptions::ca_file("iotda-root.pem"),
//! );
//! let (device, mut events) = IotdaDevice::connect(IotdaOptions::new(endpoint, auth))?;
//! // Queued now, sent once connected, paced by the core.
//! device.report_properties(vec![ServiceProperties::new("Battery", serde_json::json!({"level": 80}))])?;
//! let shadow_request = device.get_shadow(None, None)?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         Event::Device(DeviceEvent::Command { request_id, command }) => {
//!             println!("command {:?}", command.command_name);
//!             device.respond_command(&request_id, &CommandResponse::success(None))?;
//!         }
//!         Event::Device(DeviceEvent::Shadow { request_id, response, .. }) if request_id == shadow_request => {
//!             println!("shadow: {} services", response.shadow.len());
//!         }
//!         Event::Transport(e) => eprintln!("{e}"),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod device;
mod driver;
mod event;
mod options;
mod shared;

pub use device::IotdaDevice;
pub use event::{DeviceEvents, Event};
pub use iotmqtt::iotda::DeviceEvent;
pub use options::IotdaOptions;
