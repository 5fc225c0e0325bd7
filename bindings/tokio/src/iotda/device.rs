//! [`IotdaDevice`]: the application's handle on one device. Every command is the core
//! device's, called under the shared lock; the driver task is woken to send the result.

use std::fmt;
use std::sync::Arc;

use iotmqtt::iotda::{
    AddSubDevices, CommandResponse, DeleteSubDevices, DeviceConfig, DeviceId, DeviceMessage,
    EventsMessage, GatewayPropertiesReport, IotdaDevice as CoreDevice, JsonPayload,
    PropertiesGetResponse, PropertiesReport, PropertiesSetResponse, ReportSuffix,
    ServiceProperties, SubDeviceStatuses, SystemEvent,
};
use iotmqtt::{PacketId, QoS};

use super::driver::Driver;
use super::event::DeviceEvents;
use super::options::{IotdaOptions, UtcClock};
use super::shared::{Shared, SharedRef, lock};
use crate::error::Error;

/// A Huawei Cloud IoTDA device on tokio: a handle on the core
/// [`iotmqtt::iotda::IotdaDevice`], which one driver task connects, feeds with bytes and time,
/// and reconnects. Clone it freely; every clone is the same device.
///
/// The commands are the core device's and behave the same: each returns at once, after IoTDA's
/// rules were checked (QoS ≤ 1, no retain, payload limits, at most 50 subscriptions …) and the
/// message was queued; the driver sends it as the rate limit allows (50 messages and 1 MB in any
/// second) once connected. Nothing is sent when a command fails. The server's
/// acknowledgements arrive as `Device(Mqtt(PublishAcked))` events; the answers to the
/// device's own requests (shadow, time sync, sub-devices, bootstrap) as events that name the
/// request they answer, or `Timeout`.
///
/// # Errors
///
/// Every command returns [`Error::Mqtt`] with the core's error (`UsageError::QueueFull`,
/// `UsageError::Iotda(..)` for a limit, `UsageError::QosNotSupported` …), or [`Error::Closed`]
/// once the device has stopped.
#[derive(Clone)]
pub struct IotdaDevice {
    inner: Arc<Handle>,
}

/// What the clones share; dropping the last one tells the driver.
struct Handle {
    shared: SharedRef,
    device_id: DeviceId,
    utc: UtcClock,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut shared = lock(&self.shared);
        shared.handles_gone = true;
        shared.wake_driver();
    }
}

/// Shows the device id only.
impl fmt::Debug for IotdaDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IotdaDevice")
            .field("device_id", &self.inner.device_id)
            .finish_non_exhaustive()
    }
}

impl IotdaDevice {
    /// Starts the device: checks its configuration against IoTDA's rules, spawns its driver
    /// task on the current tokio runtime, which connects at once (a fresh ClientId and password
    /// from the UTC clock on every attempt) and reconnects after every loss the core retries.
    /// Returns the handle and the event stream.
    ///
    /// # Errors
    /// [`Error::Mqtt`] for a configuration IoTDA would refuse (keep-alive outside 30–1200 s,
    /// QoS 2 …); [`Error::Config`] for unreadable TLS files, an invalid server name or
    /// WebSocket path.
    ///
    /// # Panics
    /// Outside a tokio runtime (like `tokio::spawn`).
    pub fn connect(options: IotdaOptions) -> Result<(IotdaDevice, DeviceEvents), Error> {
        let IotdaOptions {
            endpoint,
            config,
            clock,
            event_capacity,
            connect_timeout,
        } = options;
        let device_id = config.auth.device_id().clone();
        let connector = endpoint.prepare(MAX_FRAME).map_err(Error::Config)?;
        let mut core = CoreDevice::new(config);
        core.connect().map_err(Error::Mqtt)?;
        let shared: SharedRef = Arc::new(std::sync::Mutex::new(Shared::new(core, event_capacity)));
        let driver = Driver::new(
            Arc::clone(&shared),
            endpoint,
            connector,
            MAX_FRAME,
            connect_timeout,
            Arc::clone(&clock),
        );
        tokio::spawn(driver.run());
        let device = IotdaDevice {
            inner: Arc::new(Handle {
                shared: Arc::clone(&shared),
                device_id,
                utc: clock,
            }),
        };
        Ok((device, DeviceEvents { shared }))
    }

    /// Runs `command` on the core device and wakes the driver.
    fn with<T>(
        &self,
        command: impl FnOnce(&mut CoreDevice) -> Result<T, iotmqtt::Error>,
    ) -> Result<T, Error> {
        let mut shared = lock(&self.inner.shared);
        if shared.finished {
            return Err(Error::Closed);
        }
        let result = command(&mut shared.core).map_err(Error::Mqtt)?;
        shared.wake_driver();
        Ok(result)
    }

