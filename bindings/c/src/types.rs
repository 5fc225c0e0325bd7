//! Spans, properties and the small enums every part of the API shares.

use std::ffi::c_char;

use iotmqtt::{Properties as CoreProperties, Property as CoreProperty, PropertyId as CoreId, QoS};

use crate::error::Failure;
use crate::ffi::{FfiResult, enum_in, slice};

/// `poll_timeout`: no timer runs. Also used for an absent time in events.
pub const NO_DEADLINE: u64 = u64::MAX;

/// Bytes: a pointer and a length. Handed out, they borrow (see the function); a NULL pointer
/// is an absent value. Passed in, NULL with length 0 is the empty array.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Bytes {
    /// The first byte.
    pub ptr: *const u8,
    /// How many bytes.
    pub len: usize,
}

/// UTF-8 text: a pointer and a length, **not** NUL-terminated (print with `"%.*s"`). Handed
/// out, it borrows (see the function); a NULL pointer is an absent value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Str {
    /// The first byte.
    pub ptr: *const c_char,
    /// How many bytes.
    pub len: usize,
}

impl Bytes {
    /// No value.
    pub(crate) const NONE: Bytes = Bytes {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// A span over `b` (never NULL, even when empty).
    pub(crate) fn of(b: &[u8]) -> Self {
        Bytes {
            ptr: if b.is_empty() {
                EMPTY.as_ptr()
            } else {
                b.as_ptr()
            },
            len: b.len(),
        }
    }

    /// A span over `b`, or NULL for `None`.
    pub(crate) fn opt(b: Option<&[u8]>) -> Self {
        b.map_or(Bytes::NONE, Bytes::of)
    }

    /// The bytes; NULL is `None`.
    ///
    /// # Safety
    /// The span points to `len` readable bytes that outlive `'a`, or is NULL.
    pub(crate) unsafe fn get<'a>(self, what: &str) -> FfiResult<Option<&'a [u8]>> {
        unsafe { crate::ffi::opt_bytes(self.ptr, self.len, what) }
    }

    /// The bytes; NULL is the empty array when `len` is 0.
    ///
    /// # Safety
    /// As [`Bytes::get`].
    pub(crate) unsafe fn get_or_empty<'a>(self, what: &str) -> FfiResult<&'a [u8]> {
        unsafe { slice(self.ptr, self.len, what) }
    }
}

/// The target of empty spans: a valid, non-NULL address.
static EMPTY: [u8; 1] = [0];

impl Str {
    /// No value.
    pub(crate) const NONE: Str = Str {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// A span over `s` (never NULL, even when empty).
    pub(crate) fn of(s: &str) -> Self {
        let b = Bytes::of(s.as_bytes());
        Str {
            ptr: b.ptr.cast(),
            len: b.len,
        }
    }

    /// A span over `s`, or NULL for `None`.
    pub(crate) fn opt(s: Option<&str>) -> Self {
        s.map_or(Str::NONE, Str::of)
    }

    /// The text; NULL is `None`.
    ///
    /// # Safety
    /// The span points to `len` readable bytes that outlive `'a`, or is NULL.
    pub(crate) unsafe fn get<'a>(self, what: &str) -> FfiResult<Option<&'a str>> {
        let bytes = unsafe { crate::ffi::opt_bytes(self.ptr.cast(), self.len, what) }?;
        bytes
            .map(|b| std::str::from_utf8(b).map_err(|_| Failure::invalid(what, "not valid UTF-8")))
            .transpose()
    }

    /// The text; NULL with length 0 is the empty string.
    ///
    /// # Safety
    /// As [`Str::get`].
    pub(crate) unsafe fn get_or_empty<'a>(self, what: &str) -> FfiResult<&'a str> {
        if self.ptr.is_null() && self.len == 0 {
            return Ok("");
        }
        unsafe { self.get(what) }?.ok_or_else(|| Failure::null(what))
    }
}

/// An MQTT protocol version, by its CONNECT protocol level.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolVersion {
    /// MQTT 3.1.1 (protocol level 4).
    V311 = 4,
    /// MQTT 5.0 (protocol level 5).
    V5 = 5,
}

/// Quality of service.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qos {
    /// At most once.
    AtMostOnce = 0,
    /// At least once.
    AtLeastOnce = 1,
    /// Exactly once.
    ExactlyOnce = 2,
}

