//! A device for the emulator tests: the core client driven by a small blocking `std::net` loop,
//! and the emulator started in-process on free ports.

#![allow(dead_code)]
// each test crate uses a different part of the helpers
// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant as WallClock};

use iotmqtt::client::{Client, ClientConfig, Credentials, Event, Message};
use iotmqtt::iotda::{DeviceAuth, DeviceId, DeviceSecret, SigType};
use iotmqtt::{
    Error, Instant, Properties, ProtocolError, ProtocolVersion, QoS, ReasonCode, Subscription,
};
use iotmqtt_cli::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Registry};

use super::common::WAIT;

/// The registry the device tests use.
pub(crate) const REGISTRY: &str = r#"{
  "devices": [
    { "device_id": "p_dev1", "secret": "s3cr3t-Key", "product_id": "p", "node_id": "dev1" },
    { "device_id": "p_dev2", "secret": "other-Secret" },
    { "device_id": "p_gw", "secret": "gw-Secret", "children": [ { "device_id": "p_child1" } ] }
  ],
  "groups": [ { "scope_id": "a1b2c3d4e5f6", "secret": "c2VjcmV0LWdyb3VwLWtleQ==" } ]
}"#;

/// The emulator in this process, on its own runtime; shut down when dropped.
pub(crate) struct InProcess {
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) handle: Option<EmulatorHandle>,
    pub(crate) mqtt: u16,
    pub(crate) http: u16,
    pub(crate) ws: u16,
    pub(crate) log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl InProcess {
    pub(crate) fn start() -> InProcess {
        InProcess::with_registry(REGISTRY)
    }

    pub(crate) fn with_registry(registry: &str) -> InProcess {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = EmulatorConfig {
            ws_port: Some(0),
            registry: Registry::from_json(registry).unwrap(),
            ..EmulatorConfig::default()
        };
        let handle = rt.block_on(Emulator::start(config)).unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut rx = handle.subscribe_log();
        let sink = std::sync::Arc::clone(&log);
        rt.spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(line) => sink.lock().unwrap().push(line),
                    // A burst beyond the log's queue: later lines still count.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        let p = handle.ports();
        InProcess {
            rt,
            mqtt: p.mqtt,
            http: p.http,
            ws: p.ws.unwrap(),
            handle: Some(handle),
            log,
        }
    }

    pub(crate) fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub(crate) fn wait_log(&self, needle: &str) {
        let start = WallClock::now();
        while !self.log_text().contains(needle) {
            assert!(
                start.elapsed() < WAIT,
                "no {needle:?} in:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// Credentials for `device_id` at the current time with `sig`.
pub(crate) fn auth(device_id: &str, secret: &str, sig: SigType) -> iotmqtt::iotda::Credentials {
    let now = super::common::utc_now();
    DeviceAuth::secret(
        DeviceId::new(device_id).unwrap(),
        DeviceSecret::new(secret).unwrap(),
    )
    .with_sig_type(sig)
    .credentials(&now)
}

/// A client config logging in with `credentials`; no reconnects.
pub(crate) fn config(
    c: &iotmqtt::iotda::Credentials,
    version: ProtocolVersion,
    keep_alive: u16,
) -> ClientConfig {
    let mut cfg = ClientConfig::new(c.client_id());
    cfg.protocol = version;
    cfg.keep_alive = keep_alive;
    cfg.reconnect.enabled = false;
    cfg.credentials = Credentials::Static {
        username: Some(c.username().to_owned()),
        password: c
            .password()
            .map(|p| iotmqtt::client::Password::new(p.as_bytes().to_vec())),
    };
    cfg
}

/// The core client on a blocking TCP stream.
pub(crate) struct Device {
    pub(crate) client: Client,
    stream: Option<TcpStream>,
    epoch: WallClock,
    /// Every event so far.
    pub(crate) events: Vec<Event>,
    seen: usize,
}

impl Device {
    /// Connects and waits for CONNACK (or the refusal).
    pub(crate) fn connect(port: u16, config: ClientConfig) -> Device {
        let mut d = Device {
            client: Client::new(config),
            stream: None,
            epoch: WallClock::now(),
            events: Vec::new(),
            seen: 0,
        };
        d.client.connect().unwrap();
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        d.stream = Some(s);
        let now = d.now();
        d.client.handle_connected(now);
        d.wait(|e| matches!(e, Event::Connected(_) | Event::ConnectionLost(_)));
        d
    }

    pub(crate) fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap())
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.client.is_connected()
    }

    /// The error that ended the connection, if it ended.
    pub(crate) fn lost(&self) -> Option<&Error> {
        self.events.iter().find_map(|e| match e {
            Event::ConnectionLost(l) => Some(&l.error),
            _ => None,
        })
    }

    /// One turn: send, take events, wait up to 20 ms for bytes, fire timers.
    fn turn(&mut self) {
        let now = self.now();
        let mut out = Vec::new();
        while self.client.poll_transmit(now, &mut out) > 0 {}
        if !out.is_empty() {
            if let Some(s) = &mut self.stream {
                if s.write_all(&out).is_err() {
                    self.close();
                    self.client.handle_closed(now);
                }
            }
        }
        while let Some(e) = self.client.poll_event() {
            if matches!(e, Event::ConnectionLost(_) | Event::Disconnected) {
                self.close();
            }
            self.events.push(e);
        }
        let Some(s) = &mut self.stream else {
            std::thread::sleep(Duration::from_millis(5));
            return;
        };
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut buf = [0u8; 8192];
        match s.read(&mut buf) {
            Ok(0) => {
                self.close();
                let now = self.now();
                self.client.handle_closed(now);
            }
            Ok(n) => {
                let now = self.now();
                self.client.handle_bytes(now, &buf[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                self.close();
                let now = self.now();
                self.client.handle_closed(now);
            }
        }
        let now = self.now();
        self.client.handle_timeout(now);
    }

    fn close(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Runs until an event not seen by an earlier `wait` matches; returns it.
    pub(crate) fn wait(&mut self, want: impl Fn(&Event) -> bool) -> Event {
        let start = WallClock::now();
        loop {
            if let Some(i) = self.events[self.seen..].iter().position(&want) {
                let at = self.seen + i;
                self.seen = at + 1;
                return self.events[at].clone();
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out; events: {:#?}",
                self.events
            );
            self.turn();
        }
    }

    /// Runs until a message on a topic starting with `prefix` arrives.
    pub(crate) fn message(&mut self, prefix: &str) -> Message {
        match self.wait(|e| matches!(e, Event::Message(m) if m.topic.starts_with(prefix))) {
            Event::Message(m) => m,
            _ => unreachable!(),
        }
    }

    /// Runs for `d` (to let the other side act).
    pub(crate) fn run_for(&mut self, d: Duration) {
        let start = WallClock::now();
        while start.elapsed() < d {
            self.turn();
        }
    }

    pub(crate) fn publish(&mut self, topic: &str, payload: &[u8], qos: QoS) {
        self.client
            .publish(topic, payload, qos, false, Properties::empty())
            .unwrap();
        self.turn();
    }

    /// Subscribes and returns the SUBACK codes.
    pub(crate) fn subscribe(&mut self, filters: &[(&str, QoS)]) -> Vec<iotmqtt::SubAckReason> {
        let subs: Vec<Subscription<'_>> = filters
            .iter()
            .map(|(f, q)| Subscription::new(f, *q))
            .collect();
        self.client.subscribe(&subs, Properties::empty()).unwrap();
        match self.wait(|e| matches!(e, Event::Subscribed { .. })) {
            Event::Subscribed { reasons, .. } => reasons,
            _ => unreachable!(),
        }
    }
}

/// The refusal code an ended connection carries.
pub(crate) fn refused(e: Option<&Error>) -> Option<ReasonCode> {
    match e {
        Some(Error::Protocol(ProtocolError::ConnectRefused(code))) => Some(*code),
        _ => None,
    }
}

/// The DISCONNECT reason an ended connection carries.
pub(crate) fn disconnected(e: Option<&Error>) -> Option<ReasonCode> {
    match e {
        Some(Error::Protocol(ProtocolError::Disconnected(code))) => Some(*code),
        _ => None,
    }
}
