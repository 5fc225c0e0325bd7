//! The device's commands: replies to platform requests, reports, system events,
//! device-originated requests, and plain publish/subscribe under IoTDA's rules. Every one
//! checks everything before anything is queued, and queues nothing on error.

use alloc::string::String;
use alloc::vec::Vec;

use super::IotdaDevice;
use super::event::{PendingRequest, RequestKind};
use super::pacing::Upstream;
use crate::codec::{PacketId, Properties, QoS, Subscription, SubscriptionOptions};
use crate::error::{Result, UsageError};
use crate::iotda::error::{IotdaError, TopicError};
use crate::iotda::limits::{MAX_PUBLISH_BYTES, MAX_SUBSCRIPTIONS};
use crate::iotda::payloads::{
    CommandResponse, EventService, EventsMessage, JsonPayload, PropertiesGetResponse,
    PropertiesReport, PropertiesSetResponse, ShadowGetRequest, SystemEvent, TimeSyncRequest,
};
use crate::iotda::topics::{Direction, ReportSuffix, SysTopic, Topic};

impl IotdaDevice {
    /// The topic `$oc/devices/{own id}/sys/…`.
    pub(super) fn sys_topic(&self, topic: SysTopic<'_>) -> Result<String> {
        Ok(Topic::device(self.device_id(), topic).to_topic_string()?)
    }

    /// Queues an upstream message after the checks every one gets (size, queue room, request
    /// table room); `requests` start waiting for their answers.
    pub(super) fn enqueue(
        &mut self,
        topic: String,
        payload: Vec<u8>,
        qos: QoS,
        requests: Vec<(PendingRequest, Option<u64>)>,
    ) -> Result<()> {
        if payload.len() > MAX_PUBLISH_BYTES {
            return Err(UsageError::PacketTooLarge {
                size: payload.len(),
                max: u32::try_from(MAX_PUBLISH_BYTES).unwrap_or(u32::MAX),
            }
            .into());
        }
        let stored = topic.len().saturating_add(payload.len());
        if !self.outbox.has_room(
            self.config.max_queued_messages,
            self.config.max_queued_bytes,
            stored,
        ) || self.requests.len().saturating_add(requests.len())
            > self.config.max_pending_requests
        {
            return Err(UsageError::QueueFull.into());
        }
        let mut carried = Vec::with_capacity(requests.len());
        for (request, device_send_time) in requests {
            self.requests.add(request.clone(), device_send_time);
            carried.push(request);
        }
        self.outbox.push(Upstream {
            topic,
            payload,
            qos,
            requests: carried,
        });
        Ok(())
    }

    /// Queues `payload` on `topic` as the request `kind` with `id`; returns the id.
    pub(super) fn enqueue_request(
        &mut self,
        kind: RequestKind,
        id: String,
        topic: String,
        payload: Vec<u8>,
    ) -> Result<String> {
        let pending = PendingRequest {
            kind,
            id: id.clone(),
        };
        let qos = self.config.upstream_qos;
        self.enqueue(topic, payload, qos, alloc::vec![(pending, None)])?;
        Ok(id)
    }

    pub(super) fn enqueue_json(
        &mut self,
        topic: SysTopic<'_>,
        payload: &impl JsonPayload,
    ) -> Result<()> {
        let topic = self.sys_topic(topic)?;
        let payload = payload.to_json()?;
        self.enqueue(topic, payload, self.config.upstream_qos, Vec::new())
    }

    // ------------------------------------------------------------------ replies

    /// Answers [`DeviceEvent::Command`](super::DeviceEvent::Command) on
    /// `commands/response/request_id={request_id}`.
    ///
    /// # Errors
    /// [`UsageError::Iotda`] for a request id a topic cannot carry (empty, `+`, `#`, U+0000);
    /// [`UsageError::QueueFull`].
    pub fn respond_command(&mut self, request_id: &str, response: &CommandResponse) -> Result<()> {
        self.enqueue_json(SysTopic::CommandResponse { request_id }, response)
    }

    /// Answers [`DeviceEvent::PropertiesSet`](super::DeviceEvent::PropertiesSet) on
    /// `properties/set/response/request_id={request_id}`.
    ///
    /// # Errors
    /// As [`respond_command`](Self::respond_command).
    pub fn respond_properties_set(
        &mut self,
        request_id: &str,
        response: &PropertiesSetResponse,
    ) -> Result<()> {
        self.enqueue_json(SysTopic::PropertiesSetResponse { request_id }, response)
    }

    /// Answers [`DeviceEvent::PropertiesGet`](super::DeviceEvent::PropertiesGet) on
    /// `properties/get/response/request_id={request_id}` with the current values.
    ///
    /// # Errors
    /// As [`respond_command`](Self::respond_command).
    pub fn respond_properties_get(
        &mut self,
        request_id: &str,
        response: &PropertiesGetResponse,
    ) -> Result<()> {
        self.enqueue_json(SysTopic::PropertiesGetResponse { request_id }, response)
    }

    // ------------------------------------------------------------------ reports