/// A protocol level from C (`IOTMQTT_PROTOCOL_VERSION_V311` or `_V5`).
pub(crate) fn version_in(level: u8, what: &str) -> FfiResult<iotmqtt::ProtocolVersion> {
    enum_in(level, what, iotmqtt::ProtocolVersion::from_level)
}

/// A QoS from C (0, 1 or 2).
pub(crate) fn qos_in(qos: u8, what: &str) -> FfiResult<QoS> {
    enum_in(qos, what, QoS::from_u8)
}

/// The MQTT 5 property identifiers (MQTT 5.0 Table 2-4), the values of
/// `iotmqtt_property.id`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyId {
    /// Byte, 0 or 1 in `value`.
    PayloadFormatIndicator = 0x01,
    /// Four-byte integer in `value`.
    MessageExpiryInterval = 0x02,
    /// UTF-8 string in `text`.
    ContentType = 0x03,
    /// UTF-8 string in `text`.
    ResponseTopic = 0x08,
    /// Binary data in `bin`.
    CorrelationData = 0x09,
    /// Variable byte integer in `value`.
    SubscriptionIdentifier = 0x0B,
    /// Four-byte integer in `value`.
    SessionExpiryInterval = 0x11,
    /// UTF-8 string in `text`.
    AssignedClientIdentifier = 0x12,
    /// Two-byte integer in `value`.
    ServerKeepAlive = 0x13,
    /// UTF-8 string in `text`.
    AuthenticationMethod = 0x15,
    /// Binary data in `bin`.
    AuthenticationData = 0x16,
    /// Byte, 0 or 1 in `value`.
    RequestProblemInformation = 0x17,
    /// Four-byte integer in `value`.
    WillDelayInterval = 0x18,
    /// Byte, 0 or 1 in `value`.
    RequestResponseInformation = 0x19,
    /// UTF-8 string in `text`.
    ResponseInformation = 0x1A,
    /// UTF-8 string in `text`.
    ServerReference = 0x1C,
    /// UTF-8 string in `text`.
    ReasonString = 0x1F,
    /// Two-byte integer in `value`.
    ReceiveMaximum = 0x21,
    /// Two-byte integer in `value`.
    TopicAliasMaximum = 0x22,
    /// Two-byte integer in `value`.
    TopicAlias = 0x23,
    /// Byte, 0 or 1 in `value`.
    MaximumQos = 0x24,
    /// Byte, 0 or 1 in `value`.
    RetainAvailable = 0x25,
    /// A name in `text` and a value in `text2`.
    UserProperty = 0x26,
    /// Four-byte integer in `value`.
    MaximumPacketSize = 0x27,
    /// Byte, 0 or 1 in `value`.
    WildcardSubscriptionAvailable = 0x28,
    /// Byte, 0 or 1 in `value`.
    SubscriptionIdentifierAvailable = 0x29,
    /// Byte, 0 or 1 in `value`.
    SharedSubscriptionAvailable = 0x2A,
}

/// One MQTT 5 property. `id` (an `iotmqtt_property_id`) says which field holds the value:
/// integers and booleans (0/1) in `value`, strings in `text`, binary data in `bin`, a User
/// Property's name and value in `text` and `text2`. Unused fields are zero / NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Property {
    /// The property identifier, an `iotmqtt_property_id`.
    pub id: u8,
    /// Integer and boolean values.
    pub value: u32,
    /// UTF-8 string values; a User Property's name.
    pub text: Str,
    /// A User Property's value.
    pub text2: Str,
    /// Binary Data values.
    pub bin: Bytes,
}

/// A list of properties, in packet order. Handed out, it borrows like a span.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Properties {
    /// The first property.
    pub items: *const Property,
    /// How many.
    pub len: usize,
}

/// A pair of strings (a User Property).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct StringPair {
    /// The name.
    pub name: Str,
    /// The value.
    pub value: Str,
}

/// A list of string pairs. Handed out, it borrows like a span.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct StringPairs {
    /// The first pair.
    pub items: *const StringPair,
    /// How many.
    pub len: usize,
}

impl Properties {
    /// The empty list.
    pub(crate) const EMPTY: Properties = Properties {
        items: std::ptr::null(),
        len: 0,
    };

