//! [`Event`]: what the client session tells the application, owned and copied from the core's
//! `iotmqtt::client::Event`.

use iotmqtt::client::{DropReason as CoreDropReason, Event as CoreEvent};
use iotmqtt::{PacketId, SubAckReason, UnsubAckReason};

use crate::error::ErrorInfo;
use crate::properties::{Property, QoS, from_owned};

/// A message the server delivered (topic aliases resolved).
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct MqttMessage {
    /// Topic Name.
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
    /// QoS of the delivery.
    pub qos: QoS,
    /// RETAIN.
    pub retain: bool,
    /// DUP.
    pub dup: bool,
    /// Packet Identifier (QoS 1 and 2).
    pub packet_id: Option<u16>,
    /// PUBLISH properties (5.0), the Topic Alias removed.
    pub properties: Vec<Property>,
    /// In manual-ack mode, for QoS 1 and 2: pass it to `ack` once the message is stored.
    pub ack_token: Option<u64>,
}

/// Shows the message without its payload.
impl core::fmt::Debug for MqttMessage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MqttMessage")
            .field("topic", &self.topic)
            .field("payload_len", &self.payload.len())
            .field("qos", &self.qos)
            .field("packet_id", &self.packet_id)
            .finish_non_exhaustive()
    }
}

/// Everything CONNACK said, with 5.0 defaults filled in for absent properties.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[allow(missing_docs)] // the fields of the core's `ConnectedInfo`, documented there
pub struct ConnectedInfo {
    pub session_present: bool,
    pub keep_alive: u16,
    pub server_keep_alive: Option<u16>,
    pub session_expiry: u32,
    pub assigned_client_id: Option<String>,
    pub receive_maximum: u16,
    pub maximum_packet_size: Option<u32>,
    pub topic_alias_maximum: u16,
    pub maximum_qos: QoS,
    pub retain_available: bool,
    pub wildcard_subscription_available: bool,
    pub subscription_identifiers_available: bool,
    pub shared_subscription_available: bool,
    pub reason_string: Option<String>,
    pub response_information: Option<String>,
    pub server_reference: Option<String>,
    pub authentication_data: Option<Vec<u8>>,
    pub user_properties: Vec<UserProperty>,
    /// The raw CONNACK properties.
    pub properties: Vec<Property>,
}

/// A User Property pair.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserProperty {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// Why a connection ended and what the server said.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionLostInfo {
    /// What happened (`connect_refused`, `disconnected`, `connection_closed`, `keep_alive`, …).
    pub error: ErrorInfo,
    /// Reason String of the server's DISCONNECT or CONNACK.
    pub reason_string: Option<String>,
    /// Server Reference of the server's DISCONNECT or CONNACK.
    pub server_reference: Option<String>,
    /// User Properties of the server's DISCONNECT or CONNACK.
    pub user_properties: Vec<UserProperty>,
    /// When the client will emit `ReconnectDue` (milliseconds of the driver's clock), or none
    /// when it will not reconnect.
    pub reconnect_at: Option<u64>,
}

/// Why a published message was given up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DropReason {
    /// The server started a new session while the message was in flight.
    SessionLost,
    /// After a reconnect, the server's Maximum Packet Size is below the message's size.
    PacketTooLarge {
        /// Encoded size.
        size: u64,
        /// The server's limit.
        max: u32,
    },
    /// After a reconnect, the server's Maximum QoS is below the message's QoS.
    QosNotSupported,
    /// After a reconnect, the server does not support retained messages.
    RetainNotSupported,
    /// The stored message could not be encoded.
    Invalid {
        /// The rule's code.
        violation: String,
    },
}

