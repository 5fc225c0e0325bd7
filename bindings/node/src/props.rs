//! MQTT 5.0 properties as a plain object with one camelCase key per property present
//! (`userProperties` as `[name, value]` pairs and `subscriptionIdentifiers` as numbers, in
//! packet order; binary values as `Buffer`).

use iotmqtt::{
    Error, OwnedProperties, Properties, Property, PropertyContext, PropertyId, PropertyType, QoS,
    UsageError,
};
use napi::JsValue;
use napi::bindgen_prelude::{
    Array, Env, JsObjectValue, Null, Object, Uint8Array, Unknown, ValueType,
};

use crate::convert::{buffer, int_of};
use crate::errors::{OrThrow, Result, bad_arg};

/// The camelCase key of a property: the specification name with a lower-case first letter.
fn key_of(id: PropertyId) -> String {
    let name = id.name();
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    if let Some(c) = chars.next() {
        out.push(c.to_ascii_lowercase());
    }
    out.extend(chars);
    out
}

/// The value one input property holds until it is borrowed as a [`Property`].
enum Val {
    Bool(bool),
    Int(u32),
    Str(String),
    Bytes(Vec<u8>),
    Pair(String, String),
}

/// Properties read from a JavaScript object, owned, in the object's key order (repeated
/// properties in array order).
#[derive(Default)]
pub(crate) struct PropsIn(Vec<(PropertyId, Val)>);

impl PropsIn {
    /// Reads `value` (an object, `undefined` or `null`).
    pub(crate) fn read(env: &Env, value: Option<&Object<'_>>) -> Result<Self> {
        let Some(obj) = value else {
            return Ok(PropsIn::default());
        };
        let mut out = Vec::new();
        for key in Object::keys(obj)? {
            let v: Unknown<'_> = obj.get_named_property(&key)?;
            if v.get_type()? == ValueType::Undefined {
                continue;
            }
            match key.as_str() {
                "userProperties" => {
                    let list: Vec<Vec<String>> = obj.get_named_property(&key)?;
                    for pair in list {
                        match <[String; 2]>::try_from(pair) {
                            Ok([k, v]) => out.push((PropertyId::UserProperty, Val::Pair(k, v))),
                            Err(_) => {
                                return Err(bad_arg(env, "userProperties: [name, value] pairs"));
                            }
                        }
                    }
                }
                "subscriptionIdentifiers" => {
                    let list: Vec<f64> = obj.get_named_property(&key)?;
                    for n in list {
                        let n = int_of(n)
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(|| bad_arg(env, "subscriptionIdentifiers: integers"))?;
                        out.push((PropertyId::SubscriptionIdentifier, Val::Int(n)));
                    }
                }
                other => {
                    let id = PropertyId::ALL
                        .iter()
                        .copied()
                        .find(|id| key_of(*id) == other)
                        .filter(|id| {
                            !matches!(
                                id,
                                PropertyId::UserProperty | PropertyId::SubscriptionIdentifier
                            )
                        })
                        .ok_or_else(|| bad_arg(env, "properties: an unknown property name"))?;
                    out.push((id, read_value(env, id, &v)?));
                }
            }
        }
        Ok(PropsIn(out))
    }

    /// The properties as the codec's values, borrowing from `self`.
    pub(crate) fn list(&self, env: &Env) -> Result<Vec<Property<'_>>> {
        self.0.iter().map(|(id, v)| property(env, *id, v)).collect()
    }

    /// The properties owned, checked against the packet they go in.
    pub(crate) fn owned(&self, env: &Env, ctx: PropertyContext) -> Result<OwnedProperties> {
        let list = self.list(env)?;
        OwnedProperties::from_properties(&Properties::new(&list), ctx)
            .map_err(|v| Error::Usage(UsageError::Encode(v)))
            .or_throw(env)
    }
}