    /// A view of `items` (kept alive by the caller).
    pub(crate) fn of(items: &[Property]) -> Self {
        if items.is_empty() {
            return Properties::EMPTY;
        }
        Properties {
            items: items.as_ptr(),
            len: items.len(),
        }
    }

    /// The core properties these C properties describe.
    ///
    /// # Safety
    /// `items` points to `len` properties whose spans are valid for `'a`, or is NULL with 0.
    pub(crate) unsafe fn to_core<'a>(self, what: &str) -> FfiResult<Vec<CoreProperty<'a>>> {
        let items = unsafe { slice(self.items, self.len, what) }?;
        items
            .iter()
            .map(|p| unsafe { property_in(p, what) })
            .collect()
    }
}

impl StringPairs {
    /// A view of `items` (kept alive by the caller).
    pub(crate) fn of(items: &[StringPair]) -> Self {
        StringPairs {
            items: if items.is_empty() {
                std::ptr::null()
            } else {
                items.as_ptr()
            },
            len: items.len(),
        }
    }
}

/// Appends the C view of each property of `props` to `out`; the spans borrow from what `props`
/// borrows.
pub(crate) fn properties_out(props: &CoreProperties<'_>, out: &mut Vec<Property>) {
    out.extend(props.iter().map(|p| property_out(&p)));
}

fn property_out(p: &CoreProperty<'_>) -> Property {
    let mut c = Property {
        id: p.id() as u8,
        value: 0,
        text: Str::NONE,
        text2: Str::NONE,
        bin: Bytes::NONE,
    };
    match *p {
        CoreProperty::PayloadFormatIndicator(b)
        | CoreProperty::RequestProblemInformation(b)
        | CoreProperty::RequestResponseInformation(b)
        | CoreProperty::RetainAvailable(b)
        | CoreProperty::WildcardSubscriptionAvailable(b)
        | CoreProperty::SubscriptionIdentifierAvailable(b)
        | CoreProperty::SharedSubscriptionAvailable(b) => c.value = u32::from(b),
        CoreProperty::MessageExpiryInterval(v)
        | CoreProperty::SubscriptionIdentifier(v)
        | CoreProperty::SessionExpiryInterval(v)
        | CoreProperty::WillDelayInterval(v)
        | CoreProperty::MaximumPacketSize(v) => c.value = v,
        CoreProperty::ServerKeepAlive(v)
        | CoreProperty::ReceiveMaximum(v)
        | CoreProperty::TopicAliasMaximum(v)
        | CoreProperty::TopicAlias(v) => c.value = u32::from(v),
        CoreProperty::MaximumQos(q) => c.value = q as u32,
        CoreProperty::ContentType(s)
        | CoreProperty::ResponseTopic(s)
        | CoreProperty::AssignedClientIdentifier(s)
        | CoreProperty::AuthenticationMethod(s)
        | CoreProperty::ResponseInformation(s)
        | CoreProperty::ServerReference(s)
        | CoreProperty::ReasonString(s) => c.text = Str::of(s),
        CoreProperty::CorrelationData(b) | CoreProperty::AuthenticationData(b) => {
            c.bin = Bytes::of(b);
        }
        CoreProperty::UserProperty(k, v) => {
            c.text = Str::of(k);
            c.text2 = Str::of(v);
        }
    }
    c
}

