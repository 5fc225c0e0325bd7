//! The client's timers: one deadline per [`Timer`] in a fixed table; the next wake-up is the
//! smallest.

use crate::time::Instant;

/// Every deadline a client can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Timer {
    /// CONNACK must arrive by then (from `handle_connected`).
    Connack,
    /// Send a PINGREQ: nothing was sent, or nothing received, for the keep-alive interval.
    Ping,
    /// PINGRESP (or any packet) must arrive by then, or the link is dead.
    PingResponse,
    /// Open a new transport (backoff after a loss).
    Reconnect,
}

impl Timer {
    const COUNT: usize = 4;
}

/// The deadline of each [`Timer`]; [`Instant::MAX`] means "not running" (a deadline that far
/// away never arrives anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimerTable {
    deadlines: [Instant; Timer::COUNT],
}

impl Default for TimerTable {
    fn default() -> Self {
        TimerTable {
            deadlines: [Instant::MAX; Timer::COUNT],
        }
    }
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        if let Some(slot) = self.deadlines.get_mut(timer as usize) {
            *slot = at;
        }
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.set(timer, Instant::MAX);
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines
            .get(timer as usize)
            .copied()
            .filter(|t| *t != Instant::MAX)
    }

    pub(crate) fn stop_all(&mut self) {
        self.deadlines = [Instant::MAX; Timer::COUNT];
    }

    /// The earliest running deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.deadlines
            .iter()
            .min()
            .copied()
            .filter(|t| *t != Instant::MAX)
    }

    /// If `timer` is due at `now`, stops it and returns true.
    pub(crate) fn expire(&mut self, timer: Timer, now: Instant) -> bool {
        match self.get(timer) {
            Some(at) if at <= now => {
                self.stop(timer);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_the_minimum_and_expiry_is_exact() {
        let mut t = TimerTable::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Ping, Instant::from_millis(50));
        t.set(Timer::Connack, Instant::from_millis(20));
        assert_eq!(t.next(), Some(Instant::from_millis(20)));
        assert!(!t.expire(Timer::Connack, Instant::from_millis(19)));
        assert!(t.expire(Timer::Connack, Instant::from_millis(20)));
        assert!(!t.expire(Timer::Connack, Instant::from_millis(21)));
        assert_eq!(t.next(), Some(Instant::from_millis(50)));
        t.stop_all();
        assert_eq!(t.next(), None);
    }
}
