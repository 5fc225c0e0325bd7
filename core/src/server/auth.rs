//! Deciding on a CONNECT: the request a broker sees, the answers it can give, and the
//! [`Authenticator`] trait for brokers that decide synchronously.
//!
//! A broker answers a CONNECT in one of two ways:
//!
//! * **events**: without an authenticator, [`ServerSession`](super::ServerSession) emits
//!   [`ServerEvent::ConnectRequest`](super::ServerEvent::ConnectRequest) and waits for
//!   [`accept`](super::ServerSession::accept), [`reject`](super::ServerSession::reject) or (enhanced
//!   authentication) [`continue_auth`](super::ServerSession::continue_auth). Packets the client
//!   pipelines after CONNECT are held, unprocessed, until then [MQTT-3.1.4-5].
//! * **trait**: with [`ServerSession::with_authenticator`](super::ServerSession::with_authenticator),
//!   the session asks the [`Authenticator`] while it handles the CONNECT bytes.
//!
//! Either way the session has already applied [`ServerConfig`](super::ServerConfig)'s policy
//! (keep-alive range, Will, QoS, retain); the broker only sees CONNECTs that passed it.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::message::{MessageProperties, ServerMessage, WillMessage};
use super::session_state::ServerSessionState;
use crate::codec::{AuthReason, Connect, ConnectReason, ProtocolVersion, QoS, SubAckReason};

pub use crate::client::Password;

/// A CONNECT that passed the configured policy, owned, for the broker to decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// The protocol version the client speaks.
    pub protocol: ProtocolVersion,
    /// Client Identifier as sent; empty when the client asks the server to assign one.
    pub client_id: String,
    /// Clean Start (5.0) / Clean Session (3.1.1): `true` means any existing session is discarded.
    pub clean_start: bool,
    /// Keep Alive in seconds as the client asked (see [`ServerConfig::server_keep_alive`](super::ServerConfig::server_keep_alive)).
    pub keep_alive: u16,
    /// User Name.
    pub username: Option<String>,
    /// Password (redacted in `Debug`).
    pub password: Option<Password>,
    /// The Will Message, if any.
    pub will: Option<WillMessage>,
    /// Session Expiry Interval in seconds after the server's bound: 5.0 from the property
    /// (default 0); 3.1.1 maps Clean Session 0 to `u32::MAX` (the session never expires) and 1
    /// to 0.
    pub session_expiry_interval: u32,
    /// Receive Maximum: how many QoS 1/2 deliveries the client accepts at once (65,535 if absent).
    pub receive_maximum: u16,
    /// Maximum Packet Size the client accepts, if it set one.
    pub maximum_packet_size: Option<u32>,
    /// Topic Alias Maximum: how many aliases the client accepts from the server.
    pub topic_alias_maximum: u16,
    /// Request Response Information (5.0).
    pub request_response_information: bool,
    /// Request Problem Information (5.0; `true` if absent).
    pub request_problem_information: bool,
    /// Authentication Method for enhanced authentication (5.0).
    pub authentication_method: Option<String>,
    /// Authentication Data (5.0).
    pub authentication_data: Option<Vec<u8>>,
    /// User Properties of the CONNECT.
    pub user_properties: Vec<(String, String)>,
}

