//! The device's driver task: it moves bytes between the core device and a transport, feeds it
//! monotonic time and, when a transport opens, the UTC time; opens a transport when the core
//! wants one and closes it when the core is done with it; and hands the core's events to the
//! application as room allows. It makes no protocol decision: IoTDA's rules, pacing, request
//! correlation and reconnect backoff are the core's.
//!
//! One `poll` does everything under the shared lock, in this order, until nothing moves:
//! opening → reads → timer → the core's output (bytes, then events) → closing → writes.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use iotmqtt::client::State;
use iotmqtt::iotda::DeviceEvent;

use super::event::Event;
use super::options::UtcClock;
use super::shared::{Shared, SharedRef, lock};
use crate::clock::{Clock, Timer};
use crate::error::{TransportError, TransportErrorKind};
use crate::link::{Closing, Link};
use crate::transport::{Connector, Endpoint};

/// The core's output is taken only while fewer bytes than this wait for the transport; the
/// rest stays queued in the core, within its limits.
const HIGH_WATER: usize = 64 * 1024;

pub(crate) struct Driver {
    shared: SharedRef,
    clock: Clock,
    utc: UtcClock,
    /// Where transports go; replaced by the address of a bootstrap answer.
    endpoint: Box<Endpoint>,
    connector: Arc<Connector>,
    max_frame: usize,
    connect_timeout: Duration,
    link: Link,
    timer: Timer,
    /// The last write of a transport closed while the device stops.
    closing: Option<Closing>,
    /// A transport or clock error waiting for room in the event queue (only the latest).
    pending: Option<Box<Event>>,
}

impl Driver {
    pub(crate) fn new(
        shared: SharedRef,
        endpoint: Endpoint,
        connector: Connector,
        max_frame: usize,
        connect_timeout: Duration,
        utc: UtcClock,
    ) -> Self {
        let clock = Clock::new();
        Driver {
            shared,
            clock,
            utc,
            endpoint: Box::new(endpoint),
            connector: Arc::new(connector),
            max_frame,
            connect_timeout,
            link: Link::new(),
            timer: Timer::new(&clock),
            closing: None,
            pending: None,
        }
    }

