//! The session's time: milliseconds on tokio's monotonic clock since the client started.

use std::time::Duration;

/// Maps tokio's monotonic clock to the core's [`iotmqtt::Instant`] (milliseconds since this
/// clock was made) and back.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch: tokio::time::Instant,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock {
            epoch: tokio::time::Instant::now(),
        }
    }

    /// Now, as the core counts time.
    pub(crate) fn now(&self) -> iotmqtt::Instant {
        let ms = self.epoch.elapsed().as_millis();
        iotmqtt::Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// When the core's `at` comes, on tokio's clock (a year ahead when it does not fit).
    pub(crate) fn deadline(&self, at: iotmqtt::Instant) -> tokio::time::Instant {
        let far = Duration::from_secs(365 * 24 * 3600);
        self.epoch
            .checked_add(Duration::from_millis(at.as_millis()))
            .or_else(|| tokio::time::Instant::now().checked_add(far))
            .unwrap_or(self.epoch)
    }
}

/// The session's one deadline as a tokio timer: reset when the deadline moves, and
/// reporting when it passes.
pub(crate) struct Timer {
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
    at: Option<iotmqtt::Instant>,
}

impl Timer {
    pub(crate) fn new(clock: &Clock) -> Self {
        Timer {
            sleep: Box::pin(tokio::time::sleep_until(
                clock.deadline(iotmqtt::Instant::ZERO),
            )),
            at: None,
        }
    }

    /// Follows `deadline` (the session's `poll_timeout`); returns the time to pass to
    /// `handle_timeout` once it has come.
    pub(crate) fn poll(
        &mut self,
        cx: &mut std::task::Context<'_>,
        clock: &Clock,
        deadline: Option<iotmqtt::Instant>,
    ) -> Option<iotmqtt::Instant> {
        if deadline != self.at {
            self.at = deadline;
            if let Some(at) = deadline {
                self.sleep.as_mut().reset(clock.deadline(at));
            }
        }
        let at = self.at?;
        if self.sleep.as_mut().poll(cx).is_pending() {
            return None;
        }
        self.at = None;
        // The timer fired at `at`; the clock's millisecond may still read a little earlier.
        Some(clock.now().max(at))
    }
}