impl ConnectRequest {
    /// Copies a decoded CONNECT; `max_session_expiry` bounds the Session Expiry Interval.
    pub(crate) fn from_connect(c: &Connect<'_>, max_session_expiry: u32) -> Self {
        let v5 = c.protocol == ProtocolVersion::V5;
        let requested_expiry = if v5 {
            c.properties.session_expiry_interval().unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        let will = c.will.map(|w| WillMessage {
            message: ServerMessage {
                topic: w.topic.to_string(),
                payload: w.payload.to_vec(),
                qos: w.qos,
                retain: w.retain,
                properties: MessageProperties::from_properties(&w.properties),
            },
            delay_interval: w.properties.will_delay_interval().unwrap_or(0),
        });
        ConnectRequest {
            protocol: c.protocol,
            client_id: c.client_id.to_string(),
            clean_start: c.clean_start,
            keep_alive: c.keep_alive,
            username: c.username.map(ToString::to_string),
            password: c.password.map(Password::new),
            will,
            session_expiry_interval: requested_expiry.min(max_session_expiry),
            receive_maximum: c.properties.receive_maximum().unwrap_or(u16::MAX),
            maximum_packet_size: c.properties.maximum_packet_size(),
            topic_alias_maximum: c.properties.topic_alias_maximum().unwrap_or(0),
            request_response_information: c
                .properties
                .request_response_information()
                .unwrap_or(false),
            request_problem_information: c.properties.request_problem_information().unwrap_or(true),
            authentication_method: c
                .properties
                .authentication_method()
                .map(ToString::to_string),
            authentication_data: c.properties.authentication_data().map(<[u8]>::to_vec),
            user_properties: c
                .properties
                .user_properties()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// True when the client asks to resume an existing session (Clean Start 0).
    #[must_use]
    pub const fn wants_resume(&self) -> bool {
        !self.clean_start
    }
}

/// The broker's "yes" to a CONNECT.
///
/// ```
/// use iotmqtt::server::ConnectAccept;
/// let accept = ConnectAccept {
///     user_properties: vec![("region".into(), "local".into())],
///     ..ConnectAccept::default()
/// };
/// assert!(accept.session.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectAccept {
    /// The Client Identifier to give a client that sent an empty one. Required for an MQTT 5
    /// client with an empty identifier (it is sent as Assigned Client Identifier); ignored when
    /// the client sent its own.
    pub assigned_client_id: Option<String>,
    /// The stored session to resume (ignored when the client asked for Clean Start, or when it
    /// belongs to another client id). CONNACK then says Session Present.
    pub session: Option<ServerSessionState>,
    /// Reason String for CONNACK (5.0).
    pub reason_string: Option<String>,
    /// User Properties for CONNACK (5.0).
    pub user_properties: Vec<(String, String)>,
    /// Response Information for CONNACK (5.0; sent only if the client requested it).
    pub response_information: Option<String>,
    /// Final Authentication Data for CONNACK (5.0 enhanced authentication).
    pub authentication_data: Option<Vec<u8>>,
}

/// The broker's "no" to a CONNECT.
///
/// ```
/// use iotmqtt::ConnectReason;
/// use iotmqtt::server::ConnectReject;
/// let no: ConnectReject = ConnectReason::BadUserNameOrPassword.into();
/// assert_eq!(no.reason, ConnectReason::BadUserNameOrPassword);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectReject {
    /// The CONNACK code; must be 0x80 or above. For 3.1.1 it is mapped by
    /// [`v3_connack_reason`].
    pub reason: ConnectReason,
    /// Reason String (5.0).
    pub reason_string: Option<String>,
    /// User Properties (5.0).
    pub user_properties: Vec<(String, String)>,
    /// Server Reference, for Use another server / Server moved (5.0).
    pub server_reference: Option<String>,
}

impl From<ConnectReason> for ConnectReject {
    fn from(reason: ConnectReason) -> Self {
        ConnectReject {
            reason,
            reason_string: None,
            user_properties: Vec::new(),
            server_reference: None,
        }
    }
}

/// One step of MQTT 5 enhanced authentication sent by the server (an AUTH with Continue
/// authentication).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthContinue {
    /// Authentication Data for the client.
    pub data: Option<Vec<u8>>,
    /// Reason String.
    pub reason_string: Option<String>,
}

/// An AUTH packet from the client (MQTT 5 enhanced authentication or re-authentication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthExchange {
    /// Continue authentication, or Re-authenticate (the first AUTH of a re-authentication).
    pub reason: AuthReason,
    /// Authentication Method (always the one the CONNECT named).
    pub method: String,
    /// Authentication Data.
    pub data: Option<Vec<u8>>,
    /// `false` during the CONNECT exchange, `true` while the connection is up.
    pub reauthentication: bool,
}

/// What an [`Authenticator`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthDecision {
    /// Accept the connection (or, during re-authentication, send AUTH Success).
    Accept(Box<ConnectAccept>),
    /// Refuse it with a CONNACK code (during re-authentication: DISCONNECT with that code).
    Reject(ConnectReject),
    /// Send AUTH Continue authentication and wait for the client's next AUTH.
    Continue(AuthContinue),
}

