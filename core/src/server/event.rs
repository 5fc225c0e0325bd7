//! [`ServerEvent`]: what the session tells the broker, all owned.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::auth::{AuthExchange, ConnectRequest};
use super::message::{InboundPublish, ServerMessage};
use crate::codec::{
    ConnectReason, DisconnectReason, PacketId, ProtocolVersion, PubAckReason, QoS, SubAckReason,
    SubscriptionOptions, Violation,
};
use crate::error::{Error, TimeoutKind};

/// Something the broker must know or act on. Poll them with
/// [`ServerSession::poll_event`](super::ServerSession::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A CONNECT passed the configured policy and waits for
    /// [`accept`](super::ServerSession::accept) or [`reject`](super::ServerSession::reject)
    /// (only without an [`Authenticator`](super::Authenticator)).
    ConnectRequest(Box<ConnectRequest>),
    /// The client sent AUTH (enhanced authentication or re-authentication); answer with
    /// [`continue_auth`](super::ServerSession::continue_auth), or
    /// [`accept`](super::ServerSession::accept) / [`reject`](super::ServerSession::reject) during
    /// CONNECT, or [`complete_reauth`](super::ServerSession::complete_reauth) /
    /// [`disconnect`](super::ServerSession::disconnect) once connected.
    Auth(AuthExchange),
    /// CONNACK (success) is queued: the session is live.
    Connected(Connected),
    /// The client published a message.
    Publish(InboundPublish),
    /// The client subscribed; SUBACK is queued. Send it retained messages as the options say.
    Subscribed(Subscribed),
    /// The client unsubscribed; UNSUBACK is queued.
    Unsubscribed(Unsubscribed),
    /// A QoS 1 or 2 delivery to the client is complete (PUBACK, PUBCOMP, or a refusing PUBREC).
    Delivered {
        /// The packet id [`publish`](super::ServerSession::publish) returned.
        packet_id: PacketId,
        /// The client's reason code (Success unless it refused the message).
        reason: PubAckReason,
    },
    /// A message for the client was discarded without being sent.
    Dropped(Dropped),
    /// The connection ended without a normal DISCONNECT: publish the client's Will after
    /// `delay` (the smaller of Will Delay Interval and Session Expiry Interval), unless the
    /// client connects again first.
    Will {
        /// The Will Message.
        message: ServerMessage,
        /// How long to wait before publishing it.
        delay: Duration,
    },
    /// The connection is over. Send what [`poll_transmit`](super::ServerSession::poll_transmit)
    /// still returns, then close the transport.
    Closed {
        /// Why.
        cause: CloseCause,
        /// Whether the session state was kept (Session Expiry Interval > 0).
        session_kept: bool,
    },
    /// The Session Expiry Interval of a closed session ran out; its state is gone.
    SessionExpired {
        /// The client whose session expired.
        client_id: String,
    },
}

/// The live connection, as reported by [`ServerEvent::Connected`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The client id in use (the assigned one if the client sent none).
    pub client_id: String,
    /// The protocol version.
    pub protocol: ProtocolVersion,
    /// Whether a stored session was resumed.
    pub session_present: bool,
    /// The Keep Alive in force, in seconds (0: none).
    pub keep_alive: u16,
    /// The Session Expiry Interval in force, in seconds.
    pub session_expiry_interval: u32,
}

/// The result for one filter of a SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeOutcome {
    /// The Topic Filter.
    pub filter: String,
    /// The options as requested, with `qos` lowered to what was granted.
    pub options: SubscriptionOptions,
    /// The QoS granted, or the SUBACK code that refused the filter.
    pub result: Result<QoS, SubAckReason>,
    /// Whether a subscription with this filter existed before (it was replaced); Retain Handling
    /// 1 sends retained messages only when it did not.
    pub existed: bool,
}

/// A SUBSCRIBE, as handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribed {
    /// Its Packet Identifier.
    pub packet_id: PacketId,
    /// Its Subscription Identifier (5.0).
    pub subscription_id: Option<u32>,
    /// One outcome per filter, in order.
    pub outcomes: Vec<SubscribeOutcome>,
    /// Its User Properties (5.0).
    pub user_properties: Vec<(String, String)>,
}

/// An UNSUBSCRIBE, as handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    /// Its Packet Identifier.
    pub packet_id: PacketId,
    /// The filters that were subscribed and are now removed.
    pub removed: Vec<String>,
    /// Its User Properties (5.0).
    pub user_properties: Vec<(String, String)>,
}

/// Why a message for the client was discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Its Message Expiry Interval ran out before it could be sent.
    Expired,
    /// It is larger than the client's Maximum Packet Size [MQTT-3.1.2-25].
    TooLarge {
        /// Size of the encoded PUBLISH.
        size: usize,
        /// The client's maximum.
        max: u32,
    },
    /// It cannot be encoded for the client's protocol version.
    Unencodable(Violation),
}

/// A message discarded before it was sent, as reported by [`ServerEvent::Dropped`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Its packet id, if it had one (QoS 1 and 2); the id is free again.
    pub packet_id: Option<PacketId>,
    /// Its topic.
    pub topic: String,
    /// Why.
    pub reason: DropReason,
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseCause {
    /// The CONNECT was refused (by policy or by the broker); CONNACK carried this code.
    Refused(ConnectReason),
    /// The client sent DISCONNECT.
    ClientDisconnect {
        /// Its reason code (always normal in 3.1.1).
        reason: DisconnectReason,
        /// Its Reason String (5.0).
        reason_string: Option<String>,
        /// Its User Properties (5.0).
        user_properties: Vec<(String, String)>,
    },
    /// The broker called [`disconnect`](super::ServerSession::disconnect).
    ServerDisconnect(DisconnectReason),
    /// The client sent malformed bytes or broke the protocol; an MQTT 5 client was sent a
    /// DISCONNECT with [`Error::reason_code`] first (after CONNACK only).
    PeerFault(Error),
    /// A deadline passed: no CONNECT in time, or the client was silent for 1.5 × Keep Alive.
    Timeout(TimeoutKind),
    /// The transport closed ([`handle_closed`](super::ServerSession::handle_closed)).
    TransportClosed,
}

/// What [`deliver`](super::ServerSession::deliver) did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// No subscription of this session matches the topic.
    NoMatch,
    /// A QoS 0 delivery to a client that is not connected: nothing to keep.
    Skipped,
    /// Queued for the client at `qos` (the packet id for QoS 1 and 2).
    Queued {
        /// The QoS it is delivered with.
        qos: QoS,
        /// Its packet id.
        packet_id: Option<PacketId>,
    },
}
