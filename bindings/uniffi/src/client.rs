//! [`Client`]: the core's sans-IO MQTT client session behind a `Mutex` (uniffi objects are
//! shared and take `&self`), with its settings as a record ([`ClientConfig`]).
//!
//! The call protocol is the core's (`iotmqtt::client::Client`): commands return at once;
//! the driver feeds `handle_connected` / `handle_bytes` / `handle_timeout` / `handle_closed`
//! and polls `poll_transmit` (until empty), `poll_timeout`, then `poll_event` (until none),
//! repeating until all three are empty. Times are milliseconds of the driver's monotonic clock.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use iotmqtt::client::{self as mc, AckToken};
use iotmqtt::{Instant, PacketType, Properties, PropertyContext, Violation};

use crate::error::Result;
use crate::events::Event;
use crate::packets::Subscription;
use crate::properties::{Property, ProtocolVersion, QoS, core_list, from_owned, to_owned};

/// Where the user name and password of each CONNECT come from.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ClientCredentials {
    /// No user name, no password.
    Anonymous,
    /// The same values on every attempt.
    Static {
        /// User Name.
        username: Option<String>,
        /// Password (binary; Kotlin and Swift print a byte array without its content).
        password: Option<Vec<u8>>,
    },
    /// Ask before every CONNECT (`Event.CredentialsNeeded`, answered by `set_credentials`).
    AskEachTime,
}

/// Never shows the password.
impl core::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClientCredentials::Anonymous => f.write_str("Anonymous"),
            ClientCredentials::Static { username, password } => f
                .debug_struct("Static")
                .field("username", username)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .finish(),
            ClientCredentials::AskEachTime => f.write_str("AskEachTime"),
        }
    }
}

/// The Will Message the server publishes if the connection ends without DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WillConfig {
    /// Will Topic.
    pub topic: String,
    /// Will Payload.
    pub payload: Vec<u8>,
    /// QoS.
    pub qos: QoS,
    /// Retain.
    pub retain: bool,
    /// Will properties (5.0).
    pub properties: Vec<Property>,
}

/// What happens to unacknowledged QoS 1/2 messages when the server reports a new session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RequeuePolicy {
    /// Send them again as new messages.
    Resend,
    /// Give them up (`PublishDropped`, `SessionLost`).
    Drop,
}

/// Automatic reconnection: delay before attempt n is `min(max, min·2ⁿ)` with equal jitter.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReconnectPolicy {
    /// Reconnect after a loss.
    pub enabled: bool,
    /// The first delay, in milliseconds.
    pub min_delay_ms: u64,
    /// The largest delay, in milliseconds.
    pub max_delay_ms: u64,
    /// Seed of the jitter generator (give each device its own).
    pub jitter_seed: u64,
    /// A connection that lasted this long (milliseconds) resets the backoff.
    pub stable_after_ms: u64,
    /// Subscribe again after a new session.
    pub resubscribe: bool,
    /// What happens to unacknowledged messages on a new session.
    pub requeue: RequeuePolicy,
    /// CONNACK refusals (MQTT 5 reason codes; 3.1.1 return codes by their 5.0 equivalent) that
    /// end the reconnects instead of retrying, e.g. 0x86 bad user name or password.
    pub stop_on: Vec<u8>,
}

impl From<&mc::ReconnectPolicy> for ReconnectPolicy {
    fn from(r: &mc::ReconnectPolicy) -> Self {
        ReconnectPolicy {
            enabled: r.enabled,
            min_delay_ms: millis(r.min_delay),
            max_delay_ms: millis(r.max_delay),
            jitter_seed: r.jitter_seed,
            stable_after_ms: millis(r.stable_after),
            resubscribe: r.resubscribe,
            requeue: match r.requeue {
                mc::RequeuePolicy::Drop => RequeuePolicy::Drop,
                mc::RequeuePolicy::Resend => RequeuePolicy::Resend,
            },
            stop_on: r.stop_on.codes().collect(),
        }
    }
}

