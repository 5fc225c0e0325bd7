//! Upstream pacing: IoTDA allows 50 messages and 1 MB per second per connection (IOTDA.md §1).
//!
//! [`RateLimiter`] is a token bucket whose tokens come back exactly one second after they were
//! spent: it holds `max` message tokens and `max_bytes` byte tokens, and remembers each spend
//! (at most `max` of them) until it is refilled. Unlike a bucket that refills continuously —
//! which lets up to twice the rate through in some one-second window (a full bucket, then the
//! refill) — no window of one second ever sees more than the limit, whatever window the
//! platform counts in, and a device that stays under the rate never waits.
//!
//! [`Outbox`] is the bounded queue of messages waiting for tokens or for a connection.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::event::PendingRequest;
use crate::codec::QoS;
use crate::time::Instant;

const WINDOW: Duration = Duration::from_secs(1);

/// A token bucket refilled one second after each spend.
#[derive(Debug, Clone)]
pub(super) struct RateLimiter {
    max_messages: usize,
    max_bytes: u64,
    /// When each token still out was spent, and how many byte tokens with it; oldest first.
    spent: VecDeque<(Instant, u64)>,
    bytes_out: u64,
}

impl RateLimiter {
    pub(super) fn new(max_messages: u32, max_bytes: u32) -> Self {
        RateLimiter {
            max_messages: usize::try_from(max_messages).unwrap_or(usize::MAX).max(1),
            max_bytes: u64::from(max_bytes).max(1),
            spent: VecDeque::new(),
            bytes_out: 0,
        }
    }

    /// Byte tokens a message of `len` bytes costs: its length, but never more than the bucket
    /// holds (a message larger than a second's budget waits for a full bucket).
    fn cost(&self, len: usize) -> u64 {
        u64::try_from(len).unwrap_or(u64::MAX).min(self.max_bytes)
    }

    /// Gives back the tokens spent a second or more before `now`.
    fn refill(&mut self, now: Instant) {
        while let Some(&(at, bytes)) = self.spent.front() {
            if at.saturating_add(WINDOW) > now {
                break;
            }
            self.spent.pop_front();
            self.bytes_out = self.bytes_out.saturating_sub(bytes);
        }
    }

    /// Spends the tokens of a `len`-byte message at `now`, if the bucket holds them.
    pub(super) fn try_take(&mut self, now: Instant, len: usize) -> bool {
        self.refill(now);
        let cost = self.cost(len);
        if self.spent.len() >= self.max_messages
            || self.bytes_out.saturating_add(cost) > self.max_bytes
        {
            return false;
        }
        self.spent.push_back((now, cost));
        self.bytes_out = self.bytes_out.saturating_add(cost);
        true
    }

    /// Returns the tokens of the last spend (the message could not be handed over after all).
    pub(super) fn give_back(&mut self) {
        if let Some((_, bytes)) = self.spent.pop_back() {
            self.bytes_out = self.bytes_out.saturating_sub(bytes);
        }
    }

    /// When a `len`-byte message can have its tokens, assuming nothing else is spent: `None`
    /// when it can now (as of the last refill).
    pub(super) fn ready_at(&self, len: usize) -> Option<Instant> {
        let cost = self.cost(len);
        let mut count = self.spent.len();
        let mut bytes = self.bytes_out;
        let mut last = None;
        for &(at, spent) in &self.spent {
            if count < self.max_messages && bytes.saturating_add(cost) <= self.max_bytes {
                break;
            }
            count -= 1;
            bytes = bytes.saturating_sub(spent);
            last = Some(at.saturating_add(WINDOW));
        }
        last
    }
}

/// A message waiting to be handed to the MQTT client.
#[derive(Debug, Clone)]
pub(super) struct Upstream {
    pub(super) topic: String,
    pub(super) payload: Vec<u8>,
    pub(super) qos: QoS,
    /// The requests it carries: their answer timers start when it is handed over.
    pub(super) requests: Vec<PendingRequest>,
}

impl Upstream {
    fn stored(&self) -> usize {
        self.topic.len().saturating_add(self.payload.len())
    }
}

/// The bounded queue of upstream messages, in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Outbox {
    queue: VecDeque<Upstream>,
    bytes: usize,
}

impl Outbox {
    /// True when one more message of `stored` bytes fits under the limits.
    pub(super) fn has_room(&self, max_messages: usize, max_bytes: usize, stored: usize) -> bool {
        self.queue.len() < max_messages && self.bytes.saturating_add(stored) <= max_bytes
    }

    pub(super) fn push(&mut self, m: Upstream) {
        self.bytes = self.bytes.saturating_add(m.stored());
        self.queue.push_back(m);
    }

    pub(super) fn front(&self) -> Option<&Upstream> {
        self.queue.front()
    }

    pub(super) fn pop(&mut self) -> Option<Upstream> {
        let m = self.queue.pop_front()?;
        self.bytes = self.bytes.saturating_sub(m.stored());
        Some(m)
    }

    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn the_fifty_first_message_in_a_second_waits_until_the_first_token_returns() {
        let mut r = RateLimiter::new(50, 1024 * 1024);
        for i in 0..50 {
            assert!(r.try_take(at(i * 10), 100), "message {i}");
        }
        assert!(!r.try_take(at(999), 100));
        assert_eq!(r.ready_at(100), Some(at(1000)));
        assert!(r.try_take(at(1000), 100));
        // The second token came back at 1,010 ms.
        assert!(!r.try_take(at(1005), 100));
        assert!(r.try_take(at(1010), 100));
    }

    #[test]
    fn no_one_second_window_sees_more_than_the_limit() {
        let mut r = RateLimiter::new(5, 1000);
        let mut sent = Vec::new();
        let mut t = 0;
        while t < 5_000 {
            if r.try_take(at(t), 10) {
                sent.push(t);
            }
            t += 7;
        }
        for (i, &start) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|&&s| s < start + 1000).count();
            assert!(
                in_window <= 5,
                "{in_window} sends in [{start}, {start}+1000)"
            );
        }
        assert!(sent.len() >= 25, "{}", sent.len());
    }

    #[test]
    fn bytes_are_limited_too_and_a_huge_message_waits_for_a_full_bucket() {
        let mut r = RateLimiter::new(50, 1000);
        assert!(r.try_take(at(0), 600));
        assert!(!r.try_take(at(1), 600));
        assert_eq!(r.ready_at(600), Some(at(1000)));
        assert!(r.try_take(at(1), 400));
        // Larger than the bucket: costs the whole bucket, so it waits for both spends.
        assert_eq!(r.ready_at(5000), Some(at(1001)));
        assert!(!r.try_take(at(1000), 5000));
        assert!(r.try_take(at(1001), 5000));
        assert_eq!(r.ready_at(1), Some(at(2001)));
    }

    #[test]
    fn the_outbox_counts_messages_and_bytes() {
        let mut o = Outbox::default();
        assert!(o.has_room(2, 10, 10));
        o.push(Upstream {
            topic: "t".into(),
            payload: b"12345".to_vec(),
            qos: QoS::AtMostOnce,
            requests: Vec::new(),
        });
        assert_eq!((o.len(), o.bytes()), (1, 6));
        assert!(!o.has_room(2, 10, 5));
        assert!(o.has_room(2, 10, 4));
        assert!(!o.has_room(1, 100, 1));
        assert_eq!(o.pop().map(|m| m.topic), Some("t".into()));
        assert_eq!((o.len(), o.bytes()), (0, 0));
    }
}
