//! [`ServerMessage`]: an owned application message, the unit a broker routes between sessions.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::codec::{PacketId, Properties, Property, Publish, QoS};

/// The MQTT 5 properties that travel with an application message (MQTT 5.0 §3.3.2.3). All are
/// dropped when the message goes to an MQTT 3.1.1 client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageProperties {
    /// Payload Format Indicator: `Some(true)` = UTF-8 text.
    pub payload_format_indicator: Option<bool>,
    /// Message Expiry Interval in seconds. On delivery the server sends what is left of it and
    /// drops the message once it has run out.
    pub message_expiry_interval: Option<u32>,
    /// Content Type.
    pub content_type: Option<String>,
    /// Response Topic (request/response).
    pub response_topic: Option<String>,
    /// Correlation Data (request/response).
    pub correlation_data: Option<Vec<u8>>,
    /// User Properties, in order.
    pub user_properties: Vec<(String, String)>,
}

impl MessageProperties {
    /// Copies the message properties out of a PUBLISH or Will property list. Topic Alias and
    /// Subscription Identifier are not message properties and are left out.
    #[must_use]
    pub fn from_properties(props: &Properties<'_>) -> Self {
        let mut out = MessageProperties::default();
        for p in props.iter() {
            match p {
                Property::PayloadFormatIndicator(v) => out.payload_format_indicator = Some(v),
                Property::MessageExpiryInterval(v) => out.message_expiry_interval = Some(v),
                Property::ContentType(v) => out.content_type = Some(v.to_string()),
                Property::ResponseTopic(v) => out.response_topic = Some(v.to_string()),
                Property::CorrelationData(v) => out.correlation_data = Some(v.to_vec()),
                Property::UserProperty(k, v) => {
                    out.user_properties.push((k.to_string(), v.to_string()));
                }
                _ => {}
            }
        }
        out
    }

    /// Appends these properties, borrowed, to `out`; the expiry is left to the caller, who
    /// knows how much of it remains.
    pub(crate) fn push_into<'a>(&'a self, out: &mut Vec<Property<'a>>) {
        if let Some(v) = self.payload_format_indicator {
            out.push(Property::PayloadFormatIndicator(v));
        }
        if let Some(v) = &self.content_type {
            out.push(Property::ContentType(v));
        }
        if let Some(v) = &self.response_topic {
            out.push(Property::ResponseTopic(v));
        }
        if let Some(v) = &self.correlation_data {
            out.push(Property::CorrelationData(v));
        }
        for (k, v) in &self.user_properties {
            out.push(Property::UserProperty(k, v));
        }
    }

    /// Heap bytes held by these properties (for queue accounting).
    pub(crate) fn heap_bytes(&self) -> usize {
        let strings = [&self.content_type, &self.response_topic]
            .iter()
            .map(|s| s.as_ref().map_or(0, String::len))
            .sum::<usize>();
        let users = self
            .user_properties
            .iter()
            .map(|(k, v)| k.len().saturating_add(v.len()))
            .fold(0usize, usize::saturating_add);
        strings
            .saturating_add(self.correlation_data.as_ref().map_or(0, Vec::len))
            .saturating_add(users)
    }
}

/// An owned application message: what a client published, or what the broker delivers.
///
/// ```
/// use iotmqtt::QoS;
/// use iotmqtt::server::ServerMessage;
/// let mut m = ServerMessage::new("sensors/1/temp", b"21.5".to_vec(), QoS::AtLeastOnce);
/// m.properties.content_type = Some("text/plain".into());
/// assert_eq!(m.topic, "sensors/1/temp");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    /// Topic Name (never empty; topic aliases are resolved).
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
    /// Quality of service.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// MQTT 5 message properties.
    pub properties: MessageProperties,
}

impl ServerMessage {
    /// A message without properties, not retained.
    #[must_use]
    pub fn new(topic: impl Into<String>, payload: impl Into<Vec<u8>>, qos: QoS) -> Self {
        ServerMessage {
            topic: topic.into(),
            payload: payload.into(),
            qos,
            retain: false,
            properties: MessageProperties::default(),
        }
    }

    /// The message carried by a decoded PUBLISH, with `topic` (the alias already resolved).
    #[must_use]
    pub fn from_publish(publish: &Publish<'_>, topic: impl Into<String>) -> Self {
        ServerMessage {
            topic: topic.into(),
            payload: publish.payload.to_vec(),
            qos: publish.qos,
            retain: publish.retain,
            properties: MessageProperties::from_properties(&publish.properties),
        }
    }

    /// Heap bytes this message holds (topic, payload, properties).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.topic
            .len()
            .saturating_add(self.payload.len())
            .saturating_add(self.properties.heap_bytes())
    }
}

/// A PUBLISH received from the client, as surfaced by
/// [`ServerEvent::Publish`](super::ServerEvent::Publish).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundPublish {
    /// The message; a Topic Alias has been resolved into `message.topic`.
    pub message: ServerMessage,
    /// The client's Packet Identifier (QoS 1 and 2), to pass to
    /// [`ack`](super::ServerSession::ack) in manual-ack mode.
    pub packet_id: Option<PacketId>,
    /// DUP: the client says it may have sent this before (QoS 1; QoS 2 duplicates are
    /// suppressed by the session).
    pub dup: bool,
}

/// A Will Message as set in CONNECT (MQTT 5.0 §3.1.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WillMessage {
    /// The message to publish.
    pub message: ServerMessage,
    /// Will Delay Interval in seconds (5.0; 0 in 3.1.1).
    pub delay_interval: u32,
}