    /// Reports properties on `properties/report`, optionally with `?request_id=`.
    ///
    /// # Errors
    /// [`UsageError::InvalidArgument`] for [`ReportSuffix::Gzip`] (the payload would have to be
    /// compressed: build the topic with [`Topic`] and use [`publish`](Self::publish));
    /// [`UsageError::Iotda`] for a bad request id or a report over 1 MB;
    /// [`UsageError::QueueFull`].
    pub fn report_properties(
        &mut self,
        report: &PropertiesReport,
        suffix: ReportSuffix<'_>,
    ) -> Result<()> {
        if suffix == ReportSuffix::Gzip {
            return Err(UsageError::InvalidArgument(
                "report_properties: ?encoding=gzip needs a compressed payload; use publish",
            )
            .into());
        }
        self.enqueue_json(SysTopic::PropertiesReport(suffix), report)
    }

    /// Sends a free-form message on `messages/up` (any bytes: a
    /// [`DeviceMessage`](crate::iotda::DeviceMessage) as JSON, or gzip-compressed bytes with
    /// [`ReportSuffix::Gzip`]).
    ///
    /// # Errors
    /// [`UsageError::Iotda`] for a bad request id; [`UsageError::PacketTooLarge`] over 1 MB;
    /// [`UsageError::QueueFull`].
    pub fn send_message(&mut self, payload: &[u8], suffix: ReportSuffix<'_>) -> Result<()> {
        let topic = self.sys_topic(SysTopic::MessagesUp(suffix))?;
        self.enqueue(
            topic,
            payload.to_vec(),
            self.config.upstream_qos,
            Vec::new(),
        )
    }

    /// Reports one system event on `events/up`. When the platform answers this kind of event
    /// (time sync, sub-device add/delete/status, file URLs), the device gives it an `event_id`,
    /// waits for the answer ([`DeviceEvent::System`](super::DeviceEvent::System) with
    /// `answers`) or times out, and returns that id.
    ///
    /// ```
    /// use iotmqtt::iotda::{
    ///     DeviceAuth, DeviceConfig, DeviceId, DeviceSecret, IotdaDevice, SystemEvent,
    ///     VersionReport,
    /// };
    /// let auth = DeviceAuth::secret(DeviceId::new("dev_1")?, DeviceSecret::new("pw")?);
    /// let mut device = IotdaDevice::new(DeviceConfig::new(auth));
    /// // The answer to an OTA version query: no answer expected, so no request id.
    /// let report = VersionReport { sw_version: Some("1.2".into()), fw_version: None };
    /// assert_eq!(device.report_event(&SystemEvent::VersionReport(report)).unwrap(), None);
    /// assert_eq!(device.queued_upstream(), 1); // sent once connected
    /// # Ok::<(), iotmqtt::iotda::IotdaError>(())
    /// ```
    ///
    /// # Errors
    /// [`UsageError::Iotda`] for an event whose parameters break a documented limit;
    /// [`UsageError::QueueFull`] (also when `max_pending_requests` wait).
    pub fn report_event(&mut self, event: &SystemEvent) -> Result<Option<String>> {
        let message = EventsMessage {
            object_device_id: None,
            services: alloc::vec![EventService::new(event)?],
        };
        Ok(self.report_events(&message)?.into_iter().next())
    }

    /// Reports an `events/up` envelope as given (for a child of a gateway, with times or
    /// ids). Events the platform answers get an `event_id` when they have none and are waited
    /// for; returns their ids, in order.
    ///
    /// # Errors
    /// As [`report_event`](Self::report_event); also an event the library knows whose
    /// parameters do not fit its schema.
    pub fn report_events(&mut self, message: &EventsMessage) -> Result<Vec<String>> {
        let mut message = message.clone();
        let mut waiting = Vec::new();
        for service in &mut message.services {
            let event = service.to_event()?;
            event.validate()?;
            let Some(kind) = RequestKind::of_request(&event) else {
                continue;
            };
            let id = match &service.event_id {
                Some(id) => id.clone(),
                None => {
                    let id = self.requests.next_id();
                    service.event_id = Some(id.clone());
                    id
                }
            };
            let device_send_time = match &event {
                SystemEvent::TimeSyncRequest(r) => Some(r.device_send_time),
                _ => None,
            };
            waiting.push((PendingRequest { kind, id }, device_send_time));
        }
        let ids = waiting.iter().map(|(r, _)| r.id.clone()).collect();
        let topic = self.sys_topic(SysTopic::EventsUp)?;
        let payload = message.to_json()?;
        self.enqueue(topic, payload, self.config.upstream_qos, waiting)?;
        Ok(ids)
    }

    // ------------------------------------------------------------------ requests

