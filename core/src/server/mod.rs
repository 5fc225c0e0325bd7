//! The server side of MQTT: one connection's session, sans-IO, for building a broker.
//!
//! A broker owns many [`ServerSession`]s (one per connection) and a routing table outside the
//! core. Each session handles the protocol of its connection — CONNECT and authentication,
//! keep-alive, QoS 0/1/2 both ways, subscriptions, topic aliases, session state — and reports to
//! the broker through owned [`ServerEvent`]s. Routing stays with the broker:
//!
//! ```text
//!  socket ─► handle_bytes ─► ServerSession ─► poll_event: Publish(msg) ─► broker routes ─┐
//!  socket ◄─ poll_transmit ◄─ ServerSession ◄─ deliver(&msg) ◄─── for every matching session ┘
//! ```
//!
//! * [`topic_matches`] and [`SharedFilter`] are the matching rules (MQTT 5.0 §4.7, §4.8).
//! * [`ServerSession::subscriptions`] and [`ServerEvent::Subscribed`] /
//!   [`ServerEvent::Unsubscribed`] keep a routing table current;
//!   [`ServerSession::deliver`] applies the per-subscription delivery rules.
//! * [`ServerConfig`] holds the policy (maximum QoS, Will, retain, keep-alive range, packet
//!   size, subscription count, …); [`ServerConfig::iotda`] is Huawei Cloud IoTDA's.
//! * CONNECT decisions come as [`ServerEvent::ConnectRequest`] (answer with
//!   [`ServerSession::accept`] / [`ServerSession::reject`]) or from an [`Authenticator`].
//! * [`ServerSessionState`] carries a session from one connection to the next.
//!
//! All of it but the matching rules needs the `server` feature (on by default); the client
//! uses the matching rules too ([`client::topic_matches`](crate::client::topic_matches)).

#[cfg(feature = "server")]
mod auth;
#[cfg(feature = "server")]
mod config;
#[cfg(feature = "server")]
mod connecting;
#[cfg(feature = "server")]
mod delivery;
#[cfg(feature = "server")]
mod event;
#[cfg(feature = "server")]
mod inbound;
#[cfg(feature = "server")]
mod message;
#[cfg(feature = "server")]
mod outbound;
#[cfg(feature = "server")]
mod session;
#[cfg(feature = "server")]
mod session_state;
#[cfg(feature = "server")]
mod state;
#[cfg(feature = "server")]
mod subscribing;
#[cfg(feature = "server")]
mod subscriptions;
#[cfg(feature = "server")]
mod timer;
mod topic;

#[cfg(test)]
#[cfg(feature = "server")]
mod tests;

#[cfg(feature = "server")]
pub use auth::{
    AuthContinue, AuthDecision, AuthExchange, Authenticator, ConnectAccept, ConnectReject,
    ConnectRequest, Password, v3_connack_reason,
};
#[cfg(feature = "server")]
pub use config::{KeepAliveLimits, ServerConfig};
#[cfg(feature = "server")]
pub use event::{
    CloseCause, Connected, Delivery, DropReason, Dropped, ServerEvent, SubscribeOutcome,
    Subscribed, Unsubscribed,
};
#[cfg(feature = "server")]
pub use message::{InboundPublish, MessageProperties, ServerMessage, WillMessage};
#[cfg(feature = "server")]
pub use session::ServerSession;
#[cfg(feature = "server")]
pub use session_state::ServerSessionState;
#[cfg(feature = "server")]
pub use state::ServerState;
#[cfg(feature = "server")]
pub use subscriptions::ServerSubscription;
pub use topic::{SharedFilter, topic_matches};
