//! The session state that outlives a connection (and that `snapshot` saves): messages queued and
//! in flight, QoS 2 ids received, SUBSCRIBE/UNSUBSCRIBE requests, the subscriptions to restore,
//! packet-identifier allocation.

use super::fifo::Fifo;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::ids::IdSet;
use crate::codec::client_side::own_request;
use crate::codec::{
    Packet, PacketId, Properties, PropertyContext, ProtocolVersion, QoS, SubscriptionOptions,
    write_properties_body,
};

/// A message the application published, owned: topic, property wire bytes and payload in one
/// allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutMsg {
    data: Box<[u8]>,
    topic_len: u16,
    props_len: u32,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) id: Option<PacketId>,
}

impl OutMsg {
    /// Builds the stored form from property wire bytes (already validated); `None` if a length
    /// does not fit.
    pub(crate) fn new(
        topic: &str,
        props: &[u8],
        payload: &[u8],
        qos: QoS,
        retain: bool,
        id: Option<PacketId>,
    ) -> Option<Self> {
        let total = topic
            .len()
            .checked_add(props.len())?
            .checked_add(payload.len())?;
        let props = Properties::from_wire(props);
        OutMsg::build(topic, &props, total, payload, qos, retain, id)
    }

    /// Builds the stored form straight from the caller's values, in one exact allocation of
    /// `total` bytes (topic, property encoding, payload); `None` if a length does not fit.
    pub(crate) fn build(
        topic: &str,
        props: &Properties<'_>,
        total: usize,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        id: Option<PacketId>,
    ) -> Option<Self> {
        let topic_len = u16::try_from(topic.len()).ok()?;
        let mut data = Vec::with_capacity(total);
        data.extend_from_slice(topic.as_bytes());
        let props_len = write_properties_body(props, PropertyContext::Publish, &mut data).ok()?;
        data.extend_from_slice(payload);
        Some(OutMsg {
            data: data.into_boxed_slice(),
            topic_len,
            props_len: u32::try_from(props_len).ok()?,
            qos,
            retain,
            id,
        })
    }

    /// Stored bytes (what counts against `max_queued_bytes`).
    pub(crate) fn size(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn topic(&self) -> &str {
        let bytes = self.data.get(..usize::from(self.topic_len)).unwrap_or(&[]);
        core::str::from_utf8(bytes).unwrap_or("")
    }

    pub(crate) fn props_bytes(&self) -> &[u8] {
        let start = usize::from(self.topic_len);
        let end = start.saturating_add(self.props_len as usize);
        self.data.get(start..end).unwrap_or(&[])
    }

    pub(crate) fn properties(&self) -> Properties<'_> {
        Properties::from_wire(self.props_bytes())
    }

    pub(crate) fn payload(&self) -> &[u8] {
        let start = usize::from(self.topic_len).saturating_add(self.props_len as usize);
        self.data.get(start..).unwrap_or(&[])
    }

    /// Frees the topic and payload (after PUBREC only the identifier matters).
    pub(crate) fn release(&mut self) {
        self.data = Box::default();
        self.topic_len = 0;
        self.props_len = 0;
    }
}

/// Where an outgoing QoS > 0 message is in its exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutState {
    /// QoS 1, PUBLISH sent.
    Qos1Sent = 1,
    /// QoS 2, PUBLISH sent.
    Qos2Sent = 2,
    /// QoS 2, PUBREC received and PUBREL sent.
    Released = 3,
}

impl OutState {
    pub(crate) fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(OutState::Qos1Sent),
            2 => Some(OutState::Qos2Sent),
            3 => Some(OutState::Released),
            _ => None,
        }
    }
}

/// A QoS > 0 message that has been sent and is not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub(crate) msg: OutMsg,
    pub(crate) id: PacketId,
    pub(crate) state: OutState,
    /// Must be sent again (PUBLISH with DUP, or PUBREL) on this connection.
    pub(crate) resend: bool,
}

impl InFlight {
    /// The PUBLISH that sends this message again (DUP set).
    pub(crate) fn dup_publish(&self) -> crate::codec::Publish<'_> {
        crate::codec::Publish {
            dup: true,
            qos: self.msg.qos,
            retain: self.msg.retain,
            topic: self.msg.topic(),
            packet_id: Some(self.id),
            properties: self.msg.properties(),
            payload: self.msg.payload(),
        }
    }
}

