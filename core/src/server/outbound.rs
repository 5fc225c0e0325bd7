//! Messages on their way to the client: the queue, the in-flight window and packet identifiers.
//!
//! A message waits in the queue until the client's Receive Maximum leaves room, then is sent and
//! (QoS 1 and 2) stays in flight until acknowledged. Both live in the session state, so a
//! resumed session sends its in-flight messages again, with DUP set, and its PUBRELs
//! [MQTT-4.4.0-1].

use alloc::collections::{BTreeSet, VecDeque};
use alloc::vec::Vec;

use super::message::ServerMessage;
use crate::codec::{PacketId, PubAckReason, QoS};
use crate::error::{ProtocolError, UsageError};
use crate::time::Instant;

/// A message accepted for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) message: ServerMessage,
    pub(crate) packet_id: Option<PacketId>,
    /// When the Message Expiry Interval runs out.
    pub(crate) expires_at: Option<Instant>,
    /// Subscription Identifiers to send with it (5.0).
    pub(crate) subscription_ids: Vec<u32>,
}

/// Where a QoS 1 or 2 delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// QoS 1 PUBLISH sent, waiting for PUBACK.
    Unacked,
    /// QoS 2 PUBLISH sent, waiting for PUBREC.
    Unreceived,
    /// PUBREL sent, waiting for PUBCOMP.
    Uncompleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub(crate) id: PacketId,
    pub(crate) phase: Phase,
    /// The message while it may need sending again (not in [`Phase::Uncompleted`]).
    pub(crate) pending: Option<Pending>,
    /// False after a session resumes, until the packet has been sent on the new connection.
    pub(crate) sent: bool,
}

/// What a PUBREC leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PubRecOutcome {
    /// Send PUBREL (the delivery moved on, or this PUBREC is a repeat).
    Release,
    /// The client refused the message (reason 0x80 or above); the delivery is over.
    Refused(PubAckReason),
    /// No QoS 2 delivery has this id: answer PUBREL with Packet Identifier not found.
    NotFound,
}

/// Limits on what may wait.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    pub(crate) messages: usize,
    pub(crate) bytes: usize,
}

/// The outgoing half of a session's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outbound {
    pub(crate) inflight: VecDeque<InFlight>,
    pub(crate) queue: VecDeque<Pending>,
    used_ids: BTreeSet<u16>,
    next_id: u16,
    held_bytes: usize,
    unsent: usize,
}

impl Default for Outbound {
    fn default() -> Self {
        Outbound {
            inflight: VecDeque::new(),
            queue: VecDeque::new(),
            used_ids: BTreeSet::new(),
            next_id: 1,
            held_bytes: 0,
            unsent: 0,
        }
    }
}

impl Outbound {
    /// Messages waiting or in flight.
    pub(crate) fn len(&self) -> usize {
        self.inflight.len().saturating_add(self.queue.len())
    }

    /// Heap bytes of the messages held.
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Accepts `message` for delivery: checks the limits, then gives it a packet id (QoS > 0).
    pub(crate) fn enqueue(
        &mut self,
        message: ServerMessage,
        expires_at: Option<Instant>,
        subscription_ids: Vec<u32>,
        limits: QueueLimits,
    ) -> Result<Option<PacketId>, UsageError> {
        let cost = message.heap_bytes();
        if self.len() >= limits.messages || self.held_bytes.saturating_add(cost) > limits.bytes {
            return Err(UsageError::QueueFull);
        }
        let packet_id = if message.qos == QoS::AtMostOnce {
            None
        } else {
            Some(self.allocate_id()?)
        };
        self.held_bytes = self.held_bytes.saturating_add(cost);
        self.queue.push_back(Pending {
            message,
            packet_id,
            expires_at,
            subscription_ids,
        });
        Ok(packet_id)
    }

    fn allocate_id(&mut self) -> Result<PacketId, UsageError> {
        if self.used_ids.len() >= usize::from(u16::MAX) {
            return Err(UsageError::PacketIdsExhausted);
        }
        loop {
            let candidate = self.next_id;
            self.next_id = if candidate == u16::MAX {
                1
            } else {
                candidate.saturating_add(1)
            };
            if let Some(id) = PacketId::new(candidate) {
                if self.used_ids.insert(candidate) {
                    return Ok(id);
                }
            }
        }
    }

    /// Forgets a message that will never be sent (expired, too large) and frees its id.
    pub(crate) fn release(&mut self, pending: &Pending) {
        self.held_bytes = self.held_bytes.saturating_sub(pending.message.heap_bytes());
        if let Some(id) = pending.packet_id {
            self.used_ids.remove(&id.get());
        }
    }

