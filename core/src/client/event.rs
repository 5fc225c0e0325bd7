//! What a client tells the application: [`Event`] and the owned data it carries. Events never
//! borrow from the client.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::codec::{
    OwnedProperties, PacketId, QoS, ReasonCode, SubAckReason, UnsubAckReason, Violation,
};
use crate::error::Error;
use crate::time::Instant;

/// Identifies one received QoS 1/2 message for [`Client::ack`](super::Client::ack): the packet
/// identifier and the session it belongs to, so that a token from a lost session can never
/// acknowledge a newer message that reuses the identifier. Convert with [`AckToken::to_u64`] and
/// [`AckToken::from_u64`] across a language boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AckToken(u64);

impl AckToken {
    pub(crate) fn new(epoch: u32, id: PacketId) -> Self {
        AckToken((u64::from(epoch) << 16) | u64::from(id.get()))
    }

    pub(crate) fn epoch(self) -> u64 {
        self.0 >> 16
    }

    pub(crate) fn packet_id(self) -> Option<PacketId> {
        PacketId::new(u16::try_from(self.0 & 0xFFFF).unwrap_or(0))
    }

    /// The token as a number.
    #[must_use]
    pub const fn to_u64(self) -> u64 {
        self.0
    }

    /// A token from [`AckToken::to_u64`].
    #[must_use]
    pub const fn from_u64(v: u64) -> Self {
        AckToken(v)
    }
}

/// A message the server delivered. Topic aliases are already resolved.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// Topic Name.
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
    /// QoS of the delivery.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// DUP: the server may have sent this before.
    pub dup: bool,
    /// Packet Identifier (QoS 1 and 2).
    pub packet_id: Option<PacketId>,
    /// PUBLISH properties (5.0), the Topic Alias removed.
    pub properties: OwnedProperties,
    /// For QoS 1 and 2 in manual-ack mode: pass it to `ack` once the message is stored.
    pub ack_token: Option<AckToken>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("topic", &self.topic)
            .field("payload_len", &self.payload.len())
            .field("qos", &self.qos)
            .field("retain", &self.retain)
            .field("dup", &self.dup)
            .field("packet_id", &self.packet_id)
            .field("properties", &self.properties)
            .finish()
    }
}

/// Everything CONNACK said, with 5.0 defaults filled in for absent properties.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectedInfo {
    /// The server resumed a session.
    pub session_present: bool,
    /// Keep-alive in force (ours, or the Server Keep Alive).
    pub keep_alive: u16,
    /// Server Keep Alive, if the server set one.
    pub server_keep_alive: Option<u16>,
    /// Session Expiry Interval in force (ours, or the server's).
    pub session_expiry: u32,
    /// Assigned Client Identifier, if the server assigned one.
    pub assigned_client_id: Option<String>,
    /// Receive Maximum of the server (65,535 when absent).
    pub receive_maximum: u16,
    /// Maximum Packet Size of the server, if limited.
    pub maximum_packet_size: Option<u32>,
    /// Topic Alias Maximum of the server (0 when absent).
    pub topic_alias_maximum: u16,
    /// Maximum QoS the server accepts.
    pub maximum_qos: QoS,
    /// Retain Available.
    pub retain_available: bool,
    /// Wildcard Subscription Available.
    pub wildcard_subscription_available: bool,
    /// Subscription Identifiers Available.
    pub subscription_identifiers_available: bool,
    /// Shared Subscription Available.
    pub shared_subscription_available: bool,
    /// Reason String.
    pub reason_string: Option<String>,
    /// Response Information.
    pub response_information: Option<String>,
    /// Server Reference.
    pub server_reference: Option<String>,
    /// Authentication Data (enhanced authentication).
    pub authentication_data: Option<Vec<u8>>,
    /// User Properties, in order.
    pub user_properties: Vec<(String, String)>,
    /// The raw CONNACK properties.
    pub properties: OwnedProperties,
}

/// Why a connection ended, and what the server said if it said anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLost {
    /// What happened: `Protocol(Disconnected(code))` for a server DISCONNECT,
    /// `Protocol(ConnectRefused(code))` for a refusing CONNACK, `Protocol(ConnectionClosed)`
    /// when the transport closed, `Timeout(Connack | KeepAlive)`, `Malformed` or another
    /// `Protocol` error found in the server's bytes (the client then queued a DISCONNECT with
    /// the matching reason code in 5.0).
    pub error: Error,
    /// Reason String of the server's DISCONNECT or CONNACK.
    pub reason_string: Option<String>,
    /// Server Reference of the server's DISCONNECT or CONNACK.
    pub server_reference: Option<String>,
    /// User Properties of the server's DISCONNECT or CONNACK.
    pub user_properties: Vec<(String, String)>,
    /// When the client will ask for a new transport (`ReconnectDue`), or `None` when it will
    /// not reconnect: reconnection is off, or a CONNACK refused with a reason in
    /// `reconnect.stop_on` (the client is idle then; drivers stop).
    pub reconnect_at: Option<Instant>,
}

