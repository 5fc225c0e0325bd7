//! [`IotdaOptions`]: where the device connects, its core [`DeviceConfig`], the wall clock and
//! the driver's own bounds.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iotmqtt::ProtocolVersion;
use iotmqtt::iotda::{DeviceAuth, DeviceConfig, IotdaError, UtcTime};

use crate::transport::Endpoint;

/// The wall clock: the current UTC time.
pub(crate) type UtcClock = Arc<dyn Fn() -> Result<UtcTime, IotdaError> + Send + Sync>;

/// The system clock as a [`UtcTime`].
pub(crate) fn system_utc() -> Result<UtcTime, IotdaError> {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| IotdaError::InvalidTime("the system clock is before 1970"))?;
    UtcTime::from_unix_millis(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
}

/// A seed no other device in this process shares (the core has no random source).
fn fresh_seed() -> u64 {
    RandomState::new().hash_one(0u8)
}

/// How an [`IotdaDevice`](super::IotdaDevice) connects.
///
/// The session itself (protocol version, keep-alive, pacing, queue and request bounds,
/// reconnect backoff …) is the core's [`DeviceConfig`], checked against IoTDA's rules when the
/// device starts. Defaults follow IoTDA's SDKs: MQTT 3.1.1, keep-alive 120 s, clean session,
/// QoS 1 upstream, no explicit subscription (IoTDA subscribes a device to its downstream
/// system topics at QoS 0 by itself). The request-id and backoff-jitter seeds are drawn at
/// random, so that the devices of a fleet neither share ids nor reconnect in step.
///
/// ```
/// use iotmqtt::ProtocolVersion;
/// use iotmqtt::iotda::{DeviceAuth, DeviceId, DeviceSecret};
/// use iotmqtt_tokio::Endpoint;
/// use iotmqtt_tokio::iotda::IotdaOptions;
///
/// let auth = DeviceAuth::secret(DeviceId::new("dev_1").unwrap(), DeviceSecret::new("secret-1").unwrap());
/// let mut options = IotdaOptions::new(Endpoint::tcp("127.0.0.1", 1883), auth)
///     .protocol(ProtocolVersion::V5)
///     .keep_alive(60)
///     .event_capacity(8);
/// options.config_mut().reconnect.max_delay = std::time::Duration::from_secs(30);
/// assert_eq!(options.config().keep_alive, 60);
/// ```
pub struct IotdaOptions {
    pub(crate) endpoint: Endpoint,
    pub(crate) config: DeviceConfig,
    pub(crate) clock: UtcClock,
    pub(crate) event_capacity: usize,
    pub(crate) connect_timeout: Duration,
}

/// Never shows the secret (the [`DeviceAuth`] hides it).
impl fmt::Debug for IotdaOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IotdaOptions")
            .field("endpoint", &self.endpoint)
            .field("config", &self.config)
            .field("event_capacity", &self.event_capacity)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl IotdaOptions {
    /// Connect the device `auth` names to `endpoint`, with the default [`DeviceConfig`].
    #[must_use]
    pub fn new(endpoint: Endpoint, auth: DeviceAuth) -> Self {
        let mut config = DeviceConfig::new(auth);
        config.request_id_seed = fresh_seed();
        config.reconnect.jitter_seed = fresh_seed();
        IotdaOptions::with_config(endpoint, config)
    }

    /// Connect with `config` as given (its seeds included).
    #[must_use]
    pub fn with_config(endpoint: Endpoint, config: DeviceConfig) -> Self {
        IotdaOptions {
            endpoint,
            config,
            clock: Arc::new(system_utc),
            event_capacity: 64,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The MQTT version (IoTDA accepts 3.1.1 and 5.0).
    #[must_use]
    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.config.protocol = version;
        self
    }

    /// Keep-alive in seconds (IoTDA accepts 30–1200; checked when the device starts).
    #[must_use]
    pub fn keep_alive(mut self, seconds: u16) -> Self {
        self.config.keep_alive = seconds;
        self
    }

    /// Subscribe explicitly to the downstream system topics at QoS 1 (commands, property
    /// set/get, shadow answers, messages, events): to receive them at QoS 1 from IoTDA, or from
    /// a broker that does not subscribe devices by itself. Renewed on every new session.
    #[must_use]
    pub fn subscribe_downstream(mut self) -> Self {
        self.config.subscribe_downstream_qos1 = true;
        self
    }

    /// Where the UTC time for the credentials (and time sync requests) comes from (default:
    /// the system clock). For tests, or devices whose system clock is known to be wrong.
    #[must_use]
    pub fn clock<F>(mut self, clock: F) -> Self
    where
        F: Fn() -> Result<UtcTime, IotdaError> + Send + Sync + 'static,
    {
        self.clock = Arc::new(clock);
        self
    }

    /// How many events wait for the application before the driver stops taking them from the
    /// device (at least 1; default 64). See [`DeviceEvents`](super::DeviceEvents).
    #[must_use]
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// How long opening one transport (DNS, TCP, TLS, WebSocket upgrade) may take (default
    /// 10 s). The CONNACK wait after it is `config().connack_timeout`.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The endpoint.
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The device configuration.
    #[must_use]
    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// The device configuration, to change (pacing, queue bounds, request timeout, reconnect
    /// backoff …).
    pub fn config_mut(&mut self) -> &mut DeviceConfig {
        &mut self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotmqtt::iotda::{DeviceId, DeviceSecret};

    fn auth() -> DeviceAuth {
        DeviceAuth::secret(
            DeviceId::new("dev_1").unwrap(),
            DeviceSecret::new("s3cr3t-Key").unwrap(),
        )
    }

    #[test]
    fn each_device_gets_its_own_seeds() {
        let a = IotdaOptions::new(Endpoint::tcp("127.0.0.1", 1883), auth());
        let b = IotdaOptions::new(Endpoint::tcp("127.0.0.1", 1883), auth());
        assert_ne!(a.config().request_id_seed, b.config().request_id_seed);
        assert_ne!(
            a.config().reconnect.jitter_seed,
            b.config().reconnect.jitter_seed
        );
        assert!(!format!("{a:?}").contains("s3cr3t"));
    }

    #[test]
    fn the_system_clock_reads_as_utc() {
        let now = system_utc().unwrap();
        assert!(now.unix_seconds() > 1_700_000_000);
    }
}
