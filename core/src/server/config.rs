//! [`ServerConfig`]: the broker's policy for one connection, and the memory bounds of a session.

use core::time::Duration;

use crate::codec::{ConnectReason, MAX_PACKET_SIZE, QoS};
use crate::error::UsageError;

/// The keep-alive range a broker accepts in CONNECT, and the code it refuses others with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeepAliveLimits {
    /// Smallest accepted Keep Alive in seconds. A Keep Alive of 0 (off) is below any `min > 0`.
    pub min: u16,
    /// Largest accepted Keep Alive in seconds.
    pub max: u16,
    /// The CONNACK code for a Keep Alive outside `min..=max` (IoTDA uses
    /// [`ConnectReason::ClientIdentifierNotValid`], 3.1.1 return code 2).
    pub reject_with: ConnectReason,
}

impl KeepAliveLimits {
    /// True when `keep_alive` seconds is inside the range.
    #[must_use]
    pub const fn allows(&self, keep_alive: u16) -> bool {
        keep_alive >= self.min && keep_alive <= self.max
    }
}

/// What the server allows a client and how much memory one session may use.
///
/// The defaults are plain MQTT: every feature on, QoS 2, no keep-alive range, and only the limits
/// that bound memory (packet size, in-flight window, subscriptions, queues). Build one with
/// [`ServerConfig::default`] and change fields, then check it with [`ServerConfig::validate`]:
///
/// ```
/// use iotmqtt::{ConnectReason, QoS};
/// use iotmqtt::server::{KeepAliveLimits, ServerConfig};
/// let mut config = ServerConfig::default();
/// config.maximum_qos = QoS::AtLeastOnce;
/// config.will_available = false;
/// config.keep_alive_limits = Some(KeepAliveLimits {
///     min: 30,
///     max: 1200,
///     reject_with: ConnectReason::ClientIdentifierNotValid,
/// });
/// assert!(config.validate().is_ok());
/// ```
///
/// | setting | refused how (MQTT 5 / MQTT 3.1.1) |
/// |---|---|
/// | `maximum_qos` | Will QoS above it: CONNACK 0x9B / return code 5. PUBLISH above it: DISCONNECT 0x9B / close. SUBSCRIBE: granted QoS is lowered to it |
/// | `retain_available` | Will Retain: CONNACK 0x9A / 5. PUBLISH with RETAIN: DISCONNECT 0x9A / close |
/// | `will_available` | any Will: CONNACK 0x87 Not authorized / 5 |
/// | `keep_alive_limits` | CONNACK `reject_with` (3.1.1: its return code, see [`v3_connack_reason`](super::v3_connack_reason)) |
/// | `max_packet_size` | DISCONNECT 0x95 / close; announced in CONNACK (5.0) |
/// | `max_subscriptions` | SUBACK 0x97 Quota exceeded / 0x80 for each filter beyond it |
/// | `wildcard_subscriptions`, `shared_subscriptions`, `subscription_identifiers` | SUBACK 0xA2, 0x9E, 0xA1 / 0x80; announced in CONNACK |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Highest QoS the client may publish with or ask for. Default [`QoS::ExactlyOnce`].
    pub maximum_qos: QoS,
    /// Whether the client may publish retained messages (and a retained Will). Default `true`.
    pub retain_available: bool,
    /// Whether the client may set a Will. Default `true`.
    pub will_available: bool,
    /// Accepted Keep Alive range. Default `None`: any value, including 0 (off).
    pub keep_alive_limits: Option<KeepAliveLimits>,
    /// MQTT 5 only: a Server Keep Alive that replaces the client's value. Default `None`.
    pub server_keep_alive: Option<u16>,
    /// Largest packet accepted from the client, fixed header included; announced as Maximum
    /// Packet Size (5.0). Default 1 MiB (1,048,576 bytes).
    pub max_packet_size: u32,
    /// How many QoS 1 and 2 PUBLISHes the client may have unacknowledged (Receive Maximum,
    /// 5.0; enforced for 3.1.1 too). Default 100.
    pub receive_maximum: u16,
    /// Topic Alias Maximum announced to the client: aliases it may use. Default 10; 0 forbids.
    pub topic_alias_maximum: u16,
    /// At most this many topic aliases the server assigns on its own PUBLISHes (bounded by the
    /// client's Topic Alias Maximum). Default 0: the server never sends aliases.
    pub outgoing_topic_alias_maximum: u16,
    /// Subscriptions one session may hold. Default 1024.
    pub max_subscriptions: usize,
    /// Whether filters with `+` or `#` are accepted. Default `true`.
    pub wildcard_subscriptions: bool,
    /// Whether `$share/{group}/{filter}` subscriptions are accepted. Default `true`.
    pub shared_subscriptions: bool,
    /// Whether SUBSCRIBE may carry a Subscription Identifier. Default `true`.
    pub subscription_identifiers: bool,
    /// Upper bound on the Session Expiry Interval in seconds; a larger request is lowered and
    /// the result announced in CONNACK (5.0). Default `u32::MAX` (no bound).
    pub max_session_expiry: u32,
    /// How long a new connection may take to send CONNECT and complete authentication before
    /// it is closed. Default 30 s.
    pub connect_timeout: Duration,
    /// Outgoing messages waiting for the client's in-flight window or for the client to come
    /// back. Default 1000.
    pub max_queued_messages: usize,
    /// Total payload and topic bytes of those waiting messages. Default 16 MiB.
    pub max_queued_bytes: usize,
    /// Events waiting for [`poll_event`](super::ServerSession::poll_event). While this many
    /// wait, [`handle_bytes`](super::ServerSession::handle_bytes) refuses input. Default 1024.
    pub max_pending_events: usize,
    /// Bytes of control packets (acknowledgements, CONNACK, …) waiting for
    /// [`poll_transmit`](super::ServerSession::poll_transmit). While this many wait, input is
    /// refused. Default 64 KiB.
    pub max_transmit_buffer: usize,
    /// When `true`, inbound QoS 1 and 2 PUBLISHes are acknowledged only by
    /// [`ack`](super::ServerSession::ack) (with a reason code of the broker's choice). When
    /// `false` (default), PUBACK / PUBREC are queued as soon as the PUBLISH event is polled.
    pub manual_acks: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            will_available: true,
            keep_alive_limits: None,
            server_keep_alive: None,
            max_packet_size: 1024 * 1024,
            receive_maximum: 100,
            topic_alias_maximum: 10,
            outgoing_topic_alias_maximum: 0,
            max_subscriptions: 1024,
            wildcard_subscriptions: true,
            shared_subscriptions: true,
            subscription_identifiers: true,
            max_session_expiry: u32::MAX,
            connect_timeout: Duration::from_secs(30),
            max_queued_messages: 1000,
            max_queued_bytes: 16 * 1024 * 1024,
            max_pending_events: 1024,
            max_transmit_buffer: 64 * 1024,
            manual_acks: false,
        }
    }
}

