//! MQTT 5 properties both ways. A JS properties object has one key per property, the
//! specification's name in camelCase (`contentType`, `maximumQos`, `correlationData`), with
//! `userProperties: [[name, value], …]` and `subscriptionIdentifiers: [n, …]` for the two that
//! repeat. Binary values are `Uint8Array`s (a string is taken as its UTF-8 on input).
//!
//! Properties are encoded in ascending identifier order, except that an object from `decode`
//! remembers the order they came in (a non-enumerable `wireOrder`, the identifiers in wire
//! order), so that encoding a decoded packet gives its bytes back.

use iotmqtt::{OwnedProperties, Properties, Property, PropertyId, PropertyType, QoS};
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::invalid_argument;
use crate::js::{Fields, Obj, array, bytes, bytes_of, int_of, items, pairs, string_of};

/// A properties list as a JS object.
pub(crate) fn to_js(props: &Properties<'_>) -> JsValue {
    let mut obj = Obj::new();
    let order = Array::new();
    let mut users = Vec::new();
    let mut sub_ids = Vec::new();
    for p in props.iter() {
        order.push(&JsValue::from(p.id() as u8));
        let value: JsValue = match p {
            Property::PayloadFormatIndicator(b)
            | Property::RequestProblemInformation(b)
            | Property::RequestResponseInformation(b)
            | Property::RetainAvailable(b)
            | Property::WildcardSubscriptionAvailable(b)
            | Property::SubscriptionIdentifierAvailable(b)
            | Property::SharedSubscriptionAvailable(b) => b.into(),
            Property::MessageExpiryInterval(n)
            | Property::SessionExpiryInterval(n)
            | Property::WillDelayInterval(n)
            | Property::MaximumPacketSize(n) => n.into(),
            Property::ServerKeepAlive(n)
            | Property::ReceiveMaximum(n)
            | Property::TopicAliasMaximum(n)
            | Property::TopicAlias(n) => n.into(),
            Property::ContentType(s)
            | Property::ResponseTopic(s)
            | Property::AssignedClientIdentifier(s)
            | Property::AuthenticationMethod(s)
            | Property::ResponseInformation(s)
            | Property::ServerReference(s)
            | Property::ReasonString(s) => s.into(),
            Property::CorrelationData(b) | Property::AuthenticationData(b) => bytes(b),
            Property::MaximumQos(q) => (q as u8).into(),
            Property::SubscriptionIdentifier(n) => {
                sub_ids.push(n);
                continue;
            }
            Property::UserProperty(k, v) => {
                users.push((k, v));
                continue;
            }
        };
        obj = obj.set(static_key(p.id()), value);
    }
    if !users.is_empty() {
        obj = obj.set("userProperties", pairs(users));
    }
    if !sub_ids.is_empty() {
        obj = obj.set("subscriptionIdentifiers", array(sub_ids));
    }
    let obj = obj.build();
    let descriptor = Obj::new().set("value", order).build();
    // Defining a new property on a fresh plain object cannot fail.
    let _: Object = Object::define_property(
        obj.unchecked_ref::<Object>(),
        &JsValue::from_str(WIRE_ORDER),
        descriptor.unchecked_ref::<Object>(),
    );
    obj
}

/// The non-enumerable key holding the wire order of decoded properties.
const WIRE_ORDER: &str = "wireOrder";

/// Owned properties as a JS object.
pub(crate) fn owned_to_js(props: &OwnedProperties) -> JsValue {
    to_js(&props.as_properties())
}

/// One input value, owned until the properties are borrowed for a call.
enum Value {
    Bool(bool),
    Int(u32),
    Str(String),
    Bytes(Vec<u8>),
    Pair(String, String),
}

/// Properties read from a JS object, in ascending identifier order whatever the key order (as
/// `tests/README.md` §2.1 asks, so the bytes do not depend on the JS engine).
pub(crate) struct PropsIn(Vec<(PropertyId, Value)>);

