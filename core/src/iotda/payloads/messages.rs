//! Free-form messages: `messages/up` and `messages/down` (IOTDA.md §5).

use alloc::string::String;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::JsonPayload;

/// The "system format" of a device message: the content plus optional routing fields.
///
/// ```
/// use iotmqtt::iotda::{DeviceMessage, JsonPayload};
/// let doc = br#"{"object_device_id":null,"name":null,"id":"aca6a906-1","content":"hello!"}"#;
/// let m = DeviceMessage::from_json(doc).unwrap();
/// assert_eq!(m.content, "hello!");
/// assert_eq!(m.to_json().unwrap(), br#"{"id":"aca6a906-1","content":"hello!"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceMessage {
    /// The child device a gateway sends for (otherwise the topic's device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_device_id: Option<String>,
    /// A name for the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A unique id (the platform makes one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The content: an object or a string (base64 allowed).
    pub content: Value,
}

impl DeviceMessage {
    /// A message with only content.
    #[must_use]
    pub fn new(content: impl Into<Value>) -> Self {
        DeviceMessage {
            object_device_id: None,
            name: None,
            id: None,
            content: content.into(),
        }
    }
}

impl JsonPayload for DeviceMessage {}

/// What arrives on `messages/down`: the system format when the application chose it, raw
/// bytes otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageDown<'a> {
    /// A JSON object with a `content` field.
    Structured(DeviceMessage),
    /// Anything else, as received.
    Raw(&'a [u8]),
}

impl<'a> MessageDown<'a> {
    /// Classifies a `messages/down` payload. Never fails: what is not the system format is
    /// [`MessageDown::Raw`].
    ///
    /// ```
    /// use iotmqtt::iotda::MessageDown;
    /// assert!(matches!(MessageDown::parse(br#"{"content":{"a":1}}"#), MessageDown::Structured(_)));
    /// assert_eq!(MessageDown::parse(b"\x01\x02"), MessageDown::Raw(b"\x01\x02"));
    /// assert_eq!(MessageDown::parse(br#"{"a":1}"#), MessageDown::Raw(br#"{"a":1}"#));
    /// ```
    #[must_use]
    pub fn parse(payload: &'a [u8]) -> Self {
        let looks_structured = payload
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        if looks_structured {
            if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(payload) {
                if map.contains_key("content") {
                    if let Ok(m) = serde_json::from_value(Value::Object(map)) {
                        return MessageDown::Structured(m);
                    }
                }
            }
        }
        MessageDown::Raw(payload)
    }
}