    /// In-flight entries sent on this connection.
    fn sent_count(&self) -> usize {
        self.inflight.len().saturating_sub(self.unsent)
    }

    /// The first in-flight entry still to be sent on this connection, if the window allows.
    pub(crate) fn next_resend(&self, window: usize) -> Option<usize> {
        if self.unsent == 0 || self.sent_count() >= window {
            return None;
        }
        self.inflight.iter().position(|f| !f.sent)
    }

    /// Marks in-flight entry `index` as sent.
    pub(crate) fn mark_sent(&mut self, index: usize) {
        if let Some(f) = self.inflight.get_mut(index) {
            if !f.sent {
                f.sent = true;
                self.unsent = self.unsent.saturating_sub(1);
            }
        }
    }

    /// Removes in-flight entry `index` for good (it cannot be sent); returns it.
    pub(crate) fn drop_inflight(&mut self, index: usize) -> Option<InFlight> {
        let f = self.inflight.remove(index)?;
        if !f.sent {
            self.unsent = self.unsent.saturating_sub(1);
        }
        if let Some(p) = &f.pending {
            self.release(p);
        } else {
            self.used_ids.remove(&f.id.get());
        }
        Some(f)
    }

    /// The next queued message, if it may be sent now: nothing from before a resume is still
    /// unsent, and a QoS 1/2 message fits in the window.
    pub(crate) fn pop_sendable(&mut self, window: usize) -> Option<Pending> {
        if self.unsent > 0 {
            return None;
        }
        let front = self.queue.front()?;
        if front.message.qos != QoS::AtMostOnce && self.inflight.len() >= window {
            return None;
        }
        self.queue.pop_front()
    }

    /// Records a message just sent: QoS 0 is done, QoS 1/2 go in flight.
    pub(crate) fn sent(&mut self, pending: Pending) {
        let phase = match pending.message.qos {
            QoS::AtMostOnce => None,
            QoS::AtLeastOnce => Some(Phase::Unacked),
            QoS::ExactlyOnce => Some(Phase::Unreceived),
        };
        match (phase, pending.packet_id) {
            (Some(phase), Some(id)) => self.inflight.push_back(InFlight {
                id,
                phase,
                pending: Some(pending),
                sent: true,
            }),
            _ => self.release(&pending),
        }
    }

    fn position(&self, id: PacketId) -> Option<usize> {
        self.inflight.iter().position(|f| f.id == id)
    }

    /// A PUBACK arrived.
    pub(crate) fn on_puback(&mut self, id: PacketId) -> Result<(), ProtocolError> {
        match self.position(id) {
            Some(i)
                if self
                    .inflight
                    .get(i)
                    .is_some_and(|f| f.phase == Phase::Unacked) =>
            {
                self.drop_inflight(i);
                Ok(())
            }
            _ => Err(ProtocolError::UnknownPacketId(id.get())),
        }
    }

    /// A PUBREC arrived.
    pub(crate) fn on_pubrec(
        &mut self,
        id: PacketId,
        reason: PubAckReason,
    ) -> Result<PubRecOutcome, ProtocolError> {
        let Some(i) = self.position(id) else {
            return Ok(PubRecOutcome::NotFound);
        };
        let phase = self.inflight.get(i).map(|f| f.phase);
        match phase {
            Some(Phase::Unreceived) if reason.is_error() => {
                self.drop_inflight(i);
                Ok(PubRecOutcome::Refused(reason))
            }
            Some(Phase::Unreceived | Phase::Uncompleted) => {
                self.mark_sent(i);
                if let Some(f) = self.inflight.get_mut(i) {
                    f.phase = Phase::Uncompleted;
                    if let Some(p) = f.pending.take() {
                        self.held_bytes = self.held_bytes.saturating_sub(p.message.heap_bytes());
                    }
                }
                Ok(PubRecOutcome::Release)
            }
            _ => Err(ProtocolError::UnknownPacketId(id.get())),
        }
    }

    /// A PUBCOMP arrived.
    pub(crate) fn on_pubcomp(&mut self, id: PacketId) -> Result<(), ProtocolError> {
        match self.position(id) {
            Some(i)
                if self
                    .inflight
                    .get(i)
                    .is_some_and(|f| f.phase == Phase::Uncompleted) =>
            {
                self.drop_inflight(i);
                Ok(())
            }
            _ => Err(ProtocolError::UnknownPacketId(id.get())),
        }
    }