impl PropsIn {
    /// Reads `value` (`undefined`/`null`: none). Unknown keys and wrong types fail.
    pub(crate) fn read(value: &JsValue, what: &'static str) -> Result<Self, JsValue> {
        let mut f = Fields::new(value, what)?;
        let mut out = Vec::new();
        for &id in PropertyId::ALL {
            let name = format!("{what}.{}", static_key(id));
            match id {
                PropertyId::UserProperty => {
                    let Some(list) = f.get("userProperties") else {
                        continue;
                    };
                    for pair in items(&list, &name)? {
                        match items(&pair, &name)?.as_slice() {
                            [k, v] => out.push((
                                id,
                                Value::Pair(string_of(k, &name)?, string_of(v, &name)?),
                            )),
                            _ => {
                                return Err(invalid_argument(&format!(
                                    "{name}: [name, value] pairs"
                                )));
                            }
                        }
                    }
                }
                PropertyId::SubscriptionIdentifier => {
                    let Some(list) = f.get("subscriptionIdentifiers") else {
                        continue;
                    };
                    for n in items(&list, &name)? {
                        out.push((id, Value::Int(int_of(&n, &name)?)));
                    }
                }
                _ => {
                    let Some(v) = f.get(static_key(id)) else {
                        continue;
                    };
                    let value = match id.wire_type() {
                        _ if id == PropertyId::MaximumQos => Value::Int(int_of(&v, &name)?),
                        PropertyType::Byte => Value::Bool(
                            v.as_bool()
                                .ok_or_else(|| invalid_argument(&format!("{name}: a boolean")))?,
                        ),
                        PropertyType::Utf8String => Value::Str(string_of(&v, &name)?),
                        PropertyType::BinaryData => Value::Bytes(bytes_of(&v, &name)?),
                        _ => Value::Int(int_of(&v, &name)?),
                    };
                    out.push((id, value));
                }
            }
        }
        let order = f.get(WIRE_ORDER);
        f.finish()?;
        if let Some(order) = order {
            out = in_wire_order(out, &order);
        }
        Ok(PropsIn(out))
    }

    /// The properties, borrowed; a value out of its wire range fails.
    pub(crate) fn list(&self) -> Result<Vec<Property<'_>>, JsValue> {
        self.0.iter().map(|(id, v)| property(*id, v)).collect()
    }
}

/// `items` in the order `order` lists their identifiers, when it lists exactly those (the
/// properties of a decoded packet, unchanged in their keys); otherwise as they are.
fn in_wire_order(items: Vec<(PropertyId, Value)>, order: &JsValue) -> Vec<(PropertyId, Value)> {
    let ids: Option<Vec<PropertyId>> = Array::is_array(order)
        .then(|| {
            Array::from(order)
                .iter()
                .map(|v| {
                    int_of::<u8>(&v, WIRE_ORDER)
                        .ok()
                        .and_then(PropertyId::from_u8)
                })
                .collect()
        })
        .flatten();
    // `items` are in ascending order: the same identifiers sorted must give the same list.
    let same = ids.as_ref().is_some_and(|ids| {
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.iter().eq(items.iter().map(|(id, _)| id))
    });
    let (true, Some(ids)) = (same, ids) else {
        return items;
    };
    let mut pool: Vec<Option<(PropertyId, Value)>> = items.into_iter().map(Some).collect();
    ids.into_iter()
        .filter_map(|id| {
            // The first value not taken yet with this identifier (repeats keep their order).
            pool.iter_mut()
                .find(|slot| slot.as_ref().is_some_and(|(i, _)| *i == id))
                .and_then(Option::take)
        })
        .collect()
}

/// The JS key of a single-valued property, as a `&'static str` for [`Fields`].
fn static_key(id: PropertyId) -> &'static str {
    match id {
        PropertyId::PayloadFormatIndicator => "payloadFormatIndicator",
        PropertyId::MessageExpiryInterval => "messageExpiryInterval",
        PropertyId::ContentType => "contentType",
        PropertyId::ResponseTopic => "responseTopic",
        PropertyId::CorrelationData => "correlationData",
        PropertyId::SubscriptionIdentifier => "subscriptionIdentifiers",
        PropertyId::SessionExpiryInterval => "sessionExpiryInterval",
        PropertyId::AssignedClientIdentifier => "assignedClientIdentifier",
        PropertyId::ServerKeepAlive => "serverKeepAlive",
        PropertyId::AuthenticationMethod => "authenticationMethod",
        PropertyId::AuthenticationData => "authenticationData",
        PropertyId::RequestProblemInformation => "requestProblemInformation",
        PropertyId::WillDelayInterval => "willDelayInterval",
        PropertyId::RequestResponseInformation => "requestResponseInformation",
        PropertyId::ResponseInformation => "responseInformation",
        PropertyId::ServerReference => "serverReference",
        PropertyId::ReasonString => "reasonString",
        PropertyId::ReceiveMaximum => "receiveMaximum",
        PropertyId::TopicAliasMaximum => "topicAliasMaximum",
        PropertyId::TopicAlias => "topicAlias",
        PropertyId::MaximumQos => "maximumQos",
        PropertyId::RetainAvailable => "retainAvailable",
        PropertyId::UserProperty => "userProperties",
        PropertyId::MaximumPacketSize => "maximumPacketSize",
        PropertyId::WildcardSubscriptionAvailable => "wildcardSubscriptionAvailable",
        PropertyId::SubscriptionIdentifierAvailable => "subscriptionIdentifierAvailable",
        PropertyId::SharedSubscriptionAvailable => "sharedSubscriptionAvailable",
    }
}

