//! What the two session harnesses share: a clock they move, a session with timers and a slice
//! output, and the driver's step after each change.

use core::time::Duration;

use super::wire::Wire;
use crate::time::Instant;

/// The timer and slice-output calls the client and the server session both have.
pub(super) trait Timed {
    /// The session's next deadline.
    fn deadline(&self) -> Option<Instant>;
    /// Runs what is due at `now`.
    fn fire(&mut self, now: Instant);
    /// Output into a caller buffer: bytes written, or `None` when refused.
    fn transmit_to_slice(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize>;
}

// The client and the server session name these calls alike.
macro_rules! timed {
    ($($session:ty),*) => {$(
        impl Timed for $session {
            fn deadline(&self) -> Option<Instant> {
                self.poll_timeout()
            }
            fn fire(&mut self, now: Instant) {
                self.handle_timeout(now);
            }
            fn transmit_to_slice(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
                self.poll_transmit_to_slice(now, buf).ok()
            }
        }
    )*};
}

timed!(crate::client::Client, crate::server::ServerSession);

/// A harness: its session, clock and wire checker, and the step it takes after every change.
pub(super) trait Driver {
    /// The session under test.
    type Session: Timed;
    /// The session, its clock and the wire checker, borrowed together.
    fn parts(&mut self) -> (&mut Self::Session, &mut Instant, &mut Wire);
    /// Takes output and events and checks the invariants.
    fn step(&mut self);

    /// Runs every timer due now; the deadline must move past it.
    fn timers(&mut self) {
        for _ in 0..16 {
            let (session, now, _) = self.parts();
            let now = *now;
            match session.deadline() {
                Some(at) if at <= now => {
                    session.fire(now);
                    self.step();
                }
                _ => return,
            }
        }
        panic!("a deadline stays due after 16 handle_timeout calls");
    }

    /// Time passes: `ms` steps of 8 ms.
    fn advance(&mut self, ms: u16) {
        let (_, now, _) = self.parts();
        *now = now.saturating_add(Duration::from_millis(u64::from(ms) * 8));
        self.timers();
    }

    /// Time jumps to the session's deadline, if it has one.
    fn jump_to_deadline(&mut self) {
        let (session, now, _) = self.parts();
        if let Some(at) = session.deadline() {
            *now = (*now).max(at);
            self.timers();
        }
    }

    /// Output through a caller buffer of `len` bytes; what comes out goes to the wire checker.
    fn transmit_slice(&mut self, len: u8) {
        let mut buf = alloc::vec![0u8; usize::from(len)];
        let (session, now, wire) = self.parts();
        if let Some(n) = session.transmit_to_slice(*now, &mut buf) {
            wire.ours(buf.get(..n).unwrap_or_default());
        }
    }
}
