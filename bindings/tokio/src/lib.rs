//! # iotmqtt-tokio
//!
//! An async MQTT 3.1.1 / 5.0 client for tokio, over the sans-IO [`iotmqtt`] core. The core
//! does all the protocol work (packets, keep-alive, QoS 0/1/2, flow control, the offline
//! queue, reconnect backoff); this crate only moves bytes and time and opens transports when
//! the core asks:
//!
//! ```text
//!   AsyncClient ──commands (bounded)──►┌──────────── driver task ─────────────┐
//!   (clone it)                         │  iotmqtt::client::Client (the core)  │◄──► TCP / TLS / WebSocket
//!   EventStream ◄──events (bounded)────│  a timer, a clock, the credentials   │
//!                                      │  callback                            │
//!                                      └──────────────────────────────────────┘
//! ```
//!
//! - **Transports**: [`Endpoint::tcp`], [`Endpoint::tls`] (rustls: system roots, Mozilla
//!   roots or a CA file; client certificates; SNI; an opt-in to skip the host name check the
//!   way IoTDA's SDKs do), [`Endpoint::ws`] and [`Endpoint::wss`] (subprotocol `mqtt`, binary
//!   frames, any path).
//! - **Reconnect**: when the connection is lost the core starts its backoff timer; on
//!   `ReconnectDue` the driver opens a new transport. Before every CONNECT the credentials
//!   callback ([`Options::credentials`]) is asked for a fresh login. When the core reports a
//!   loss it will not retry (`ConnectionLost` with `reconnect_at: None`), the driver stops.
//! - **API**: [`AsyncClient`] (publish/subscribe/unsubscribe/disconnect as futures that
//!   resolve on the server's acknowledgement) and [`EventStream`] (a `Stream` of [`Event`]s,
//!   bounded, with documented behaviour when the application is slow).
//! - **IoTDA** (feature `iotda`, on by default): [`iotda::IotdaDevice`] drives the core's
//!   sans-IO IoTDA device (credentials from the UTC clock on every attempt, IoTDA's rules,
//!   pacing, typed requests and replies, request correlation, gateway helpers, bootstrap with
//!   the reconnect to the address it returns).
//!
//! ## Example
//!
//! ```no_run
//! use iotmqtt::QoS;
//! use iotmqtt::client::{ClientConfig, Event as Mqtt};
//! use iotmqtt_tokio::{AsyncClient, Endpoint, Event, Options, TlsOptions};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let endpoint = Endpoint::tls("broker.example.com", 8883, TlsOptions::native_roots());
//!     let (client, mut events) = AsyncClient::connect(Options::new(endpoint, ClientConfig::new("sensor-1")))?;
//!     client.subscribe("sensors/+/cmd", QoS::AtLeastOnce).await?;
//!     client.publish("sensors/1/temp", "21.5", QoS::AtLeastOnce, false).await?; // PUBACK received
//!     while let Some(event) = events.recv().await {
//!         match event {
//!             Event::Mqtt(Mqtt::Message(m)) => println!("{} = {:?}", m.topic, m.payload),
//!             Event::Mqtt(Mqtt::ConnectionLost(lost)) => eprintln!("lost: {}", lost.error),
//!             Event::Transport(e) => eprintln!("{e}"),
//!             _ => {}
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! ## Memory
//!
//! Every queue is bounded: commands (`command_capacity`), events (`event_capacity` in the
//! channel plus as many in the driver; QoS 1/2 messages beyond that are bounded by the
//! session's Receive Maximum), the session's own queues (see [`iotmqtt::client::ClientConfig`]),
//! bytes waiting for the transport (64 KiB; the session keeps the rest), and WebSocket
//! messages (the maximum packet size plus 64 KiB). Reads use a stack buffer, so an idle client
//! holds no read buffer, and the TLS and WebSocket handshake state is freed once connected. An
//! idle connected client over TCP costs about 6 KiB of resident memory (`examples/idle_memory.rs`:
//! 5,000 clients against a local mosquitto, release build).

#![forbid(unsafe_code)]

mod client;
mod clock;
mod driver;
mod error;
mod event;
#[cfg(feature = "iotda")]
pub mod iotda;
mod link;
mod options;
mod transport;

pub use client::{AsyncClient, PublishAck, SubscribeAck, UnsubscribeAck};
pub use error::{ConfigError, Error, LoginError, TransportError, TransportErrorKind};
pub use event::{Event, EventStream};
pub use options::{Login, LoginRequest, Options};
pub use transport::{Endpoint, TlsOptions, TlsSetup};