/// A synchronous policy the session consults while it handles the client's bytes. Install one
/// with [`ServerSession::with_authenticator`](super::ServerSession::with_authenticator); share
/// state between sessions through your own `Arc`.
///
/// ```
/// use iotmqtt::ConnectReason;
/// use iotmqtt::server::{AuthDecision, Authenticator, ConnectRequest};
/// struct Fixed;
/// impl Authenticator for Fixed {
///     fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision {
///         match &request.password {
///             Some(p) if p.expose() == b"open sesame" => AuthDecision::Accept(Box::default()),
///             _ => AuthDecision::Reject(ConnectReason::BadUserNameOrPassword.into()),
///         }
///     }
/// }
/// ```
pub trait Authenticator {
    /// Decides on a CONNECT (it already passed the configured policy).
    fn authenticate(&mut self, request: &ConnectRequest) -> AuthDecision;

    /// Decides on an AUTH packet (enhanced authentication). The default refuses with Bad
    /// authentication method.
    fn continue_auth(&mut self, request: &ConnectRequest, auth: &AuthExchange) -> AuthDecision {
        let _ = (request, auth);
        AuthDecision::Reject(ConnectReason::BadAuthenticationMethod.into())
    }

    /// Decides on one subscription: `Ok(qos)` grants up to `qos` (the session then applies the
    /// configured maximum), `Err(code)` refuses it with that SUBACK code. The default grants
    /// what was asked.
    ///
    /// # Errors
    /// The SUBACK code that refuses the subscription.
    fn authorize_subscribe(
        &mut self,
        client_id: &str,
        filter: &str,
        qos: QoS,
    ) -> Result<QoS, SubAckReason> {
        let _ = (client_id, filter);
        Ok(qos)
    }
}

/// The CONNACK reason a 3.1.1 client is sent for `reason`: the code itself when 3.1.1 has it
/// ([`ConnectReason::to_v3_return_code`]), otherwise the closest of the five 3.1.1 refusals:
///
/// | MQTT 5 code | 3.1.1 return code |
/// |---|---|
/// | Server busy, Quota exceeded, Connection rate exceeded, Use another server, Server moved, Unspecified error, Implementation specific error | 3 Server unavailable |
/// | Bad authentication method | 4 Bad user name or password |
/// | everything else (Banned, QoS not supported, Retain not supported, Packet too large, Topic Name invalid, Payload format invalid, Malformed Packet, Protocol Error) | 5 Not authorized |
///
/// ```
/// use iotmqtt::ConnectReason;
/// use iotmqtt::server::v3_connack_reason;
/// assert_eq!(v3_connack_reason(ConnectReason::ClientIdentifierNotValid).to_v3_return_code(), Some(2));
/// assert_eq!(v3_connack_reason(ConnectReason::QosNotSupported).to_v3_return_code(), Some(5));
/// ```
#[must_use]
pub const fn v3_connack_reason(reason: ConnectReason) -> ConnectReason {
    if reason.to_v3_return_code().is_some() {
        return reason;
    }
    match reason {
        ConnectReason::ServerBusy
        | ConnectReason::QuotaExceeded
        | ConnectReason::ConnectionRateExceeded
        | ConnectReason::UseAnotherServer
        | ConnectReason::ServerMoved
        | ConnectReason::UnspecifiedError
        | ConnectReason::ImplementationSpecificError => ConnectReason::ServerUnavailable,
        ConnectReason::BadAuthenticationMethod => ConnectReason::BadUserNameOrPassword,
        _ => ConnectReason::NotAuthorized,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    use super::*;

    #[test]
    fn every_connect_reason_has_a_v3_code() {
        for &r in ConnectReason::ALL {
            let v3 = v3_connack_reason(r);
            assert!(v3.to_v3_return_code().is_some(), "{r}");
            assert_eq!(v3.is_error(), r.is_error(), "{r}");
        }
    }

    #[test]
    fn passwords_never_show() {
        let p = Password::new(b"hunter2".to_vec());
        assert_eq!(p.expose(), b"hunter2");
        let shown = format!("{p:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
