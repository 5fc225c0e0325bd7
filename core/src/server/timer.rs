//! The session's timers, in one table indexed by [`Timer`]; the next deadline is their minimum.

use crate::time::Instant;

/// A deadline the session keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// CONNECT and authentication must complete before it.
    Connect = 0,
    /// 1.5 × Keep Alive after the last packet from the client.
    KeepAlive = 1,
    /// A closed session's state is discarded at it.
    SessionExpiry = 2,
}

const ALL: [Timer; 3] = [Timer::Connect, Timer::KeepAlive, Timer::SessionExpiry];

/// Every timer's deadline, if armed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Timers {
    at: [Option<Instant>; 3],
}

impl Timers {
    /// Arms `timer` for `at` (replacing any earlier deadline).
    pub(crate) fn set(&mut self, timer: Timer, at: Instant) {
        if let Some(slot) = self.at.get_mut(timer as usize) {
            *slot = Some(at);
        }
    }

    /// Disarms `timer`.
    pub(crate) fn clear(&mut self, timer: Timer) {
        if let Some(slot) = self.at.get_mut(timer as usize) {
            *slot = None;
        }
    }

    /// Disarms every timer.
    pub(crate) fn clear_all(&mut self) {
        self.at = [None; 3];
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }

    /// The timer with the earliest deadline at or before `now`.
    pub(crate) fn due(&self, now: Instant) -> Option<Timer> {
        ALL.iter()
            .filter_map(|t| Some((*t, self.at.get(*t as usize).copied().flatten()?)))
            .filter(|(_, at)| *at <= now)
            .min_by_key(|(_, at)| *at)
            .map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_due_timer_fires_first() {
        let mut t = Timers::default();
        assert_eq!(t.next(), None);
        t.set(Timer::KeepAlive, Instant::from_millis(50));
        t.set(Timer::Connect, Instant::from_millis(30));
        assert_eq!(t.next(), Some(Instant::from_millis(30)));
        assert_eq!(t.due(Instant::from_millis(29)), None);
        assert_eq!(t.due(Instant::from_millis(60)), Some(Timer::Connect));
        t.clear(Timer::Connect);
        assert_eq!(t.due(Instant::from_millis(60)), Some(Timer::KeepAlive));
        t.clear_all();
        assert_eq!(t.next(), None);
    }
}
