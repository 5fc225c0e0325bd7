//! The codec for JavaScript: `decode`, `encode` and `inspect` (every field with its byte range,
//! from the core's `Decoder::layout`). A packet is a plain object: `{type: "publish", topic,
//! payload, qos, …}`, the fields of `tests/README.md` §2.2 in camelCase, bytes as `Uint8Array`.

use iotmqtt::{
    Auth, AuthReason, Connack, Connect, ConnectReason, DecodeError, Decoder, Disconnect,
    DisconnectReason, FieldValue, List, Packet, PacketId, Properties, ProtocolVersion, PubAck,
    PubAckReason, PubComp, PubRec, PubRel, PubRelReason, Publish, QoS, RetainHandling, SubAck,
    SubAckReason, Subscribe, Subscription, SubscriptionOptions, UnsubAck, UnsubAckReason,
    Unsubscribe, Will, encode as core_encode,
};
use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::errors::{error, invalid_argument, malformed, offset_value};
use crate::js::{Fields, Obj, array, bytes, int_of, items, opt};
use crate::props::{self, PropsIn};

/// `"3.1.1"` or `"5"` (also `"5.0"`).
pub(crate) fn version_of(v: &str) -> Result<ProtocolVersion, JsValue> {
    match v {
        "3.1.1" => Ok(ProtocolVersion::V311),
        "5" | "5.0" => Ok(ProtocolVersion::V5),
        _ => Err(invalid_argument("version: \"3.1.1\" or \"5\"")),
    }
}

/// The name of a version as `version_of` reads it.
pub(crate) fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V311 => "3.1.1",
        ProtocolVersion::V5 => "5",
    }
}

fn decoder(version: &str, max_packet_size: Option<u32>) -> Result<Decoder, JsValue> {
    let d = Decoder::new(version_of(version)?);
    Ok(match max_packet_size {
        Some(max) => d.with_max_packet_size(max),
        None => d,
    })
}

/// A decoded packet as a JS object.
pub(crate) fn packet_to_js(p: &Packet<'_>) -> JsValue {
    let ack = |t: &str, id: PacketId, reason: u8, props: &Properties<'_>| {
        Obj::typed(t)
            .set("packetId", id.get())
            .set("reason", reason)
            .set("properties", props::to_js(props))
            .build()
    };
    match p {
        Packet::Connect(c) => Obj::typed("connect")
            .set("protocol", version_name(c.protocol))
            .set("cleanStart", c.clean_start)
            .set("keepAlive", c.keep_alive)
            .set("properties", props::to_js(&c.properties))
            .set("clientId", c.client_id)
            .set(
                "will",
                opt(c.will.map(|w| {
                    Obj::new()
                        .set("qos", w.qos as u8)
                        .set("retain", w.retain)
                        .set("properties", props::to_js(&w.properties))
                        .set("topic", w.topic)
                        .set("payload", bytes(w.payload))
                        .build()
                })),
            )
            .set("username", opt(c.username))
            .set("password", opt(c.password.map(bytes)))
            .build(),
        Packet::Connack(c) => Obj::typed("connack")
            .set("sessionPresent", c.session_present)
            .set("reason", c.reason.as_u8())
            .set("properties", props::to_js(&c.properties))
            .build(),
        Packet::Publish(x) => Obj::typed("publish")
            .set("dup", x.dup)
            .set("qos", x.qos as u8)
            .set("retain", x.retain)
            .set("topic", x.topic)
            .set("packetId", opt(x.packet_id.map(PacketId::get)))
            .set("properties", props::to_js(&x.properties))
            .set("payload", bytes(x.payload))
            .build(),
        Packet::PubAck(a) => ack("puback", a.packet_id, a.reason.as_u8(), &a.properties),
        Packet::PubRec(a) => ack("pubrec", a.packet_id, a.reason.as_u8(), &a.properties),
        Packet::PubRel(a) => ack("pubrel", a.packet_id, a.reason.as_u8(), &a.properties),
        Packet::PubComp(a) => ack("pubcomp", a.packet_id, a.reason.as_u8(), &a.properties),
        Packet::Subscribe(s) => Obj::typed("subscribe")
            .set("packetId", s.packet_id.get())
            .set("properties", props::to_js(&s.properties))
            .set(
                "subscriptions",
                array(s.subscriptions.iter().map(|x| {
                    Obj::new()
                        .set("filter", x.filter)
                        .set("qos", x.options.qos as u8)
                        .set("noLocal", x.options.no_local)
                        .set("retainAsPublished", x.options.retain_as_published)
                        .set("retainHandling", x.options.retain_handling as u8)
                        .build()
                })),
            )
            .build(),
        Packet::SubAck(s) => Obj::typed("suback")
            .set("packetId", s.packet_id.get())
            .set("properties", props::to_js(&s.properties))
            .set("reasons", array(s.reasons.iter().map(SubAckReason::as_u8)))
            .build(),
        Packet::Unsubscribe(u) => Obj::typed("unsubscribe")
            .set("packetId", u.packet_id.get())
            .set("properties", props::to_js(&u.properties))
            .set("filters", array(u.filters.iter()))
            .build(),
        Packet::UnsubAck(u) => Obj::typed("unsuback")
            .set("packetId", u.packet_id.get())
            .set("properties", props::to_js(&u.properties))
            .set(
                "reasons",
                array(u.reasons.iter().map(UnsubAckReason::as_u8)),
            )
            .build(),
        Packet::PingReq => Obj::typed("pingreq").build(),
        Packet::PingResp => Obj::typed("pingresp").build(),
        Packet::Disconnect(d) => Obj::typed("disconnect")
            .set("reason", d.reason.as_u8())
            .set("properties", props::to_js(&d.properties))
            .build(),
        Packet::Auth(a) => Obj::typed("auth")
            .set("reason", a.reason.as_u8())
            .set("properties", props::to_js(&a.properties))
            .build(),
        #[allow(unreachable_patterns)] // `Packet` may grow; a new packet needs a view here
        _ => Obj::typed("unknown").build(),
    }
}

