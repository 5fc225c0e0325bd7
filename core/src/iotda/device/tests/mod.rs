//! Scenario tests of [`IotdaDevice`] on the two-peer harness, against a platform built from
//! this crate's own server session with IoTDA's policy (`ServerConfig::iotda()`) and the IoTDA
//! login [`Verifier`]: both sides are real state machines on one virtual clock.

mod bad_input;
mod bootstrap;
mod connection;
mod gateway;
mod pacing;
mod proptests;
mod requests;
mod scenario;

pub(super) use std::boxed::Box;
pub(super) use std::string::{String, ToString};
pub(super) use std::vec::Vec;
pub(super) use std::{format, vec};

use serde_json::Value;

use super::{DeviceConfig, DeviceEvent, IotdaDevice};
use crate::client::Event;
use crate::codec::{ProtocolVersion, QoS};
use crate::iotda::{
    ClientIdKind, DeviceAuth, DeviceId, DeviceSecret, GroupSecret, LoginRejection, LoginRequest,
    RegisteredAuth, UtcTime, Verifier,
};
use crate::server::{ConnectAccept, ServerConfig, ServerEvent, ServerMessage, ServerSession};
use crate::testing::{Pair, Peer};
use crate::time::Instant;

pub(super) const DEVICE: &str = "5f1c0d2e_sensor01";
pub(super) const SECRET: &str = "s3cr3t-Key";
/// 2026-11-25T08:30:00Z, the UTC time at `Instant::ZERO`.
pub(super) const UTC_BASE_MS: u64 = 1_795_595_400_000;

pub(super) fn utc_at(now: Instant) -> UtcTime {
    UtcTime::from_unix_millis(UTC_BASE_MS + now.as_millis()).unwrap()
}

pub(super) fn auth() -> DeviceAuth {
    DeviceAuth::secret(
        DeviceId::new(DEVICE).unwrap(),
        DeviceSecret::new(SECRET).unwrap(),
    )
}

pub(super) fn config(protocol: ProtocolVersion) -> DeviceConfig {
    let mut c = DeviceConfig::new(auth());
    c.protocol = protocol;
    c.request_id_seed = 0xd1;
    c
}

pub(super) fn topic(path: &str) -> String {
    format!("$oc/devices/{DEVICE}/sys/{path}")
}

/// The device and its driver's clock: the UTC time follows the virtual clock.
pub(super) struct Dev {
    pub(super) device: IotdaDevice,
}

impl Peer for Dev {
    fn handle_connected(&mut self, now: Instant) {
        self.device.handle_connected(now, utc_at(now));
    }
    fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        self.device.handle_bytes(now, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.device.handle_timeout(now);
    }
    fn handle_closed(&mut self, now: Instant) {
        self.device.handle_closed(now);
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.device.poll_transmit(now, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.device.poll_timeout()
    }
}

/// The IoTDA side: one [`ServerSession`] per transport with `ServerConfig::iotda()`, logins
/// judged by the [`Verifier`] at the virtual UTC time, every inbound PUBLISH recorded, and an
/// optional scripted answer to `bootstrap/up`.
pub(super) struct Platform {
    /// The policy of every new session (`ServerConfig::iotda()` by default).
    pub(super) config: ServerConfig,
    pub(super) session: ServerSession,
    pub(super) verifier: Verifier,
    /// Device secrets the registry knows.
    pub(super) secrets: Vec<(String, String)>,
    /// The registration group's secret (bootstrap logins).
    pub(super) group: Option<GroupSecret>,
    /// Every login: ClientId and the verdict.
    pub(super) logins: Vec<(String, Result<(), LoginRejection>)>,
    /// Every PUBLISH from the device, in order.
    pub(super) received: Vec<ServerMessage>,
    /// Every session event.
    pub(super) events: Vec<ServerEvent>,
    /// Published on `bootstrap/down` when the device publishes on `bootstrap/up`.
    pub(super) bootstrap_answer: Option<Vec<u8>>,
}

impl Platform {
    pub(super) fn new() -> Self {
        Platform {
            config: ServerConfig::iotda(),
            session: ServerSession::new(ServerConfig::iotda(), Instant::ZERO),
            verifier: Verifier::new(),
            secrets: vec![(DEVICE.into(), SECRET.into())],
            group: None,
            logins: Vec::new(),
            received: Vec::new(),
            events: Vec::new(),
            bootstrap_answer: None,
        }
    }

