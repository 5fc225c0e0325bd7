//! A local MQTT server that behaves like Huawei Cloud IoTDA towards devices, with an HTTP API
//! for the operator and a live log.
//!
//! Start it in-process with [`Emulator::start`] (inside a tokio runtime), or as
//! `iotmqtt emulator --port 0 --http 0 [--ws-port 0] [--tls-port 0 --tls-cert FILE --tls-key
//! FILE [--wss-port 0]] [--registry FILE]`, which prints the ports it bound as its first stdout
//! line, one JSON object:
//!
//! ```text
//! {"mqtt":41883,"http":48080,"ws":48083,"mqtts":null,"wss":null}
//! ```
//!
//! (`ws`, `mqtts` and `wss` are `null` when off). The live log goes to stderr, one line per
//! event.
//!
//! # What it does, as IoTDA does (IOTDA.md)
//!
//! * MQTT 3.1.1 and 5.0 on TCP, and over WebSocket (binary frames, subprotocol `mqtt`), and
//!   both over TLS with a given server certificate ([`TlsIdentity`]), each connection a [`iotmqtt::server::ServerSession`] with IoTDA's policy
//!   ([`iotmqtt::server::ServerConfig::iotda`]): QoS 2 publishes, Wills and retained messages
//!   are refused, keep-alive outside 30–1200 s gets CONNACK 2 (0x85), packets over 1 MB are
//!   refused, at most 50 subscriptions (SUBACK 0x80 / 0x97 beyond). Sessions end with their
//!   connection.
//! * Logins are checked by [`iotmqtt::iotda::Verifier`] against the [`Registry`]: a bad ClientId
//!   or keep-alive gets CONNACK 2, a wrong user name or password 4, an unknown device 5. One
//!   connection per device: a new login displaces the old connection (DISCONNECT 0x8E in 5.0).
//! * Devices get their downstream system topics without subscribing, at QoS 0 (an explicit
//!   subscription gets its own QoS). `bootstrap/down` needs an explicit subscription.
//! * Custom topics (not under `$oc`, and `$oc/devices/{own id}/user/…`) are routed between
//!   clients by their subscriptions; `$oc` topics of another device can be neither published
//!   to nor subscribed to.
//! * The platform side: property reports (and gateway batch reports) are stored; answers to
//!   commands and property requests complete the operator's waiting HTTP request; shadow
//!   requests, time sync, gateway add/delete/sync/status events and bootstrap requests are
//!   answered; version, SDK-info and OTA progress reports are stored; desired properties the
//!   device has not reported are sent as property-set requests when it connects (and when
//!   the operator changes them), and the device's answers to those are expected. Each
//!   device keeps a bounded message log.
//!
//! # HTTP API
//!
//! JSON bodies, JSON answers; errors are `{"error": "…"}` with the status. Requests that wait
//! for the device take `timeout_ms` (default 20000, at most 300000).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /health` | | `{"ok":true}` |
//! | `GET /devices` | | `{"devices":[{device_id, product_id, node_id, name, gateway_id, children, online, status, reports, connection}]}` |
//! | `POST /devices` | `{device_id \| product_id+node_id, secret?, name?, gateway_id?}` | 201 `{device_id}`; 409 if taken |
//! | `GET /devices/{id}` | | the device with `online`, versions, `properties`, `shadow` |
//! | `DELETE /devices/{id}` | | `{"removed":[…]}` (a gateway's children too) |
//! | `POST /devices/{id}/commands` | `{service_id?, command_name?, paras, timeout_ms?}` | `{"response": <device's answer>}`; 408 no answer in time; 409 offline |
//! | `POST /devices/{id}/properties/set` | `{service_id, properties}` or `{services:[…]}`, `timeout_ms?` | `{"response": …}` / 408 / 409 |
//! | `POST /devices/{id}/properties/get` | `{service_id?, timeout_ms?}` | `{"response": {"services":[…]}}` / 408 / 409 |
//! | `GET /devices/{id}/properties` | | `{"services":[{service_id, properties, event_time}]}` (what it reported) |
//! | `GET /devices/{id}/shadow` | | `{"object_device_id", "shadow":[{service_id, desired, reported, version}]}` |
//! | `PUT /devices/{id}/shadow` | `{service_id, desired:{…}}` | the service's shadow; sent to the device now if it is online |
//! | `POST /devices/{id}/events` | `{service_id, event_type, paras, wait_for?, timeout_ms?}` | 202 `{event_id}`; with `wait_for` (an event type the device sends back, e.g. `version_report`): `{event_id, answer: <its paras>}` / 408 |
//! | `POST /devices/{id}/messages` | `{content, name?, id?}` or `{raw: "text"}` | 202 `{"sent":true}` / 409 |
//! | `GET /devices/{id}/messages?limit=N` | | `{"messages":[{time, direction, topic, payload}]}`, oldest first |
//! | `POST /publish` | `{topic, payload: "text", qos: 0\|1}` (custom topics) | `{"delivered_to": N}` |
//!
//! A child device (in a gateway's `children`) is reached through its gateway, with
//! `object_device_id` in the payload.

