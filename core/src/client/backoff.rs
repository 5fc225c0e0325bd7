//! Reconnect delays: exponential backoff with "equal jitter" from a small deterministic
//! generator (SplitMix64) seeded by the caller. The core has no random source of its own.

use core::time::Duration;

use super::config::ReconnectPolicy;

/// SplitMix64: tiny, fast, and good enough to spread reconnects apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) const fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The backoff state: how many attempts failed in a row, and the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Backoff {
    attempt: u32,
    rng: SplitMix64,
}

impl Backoff {
    pub(crate) const fn new(seed: u64) -> Self {
        Backoff {
            attempt: 0,
            rng: SplitMix64::new(seed),
        }
    }

    /// Attempts made since the last reset.
    pub(crate) const fn attempt(&self) -> u32 {
        self.attempt
    }

    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The delay before the next attempt; counts the attempt.
    pub(crate) fn next_delay(&mut self, policy: &ReconnectPolicy) -> Duration {
        let min = u64::try_from(policy.min_delay.as_millis()).unwrap_or(u64::MAX);
        let max = u64::try_from(policy.max_delay.as_millis()).unwrap_or(u64::MAX);
        let shift = self.attempt.min(63);
        let base = min.checked_shl(shift).filter(|v| v >> shift == min);
        let d = base.unwrap_or(u64::MAX).min(max).max(min.min(max));
        let half = d / 2;
        let span = d - half;
        let jitter = match span.checked_add(1) {
            Some(m) => self.rng.next_u64() % m,
            None => self.rng.next_u64(),
        };
        self.attempt = self.attempt.saturating_add(1);
        Duration::from_millis(half.saturating_add(jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_in_bounds_and_depend_on_the_seed() {
        let policy = ReconnectPolicy {
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(2_000),
            ..ReconnectPolicy::default()
        };
        let mut b = Backoff::new(7);
        let mut prev_cap = 0;
        for n in 0..40u32 {
            let cap = (100u64 << n.min(20)).min(2_000);
            let d = u64::try_from(b.next_delay(&policy).as_millis()).unwrap();
            assert!(
                d >= cap / 2 && d <= cap,
                "attempt {n}: {d} not in [{}, {cap}]",
                cap / 2
            );
            assert!(cap >= prev_cap);
            prev_cap = cap;
        }
        assert_eq!(b.attempt(), 40);
        b.reset();
        assert_eq!(b.attempt(), 0);
        let seq = |seed| {
            let mut b = Backoff::new(seed);
            (0..8)
                .map(|_| b.next_delay(&policy))
                .collect::<alloc::vec::Vec<_>>()
        };
        assert_eq!(seq(1), seq(1));
        assert_ne!(seq(1), seq(2));
    }

    #[test]
    fn huge_settings_saturate() {
        let policy = ReconnectPolicy {
            min_delay: Duration::from_millis(u64::MAX / 2),
            max_delay: Duration::MAX,
            ..ReconnectPolicy::default()
        };
        let mut b = Backoff::new(0);
        for _ in 0..100 {
            let d = b.next_delay(&policy);
            assert!(d >= Duration::from_millis(u64::MAX / 4));
        }
    }
}