    /// Prepares for a new connection: everything in flight must be sent again.
    pub(crate) fn resume(&mut self) {
        for f in &mut self.inflight {
            f.sent = false;
        }
        self.unsent = self.inflight.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: QueueLimits = QueueLimits {
        messages: 4,
        bytes: 1000,
    };

    fn msg(qos: QoS) -> ServerMessage {
        ServerMessage::new("t", b"p".to_vec(), qos)
    }

    #[test]
    fn ids_are_unique_and_reused_after_acks() {
        let mut o = Outbound::default();
        let a = o
            .enqueue(msg(QoS::AtLeastOnce), None, Vec::new(), LIMITS)
            .unwrap();
        let b = o
            .enqueue(msg(QoS::ExactlyOnce), None, Vec::new(), LIMITS)
            .unwrap();
        assert_eq!(
            o.enqueue(msg(QoS::AtMostOnce), None, Vec::new(), LIMITS),
            Ok(None)
        );
        assert_ne!(a, b);
        assert_eq!(o.held_bytes(), 6);
        for _ in 0..3 {
            let p = o.pop_sendable(10).unwrap();
            o.sent(p);
        }
        assert_eq!(o.inflight.len(), 2);
        o.on_puback(a.unwrap()).unwrap();
        assert_eq!(
            o.on_puback(b.unwrap()),
            Err(ProtocolError::UnknownPacketId(b.unwrap().get()))
        );
        assert_eq!(
            o.on_pubrec(b.unwrap(), PubAckReason::Success),
            Ok(PubRecOutcome::Release)
        );
        assert_eq!(o.held_bytes(), 0);
        assert_eq!(
            o.on_pubrec(b.unwrap(), PubAckReason::Success),
            Ok(PubRecOutcome::Release)
        );
        o.on_pubcomp(b.unwrap()).unwrap();
        assert_eq!(o.len(), 0);
        assert_eq!(
            o.on_pubrec(b.unwrap(), PubAckReason::Success),
            Ok(PubRecOutcome::NotFound)
        );
    }

    #[test]
    fn limits_and_window() {
        let mut o = Outbound::default();
        for _ in 0..4 {
            o.enqueue(msg(QoS::AtLeastOnce), None, Vec::new(), LIMITS)
                .unwrap();
        }
        assert_eq!(
            o.enqueue(msg(QoS::AtLeastOnce), None, Vec::new(), LIMITS),
            Err(UsageError::QueueFull)
        );
        let p = o.pop_sendable(1).unwrap();
        o.sent(p);
        assert!(o.pop_sendable(1).is_none());
        o.resume();
        assert!(o.pop_sendable(5).is_none(), "resends go first");
        assert_eq!(o.next_resend(1), Some(0));
        o.mark_sent(0);
        assert_eq!(o.next_resend(1), None);
        assert!(o.pop_sendable(2).is_some());
        let big = ServerMessage::new("t", alloc::vec![0u8; 2000], QoS::AtMostOnce);
        assert_eq!(
            Outbound::default().enqueue(big, None, Vec::new(), LIMITS),
            Err(UsageError::QueueFull)
        );
    }

    #[test]
    fn refused_pubrec_ends_the_delivery() {
        let mut o = Outbound::default();
        let id = o
            .enqueue(msg(QoS::ExactlyOnce), None, Vec::new(), LIMITS)
            .unwrap()
            .unwrap();
        let p = o.pop_sendable(1).unwrap();
        o.sent(p);
        assert_eq!(
            o.on_pubrec(id, PubAckReason::QuotaExceeded),
            Ok(PubRecOutcome::Refused(PubAckReason::QuotaExceeded))
        );
        assert_eq!((o.len(), o.held_bytes()), (0, 0));
    }

    #[test]
    fn exhausting_ids_is_an_error_not_a_hang() {
        let mut o = Outbound::default();
        let limits = QueueLimits {
            messages: usize::MAX,
            bytes: usize::MAX,
        };
        for _ in 0..u16::MAX {
            o.enqueue(msg(QoS::AtLeastOnce), None, Vec::new(), limits)
                .unwrap();
        }
        assert_eq!(
            o.enqueue(msg(QoS::AtLeastOnce), None, Vec::new(), limits),
            Err(UsageError::PacketIdsExhausted)
        );
        assert_eq!(
            o.enqueue(msg(QoS::AtMostOnce), None, Vec::new(), limits),
            Ok(None)
        );
    }
}
