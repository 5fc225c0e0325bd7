//! What the platform sends a device, typed: the downstream system topic parsed with
//! [`Topic::parse`] and its JSON read with the core's payload types. Everything else passes
//! through as the session event it is.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use iotmqtt::client::{self, Message};
use iotmqtt::iotda::{
    CommandRequest, DeviceMessage, EventsMessage, IotdaError, JsonPayload, MessageDown,
    PropertiesGetRequest, PropertiesSetRequest, ShadowGetResponse, SysTopic, Topic,
};

use crate::event::{Event, EventStream};

/// Something that happened to an [`IotdaDevice`](super::IotdaDevice).
///
/// Requests (`Command`, `PropertiesSet`, `PropertiesGet`) carry the platform's request id;
/// answer with the matching `respond_*` method of the device, which echoes it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// `commands/request_id={request_id}`: a command. Answer with
    /// [`respond_command`](super::IotdaDevice::respond_command).
    Command {
        /// The request id to echo.
        request_id: String,
        /// The command.
        request: CommandRequest,
    },
    /// `properties/set/request_id={request_id}`: the platform sets properties. Answer with
    /// [`respond_properties_set`](super::IotdaDevice::respond_properties_set).
    PropertiesSet {
        /// The request id to echo.
        request_id: String,
        /// What to set.
        request: PropertiesSetRequest,
    },
    /// `properties/get/request_id={request_id}`: the platform queries properties. Answer with
    /// [`respond_properties_get`](super::IotdaDevice::respond_properties_get).
    PropertiesGet {
        /// The request id to echo.
        request_id: String,
        /// What is queried.
        request: PropertiesGetRequest,
    },
    /// `shadow/get/response/request_id={request_id}`: the answer to a shadow request.
    ShadowResponse {
        /// The id of the device's request.
        request_id: String,
        /// The shadow.
        response: ShadowGetResponse,
    },
    /// `messages/down`: a message for the device.
    Message {
        /// The system format (`{"content": …}`), when the payload is in it.
        structured: Option<DeviceMessage>,
        /// The payload as received.
        payload: Vec<u8>,
    },
    /// `events/down`: system events (OTA, time sync, sub-device management …); read them with
    /// [`EventsMessage::events`].
    SystemEvents(EventsMessage),
    /// A downstream system topic whose payload could not be read. Nothing was answered.
    Invalid {
        /// The topic.
        topic: String,
        /// What is wrong with the payload (kind, line and column; never the input).
        error: IotdaError,
    },
    /// Any other event of the connection: `Connected`, `ConnectionLost`, acknowledgements,
    /// messages on custom topics, transport errors …
    Session(Event),
}

/// Turns a received message into a [`DeviceEvent`] when it is a downstream system topic of
/// `device_id`.
pub(crate) fn classify(device_id: &str, message: Message) -> DeviceEvent {
    match Topic::parse(&message.topic) {
        Topic::Device {
            device_id: id,
            topic,
        } if id == device_id => {
            let request_id = topic.request_id().map(str::to_string).unwrap_or_default();
            match read(topic, request_id, &message.payload) {
                Some(Ok(event)) => event,
                Some(Err(error)) => DeviceEvent::Invalid {
                    topic: message.topic.clone(),
                    error,
                },
                None => DeviceEvent::Session(Event::Mqtt(client::Event::Message(message))),
            }
        }
        _ => DeviceEvent::Session(Event::Mqtt(client::Event::Message(message))),
    }
}

/// Reads the payload of a downstream system topic; `None` for other topics.
fn read(
    topic: SysTopic<'_>,
    request_id: String,
    payload: &[u8],
) -> Option<Result<DeviceEvent, IotdaError>> {
    let event = match topic {
        SysTopic::Command { .. } => {
            CommandRequest::from_json(payload).map(|request| DeviceEvent::Command {
                request_id,
                request,
            })
        }
        SysTopic::PropertiesSet { .. } => {
            PropertiesSetRequest::from_json(payload).map(|request| DeviceEvent::PropertiesSet {
                request_id,
                request,
            })
        }
        SysTopic::PropertiesGet { .. } => {
            PropertiesGetRequest::from_json(payload).map(|request| DeviceEvent::PropertiesGet {
                request_id,
                request,
            })
        }
        SysTopic::ShadowGetResponse { .. } => {
            ShadowGetResponse::from_json(payload).map(|response| DeviceEvent::ShadowResponse {
                request_id,
                response,
            })
        }
        SysTopic::EventsDown => EventsMessage::from_json(payload).map(DeviceEvent::SystemEvents),
        SysTopic::MessagesDown => Ok(DeviceEvent::Message {
            structured: match MessageDown::parse(payload) {
                MessageDown::Structured(m) => Some(m),
                MessageDown::Raw(_) => None,
            },
            payload: payload.to_vec(),
        }),
        _ => return None,
    };
    Some(event)
}