    fn lookup(&self, kind: &ClientIdKind<'_>, device_id: &str) -> Option<RegisteredAuth> {
        if let ClientIdKind::BootstrapSigned { .. } = kind {
            return self.group.clone().map(RegisteredAuth::GroupSecret);
        }
        self.secrets
            .iter()
            .find(|(id, _)| id == device_id)
            .map(|(_, s)| RegisteredAuth::Secret(DeviceSecret::new(s.as_str()).unwrap()))
    }

    fn react(&mut self, now: Instant) -> bool {
        let mut worked = false;
        while let Some(event) = self.session.poll_event() {
            worked = true;
            match &event {
                ServerEvent::ConnectRequest(r) => {
                    let request = LoginRequest::from(&**r);
                    let verdict = self
                        .verifier
                        .verify(&request, &utc_at(now), |id| {
                            self.lookup(&id.kind, id.device_id)
                        })
                        .map(|_| ());
                    match verdict {
                        Ok(()) => self.session.accept(now, ConnectAccept::default()).unwrap(),
                        Err(rejection) => {
                            self.session
                                .reject(now, rejection.connect_reason())
                                .unwrap();
                        }
                    }
                    self.logins.push((r.client_id.clone(), verdict));
                }
                ServerEvent::Publish(p) => {
                    let bootstrap_up = format!("$oc/devices/{DEVICE}/sys/bootstrap/up");
                    if p.message.topic == bootstrap_up {
                        if let Some(answer) = self.bootstrap_answer.clone() {
                            let down = format!("$oc/devices/{DEVICE}/sys/bootstrap/down");
                            self.session
                                .publish(now, ServerMessage::new(down, answer, QoS::AtMostOnce))
                                .unwrap();
                        }
                    }
                    self.received.push(p.message.clone());
                }
                _ => {}
            }
            self.events.push(event);
        }
        worked
    }

    /// Sends a message to the device (the platform's implicit subscription).
    pub(super) fn send(&mut self, now: Instant, topic: &str, payload: &[u8], qos: QoS) {
        self.session
            .publish(now, ServerMessage::new(topic, payload.to_vec(), qos))
            .unwrap();
    }

    /// (topic, payload as JSON) of every message received, in order.
    pub(super) fn json(&self) -> Vec<(String, Value)> {
        self.received
            .iter()
            .map(|m| {
                let v = serde_json::from_slice(&m.payload).unwrap_or(Value::Null);
                (m.topic.clone(), v)
            })
            .collect()
    }

    /// Filters and granted QoS of every SUBSCRIBE.
    pub(super) fn subscribed(&self) -> Vec<(String, QoS)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Subscribed(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| s.outcomes.iter())
            .filter_map(|o| Some((o.filter.clone(), o.result.ok()?)))
            .collect()
    }
}

impl Peer for Platform {
    fn handle_connected(&mut self, now: Instant) {
        self.session = ServerSession::new(self.config.clone(), now);
    }
    fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        while self.session.handle_bytes(now, data).is_err() {
            assert!(self.react(now), "input refused with nothing to take");
        }
        self.react(now);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.session.handle_timeout(now);
        self.react(now);
    }
    fn handle_closed(&mut self, now: Instant) {
        self.session.handle_closed(now);
        self.react(now);
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        self.react(now);
        self.session.poll_transmit(now, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout()
    }
}

