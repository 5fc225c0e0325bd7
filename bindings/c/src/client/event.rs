//! `iotmqtt_event`: the core's `Event` as a tagged C struct whose spans borrow from the handle.

use iotmqtt::client::{DropReason as CoreDrop, Event as CoreEvent};

use crate::error::{ErrorInfo, ErrorSlot, Failure};
use crate::types::{
    Bytes, NO_DEADLINE, Properties, Property, Qos, Str, StringPair, StringPairs, properties_out,
};

/// Which event an `iotmqtt_event` is; the member of the same name holds its data.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// No event: the queue is empty.
    None = 0,
    /// A transport is open and the client needs a user name and password: answer with
    /// `iotmqtt_client_set_credentials` (compute time-limited passwords now).
    CredentialsNeeded = 1,
    /// Enhanced authentication (5.0): the server sent AUTH "continue" (`auth`); answer with
    /// `iotmqtt_client_auth_continue`.
    AuthChallenge = 2,
    /// Re-authentication succeeded (`auth.properties`).
    Reauthenticated = 3,
    /// CONNACK accepted the connection (`connected`).
    Connected = 4,
    /// A message arrived (`message`).
    Message = 5,
    /// PUBACK for a QoS 1 message (`ack`).
    PublishAcked = 6,
    /// The QoS 2 exchange ended: PUBCOMP, or PUBREC with a failure code (`ack`).
    PublishCompleted = 7,
    /// A published message was given up (`dropped`).
    PublishDropped = 8,
    /// SUBACK (`subscribed`).
    Subscribed = 9,
    /// UNSUBACK (`subscribed`; `resubscribe` is false).
    Unsubscribed = 10,
    /// The connection ended (`connection_lost`): close the transport once the bytes already
    /// polled are sent.
    ConnectionLost = 11,
    /// `disconnect` finished: send what `poll_transmit` returned, then close the transport.
    Disconnected = 12,
    /// Time to open a new transport and call `handle_connected` (`reconnect_attempt`).
    ReconnectDue = 13,
    /// (Persistence mode) the session changed: take `iotmqtt_client_snapshot` and store it.
    PersistRequired = 14,
    /// QoS 0 messages were dropped because events were not taken fast enough
    /// (`messages_dropped`).
    MessagesDropped = 15,
    /// A SUBSCRIBE or UNSUBSCRIBE was given up unanswered (`dropped`, reason
    /// `IOTMQTT_DROP_REASON_PACKET_TOO_LARGE`): after a reconnect it no longer fits the
    /// server's Maximum Packet Size. Its packet identifier is free again; no
    /// `IOTMQTT_EVENT_TYPE_SUBSCRIBED`/`_UNSUBSCRIBED` follows for it.
    RequestDropped = 16,
}

/// `IOTMQTT_EVENT_TYPE_MESSAGE`: a message the server delivered (topic alias resolved).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MessageEvent {
    /// Topic Name.
    pub topic: Str,
    /// Payload.
    pub payload: Bytes,
    /// QoS of the delivery.
    pub qos: Qos,
    /// RETAIN.
    pub retain: bool,
    /// DUP.
    pub dup: bool,
    /// Packet Identifier (QoS 1 and 2), 0 at QoS 0.
    pub packet_id: u16,
    /// PUBLISH properties (5.0), the Topic Alias removed.
    pub properties: Properties,
    /// QoS 1 and 2: in manual-ack mode, pass it to `iotmqtt_client_ack` once the message is
    /// stored (in automatic mode taking the event acknowledged it). 0 at QoS 0.
    pub ack_token: u64,
}