fn incomplete(needed: iotmqtt::Needed) -> JsValue {
    Obj::new()
        .set("packet", JsValue::NULL)
        .set("length", 0)
        .set("needed", offset_value(needed.bytes()))
        .set("neededExact", matches!(needed, iotmqtt::Needed::Exact(_)))
        .build()
}

/// Decodes the packet at the start of `bytes` for a connection of `version` (`"3.1.1"` or
/// `"5"`), optionally with a maximum packet size.
///
/// Returns `{packet, length}` (the bytes it used), or `{packet: null, needed, neededExact}`
/// when `bytes` holds only part of a packet. Malformed bytes throw an `Error` with `kind`
/// `"malformed"`, `code` (the rule's name), `rule`, `reasonCode` and `offset` (of the first
/// bad byte).
#[wasm_bindgen]
pub fn decode(
    bytes: &[u8],
    version: &str,
    #[wasm_bindgen(js_name = maxPacketSize)] max_packet_size: Option<u32>,
) -> Result<JsValue, JsValue> {
    match decoder(version, max_packet_size)?.decode(bytes) {
        Ok(d) => Ok(Obj::new()
            .set("packet", packet_to_js(&d.packet))
            .set("length", offset_value(d.len))
            .build()),
        Err(DecodeError::Incomplete(n)) => Ok(incomplete(n)),
        Err(DecodeError::Invalid { offset, violation }) => Err(malformed(offset, violation)),
    }
}

fn field_value(v: FieldValue<'_>) -> (&'static str, JsValue, Option<&'static str>) {
    match v {
        FieldValue::Group => ("group", JsValue::NULL, None),
        FieldValue::Uint(n) => ("uint", n.into(), None),
        FieldValue::Bool(b) => ("bool", b.into(), None),
        FieldValue::Str(s) => ("str", s.into(), None),
        FieldValue::Bytes(b) => ("bytes", bytes(b), None),
        FieldValue::Code(c, name) => ("code", c.into(), Some(name)),
        FieldValue::Secret(len) => ("secret", offset_value(len), None),
        #[allow(unreachable_patterns)] // `FieldValue` may grow
        _ => ("unknown", JsValue::NULL, None),
    }
}

