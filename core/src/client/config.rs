//! [`ClientConfig`]: every setting of a client session, checked by [`ClientConfig::validate`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use zeroize::Zeroize;

use super::refusals::ConnackRefusals;

use crate::codec::{
    MAX_PACKET_SIZE, OwnedProperties, PropertyContext, ProtocolVersion, QoS, validate_topic_name,
};
use crate::error::{Error, UsageError};

/// A password: binary data that is wiped from memory when dropped and never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(Vec<u8>);

impl Password {
    /// Takes ownership of `bytes`.
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Password(bytes.into())
    }

    /// The secret bytes.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where the user name and password of each CONNECT come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No user name, no password.
    #[default]
    None,
    /// The same values on every connection attempt.
    Static {
        /// User Name.
        username: Option<String>,
        /// Password.
        password: Option<Password>,
    },
    /// Ask before every CONNECT: the client emits [`Event::CredentialsNeeded`] and waits for
    /// [`Client::set_credentials`]. Use this for time-limited passwords (IoTDA signatures,
    /// tokens), which must be fresh on each attempt.
    ///
    /// [`Event::CredentialsNeeded`]: crate::client::Event::CredentialsNeeded
    /// [`Client::set_credentials`]: crate::client::Client::set_credentials
    AskEachTime,
}

/// The Will Message the server publishes if the connection ends without a DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WillConfig {
    /// Will Topic.
    pub topic: String,
    /// Will Payload.
    pub payload: Vec<u8>,
    /// QoS.
    pub qos: QoS,
    /// Retain.
    pub retain: bool,
    /// Will properties (5.0 only), checked for the Will context by `validate`.
    pub properties: OwnedProperties,
}

/// What happens to QoS 1 and 2 messages that were sent but not acknowledged when the server
/// reports a new session (CONNACK with Session Present = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequeuePolicy {
    /// Send them again, in their original order and before newer messages, as new messages (DUP
    /// clear, same packet identifiers). QoS 2 messages the server had already received (PUBREC
    /// seen) are not sent again; they end with [`DropReason::SessionLost`].
    ///
    /// [`DropReason::SessionLost`]: crate::client::DropReason::SessionLost
    #[default]
    Resend,
    /// Give them up: each ends with [`Event::PublishDropped`] and
    /// [`DropReason::SessionLost`].
    ///
    /// [`Event::PublishDropped`]: crate::client::Event::PublishDropped
    /// [`DropReason::SessionLost`]: crate::client::DropReason::SessionLost
    Drop,
}

/// Automatic reconnection: exponential backoff with jitter from the caller's seed.
///
/// The delay before attempt `n` (0-based) is `d = min(max_delay, min_delay · 2ⁿ)`, then a
/// uniformly chosen value in `[d/2, d]` ("equal jitter"). The random numbers come from a small
/// deterministic generator seeded with `jitter_seed`; give each device its own seed (for example
/// derived from its id) so that a fleet does not reconnect in lockstep. A connection that stayed
/// up for `stable_after` resets `n` to 0.
///
/// A CONNACK refusing with a reason in `stop_on` ends the reconnects: the client goes idle,
/// [`ConnectionLost`]`.reconnect_at` is `None` and drivers stop, until the application calls
/// [`Client::connect`] again (after fixing the credentials, say).
///
/// ```
/// use iotmqtt::client::{ClientConfig, ConnackRefusals};
/// use iotmqtt::ConnectReason;
/// let mut config = ClientConfig::new("device-1");
/// // Wrong credentials, not authorized, banned, unsupported protocol: stop (the default).
/// assert_eq!(config.reconnect.stop_on, ConnackRefusals::NOT_RETRYABLE);
/// // Keep trying while the device is not authorized yet.
/// config.reconnect.stop_on.remove(ConnectReason::NotAuthorized);
/// ```
///
/// [`ConnectionLost`]: crate::client::ConnectionLost
/// [`Client::connect`]: crate::client::Client::connect
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Reconnect after a connection is lost (not after [`Client::disconnect`]).
    ///
    /// [`Client::disconnect`]: crate::client::Client::disconnect
    pub enabled: bool,
    /// The first delay.
    pub min_delay: Duration,
    /// The largest delay.
    pub max_delay: Duration,
    /// Seed of the jitter generator.
    pub jitter_seed: u64,
    /// A connection that lasted this long resets the backoff.
    pub stable_after: Duration,
    /// After a new session, subscribe again to every filter the server granted before.
    pub resubscribe: bool,
    /// What happens to unacknowledged QoS > 0 messages when the session is lost.
    pub requeue: RequeuePolicy,
    /// CONNACK refusals that end the reconnects (3.1.1 return codes count as their 5.0
    /// equivalents). Default [`ConnackRefusals::NOT_RETRYABLE`]: 0x84 Unsupported Protocol
    /// Version (3.1.1 code 1), 0x86 Bad User Name or Password (code 4), 0x87 Not authorized
    /// (code 5), 0x8A Banned. [`ConnackRefusals::NONE`] retries every refusal.
    pub stop_on: ConnackRefusals,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            enabled: true,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            jitter_seed: 0x5EED,
            stable_after: Duration::from_secs(60),
            resubscribe: true,
            requeue: RequeuePolicy::Resend,
            stop_on: ConnackRefusals::NOT_RETRYABLE,
        }
    }
}

