//! What an [`IotdaDevice`](super::IotdaDevice) tells the application: [`Event`], through
//! [`DeviceEvents`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use iotmqtt::iotda::{DeviceEvent, IotdaError};

use super::shared::{SharedRef, lock};
use crate::error::TransportError;

/// Something that happened to an [`IotdaDevice`](super::IotdaDevice).
///
/// Almost everything is the core device's own [`DeviceEvent`]: requests to answer
/// (`Command`, `PropertiesSet`, `PropertiesGet`, with the request id to echo), answers to the
/// device's requests (`Shadow`, `System` with `answers` set, `Timeout`), messages, system
/// events, `Bootstrapped` (the driver reconnects to the new address by itself), `BadInput`,
/// and the MQTT session's events (`Mqtt(Connected)`, `Mqtt(PublishAcked)`,
/// `Mqtt(ConnectionLost)` …). The driver adds what only it can see.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// An event of the core device.
    Device(DeviceEvent),
    /// A transport could not be opened or broke (TCP refused, TLS handshake, WebSocket
    /// upgrade, read or write error); `Device(Mqtt(ConnectionLost))` follows.
    Transport(TransportError),
    /// The wall clock gave no valid UTC time for the login; the attempt was given up and the
    /// device retries after its backoff delay.
    Clock(IotdaError),
}

/// The events of one device, in order; ends when the device has stopped (after
/// `disconnect`, or after a connection loss it will not retry, such as a refused password).
///
/// # Back-pressure
///
/// At most `event_capacity` events wait here (see
/// [`IotdaOptions::event_capacity`](super::IotdaOptions::event_capacity)). When they are not
/// taken, the driver stops taking events from the core device, which keeps working: keep-alive,
/// reconnects, reports and the rate limit go on. Messages then wait in the core (its
/// `max_events` bound): a QoS 1 message is acknowledged only when it is taken from the core,
/// so the platform holds back the rest; QoS 0 messages beyond the bound are dropped and
/// counted (`Device(Mqtt(MessagesDropped))`). Only the latest transport or clock error waits
/// while the queue is full.
///
/// Dropping the stream is fine: events are then discarded (messages acknowledged) and the
/// device keeps running while handles exist.
pub struct DeviceEvents {
    pub(crate) shared: SharedRef,
}

impl std::fmt::Debug for DeviceEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceEvents").finish_non_exhaustive()
    }
}

impl DeviceEvents {
    /// The next event; `None` once the device has stopped and every event was taken.
    pub async fn recv(&mut self) -> Option<Event> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The next event, when one is ready (the waker of `cx` is woken otherwise).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        lock(&self.shared).poll_event(cx)
    }
}

impl Stream for DeviceEvents {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.poll_recv(cx)
    }
}

impl Drop for DeviceEvents {
    fn drop(&mut self) {
        lock(&self.shared).drop_events();
    }
}
