//! A Huawei Cloud IoTDA device over the async client (feature `iotda`).
//!
//! [`IotdaDevice::connect`] logs in with IoTDA's credentials (`{device_id}_0_{sig}_{YYYYMMDDHH}`,
//! the device id, an HMAC of the secret), made afresh from the wall clock (UTC) before every
//! CONNECT, so a reconnect hours later still carries a valid timestamp. The device then reports
//! properties, sends messages and events, and receives typed [`DeviceEvent`]s (commands,
//! property set/get, shadow answers, messages, system events) that it answers with the
//! `respond_*` methods.
//!
//! The front is thin: topics, payloads and credentials are the core's ([`iotmqtt::iotda`]);
//! IoTDA's session rules (keep-alive 30–1200 s, QoS ≤ 1, no will, no retain, rate limits)
//! are not enforced here.
//!
//! ```no_run
//! use iotmqtt::iotda::{CommandResponse, DeviceAuth, DeviceId, DeviceSecret, ServiceProperties};
//! use iotmqtt_tokio::iotda::{DeviceEvent, IotdaDevice, IotdaOptions};
//! use iotmqtt_tokio::{Endpoint, TlsOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = DeviceAuth::secret(DeviceId::new("5f1c0d2e_sensor01")?, DeviceSecret::new("s3cr3t-Key")?);
//! let endpoint = Endpoint::tls(
//!     "iot-mqtts.cn-north-4.myhuaweicloud.com",
//!     8883,
//!     TlsOptions::ca_file("iotda-root.pem"),
//! );
//! let (device, mut events) = IotdaDevice::connect(IotdaOptions::new(endpoint, auth))?;
//! device
//!     .report_properties(vec![ServiceProperties::new("Battery", serde_json::json!({"level": 80}))])
//!     .await?;
//! while let Some(event) = events.recv().await {
//!     if let DeviceEvent::Command { request_id, request } = event {
//!         println!("command {:?}", request.command_name);
//!         device.respond_command(&request_id, &CommandResponse::success(None)).await?;
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod downstream;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iotmqtt::client::ClientConfig;
use iotmqtt::iotda::{
    CommandResponse, DeviceAuth, DeviceId, DeviceMessage, EventsMessage, IotdaError, JsonPayload,
    PropertiesGetResponse, PropertiesReport, PropertiesSetResponse, ReportSuffix,
    ServiceProperties, ShadowGetRequest, SysTopic, Topic, UtcTime, downstream_filters,
};
use iotmqtt::{OwnedProperties, ProtocolVersion, QoS, SubscriptionOptions, UsageError};

pub use downstream::{DeviceEvent, DeviceEvents};

use crate::client::AsyncClient;
use crate::error::{Error, LoginError};
use crate::options::{Login, Options};
use crate::transport::Endpoint;

/// The wall clock: the current UTC time.
type UtcClock = Arc<dyn Fn() -> Result<UtcTime, IotdaError> + Send + Sync>;

/// The system clock as a [`UtcTime`].
fn system_utc() -> Result<UtcTime, IotdaError> {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| IotdaError::InvalidTime("the system clock is before 1970"))?;
    UtcTime::from_unix_millis(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
}

/// The CONNECT login for `auth` at `now`.
fn login_at(auth: &DeviceAuth, now: &UtcTime) -> Login {
    let credentials = auth.credentials(now);
    let mut login = Login::new()
        .client_id(credentials.client_id())
        .username(credentials.username());
    if let Some(password) = credentials.password() {
        login = login.password(password.as_bytes().to_vec());
    }
    login
}

fn usage(e: IotdaError) -> Error {
    Error::Mqtt(UsageError::Iotda(e).into())
}

/// How an [`IotdaDevice`] connects.
///
/// Defaults follow IoTDA's SDKs: MQTT 3.1.1, keep-alive 120 s, clean session, sig type from
/// the [`DeviceAuth`], no explicit subscription (IoTDA subscribes a device to its downstream
/// system topics at QoS 0 by itself).
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
///     .keep_alive(60);
/// options.config_mut().reconnect.max_delay = std::time::Duration::from_secs(30);
/// assert_eq!(options.config().keep_alive, 60);
/// ```
pub struct IotdaOptions {
    endpoint: Endpoint,
    auth: DeviceAuth,
    config: ClientConfig,
    subscribe: Option<QoS>,
    clock: UtcClock,
    event_capacity: usize,
    connect_timeout: Duration,
}

/// Never shows the secret (the [`DeviceAuth`] hides it).
impl fmt::Debug for IotdaOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IotdaOptions")
            .field("endpoint", &self.endpoint)
            .field("auth", &self.auth)
            .field("config", &self.config)
            .field("subscribe", &self.subscribe)
            .finish_non_exhaustive()
    }
}