impl From<&CoreDropReason> for DropReason {
    fn from(r: &CoreDropReason) -> Self {
        match r {
            CoreDropReason::SessionLost => DropReason::SessionLost,
            CoreDropReason::PacketTooLarge { size, max } => DropReason::PacketTooLarge {
                size: u64::try_from(*size).unwrap_or(u64::MAX),
                max: *max,
            },
            CoreDropReason::QosNotSupported => DropReason::QosNotSupported,
            CoreDropReason::RetainNotSupported => DropReason::RetainNotSupported,
            CoreDropReason::Invalid(v) => DropReason::Invalid {
                violation: v.code().into(),
            },
            // A reason a later core adds: its code says what it is.
            other => DropReason::Invalid {
                violation: other.code().into(),
            },
        }
    }
}

/// Something the application or the driver must know (`poll_event`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Event {
    /// Answer with `set_credentials` (and `set_client_id` if the login carries the time).
    CredentialsNeeded,
    /// Enhanced authentication (5.0): answer with `auth_continue`.
    AuthChallenge {
        /// Authentication Method.
        method: String,
        /// Authentication Data.
        data: Option<Vec<u8>>,
        /// All AUTH properties.
        properties: Vec<Property>,
    },
    /// Re-authentication succeeded.
    Reauthenticated {
        /// All AUTH properties.
        properties: Vec<Property>,
    },
    /// CONNACK accepted the connection.
    Connected {
        /// What it said.
        info: ConnectedInfo,
    },
    /// A message arrived. In automatic-ack mode, taking it queued its acknowledgement.
    Message {
        /// The message.
        message: MqttMessage,
    },
    /// PUBACK for a QoS 1 message.
    PublishAcked {
        /// Its packet identifier.
        packet_id: u16,
        /// The server's reason code.
        reason: u8,
        /// PUBACK properties.
        properties: Vec<Property>,
    },
    /// The QoS 2 exchange ended (PUBCOMP, or PUBREC with a failure code).
    PublishCompleted {
        /// Its packet identifier.
        packet_id: u16,
        /// The reason code.
        reason: u8,
        /// Properties of that packet.
        properties: Vec<Property>,
    },
    /// A published message was given up.
    PublishDropped {
        /// Its packet identifier (none at QoS 0).
        packet_id: Option<u16>,
        /// Why.
        reason: DropReason,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE was given up unanswered: after a reconnect it no longer
    /// fits the server's Maximum Packet Size. No `Subscribed`/`Unsubscribed` follows for it.
    RequestDropped {
        /// Packet identifier of the request.
        packet_id: u16,
        /// Why.
        reason: DropReason,
    },
    /// SUBACK.
    Subscribed {
        /// Packet identifier of the SUBSCRIBE.
        packet_id: u16,
        /// One code per filter.
        reasons: Vec<u8>,
        /// SUBACK properties.
        properties: Vec<Property>,
        /// The client's own re-subscription after a new session.
        resubscribe: bool,
    },
    /// UNSUBACK.
    Unsubscribed {
        /// Packet identifier of the UNSUBSCRIBE.
        packet_id: u16,
        /// One code per filter (5.0; empty in 3.1.1).
        reasons: Vec<u8>,
        /// UNSUBACK properties.
        properties: Vec<Property>,
    },
    /// The connection ended: send what was polled, then close the transport.
    ConnectionLost {
        /// Why, and when the client reconnects.
        info: ConnectionLostInfo,
    },
    /// `disconnect()` finished: send what was polled (the DISCONNECT), then close.
    Disconnected,
    /// Open a new transport and call `handle_connected`.
    ReconnectDue {
        /// Attempts since the last stable connection.
        attempt: u32,
    },
    /// (Persistence mode) take `snapshot()` and store it; output waits until then.
    PersistRequired,
    /// QoS 0 messages were dropped because events were not taken fast enough.
    MessagesDropped {
        /// How many since the last such event.
        count: u64,
    },
    /// An event a later core added that this binding does not name yet.
    Other {
        /// The core's description of it (never holds a secret).
        description: String,
    },
}

