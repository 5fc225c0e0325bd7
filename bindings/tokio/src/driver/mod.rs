//! The driver task: owns the core [`Client`], moves bytes between it and the transport, feeds
//! it time, opens transports when it asks, and carries commands in and events out. It makes
//! no protocol decision of its own.
//!
//! One `poll` function does everything, in this order, until nothing moves:
//! commands → transport opening → reads → timer → the core's output (transmit, then events)
//! → writes → event delivery. Every resource that returned `Pending` has registered the task's
//! waker, so the task sleeps until one of them is ready.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use iotmqtt::client::{Client, Credentials};
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use crate::client::{Command, PublishAck, Reply, SubscribeAck, UnsubscribeAck};
use crate::clock::{Clock, Timer};
use crate::error::ConfigError;
use crate::event::Event;
use crate::link::{Closing, Link};
use crate::options::{LoginFn, Options, StoreFn};
use crate::transport::Connector;

mod commands;
mod delivery;
mod link;
mod session;

/// Commands taken per pass, so reads and timers are not starved by a busy sender.
const COMMAND_BATCH: usize = 64;
/// The session's output is taken only while fewer bytes than this wait for the transport; the
/// rest stays queued in the session, within its limits.
const HIGH_WATER: usize = 64 * 1024;

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
    /// Where session snapshots go (persistence mode).
    store: Option<StoreFn>,
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
    timer: Timer,
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
            persistence,
            event_capacity,
            connect_timeout,
            ..
        } = options;
        if config.persistence && persistence.is_none() {
            return Err(ConfigError::Unsupported(
                "persistence mode without a place to store snapshots (use Options::persistence)",
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
        let store = match persistence {
            Some(p) => {
                if let Some(snapshot) = p.restore {
                    core.restore(&snapshot).map_err(ConfigError::Client)?;
                }
                Some(p.store)
            }
            None => None,
        };
        core.connect().map_err(ConfigError::Client)?;
        let watcher = events.clone();
        let clock = Clock::new();
        Ok(Driver {
            core,
            clock,
            connector,
            connect_timeout,
            login,
            store,
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
            link: Link::new(),
            timer: Timer::new(&clock),
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
}