/// `IOTMQTT_EVENT_TYPE_CONNECTED`: everything CONNACK said, with 5.0 defaults for absent properties.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ConnectedEvent {
    /// The server resumed a session.
    pub session_present: bool,
    /// Keep-alive in force (ours, or the Server Keep Alive).
    pub keep_alive: u16,
    /// The server set a Server Keep Alive.
    pub has_server_keep_alive: bool,
    /// Server Keep Alive (when `has_server_keep_alive`).
    pub server_keep_alive: u16,
    /// Session Expiry Interval in force.
    pub session_expiry: u32,
    /// Assigned Client Identifier (NULL pointer: none).
    pub assigned_client_id: Str,
    /// Receive Maximum of the server.
    pub receive_maximum: u16,
    /// Maximum Packet Size of the server; 0 when unlimited.
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum of the server.
    pub topic_alias_maximum: u16,
    /// Maximum QoS the server accepts.
    pub maximum_qos: Qos,
    /// Retain Available.
    pub retain_available: bool,
    /// Wildcard Subscription Available.
    pub wildcard_subscription_available: bool,
    /// Subscription Identifiers Available.
    pub subscription_identifiers_available: bool,
    /// Shared Subscription Available.
    pub shared_subscription_available: bool,
    /// Reason String (NULL pointer: none).
    pub reason_string: Str,
    /// Response Information (NULL pointer: none).
    pub response_information: Str,
    /// Server Reference (NULL pointer: none).
    pub server_reference: Str,
    /// Authentication Data (NULL pointer: none).
    pub authentication_data: Bytes,
    /// User Properties, in order.
    pub user_properties: StringPairs,
    /// All CONNACK properties.
    pub properties: Properties,
}

/// `IOTMQTT_EVENT_TYPE_PUBLISH_ACKED` and `IOTMQTT_EVENT_PUBLISH_COMPLETED`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AckEvent {
    /// Packet identifier of the message.
    pub packet_id: u16,
    /// The server's reason code (0 = success, 0x80 and above = failure).
    pub reason: u8,
    /// Properties of the acknowledgement.
    pub properties: Properties,
}

/// Why a published message was given up.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The server started a new session while the message was in flight.
    SessionLost = 0,
    /// After a reconnect the server's Maximum Packet Size is below the message's size (`size`,
    /// `max`).
    PacketTooLarge = 1,
    /// After a reconnect the server's Maximum QoS is below the message's QoS.
    QosNotSupported = 2,
    /// After a reconnect the server does not support retained messages.
    RetainNotSupported = 3,
    /// The stored message could not be encoded (only a corrupted session causes this).
    Invalid = 4,
}

/// `IOTMQTT_EVENT_TYPE_PUBLISH_DROPPED` and `IOTMQTT_EVENT_TYPE_REQUEST_DROPPED`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DroppedEvent {
    /// Packet identifier of the message (0 at QoS 0) or of the request.
    pub packet_id: u16,
    /// Why.
    pub reason: DropReason,
    /// `IOTMQTT_DROP_REASON_PACKET_TOO_LARGE`: the encoded size.
    pub size: usize,
    /// `IOTMQTT_DROP_REASON_PACKET_TOO_LARGE`: the server's limit.
    pub max: u32,
}

/// `IOTMQTT_EVENT_TYPE_SUBSCRIBED` and `IOTMQTT_EVENT_TYPE_UNSUBSCRIBED`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SubscribedEvent {
    /// Packet identifier of the request.
    pub packet_id: u16,
    /// One reason code per filter, in request order (empty for a 3.1.1 UNSUBACK).
    pub reasons: Bytes,
    /// Properties of the acknowledgement.
    pub properties: Properties,
    /// SUBACK of the client's own re-subscription after a new session.
    pub resubscribe: bool,
}

/// `IOTMQTT_EVENT_TYPE_CONNECTION_LOST`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLostEvent {
    /// What happened: `connection_closed`, `connect_refused` / `disconnected` (with the
    /// server's reason code), `connack` / `keep_alive` timeouts, or what the server's bytes
    /// broke.
    pub error: ErrorInfo,
    /// Reason String of the server's DISCONNECT or CONNACK (NULL pointer: none).
    pub reason_string: Str,
    /// Server Reference (NULL pointer: none).
    pub server_reference: Str,
    /// User Properties of the server's DISCONNECT or CONNACK.
    pub user_properties: StringPairs,
    /// When the client will ask for a new transport, or `IOTMQTT_NO_DEADLINE` when it will
    /// not reconnect.
    pub reconnect_at: u64,
}