mod api;
mod connection;
mod device_state;
mod http;
mod hub;
mod log;
mod platform;
mod registry;
mod tls;
mod transport;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use iotmqtt::iotda::Verifier;
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

pub use self::log::Log;
pub use self::registry::{DeviceRecord, Registry, RegistryError};
pub use self::tls::TlsIdentity;

use self::hub::{Hub, Settings};
use self::transport::{Transport, accept_ws};

/// How an emulator is set up.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The address to listen on (default 127.0.0.1).
    pub bind: IpAddr,
    /// MQTT over TCP (0 = any free port).
    pub mqtt_port: u16,
    /// The HTTP API (0 = any free port).
    pub http_port: u16,
    /// MQTT over WebSocket, if wanted (0 = any free port).
    pub ws_port: Option<u16>,
    /// MQTT over TLS, if wanted (0 = any free port); needs [`EmulatorConfig::tls`].
    pub tls_port: Option<u16>,
    /// MQTT over WebSocket over TLS, if wanted (0 = any free port); needs
    /// [`EmulatorConfig::tls`].
    pub wss_port: Option<u16>,
    /// The server certificate of the TLS listeners.
    pub tls: Option<TlsIdentity>,
    /// The devices.
    pub registry: Registry,
    /// Write the live log to stderr (it also goes to [`EmulatorHandle::subscribe_log`]).
    pub log_to_stderr: bool,
    /// Messages kept per device (default 200).
    pub message_log_len: usize,
    /// How far a sig type 1/2 timestamp may be from now, in seconds (default 3600).
    pub timestamp_tolerance_secs: u64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            mqtt_port: 0,
            http_port: 0,
            ws_port: None,
            tls_port: None,
            wss_port: None,
            tls: None,
            registry: Registry::default(),
            log_to_stderr: false,
            message_log_len: 200,
            timestamp_tolerance_secs: Verifier::DEFAULT_TOLERANCE_SECS,
        }
    }
}

/// The ports an emulator listens on; serialised as the first stdout line of
/// `iotmqtt emulator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ports {
    /// MQTT over TCP.
    pub mqtt: u16,
    /// The HTTP API.
    pub http: u16,
    /// MQTT over WebSocket, if enabled.
    pub ws: Option<u16>,
    /// MQTT over TLS, if enabled.
    pub mqtts: Option<u16>,
    /// MQTT over WebSocket over TLS, if enabled.
    pub wss: Option<u16>,
}

/// The emulator.
#[derive(Debug)]
pub struct Emulator;

/// A running emulator: its ports, its log, and [`EmulatorHandle::shutdown`].
#[derive(Debug)]
pub struct EmulatorHandle {
    ports: Ports,
    bind: IpAddr,
    log: Log,
    stop: watch::Sender<bool>,
    listeners: JoinSet<()>,
}

/// How long connections get to close at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long a client has for its TLS and WebSocket handshakes.
const HANDSHAKE: Duration = Duration::from_secs(10);

async fn bind(ip: IpAddr, port: u16, what: &str) -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::new(ip, port))
        .await
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot listen for {what} on {ip}:{port}: {e}"),
            )
        })
}

async fn bind_optional(
    ip: IpAddr,
    port: Option<u16>,
    what: &str,
) -> io::Result<Option<TcpListener>> {
    match port {
        Some(p) => bind(ip, p, what).await.map(Some),
        None => Ok(None),
    }
}

#[derive(Clone)]
enum Service {
    Mqtt,
    Ws,
    Http,
    Mqtts(TlsAcceptor),
    Wss(TlsAcceptor),
}

async fn accept_loop(
    hub: Arc<Hub>,
    listener: TcpListener,
    service: Service,
    mut stop: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    hub.log.line(format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let hub = Arc::clone(&hub);
        let stop = stop.clone();
        let service = service.clone();
        tasks.spawn(async move { serve_one(hub, stream, peer, service, stop).await });
    }
    let graceful = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful)
        .await
        .is_err()
    {
        tasks.shutdown().await;
    }
}

async fn serve_one(
    hub: Arc<Hub>,
    stream: TcpStream,
    peer: SocketAddr,
    service: Service,
    stop: watch::Receiver<bool>,
) {
    match service {
        Service::Mqtt => {
            connection::serve(hub, Transport::Tcp(stream), peer.to_string(), stop).await;
        }
        Service::Ws => {
            if let Some(ws) = handshake(&hub, peer, "WebSocket", accept_ws(stream)).await {
                let ws = Transport::Ws(Box::new(ws));
                connection::serve(hub, ws, peer.to_string(), stop).await;
            }
        }
        Service::Mqtts(tls) => {
            if let Some(s) = handshake(&hub, peer, "TLS", tls.accept(stream)).await {
                let tls = Transport::Tls(Box::new(s));
                connection::serve(hub, tls, peer.to_string(), stop).await;
            }
        }
        Service::Wss(tls) => {
            let both = async move { accept_ws(tls.accept(stream).await?).await };
            if let Some(ws) = handshake(&hub, peer, "TLS or WebSocket", both).await {
                let wss = Transport::Wss(Box::new(ws));
                connection::serve(hub, wss, peer.to_string(), stop).await;
            }
        }
        Service::Http => http::serve(hub, stream).await,
    }
}