/// Decodes like [`decode`] and lists every field with the bytes it came from, for a packet
/// inspector: `{fields, packet, length, error, needed}`.
///
/// `fields` is a tree: each node is `{key, kind, value, name, start, end, children}` with `key`
/// a stable snake_case name (`topic`, `packet_id`, `properties`, …), `kind` one of `group`,
/// `uint`, `bool`, `str`, `bytes`, `code` (then `name` is the specification's name of the
/// code) or `secret` (a password: `value` is its length, never its bytes), and `start`/`end`
/// byte offsets (end exclusive). For malformed input `error` is the `Error` that [`decode`]
/// throws and `fields` holds the fields that begin at or before the bad byte; for a partial
/// packet `needed` is the number of bytes missing.
#[wasm_bindgen]
pub fn inspect(
    bytes: &[u8],
    version: &str,
    #[wasm_bindgen(js_name = maxPacketSize)] max_packet_size: Option<u32>,
) -> Result<JsValue, JsValue> {
    let layout = decoder(version, max_packet_size)?.layout(bytes);
    let root = Array::new();
    // The children arrays of the open groups, by depth.
    let mut open: Vec<(u8, Array)> = Vec::new();
    for f in &layout.fields {
        while open.last().is_some_and(|(d, _)| *d >= f.depth) {
            open.pop();
        }
        let (kind, value, name) = field_value(f.value);
        let children = Array::new();
        let node = Obj::new()
            .set("key", f.key)
            .set("kind", kind)
            .set("value", value)
            .set("name", opt(name))
            .set("start", offset_value(f.start))
            .set("end", offset_value(f.end))
            .set("children", children.clone())
            .build();
        open.last().map_or(&root, |(_, c)| c).push(&node);
        open.push((f.depth, children));
    }
    let out = Obj::new().set("fields", root);
    Ok(match layout.result {
        Ok(d) => out
            .set("packet", packet_to_js(&d.packet))
            .set("length", offset_value(d.len))
            .set("error", JsValue::NULL)
            .set("needed", JsValue::NULL),
        Err(DecodeError::Incomplete(n)) => out
            .set("packet", JsValue::NULL)
            .set("length", JsValue::NULL)
            .set("error", JsValue::NULL)
            .set("needed", offset_value(n.bytes())),
        Err(DecodeError::Invalid { offset, violation }) => out
            .set("packet", JsValue::NULL)
            .set("length", JsValue::NULL)
            .set("error", malformed(offset, violation))
            .set("needed", JsValue::NULL),
    }
    .build())
}

fn qos(f: &mut Fields, key: &'static str) -> Result<QoS, JsValue> {
    let n: u8 = f.int(key)?.unwrap_or(0);
    QoS::from_u8(n).ok_or_else(|| invalid_argument("qos: 0, 1 or 2"))
}

fn packet_id(f: &mut Fields, required: bool) -> Result<Option<PacketId>, JsValue> {
    match f.int::<u16>("packetId")? {
        Some(n) => PacketId::new(n)
            .map(Some)
            .ok_or_else(|| invalid_argument("packetId: 1 to 65535")),
        None if required => Err(invalid_argument("packetId is required")),
        None => Ok(None),
    }
}

fn reason<T>(f: &mut Fields, default: T, from: fn(u8) -> Option<T>) -> Result<T, JsValue> {
    match f.int::<u8>("reason")? {
        Some(c) => {
            from(c).ok_or_else(|| invalid_argument("reason: not a code this packet may carry"))
        }
        None => Ok(default),
    }
}

/// Reads the optional `properties` field.
fn props_field(f: &mut Fields) -> Result<PropsIn, JsValue> {
    PropsIn::read(
        &f.get("properties").unwrap_or(JsValue::UNDEFINED),
        "properties",
    )
}

/// A subscription object `{filter, qos, noLocal, retainAsPublished, retainHandling}`.
pub(crate) fn subscription_in(v: &JsValue) -> Result<(String, SubscriptionOptions), JsValue> {
    let mut s = Fields::new(v, "subscription")?;
    let filter = s.req_str("filter")?;
    let options = SubscriptionOptions {
        qos: qos(&mut s, "qos")?,
        no_local: s.bool("noLocal")?.unwrap_or(false),
        retain_as_published: s.bool("retainAsPublished")?.unwrap_or(false),
        retain_handling: match s.int::<u8>("retainHandling")?.unwrap_or(0) {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(invalid_argument("retainHandling: 0, 1 or 2")),
        },
    };
    s.finish()?;
    Ok((filter, options))
}