/// Smallest `max_packet_size` accepted: room for a CONNECT with a short client id.
const MIN_PACKET_SIZE: u32 = 64;

impl ServerConfig {
    /// What Huawei Cloud IoTDA allows a device: QoS 0 and 1 only, no Will, no retained
    /// messages, Keep Alive 30–1200 s (else CONNACK 0x85 / 3.1.1 code 2), packets up to 1 MiB,
    /// 50 subscriptions.
    #[must_use]
    pub fn iotda() -> Self {
        ServerConfig {
            maximum_qos: QoS::AtLeastOnce,
            retain_available: false,
            will_available: false,
            keep_alive_limits: Some(KeepAliveLimits {
                min: 30,
                max: 1200,
                reject_with: ConnectReason::ClientIdentifierNotValid,
            }),
            max_subscriptions: 50,
            ..ServerConfig::default()
        }
    }

    /// Checks every setting.
    ///
    /// # Errors
    /// [`UsageError::InvalidConfig`] naming the first setting out of range.
    pub fn validate(&self) -> Result<(), UsageError> {
        let bad = |what| Err(UsageError::InvalidConfig(what));
        if !(MIN_PACKET_SIZE..=MAX_PACKET_SIZE).contains(&self.max_packet_size) {
            return bad("max_packet_size must be 64 to 268,435,460");
        }
        if self.receive_maximum == 0 {
            return bad("receive_maximum must be at least 1");
        }
        if let Some(k) = self.keep_alive_limits {
            if k.min > k.max {
                return bad("keep_alive_limits.min must not exceed max");
            }
            if !k.reject_with.is_error() {
                return bad("keep_alive_limits.reject_with must be an error code (0x80 or above)");
            }
        }
        if self.connect_timeout.is_zero() {
            return bad("connect_timeout must be positive");
        }
        if self.max_pending_events == 0 {
            return bad("max_pending_events must be at least 1");
        }
        if self.max_transmit_buffer < 256 {
            return bad("max_transmit_buffer must be at least 256 bytes");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_the_iotda_preset_are_valid() {
        assert_eq!(ServerConfig::default().validate(), Ok(()));
        let iotda = ServerConfig::iotda();
        assert_eq!(iotda.validate(), Ok(()));
        assert_eq!(iotda.maximum_qos, QoS::AtLeastOnce);
        assert!(!iotda.keep_alive_limits.unwrap().allows(29));
        assert!(iotda.keep_alive_limits.unwrap().allows(1200));
        assert!(!iotda.keep_alive_limits.unwrap().allows(0));
    }

    #[test]
    fn every_bad_setting_is_named() {
        type Change = fn(&mut ServerConfig);
        let cases: [(Change, &str); 7] = [
            (|c| c.max_packet_size = 10, "max_packet_size"),
            (|c| c.receive_maximum = 0, "receive_maximum"),
            (
                |c| {
                    c.keep_alive_limits = Some(KeepAliveLimits {
                        min: 10,
                        max: 5,
                        reject_with: ConnectReason::NotAuthorized,
                    });
                },
                "min must not exceed",
            ),
            (
                |c| {
                    c.keep_alive_limits = Some(KeepAliveLimits {
                        min: 1,
                        max: 5,
                        reject_with: ConnectReason::Success,
                    });
                },
                "reject_with",
            ),
            (|c| c.connect_timeout = Duration::ZERO, "connect_timeout"),
            (|c| c.max_pending_events = 0, "max_pending_events"),
            (|c| c.max_transmit_buffer = 10, "max_transmit_buffer"),
        ];
        for (change, name) in cases {
            let mut c = ServerConfig::default();
            change(&mut c);
            match c.validate() {
                Err(UsageError::InvalidConfig(what)) => assert!(what.contains(name), "{what}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
