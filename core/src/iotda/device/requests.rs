//! Device-originated requests waiting for their answer: ids made up from a counter and the
//! caller's seed (no random source), a bounded table, and one timeout each that starts when
//! the request is handed to the MQTT client.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::event::{PendingRequest, RequestKind};
use crate::time::Instant;

#[derive(Debug, Clone)]
struct Waiting {
    request: PendingRequest,
    /// When it times out; `None` until it was sent.
    deadline: Option<Instant>,
    /// A time-sync request's `device_send_time`, to match an answer without an event id.
    device_send_time: Option<u64>,
}

/// The table of requests waiting for an answer.
#[derive(Debug, Clone)]
pub(super) struct Requests {
    seed: u64,
    counter: u64,
    waiting: Vec<Waiting>,
}

impl Requests {
    pub(super) fn new(seed: u64) -> Self {
        Requests {
            seed,
            counter: 0,
            waiting: Vec::new(),
        }
    }

    /// A new id, `{seed:x}-{n}`: unique for this device as long as the seed is.
    pub(super) fn next_id(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        format!("{:x}-{}", self.seed, self.counter)
    }

    pub(super) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Starts waiting for an answer to `request` (its timer starts at [`Requests::sent`]).
    pub(super) fn add(&mut self, request: PendingRequest, device_send_time: Option<u64>) {
        self.waiting.push(Waiting {
            request,
            deadline: None,
            device_send_time,
        });
    }

    /// `request` went to the MQTT client at `now`: its answer is due by `now + timeout`.
    pub(super) fn sent(&mut self, request: &PendingRequest, now: Instant, timeout: Duration) {
        if let Some(w) = self.waiting.iter_mut().find(|w| w.request == *request) {
            w.deadline = Some(now.saturating_add(timeout));
        }
    }

    /// Forgets `request` (it could not be sent).
    pub(super) fn remove(&mut self, request: &PendingRequest) {
        self.waiting.retain(|w| w.request != *request);
    }

    /// Forgets every request of `kind` but `id` (a new bootstrap request replaces the old).
    pub(super) fn remove_kind_except(&mut self, kind: RequestKind, id: &str) {
        self.waiting
            .retain(|w| w.request.kind != kind || w.request.id == id);
    }

    /// Takes the request of `kind` an answer belongs to: the one with the answer's `id`;
    /// otherwise the one whose `device_send_time` it echoes (time sync); otherwise, when the
    /// answer carries no id, the oldest of that kind. An answer with an unknown id matches
    /// nothing (its request timed out, or it is not ours).
    pub(super) fn answer(
        &mut self,
        kind: RequestKind,
        id: Option<&str>,
        device_send_time: Option<u64>,
    ) -> Option<PendingRequest> {
        let of_kind = |w: &Waiting| w.request.kind == kind;
        let position = id
            .and_then(|id| {
                self.waiting
                    .iter()
                    .position(|w| of_kind(w) && w.request.id == id)
            })
            .or_else(|| {
                let t = device_send_time?;
                self.waiting
                    .iter()
                    .position(|w| of_kind(w) && w.device_send_time == Some(t))
            })
            .or_else(|| match id {
                None => self.waiting.iter().position(of_kind),
                Some(_) => None,
            })?;
        Some(self.waiting.remove(position).request)
    }

    /// Takes every request whose answer is overdue at `now`, oldest first.
    pub(super) fn expire(&mut self, now: Instant) -> Vec<PendingRequest> {
        let mut expired = Vec::new();
        self.waiting.retain(|w| {
            if w.deadline.is_some_and(|d| d <= now) {
                expired.push(w.request.clone());
                false
            } else {
                true
            }
        });
        expired
    }

    /// The earliest answer deadline.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.waiting.iter().filter_map(|w| w.deadline).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: RequestKind, id: &str) -> PendingRequest {
        PendingRequest {
            kind,
            id: id.into(),
        }
    }

    #[test]
    fn ids_come_from_the_seed_and_a_counter() {
        let mut r = Requests::new(0xabc);
        assert_eq!(r.next_id(), "abc-1");
        assert_eq!(r.next_id(), "abc-2");
        assert_eq!(Requests::new(0xabc).next_id(), "abc-1");
    }

    #[test]
    fn answers_match_by_id_then_echo_then_age_and_timeouts_start_when_sent() {
        let mut r = Requests::new(1);
        r.add(req(RequestKind::TimeSync, "a"), Some(10));
        r.add(req(RequestKind::TimeSync, "b"), Some(20));
        r.add(req(RequestKind::Shadow, "c"), None);
        r.add(req(RequestKind::Shadow, "d"), None);
        assert_eq!(r.answer(RequestKind::Shadow, Some("x"), None), None);
        assert_eq!(
            r.answer(RequestKind::TimeSync, None, Some(20)),
            Some(req(RequestKind::TimeSync, "b"))
        );
        assert_eq!(
            r.answer(RequestKind::Shadow, Some("d"), None),
            Some(req(RequestKind::Shadow, "d"))
        );
        assert_eq!(r.next_deadline(), None);
        r.sent(
            &req(RequestKind::Shadow, "c"),
            Instant::from_millis(5),
            Duration::from_secs(1),
        );
        assert_eq!(r.next_deadline(), Some(Instant::from_millis(1005)));
        assert!(r.expire(Instant::from_millis(1004)).is_empty());
        assert_eq!(
            r.expire(Instant::from_millis(1005)),
            [req(RequestKind::Shadow, "c")]
        );
        // An unknown id matches nothing; without id or echo: the oldest of the kind.
        assert_eq!(r.answer(RequestKind::TimeSync, Some("zz"), Some(99)), None);
        assert_eq!(
            r.answer(RequestKind::TimeSync, None, Some(99)),
            Some(req(RequestKind::TimeSync, "a"))
        );
        assert_eq!(r.len(), 0);
    }
}
