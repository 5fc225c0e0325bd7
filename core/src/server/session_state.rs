//! [`ServerSessionState`]: what outlives a connection when the client asked for it.

use alloc::string::String;
use alloc::vec::Vec;

use super::outbound::Outbound;
use super::subscriptions::{ServerSubscription, Subscriptions};

/// The MQTT session of one client, detached from any connection (MQTT 5.0 §4.1): its
/// subscriptions, the messages queued or in flight to it, and the QoS 2 packet ids it has had
/// received but not yet released.
///
/// A closed [`ServerSession`](super::ServerSession) keeps this while the Session Expiry Interval
/// runs (and still accepts [`publish`](super::ServerSession::publish) for it). When the same
/// client connects again without Clean Start, take it with
/// [`take_session_state`](super::ServerSession::take_session_state) and hand it to the new
/// connection through [`ConnectAccept::session`](super::ConnectAccept::session): CONNACK then
/// says Session Present and unacknowledged messages are sent again with DUP set.
///
/// Expiry deadlines of queued messages are [`Instant`](crate::Instant)s on the caller's clock,
/// so a state is only meaningful within the process (or clock) that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSessionState {
    pub(crate) client_id: String,
    pub(crate) subscriptions: Subscriptions,
    pub(crate) outbound: Outbound,
    pub(crate) received_qos2: Vec<u16>,
    pub(crate) expiry_interval: u32,
}

impl ServerSessionState {
    /// The Client Identifier the session belongs to.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The subscriptions, in the order they were made.
    pub fn subscriptions(&self) -> impl Iterator<Item = &ServerSubscription> {
        self.subscriptions.iter()
    }

    /// Messages queued for the client or in flight to it.
    #[must_use]
    pub fn pending_messages(&self) -> usize {
        self.outbound.len()
    }

    /// The Session Expiry Interval in seconds (`u32::MAX`: never).
    #[must_use]
    pub const fn expiry_interval(&self) -> u32 {
        self.expiry_interval
    }
}
