//! Test support (feature `testing`, always on in the crate's own tests): a two-peer harness with
//! a virtual clock, and a scripted in-memory broker.
//!
//! - [`Peer`]: what the harness needs from either side (the client, the scripted broker, later
//!   the server session).
//! - [`Pair`]: two peers joined by an in-memory link that can deliver bytes in chunks of any
//!   size (one byte at a time included), lose them (a dead link), or close. The clock only
//!   moves when asked: [`Pair::step`] jumps to the next deadline of either peer;
//!   [`Pair::drive_with`] exchanges bytes until nothing moves and fails with [`Livelock`] after
//!   a bound.
//! - [`ScriptedBroker`]: answers a client like a small broker would, with knobs for every reply.
//! - [`ClientHarness`]: a [`Client`](crate::client::Client) paired with a [`ScriptedBroker`],
//!   playing the driver's part (credentials, close on loss, reopen on `ReconnectDue`) and
//!   keeping every event.

mod broker;
mod harness;

pub use broker::{BrokerSession, ScriptedBroker};
pub use harness::ClientHarness;

use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::time::Instant;

/// One side of a connection, driven by the harness.
pub trait Peer {
    /// A transport to the other side opened.
    fn handle_connected(&mut self, now: Instant);
    /// Bytes arrived.
    fn handle_bytes(&mut self, now: Instant, data: &[u8]);
    /// A deadline passed.
    fn handle_timeout(&mut self, now: Instant);
    /// The transport closed.
    fn handle_closed(&mut self, now: Instant);
    /// Bytes to send; returns how many were appended.
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize;
    /// The next deadline.
    fn poll_timeout(&self) -> Option<Instant>;
}

impl Peer for crate::client::Client {
    fn handle_connected(&mut self, now: Instant) {
        crate::client::Client::handle_connected(self, now);
    }
    fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        crate::client::Client::handle_bytes(self, now, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        crate::client::Client::handle_timeout(self, now);
    }
    fn handle_closed(&mut self, now: Instant) {
        crate::client::Client::handle_closed(self, now);
    }
    fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        crate::client::Client::poll_transmit(self, now, out)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        crate::client::Client::poll_timeout(self)
    }
}

/// The harness gave up: the peers kept exchanging bytes (or events) past the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Livelock {
    /// Rounds run before giving up.
    pub rounds: usize,
}

impl fmt::Display for Livelock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no quiescence after {} rounds", self.rounds)
    }
}

/// Two peers, `a` (the client side) and `b` (the server side), joined by an in-memory link.
#[derive(Debug)]
pub struct Pair<A, B> {
    /// The client side.
    pub a: A,
    /// The server side.
    pub b: B,
    /// The virtual clock.
    pub now: Instant,
    /// Deliver at most this many bytes per `handle_bytes` call (0 = everything at once).
    pub chunk: usize,
    /// Bytes from `a` are lost (a dead link in that direction).
    pub drop_a_to_b: bool,
    /// Bytes from `b` are lost.
    pub drop_b_to_a: bool,
    open: bool,
    buf: Vec<u8>,
    /// Bytes that moved from `a` to `b` so far (delivered or lost).
    pub bytes_a_to_b: u64,
    /// Bytes that moved from `b` to `a` so far.
    pub bytes_b_to_a: u64,
}

/// The bound [`Pair::drive`] uses.
pub const DEFAULT_MAX_ROUNDS: usize = 10_000;

impl<A: Peer, B: Peer> Pair<A, B> {
    /// Two peers at time 0, not connected.
    pub fn new(a: A, b: B) -> Self {
        Pair {
            a,
            b,
            now: Instant::ZERO,
            chunk: 0,
            drop_a_to_b: false,
            drop_b_to_a: false,
            open: false,
            buf: Vec::new(),
            bytes_a_to_b: 0,
            bytes_b_to_a: 0,
        }
    }

    /// True while the link is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Opens the link: both peers see `handle_connected`.
    pub fn open(&mut self) {
        self.open = true;
        self.b.handle_connected(self.now);
        self.a.handle_connected(self.now);
    }

    /// Closes the link: both peers see `handle_closed`. Bytes not yet delivered are lost.
    pub fn close(&mut self) {
        if self.open {
            self.open = false;
            self.a.handle_closed(self.now);
            self.b.handle_closed(self.now);
        }
    }

    fn deliver(chunk: usize, now: Instant, to: &mut impl Peer, bytes: &[u8]) {
        if chunk == 0 {
            to.handle_bytes(now, bytes);
        } else {
            for c in bytes.chunks(chunk) {
                to.handle_bytes(now, c);
            }
        }
    }