/// Runs a handshake with a time limit; a failure is one log line.
async fn handshake<T>(
    hub: &Hub,
    peer: SocketAddr,
    what: &str,
    steps: impl Future<Output = io::Result<T>>,
) -> Option<T> {
    match tokio::time::timeout(HANDSHAKE, steps).await {
        Ok(Ok(done)) => Some(done),
        Ok(Err(e)) => {
            hub.log
                .line(format!("{peer}: {what} handshake failed: {e}"));
            None
        }
        Err(_) => {
            hub.log.line(format!("{peer}: {what} handshake timed out"));
            None
        }
    }
}

impl Emulator {
    /// Binds the ports and starts serving; call it inside a tokio runtime.
    ///
    /// # Errors
    /// A port that cannot be bound (the message names it); a TLS port without
    /// [`EmulatorConfig::tls`] (`InvalidInput`).
    pub async fn start(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
        let acceptor = match (&config.tls, config.tls_port.or(config.wss_port)) {
            (Some(identity), _) => Some(identity.acceptor()),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a TLS port needs a server certificate and key",
                ));
            }
        };
        let mqtt = bind(config.bind, config.mqtt_port, "MQTT").await?;
        let http = bind(config.bind, config.http_port, "HTTP").await?;
        let ws = bind_optional(config.bind, config.ws_port, "MQTT over WebSocket").await?;
        let mqtts = bind_optional(config.bind, config.tls_port, "MQTT over TLS").await?;
        let wss = bind_optional(config.bind, config.wss_port, "MQTT over wss").await?;
        let port_of = |l: &Option<TcpListener>| -> io::Result<Option<u16>> {
            l.as_ref().map(|l| Ok(l.local_addr()?.port())).transpose()
        };
        let ports = Ports {
            mqtt: mqtt.local_addr()?.port(),
            http: http.local_addr()?.port(),
            ws: port_of(&ws)?,
            mqtts: port_of(&mqtts)?,
            wss: port_of(&wss)?,
        };
        let log = Log::new(config.log_to_stderr);
        let settings = Settings {
            message_log_len: config.message_log_len,
            mqtt_address: SocketAddr::new(config.bind, ports.mqtt).to_string(),
            verifier: Verifier::new().with_tolerance_secs(config.timestamp_tolerance_secs),
        };
        let devices = config.registry.len();
        let hub = Arc::new(Hub::new(config.registry, settings, log.clone()));
        let (stop, stopped) = watch::channel(false);
        let mut listeners = JoinSet::new();
        listeners.spawn(accept_loop(
            Arc::clone(&hub),
            mqtt,
            Service::Mqtt,
            stopped.clone(),
        ));
        listeners.spawn(accept_loop(
            Arc::clone(&hub),
            http,
            Service::Http,
            stopped.clone(),
        ));
        let optional_services = [
            (ws, Some(Service::Ws)),
            (mqtts, acceptor.clone().map(Service::Mqtts)),
            (wss, acceptor.map(Service::Wss)),
        ];
        for (listener, service) in optional_services {
            if let (Some(listener), Some(service)) = (listener, service) {
                let hub = Arc::clone(&hub);
                listeners.spawn(accept_loop(hub, listener, service, stopped.clone()));
            }
        }
        let mut extra = String::new();
        for (port, what) in [
            (ports.ws, "MQTT over WebSocket"),
            (ports.mqtts, "MQTTS"),
            (ports.wss, "MQTT over wss"),
        ] {
            if let Some(p) = port {
                extra.push_str(&format!(", {what} {}:{p}", config.bind));
            }
        }
        log.line(format!(
            "emulator up: MQTT {}:{}, HTTP {}:{}{extra}; {devices} device(s) registered",
            config.bind, ports.mqtt, config.bind, ports.http
        ));
        Ok(EmulatorHandle {
            ports,
            bind: config.bind,
            log,
            stop,
            listeners,
        })
    }
}

impl EmulatorHandle {
    /// The ports it listens on.
    #[must_use]
    pub fn ports(&self) -> Ports {
        self.ports
    }

    /// The MQTT (TCP) address.
    #[must_use]
    pub fn mqtt_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.ports.mqtt)
    }

    /// The HTTP API address.
    #[must_use]
    pub fn http_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.ports.http)
    }

    /// The live log from now on, one line per event.
    #[must_use]
    pub fn subscribe_log(&self) -> broadcast::Receiver<String> {
        self.log.subscribe()
    }

    /// Stops accepting, closes every connection (DISCONNECT Server shutting down for MQTT 5
    /// clients) and waits up to two seconds for them.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.listeners.join_next().await.is_some() {}
        self.log.line("emulator stopped");
        let log = self.log.clone();
        let _ = tokio::task::spawn_blocking(move || log.flush(Duration::from_secs(1))).await;
    }
}