impl ReconnectPolicy {
    /// The core's policy.
    ///
    /// # Errors
    /// `invalid_reason_code` for a `stop_on` code that is no CONNACK reason.
    pub(crate) fn to_core(&self) -> Result<mc::ReconnectPolicy> {
        let stop_on =
            mc::ConnackRefusals::from_codes(self.stop_on.iter().copied()).map_err(|code| {
                Violation::InvalidReasonCode {
                    packet: PacketType::Connack,
                    code,
                }
            })?;
        Ok(mc::ReconnectPolicy {
            enabled: self.enabled,
            min_delay: Duration::from_millis(self.min_delay_ms),
            max_delay: Duration::from_millis(self.max_delay_ms),
            jitter_seed: self.jitter_seed,
            stable_after: Duration::from_millis(self.stable_after_ms),
            resubscribe: self.resubscribe,
            requeue: match self.requeue {
                RequeuePolicy::Resend => mc::RequeuePolicy::Resend,
                RequeuePolicy::Drop => mc::RequeuePolicy::Drop,
            },
            stop_on,
        })
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn size(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

pub(crate) fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Every setting of a client session. Start from [`default_client_config`] (the core's
/// defaults) and change what you need; `connect` reports a bad value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[allow(missing_docs)] // the fields of the core's `ClientConfig`, documented there; times in ms
pub struct ClientConfig {
    pub protocol: ProtocolVersion,
    pub client_id: String,
    pub keep_alive: u16,
    pub ping_timeout_ms: Option<u64>,
    pub clean_start: bool,
    pub session_expiry: u32,
    pub credentials: ClientCredentials,
    pub will: Option<WillConfig>,
    pub receive_maximum: u16,
    pub maximum_packet_size: u32,
    pub topic_alias_maximum: u16,
    pub outgoing_topic_aliases: u16,
    pub connack_timeout_ms: u64,
    pub reconnect: ReconnectPolicy,
    pub max_queued_messages: u64,
    pub max_queued_bytes: u64,
    pub max_inflight: u16,
    pub max_subscriptions: u64,
    pub max_events: u64,
    pub manual_ack: bool,
    pub persistence: bool,
    pub auth_method: Option<String>,
    pub auth_data: Option<Vec<u8>>,
    /// Extra CONNECT properties (5.0): User Property, Request Problem/Response Information.
    pub connect_properties: Vec<Property>,
}

/// The core's defaults for `client_id` (`ClientConfig::new`): MQTT 5.0, keep-alive 60 s, clean
/// start, reconnect 1 s to 60 s, 1,000 messages / 1 MiB queued, automatic acknowledgement.
#[uniffi::export]
pub fn default_client_config(client_id: String) -> ClientConfig {
    let c = mc::ClientConfig::new(client_id);
    ClientConfig {
        protocol: c.protocol.into(),
        keep_alive: c.keep_alive,
        ping_timeout_ms: c.ping_timeout.map(millis),
        clean_start: c.clean_start,
        session_expiry: c.session_expiry,
        credentials: match &c.credentials {
            mc::Credentials::Static { username, password } => ClientCredentials::Static {
                username: username.clone(),
                password: password.as_ref().map(|p| p.expose().to_vec()),
            },
            mc::Credentials::AskEachTime => ClientCredentials::AskEachTime,
            mc::Credentials::None => ClientCredentials::Anonymous,
        },
        will: c.will.as_ref().map(|w| WillConfig {
            topic: w.topic.clone(),
            payload: w.payload.clone(),
            qos: w.qos.into(),
            retain: w.retain,
            properties: from_owned(&w.properties),
        }),
        receive_maximum: c.receive_maximum,
        maximum_packet_size: c.maximum_packet_size,
        topic_alias_maximum: c.topic_alias_maximum,
        outgoing_topic_aliases: c.outgoing_topic_aliases,
        connack_timeout_ms: millis(c.connack_timeout),
        reconnect: ReconnectPolicy::from(&c.reconnect),
        max_queued_messages: count(c.max_queued_messages),
        max_queued_bytes: count(c.max_queued_bytes),
        max_inflight: c.max_inflight,
        max_subscriptions: count(c.max_subscriptions),
        max_events: count(c.max_events),
        manual_ack: c.manual_ack,
        persistence: c.persistence,
        auth_method: c.auth_method.clone(),
        auth_data: c.auth_data.clone(),
        connect_properties: from_owned(&c.connect_properties),
        client_id: c.client_id,
    }
}

impl ClientConfig {
    /// The core's configuration. Property lists are checked for their packet here (the rest
    /// by the core's `validate`, which `connect` runs).
    fn to_core(&self) -> Result<mc::ClientConfig> {
        let mut c = mc::ClientConfig::new(self.client_id.clone());
        c.protocol = self.protocol.into();
        c.keep_alive = self.keep_alive;
        c.ping_timeout = self.ping_timeout_ms.map(Duration::from_millis);
        c.clean_start = self.clean_start;
        c.session_expiry = self.session_expiry;
        c.credentials = match &self.credentials {
            ClientCredentials::Anonymous => mc::Credentials::None,
            ClientCredentials::Static { username, password } => mc::Credentials::Static {
                username: username.clone(),
                password: password.clone().map(mc::Password::new),
            },
            ClientCredentials::AskEachTime => mc::Credentials::AskEachTime,
        };
        c.will = match &self.will {
            None => None,
            Some(w) => Some(mc::WillConfig {
                topic: w.topic.clone(),
                payload: w.payload.clone(),
                qos: w.qos.into(),
                retain: w.retain,
                properties: to_owned(&w.properties, PropertyContext::Will)?,
            }),
        };
        c.receive_maximum = self.receive_maximum;
        c.maximum_packet_size = self.maximum_packet_size;
        c.topic_alias_maximum = self.topic_alias_maximum;
        c.outgoing_topic_aliases = self.outgoing_topic_aliases;
        c.connack_timeout = Duration::from_millis(self.connack_timeout_ms);
        c.reconnect = self.reconnect.to_core()?;
        c.max_queued_messages = size(self.max_queued_messages);
        c.max_queued_bytes = size(self.max_queued_bytes);
        c.max_inflight = self.max_inflight;
        c.max_subscriptions = size(self.max_subscriptions);
        c.max_events = size(self.max_events);
        c.manual_ack = self.manual_ack;
        c.persistence = self.persistence;
        c.auth_method = self.auth_method.clone();
        c.auth_data = self.auth_data.clone();
        c.connect_properties = to_owned(&self.connect_properties, PropertyContext::Connect)?;
        Ok(c)
    }
}

/// Where a client is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[allow(missing_docs)] // the core's `State`, documented there
pub enum ClientState {
    Idle,
    WaitingForTransport,
    AwaitingCredentials,
    AwaitingConnack,
    Connected,
    Backoff,
}

impl From<mc::State> for ClientState {
    fn from(s: mc::State) -> Self {
        match s {
            mc::State::Idle => ClientState::Idle,
            mc::State::WaitingForTransport => ClientState::WaitingForTransport,
            mc::State::AwaitingCredentials => ClientState::AwaitingCredentials,
            mc::State::AwaitingConnack => ClientState::AwaitingConnack,
            mc::State::Connected => ClientState::Connected,
            mc::State::Backoff => ClientState::Backoff,
        }
    }
}

/// What a client holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
#[allow(missing_docs)] // the core's `Stats`, documented there
pub struct ClientStats {
    pub queued_messages: u64,
    pub inflight: u64,
    pub stored_bytes: u64,
    pub incoming_unacked: u64,
    pub pending_requests: u64,
    pub subscriptions: u64,
    pub pending_events: u64,
    pub outbox_bytes: u64,
    pub rx_buffered: u64,
}

/// A sans-IO MQTT 3.1.1 / 5.0 client session (the core's `Client`). No socket, clock or thread
/// inside: see the module docs for the call protocol.
#[derive(uniffi::Object)]
pub struct Client {
    inner: Mutex<mc::Client>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.lock().fmt(f)
    }
}

impl Client {
    fn lock(&self) -> MutexGuard<'_, mc::Client> {
        // A panic cannot leave the core half-changed (it never panics); keep going.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl Client {
    /// A client with `config`. A bad setting is reported by `connect`; only property lists
    /// that their packet cannot carry fail here.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>> {
        Ok(Arc::new(Client {
            inner: Mutex::new(mc::Client::new(config.to_core()?)),
        }))
    }

    /// The lifecycle state.
    pub fn state(&self) -> ClientState {
        self.lock().state().into()
    }

    /// True when connected.
    pub fn is_connected(&self) -> bool {
        self.lock().is_connected()
    }

    /// The Client Identifier the next CONNECT uses.
    pub fn client_id(&self) -> String {
        self.lock().client_id().into()
    }

    /// What the client holds right now.
    pub fn stats(&self) -> ClientStats {
        let s = self.lock().stats();
        ClientStats {
            queued_messages: count(s.queued_messages),
            inflight: count(s.inflight),
            stored_bytes: count(s.stored_bytes),
            incoming_unacked: count(s.incoming_unacked),
            pending_requests: count(s.pending_requests),
            subscriptions: count(s.subscriptions),
            pending_events: count(s.pending_events),
            outbox_bytes: count(s.outbox_bytes),
            rx_buffered: count(s.rx_buffered),
        }
    }

    /// Starts connecting: open a transport, then call `handle_connected`.
    pub fn connect(&self) -> Result<()> {
        Ok(self.lock().connect()?)
    }

    /// Ends the connection (DISCONNECT if CONNECT was sent) and stops reconnecting.
    pub fn disconnect(&self) -> Result<()> {
        Ok(self.lock().disconnect()?)
    }

    /// Answers `CredentialsNeeded`: sends CONNECT with these values.
    pub fn set_credentials(
        &self,
        username: Option<String>,
        password: Option<Vec<u8>>,
    ) -> Result<()> {
        Ok(self
            .lock()
            .set_credentials(username.as_deref(), password.as_deref())?)
    }

    /// Replaces the Client Identifier of the next CONNECT (IoTDA puts the hour in it).
    pub fn set_client_id(&self, client_id: String) -> Result<()> {
        Ok(self.lock().set_client_id(&client_id)?)
    }

    /// Queues a message; returns its packet identifier at QoS 1/2.
    #[uniffi::method(default(properties = []))]
    pub fn publish(
        &self,
        topic: String,
        payload: Vec<u8>,
        qos: QoS,
        retain: bool,
        properties: Vec<Property>,
    ) -> Result<Option<u16>> {
        let props = core_list(&properties);
        let id = self.lock().publish(
            &topic,
            &payload,
            qos.into(),
            retain,
            Properties::new(&props),
        )?;
        Ok(id.map(|i| i.get()))
    }

    /// Subscribes; `Subscribed` follows. Returns the packet identifier.
    #[uniffi::method(default(properties = []))]
    pub fn subscribe(
        &self,
        subscriptions: Vec<Subscription>,
        properties: Vec<Property>,
    ) -> Result<u16> {
        let subs: Vec<iotmqtt::Subscription<'_>> =
            subscriptions.iter().map(Subscription::to_core).collect();
        let props = core_list(&properties);
        let id = self.lock().subscribe(&subs, Properties::new(&props))?;
        Ok(id.get())
    }

    /// Unsubscribes; `Unsubscribed` follows. Returns the packet identifier.
    #[uniffi::method(default(properties = []))]
    pub fn unsubscribe(&self, filters: Vec<String>, properties: Vec<Property>) -> Result<u16> {
        let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
        let props = core_list(&properties);
        let id = self.lock().unsubscribe(&filters, Properties::new(&props))?;
        Ok(id.get())
    }

    /// Manual-ack mode: acknowledges the message with this `ack_token` once it is stored.
    pub fn ack(&self, ack_token: u64) -> Result<()> {
        Ok(self.lock().ack(AckToken::from_u64(ack_token))?)
    }

    /// Answers `AuthChallenge` (5.0 enhanced authentication).
    pub fn auth_continue(&self, data: Vec<u8>) -> Result<()> {
        Ok(self.lock().auth_continue(&data)?)
    }

    /// Starts 5.0 re-authentication.
    pub fn reauthenticate(&self, data: Vec<u8>) -> Result<()> {
        Ok(self.lock().reauthenticate(&data)?)
    }

    /// The whole session as bytes (versioned, checksummed); marks it saved in persistence mode.
    pub fn snapshot(&self) -> Vec<u8> {
        self.lock().snapshot()
    }

    /// Restores a `snapshot` into this idle client.
    pub fn restore(&self, snapshot: Vec<u8>) -> Result<()> {
        Ok(self.lock().restore(&snapshot)?)
    }

    /// The transport is open.
    pub fn handle_connected(&self, now_ms: u64) {
        self.lock().handle_connected(Instant::from_millis(now_ms));
    }

    /// Bytes read from the transport, split anywhere.
    pub fn handle_bytes(&self, now_ms: u64, bytes: Vec<u8>) {
        self.lock()
            .handle_bytes(Instant::from_millis(now_ms), &bytes);
    }

    /// The deadline of `poll_timeout` passed (early or repeated calls are harmless).
    pub fn handle_timeout(&self, now_ms: u64) {
        self.lock().handle_timeout(Instant::from_millis(now_ms));
    }

    /// The transport closed or failed to open.
    pub fn handle_closed(&self, now_ms: u64) {
        self.lock().handle_closed(Instant::from_millis(now_ms));
    }

    /// Whole packets to write to the transport; empty when there is nothing to send. Call it
    /// until it returns nothing.
    pub fn poll_transmit(&self, now_ms: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self
            .lock()
            .poll_transmit(Instant::from_millis(now_ms), &mut out);
        out
    }

    /// When to call `handle_timeout` next (ms), or none.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.lock().poll_timeout().map(Instant::as_millis)
    }

    /// The next event. Taking a QoS 1/2 message in automatic mode queues its acknowledgement:
    /// poll transmit again afterwards.
    pub fn poll_event(&self) -> Option<Event> {
        self.lock().poll_event().map(Event::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotmqtt::ConnectReason;

    #[test]
    fn the_default_record_is_the_core_default() {
        let record = default_client_config("dev-1".into());
        assert_eq!(record.to_core(), Ok(mc::ClientConfig::new("dev-1")));
        assert_eq!(record.reconnect.stop_on, vec![0x84, 0x86, 0x87, 0x8A]);
    }

    #[test]
    fn settings_reach_the_core_and_bad_codes_are_refused() {
        let mut record = default_client_config("dev-1".into());
        record.reconnect.stop_on = vec![0x86];
        record.connack_timeout_ms = 2500;
        let core = record.to_core().expect("valid settings");
        assert_eq!(core.connack_timeout, Duration::from_millis(2500));
        assert!(
            core.reconnect
                .stop_on
                .contains(ConnectReason::BadUserNameOrPassword)
        );
        assert!(
            !core
                .reconnect
                .stop_on
                .contains(ConnectReason::NotAuthorized)
        );
        record.reconnect.stop_on = vec![0x01];
        let err = record.to_core().expect_err("0x01 is no CONNACK reason");
        assert_eq!(err.code(), "invalid_reason_code");
        record.reconnect.stop_on = vec![0x00];
        let err = record.to_core().expect_err("0x00 is no refusal");
        assert_eq!(err.code(), "invalid_reason_code");
        let mut record = default_client_config("dev-1".into());
        record.connect_properties = vec![Property::TopicAlias { value: 1 }];
        assert_eq!(
            record
                .to_core()
                .expect_err("no Topic Alias in CONNECT")
                .code(),
            "property_not_allowed"
        );
    }
}