/// What the application does with an event (answer a command, …).
pub(super) type App = Box<dyn FnMut(&mut IotdaDevice, &DeviceEvent)>;

/// The device, the platform, the driver's reactions and every device event.
pub(super) struct Scenario {
    pub(super) pair: Pair<Dev, Platform>,
    pub(super) events: Vec<DeviceEvent>,
    pub(super) app: App,
}

fn react_device(
    pair: &mut Pair<Dev, Platform>,
    events: &mut Vec<DeviceEvent>,
    app: &mut App,
) -> bool {
    let mut worked = false;
    while let Some(event) = pair.a.device.poll_event() {
        worked = true;
        app(&mut pair.a.device, &event);
        match &event {
            DeviceEvent::Mqtt(Event::ConnectionLost(_) | Event::Disconnected) => {
                // What a driver reads: the transport is no longer needed, none is wanted yet.
                assert!(!pair.a.device.needs_transport());
                assert!(!pair.a.device.wants_transport());
                pair.exchange();
                pair.close();
            }
            DeviceEvent::Mqtt(Event::ReconnectDue { .. }) => {
                assert!(pair.a.device.wants_transport());
                pair.open();
            }
            DeviceEvent::Bootstrapped { .. } => {
                // The old connection still has its DISCONNECT to send; a new transport (to
                // the new address) is wanted.
                assert!(pair.a.device.needs_transport());
                assert!(pair.a.device.wants_transport());
                pair.exchange();
                assert!(!pair.a.device.needs_transport());
                pair.close();
                pair.open();
                assert!(!pair.a.device.wants_transport());
            }
            _ => {}
        }
        events.push(event);
    }
    worked
}

impl Scenario {
    pub(super) fn new(config: DeviceConfig) -> Self {
        Scenario::with_platform(config, Platform::new())
    }

    pub(super) fn with_platform(config: DeviceConfig, platform: Platform) -> Self {
        Scenario {
            pair: Pair::new(
                Dev {
                    device: IotdaDevice::new(config),
                },
                platform,
            ),
            events: Vec::new(),
            app: Box::new(|_, _| {}),
        }
    }

    /// Connects and drives until quiet; the connection must be up.
    pub(super) fn connected(config: DeviceConfig) -> Self {
        let mut s = Scenario::new(config);
        s.connect();
        assert!(s.device().is_connected(), "{:?}", s.events);
        s
    }

    pub(super) fn connect(&mut self) {
        self.device().connect().unwrap();
        self.pair.open();
        self.drive();
    }

    pub(super) fn device(&mut self) -> &mut IotdaDevice {
        &mut self.pair.a.device
    }

    pub(super) fn platform(&mut self) -> &mut Platform {
        &mut self.pair.b
    }

    pub(super) fn now(&self) -> Instant {
        self.pair.now
    }

    pub(super) fn drive(&mut self) {
        let Scenario { pair, events, app } = self;
        pair.drive_with(10_000, |p| react_device(p, events, app))
            .unwrap();
    }

    pub(super) fn advance(&mut self, d: core::time::Duration) {
        let Scenario { pair, events, app } = self;
        pair.advance_with(d, |p| react_device(p, events, app))
            .unwrap();
    }

    /// The platform sends a message, then everything settles.
    pub(super) fn send(&mut self, topic: &str, payload: &[u8]) {
        let now = self.now();
        self.platform().send(now, topic, payload, QoS::AtLeastOnce);
        self.drive();
    }

    /// Takes the events collected so far.
    pub(super) fn take(&mut self) -> Vec<DeviceEvent> {
        core::mem::take(&mut self.events)
    }

    /// The device events other than the client's own, taken.
    pub(super) fn take_iotda(&mut self) -> Vec<DeviceEvent> {
        self.take()
            .into_iter()
            .filter(|e| !matches!(e, DeviceEvent::Mqtt(_)))
            .collect()
    }
}

pub(super) fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}
