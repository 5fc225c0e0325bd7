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

/// The items inside, each only with the `server` feature.
macro_rules! with_server_feature {
    ($($item:item)*) => { $( #[cfg(feature = "server")] $item )* };
}

with_server_feature! {
    mod auth;
    mod config;
    mod connecting;
    mod delivery;
    mod event;
    mod inbound;
    mod message;
    mod outbound;
    mod session;
    mod session_state;
    mod state;
    mod subscribing;
    mod subscriptions;
    mod timer;

    #[cfg(test)]
    mod tests;

    pub use auth::{
        AuthContinue, AuthDecision, AuthExchange, Authenticator, ConnectAccept, ConnectReject,
        ConnectRequest, Password, v3_connack_reason,
    };
    pub use config::{KeepAliveLimits, ServerConfig};
    pub use event::{
        CloseCause, Connected, Delivery, DropReason, Dropped, ServerEvent, SubscribeOutcome,
        Subscribed, Unsubscribed,
    };
    pub use message::{InboundPublish, MessageProperties, ServerMessage, WillMessage};
    pub use session::ServerSession;
    pub use session_state::ServerSessionState;
    pub use state::ServerState;
    pub use subscriptions::ServerSubscription;
}

mod topic;

pub use topic::{SharedFilter, topic_matches};
