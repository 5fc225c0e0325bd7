//! The connection lifecycle of a [`Client`](super::Client): every state, every input that moves
//! it, and every transition, as one table ([`TRANSITIONS`]) that the code looks up and the
//! documentation draws.
//!
//! ```text
//!                 connect()                    handle_connected()
//!   ┌──────┐ ────────────────► ┌─────────────┐ ───────────────────► ┌─────────────────────┐
//!   │ Idle │                   │ WaitingFor- │                      │ AwaitingCredentials │
//!   └──────┘ ◄───── disconnect │  Transport  │ ◄──┐                 └─────────────────────┘
//!      ▲  ▲        (any state) └─────────────┘    │                    │ set_credentials()
//!      │  │                          ▲            │ reconnect          │ (or static: at once)
//!      │  │                          │ timer:     │ timer              ▼
//!      │  │ lost, no reconnect       │ ReconnectDue               ┌─────────────────┐
//!      │  └──────────────────────┐   │            │               │ AwaitingConnack │
//!      │                         │ ┌─────────┐    │               └─────────────────┘
//!      │                         └─│ Backoff │ ◄──┴─── lost ───────── │ CONNACK 0x00
//!      │                           └─────────┘     (closed, fault,    ▼
//!      │                                ▲           timeout, refusal) ┌───────────┐
//!      └─────── lost, no reconnect ─────┴──────────────── lost ────── │ Connected │
//!                                                                     └───────────┘
//! ```
//!
//! | from | input | to | what happens |
//! |---|---|---|---|
//! | Idle | Connect | WaitingForTransport | `connect()`: the config is validated; the driver opens a transport |
//! | WaitingForTransport, Backoff | TransportUp | AwaitingCredentials | `handle_connected()`: CONNACK timer starts; `CredentialsNeeded` unless credentials are static (in `Backoff`: the driver reconnected early) |
//! | AwaitingCredentials | CredentialsSet | AwaitingConnack | `set_credentials()` (or at once with static credentials): CONNECT is queued |
//! | AwaitingConnack | ConnackAccepted | Connected | `Connected` event; resend (session present) or requeue/resubscribe (new session) |
//! | WaitingForTransport, AwaitingCredentials, AwaitingConnack, Connected | Lost | Backoff | transport closed, peer fault, timeout or refusal: `ConnectionLost`, reconnect timer starts |
//! | WaitingForTransport, AwaitingCredentials, AwaitingConnack, Connected | LostFinal | Idle | the same with reconnection off: `ConnectionLost` |
//! | Backoff | ReconnectTimer | WaitingForTransport | `ReconnectDue`: the driver opens a transport |
//! | WaitingForTransport, AwaitingCredentials, AwaitingConnack, Connected, Backoff | Disconnect | Idle | `disconnect()`: DISCONNECT queued if CONNECT was; `Disconnected`; no more reconnects |
//!
//! A command whose input has no row for the current state fails with
//! [`UsageError::InvalidState`](crate::UsageError::InvalidState) and changes nothing; a driver
//! input without a row (for example `handle_closed` while `Idle`, or `handle_connected` after
//! `disconnect()` when the driver's connection attempt completes late) is ignored.

use core::fmt;

/// Where a client is in its connection lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not connected and not trying to: before `connect()`, after `disconnect()`, or after a
    /// loss with reconnection off.
    Idle,
    /// Wants a connection: the driver should open a transport and call `handle_connected`.
    WaitingForTransport,
    /// A transport is open; the client waits for `set_credentials` before sending CONNECT.
    AwaitingCredentials,
    /// CONNECT is queued or sent; the CONNACK timer runs. Enhanced authentication (AUTH)
    /// happens here.
    AwaitingConnack,
    /// CONNACK accepted the connection.
    Connected,
    /// The connection was lost; the reconnect timer runs.
    Backoff,
}

impl State {
    /// Every state, in lifecycle order.
    pub const ALL: [State; 6] = [
        State::Idle,
        State::WaitingForTransport,
        State::AwaitingCredentials,
        State::AwaitingConnack,
        State::Connected,
        State::Backoff,
    ];