fn read_value(env: &Env, id: PropertyId, v: &Unknown<'_>) -> Result<Val> {
    let wrong = || bad_arg(env, "properties: a value of the wrong type");
    let ty = v.get_type()?;
    Ok(match (id, id.wire_type()) {
        (PropertyId::MaximumQos, _) => Val::Int(number(env, v)?),
        (_, PropertyType::Byte) => {
            if ty != ValueType::Boolean {
                return Err(wrong());
            }
            Val::Bool(v.coerce_to_bool()?)
        }
        (_, PropertyType::Utf8String) => {
            if ty != ValueType::String {
                return Err(wrong());
            }
            Val::Str(v.coerce_to_string()?.into_utf8()?.into_owned()?)
        }
        (_, PropertyType::BinaryData) => match ty {
            ValueType::String => Val::Bytes(v.coerce_to_string()?.into_utf8()?.as_slice().to_vec()),
            ValueType::Object => {
                // SAFETY: `v` is a live value of this call; napi checks it is a Uint8Array.
                let arr: Uint8Array = unsafe { v.cast()? };
                Val::Bytes(arr.to_vec())
            }
            _ => return Err(wrong()),
        },
        _ => Val::Int(number(env, v)?),
    })
}

fn number(env: &Env, v: &Unknown<'_>) -> Result<u32> {
    if v.get_type()? != ValueType::Number {
        return Err(bad_arg(env, "properties: a value of the wrong type"));
    }
    int_of(v.coerce_to_number()?.get_double()?)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad_arg(env, "properties: an integer in range"))
}

fn property<'a>(env: &Env, id: PropertyId, v: &'a Val) -> Result<Property<'a>> {
    let range = || bad_arg(env, "properties: an integer out of range");
    let n16 = |n: u32| u16::try_from(n).map_err(|_| range());
    Ok(match (id, v) {
        (PropertyId::PayloadFormatIndicator, Val::Bool(b)) => Property::PayloadFormatIndicator(*b),
        (PropertyId::MessageExpiryInterval, Val::Int(n)) => Property::MessageExpiryInterval(*n),
        (PropertyId::ContentType, Val::Str(s)) => Property::ContentType(s),
        (PropertyId::ResponseTopic, Val::Str(s)) => Property::ResponseTopic(s),
        (PropertyId::CorrelationData, Val::Bytes(b)) => Property::CorrelationData(b),
        (PropertyId::SubscriptionIdentifier, Val::Int(n)) => Property::SubscriptionIdentifier(*n),
        (PropertyId::SessionExpiryInterval, Val::Int(n)) => Property::SessionExpiryInterval(*n),
        (PropertyId::AssignedClientIdentifier, Val::Str(s)) => {
            Property::AssignedClientIdentifier(s)
        }
        (PropertyId::ServerKeepAlive, Val::Int(n)) => Property::ServerKeepAlive(n16(*n)?),
        (PropertyId::AuthenticationMethod, Val::Str(s)) => Property::AuthenticationMethod(s),
        (PropertyId::AuthenticationData, Val::Bytes(b)) => Property::AuthenticationData(b),
        (PropertyId::RequestProblemInformation, Val::Bool(b)) => {
            Property::RequestProblemInformation(*b)
        }
        (PropertyId::WillDelayInterval, Val::Int(n)) => Property::WillDelayInterval(*n),
        (PropertyId::RequestResponseInformation, Val::Bool(b)) => {
            Property::RequestResponseInformation(*b)
        }
        (PropertyId::ResponseInformation, Val::Str(s)) => Property::ResponseInformation(s),
        (PropertyId::ServerReference, Val::Str(s)) => Property::ServerReference(s),
        (PropertyId::ReasonString, Val::Str(s)) => Property::ReasonString(s),
        (PropertyId::ReceiveMaximum, Val::Int(n)) => Property::ReceiveMaximum(n16(*n)?),
        (PropertyId::TopicAliasMaximum, Val::Int(n)) => Property::TopicAliasMaximum(n16(*n)?),
        (PropertyId::TopicAlias, Val::Int(n)) => Property::TopicAlias(n16(*n)?),
        (PropertyId::MaximumQos, Val::Int(n)) => Property::MaximumQos(
            u8::try_from(*n)
                .ok()
                .and_then(QoS::from_u8)
                .ok_or_else(|| bad_arg(env, "maximumQos: 0, 1 or 2"))?,
        ),
        (PropertyId::RetainAvailable, Val::Bool(b)) => Property::RetainAvailable(*b),
        (PropertyId::UserProperty, Val::Pair(k, v)) => Property::UserProperty(k, v),
        (PropertyId::MaximumPacketSize, Val::Int(n)) => Property::MaximumPacketSize(*n),
        (PropertyId::WildcardSubscriptionAvailable, Val::Bool(b)) => {
            Property::WildcardSubscriptionAvailable(*b)
        }
        (PropertyId::SubscriptionIdentifierAvailable, Val::Bool(b)) => {
            Property::SubscriptionIdentifierAvailable(*b)
        }
        (PropertyId::SharedSubscriptionAvailable, Val::Bool(b)) => {
            Property::SharedSubscriptionAvailable(*b)
        }
        _ => return Err(bad_arg(env, "properties: a value of the wrong type")),
    })
}

