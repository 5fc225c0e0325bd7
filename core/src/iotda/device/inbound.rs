//! What the platform sends: each PUBLISH is parsed by topic ([`Topic::parse`]) and payload into
//! a typed [`DeviceEvent`], matched with the device's waiting requests, or reported as
//! [`DeviceEvent::BadInput`]. Custom topics pass through as the client's message.

use alloc::boxed::Box;
use alloc::string::String;

use super::IotdaDevice;
use super::event::{DeviceEvent, InputProblem, RequestKind, SystemEventDown};
use crate::client::{Event, Message};
use crate::iotda::error::IotdaError;
use crate::iotda::limits::MAX_PUBLISH_BYTES;
use crate::iotda::payloads::{
    CommandRequest, EventsMessage, JsonPayload, MessageDown, PropertiesGetRequest,
    PropertiesSetRequest, ShadowGetResponse, SystemEvent,
};
use crate::iotda::topics::{Direction, SysTopic, Topic};

impl IotdaDevice {
    pub(super) fn on_message(&mut self, message: Message) {
        let (device_id, sys) = match Topic::parse(&message.topic) {
            Topic::Device { device_id, topic } => (device_id, topic),
            Topic::Unknown(_) => {
                return self.bad_input(message.topic, None, InputProblem::UnknownTopic);
            }
            Topic::Bridge { topic, .. } => {
                let rid = topic.request_id().map(String::from);
                return self.bad_input(message.topic, rid, InputProblem::UnexpectedTopic);
            }
            Topic::User { .. } | Topic::Custom(_) | Topic::M2m { .. } | Topic::Legacy { .. } => {
                self.events
                    .push_back(DeviceEvent::Mqtt(Event::Message(message)));
                return;
            }
        };
        let request_id = sys.request_id().map(String::from);
        if device_id != self.device_id() {
            return self.bad_input(message.topic, request_id, InputProblem::OtherDevice);
        }
        if sys.direction() != Direction::Down {
            return self.bad_input(message.topic, request_id, InputProblem::UnexpectedTopic);
        }
        let payload = &message.payload;
        let parsed: Result<DeviceEvent, IotdaError> = match (sys, request_id.clone()) {
            (SysTopic::Command { .. }, Some(request_id)) => {
                CommandRequest::from_json(payload).map(|command| DeviceEvent::Command {
                    request_id,
                    command,
                })
            }
            (SysTopic::PropertiesSet { .. }, Some(request_id)) => {
                PropertiesSetRequest::from_json(payload).map(|request| DeviceEvent::PropertiesSet {
                    request_id,
                    request,
                })
            }
            (SysTopic::PropertiesGet { .. }, Some(request_id)) => {
                PropertiesGetRequest::from_json(payload).map(|request| DeviceEvent::PropertiesGet {
                    request_id,
                    request,
                })
            }
            (SysTopic::ShadowGetResponse { .. }, Some(request_id)) => {
                ShadowGetResponse::from_json(payload).map(|response| {
                    let answers =
                        self.requests
                            .answer(RequestKind::Shadow, Some(&request_id), None);
                    DeviceEvent::Shadow {
                        request_id,
                        response,
                        answers,
                    }
                })
            }
            (SysTopic::MessagesDown, _) => {
                if payload.len() > MAX_PUBLISH_BYTES {
                    Err(IotdaError::InvalidPayload("payload larger than 1 MB"))
                } else {
                    let structured = match MessageDown::parse(payload) {
                        MessageDown::Structured(m) => Some(m),
                        MessageDown::Raw(_) => None,
                    };
                    Ok(DeviceEvent::MessageDown {
                        payload: message.payload.clone(),
                        message: structured,
                    })
                }
            }
            (SysTopic::EventsDown, _) => {
                match EventsMessage::from_json(payload) {
                    Ok(events) => self.on_events(&message.topic, events),
                    Err(e) => self.bad_input(message.topic, None, InputProblem::Payload(e)),
                }
                return;
            }
            (SysTopic::BootstrapDown, _) => {
                let payload = message.payload;
                return self.on_bootstrap_down(message.topic, &payload);
            }
            // Every other downstream topic is bridge-only.
            _ => return self.bad_input(message.topic, request_id, InputProblem::UnexpectedTopic),
        };
        match parsed {
            Ok(event) => self.events.push_back(event),
            Err(e) => self.bad_input(message.topic, request_id, InputProblem::Payload(e)),
        }
    }

    /// One event per service of an `events/down` envelope, each matched with the request it
    /// answers; a service whose parameters do not fit its schema is bad input on its own.
    fn on_events(&mut self, topic: &str, message: EventsMessage) {
        let EventsMessage {
            object_device_id,
            services,
        } = message;
        for service in services {
            let event = match service.to_event() {
                Ok(event) => event,
                Err(e) => {
                    self.bad_input(topic.into(), None, InputProblem::Payload(e));
                    continue;
                }
            };
            let answers = RequestKind::of_answer(&event).and_then(|kind| {
                let echo = match &event {
                    SystemEvent::TimeSyncResponse(r) => Some(r.device_send_time),
                    _ => None,
                };
                self.requests
                    .answer(kind, service.event_id.as_deref(), echo)
            });
            self.events
                .push_back(DeviceEvent::System(Box::new(SystemEventDown {
                    object_device_id: object_device_id.clone(),
                    event_id: service.event_id,
                    event_time: service.event_time,
                    event,
                    answers,
                })));
        }
    }

    pub(super) fn bad_input(
        &mut self,
        topic: String,
        request_id: Option<String>,
        problem: InputProblem,
    ) {
        self.events
            .push_back(DeviceEvent::BadInput(Box::new(super::event::BadInput {
                topic,
                request_id,
                problem,
            })));
    }
}