    /// Reads the core device.
    fn read<T>(&self, read: impl FnOnce(&CoreDevice) -> T) -> T {
        read(&lock(&self.inner.shared).core)
    }

    /// The device id in every topic (after a bootstrap, the provisioned device's).
    #[must_use]
    pub fn device_id(&self) -> &DeviceId {
        &self.inner.device_id
    }

    /// True while connected to the platform (or the bootstrap endpoint).
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.read(CoreDevice::is_connected)
    }

    /// Upstream messages waiting for the rate limit or a connection.
    #[must_use]
    pub fn queued_upstream(&self) -> usize {
        self.read(CoreDevice::queued_upstream)
    }

    /// The device's own requests waiting for an answer.
    #[must_use]
    pub fn pending_requests(&self) -> usize {
        self.read(CoreDevice::pending_requests)
    }

    /// The configuration in force (after a bootstrap, with the provisioned identity).
    #[must_use]
    pub fn config(&self) -> DeviceConfig {
        self.read(|core| core.config().clone())
    }

    // ------------------------------------------------------------------ reports

    /// Reports property values on `properties/report`.
    ///
    /// ```no_run
    /// # fn run(device: &iotmqtt_tokio::iotda::IotdaDevice) -> Result<(), iotmqtt_tokio::Error> {
    /// use iotmqtt::iotda::ServiceProperties;
    /// device.report_properties(vec![ServiceProperties::new("Battery", serde_json::json!({"level": 80}))])?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A report over 1 MB, a full queue, or [`Error::Closed`].
    pub fn report_properties(&self, services: Vec<ServiceProperties>) -> Result<(), Error> {
        let report = PropertiesReport::new(services);
        self.with(|core| core.report_properties(&report, ReportSuffix::None))
    }

    /// Sends a message on `messages/up`.
    ///
    /// # Errors
    /// As [`report_properties`](Self::report_properties).
    pub fn send_message(&self, message: &DeviceMessage) -> Result<(), Error> {
        let payload = message.to_json().map_err(|e| Error::Mqtt(e.into()))?;
        self.with(|core| core.send_message(&payload, ReportSuffix::None))
    }

    /// Reports one system event on `events/up` (an OTA `VersionReport`, an SDK info report …).
    /// Events the platform answers get an event id, which is returned, and are waited for.
    ///
    /// # Errors
    /// Parameters beyond a documented limit, a full queue, or [`Error::Closed`].
    pub fn report_event(&self, event: &SystemEvent) -> Result<Option<String>, Error> {
        self.with(|core| core.report_event(event))
    }

    /// Reports an `events/up` envelope as given (for a child of a gateway, with times or ids);
    /// returns the ids of the events the platform answers.
    ///
    /// # Errors
    /// As [`report_event`](Self::report_event).
    pub fn report_events(&self, events: &EventsMessage) -> Result<Vec<String>, Error> {
        self.with(|core| core.report_events(events))
    }

    // ------------------------------------------------------------------ replies

    /// Answers a `Command` event with its request id.
    ///
    /// # Errors
    /// A request id a topic cannot carry, a full queue, or [`Error::Closed`].
    pub fn respond_command(
        &self,
        request_id: &str,
        response: &CommandResponse,
    ) -> Result<(), Error> {
        self.with(|core| core.respond_command(request_id, response))
    }

    /// Answers a `PropertiesSet` event.
    ///
    /// # Errors
    /// As [`respond_command`](Self::respond_command).
    pub fn respond_properties_set(
        &self,
        request_id: &str,
        response: &PropertiesSetResponse,
    ) -> Result<(), Error> {
        self.with(|core| core.respond_properties_set(request_id, response))
    }

    /// Answers a `PropertiesGet` event with the current values.
    ///
    /// # Errors
    /// As [`respond_command`](Self::respond_command).
    pub fn respond_properties_get(
        &self,
        request_id: &str,
        response: &PropertiesGetResponse,
    ) -> Result<(), Error> {
        self.with(|core| core.respond_properties_get(request_id, response))
    }

    // ------------------------------------------------------------------ requests

    /// Asks for the device shadow (all services, or one; for a gateway's child with
    /// `object_device_id`). The answer is a `Shadow` event with this request id (or `Timeout`).
    ///
    /// # Errors
    /// A full queue, or [`Error::Closed`].
    pub fn get_shadow(
        &self,
        service_id: Option<&str>,
        object_device_id: Option<&str>,
    ) -> Result<String, Error> {
        self.with(|core| core.get_shadow(service_id, object_device_id))
    }

    /// Asks the platform for its time (`$time_sync`), stamped with the device's UTC clock. The
    /// answer is a `System` event carrying a `TimeSyncResponse` whose `answers` names this
    /// request id; `TimeSyncResponse::device_time` gives the corrected time.
    ///
    /// # Errors
    /// A clock before 1970, a full queue, or [`Error::Closed`].
    pub fn request_time_sync(&self) -> Result<String, Error> {
        let now = (self.inner.utc)().map_err(|e| Error::Mqtt(e.into()))?;
        self.with(|core| core.request_time_sync(now.unix_millis()))
    }

    /// Sends the provisioning request again (after `BootstrapFailed` or a timeout). The device
    /// sends it by itself once its `bootstrap/down` subscription is granted.
    ///
    /// # Errors
    /// Not provisioning, a full queue, or [`Error::Closed`].
    pub fn request_bootstrap(&self) -> Result<String, Error> {
        self.with(CoreDevice::request_bootstrap)
    }

    // ------------------------------------------------------------------ gateway

    /// Reports the properties of up to 100 children
    /// (`gateway/sub_devices/properties/report`).
    ///
    /// # Errors
    /// More than 100 children or over 1 MB, a full queue, or [`Error::Closed`].
    pub fn report_sub_device_properties(
        &self,
        report: &GatewayPropertiesReport,
    ) -> Result<(), Error> {
        self.with(|core| core.report_sub_device_properties(report))
    }

    /// Adds 1–50 children; the answer is a `System` event with an `add_sub_device_response`.
    /// Returns the request's event id.
    ///
    /// # Errors
    /// Outside 1–50 children, a full queue, or [`Error::Closed`].
    pub fn add_sub_devices(&self, devices: AddSubDevices) -> Result<String, Error> {
        self.with(|core| core.add_sub_devices(devices))
    }

    /// Deletes children by device id; answered by a `delete_sub_device_response`.
    ///
    /// # Errors
    /// An empty list, a full queue, or [`Error::Closed`].
    pub fn delete_sub_devices(&self, devices: DeleteSubDevices) -> Result<String, Error> {
        self.with(|core| core.delete_sub_devices(devices))
    }

    /// Reports 1–100 children online or offline; answered by a
    /// `sub_device_update_status_response`.
    ///
    /// # Errors
    /// Outside 1–100 statuses, a full queue, or [`Error::Closed`].
    pub fn update_sub_device_statuses(&self, statuses: SubDeviceStatuses) -> Result<String, Error> {
        self.with(|core| core.update_sub_device_statuses(statuses))
    }

    /// Asks the platform to replay the sub-device notifications after `version`.
    ///
    /// # Errors
    /// A full queue, or [`Error::Closed`].
    pub fn sync_sub_devices(&self, version: Option<u64>) -> Result<(), Error> {
        self.with(|core| core.sync_sub_devices(version))
    }

    // ------------------------------------------------------------------ custom topics

    /// Publishes on a topic the device may publish on (its `user/` topics, free custom topics,
    /// its own upstream system topics …), through the same queue and rate limit as reports.
    ///
    /// # Errors
    /// QoS 2, a topic outside the catalogue or of another device, over 1 MB, a full queue, or
    /// [`Error::Closed`].
    pub fn publish(&self, topic: &str, payload: &[u8], qos: QoS) -> Result<(), Error> {
        self.with(|core| core.publish(topic, payload, qos, false))
    }

    /// Subscribes to a topic filter (custom topics); renewed on every new session. The SUBACK
    /// arrives as `Device(Mqtt(Subscribed))` with the returned packet id.
    ///
    /// # Errors
    /// QoS 2, more than 50 subscriptions, an invalid filter, or [`Error::Closed`].
    pub fn subscribe(&self, filter: &str, qos: QoS) -> Result<PacketId, Error> {
        self.with(|core| core.subscribe(filter, qos))
    }

    /// Unsubscribes from a filter.
    ///
    /// # Errors
    /// An invalid filter, or [`Error::Closed`].
    pub fn unsubscribe(&self, filter: &str) -> Result<PacketId, Error> {
        self.with(|core| core.unsubscribe(filter))
    }

    // ------------------------------------------------------------------ the end

    /// Sends DISCONNECT (when connected), stops reconnecting and waits until the driver has
    /// written it and stopped; the event stream ends after `Device(Mqtt(Disconnected))`.
    /// Queued upstream messages are given up.
    ///
    /// # Errors
    /// [`Error::Closed`] when the device had already stopped.
    pub async fn disconnect(&self) -> Result<(), Error> {
        let finished = {
            let mut shared = lock(&self.inner.shared);
            if shared.finished {
                return Err(Error::Closed);
            }
            // Idle already (between a bootstrap answer and the next connection): the driver
            // stops all the same once it sees nothing more is wanted.
            let _ = shared.core.disconnect();
            shared.wake_driver();
            shared.wait_finished()
        };
        if let Some(finished) = finished {
            let _ = finished.await;
        }
        Ok(())
    }
}

/// The largest WebSocket message the driver accepts: IoTDA's largest PUBLISH, its header, and
/// room for a second packet in the same message.
const MAX_FRAME: usize = iotmqtt::iotda::MAX_PUBLISH_BYTES + 128 * 1024;
