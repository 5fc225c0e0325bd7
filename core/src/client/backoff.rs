//! Reconnect delays: exponential backoff with "equal jitter" from a small deterministic
//! generator (SplitMix64) seeded by the caller. The core has no random source of its own.

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

    /// The delay before the next attempt, in milliseconds; counts the attempt.
    pub(crate) fn next_delay_ms(&mut self, policy: &ReconnectPolicy) -> u64 {
        let min = u64::try_from(policy.min_delay.as_millis()).unwrap_or(u64::MAX);
        let max = u64::try_from(policy.max_delay.as_millis()).unwrap_or(u64::MAX);
        let shift = self.attempt.min(63);
        let base = min.checked_shl(shift).filter(|v| v >> shift == min);
        let d = base.unwrap_or(u64::MAX).min(max).max(min.min(max));
        let half = d / 2;
        let span = d - half;
        let jitter = match span.checked_add(1) {
            Some(m) => rem(self.rng.next_u64(), m),
            None => self.rng.next_u64(),
        };
        self.attempt = self.attempt.saturating_add(1);
        half.saturating_add(jitter)
    }
}

/// `x % m` for `m > 0` by binary long division: the value of the `%` operator, without the
/// compiler's 64-bit division routine that `%` links on a 32-bit MCU (0.9 KB of a Cortex-M4
/// client, BENCHMARKS.md issue 7). Sixty-four steps, once per reconnect.
fn rem(x: u64, m: u64) -> u64 {
    let mut r = 0u64;
    for i in (0..64).rev() {
        // `r < m` before the shift; a bit shifted out of `r` means the true value is above
        // `m`, and the wrapping subtraction gives the right (smaller than `m`) remainder.
        let carry = r >> 63;
        r = (r << 1) | ((x >> i) & 1);
        if carry != 0 || r >= m {
            r = r.wrapping_sub(m);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use proptest::prelude::*;

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
            let d = b.next_delay_ms(&policy);
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
                .map(|_| b.next_delay_ms(&policy))
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
            let d = b.next_delay_ms(&policy);
            assert!(d >= u64::MAX / 4);
        }
    }

    #[test]
    fn rem_at_the_edges() {
        for (x, m) in [
            (0, 1),
            (u64::MAX, 1),
            (u64::MAX, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            (u64::MAX, 1 << 63),
            (u64::MAX, (1 << 63) + 1),
            (1 << 63, (1 << 63) + 1),
            (12_345, 1_000),
            (999, 1_000),
        ] {
            assert_eq!(rem(x, m), x % m, "{x} % {m}");
        }
    }

    proptest! {
        #[test]
        fn rem_is_the_remainder(x in any::<u64>(), m in 1u64..) {
            prop_assert_eq!(rem(x, m), x % m);
        }

        #[test]
        fn rem_of_small_spans(x in any::<u64>(), m in 1u64..100_000) {
            prop_assert_eq!(rem(x, m), x % m);
        }
    }
}