impl IotdaOptions {
    /// Connect the device `auth` names to `endpoint`.
    #[must_use]
    pub fn new(endpoint: Endpoint, auth: DeviceAuth) -> Self {
        let mut config = ClientConfig::new(auth.device_id().as_str());
        config.protocol = ProtocolVersion::V311;
        config.keep_alive = 120;
        config.clean_start = true;
        IotdaOptions {
            endpoint,
            auth,
            config,
            subscribe: None,
            clock: Arc::new(system_utc),
            event_capacity: 256,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The MQTT version (IoTDA accepts 3.1.1 and 5.0).
    #[must_use]
    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.config.protocol = version;
        self
    }

    /// Keep-alive in seconds (IoTDA accepts 30–1200).
    #[must_use]
    pub fn keep_alive(mut self, seconds: u16) -> Self {
        self.config.keep_alive = seconds;
        self
    }

    /// Subscribe explicitly to the downstream system topics (commands, property set/get,
    /// shadow answers, messages, events) at `qos`: to receive them at QoS 1 from IoTDA, or
    /// from a broker that does not subscribe devices by itself. Renewed after every reconnect
    /// that starts a new session.
    #[must_use]
    pub fn subscribe_downstream(mut self, qos: QoS) -> Self {
        self.subscribe = Some(qos);
        self
    }

    /// Where the UTC time for the credentials comes from (default: the system clock). For
    /// tests, or devices whose system clock is known to be wrong.
    #[must_use]
    pub fn clock<F>(mut self, clock: F) -> Self
    where
        F: Fn() -> Result<UtcTime, IotdaError> + Send + Sync + 'static,
    {
        self.clock = Arc::new(clock);
        self
    }

    /// Events buffered for the application (see
    /// [`Options::event_capacity`](crate::Options::event_capacity)).
    #[must_use]
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity;
        self
    }

    /// How long opening one transport may take (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The session configuration (the client id and credentials are set at connect).
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The session configuration, to change (reconnect backoff, queue limits …).
    pub fn config_mut(&mut self) -> &mut ClientConfig {
        &mut self.config
    }
}

/// A connected IoTDA device: a thin front over an [`AsyncClient`]. Clone it freely.
#[derive(Debug, Clone)]
pub struct IotdaDevice {
    client: AsyncClient,
    device_id: DeviceId,
}