/// Every setting of a client session.
///
/// Build one with [`ClientConfig::new`] and change the fields you need; [`Client::new`] accepts
/// any value and [`ClientConfig::validate`] (also run by `connect`) reports a bad one.
///
/// ```
/// use iotmqtt::client::{ClientConfig, Credentials, Password};
/// use iotmqtt::ProtocolVersion;
/// let mut config = ClientConfig::new("device-1");
/// config.protocol = ProtocolVersion::V311;
/// config.keep_alive = 30;
/// config.credentials = Credentials::Static {
///     username: Some("user".into()),
///     password: Some(Password::new(b"secret".to_vec())),
/// };
/// assert!(config.validate().is_ok());
/// assert!(!format!("{config:?}").contains("secret"));
/// ```
///
/// [`Client::new`]: crate::client::Client::new
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Protocol version (default 5.0).
    pub protocol: ProtocolVersion,
    /// Client Identifier. Empty asks the server to assign one (3.1.1 requires `clean_start`);
    /// an assigned identifier is kept for the reconnects of this client.
    pub client_id: String,
    /// Keep Alive in seconds (0 = off). A Server Keep Alive in CONNACK replaces it.
    pub keep_alive: u16,
    /// How long to wait for PINGRESP (or any packet) after a PINGREQ before the connection is
    /// declared dead. `None` = the keep-alive interval.
    pub ping_timeout: Option<Duration>,
    /// Clean Start (5.0) / Clean Session (3.1.1) of the first connection. In 5.0 reconnects
    /// ask to resume while the Session Expiry Interval in force (ours, or the server's from
    /// CONNACK) is above 0, and start clean when it is 0 (nothing outlived the connection); in
    /// 3.1.1 every CONNECT uses this value.
    pub clean_start: bool,
    /// Session Expiry Interval in seconds (5.0; 0 = the session ends with the connection,
    /// `u32::MAX` = never).
    pub session_expiry: u32,
    /// User name and password.
    pub credentials: Credentials,
    /// The Will Message.
    pub will: Option<WillConfig>,
    /// Receive Maximum we announce (5.0): QoS > 0 messages the server may have unacknowledged
    /// towards us. Also our bound in 3.1.1. 1 to 65,535.
    pub receive_maximum: u16,
    /// Maximum Packet Size we accept and announce (5.0), in bytes; it also bounds the receive
    /// buffer. At least 64.
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum we announce (5.0): aliases the server may use towards us. At most
    /// 1,024 (each holds one topic).
    pub topic_alias_maximum: u16,
    /// Most topic aliases this client assigns on its own PUBLISHes (5.0), further limited by the
    /// server's Topic Alias Maximum. 0 turns outgoing aliases off.
    pub outgoing_topic_aliases: u16,
    /// How long to wait for CONNACK after the transport opened.
    pub connack_timeout: Duration,
    /// Reconnection.
    pub reconnect: ReconnectPolicy,
    /// Most messages the client holds for sending: queued (offline or waiting for a slot) plus
    /// in flight. A publish beyond it fails with `QueueFull`.
    pub max_queued_messages: usize,
    /// Most payload, topic and property bytes of those messages.
    pub max_queued_bytes: usize,
    /// Most QoS > 0 messages in flight at once, further limited by the server's Receive
    /// Maximum. 1 to 65,535.
    pub max_inflight: u16,
    /// Most SUBSCRIBE/UNSUBSCRIBE requests awaiting their acknowledgement, and most filters
    /// remembered for re-subscription.
    pub max_subscriptions: usize,
    /// Most undelivered events; a QoS 0 message arriving beyond it is dropped and counted
    /// ([`Event::MessagesDropped`]). QoS > 0 messages are bounded by `receive_maximum` instead.
    ///
    /// [`Event::MessagesDropped`]: crate::client::Event::MessagesDropped
    pub max_events: usize,
    /// Manual acknowledgement: incoming QoS 1/2 messages are acknowledged only when the
    /// application calls [`Client::ack`] (after storing them). Otherwise they are acknowledged
    /// when the application takes the message from [`Client::poll_event`].
    ///
    /// [`Client::ack`]: crate::client::Client::ack
    /// [`Client::poll_event`]: crate::client::Client::poll_event
    pub manual_ack: bool,
    /// Write-ahead persistence: every change to the session state emits
    /// [`Event::PersistRequired`] and holds back all output until [`Client::snapshot`] is taken.
    ///
    /// [`Event::PersistRequired`]: crate::client::Event::PersistRequired
    /// [`Client::snapshot`]: crate::client::Client::snapshot
    pub persistence: bool,
    /// Authentication Method for enhanced authentication (5.0).
    pub auth_method: Option<String>,
    /// Initial Authentication Data (5.0, needs `auth_method`).
    pub auth_data: Option<Vec<u8>>,
    /// Extra CONNECT properties (5.0): User Properties, Request Problem/Response Information.
    pub connect_properties: OwnedProperties,
}

