//! The connection's state machine: every state, and what each packet and command does in it.
//!
//! ```text
//!                 CONNECT passes policy            accept / Authenticator accepts
//!  AwaitingConnect ─────────────────────► Authenticating ─────────────────────────► Connected
//!        │                                 │  ▲    │ AUTH ⇄ continue_auth              │ PUBLISH, acks,
//!        │ refused, fault, timeout,        │  └────┘                                   │ SUBSCRIBE, PINGREQ,
//!        │ handle_closed, disconnect        │ reject, fault, timeout, …                │ AUTH (re-auth)
//!        ▼                                 ▼                                          ▼
//!      Closed ◄─────────────────────────────────────────────────────────────────────────
//!                     DISCONNECT, fault, keep-alive timeout, disconnect(), handle_closed
//! ```
//!
//! What a packet from the client does in each state ([`on_packet`]):
//!
//! | state | CONNECT | AUTH | PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT | CONNACK, SUBACK, UNSUBACK, PINGRESP |
//! |---|---|---|---|---|
//! | AwaitingConnect | handle | fault | fault | fault |
//! | Authenticating | fault | handle | hold until accepted [MQTT-3.1.4-5] | hold |
//! | Connected | fault [MQTT-3.1.0-2] | handle | handle | fault (server-to-client packets) |
//! | Closed | ignore | ignore | ignore | ignore |
//!
//! A fault before CONNACK closes the connection without a DISCONNECT [MQTT-3.14.0-1];
//! after it, an MQTT 5 client gets a DISCONNECT with the fault's reason code first.

use crate::codec::PacketType;

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerState {
    /// Waiting for CONNECT.
    AwaitingConnect,
    /// CONNECT received; waiting for the broker's decision or an AUTH exchange.
    Authenticating,
    /// CONNACK sent; the session is live.
    Connected,
    /// The connection is over (a session state may still be kept for the client).
    Closed,
}

/// What to do with a packet in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Process it now.
    Handle,
    /// Keep it, unprocessed, until the state changes.
    Hold,
    /// A protocol violation.
    Fault,
    /// Drop it.
    Ignore,
}

/// The packet table above.
pub(crate) const fn on_packet(state: ServerState, packet: PacketType) -> Verdict {
    use PacketType as P;
    use ServerState as S;
    match (state, packet) {
        (S::Closed, _) => Verdict::Ignore,
        (S::AwaitingConnect, P::Connect) | (S::Authenticating | S::Connected, P::Auth) => {
            Verdict::Handle
        }
        (S::AwaitingConnect, _) | (S::Authenticating | S::Connected, P::Connect) => Verdict::Fault,
        (S::Authenticating, _) => Verdict::Hold,
        (
            S::Connected,
            P::Publish
            | P::PubAck
            | P::PubRec
            | P::PubRel
            | P::PubComp
            | P::Subscribe
            | P::Unsubscribe
            | P::PingReq
            | P::Disconnect,
        ) => Verdict::Handle,
        (S::Connected, P::Connack | P::SubAck | P::UnsubAck | P::PingResp) => Verdict::Fault,
    }
}

/// The state changes that are not a packet (commands, decisions, timers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A CONNECT passed the policy.
    ConnectReceived,
    /// The broker (or its authenticator) accepted it.
    Accepted,
    /// Refusal, fault, timeout, DISCONNECT either way, or the transport closed.
    Close,
}

/// The state after `step`, or `None` when `step` is not possible in `state`.
pub(crate) const fn next(state: ServerState, step: Step) -> Option<ServerState> {
    use ServerState as S;
    match (state, step) {
        (S::AwaitingConnect, Step::ConnectReceived) => Some(S::Authenticating),
        (S::Authenticating, Step::Accepted) => Some(S::Connected),
        (S::AwaitingConnect | S::Authenticating | S::Connected, Step::Close) => Some(S::Closed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_rows() {
        use PacketType as P;
        use ServerState as S;
        assert_eq!(on_packet(S::AwaitingConnect, P::Connect), Verdict::Handle);
        assert_eq!(on_packet(S::AwaitingConnect, P::Publish), Verdict::Fault);
        assert_eq!(on_packet(S::Authenticating, P::Publish), Verdict::Hold);
        assert_eq!(on_packet(S::Authenticating, P::Auth), Verdict::Handle);
        assert_eq!(on_packet(S::Authenticating, P::Connect), Verdict::Fault);
        assert_eq!(on_packet(S::Connected, P::Connect), Verdict::Fault);
        assert_eq!(on_packet(S::Connected, P::SubAck), Verdict::Fault);
        assert_eq!(on_packet(S::Connected, P::PingReq), Verdict::Handle);
        assert_eq!(on_packet(S::Closed, P::PingReq), Verdict::Ignore);
    }

    #[test]
    fn steps() {
        use ServerState as S;
        assert_eq!(
            next(S::AwaitingConnect, Step::ConnectReceived),
            Some(S::Authenticating)
        );
        assert_eq!(next(S::Authenticating, Step::Accepted), Some(S::Connected));
        assert_eq!(next(S::Connected, Step::Accepted), None);
        assert_eq!(next(S::Closed, Step::Close), None);
        assert_eq!(next(S::Connected, Step::Close), Some(S::Closed));
    }
}