impl IotdaDevice {
    /// Starts the device's client (see [`AsyncClient::connect`]): it connects at once and
    /// reconnects after every loss, with credentials made from the clock before each CONNECT.
    ///
    /// # Errors
    /// [`Error::Config`] as [`AsyncClient::connect`]; [`Error::Mqtt`] when the clock gives no
    /// valid UTC time.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn connect(options: IotdaOptions) -> Result<(IotdaDevice, DeviceEvents), Error> {
        let IotdaOptions {
            endpoint,
            auth,
            mut config,
            subscribe,
            clock,
            event_capacity,
            connect_timeout,
        } = options;
        let now = clock().map_err(usage)?;
        config.client_id = auth.credentials(&now).client_id().to_string();
        let device_id = auth.device_id().clone();
        let options = Options::new(endpoint, config)
            .event_capacity(event_capacity)
            .connect_timeout(connect_timeout)
            .credentials(move |_| {
                let now = clock().map_err(LoginError::new)?;
                Ok(login_at(&auth, &now))
            });
        let (client, events) = AsyncClient::connect(options)?;
        if let Some(qos) = subscribe {
            let filters = downstream_filters(&device_id)
                .into_iter()
                .map(|f| (f, SubscriptionOptions::qos(qos)))
                .collect();
            let subscriber = client.clone();
            // Queued by the session and sent after CONNACK; the result shows as a
            // `Subscribed` event.
            tokio::spawn(async move {
                let _ = subscriber
                    .subscribe_many(filters, OwnedProperties::new())
                    .await;
            });
        }
        let events = DeviceEvents {
            events,
            device_id: device_id.as_str().to_string(),
        };
        Ok((IotdaDevice { client, device_id }, events))
    }

    /// The device id.
    #[must_use]
    pub fn device_id(&self) -> &DeviceId {
        &self.device_id
    }

    /// The MQTT client underneath, for custom topics and anything this front does not cover.
    #[must_use]
    pub fn client(&self) -> &AsyncClient {
        &self.client
    }

    fn topic(&self, topic: SysTopic<'_>) -> Result<String, Error> {
        Topic::device(self.device_id.as_str(), topic)
            .to_topic_string()
            .map_err(usage)
    }

    async fn send(&self, topic: SysTopic<'_>, payload: &impl JsonPayload) -> Result<(), Error> {
        let topic = self.topic(topic)?;
        let payload = payload.to_json().map_err(usage)?;
        self.client
            .publish(topic, payload, QoS::AtLeastOnce, false)
            .await
            .map(|_| ())
    }

    /// Reports property values (`properties/report`, QoS 1); resolves on PUBACK.
    ///
    /// # Errors
    /// [`Error::Mqtt`] for a payload over IoTDA's limits; otherwise as
    /// [`AsyncClient::publish`].
    pub async fn report_properties(&self, services: Vec<ServiceProperties>) -> Result<(), Error> {
        self.send(
            SysTopic::PropertiesReport(ReportSuffix::None),
            &PropertiesReport::new(services),
        )
        .await
    }

    /// Answers a [`DeviceEvent::Command`] on `commands/response/request_id={request_id}`.
    ///
    /// # Errors
    /// [`Error::Mqtt`] for an invalid request id; otherwise as [`AsyncClient::publish`].
    pub async fn respond_command(
        &self,
        request_id: &str,
        response: &CommandResponse,
    ) -> Result<(), Error> {
        self.send(SysTopic::CommandResponse { request_id }, response)
            .await
    }

    /// Answers a [`DeviceEvent::PropertiesSet`].
    ///
    /// # Errors
    /// As [`respond_command`](IotdaDevice::respond_command).
    pub async fn respond_properties_set(
        &self,
        request_id: &str,
        response: &PropertiesSetResponse,
    ) -> Result<(), Error> {
        self.send(SysTopic::PropertiesSetResponse { request_id }, response)
            .await
    }

    /// Answers a [`DeviceEvent::PropertiesGet`] with the current values.
    ///
    /// # Errors
    /// As [`respond_command`](IotdaDevice::respond_command).
    pub async fn respond_properties_get(
        &self,
        request_id: &str,
        response: &PropertiesGetResponse,
    ) -> Result<(), Error> {
        self.send(SysTopic::PropertiesGetResponse { request_id }, response)
            .await
    }

    /// Asks for the device's shadow (`shadow/get/request_id={request_id}`; pick a unique id).
    /// The answer arrives as [`DeviceEvent::ShadowResponse`] with the same id.
    ///
    /// # Errors
    /// As [`respond_command`](IotdaDevice::respond_command).
    pub async fn request_shadow(
        &self,
        request_id: &str,
        request: &ShadowGetRequest,
    ) -> Result<(), Error> {
        self.send(SysTopic::ShadowGet { request_id }, request).await
    }

    /// Sends a message (`messages/up`).
    ///
    /// # Errors
    /// As [`report_properties`](IotdaDevice::report_properties).
    pub async fn send_message(&self, message: &DeviceMessage) -> Result<(), Error> {
        self.send(SysTopic::MessagesUp(ReportSuffix::None), message)
            .await
    }

    /// Reports system events (`events/up`: OTA version, time sync request, sub-devices …).
    ///
    /// # Errors
    /// As [`report_properties`](IotdaDevice::report_properties).
    pub async fn report_events(&self, events: &EventsMessage) -> Result<(), Error> {
        self.send(SysTopic::EventsUp, events).await
    }

    /// Disconnects (see [`AsyncClient::disconnect`]).
    ///
    /// # Errors
    /// [`Error::Closed`] when already stopped.
    pub async fn disconnect(&self) -> Result<(), Error> {
        self.client.disconnect().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotmqtt::iotda::{DeviceSecret, SigType};

    #[test]
    fn each_login_is_made_for_the_time_it_is_asked_at() {
        let auth = DeviceAuth::secret(
            DeviceId::new("5f1c0d2e_sensor01").unwrap(),
            DeviceSecret::new("s3cr3t-Key").unwrap(),
        )
        .with_sig_type(SigType::HmacSha256Checked);
        for hour in [8, 9] {
            let now = UtcTime::new(2026, 11, 25, hour, 30, 0).unwrap();
            let login = login_at(&auth, &now);
            let expected = auth.credentials(&now);
            assert_eq!(login.client_id.as_deref(), Some(expected.client_id()));
            assert!(
                login
                    .client_id
                    .as_deref()
                    .unwrap()
                    .ends_with(&format!("_0_1_20261125{hour:02}"))
            );
            assert_eq!(login.username.as_deref(), Some("5f1c0d2e_sensor01"));
            assert_eq!(
                login.password.as_ref().map(|p| p.expose()),
                expected.password().map(|p| p.as_bytes())
            );
            assert!(!format!("{login:?}").contains("s3cr3t"));
        }
        let certificate = DeviceAuth::certificate(DeviceId::new("dev_x509").unwrap());
        let now = UtcTime::new(2026, 11, 25, 8, 0, 0).unwrap();
        assert_eq!(login_at(&certificate, &now).password, None);
    }

    #[test]
    fn the_system_clock_reads_as_utc() {
        let now = system_utc().unwrap();
        assert!(now.unix_seconds() > 1_700_000_000);
    }
}
