//! [`ClientHarness`]: a client and a scripted broker, with the harness acting as the driver.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::{DEFAULT_MAX_ROUNDS, Livelock, Pair, ScriptedBroker};
use crate::client::{Client, ClientConfig, Event};
use crate::time::Instant;

/// A [`Client`] linked to a [`ScriptedBroker`] on a virtual clock. While driving, the harness
/// takes the client's events (kept in [`ClientHarness::events`]) and reacts as a driver does:
/// answers `CredentialsNeeded` with [`ClientHarness::credentials`], flushes and closes the link
/// on `ConnectionLost`/`Disconnected`, and reopens it on `ReconnectDue` while
/// [`ClientHarness::reachable`] (otherwise it reports the failed attempt with `handle_closed`).
#[derive(Debug)]
pub struct ClientHarness {
    /// The two peers and the clock.
    pub pair: Pair<Client, ScriptedBroker>,
    /// Every event taken from the client, in order.
    pub events: Vec<Event>,
    /// The answer to `CredentialsNeeded`: user name and password.
    pub credentials: Option<(Option<String>, Option<Vec<u8>>)>,
    /// Whether a reconnect attempt reaches the broker.
    pub reachable: bool,
    /// Take events while driving (false leaves them in the client for the test to poll).
    pub take_events: bool,
}

fn react(
    pair: &mut Pair<Client, ScriptedBroker>,
    events: &mut Vec<Event>,
    credentials: Option<&(Option<String>, Option<Vec<u8>>)>,
    reachable: bool,
) -> bool {
    let mut worked = false;
    while let Some(event) = pair.a.poll_event() {
        worked = true;
        match &event {
            Event::CredentialsNeeded => {
                if let Some((user, pass)) = credentials {
                    // A refusal shows up in the test as a missing CONNECT.
                    let _ = pair.a.set_credentials(user.as_deref(), pass.as_deref());
                }
            }
            Event::ConnectionLost(_) | Event::Disconnected => {
                pair.exchange();
                pair.close();
            }
            Event::ReconnectDue { .. } => {
                if reachable {
                    pair.open();
                } else {
                    pair.a.handle_closed(pair.now);
                }
            }
            _ => {}
        }
        events.push(event);
    }
    worked
}

impl ClientHarness {
    /// A client with `config` and a default broker, at time 0, not connected.
    #[must_use]
    pub fn new(config: ClientConfig) -> Self {
        ClientHarness::with_broker(config, ScriptedBroker::new())
    }

    /// A client with `config` and the given broker.
    #[must_use]
    pub fn with_broker(config: ClientConfig, broker: ScriptedBroker) -> Self {
        ClientHarness {
            pair: Pair::new(Client::new(config), broker),
            events: Vec::new(),
            credentials: None,
            reachable: true,
            take_events: true,
        }
    }

    /// The client.
    pub fn client(&mut self) -> &mut Client {
        &mut self.pair.a
    }

    /// The broker.
    pub fn broker(&mut self) -> &mut ScriptedBroker {
        &mut self.pair.b
    }

    /// The virtual time.
    #[must_use]
    pub fn now(&self) -> Instant {
        self.pair.now
    }

    /// `connect()`, opens the link and drives until quiet.
    ///
    /// # Errors
    /// [`Livelock`]; a refused `connect()` shows up as no CONNECT at the broker.
    pub fn connect(&mut self) -> Result<(), Livelock> {
        // A bad config is the test's subject: it then sees no CONNECT.
        let _ = self.pair.a.connect();
        self.pair.open();
        self.drive().map(|_| ())
    }

    /// Drives until nothing moves, bounded by [`DEFAULT_MAX_ROUNDS`].
    ///
    /// # Errors
    /// [`Livelock`].
    pub fn drive(&mut self) -> Result<usize, Livelock> {
        self.drive_bounded(DEFAULT_MAX_ROUNDS)
    }

    /// Drives until nothing moves, failing after `max_rounds`.
    ///
    /// # Errors
    /// [`Livelock`].
    pub fn drive_bounded(&mut self, max_rounds: usize) -> Result<usize, Livelock> {
        let ClientHarness {
            pair,
            events,
            credentials,
            reachable,
            take_events,
        } = self;
        let (take, reach) = (*take_events, *reachable);
        pair.drive_with(max_rounds, |p| {
            take && react(p, events, credentials.as_ref(), reach)
        })
    }

    /// Jumps to the next deadline, runs the timers and drives. Returns false when no timer
    /// runs.
    ///
    /// # Errors
    /// [`Livelock`].
    pub fn step(&mut self) -> Result<bool, Livelock> {
        if !self.pair.step() {
            return Ok(false);
        }
        self.drive().map(|_| true)
    }

    /// Lets `d` of virtual time pass, running every timer on the way.
    ///
    /// # Errors
    /// [`Livelock`].
    pub fn advance(&mut self, d: Duration) -> Result<(), Livelock> {
        let ClientHarness {
            pair,
            events,
            credentials,
            reachable,
            take_events,
        } = self;
        let (take, reach) = (*take_events, *reachable);
        pair.advance_with(d, |p| take && react(p, events, credentials.as_ref(), reach))
    }

    /// Removes and returns the events collected so far.
    pub fn take(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }
}