/// The JavaScript object of `props`.
pub(crate) fn to_js<'e>(env: &'e Env, props: &Properties<'_>) -> Result<Object<'e>> {
    let mut obj = Object::new(env)?;
    if props.is_empty() {
        return Ok(obj);
    }
    let mut users: Vec<(&str, &str)> = Vec::new();
    let mut sub_ids: Vec<u32> = Vec::new();
    for p in props.iter() {
        let key = key_of(p.id());
        match p {
            Property::PayloadFormatIndicator(b)
            | Property::RequestProblemInformation(b)
            | Property::RequestResponseInformation(b)
            | Property::RetainAvailable(b)
            | Property::WildcardSubscriptionAvailable(b)
            | Property::SubscriptionIdentifierAvailable(b)
            | Property::SharedSubscriptionAvailable(b) => obj.set(key, b)?,
            Property::MessageExpiryInterval(n)
            | Property::SessionExpiryInterval(n)
            | Property::WillDelayInterval(n)
            | Property::MaximumPacketSize(n) => obj.set(key, n)?,
            Property::ServerKeepAlive(n)
            | Property::ReceiveMaximum(n)
            | Property::TopicAliasMaximum(n)
            | Property::TopicAlias(n) => obj.set(key, u32::from(n))?,
            Property::MaximumQos(q) => obj.set(key, q as u32)?,
            Property::ContentType(s)
            | Property::ResponseTopic(s)
            | Property::AssignedClientIdentifier(s)
            | Property::AuthenticationMethod(s)
            | Property::ResponseInformation(s)
            | Property::ServerReference(s)
            | Property::ReasonString(s) => obj.set(key, s)?,
            Property::CorrelationData(b) | Property::AuthenticationData(b) => {
                obj.set(key, buffer(env, b)?)?;
            }
            // The lists take the place of their first item, so the key order follows the
            // packet (an object keeps its keys in insertion order).
            Property::SubscriptionIdentifier(n) => {
                if sub_ids.is_empty() {
                    obj.set("subscriptionIdentifiers", Null)?;
                }
                sub_ids.push(n);
            }
            Property::UserProperty(k, v) => {
                if users.is_empty() {
                    obj.set("userProperties", Null)?;
                }
                users.push((k, v));
            }
        }
    }
    if !users.is_empty() {
        obj.set("userProperties", pairs(env, &users)?)?;
    }
    if !sub_ids.is_empty() {
        obj.set("subscriptionIdentifiers", sub_ids)?;
    }
    Ok(obj)
}

/// `[name, value]` pairs as an array of two-element arrays.
pub(crate) fn pairs<'e, K: AsRef<str>, V: AsRef<str>>(
    env: &'e Env,
    list: &[(K, V)],
) -> Result<Array<'e>> {
    let mut arr = env.create_array(u32::try_from(list.len()).unwrap_or(u32::MAX))?;
    for (i, (k, v)) in list.iter().enumerate() {
        let mut pair = env.create_array(2)?;
        pair.set(0, k.as_ref())?;
        pair.set(1, v.as_ref())?;
        arr.set(u32::try_from(i).unwrap_or(u32::MAX), pair)?;
    }
    Ok(arr)
}

/// The JavaScript object of owned properties.
pub(crate) fn owned_to_js<'e>(env: &'e Env, props: &OwnedProperties) -> Result<Object<'e>> {
    to_js(env, &props.as_properties())
}