/// Where a received QoS > 0 message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InState {
    /// Handed to the application (or waiting in the event queue); not acknowledged yet.
    AwaitingAck = 1,
    /// QoS 2: PUBREC sent, waiting for PUBREL. Duplicates are not delivered again.
    AwaitingPubrel = 2,
    /// Acknowledged by the application; its PUBACK or PUBREC waits until every message received
    /// before it is acknowledged too [MQTT-4.6.0-2, MQTT-4.6.0-3].
    AckHeld = 3,
}

/// A received QoS > 0 message not yet fully acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InEntry {
    pub(crate) id: PacketId,
    pub(crate) qos2: bool,
    pub(crate) state: InState,
}

/// SUBSCRIBE or UNSUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    Subscribe = 1,
    Unsubscribe = 2,
}

/// A SUBSCRIBE or UNSUBSCRIBE awaiting its acknowledgement, kept as its encoded packet (resent
/// as is after a reconnect, read again to apply the acknowledgement). The bytes are the
/// encoder's, or passed the decoder in `restore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) id: PacketId,
    pub(crate) kind: RequestKind,
    pub(crate) packet: Vec<u8>,
    pub(crate) sent: bool,
    pub(crate) resubscribe: bool,
}

impl Request {
    /// Topic filters of this request with their options (UNSUBSCRIBE: default options) and the
    /// Subscription Identifier.
    pub(crate) fn filters(
        &self,
        version: ProtocolVersion,
    ) -> (Vec<(&str, SubscriptionOptions)>, Option<u32>) {
        match own_request(&self.packet, version) {
            Some(Packet::Subscribe(s)) => (
                s.subscriptions
                    .iter()
                    .map(|x| (x.filter, x.options))
                    .collect(),
                s.properties.subscription_identifiers().next(),
            ),
            Some(Packet::Unsubscribe(u)) => (
                u.filters
                    .iter()
                    .map(|f| (f, SubscriptionOptions::default()))
                    .collect(),
                None,
            ),
            _ => (Vec::new(), None),
        }
    }

    /// Number of topic filters.
    pub(crate) fn filter_count(&self, version: ProtocolVersion) -> usize {
        match own_request(&self.packet, version) {
            Some(Packet::Subscribe(s)) => s.subscriptions.len(),
            Some(Packet::Unsubscribe(u)) => u.filters.len(),
            _ => 0,
        }
    }
}

/// A subscription the server granted, remembered for re-subscription on a new session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubRecord {
    pub(crate) filter: String,
    pub(crate) options: SubscriptionOptions,
    pub(crate) granted: QoS,
    pub(crate) sub_id: Option<u32>,
}

/// Everything that survives a connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Session {
    /// Not yet sent on the current connection, in publish order (all QoS).
    pub(crate) pending: Fifo<OutMsg>,
    /// Sent and unacknowledged, in send order.
    pub(crate) inflight: Fifo<InFlight>,
    /// Sum of `OutMsg::size` over `pending` and `inflight`.
    pub(crate) stored_bytes: usize,
    /// Received QoS > 0 messages not fully acknowledged, in the order they were received.
    pub(crate) incoming: Vec<InEntry>,
    /// SUBSCRIBE/UNSUBSCRIBE awaiting acknowledgement, in request order.
    pub(crate) requests: Vec<Request>,
    /// Granted subscriptions.
    pub(crate) subscriptions: Vec<SubRecord>,
    /// The last packet identifier handed out.
    pub(crate) last_id: u16,
    /// Packet identifiers in use: queued and in-flight messages, requests.
    pub(crate) ids: IdSet,
    /// Incremented whenever the server starts a new session (ack tokens carry it).
    pub(crate) epoch: u32,
    /// A CONNACK accepted a session at least once (later 5.0 CONNECTs ask to resume it).
    pub(crate) started: bool,
}

impl Session {
    /// Messages held (queued and in flight).
    pub(crate) fn stored_messages(&self) -> usize {
        self.pending.len().saturating_add(self.inflight.len())
    }

    /// The application's requests: those `max_subscriptions` bounds (re-subscriptions are
    /// bounded by the remembered subscriptions instead).
    pub(crate) fn own_requests(&self) -> usize {
        self.requests.iter().filter(|r| !r.resubscribe).count()
    }

    /// Claims the next free packet identifier after the last one handed out, or `None` when
    /// all 65,535 are in use. [`Session::forget`] and answered requests release it.
    pub(crate) fn allocate_id(&mut self) -> Option<PacketId> {
        let id = self.next_free_id()?;
        self.claim_id(id);
        Some(id)
    }