    /// Moves whatever both peers have to send, once each way. Returns true if any bytes moved.
    pub fn exchange(&mut self) -> bool {
        let mut moved = false;
        self.buf.clear();
        let n = self.a.poll_transmit(self.now, &mut self.buf);
        if n > 0 {
            moved = true;
            self.bytes_a_to_b = self.bytes_a_to_b.saturating_add(n as u64);
            if self.open && !self.drop_a_to_b {
                Self::deliver(self.chunk, self.now, &mut self.b, &self.buf);
            }
        }
        self.buf.clear();
        let n = self.b.poll_transmit(self.now, &mut self.buf);
        if n > 0 {
            moved = true;
            self.bytes_b_to_a = self.bytes_b_to_a.saturating_add(n as u64);
            if self.open && !self.drop_b_to_a {
                Self::deliver(self.chunk, self.now, &mut self.a, &self.buf);
            }
        }
        moved
    }

    /// The earliest deadline of either peer.
    pub fn next_deadline(&self) -> Option<Instant> {
        match (self.a.poll_timeout(), self.b.poll_timeout()) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        }
    }

    /// Moves the clock to the next deadline (never backwards) and runs both peers' timers.
    /// Returns false when no timer runs.
    pub fn step(&mut self) -> bool {
        let Some(at) = self.next_deadline() else {
            return false;
        };
        self.now = self.now.max(at);
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        true
    }

    /// Exchanges bytes until nothing moves and `hook` reports no work. `hook` runs after every
    /// exchange (it takes events and reacts like a driver would) and returns true when it did
    /// something.
    ///
    /// # Errors
    /// [`Livelock`] after `max_rounds` rounds.
    pub fn drive_with(
        &mut self,
        max_rounds: usize,
        mut hook: impl FnMut(&mut Self) -> bool,
    ) -> Result<usize, Livelock> {
        for round in 0..max_rounds {
            let moved = self.exchange();
            let worked = hook(self);
            if !moved && !worked {
                return Ok(round);
            }
        }
        Err(Livelock { rounds: max_rounds })
    }

    /// [`drive_with`](Pair::drive_with) without a hook, bounded by [`DEFAULT_MAX_ROUNDS`].
    ///
    /// # Errors
    /// [`Livelock`].
    pub fn drive(&mut self) -> Result<usize, Livelock> {
        self.drive_with(DEFAULT_MAX_ROUNDS, |_| false)
    }

    /// Runs the clock forward by `d`, driving to quiescence after every timer, and ends at
    /// exactly `now + d`.
    ///
    /// # Errors
    /// [`Livelock`] if the peers never settle.
    pub fn advance_with(
        &mut self,
        d: Duration,
        mut hook: impl FnMut(&mut Self) -> bool,
    ) -> Result<(), Livelock> {
        let end = self.now.saturating_add(d);
        self.drive_with(DEFAULT_MAX_ROUNDS, &mut hook)?;
        let mut steps = 0usize;
        while let Some(at) = self.next_deadline().filter(|at| *at <= end) {
            steps += 1;
            if steps > DEFAULT_MAX_ROUNDS {
                return Err(Livelock { rounds: steps });
            }
            self.now = self.now.max(at);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
            self.drive_with(DEFAULT_MAX_ROUNDS, &mut hook)?;
        }
        self.now = self.now.max(end);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer that always has one more byte to send.
    struct Chatty(u64);

    impl Peer for Chatty {
        fn handle_connected(&mut self, _: Instant) {}
        fn handle_bytes(&mut self, _: Instant, data: &[u8]) {
            self.0 += data.len() as u64;
        }
        fn handle_timeout(&mut self, _: Instant) {}
        fn handle_closed(&mut self, _: Instant) {}
        fn poll_transmit(&mut self, _: Instant, out: &mut Vec<u8>) -> usize {
            out.push(0);
            1
        }
        fn poll_timeout(&self) -> Option<Instant> {
            Some(Instant::from_millis(self.0 * 10))
        }
    }

    #[test]
    fn a_livelock_is_reported_not_looped_forever() {
        let mut p = Pair::new(Chatty(0), Chatty(0));
        p.open();
        assert_eq!(p.drive_with(50, |_| false), Err(Livelock { rounds: 50 }));
        assert_eq!(p.a.0, 50);
        assert_eq!(p.b.0, 50);
        assert!(p.step());
        assert_eq!(p.now, Instant::from_millis(500));
    }

    #[test]
    fn chunked_lossy_and_closed_links() {
        let mut p = Pair::new(Chatty(0), Chatty(0));
        p.open();
        p.drop_a_to_b = true;
        p.exchange();
        assert_eq!((p.a.0, p.b.0, p.bytes_a_to_b), (1, 0, 1));
        p.close();
        assert!(!p.is_open());
        p.exchange();
        assert_eq!((p.a.0, p.b.0), (1, 0));
    }
}