/// `IOTMQTT_EVENT_TYPE_AUTH_CHALLENGE` and `IOTMQTT_EVENT_TYPE_REAUTHENTICATED`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct AuthEvent {
    /// Authentication Method (challenge only).
    pub method: Str,
    /// Authentication Data (challenge only; NULL pointer: none).
    pub data: Bytes,
    /// The AUTH properties.
    pub properties: Properties,
}

/// An event: `type` says which member holds its data; the other members are zero. Every span
/// in it borrows from the client until the next call on that client.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// Which event; `IOTMQTT_EVENT_TYPE_NONE` when there was none.
    pub r#type: EventType,
    /// `IOTMQTT_EVENT_TYPE_MESSAGE`.
    pub message: MessageEvent,
    /// `IOTMQTT_EVENT_TYPE_CONNECTED`.
    pub connected: ConnectedEvent,
    /// `IOTMQTT_EVENT_TYPE_PUBLISH_ACKED`, `IOTMQTT_EVENT_TYPE_PUBLISH_COMPLETED`.
    pub ack: AckEvent,
    /// `IOTMQTT_EVENT_TYPE_PUBLISH_DROPPED`, `IOTMQTT_EVENT_TYPE_REQUEST_DROPPED`.
    pub dropped: DroppedEvent,
    /// `IOTMQTT_EVENT_TYPE_SUBSCRIBED`, `IOTMQTT_EVENT_TYPE_UNSUBSCRIBED`.
    pub subscribed: SubscribedEvent,
    /// `IOTMQTT_EVENT_TYPE_CONNECTION_LOST`.
    pub connection_lost: ConnectionLostEvent,
    /// `IOTMQTT_EVENT_TYPE_AUTH_CHALLENGE`, `IOTMQTT_EVENT_TYPE_REAUTHENTICATED`.
    pub auth: AuthEvent,
    /// `IOTMQTT_EVENT_TYPE_RECONNECT_DUE`: attempts since the last stable connection.
    pub reconnect_attempt: u32,
    /// `IOTMQTT_EVENT_TYPE_MESSAGES_DROPPED`: how many since the last such event.
    pub messages_dropped: u64,
}

impl Event {
    fn empty() -> Self {
        Event {
            r#type: EventType::None,
            message: MessageEvent {
                topic: Str::NONE,
                payload: Bytes::NONE,
                qos: Qos::AtMostOnce,
                retain: false,
                dup: false,
                packet_id: 0,
                properties: Properties::EMPTY,
                ack_token: 0,
            },
            connected: ConnectedEvent {
                session_present: false,
                keep_alive: 0,
                has_server_keep_alive: false,
                server_keep_alive: 0,
                session_expiry: 0,
                assigned_client_id: Str::NONE,
                receive_maximum: 0,
                maximum_packet_size: 0,
                topic_alias_maximum: 0,
                maximum_qos: Qos::AtMostOnce,
                retain_available: false,
                wildcard_subscription_available: false,
                subscription_identifiers_available: false,
                shared_subscription_available: false,
                reason_string: Str::NONE,
                response_information: Str::NONE,
                server_reference: Str::NONE,
                authentication_data: Bytes::NONE,
                user_properties: StringPairs::of(&[]),
                properties: Properties::EMPTY,
            },
            ack: AckEvent {
                packet_id: 0,
                reason: 0,
                properties: Properties::EMPTY,
            },
            dropped: DroppedEvent {
                packet_id: 0,
                reason: DropReason::SessionLost,
                size: 0,
                max: 0,
            },
            subscribed: SubscribedEvent {
                packet_id: 0,
                reasons: Bytes::NONE,
                properties: Properties::EMPTY,
                resubscribe: false,
            },
            connection_lost: ConnectionLostEvent {
                error: ErrorSlot::default().info(),
                reason_string: Str::NONE,
                server_reference: Str::NONE,
                user_properties: StringPairs::of(&[]),
                reconnect_at: NO_DEADLINE,
            },
            auth: AuthEvent {
                method: Str::NONE,
                data: Bytes::NONE,
                properties: Properties::EMPTY,
            },
            reconnect_attempt: 0,
            messages_dropped: 0,
        }
    }
}