    /// The identifier [`Session::allocate_id`] would claim, without claiming it: a command
    /// builds and checks its packet with it first, so that a refused command leaves the
    /// allocator exactly as it was.
    pub(crate) fn next_free_id(&self) -> Option<PacketId> {
        if self.ids.len() >= usize::from(u16::MAX) {
            return None;
        }
        let mut candidate = self.last_id;
        for _ in 0..u16::MAX {
            candidate = if candidate == u16::MAX {
                1
            } else {
                candidate + 1
            };
            let id = PacketId::new(candidate)?;
            if !self.ids.contains(id) {
                return Some(id);
            }
        }
        None
    }

    /// Marks `id` (from [`Session::next_free_id`]) in use and the last one handed out.
    pub(crate) fn claim_id(&mut self, id: PacketId) {
        if self.ids.insert(id) {
            self.last_id = id.get();
        }
    }

    pub(crate) fn release_id(&mut self, id: PacketId) {
        self.ids.remove(id);
    }

    pub(crate) fn push_pending(&mut self, msg: OutMsg) {
        self.stored_bytes = self.stored_bytes.saturating_add(msg.size());
        self.pending.push_back(msg);
    }

    /// Forgets a message that left the session (acknowledged, sent at QoS 0, dropped): its
    /// bytes and its packet identifier are free again.
    pub(crate) fn forget(&mut self, msg: &OutMsg) {
        self.stored_bytes = self.stored_bytes.saturating_sub(msg.size());
        if let Some(id) = msg.id {
            self.ids.remove(id);
        }
    }

    /// Position of the in-flight message `id`.
    pub(crate) fn inflight_pos(&self, id: PacketId) -> Option<usize> {
        // Acknowledgements usually come in order: the front is checked first.
        self.inflight.iter().position(|f| f.id == id)
    }

    pub(crate) fn incoming_pos(&self, id: PacketId) -> Option<usize> {
        self.incoming.iter().position(|e| e.id == id)
    }

    /// Records what a SUBACK granted (replacing an earlier record of the same filter).
    pub(crate) fn record_subscription(
        &mut self,
        filter: &str,
        options: SubscriptionOptions,
        granted: QoS,
        sub_id: Option<u32>,
    ) {
        match self.subscriptions.iter_mut().find(|s| s.filter == filter) {
            Some(s) => {
                s.options = options;
                s.granted = granted;
                s.sub_id = sub_id;
            }
            None => self.subscriptions.push(SubRecord {
                filter: String::from(filter),
                options,
                granted,
                sub_id,
            }),
        }
    }

    pub(crate) fn forget_subscription(&mut self, filter: &str) {
        self.subscriptions.retain(|s| s.filter != filter);
    }
}

/// One matching rule for the whole crate: the server's, which also refuses invalid filters and
/// topics.
pub use crate::server::topic_matches;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_filter_matching() {
        for (f, t, m) in [
            ("a/b", "a/b", true),
            ("a/+", "a/b", true),
            ("a/+", "a/b/c", false),
            ("a/#", "a", true),
            ("a/#", "a/b/c", true),
            ("#", "a/b", true),
            ("#", "$SYS/x", false),
            ("+/x", "$SYS/x", false),
            ("$SYS/#", "$SYS/x", true),
            ("+/+", "/x", true),
            ("$share/g/a/+", "a/b", true),
            ("a/b", "a/c", false),
            ("a", "a/b", false),
        ] {
            assert_eq!(topic_matches(f, t), m, "{f} vs {t}");
        }
    }

    #[test]
    fn ids_skip_those_in_use_and_wrap() {
        let mut s = Session::default();
        let a = s.allocate_id().unwrap();
        assert_eq!(a.get(), 1);
        let msg = OutMsg::new("t", &[], b"x", QoS::AtLeastOnce, false, Some(a)).unwrap();
        s.push_pending(msg);
        s.last_id = 0;
        assert_eq!(s.allocate_id().unwrap().get(), 2);
        // Allocated identifiers are claimed: 1 and 2 are in use.
        s.last_id = u16::MAX;
        assert_eq!(s.allocate_id().unwrap().get(), 3);
        s.release_id(PacketId::new(2).unwrap());
        s.last_id = u16::MAX;
        assert_eq!(s.allocate_id().unwrap().get(), 2);
        assert_eq!(s.stored_bytes, 2);
    }

    #[test]
    fn stored_message_views() {
        let m = OutMsg::new("a/b", &[0x01, 0x01], b"pay", QoS::AtMostOnce, true, None).unwrap();
        assert_eq!(m.topic(), "a/b");
        assert_eq!(m.properties().payload_format_indicator(), Some(true));
        assert_eq!(m.payload(), b"pay");
        assert_eq!(m.size(), 8);
        let mut m = m;
        m.release();
        assert_eq!((m.topic(), m.payload(), m.size()), ("", &b""[..], 0));
    }
}