/// The core property a C property describes.
///
/// # Safety
/// The property's spans are valid for `'a`.
unsafe fn property_in<'a>(p: &Property, what: &str) -> FfiResult<CoreProperty<'a>> {
    let id = CoreId::from_u8(p.id).ok_or_else(|| Failure::invalid(what, "unknown property id"))?;
    let v = p.value;
    let flag = || match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Failure::invalid(
            what,
            "a boolean property's value is 0 or 1",
        )),
    };
    let u16v =
        || u16::try_from(v).map_err(|_| Failure::invalid(what, "two-byte value over 65,535"));
    let text = || unsafe { p.text.get_or_empty(what) };
    let bin = || unsafe { p.bin.get_or_empty(what) };
    Ok(match id {
        CoreId::PayloadFormatIndicator => CoreProperty::PayloadFormatIndicator(flag()?),
        CoreId::MessageExpiryInterval => CoreProperty::MessageExpiryInterval(v),
        CoreId::ContentType => CoreProperty::ContentType(text()?),
        CoreId::ResponseTopic => CoreProperty::ResponseTopic(text()?),
        CoreId::CorrelationData => CoreProperty::CorrelationData(bin()?),
        CoreId::SubscriptionIdentifier => CoreProperty::SubscriptionIdentifier(v),
        CoreId::SessionExpiryInterval => CoreProperty::SessionExpiryInterval(v),
        CoreId::AssignedClientIdentifier => CoreProperty::AssignedClientIdentifier(text()?),
        CoreId::ServerKeepAlive => CoreProperty::ServerKeepAlive(u16v()?),
        CoreId::AuthenticationMethod => CoreProperty::AuthenticationMethod(text()?),
        CoreId::AuthenticationData => CoreProperty::AuthenticationData(bin()?),
        CoreId::RequestProblemInformation => CoreProperty::RequestProblemInformation(flag()?),
        CoreId::WillDelayInterval => CoreProperty::WillDelayInterval(v),
        CoreId::RequestResponseInformation => CoreProperty::RequestResponseInformation(flag()?),
        CoreId::ResponseInformation => CoreProperty::ResponseInformation(text()?),
        CoreId::ServerReference => CoreProperty::ServerReference(text()?),
        CoreId::ReasonString => CoreProperty::ReasonString(text()?),
        CoreId::ReceiveMaximum => CoreProperty::ReceiveMaximum(u16v()?),
        CoreId::TopicAliasMaximum => CoreProperty::TopicAliasMaximum(u16v()?),
        CoreId::TopicAlias => CoreProperty::TopicAlias(u16v()?),
        CoreId::MaximumQos => CoreProperty::MaximumQos(
            u8::try_from(v)
                .ok()
                .and_then(QoS::from_u8)
                .ok_or_else(|| Failure::invalid(what, "Maximum QoS is 0, 1 or 2"))?,
        ),
        CoreId::RetainAvailable => CoreProperty::RetainAvailable(flag()?),
        CoreId::UserProperty => {
            CoreProperty::UserProperty(text()?, unsafe { p.text2.get_or_empty(what) }?)
        }
        CoreId::MaximumPacketSize => CoreProperty::MaximumPacketSize(v),
        CoreId::WildcardSubscriptionAvailable => {
            CoreProperty::WildcardSubscriptionAvailable(flag()?)
        }
        CoreId::SubscriptionIdentifierAvailable => {
            CoreProperty::SubscriptionIdentifierAvailable(flag()?)
        }
        CoreId::SharedSubscriptionAvailable => CoreProperty::SharedSubscriptionAvailable(flag()?),
    })
}

/// Keeps the wire type table in view: a property added to the core without a case above fails
/// to compile in `property_in`, and this checks the C enum matches the core's identifiers.
#[cfg(test)]
mod tests {
    use super::*;
    use iotmqtt::PropertyType;

    #[test]
    fn every_core_property_id_round_trips_through_the_c_view() {
        for id in CoreId::ALL {
            let c = Property {
                id: *id as u8,
                value: 1,
                text: Str::of("t"),
                text2: Str::of("u"),
                bin: Bytes::of(b"b"),
            };
            let core = unsafe { property_in(&c, "p") }.unwrap();
            assert_eq!(core.id(), *id);
            let back = property_out(&core);
            assert_eq!(back.id, *id as u8);
            match id.wire_type() {
                PropertyType::Utf8String | PropertyType::Utf8StringPair => {
                    assert_eq!(back.text.len, 1);
                }
                PropertyType::BinaryData => assert_eq!(back.bin.len, 1),
                _ => assert_eq!(back.value, 1),
            }
        }
    }

    #[test]
    fn bad_values_are_invalid_arguments() {
        let mut c = Property {
            id: 0x01,
            value: 2,
            text: Str::NONE,
            text2: Str::NONE,
            bin: Bytes::NONE,
        };
        assert!(unsafe { property_in(&c, "p") }.is_err());
        c.id = 0x21;
        c.value = 70_000;
        assert!(unsafe { property_in(&c, "p") }.is_err());
        c.id = 0x05;
        assert!(unsafe { property_in(&c, "p") }.is_err());
    }
}
