//! [`DeviceConfig`]: every setting of an [`IotdaDevice`](super::IotdaDevice), checked against
//! IoTDA's rules by [`DeviceConfig::validate`].

use core::time::Duration;

use crate::client::{ClientConfig, Credentials, ReconnectPolicy};
use crate::codec::{ProtocolVersion, QoS};
use crate::error::{Error, UsageError};
use crate::iotda::credentials::DeviceAuth;
use crate::iotda::limits::{
    DEFAULT_KEEP_ALIVE_SECS, MAX_KEEP_ALIVE_SECS, MAX_PUBLISH_BYTES, MAX_SUBSCRIPTIONS,
    MAX_UP_BYTES_PER_SEC, MAX_UP_MESSAGES_PER_SEC, MIN_KEEP_ALIVE_SECS,
};
use crate::iotda::payloads::BootstrapRequest;

/// Room for the topic and header of the largest PUBLISH IoTDA sends (a 1 MB payload).
const RECEIVE_HEADROOM: u32 = 4 * 1024;

/// Every setting of an [`IotdaDevice`](super::IotdaDevice).
///
/// Build one with [`DeviceConfig::new`] and change the fields you need. What IoTDA does not
/// allow cannot be expressed or is refused by [`validate`](DeviceConfig::validate) (also run by
/// `connect`): clean session is always on, there is no Will and no retained message, QoS is at
/// most 1, the keep-alive is 30–1200 s, the upstream rate at most 50 messages and 1 MB per
/// second.
///
/// ```
/// use iotmqtt::iotda::{DeviceAuth, DeviceConfig, DeviceId, DeviceSecret};
/// let auth = DeviceAuth::secret(DeviceId::new("dev_1")?, DeviceSecret::new("s3cr3t-Key")?);
/// let mut config = DeviceConfig::new(auth);
/// assert!(config.validate().is_ok());
/// config.keep_alive = 10;
/// assert!(config.validate().is_err()); // IoTDA refuses keep-alives under 30 s
/// # Ok::<(), iotmqtt::iotda::IotdaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceConfig {
    /// Who the device is: produces the ClientId, Username and Password of every CONNECT.
    pub auth: DeviceAuth,
    /// MQTT version: 3.1.1 (default, what the SDKs use) or 5.0.
    pub protocol: ProtocolVersion,
    /// Keep-alive in seconds, 30–1200 (default 120, the SDKs' value).
    pub keep_alive: u16,
    /// QoS of everything the device publishes itself (reports, replies, events): 0 or 1
    /// (default 1, as the SDKs).
    pub upstream_qos: QoS,
    /// Subscribe explicitly to the downstream system topics at QoS 1 (the platform subscribes a
    /// device at QoS 0 by itself). Uses 6 of the 50 subscriptions.
    pub subscribe_downstream_qos1: bool,
    /// Provision first: connect to the bootstrap endpoint, ask for an address with this request
    /// (an empty payload, or a `baseStrategyKeyword`), then reconnect there
    /// ([`DeviceEvent::Bootstrapped`](super::DeviceEvent::Bootstrapped)).
    pub bootstrap: Option<BootstrapRequest>,
    /// Most upstream messages per second, 1–50 (default 50).
    pub max_messages_per_sec: u32,
    /// Most upstream payload bytes per second, 1–1,048,576 (default 1 MB).
    pub max_bytes_per_sec: u32,
    /// Most messages waiting for the rate limit or a connection; beyond it a report fails with
    /// `QueueFull` at once (default 1,000).
    pub max_queued_messages: usize,
    /// Most topic and payload bytes of those messages; at least 1 MB + 64 KiB so that the
    /// largest message fits (default 4 MiB).
    pub max_queued_bytes: usize,
    /// How long a device-originated request (shadow, time sync, sub-device management, file
    /// URLs, bootstrap) waits for its answer after it was sent (default 30 s, the platform's
    /// documented answer time for sub-device management).
    pub request_timeout: Duration,
    /// Most requests waiting for an answer at once (default 64).
    pub max_pending_requests: usize,
    /// Seed of the request and event ids the device makes up: `{seed:x}-{counter}`. Give each
    /// device its own (there is no random source here).
    pub request_id_seed: u64,
    /// Reconnection (default: 1 s to 30 s with equal jitter, as the SDKs; no retry after a
    /// CONNACK refusing the credentials, code 4, as the SDKs, nor after codes 1 and 5: see
    /// [`ReconnectPolicy::stop_on`]).
    pub reconnect: ReconnectPolicy,
    /// How long to wait for CONNACK (default 10 s).
    pub connack_timeout: Duration,
    /// Most undelivered events of the underlying client (default 1,024).
    pub max_events: usize,
}

impl DeviceConfig {
    /// Defaults for `auth`: MQTT 3.1.1, keep-alive 120 s, upstream QoS 1, no explicit
    /// subscription, no bootstrap, the documented rate limit, 1,000 messages / 4 MiB queued,
    /// requests time out after 30 s.
    #[must_use]
    pub fn new(auth: DeviceAuth) -> Self {
        DeviceConfig {
            auth,
            protocol: ProtocolVersion::V311,
            keep_alive: DEFAULT_KEEP_ALIVE_SECS,
            upstream_qos: QoS::AtLeastOnce,
            subscribe_downstream_qos1: false,
            bootstrap: None,
            max_messages_per_sec: MAX_UP_MESSAGES_PER_SEC,
            max_bytes_per_sec: MAX_UP_BYTES_PER_SEC,
            max_queued_messages: 1000,
            max_queued_bytes: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_pending_requests: 64,
            request_id_seed: 0,
            reconnect: ReconnectPolicy {
                max_delay: Duration::from_secs(30),
                ..ReconnectPolicy::default()
            },
            connack_timeout: Duration::from_secs(10),
            max_events: 1024,
        }
    }