fn users(pairs: &[(String, String)]) -> Vec<UserProperty> {
    pairs
        .iter()
        .map(|(name, value)| UserProperty {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

impl From<CoreEvent> for Event {
    fn from(e: CoreEvent) -> Self {
        match e {
            CoreEvent::CredentialsNeeded => Event::CredentialsNeeded,
            CoreEvent::AuthChallenge {
                method,
                data,
                properties,
            } => Event::AuthChallenge {
                method,
                data,
                properties: from_owned(&properties),
            },
            CoreEvent::Reauthenticated { properties } => Event::Reauthenticated {
                properties: from_owned(&properties),
            },
            CoreEvent::Connected(i) => Event::Connected {
                info: ConnectedInfo {
                    session_present: i.session_present,
                    keep_alive: i.keep_alive,
                    server_keep_alive: i.server_keep_alive,
                    session_expiry: i.session_expiry,
                    receive_maximum: i.receive_maximum,
                    maximum_packet_size: i.maximum_packet_size,
                    topic_alias_maximum: i.topic_alias_maximum,
                    maximum_qos: i.maximum_qos.into(),
                    retain_available: i.retain_available,
                    wildcard_subscription_available: i.wildcard_subscription_available,
                    subscription_identifiers_available: i.subscription_identifiers_available,
                    shared_subscription_available: i.shared_subscription_available,
                    user_properties: users(&i.user_properties),
                    properties: from_owned(&i.properties),
                    assigned_client_id: i.assigned_client_id,
                    reason_string: i.reason_string,
                    response_information: i.response_information,
                    server_reference: i.server_reference,
                    authentication_data: i.authentication_data,
                },
            },
            CoreEvent::Message(m) => Event::Message {
                message: MqttMessage {
                    qos: m.qos.into(),
                    retain: m.retain,
                    dup: m.dup,
                    packet_id: m.packet_id.map(PacketId::get),
                    properties: from_owned(&m.properties),
                    ack_token: m.ack_token.map(|t| t.to_u64()),
                    topic: m.topic,
                    payload: m.payload,
                },
            },
            CoreEvent::PublishAcked {
                packet_id,
                reason,
                properties,
            } => Event::PublishAcked {
                packet_id: packet_id.get(),
                reason: reason.as_u8(),
                properties: from_owned(&properties),
            },
            CoreEvent::PublishCompleted {
                packet_id,
                reason,
                properties,
            } => Event::PublishCompleted {
                packet_id: packet_id.get(),
                reason: reason.as_u8(),
                properties: from_owned(&properties),
            },
            CoreEvent::PublishDropped { packet_id, reason } => Event::PublishDropped {
                packet_id: packet_id.map(PacketId::get),
                reason: DropReason::from(&reason),
            },
            CoreEvent::RequestDropped { packet_id, reason } => Event::RequestDropped {
                packet_id: packet_id.get(),
                reason: DropReason::from(&reason),
            },
            CoreEvent::Subscribed {
                packet_id,
                reasons,
                properties,
                resubscribe,
            } => Event::Subscribed {
                packet_id: packet_id.get(),
                reasons: reasons.iter().map(|r| SubAckReason::as_u8(*r)).collect(),
                properties: from_owned(&properties),
                resubscribe,
            },
            CoreEvent::Unsubscribed {
                packet_id,
                reasons,
                properties,
            } => Event::Unsubscribed {
                packet_id: packet_id.get(),
                reasons: reasons.iter().map(|r| UnsubAckReason::as_u8(*r)).collect(),
                properties: from_owned(&properties),
            },
            CoreEvent::ConnectionLost(l) => Event::ConnectionLost {
                info: ConnectionLostInfo {
                    error: ErrorInfo::from(&l.error),
                    user_properties: users(&l.user_properties),
                    reconnect_at: l.reconnect_at.map(iotmqtt::Instant::as_millis),
                    reason_string: l.reason_string,
                    server_reference: l.server_reference,
                },
            },
            CoreEvent::Disconnected => Event::Disconnected,
            CoreEvent::ReconnectDue { attempt } => Event::ReconnectDue { attempt },
            CoreEvent::PersistRequired => Event::PersistRequired,
            CoreEvent::MessagesDropped { count } => Event::MessagesDropped { count },
            other => Event::Other {
                description: format!("{other:?}"),
            },
        }
    }
}