    /// Runs until the device is idle for good and every event was handed over.
    pub(crate) async fn run(mut self) {
        std::future::poll_fn(|cx| self.poll_run(cx)).await;
    }

    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let shared = Arc::clone(&self.shared);
        let mut s = lock(&shared);
        loop {
            if s.handles_gone && s.events_gone {
                // Nobody can use this device any more.
                let _ = s.core.disconnect();
            }
            let mut progress = self.poll_open(&mut s, cx);
            progress |= self.poll_read(&mut s, cx);
            progress |= self.poll_timer(&mut s, cx);
            progress |= self.drive_core(&mut s);
            if self.link.is_up() && !s.core.needs_transport() {
                self.close_link(&mut s);
                progress = true;
            } else if self.link.is_opening()
                && s.core.client().state() != State::WaitingForTransport
            {
                // Disconnected while the transport was being opened.
                self.link.cancel_opening();
                progress = true;
            }
            progress |= self.poll_write(&mut s, cx);
            if let Some(closing) = &mut self.closing {
                if closing.as_mut().poll(cx).is_ready() {
                    self.closing = None;
                    progress = true;
                }
            }
            if self.idle_for_good(&s) && s.has_room() {
                // Hand over the last events, then stop.
                if let Some(event) = self.pending.take() {
                    s.push_event(*event);
                    continue;
                }
                if let Some(event) = s.core.poll_event() {
                    s.push_event(Event::Device(event));
                    continue;
                }
                s.finish();
                return Poll::Ready(());
            }
            if !progress {
                s.park_driver(cx.waker());
                return Poll::Pending;
            }
        }
    }

    /// The device will not connect again and its transport is closed.
    fn idle_for_good(&self, s: &Shared) -> bool {
        s.core.client().state() == State::Idle
            && !s.core.wants_transport()
            && self.link.is_down()
            && self.closing.is_none()
    }

    fn poll_open(&mut self, s: &mut Shared, cx: &mut Context<'_>) -> bool {
        if self.link.is_down() && s.core.client().state() == State::WaitingForTransport {
            self.link.open(&self.connector, self.connect_timeout);
        }
        let Some(result) = self.link.poll_opened(cx) else {
            return false;
        };
        let now = self.clock.now();
        match result {
            Ok(io) => match (self.utc)() {
                Ok(utc) => {
                    s.core.handle_connected(now, utc);
                    // The device may no longer want it (disconnected meanwhile): dropped then.
                    if s.core.needs_transport() {
                        self.link.up(io);
                    }
                }
                Err(e) => {
                    self.pending = Some(Box::new(Event::Clock(e)));
                    s.core.handle_closed(now);
                }
            },
            Err(e) => {
                self.pending = Some(Box::new(Event::Transport(e)));
                s.core.handle_closed(now);
            }
        }
        true
    }

    fn poll_read(&mut self, s: &mut Shared, cx: &mut Context<'_>) -> bool {
        let clock = self.clock;
        let core = &mut s.core;
        let pass = self.link.poll_read(cx, &self.connector, |bytes| {
            core.handle_bytes(clock.now(), bytes);
            core.needs_transport()
        });
        if let Some(error) = pass.ended {
            self.link_failed(s, error);
        }
        pass.progress
    }

    fn poll_write(&mut self, s: &mut Shared, cx: &mut Context<'_>) -> bool {
        match self.link.poll_write(cx, &self.connector) {
            Ok(progress) => progress,
            Err(error) => {
                self.link_failed(s, Some(error));
                true
            }
        }
    }

    /// The transport closed or broke: the core reports `ConnectionLost` and schedules the
    /// reconnect.
    fn link_failed(&mut self, s: &mut Shared, error: Option<TransportError>) {
        if let Some(e) = error {
            self.pending = Some(Box::new(Event::Transport(e)));
        }
        self.link.down();
        s.core.handle_closed(self.clock.now());
    }

    /// The core is done with the transport: write what it still has to say (a DISCONNECT),
    /// then close it, in the background unless the device is stopping.
    fn close_link(&mut self, s: &mut Shared) {
        let _ = s.core.poll_transmit(self.clock.now(), self.link.out());
        let Some(drain) = self.link.close() else {
            return;
        };
        if s.core.client().state() == State::Idle && !s.core.wants_transport() {
            self.closing = Some(drain);
        } else {
            tokio::spawn(drain);
        }
    }

    fn poll_timer(&mut self, s: &mut Shared, cx: &mut Context<'_>) -> bool {
        let deadline = s.core.poll_timeout();
        match self.timer.poll(cx, &self.clock, deadline) {
            Some(now) => {
                s.core.handle_timeout(now);
                true
            }
            None => false,
        }
    }

    /// Takes the core's output: bytes for the transport, then events while there is room.
    fn drive_core(&mut self, s: &mut Shared) -> bool {
        let mut progress = false;
        loop {
            let mut worked = false;
            if self.link.unwritten() < HIGH_WATER {
                let now = self.clock.now();
                if s.core.poll_transmit(now, self.link.out()) > 0 {
                    worked = true;
                    if !self.link.is_up() {
                        // No transport for them (cannot happen with a consistent device).
                        self.link.clear_out();
                    }
                }
            }
            while s.has_room() {
                if let Some(event) = self.pending.take() {
                    s.push_event(*event);
                    worked = true;
                    continue;
                }
                let Some(event) = s.core.poll_event() else {
                    break;
                };
                worked = true;
                if let DeviceEvent::Bootstrapped { address, .. } = &event {
                    self.redirect(s, address);
                }
                s.push_event(Event::Device(event));
            }
            if !worked {
                return progress;
            }
            progress = true;
        }
    }

    /// After a bootstrap answer: the next transports go to `address` (`host:port`), and the
    /// device connects there now (its reconnects too).
    fn redirect(&mut self, s: &mut Shared, address: &str) {
        let retargeted = split_address(address)
            .map(|(host, port)| self.endpoint.at(host, port))
            .ok_or_else(|| format!("the bootstrap answer's address {address:?} is not host:port"))
            .and_then(|endpoint| {
                let connector = endpoint
                    .prepare(self.max_frame)
                    .map_err(|e| e.to_string())?;
                Ok((endpoint, connector))
            });
        match retargeted {
            Ok((endpoint, connector)) => {
                *self.endpoint = endpoint;
                self.connector = Arc::new(connector);
            }
            Err(why) => {
                // Keep the old address: the error is reported, the connection there fails
                // or succeeds as it will.
                self.pending = Some(Box::new(Event::Transport(TransportError::new(
                    TransportErrorKind::Connect,
                    address.to_owned(),
                    why,
                ))));
            }
        }
        // The answer leaves the device idle with the new identity; connecting now (rather
        // than at the next transport) lets the core's backoff pace the attempts.
        let _ = s.core.connect();
    }
}

/// `host:port`, `[v6]:port` → host and port.
fn split_address(address: &str) -> Option<(&str, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port = port.parse().ok()?;
    (!host.is_empty()).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::split_address;

    #[test]
    fn bootstrap_addresses_split_into_host_and_port() {
        assert_eq!(
            split_address("iot-mqtts.example.com:8883"),
            Some(("iot-mqtts.example.com", 8883))
        );
        assert_eq!(split_address("[::1]:1883"), Some(("::1", 1883)));
        assert_eq!(split_address("127.0.0.1:70000"), None);
        assert_eq!(split_address("no-port"), None);
        assert_eq!(split_address(":1883"), None);
    }
}
