//! The driver task: owns the core [`Client`], moves bytes between it and the transport, feeds
//! it time, opens transports when it asks, and carries commands in and events out. It makes
//! no protocol decision of its own.
//!
//! One `poll` function does everything, in this order, until nothing moves:
//! commands → transport opening → reads → timer → the core's output (transmit, then events)
//! → writes → event delivery. Every resource that returned `Pending` has registered the task's
//! waker, so the task sleeps until one of them is ready.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use iotmqtt::QoS;
use iotmqtt::ReasonCode;
use iotmqtt::client::{self, Client, Credentials, State};
use iotmqtt::{Subscription, UsageError};
use tokio::io::{AsyncWriteExt, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::Sleep;
use tokio_util::sync::PollSender;

use crate::client::{Command, PublishAck, Reply, SubscribeAck, UnsubscribeAck};
use crate::clock::Clock;
use crate::error::{ConfigError, Error, LoginError, TransportError, TransportErrorKind};
use crate::event::Event;
use crate::options::{LoginFn, LoginRequest, Options};
use crate::transport::{BoxIo, Connector};

/// Commands taken per pass, so reads and timers are not starved by a busy sender.
const COMMAND_BATCH: usize = 64;
/// Reads per pass.
const READ_BATCH: usize = 16;
/// Bytes read at once (on the stack: an idle client holds no read buffer).
const READ_CHUNK: usize = 8 * 1024;
/// The session's output is taken only while fewer bytes than this wait for the transport; the
/// rest stays queued in the session, within its limits.
const HIGH_WATER: usize = 64 * 1024;
/// A written-out buffer larger than this is freed rather than kept for the next write.
const OUT_KEEP: usize = 4 * 1024;
/// How long the last bytes of a closed connection (a DISCONNECT) may take to be written.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

type Opening = Pin<Box<dyn Future<Output = Result<BoxIo, TransportError>> + Send>>;
type Closing = Pin<Box<dyn Future<Output = ()> + Send>>;

enum Link {
    Down,
    Opening(Opening),
    Up(BoxIo),
}

/// A command future waiting for the server's acknowledgement, by packet identifier.
enum Waiter {
    Publish(Reply<PublishAck>),
    Subscribe(Reply<SubscribeAck>),
    Unsubscribe(Reply<UnsubscribeAck>),
}

pub(crate) struct Driver {
    core: Client,
    clock: Clock,
    connector: Arc<Connector>,
    connect_timeout: Duration,
    login: Option<LoginFn>,
    /// The application asked for automatic acknowledgement (the core runs in manual mode so
    /// that the driver acknowledges when a message enters the event channel).
    auto_ack: bool,
    /// The attempt number of the last `ReconnectDue` (0 before the first reconnect).
    attempt: u32,
    commands: mpsc::Receiver<Box<Command>>,
    commands_open: bool,
    events: PollSender<Box<Event>>,
    events_open: bool,
    /// Resolves when the event stream is dropped.
    events_closed: Closing,
    backlog: VecDeque<Event>,
    backlog_limit: usize,
    waiters: HashMap<u16, Waiter>,
    disconnect_waiters: Vec<Reply<()>>,
    link: Link,
    /// Bytes taken from the session for the open transport; `written` of them are written.
    out: Vec<u8>,
    written: usize,
    flush_needed: bool,
    timer: Pin<Box<Sleep>>,
    timer_at: Option<iotmqtt::Instant>,
    /// The session is idle for good: finish the last write, deliver the backlog, end.
    stopping: bool,
    closing: Option<Closing>,
}

impl Driver {
    pub(crate) fn new(
        options: Options,
        commands: mpsc::Receiver<Box<Command>>,
        events: mpsc::Sender<Box<Event>>,
    ) -> Result<Self, ConfigError> {
        let Options {
            endpoint,
            mut config,
            login,
            event_capacity,
            connect_timeout,
            ..
        } = options;
        if config.persistence {
            return Err(ConfigError::Unsupported(
                "persistence mode (take snapshots with the core Client directly)",
            ));
        }
        if config.credentials == Credentials::AskEachTime && login.is_none() {
            return Err(ConfigError::Unsupported(
                "Credentials::AskEachTime without a callback (use Options::credentials)",
            ));
        }
        let auto_ack = !config.manual_ack;
        config.manual_ack = true;
        config.validate().map_err(ConfigError::Client)?;
        // A WebSocket message may carry more than one packet: allow some room above the
        // largest packet the session accepts.
        let max_frame = usize::try_from(config.maximum_packet_size)
            .unwrap_or(usize::MAX)
            .saturating_add(64 * 1024);
        let connector = Arc::new(endpoint.prepare(max_frame)?);
        let mut core = Client::new(config);
        core.connect().map_err(ConfigError::Client)?;
        let watcher = events.clone();
        let clock = Clock::new();
        Ok(Driver {
            core,
            clock,
            connector,
            connect_timeout,
            login,
            auto_ack,
            attempt: 0,
            commands,
            commands_open: true,
            events: PollSender::new(events),
            events_open: true,
            events_closed: Box::pin(async move { watcher.closed().await }),
            backlog: VecDeque::new(),
            backlog_limit: event_capacity,
            waiters: HashMap::new(),
            disconnect_waiters: Vec::new(),
            link: Link::Down,
            out: Vec::new(),
            written: 0,
            flush_needed: false,
            timer: Box::pin(tokio::time::sleep_until(
                clock.deadline(iotmqtt::Instant::ZERO),
            )),
            timer_at: None,
            stopping: false,
            closing: None,
        })
    }

    /// Runs until the session is idle for good and every event was handed over.
    pub(crate) async fn run(mut self) {
        std::future::poll_fn(|cx| self.poll_run(cx)).await;
    }

    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let mut progress = self.poll_commands(cx);
            progress |= self.poll_link(cx);
            progress |= self.poll_read(cx);
            progress |= self.poll_timer(cx);
            progress |= self.drive_core();
            progress |= self.poll_write(cx);
            progress |= self.poll_deliver(cx);
            if self.events_open && self.events_closed.as_mut().poll(cx).is_ready() {
                self.events_open = false;
                progress = true;
            }
            if !self.commands_open && !self.events_open && !self.stopping {
                // Nobody can use this client any more.
                if self.core.disconnect().is_err() {
                    self.begin_stop();
                }
                progress = true;
            }
            if self.stopping {
                if let Some(closing) = &mut self.closing {
                    if closing.as_mut().poll(cx).is_ready() {
                        self.closing = None;
                        progress = true;
                    }
                }
                if self.closing.is_none() {
                    for reply in self.disconnect_waiters.drain(..) {
                        let _ = reply.send(Ok(()));
                    }
                    if self.backlog.is_empty() || !self.events_open {
                        return Poll::Ready(());
                    }
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    // ------------------------------------------------------------------ commands

    fn poll_commands(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.commands_open || self.stopping {
            return false;
        }
        let mut progress = false;
        for _ in 0..COMMAND_BATCH {
            match self.commands.poll_recv(cx) {
                Poll::Ready(Some(command)) => {
                    self.command(*command);
                    progress = true;
                }
                Poll::Ready(None) => {
                    self.commands_open = false;
                    return true;
                }
                Poll::Pending => break,
            }
        }
        progress
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Publish {
                topic,
                payload,
                qos,
                retain,
                properties,
                reply,
            } => match self
                .core
                .publish(&topic, &payload, qos, retain, properties.as_properties())
            {
                Ok(None) => {
                    let _ = reply.send(Ok(PublishAck {
                        packet_id: None,
                        reason: ReasonCode::Success,
                        properties: iotmqtt::OwnedProperties::new(),
                    }));
                }
                Ok(Some(id)) => {
                    self.waiters.insert(id.get(), Waiter::Publish(reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Command::Subscribe {
                filters,
                properties,
                reply,
            } => {
                let subscriptions: Vec<Subscription<'_>> = filters
                    .iter()
                    .map(|(filter, options)| Subscription {
                        filter,
                        options: *options,
                    })
                    .collect();
                match self
                    .core
                    .subscribe(&subscriptions, properties.as_properties())
                {
                    Ok(id) => {
                        self.waiters.insert(id.get(), Waiter::Subscribe(reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Unsubscribe {
                filters,
                properties,
                reply,
            } => {
                let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
                match self.core.unsubscribe(&filters, properties.as_properties()) {
                    Ok(id) => {
                        self.waiters.insert(id.get(), Waiter::Unsubscribe(reply));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Ack { token, reply } => {
                let result = if self.auto_ack {
                    Err(Error::Mqtt(
                        UsageError::InvalidState("ack: messages are acknowledged automatically")
                            .into(),
                    ))
                } else {
                    self.core.ack(token).map_err(Error::from)
                };
                let _ = reply.send(result);
            }
            Command::AuthContinue { data, reply } => {
                let _ = reply.send(self.core.auth_continue(&data).map_err(Error::from));
            }
            Command::Reauthenticate { data, reply } => {
                let _ = reply.send(self.core.reauthenticate(&data).map_err(Error::from));
            }
            Command::Stats { reply } => {
                let _ = reply.send(Ok(self.core.stats()));
            }
            Command::Disconnect { reply } => {
                self.disconnect_waiters.push(reply);
                if self.core.disconnect().is_err() {
                    // Already idle: nothing to send.
                    self.begin_stop();
                }
            }
        }
    }

    // ------------------------------------------------------------------ transport

    fn poll_link(&mut self, cx: &mut Context<'_>) -> bool {
        if matches!(self.link, Link::Down)
            && !self.stopping
            && self.core.state() == State::WaitingForTransport
        {
            let connector = Arc::clone(&self.connector);
            let timeout = self.connect_timeout;
            self.link = Link::Opening(Box::pin(async move { connector.open(timeout).await }));
        }
        let Link::Opening(opening) = &mut self.link else {
            return false;
        };
        let Poll::Ready(result) = opening.as_mut().poll(cx) else {
            return false;
        };
        self.link = Link::Down;
        let now = self.clock.now();
        match result {
            Ok(io) => {
                self.core.handle_connected(now);
                // The session may no longer want it (disconnected meanwhile): then it is dropped.
                if self.core.state().has_transport() {
                    self.out.clear();
                    self.written = 0;
                    self.flush_needed = false;
                    self.link = Link::Up(io);
                }
            }
            Err(e) => {
                self.push_app(Event::Transport(e));
                self.core.handle_closed(now);
            }
        }
        true
    }

    fn poll_read(&mut self, cx: &mut Context<'_>) -> bool {
        let Link::Up(io) = &mut self.link else {
            return false;
        };
        let mut progress = false;
        let mut failure = None;
        let mut chunk = [0u8; READ_CHUNK];
        for _ in 0..READ_BATCH {
            let mut buf = ReadBuf::new(&mut chunk);
            match Pin::new(&mut **io).poll_read(cx, &mut buf) {
                Poll::Pending => break,
                Poll::Ready(Ok(())) => {
                    progress = true;
                    if buf.filled().is_empty() {
                        // The peer closed the connection.
                        failure = Some(None);
                        break;
                    }
                    self.core.handle_bytes(self.clock.now(), buf.filled());
                    if !self.core.state().has_transport() {
                        break;
                    }
                }
                Poll::Ready(Err(e)) => {
                    failure = Some(Some(self.connector.error(TransportErrorKind::Read, e)));
                    break;
                }
            }
        }
        if let Some(error) = failure {
            self.link_failed(error);
        }
        progress
    }

    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let Link::Up(io) = &mut self.link else {
            return false;
        };
        let mut progress = false;
        let mut failure: Option<io::Error> = None;
        while self.written < self.out.len() {
            let pending = self.out.get(self.written..).unwrap_or_default();
            match Pin::new(&mut **io).poll_write(cx, pending) {
                Poll::Pending => break,
                Poll::Ready(Ok(0)) => {
                    failure = Some(io::ErrorKind::WriteZero.into());
                    break;
                }
                Poll::Ready(Ok(n)) => {
                    self.written = self.written.saturating_add(n);
                    self.flush_needed = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if failure.is_none() && self.written >= self.out.len() {
            if self.out.capacity() > OUT_KEEP {
                self.out = Vec::new();
            } else {
                self.out.clear();
            }
            self.written = 0;
            if self.flush_needed {
                match Pin::new(&mut **io).poll_flush(cx) {
                    Poll::Ready(Ok(())) => {
                        self.flush_needed = false;
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => failure = Some(e),
                    Poll::Pending => {}
                }
            }
        }
        if let Some(e) = failure {
            let error = self.connector.error(TransportErrorKind::Write, e);
            self.link_failed(Some(error));
            progress = true;
        }
        progress
    }

    fn clear_out(&mut self) {
        if self.out.capacity() > OUT_KEEP {
            self.out = Vec::new();
        } else {
            self.out.clear();
        }
        self.written = 0;
    }

    /// The transport closed or broke: tell the session (which reports `ConnectionLost`).
    fn link_failed(&mut self, error: Option<TransportError>) {
        if let Some(e) = error {
            self.push_app(Event::Transport(e));
        }
        self.link = Link::Down;
        self.clear_out();
        self.flush_needed = false;
        self.core.handle_closed(self.clock.now());
    }

    /// The session ended the connection: write what it still had to say (a DISCONNECT), then
    /// close the transport, in the background unless the client is stopping.
    fn close_link(&mut self) {
        let link = std::mem::replace(&mut self.link, Link::Down);
        let Link::Up(mut io) = link else {
            self.clear_out();
            return;
        };
        let _ = self.core.poll_transmit(self.clock.now(), &mut self.out);
        let rest = self.out.split_off(self.written.min(self.out.len()));
        self.clear_out();
        self.flush_needed = false;
        let drain = async move {
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
                io.write_all(&rest).await?;
                io.shutdown().await
            })
            .await;
        };
        if self.core.state() == State::Idle {
            self.closing = Some(Box::pin(drain));
        } else {
            tokio::spawn(drain);
        }
    }

    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = self.core.poll_timeout();
        if deadline != self.timer_at {
            self.timer_at = deadline;
            if let Some(at) = deadline {
                let when = self.clock.deadline(at);
                self.timer.as_mut().reset(when);
            }
        }
        let Some(at) = self.timer_at else {
            return false;
        };
        if self.timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        // The timer fired at `at`; the clock's millisecond may still read a little earlier.
        self.core.handle_timeout(self.clock.now().max(at));
        self.timer_at = None;
        true
    }

    // ------------------------------------------------------------------ the session

    /// Takes the session's output: bytes for the transport, then events, until it has none.
    fn drive_core(&mut self) -> bool {
        let mut progress = false;
        loop {
            let mut worked = false;
            if self.out.len().saturating_sub(self.written) < HIGH_WATER {
                let now = self.clock.now();
                if self.core.poll_transmit(now, &mut self.out) > 0 {
                    worked = true;
                    if !matches!(self.link, Link::Up(_)) {
                        // No transport for them (cannot happen with a consistent session).
                        self.clear_out();
                    }
                }
            }
            while let Some(event) = self.core.poll_event() {
                worked = true;
                self.core_event(event);
            }
            if !worked {
                return progress;
            }
            progress = true;
        }
    }

    fn core_event(&mut self, event: client::Event) {
        use client::Event as E;
        match event {
            E::CredentialsNeeded => self.login(),
            // Persistence mode is refused at `connect`.
            E::PersistRequired => {}
            E::MessagesDropped { count } => self.count_dropped(count, 0),
            E::Message(message) => self.push_message(message),
            E::PublishAcked {
                packet_id,
                reason,
                ref properties,
            }
            | E::PublishCompleted {
                packet_id,
                reason,
                ref properties,
            } => {
                if let Some(Waiter::Publish(reply)) = self.waiters.remove(&packet_id.get()) {
                    let result = if reason.is_error() {
                        Err(Error::Rejected(reason))
                    } else {
                        Ok(PublishAck {
                            packet_id: Some(packet_id),
                            reason,
                            properties: properties.clone(),
                        })
                    };
                    let _ = reply.send(result);
                }
                self.push_app(Event::Mqtt(event));
            }
            E::PublishDropped {
                packet_id: Some(packet_id),
                reason,
            } => {
                if let Some(Waiter::Publish(reply)) = self.waiters.remove(&packet_id.get()) {
                    let _ = reply.send(Err(Error::Dropped(reason)));
                }
                self.push_app(Event::Mqtt(event));
            }
            E::Subscribed {
                packet_id,
                ref reasons,
                ref properties,
                resubscribe: false,
            } => {
                if let Some(Waiter::Subscribe(reply)) = self.waiters.remove(&packet_id.get()) {
                    let _ = reply.send(Ok(SubscribeAck {
                        packet_id,
                        reasons: reasons.clone(),
                        properties: properties.clone(),
                    }));
                }
                self.push_app(Event::Mqtt(event));
            }
            E::Unsubscribed {
                packet_id,
                ref reasons,
                ref properties,
            } => {
                if let Some(Waiter::Unsubscribe(reply)) = self.waiters.remove(&packet_id.get()) {
                    let _ = reply.send(Ok(UnsubscribeAck {
                        packet_id,
                        reasons: reasons.clone(),
                        properties: properties.clone(),
                    }));
                }
                self.push_app(Event::Mqtt(event));
            }
            E::ReconnectDue { attempt } => {
                self.attempt = attempt;
                self.push_app(Event::Mqtt(event));
            }
            E::ConnectionLost(_) | E::Disconnected => {
                self.close_link();
                self.push_app(Event::Mqtt(event));
                if self.core.state() == State::Idle {
                    self.begin_stop();
                }
            }
            other => self.push_app(Event::Mqtt(other)),
        }
    }

    /// Answers `CredentialsNeeded` through the callback.
    fn login(&mut self) {
        let Some(callback) = self.login.as_mut() else {
            return;
        };
        let request = LoginRequest {
            attempt: self.attempt,
        };
        let result = callback(request).and_then(|login| {
            if let Some(id) = login.client_id.as_deref() {
                self.core.set_client_id(id).map_err(LoginError::new)?;
            }
            self.core
                .set_credentials(
                    login.username.as_deref(),
                    login.password.as_ref().map(client::Password::expose),
                )
                .map_err(LoginError::new)
        });
        if let Err(e) = result {
            self.push_app(Event::Login(e));
            self.link = Link::Down;
            self.clear_out();
            self.core.handle_closed(self.clock.now());
        }
    }

    fn begin_stop(&mut self) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        if matches!(self.link, Link::Opening(_)) {
            self.link = Link::Down;
        }
        // Commands still queued, and every future waiting for an acknowledgement, fail with
        // `Closed` (their reply senders are dropped).
        self.commands.close();
        while self.commands.try_recv().is_ok() {}
        self.waiters.clear();
    }

    // ------------------------------------------------------------------ events

    fn push_message(&mut self, message: client::Message) {
        if !self.events_open {
            self.settle(Event::Mqtt(client::Event::Message(message)));
            return;
        }
        if message.qos == QoS::AtMostOnce && self.backlog.len() >= self.backlog_limit {
            self.count_dropped(1, 0);
            return;
        }
        // QoS 1/2 always wait: they are not acknowledged yet, so the server's in-flight limit
        // bounds them.
        self.backlog
            .push_back(Event::Mqtt(client::Event::Message(message)));
    }

    fn push_app(&mut self, event: Event) {
        if !self.events_open {
            return;
        }
        if self.backlog.len() >= self.backlog_limit {
            self.count_dropped(0, 1);
            return;
        }
        self.backlog.push_back(event);
    }

    /// Counts dropped events in a `Dropped` marker where they were dropped: the last entry
    /// of the backlog, or a new marker beyond the limit (at most one after each QoS 1/2
    /// message, so the backlog stays bounded).
    fn count_dropped(&mut self, dropped_messages: u64, dropped_events: u64) {
        if !self.events_open {
            return;
        }
        if let Some(Event::Dropped { messages, events }) = self.backlog.back_mut() {
            *messages = messages.saturating_add(dropped_messages);
            *events = events.saturating_add(dropped_events);
            return;
        }
        self.backlog.push_back(Event::Dropped {
            messages: dropped_messages,
            events: dropped_events,
        });
    }

    /// An event leaves the driver: a message is acknowledged now in automatic mode.
    fn settle(&mut self, event: Event) -> Event {
        match event {
            Event::Mqtt(client::Event::Message(mut message)) => {
                if self.auto_ack {
                    if let Some(token) = message.ack_token.take() {
                        // A token of a session the server replaced is accepted and ignored.
                        let _ = self.core.ack(token);
                    }
                }
                Event::Mqtt(client::Event::Message(message))
            }
            other => other,
        }
    }

    fn poll_deliver(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while self.events_open && !self.backlog.is_empty() {
            match self.events.poll_reserve(cx) {
                Poll::Pending => break,
                Poll::Ready(Err(_)) => {
                    self.events_open = false;
                }
                Poll::Ready(Ok(())) => {
                    let Some(event) = self.backlog.pop_front() else {
                        break;
                    };
                    let event = self.settle(event);
                    if self.events.send_item(Box::new(event)).is_err() {
                        self.events_open = false;
                    }
                    progress = true;
                }
            }
        }
        if !self.events_open {
            while let Some(event) = self.backlog.pop_front() {
                self.settle(event);
                progress = true;
            }
        }
        progress
    }
}
