//! What the application receives: [`Event`], through an [`EventStream`].

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

use crate::error::{LoginError, TransportError};

/// Something that happened on the connection.
///
/// ```no_run
/// use iotmqtt::client::Event as Mqtt;
/// use iotmqtt_tokio::{Event, EventStream};
///
/// async fn log(mut events: EventStream) {
///     while let Some(event) = events.recv().await {
///         match event {
///             Event::Mqtt(Mqtt::Connected(info)) => println!("connected, session {}", info.session_present),
///             Event::Mqtt(Mqtt::Message(m)) => println!("{}: {} bytes", m.topic, m.payload.len()),
///             Event::Mqtt(Mqtt::ConnectionLost(lost)) => println!("lost: {}", lost.error),
///             Event::Transport(e) => println!("{e}"),
///             _ => {}
///         }
///     }
///     println!("the event loop has stopped");
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// An event of the MQTT session, as the core reports it: `Connected`, `Message`,
    /// `PublishAcked`, `Subscribed`, `ConnectionLost`, `ReconnectDue`, `Disconnected` …
    /// The driver has already acted on it (answered `CredentialsNeeded` through the callback,
    /// opened a transport on `ReconnectDue`, closed it on `ConnectionLost`), and the command
    /// futures resolve on the acknowledgements. `CredentialsNeeded`, `PersistRequired` and
    /// `MessagesDropped` are not passed on (see [`Event::Dropped`]).
    Mqtt(iotmqtt::client::Event),
    /// A transport could not be opened or broke (TCP refused, TLS handshake, WebSocket
    /// upgrade, read or write error). `ConnectionLost` follows.
    Transport(TransportError),
    /// The credentials callback failed; the transport was closed. `ConnectionLost` follows.
    Login(LoginError),
    /// The application did not keep up: this many QoS 0 messages and other events were
    /// dropped here, between the events before and after this one (see [`EventStream`]).
    Dropped {
        /// QoS 0 messages.
        messages: u64,
        /// Other events (acknowledgements, whose futures still resolve; connection events).
        events: u64,
    },
}

/// The events of one client, in order; ends when the event loop stops (after
/// `disconnect`, or after a connection loss the session will not retry).
///
/// Read it with [`EventStream::recv`] or as a [`futures_core::Stream`].
///
/// # Back-pressure: when the application is slow
///
/// Events wait in a bounded channel (`event_capacity`, see
/// [`Options::event_capacity`](crate::Options::event_capacity)), then in a bounded backlog in the
/// driver (the same size). The connection keeps working meanwhile: keep-alive, reconnects and
/// publish acknowledgements go on, and the command futures resolve.
///
/// - A QoS 1 or 2 message is acknowledged to the server (PUBACK/PUBREC) only when it enters
///   the channel, so unacknowledged deliveries pile up in the backlog until the server stops
///   sending at its in-flight limit (our Receive Maximum in MQTT 5.0). None is lost.
/// - When the backlog is full, a QoS 0 message and any other event are dropped and counted;
///   an [`Event::Dropped`] in their place reports the counts.
/// - With `manual_ack` in the session configuration, QoS 1/2 messages are acknowledged only
///   by [`AsyncClient::ack`](crate::AsyncClient::ack).
///
/// Dropping the stream is fine: events are then discarded (messages acknowledged in automatic
/// mode) and the client keeps running while handles exist.
#[derive(Debug)]
pub struct EventStream {
    pub(crate) rx: mpsc::Receiver<Box<Event>>,
}

impl EventStream {
    /// The next event; `None` once the event loop has stopped and every event was taken.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await.map(|event| *event)
    }

    /// The next event if one is waiting, without waiting.
    ///
    /// # Errors
    /// [`mpsc::error::TryRecvError::Empty`] when none is waiting,
    /// [`mpsc::error::TryRecvError::Disconnected`] once the event loop has stopped.
    pub fn try_recv(&mut self) -> Result<Event, mpsc::error::TryRecvError> {
        self.rx.try_recv().map(|event| *event)
    }
}

impl Stream for EventStream {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.rx.poll_recv(cx).map(|event| event.map(|e| *e))
    }
}