    /// Asks for the device shadow (all services, or one; for a gateway's child with
    /// `object_device_id`) on `shadow/get/request_id={id}`. The answer is
    /// [`DeviceEvent::Shadow`](super::DeviceEvent::Shadow), or
    /// [`DeviceEvent::Timeout`](super::DeviceEvent::Timeout). Returns the request id.
    ///
    /// # Errors
    /// [`UsageError::QueueFull`].
    pub fn get_shadow(
        &mut self,
        service_id: Option<&str>,
        object_device_id: Option<&str>,
    ) -> Result<String> {
        let request = ShadowGetRequest {
            object_device_id: object_device_id.map(String::from),
            service_id: service_id.map(String::from),
        };
        let payload = request.to_json()?;
        let id = self.requests.next_id();
        let topic = self.sys_topic(SysTopic::ShadowGet { request_id: &id })?;
        self.enqueue_request(RequestKind::Shadow, id, topic, payload)
    }

    /// Asks for the platform's time (`$time_sync`), stamped with the device's own clock in
    /// milliseconds since the Unix epoch. The answer is a
    /// [`SystemEvent::TimeSyncResponse`] (see
    /// [`TimeSyncResponse::device_time`](crate::iotda::TimeSyncResponse::device_time)).
    /// Returns the request's event id.
    ///
    /// # Errors
    /// [`UsageError::QueueFull`].
    pub fn request_time_sync(&mut self, device_send_time: u64) -> Result<String> {
        let event = SystemEvent::TimeSyncRequest(TimeSyncRequest { device_send_time });
        self.report_event(&event)?
            .ok_or(UsageError::InvalidState("time sync is always answered").into())
    }

    // ------------------------------------------------------------------ custom topics

    /// Publishes on a topic of the IoTDA catalogue the device may publish on: its own upstream
    /// system topics (e.g. a gzip report), its `$oc/devices/{id}/user/{name}` topics, free
    /// custom topics (not under `$oc`, at most 128 bytes), M2M and legacy upstream topics.
    /// The message goes through the same queue and rate limit as every report.
    ///
    /// # Errors
    /// [`UsageError::QosNotSupported`] for QoS 2; [`UsageError::RetainNotSupported`] for
    /// retain; [`UsageError::PacketTooLarge`] over 1 MB; [`UsageError::Iotda`] for a topic
    /// that is not in the catalogue, is a downstream topic or names another device;
    /// [`UsageError::QueueFull`].
    pub fn publish(&mut self, topic: &str, payload: &[u8], qos: QoS, retain: bool) -> Result<()> {
        if qos == QoS::ExactlyOnce {
            return Err(UsageError::QosNotSupported.into());
        }
        if retain {
            return Err(UsageError::RetainNotSupported.into());
        }
        let parsed = Topic::parse(topic);
        let own = self.device_id();
        let ours = match parsed {
            Topic::Device { device_id, .. }
            | Topic::User { device_id, .. }
            | Topic::Legacy { device_id, .. } => device_id == own,
            Topic::M2m { from, .. } => from == own,
            Topic::Custom(_) => true,
            Topic::Bridge { .. } | Topic::Unknown(_) => false,
        };
        if !ours || parsed.direction() == Some(Direction::Down) {
            return Err(IotdaError::InvalidTopic(TopicError::NotInCatalogue).into());
        }
        let mut checked = String::with_capacity(topic.len());
        parsed.write(&mut checked)?;
        self.enqueue(checked, payload.to_vec(), qos, Vec::new())
    }

    /// Subscribes to a topic filter (custom topics; the platform subscribes the device to its
    /// system topics by itself). Renewed on every new session.
    ///
    /// # Errors
    /// [`UsageError::QosNotSupported`] for QoS 2; [`IotdaError::TooManySubscriptions`] beyond
    /// 50; [`UsageError::Encode`] for an invalid filter.
    pub fn subscribe(&mut self, filter: &str, qos: QoS) -> Result<PacketId> {
        self.subscribe_filters(&[filter], qos)
    }

    /// Unsubscribes from a filter; it no longer counts against the 50.
    ///
    /// # Errors
    /// As the client's [`unsubscribe`](crate::client::Client::unsubscribe).
    pub fn unsubscribe(&mut self, filter: &str) -> Result<PacketId> {
        let id = self.client.unsubscribe(&[filter], Properties::empty())?;
        self.subscriptions.retain(|f| f != filter);
        Ok(id)
    }

    pub(super) fn subscribe_filters(&mut self, filters: &[&str], qos: QoS) -> Result<PacketId> {
        if qos == QoS::ExactlyOnce {
            return Err(UsageError::QosNotSupported.into());
        }
        let new = filters
            .iter()
            .filter(|f| !self.subscriptions.iter().any(|s| s == *f))
            .count();
        let count = self.subscriptions.len().saturating_add(new);
        if count > MAX_SUBSCRIPTIONS {
            return Err(IotdaError::TooManySubscriptions {
                max: MAX_SUBSCRIPTIONS,
            }
            .into());
        }
        let options = SubscriptionOptions {
            qos,
            ..SubscriptionOptions::default()
        };
        let subscriptions: Vec<Subscription<'_>> = filters
            .iter()
            .map(|filter| Subscription { filter, options })
            .collect();
        let id = self.client.subscribe(&subscriptions, Properties::empty())?;
        for f in filters {
            if !self.subscriptions.iter().any(|s| s == f) {
                self.subscriptions.push(String::from(*f));
            }
        }
        Ok(id)
    }
}