fn qos_out(q: iotmqtt::QoS) -> Qos {
    match q {
        iotmqtt::QoS::AtMostOnce => Qos::AtMostOnce,
        iotmqtt::QoS::AtLeastOnce => Qos::AtLeastOnce,
        iotmqtt::QoS::ExactlyOnce => Qos::ExactlyOnce,
    }
}

/// The event last handed out and everything its spans point to. Replaced (and so
/// invalidated) by the next `poll_event`, and cleared by every other call on the handle.
#[derive(Default)]
pub(crate) struct EventSlot {
    current: Option<CoreEvent>,
    props: Vec<Property>,
    pairs: Vec<StringPair>,
    reasons: Vec<u8>,
    error: ErrorSlot,
}

impl EventSlot {
    /// Drops the event handed out last.
    pub(crate) fn clear(&mut self) {
        self.current = None;
        self.props.clear();
        self.pairs.clear();
        self.reasons.clear();
    }

    /// Holds `event` and returns its C view, borrowing from this slot.
    pub(crate) fn hold(&mut self, event: Option<CoreEvent>) -> Result<Event, Failure> {
        self.clear();
        self.current = event;
        let mut out = Event::empty();
        let Some(event) = &self.current else {
            return Ok(out);
        };
        let props = &mut self.props;
        let pairs = &mut self.pairs;
        // The property and pair vectors are filled completely before views of them are taken,
        // so the pointers stay valid.
        match event {
            CoreEvent::CredentialsNeeded => out.r#type = EventType::CredentialsNeeded,
            CoreEvent::AuthChallenge {
                method,
                data,
                properties,
            } => {
                out.r#type = EventType::AuthChallenge;
                properties_out(&properties.as_properties(), props);
                out.auth = AuthEvent {
                    method: Str::of(method),
                    data: Bytes::opt(data.as_deref()),
                    properties: Properties::of(props),
                };
            }
            CoreEvent::Reauthenticated { properties } => {
                out.r#type = EventType::Reauthenticated;
                properties_out(&properties.as_properties(), props);
                out.auth.properties = Properties::of(props);
            }
            CoreEvent::Connected(info) => {
                out.r#type = EventType::Connected;
                properties_out(&info.properties.as_properties(), props);
                pairs.extend(info.user_properties.iter().map(|(k, v)| StringPair {
                    name: Str::of(k),
                    value: Str::of(v),
                }));
                let c = &mut out.connected;
                c.session_present = info.session_present;
                c.keep_alive = info.keep_alive;
                c.has_server_keep_alive = info.server_keep_alive.is_some();
                c.server_keep_alive = info.server_keep_alive.unwrap_or(0);
                c.session_expiry = info.session_expiry;
                c.assigned_client_id = Str::opt(info.assigned_client_id.as_deref());
                c.receive_maximum = info.receive_maximum;
                c.maximum_packet_size = info.maximum_packet_size.unwrap_or(0);
                c.topic_alias_maximum = info.topic_alias_maximum;
                c.maximum_qos = qos_out(info.maximum_qos);
                c.retain_available = info.retain_available;
                c.wildcard_subscription_available = info.wildcard_subscription_available;
                c.subscription_identifiers_available = info.subscription_identifiers_available;
                c.shared_subscription_available = info.shared_subscription_available;
                c.reason_string = Str::opt(info.reason_string.as_deref());
                c.response_information = Str::opt(info.response_information.as_deref());
                c.server_reference = Str::opt(info.server_reference.as_deref());
                c.authentication_data = Bytes::opt(info.authentication_data.as_deref());
                c.user_properties = StringPairs::of(pairs);
                c.properties = Properties::of(props);
            }
            CoreEvent::Message(m) => {
                out.r#type = EventType::Message;
                properties_out(&m.properties.as_properties(), props);
                out.message = MessageEvent {
                    topic: Str::of(&m.topic),
                    payload: Bytes::of(&m.payload),
                    qos: qos_out(m.qos),
                    retain: m.retain,
                    dup: m.dup,
                    packet_id: m.packet_id.map_or(0, |p| p.get()),
                    properties: Properties::of(props),
                    ack_token: m.ack_token.map_or(0, |t| t.to_u64()),
                };
            }
            CoreEvent::PublishAcked {
                packet_id,
                reason,
                properties,
            }
            | CoreEvent::PublishCompleted {
                packet_id,
                reason,
                properties,
            } => {
                out.r#type = if matches!(event, CoreEvent::PublishAcked { .. }) {
                    EventType::PublishAcked
                } else {
                    EventType::PublishCompleted
                };
                properties_out(&properties.as_properties(), props);
                out.ack = AckEvent {
                    packet_id: packet_id.get(),
                    reason: reason.as_u8(),
                    properties: Properties::of(props),
                };
            }
            CoreEvent::PublishDropped { packet_id, reason } => {
                out.r#type = EventType::PublishDropped;
                out.dropped = dropped(packet_id.map_or(0, |p| p.get()), reason);
            }
            CoreEvent::RequestDropped { packet_id, reason } => {
                out.r#type = EventType::RequestDropped;
                out.dropped = dropped(packet_id.get(), reason);
            }
            CoreEvent::Subscribed {
                packet_id,
                reasons,
                properties,
                resubscribe,
            } => {
                out.r#type = EventType::Subscribed;
                self.reasons.extend(reasons.iter().map(|r| r.as_u8()));
                properties_out(&properties.as_properties(), props);
                out.subscribed = SubscribedEvent {
                    packet_id: packet_id.get(),
                    reasons: Bytes::of(&self.reasons),
                    properties: Properties::of(props),
                    resubscribe: *resubscribe,
                };
            }
            CoreEvent::Unsubscribed {
                packet_id,
                reasons,
                properties,
            } => {
                out.r#type = EventType::Unsubscribed;
                self.reasons.extend(reasons.iter().map(|r| r.as_u8()));
                properties_out(&properties.as_properties(), props);
                out.subscribed = SubscribedEvent {
                    packet_id: packet_id.get(),
                    reasons: Bytes::of(&self.reasons),
                    properties: Properties::of(props),
                    resubscribe: false,
                };
            }
            CoreEvent::ConnectionLost(lost) => {
                out.r#type = EventType::ConnectionLost;
                self.error.set(&Failure::from(&lost.error));
                pairs.extend(lost.user_properties.iter().map(|(k, v)| StringPair {
                    name: Str::of(k),
                    value: Str::of(v),
                }));
                out.connection_lost = ConnectionLostEvent {
                    error: self.error.info(),
                    reason_string: Str::opt(lost.reason_string.as_deref()),
                    server_reference: Str::opt(lost.server_reference.as_deref()),
                    user_properties: StringPairs::of(pairs),
                    reconnect_at: lost.reconnect_at.map_or(NO_DEADLINE, |t| t.as_millis()),
                };
            }
            CoreEvent::Disconnected => out.r#type = EventType::Disconnected,
            CoreEvent::ReconnectDue { attempt } => {
                out.r#type = EventType::ReconnectDue;
                out.reconnect_attempt = *attempt;
            }
            CoreEvent::PersistRequired => out.r#type = EventType::PersistRequired,
            CoreEvent::MessagesDropped { count } => {
                out.r#type = EventType::MessagesDropped;
                out.messages_dropped = *count;
            }
            // An event added to the core later: the binding must learn it first.
            _ => {
                return Err(Failure::new(
                    crate::error::Status::Internal,
                    "internal",
                    "an event this binding does not know yet",
                ));
            }
        }
        Ok(out)
    }
}

/// The C view of a drop: the reason, and for `PacketTooLarge` the size and the limit.
fn dropped(packet_id: u16, reason: &CoreDrop) -> DroppedEvent {
    let (reason, size, max) = match reason {
        CoreDrop::SessionLost => (DropReason::SessionLost, 0, 0),
        CoreDrop::PacketTooLarge { size, max } => (DropReason::PacketTooLarge, *size, *max),
        CoreDrop::QosNotSupported => (DropReason::QosNotSupported, 0, 0),
        CoreDrop::RetainNotSupported => (DropReason::RetainNotSupported, 0, 0),
        _ => (DropReason::Invalid, 0, 0),
    };
    DroppedEvent {
        packet_id,
        reason,
        size,
        max,
    }
}