/// Whether this build has MQTT 5 topic aliases (the `topic-alias` feature).
const TOPIC_ALIASES: bool = cfg!(feature = "topic-alias");
/// Whether this build has MQTT 5 enhanced authentication (the `enhanced-auth` feature).
const ENHANCED_AUTH: bool = cfg!(feature = "enhanced-auth");

impl ClientConfig {
    /// The Topic Alias Maximum in effect: 0 without the `topic-alias` feature (a constant, so
    /// the alias code is left out of such a build).
    pub(crate) fn alias_maximum(&self) -> u16 {
        if TOPIC_ALIASES {
            self.topic_alias_maximum
        } else {
            0
        }
    }

    /// The most outgoing topic aliases in effect: 0 without the `topic-alias` feature.
    pub(crate) fn outgoing_aliases(&self) -> u16 {
        if TOPIC_ALIASES {
            self.outgoing_topic_aliases
        } else {
            0
        }
    }

    /// The Authentication Method in effect: none without the `enhanced-auth` feature (so
    /// an AUTH from the server is always unexpected and its handling is left out).
    pub(crate) fn auth_method(&self) -> Option<&str> {
        if ENHANCED_AUTH {
            self.auth_method.as_deref()
        } else {
            None
        }
    }

    /// Defaults for `client_id`: MQTT 5.0, keep-alive 60 s, clean start, no session expiry,
    /// receive maximum 64, maximum packet size 1 MiB + 1 KiB, 16 topic aliases each way,
    /// CONNACK timeout 10 s, reconnect on (1 s to 60 s), 1,000 messages / 1 MiB queued,
    /// 32 in flight, 128 subscriptions, 1,024 events, automatic acknowledgement.
    #[must_use]
    pub fn new(client_id: impl Into<String>) -> Self {
        ClientConfig {
            protocol: ProtocolVersion::V5,
            client_id: client_id.into(),
            keep_alive: 60,
            ping_timeout: None,
            clean_start: true,
            session_expiry: 0,
            credentials: Credentials::None,
            will: None,
            receive_maximum: 64,
            maximum_packet_size: 1024 * 1024 + 1024,
            topic_alias_maximum: if TOPIC_ALIASES { 16 } else { 0 },
            outgoing_topic_aliases: if TOPIC_ALIASES { 16 } else { 0 },
            connack_timeout: Duration::from_secs(10),
            reconnect: ReconnectPolicy::default(),
            max_queued_messages: 1000,
            max_queued_bytes: 1024 * 1024,
            max_inflight: 32,
            max_subscriptions: 128,
            max_events: 1024,
            manual_ack: false,
            persistence: false,
            auth_method: None,
            auth_data: None,
            connect_properties: OwnedProperties::new(),
        }
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`UsageError::InvalidConfig`] naming the first bad setting and its allowed range.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |what| Err(Error::Usage(UsageError::InvalidConfig(what)));
        let v5 = self.protocol == ProtocolVersion::V5;
        if self.client_id.len() > usize::from(u16::MAX) || self.client_id.contains('\0') {
            return bad("client_id: at most 65,535 bytes, no U+0000");
        }
        if !v5 && self.client_id.is_empty() && !self.clean_start {
            return bad("client_id: an empty id needs clean_start in MQTT 3.1.1");
        }
        if !v5 && self.session_expiry != 0 {
            return bad("session_expiry: MQTT 5.0 only");
        }
        if self.receive_maximum == 0 {
            return bad("receive_maximum: 1 to 65,535");
        }
        if self.maximum_packet_size < 64 || self.maximum_packet_size > MAX_PACKET_SIZE {
            return bad("maximum_packet_size: 64 to 268,435,460");
        }
        if self.topic_alias_maximum > 1024 {
            return bad("topic_alias_maximum: 0 to 1,024");
        }
        if !TOPIC_ALIASES && (self.topic_alias_maximum > 0 || self.outgoing_topic_aliases > 0) {
            return bad(
                "topic_alias_maximum and outgoing_topic_aliases: 0 without the topic-alias feature",
            );
        }
        if self.max_inflight == 0 {
            return bad("max_inflight: 1 to 65,535");
        }
        if self.max_queued_messages == 0 || self.max_queued_bytes == 0 {
            return bad("max_queued_messages and max_queued_bytes: at least 1");
        }
        if self.max_subscriptions == 0 || self.max_events < 16 {
            return bad("max_subscriptions: at least 1; max_events: at least 16");
        }
        if self.connack_timeout.is_zero() {
            return bad("connack_timeout: more than zero");
        }
        if self.ping_timeout.is_some_and(|d| d.is_zero()) {
            return bad("ping_timeout: more than zero");
        }
        let r = &self.reconnect;
        if r.min_delay.is_zero() || r.min_delay > r.max_delay {
            return bad("reconnect: 0 < min_delay <= max_delay");
        }
        match &self.credentials {
            Credentials::Static { username, password } => {
                if username
                    .as_ref()
                    .is_some_and(|u| u.len() > usize::from(u16::MAX) || u.contains('\0'))
                {
                    return bad("credentials: user name of at most 65,535 bytes, no U+0000");
                }
                if password
                    .as_ref()
                    .is_some_and(|p| p.expose().len() > usize::from(u16::MAX))
                {
                    return bad("credentials: password of at most 65,535 bytes");
                }
                if !v5 && password.is_some() && username.is_none() {
                    return bad("credentials: MQTT 3.1.1 needs a user name with a password");
                }
            }
            Credentials::None | Credentials::AskEachTime => {}
        }
        if let Some(will) = &self.will {
            if will.topic.is_empty()
                || will.topic.len() > usize::from(u16::MAX)
                || will.topic.contains('\0')
                || validate_topic_name(&will.topic).is_err()
            {
                return bad("will.topic: a topic name without wildcards");
            }
            if will.payload.len() > usize::from(u16::MAX) {
                return bad("will.payload: at most 65,535 bytes");
            }
            if !will.properties.is_empty()
                && (!v5
                    || OwnedProperties::from_properties(
                        &will.properties.as_properties(),
                        PropertyContext::Will,
                    )
                    .is_err())
            {
                return bad("will.properties: Will properties of MQTT 5.0");
            }
        }
        if !v5 && (self.auth_method.is_some() || !self.connect_properties.is_empty()) {
            return bad("auth_method and connect_properties: MQTT 5.0 only");
        }
        if !ENHANCED_AUTH && self.auth_method.is_some() {
            return bad("auth_method: needs the enhanced-auth feature");
        }
        if self.auth_data.is_some() && self.auth_method.is_none() {
            return bad("auth_data: needs auth_method");
        }
        if self
            .auth_method
            .as_ref()
            .is_some_and(|m| m.len() > usize::from(u16::MAX) || m.contains('\0'))
            || self
                .auth_data
                .as_ref()
                .is_some_and(|d| d.len() > usize::from(u16::MAX))
        {
            return bad("auth_method and auth_data: at most 65,535 bytes");
        }
        if !self.connect_properties.is_empty() {
            let ok = OwnedProperties::from_properties(
                &self.connect_properties.as_properties(),
                PropertyContext::Connect,
            )
            .is_ok();
            let managed = self.connect_properties.as_properties().iter().any(|p| {
                !matches!(
                    p,
                    crate::codec::Property::UserProperty(..)
                        | crate::codec::Property::RequestProblemInformation(_)
                        | crate::codec::Property::RequestResponseInformation(_)
                )
            });
            if !ok || managed {
                return bad(
                    "connect_properties: only User Property, Request Problem Information and \
                     Request Response Information (the rest have their own settings)",
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Properties, Property};

    fn invalid(c: &ClientConfig) -> &'static str {
        match c.validate() {
            Err(Error::Usage(UsageError::InvalidConfig(what))) => what,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_each_bad_setting_is_named() {
        assert_eq!(ClientConfig::new("a").validate(), Ok(()));
        let mut c = ClientConfig::new("");
        c.protocol = ProtocolVersion::V311;
        c.clean_start = false;
        assert!(invalid(&c).starts_with("client_id"));
        let mut c = ClientConfig::new("a");
        c.receive_maximum = 0;
        assert!(invalid(&c).starts_with("receive_maximum"));
        let mut c = ClientConfig::new("a");
        c.reconnect.min_delay = Duration::from_secs(5);
        c.reconnect.max_delay = Duration::from_secs(1);
        assert!(invalid(&c).starts_with("reconnect"));
        let mut c = ClientConfig::new("a");
        c.maximum_packet_size = 10;
        assert!(invalid(&c).starts_with("maximum_packet_size"));
        let mut c = ClientConfig::new("a");
        c.will = Some(WillConfig {
            topic: "a/+".into(),
            payload: Vec::new(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: OwnedProperties::new(),
        });
        assert!(invalid(&c).starts_with("will.topic"));
        let mut c = ClientConfig::new("a");
        c.protocol = ProtocolVersion::V311;
        c.credentials = Credentials::Static {
            username: None,
            password: Some(Password::new(b"pw".to_vec())),
        };
        assert!(invalid(&c).starts_with("credentials"));
        let mut c = ClientConfig::new("a");
        c.protocol = ProtocolVersion::V311;
        c.session_expiry = 10;
        assert!(invalid(&c).starts_with("session_expiry"));
        let mut c = ClientConfig::new("a");
        let items = [Property::SessionExpiryInterval(3)];
        c.connect_properties =
            OwnedProperties::from_properties(&Properties::new(&items), PropertyContext::Connect)
                .unwrap();
        assert!(invalid(&c).starts_with("connect_properties"));
        let mut c = ClientConfig::new("a");
        c.auth_data = Some(b"x".to_vec());
        assert!(invalid(&c).starts_with("auth_data"));
    }

    #[test]
    fn password_is_redacted() {
        let p = Password::new(b"hunter2".to_vec());
        assert_eq!(alloc::format!("{p:?}"), "Password(<redacted>)");
        assert_eq!(p.expose(), b"hunter2");
    }
}