    /// The name used in the table.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            State::Idle => "Idle",
            State::WaitingForTransport => "WaitingForTransport",
            State::AwaitingCredentials => "AwaitingCredentials",
            State::AwaitingConnack => "AwaitingConnack",
            State::Connected => "Connected",
            State::Backoff => "Backoff",
        }
    }

    /// The snake_case name the bindings and the scenario files use: `idle`,
    /// `waiting_for_transport`, `awaiting_credentials`, `awaiting_connack`, `connected`,
    /// `backoff`.
    ///
    /// ```
    /// use iotmqtt::client::State;
    /// assert_eq!(State::WaitingForTransport.snake_name(), "waiting_for_transport");
    /// ```
    #[must_use]
    pub const fn snake_name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::WaitingForTransport => "waiting_for_transport",
            State::AwaitingCredentials => "awaiting_credentials",
            State::AwaitingConnack => "awaiting_connack",
            State::Connected => "connected",
            State::Backoff => "backoff",
        }
    }

    /// True while a transport is open (from `handle_connected` until the connection is lost).
    #[must_use]
    pub const fn has_transport(self) -> bool {
        matches!(
            self,
            State::AwaitingCredentials | State::AwaitingConnack | State::Connected
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What moves a client from one [`State`] to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// `connect()`.
    Connect,
    /// `handle_connected()`: the driver opened a transport.
    TransportUp,
    /// Credentials are known (`set_credentials()`, or static ones).
    CredentialsSet,
    /// A CONNACK with reason code Success.
    ConnackAccepted,
    /// The connection ended (closed, peer fault, timeout, refusal); reconnection is on.
    Lost,
    /// The connection ended; reconnection is off.
    LostFinal,
    /// The reconnect timer fired.
    ReconnectTimer,
    /// `disconnect()`.
    Disconnect,
}

impl Input {
    /// The name used in the table.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Input::Connect => "Connect",
            Input::TransportUp => "TransportUp",
            Input::CredentialsSet => "CredentialsSet",
            Input::ConnackAccepted => "ConnackAccepted",
            Input::Lost => "Lost",
            Input::LostFinal => "LostFinal",
            Input::ReconnectTimer => "ReconnectTimer",
            Input::Disconnect => "Disconnect",
        }
    }
}

/// One row of the table: in any of `from`, `input` leads to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The states this row applies to.
    pub from: &'static [State],
    /// The input.
    pub input: Input,
    /// The new state.
    pub to: State,
}

const LIVE: &[State] = &[
    State::WaitingForTransport,
    State::AwaitingCredentials,
    State::AwaitingConnack,
    State::Connected,
];

/// The whole lifecycle. [`next`] looks inputs up here; nothing else changes the state.
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: &[State::Idle],
        input: Input::Connect,
        to: State::WaitingForTransport,
    },
    Transition {
        from: &[State::WaitingForTransport, State::Backoff],
        input: Input::TransportUp,
        to: State::AwaitingCredentials,
    },
    Transition {
        from: &[State::AwaitingCredentials],
        input: Input::CredentialsSet,
        to: State::AwaitingConnack,
    },
    Transition {
        from: &[State::AwaitingConnack],
        input: Input::ConnackAccepted,
        to: State::Connected,
    },
    Transition {
        from: LIVE,
        input: Input::Lost,
        to: State::Backoff,
    },
    Transition {
        from: LIVE,
        input: Input::LostFinal,
        to: State::Idle,
    },
    Transition {
        from: &[State::Backoff],
        input: Input::ReconnectTimer,
        to: State::WaitingForTransport,
    },
    Transition {
        from: &[
            State::WaitingForTransport,
            State::AwaitingCredentials,
            State::AwaitingConnack,
            State::Connected,
            State::Backoff,
        ],
        input: Input::Disconnect,
        to: State::Idle,
    },
];

/// The state `input` leads to from `state`, or `None` when the table has no row for it.
#[must_use]
pub fn next(state: State, input: Input) -> Option<State> {
    TRANSITIONS
        .iter()
        .find(|t| t.input == input && t.from.contains(&state))
        .map(|t| t.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_one_row_per_state_and_input() {
        for s in State::ALL {
            for t in TRANSITIONS {
                let n = TRANSITIONS
                    .iter()
                    .filter(|u| u.input == t.input && u.from.contains(&s))
                    .count();
                assert!(n <= 1, "{s} {:?} has {n} rows", t.input);
            }
        }
    }

    #[test]
    fn every_state_is_reachable_and_left() {
        for s in State::ALL {
            assert!(
                s == State::Idle || TRANSITIONS.iter().any(|t| t.to == s),
                "{s} unreachable"
            );
            assert!(
                TRANSITIONS.iter().any(|t| t.from.contains(&s)),
                "{s} is a dead end"
            );
        }
        assert_eq!(next(State::Idle, Input::Disconnect), None);
        assert_eq!(next(State::Connected, Input::Connect), None);
        assert_eq!(next(State::Backoff, Input::Lost), None);
        assert_eq!(next(State::Connected, Input::Lost), Some(State::Backoff));
    }
}