/// The events of an [`IotdaDevice`](super::IotdaDevice), typed; ends when the client stops.
/// The same back-pressure rules as [`EventStream`] apply.
#[derive(Debug)]
pub struct DeviceEvents {
    pub(crate) events: EventStream,
    pub(crate) device_id: String,
}

impl DeviceEvents {
    /// The next event; `None` once the client has stopped.
    pub async fn recv(&mut self) -> Option<DeviceEvent> {
        let event = self.events.recv().await?;
        Some(self.typed(event))
    }

    fn typed(&self, event: Event) -> DeviceEvent {
        match event {
            Event::Mqtt(client::Event::Message(m)) => classify(&self.device_id, m),
            other => DeviceEvent::Session(other),
        }
    }
}

impl Stream for DeviceEvents {
    type Item = DeviceEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<DeviceEvent>> {
        match Pin::new(&mut self.events).poll_next(cx) {
            Poll::Ready(Some(event)) => Poll::Ready(Some(self.typed(event))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iotmqtt::QoS;

    /// `Message` is non-exhaustive: take a real one from a core client fed a PUBLISH, then
    /// change its topic and payload.
    fn message(topic: &str, payload: &[u8]) -> Message {
        let mut m = sample();
        m.topic = topic.to_string();
        m.payload = payload.to_vec();
        m
    }

    fn sample() -> Message {
        let mut client = iotmqtt::client::Client::new(iotmqtt::client::ClientConfig::new("t"));
        client.connect().unwrap();
        client.handle_connected(iotmqtt::Instant::ZERO);
        let mut out = Vec::new();
        let _ = client.poll_transmit(iotmqtt::Instant::ZERO, &mut out);
        // CONNACK, then a QoS 0 PUBLISH "x" / "y".
        client.handle_bytes(iotmqtt::Instant::ZERO, &[0x20, 0x03, 0x00, 0x00, 0x00]);
        client.handle_bytes(
            iotmqtt::Instant::ZERO,
            &[0x30, 0x05, 0x00, 0x01, b'x', 0x00, b'y'],
        );
        loop {
            match client.poll_event() {
                Some(client::Event::Message(m)) => return m,
                Some(_) => {}
                None => panic!("no message"),
            }
        }
    }

    #[test]
    fn downstream_system_topics_are_typed() {
        let dev = "dev_1";
        let command = classify(
            dev,
            message(
                "$oc/devices/dev_1/sys/commands/request_id=r-1",
                br#"{"service_id":"Light","command_name":"on","paras":{"level":3}}"#,
            ),
        );
        match command {
            DeviceEvent::Command {
                request_id,
                request,
            } => {
                assert_eq!(request_id, "r-1");
                assert_eq!(request.command_name.as_deref(), Some("on"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(
                dev,
                message(
                    "$oc/devices/dev_1/sys/properties/set/request_id=9",
                    br#"{"services":[{"service_id":"s","properties":{"a":1}}]}"#
                )
            ),
            DeviceEvent::PropertiesSet { request_id, .. } if request_id == "9"
        ));
        assert!(matches!(
            classify(dev, message("$oc/devices/dev_1/sys/properties/get/request_id=8", b"{}")),
            DeviceEvent::PropertiesGet { request_id, .. } if request_id == "8"
        ));
        assert!(matches!(
            classify(dev, message("$oc/devices/dev_1/sys/messages/down", b"\x01raw")),
            DeviceEvent::Message { structured: None, payload } if payload == b"\x01raw"
        ));
        assert!(matches!(
            classify(
                dev,
                message("$oc/devices/dev_1/sys/events/down", br#"{"services":[]}"#)
            ),
            DeviceEvent::SystemEvents(_)
        ));
        // Bad JSON on a system topic is reported, never quoted.
        match classify(
            dev,
            message(
                "$oc/devices/dev_1/sys/commands/request_id=2",
                b"{\"secret\":",
            ),
        ) {
            DeviceEvent::Invalid { topic, error } => {
                assert!(topic.ends_with("request_id=2"));
                assert!(!error.to_string().contains("secret"));
            }
            other => panic!("{other:?}"),
        }
        // Another device's topic, and custom topics, stay session messages.
        for topic in ["$oc/devices/dev_2/sys/commands/request_id=1", "custom/t"] {
            match classify(dev, message(topic, b"{}")) {
                DeviceEvent::Session(Event::Mqtt(client::Event::Message(m))) => {
                    assert_eq!(m.topic, topic);
                    assert_eq!(m.qos, QoS::AtMostOnce);
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