/// Encodes `packet` (an object as [`decode`] returns) for a connection of `version`. A packet
/// that breaks a rule throws a usage `Error` whose `code` and `rule` name it.
#[wasm_bindgen]
pub fn encode(packet: &JsValue, version: &str) -> Result<Vec<u8>, JsValue> {
    let version = version_of(version)?;
    let mut f = Fields::new(packet, "packet")?;
    let ty = f.req_str("type")?;
    let mut out = Vec::new();
    let mut put = |p: &Packet<'_>| {
        core_encode(p, version, &mut out).map(drop).map_err(|e| {
            error(&iotmqtt::Error::Usage(iotmqtt::UsageError::Encode(
                match e {
                    iotmqtt::EncodeError::Invalid(v) => v,
                    // `encode` appends to a vector: it never runs out of room.
                    _ => iotmqtt::Violation::LengthMismatch,
                },
            )))
        })
    };
    macro_rules! ack {
        ($t:ident, $reason:ident, $default:ident) => {{
            let packet_id = packet_id(&mut f, true)?.ok_or_else(|| invalid_argument("packetId"))?;
            let reason = reason(&mut f, $reason::$default, $reason::from_u8)?;
            let props = props_field(&mut f)?;
            let list = props.list()?;
            f.finish()?;
            put(&Packet::$t($t {
                packet_id,
                reason,
                properties: Properties::new(&list),
            }))?;
        }};
    }
    match ty.as_str() {
        "connect" => {
            let protocol = match f.str("protocol")? {
                Some(p) => version_of(&p)?,
                None => version,
            };
            let clean_start = f.bool("cleanStart")?.unwrap_or(true);
            let keep_alive = f.int("keepAlive")?.unwrap_or(0);
            let props = props_field(&mut f)?;
            let client_id = f.str("clientId")?.unwrap_or_default();
            let will_in = match f.get("will") {
                Some(w) => {
                    let mut w = Fields::new(&w, "will")?;
                    let q = qos(&mut w, "qos")?;
                    let retain = w.bool("retain")?.unwrap_or(false);
                    let props = PropsIn::read(
                        &w.get("properties").unwrap_or(JsValue::UNDEFINED),
                        "will.properties",
                    )?;
                    let topic = w.req_str("topic")?;
                    let payload = w.bytes("payload")?.unwrap_or_default();
                    w.finish()?;
                    Some((q, retain, props, topic, payload))
                }
                None => None,
            };
            let username = f.str("username")?;
            let password = f.bytes("password")?;
            f.finish()?;
            let list = props.list()?;
            let will_list = match &will_in {
                Some((_, _, p, _, _)) => p.list()?,
                None => Vec::new(),
            };
            let will = will_in.as_ref().map(|(q, retain, _, topic, payload)| Will {
                qos: *q,
                retain: *retain,
                properties: Properties::new(&will_list),
                topic,
                payload,
            });
            put(&Packet::Connect(Connect {
                protocol,
                clean_start,
                keep_alive,
                properties: Properties::new(&list),
                client_id: &client_id,
                will,
                username: username.as_deref(),
                password: password.as_deref(),
            }))?;
        }
        "connack" => {
            let session_present = f.bool("sessionPresent")?.unwrap_or(false);
            let code: u8 = f.int("reason")?.unwrap_or(0);
            let reason = ConnectReason::from_u8(code)
                .ok_or_else(|| invalid_argument("reason: not a CONNACK reason code"))?;
            let props = props_field(&mut f)?;
            let list = props.list()?;
            f.finish()?;
            put(&Packet::Connack(Connack {
                session_present,
                reason,
                properties: Properties::new(&list),
            }))?;
        }
        "publish" => {
            let dup = f.bool("dup")?.unwrap_or(false);
            let q = qos(&mut f, "qos")?;
            let retain = f.bool("retain")?.unwrap_or(false);
            let topic = f.str("topic")?.unwrap_or_default();
            let packet_id = packet_id(&mut f, false)?;
            let props = props_field(&mut f)?;
            let payload = f.bytes("payload")?.unwrap_or_default();
            let list = props.list()?;
            f.finish()?;
            put(&Packet::Publish(Publish {
                dup,
                qos: q,
                retain,
                topic: &topic,
                packet_id,
                properties: Properties::new(&list),
                payload: &payload,
            }))?;
        }
        "puback" => ack!(PubAck, PubAckReason, Success),
        "pubrec" => ack!(PubRec, PubAckReason, Success),
        "pubrel" => ack!(PubRel, PubRelReason, Success),
        "pubcomp" => ack!(PubComp, PubRelReason, Success),
        "subscribe" => {
            let packet_id = packet_id(&mut f, true)?.ok_or_else(|| invalid_argument("packetId"))?;
            let props = props_field(&mut f)?;
            let subs = items(
                &f.get("subscriptions").unwrap_or(JsValue::UNDEFINED),
                "subscriptions",
            )?
            .iter()
            .map(subscription_in)
            .collect::<Result<Vec<_>, _>>()?;
            f.finish()?;
            let list = props.list()?;
            let subs: Vec<Subscription<'_>> = subs
                .iter()
                .map(|(filter, options)| Subscription {
                    filter,
                    options: *options,
                })
                .collect();
            put(&Packet::Subscribe(Subscribe {
                packet_id,
                properties: Properties::new(&list),
                subscriptions: List::new(&subs),
            }))?;
        }
        "suback" | "unsuback" => {
            let packet_id = packet_id(&mut f, true)?.ok_or_else(|| invalid_argument("packetId"))?;
            let props = props_field(&mut f)?;
            let codes = items(&f.get("reasons").unwrap_or(JsValue::UNDEFINED), "reasons")?
                .iter()
                .map(|c| int_of::<u8>(c, "reasons"))
                .collect::<Result<Vec<u8>, _>>()?;
            f.finish()?;
            let list = props.list()?;
            let bad = || invalid_argument("reasons: not a code this packet may carry");
            if ty == "suback" {
                let reasons = codes
                    .iter()
                    .map(|c| SubAckReason::from_u8(*c).ok_or_else(bad))
                    .collect::<Result<Vec<_>, _>>()?;
                put(&Packet::SubAck(SubAck {
                    packet_id,
                    properties: Properties::new(&list),
                    reasons: List::new(&reasons),
                }))?;
            } else {
                let reasons = codes
                    .iter()
                    .map(|c| UnsubAckReason::from_u8(*c).ok_or_else(bad))
                    .collect::<Result<Vec<_>, _>>()?;
                put(&Packet::UnsubAck(UnsubAck {
                    packet_id,
                    properties: Properties::new(&list),
                    reasons: List::new(&reasons),
                }))?;
            }
        }
        "unsubscribe" => {
            let packet_id = packet_id(&mut f, true)?.ok_or_else(|| invalid_argument("packetId"))?;
            let props = props_field(&mut f)?;
            let filters = items(&f.get("filters").unwrap_or(JsValue::UNDEFINED), "filters")?
                .iter()
                .map(|v| crate::js::string_of(v, "filters"))
                .collect::<Result<Vec<String>, _>>()?;
            f.finish()?;
            let list = props.list()?;
            let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
            put(&Packet::Unsubscribe(Unsubscribe {
                packet_id,
                properties: Properties::new(&list),
                filters: List::new(&filters),
            }))?;
        }
        "pingreq" | "pingresp" => {
            f.finish()?;
            put(if ty == "pingreq" {
                &Packet::PingReq
            } else {
                &Packet::PingResp
            })?;
        }
        "disconnect" => {
            let reason = reason(
                &mut f,
                DisconnectReason::NormalDisconnection,
                DisconnectReason::from_u8,
            )?;
            let props = props_field(&mut f)?;
            let list = props.list()?;
            f.finish()?;
            put(&Packet::Disconnect(Disconnect {
                reason,
                properties: Properties::new(&list),
            }))?;
        }
        "auth" => {
            let reason = reason(&mut f, AuthReason::Success, AuthReason::from_u8)?;
            let props = props_field(&mut f)?;
            let list = props.list()?;
            f.finish()?;
            put(&Packet::Auth(Auth {
                reason,
                properties: Properties::new(&list),
            }))?;
        }
        _ => {
            return Err(invalid_argument(
                "packet.type: a packet name such as \"publish\"",
            ));
        }
    }
    Ok(out)
}