fn property(id: PropertyId, v: &Value) -> Result<Property<'_>, JsValue> {
    use PropertyId as I;
    let range = || invalid_argument(&format!("property {}: value out of range", static_key(id)));
    let n16 = |n: u32| u16::try_from(n).map_err(|_| range());
    Ok(match (id, v) {
        (I::PayloadFormatIndicator, Value::Bool(b)) => Property::PayloadFormatIndicator(*b),
        (I::RequestProblemInformation, Value::Bool(b)) => Property::RequestProblemInformation(*b),
        (I::RequestResponseInformation, Value::Bool(b)) => Property::RequestResponseInformation(*b),
        (I::RetainAvailable, Value::Bool(b)) => Property::RetainAvailable(*b),
        (I::WildcardSubscriptionAvailable, Value::Bool(b)) => {
            Property::WildcardSubscriptionAvailable(*b)
        }
        (I::SubscriptionIdentifierAvailable, Value::Bool(b)) => {
            Property::SubscriptionIdentifierAvailable(*b)
        }
        (I::SharedSubscriptionAvailable, Value::Bool(b)) => {
            Property::SharedSubscriptionAvailable(*b)
        }
        (I::MessageExpiryInterval, Value::Int(n)) => Property::MessageExpiryInterval(*n),
        (I::SubscriptionIdentifier, Value::Int(n)) => Property::SubscriptionIdentifier(*n),
        (I::SessionExpiryInterval, Value::Int(n)) => Property::SessionExpiryInterval(*n),
        (I::WillDelayInterval, Value::Int(n)) => Property::WillDelayInterval(*n),
        (I::MaximumPacketSize, Value::Int(n)) => Property::MaximumPacketSize(*n),
        (I::ServerKeepAlive, Value::Int(n)) => Property::ServerKeepAlive(n16(*n)?),
        (I::ReceiveMaximum, Value::Int(n)) => Property::ReceiveMaximum(n16(*n)?),
        (I::TopicAliasMaximum, Value::Int(n)) => Property::TopicAliasMaximum(n16(*n)?),
        (I::TopicAlias, Value::Int(n)) => Property::TopicAlias(n16(*n)?),
        (I::MaximumQos, Value::Int(n)) => Property::MaximumQos(
            u8::try_from(*n)
                .ok()
                .and_then(QoS::from_u8)
                .ok_or_else(range)?,
        ),
        (I::ContentType, Value::Str(s)) => Property::ContentType(s),
        (I::ResponseTopic, Value::Str(s)) => Property::ResponseTopic(s),
        (I::AssignedClientIdentifier, Value::Str(s)) => Property::AssignedClientIdentifier(s),
        (I::AuthenticationMethod, Value::Str(s)) => Property::AuthenticationMethod(s),
        (I::ResponseInformation, Value::Str(s)) => Property::ResponseInformation(s),
        (I::ServerReference, Value::Str(s)) => Property::ServerReference(s),
        (I::ReasonString, Value::Str(s)) => Property::ReasonString(s),
        (I::CorrelationData, Value::Bytes(b)) => Property::CorrelationData(b),
        (I::AuthenticationData, Value::Bytes(b)) => Property::AuthenticationData(b),
        (I::UserProperty, Value::Pair(k, v)) => Property::UserProperty(k, v),
        _ => return Err(range()),
    })
}