/// Why a message the application published, or a SUBSCRIBE or UNSUBSCRIBE it asked for, was
/// given up without an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The server started a new session while the message was in flight (see
    /// [`RequeuePolicy`](super::RequeuePolicy)).
    SessionLost,
    /// After a reconnect, the server's Maximum Packet Size is below the packet's size.
    PacketTooLarge {
        /// Encoded size.
        size: usize,
        /// The server's limit.
        max: u32,
    },
    /// After a reconnect, the server's Maximum QoS is below the message's QoS.
    QosNotSupported,
    /// After a reconnect, the server does not support retained messages.
    RetainNotSupported,
    /// The stored message could not be encoded (only a corrupted session could cause this).
    Invalid(Violation),
}

impl DropReason {
    /// A stable machine name: `"session_lost"`, `"packet_too_large"`, `"qos_not_supported"`,
    /// `"retain_not_supported"` or `"invalid"`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            DropReason::SessionLost => "session_lost",
            DropReason::PacketTooLarge { .. } => "packet_too_large",
            DropReason::QosNotSupported => "qos_not_supported",
            DropReason::RetainNotSupported => "retain_not_supported",
            DropReason::Invalid(_) => "invalid",
        }
    }
}

/// Something the application or the driver must know. Take them with
/// [`Client::poll_event`](super::Client::poll_event) after polling transmit and timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A transport is open and the client needs a user name and password for CONNECT: answer
    /// with `set_credentials` (compute time-limited passwords now).
    CredentialsNeeded,
    /// Enhanced authentication (5.0): the server sent AUTH "continue"; answer with
    /// `auth_continue`.
    AuthChallenge {
        /// Authentication Method.
        method: String,
        /// Authentication Data, if any.
        data: Option<Vec<u8>>,
        /// All AUTH properties.
        properties: OwnedProperties,
    },
    /// Re-authentication (5.0) succeeded.
    Reauthenticated {
        /// All AUTH properties.
        properties: OwnedProperties,
    },
    /// CONNACK accepted the connection.
    Connected(Box<ConnectedInfo>),
    /// A message arrived.
    Message(Message),
    /// PUBACK for a QoS 1 message.
    PublishAcked {
        /// Its packet identifier.
        packet_id: PacketId,
        /// The server's reason code (success or a failure ≥ 0x80).
        reason: ReasonCode,
        /// PUBACK properties.
        properties: OwnedProperties,
    },
    /// The QoS 2 exchange ended: PUBCOMP, or PUBREC with a failure code.
    PublishCompleted {
        /// Its packet identifier.
        packet_id: PacketId,
        /// The reason code of the PUBCOMP (or the failing PUBREC).
        reason: ReasonCode,
        /// Properties of that packet.
        properties: OwnedProperties,
    },
    /// A published message was given up.
    PublishDropped {
        /// Its packet identifier (None at QoS 0).
        packet_id: Option<PacketId>,
        /// Why.
        reason: DropReason,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE was given up unanswered: after a reconnect it no longer fits
    /// the server's Maximum Packet Size (`DropReason::PacketTooLarge`). Its packet identifier
    /// is free again; no `Subscribed`/`Unsubscribed` follows for it.
    RequestDropped {
        /// Packet identifier of the request.
        packet_id: PacketId,
        /// Why.
        reason: DropReason,
    },
    /// SUBACK.
    Subscribed {
        /// Packet identifier of the SUBSCRIBE.
        packet_id: PacketId,
        /// One code per filter, in request order.
        reasons: Vec<SubAckReason>,
        /// SUBACK properties.
        properties: OwnedProperties,
        /// True for the client's own re-subscription after a new session.
        resubscribe: bool,
    },
    /// UNSUBACK.
    Unsubscribed {
        /// Packet identifier of the UNSUBSCRIBE.
        packet_id: PacketId,
        /// One code per filter (5.0; empty in 3.1.1).
        reasons: Vec<UnsubAckReason>,
        /// UNSUBACK properties.
        properties: OwnedProperties,
    },
    /// The connection ended. Close the transport once the bytes already polled are sent.
    ConnectionLost(Box<ConnectionLost>),
    /// `disconnect()` finished: send what `poll_transmit` returned (the DISCONNECT), then close
    /// the transport. The client stays idle until `connect()`.
    Disconnected,
    /// Time to open a new transport and call `handle_connected`.
    ReconnectDue {
        /// Attempts since the last stable connection (1 for the first reconnect).
        attempt: u32,
    },
    /// (Persistence mode) the session changed: take `snapshot()` and store it; output is held
    /// back until then.
    PersistRequired,
    /// QoS 0 messages were dropped because the application did not take events fast enough
    /// (`max_events`).
    MessagesDropped {
        /// How many since the last such event.
        count: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_reasons_have_distinct_codes() {
        let codes = [
            DropReason::SessionLost.code(),
            DropReason::PacketTooLarge { size: 9, max: 8 }.code(),
            DropReason::QosNotSupported.code(),
            DropReason::RetainNotSupported.code(),
            DropReason::Invalid(Violation::EmptyTopic).code(),
        ];
        let set: alloc::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(set.len(), codes.len());
        assert_eq!(codes[0], "session_lost");
    }
}