    /// Checks every setting against IoTDA's rules.
    ///
    /// # Errors
    /// [`UsageError::InvalidConfig`] naming the first bad setting and its allowed range;
    /// [`UsageError::QosNotSupported`] for an upstream QoS of 2.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |what| Err(Error::Usage(UsageError::InvalidConfig(what)));
        if !(MIN_KEEP_ALIVE_SECS..=MAX_KEEP_ALIVE_SECS).contains(&self.keep_alive) {
            return bad("keep_alive: IoTDA accepts 30 to 1,200 s");
        }
        if self.upstream_qos == QoS::ExactlyOnce {
            return Err(UsageError::QosNotSupported.into());
        }
        if !(1..=MAX_UP_MESSAGES_PER_SEC).contains(&self.max_messages_per_sec) {
            return bad("max_messages_per_sec: 1 to 50");
        }
        if !(1..=MAX_UP_BYTES_PER_SEC).contains(&self.max_bytes_per_sec) {
            return bad("max_bytes_per_sec: 1 to 1,048,576");
        }
        if self.max_queued_messages == 0 || self.max_queued_bytes < MIN_QUEUED_BYTES {
            return bad(
                "max_queued_messages: at least 1; max_queued_bytes: at least 1 MB + 64 KiB",
            );
        }
        if self.request_timeout.is_zero() || self.max_pending_requests == 0 {
            return bad("request_timeout: more than zero; max_pending_requests: at least 1");
        }
        self.client_config().validate()
    }

    /// The configuration of the underlying MQTT client: clean session, no Will, credentials
    /// asked for before every CONNECT (the device answers them), room for a 1 MB message, at
    /// the device's 50 subscriptions, no topic aliases (IoTDA documents none).
    pub(super) fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(self.auth.device_id().as_str());
        c.protocol = self.protocol;
        c.keep_alive = self.keep_alive;
        c.clean_start = true;
        c.session_expiry = 0;
        c.credentials = Credentials::AskEachTime;
        c.will = None;
        c.maximum_packet_size = u32::try_from(MAX_PUBLISH_BYTES)
            .unwrap_or(u32::MAX)
            .saturating_add(RECEIVE_HEADROOM);
        c.topic_alias_maximum = 0;
        c.outgoing_topic_aliases = 0;
        c.connack_timeout = self.connack_timeout;
        c.reconnect = self.reconnect.clone();
        // The device holds the 50 filters; the client's bound also counts requests awaiting
        // their acknowledgement (a subscribe and an unsubscribe of one filter count twice).
        c.max_subscriptions = 2 * MAX_SUBSCRIPTIONS;
        c.max_events = self.max_events;
        // The device holds back what the rate limit does not allow yet; the client only sees
        // what may go out now, plus what waits for an in-flight slot.
        c.max_queued_bytes = self.max_queued_bytes;
        c
    }
}

/// The largest message (1 MB payload) and its topic must fit in the queue.
const MIN_QUEUED_BYTES: usize = MAX_PUBLISH_BYTES + 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iotda::{DeviceId, DeviceSecret};

    fn config() -> DeviceConfig {
        DeviceConfig::new(DeviceAuth::secret(
            DeviceId::new("dev_1").unwrap(),
            DeviceSecret::new("secret").unwrap(),
        ))
    }

    fn invalid(c: &DeviceConfig) -> &'static str {
        match c.validate() {
            Err(Error::Usage(UsageError::InvalidConfig(what))) => what,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_each_iotda_rule_is_checked() {
        assert_eq!(config().validate(), Ok(()));
        for (k, ok) in [
            (29, false),
            (30, true),
            (1200, true),
            (1201, false),
            (0, false),
        ] {
            let mut c = config();
            c.keep_alive = k;
            assert_eq!(c.validate().is_ok(), ok, "keep-alive {k}");
            if !ok {
                assert!(invalid(&c).starts_with("keep_alive"));
            }
        }
        let mut c = config();
        c.upstream_qos = QoS::ExactlyOnce;
        assert_eq!(c.validate(), Err(UsageError::QosNotSupported.into()));
        let mut c = config();
        c.max_messages_per_sec = 51;
        assert!(invalid(&c).starts_with("max_messages_per_sec"));
        let mut c = config();
        c.max_bytes_per_sec = MAX_UP_BYTES_PER_SEC + 1;
        assert!(invalid(&c).starts_with("max_bytes_per_sec"));
        let mut c = config();
        c.max_queued_bytes = MAX_PUBLISH_BYTES;
        assert!(invalid(&c).starts_with("max_queued"));
        let mut c = config();
        c.request_timeout = Duration::ZERO;
        assert!(invalid(&c).starts_with("request_timeout"));
    }

    #[test]
    fn the_client_follows_the_iotda_rules() {
        let c = config().client_config();
        assert!(c.clean_start);
        assert!(c.will.is_none());
        assert_eq!(c.credentials, Credentials::AskEachTime);
        assert_eq!(c.keep_alive, 120);
        assert_eq!(c.max_subscriptions, 100);
        assert!(c.maximum_packet_size as usize > MAX_PUBLISH_BYTES);
    }
}
