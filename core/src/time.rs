//! Time as the core sees it: milliseconds on a clock the caller owns.
//!
//! The core never reads a clock. Every input that depends on time takes an [`Instant`], and every
//! deadline the core wants is returned as one. The epoch is whatever the caller chooses (process
//! start, `performance.now()`, a monotonic tick counter); only differences matter, so the clock
//! must never run backwards. A clock that does is tolerated (time simply appears to stand still),
//! never a panic.

use core::fmt;
use core::ops::{Add, Sub};
use core::time::Duration;

/// A point in time: milliseconds since an epoch the caller chooses.
///
/// ```
/// use iotmqtt::Instant;
/// use core::time::Duration;
/// let t = Instant::from_millis(1_000);
/// assert_eq!((t + Duration::from_secs(2)).as_millis(), 3_000);
/// assert_eq!(t.saturating_duration_since(Instant::from_millis(4_000)), Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The epoch itself.
    pub const ZERO: Instant = Instant(0);
    /// The largest representable instant; adding to it saturates here.
    pub const MAX: Instant = Instant(u64::MAX);

    /// An instant `ms` milliseconds after the epoch.
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms)
    }

    /// Milliseconds since the epoch.
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// How long after `earlier` this instant is; zero when `earlier` is later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// This instant moved forward by `d`, saturating at [`Instant::MAX`].
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Instant {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(ms))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl From<u64> for Instant {
    fn from(ms: u64) -> Self {
        Instant(ms)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}
