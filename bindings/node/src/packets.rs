//! The codec: `decode`, `decodeAll`, `encode` and the streaming `Decoder`. Packets are plain
//! objects `{type, …fields}` with camelCase keys; strings are strings and binary data `Buffer`s.

use iotmqtt::{
    Auth, AuthReason, Connack, Connect, ConnectReason, DecodeError, Decoder as CoreDecoder,
    Disconnect, DisconnectReason, List, Packet, PacketId, Properties, ProtocolVersion, PubAck,
    PubAckReason, PubComp, PubCompReason, PubRec, PubRecReason, PubRel, PubRelReason, Publish, QoS,
    RetainHandling, SubAck, SubAckReason, Subscribe, Subscription, SubscriptionOptions, UnsubAck,
    UnsubAckReason, Unsubscribe, Will, encode as core_encode,
};
use napi::bindgen_prelude::{Array, Buffer, Env, Null, Object, Uint32Array};
use napi_derive::napi;

use crate::convert::{
    BytesArg, buffer, bytes_of, field, int_field, qos_of, required, version_name, version_of,
};
use crate::errors::{OrThrow, Result, bad_arg, f64_of, throw_decode};
use crate::props::{PropsIn, to_js as props_to_js};

/// Decoding options.
#[napi(object)]
pub struct DecodeOptions {
    /// The largest whole packet accepted, in bytes (default: the protocol's maximum).
    pub max_packet_size: Option<u32>,
}

fn decoder(env: &Env, version: &str, options: Option<&DecodeOptions>) -> Result<CoreDecoder> {
    let mut d = CoreDecoder::new(version_of(env, version)?);
    if let Some(max) = options.and_then(|o| o.max_packet_size) {
        d = d.with_max_packet_size(max);
    }
    Ok(d)
}

/// The JavaScript object of a decoded packet.
pub(crate) fn packet_to_js<'e>(env: &'e Env, p: &Packet<'_>) -> Result<Object<'e>> {
    let mut o = Object::new(env)?;
    match p {
        Packet::Publish(x) => {
            o.set("type", "publish")?;
            o.set("dup", x.dup)?;
            o.set("qos", x.qos as u32)?;
            o.set("retain", x.retain)?;
            o.set("topic", x.topic)?;
            o.set("packetId", x.packet_id.map(|i| u32::from(i.get())))?;
            o.set("properties", props_to_js(env, &x.properties)?)?;
            o.set("payload", buffer(env, x.payload)?)?;
        }
        Packet::Connect(c) => {
            o.set("type", "connect")?;
            o.set("protocol", version_name(c.protocol))?;
            o.set("cleanStart", c.clean_start)?;
            o.set("keepAlive", u32::from(c.keep_alive))?;
            o.set("properties", props_to_js(env, &c.properties)?)?;
            o.set("clientId", c.client_id)?;
            match &c.will {
                Some(w) => {
                    let mut wo = Object::new(env)?;
                    wo.set("qos", w.qos as u32)?;
                    wo.set("retain", w.retain)?;
                    wo.set("properties", props_to_js(env, &w.properties)?)?;
                    wo.set("topic", w.topic)?;
                    wo.set("payload", buffer(env, w.payload)?)?;
                    o.set("will", wo)?;
                }
                None => o.set("will", Null)?,
            }
            o.set("username", c.username)?;
            match c.password {
                Some(pw) => o.set("password", buffer(env, pw)?)?,
                None => o.set("password", Null)?,
            }
        }
        Packet::Connack(c) => {
            o.set("type", "connack")?;
            o.set("sessionPresent", c.session_present)?;
            o.set("reason", u32::from(c.reason.as_u8()))?;
            o.set("properties", props_to_js(env, &c.properties)?)?;
        }
        Packet::PubAck(a) => ack(
            env,
            &mut o,
            "puback",
            a.packet_id,
            a.reason.as_u8(),
            &a.properties,
        )?,
        Packet::PubRec(a) => ack(
            env,
            &mut o,
            "pubrec",
            a.packet_id,
            a.reason.as_u8(),
            &a.properties,
        )?,
        Packet::PubRel(a) => ack(
            env,
            &mut o,
            "pubrel",
            a.packet_id,
            a.reason.as_u8(),
            &a.properties,
        )?,
        Packet::PubComp(a) => {
            ack(
                env,
                &mut o,
                "pubcomp",
                a.packet_id,
                a.reason.as_u8(),
                &a.properties,
            )?;
        }
        Packet::Subscribe(s) => {
            o.set("type", "subscribe")?;
            o.set("packetId", u32::from(s.packet_id.get()))?;
            o.set("properties", props_to_js(env, &s.properties)?)?;
            let mut arr = env.create_array(0)?;
            for x in s.subscriptions.iter() {
                let mut so = Object::new(env)?;
                so.set("filter", x.filter)?;
                so.set("qos", x.options.qos as u32)?;
                so.set("noLocal", x.options.no_local)?;
                so.set("retainAsPublished", x.options.retain_as_published)?;
                so.set("retainHandling", x.options.retain_handling as u32)?;
                arr.insert(so)?;
            }
            o.set("subscriptions", arr)?;
        }
        Packet::SubAck(s) => {
            o.set("type", "suback")?;
            o.set("packetId", u32::from(s.packet_id.get()))?;
            o.set("properties", props_to_js(env, &s.properties)?)?;
            let reasons: Vec<u32> = s.reasons.iter().map(|r| u32::from(r.as_u8())).collect();
            o.set("reasons", reasons)?;
        }
        Packet::Unsubscribe(u) => {
            o.set("type", "unsubscribe")?;
            o.set("packetId", u32::from(u.packet_id.get()))?;
            o.set("properties", props_to_js(env, &u.properties)?)?;
            let filters: Vec<&str> = u.filters.iter().collect();
            o.set("filters", filters)?;
        }
        Packet::UnsubAck(u) => {
            o.set("type", "unsuback")?;
            o.set("packetId", u32::from(u.packet_id.get()))?;
            o.set("properties", props_to_js(env, &u.properties)?)?;
            let reasons: Vec<u32> = u.reasons.iter().map(|r| u32::from(r.as_u8())).collect();
            o.set("reasons", reasons)?;
        }
        Packet::PingReq => o.set("type", "pingreq")?,
        Packet::PingResp => o.set("type", "pingresp")?,
        Packet::Disconnect(d) => {
            o.set("type", "disconnect")?;
            o.set("reason", u32::from(d.reason.as_u8()))?;
            o.set("properties", props_to_js(env, &d.properties)?)?;
        }
        Packet::Auth(a) => {
            o.set("type", "auth")?;
            o.set("reason", u32::from(a.reason.as_u8()))?;
            o.set("properties", props_to_js(env, &a.properties)?)?;
        }
    }
    Ok(o)
}

fn ack(
    env: &Env,
    o: &mut Object<'_>,
    ty: &str,
    id: PacketId,
    reason: u8,
    props: &Properties<'_>,
) -> Result<()> {
    o.set("type", ty)?;
    o.set("packetId", u32::from(id.get()))?;
    o.set("reason", u32::from(reason))?;
    o.set("properties", props_to_js(env, props)?)
}

/// Decodes the packet at the start of `bytes` for a connection of `version` (`"3.1.1"` or
/// `"5"`). A malformed packet throws an `Error` with `kind: "malformed"`, the violated rule's
/// `code` and the byte `offset`.
///
/// Returns `{packet, length, needed: null, exact: null}`, or for a partial packet
/// `{packet: null, length: 0, needed, exact}`: `needed` more bytes are needed, exactly when
/// `exact` (the fixed header was complete), else at least.
#[napi(
    ts_args_type = "bytes: Uint8Array, version: ProtocolVersion, options?: DecodeOptions",
    ts_return_type = "Decoded"
)]
pub fn decode<'e>(
    env: &'e Env,
    bytes: &[u8],
    version: String,
    options: Option<DecodeOptions>,
) -> Result<Object<'e>> {
    let d = decoder(env, &version, options.as_ref())?;
    let mut o = Object::new(env)?;
    match d.decode(bytes) {
        Ok(x) => {
            o.set("packet", packet_to_js(env, &x.packet)?)?;
            o.set("length", f64_of(x.len))?;
            o.set("needed", Null)?;
            o.set("exact", Null)?;
        }
        Err(DecodeError::Incomplete(n)) => {
            o.set("packet", Null)?;
            o.set("length", 0)?;
            o.set("needed", f64_of(n.bytes()))?;
            o.set("exact", matches!(n, iotmqtt::Needed::Exact(_)))?;
        }
        Err(e) => return Err(throw_decode(env, e, 0)),
    }
    Ok(o)
}

/// Every whole packet in `chunk`, decoded in one call.
#[napi(object)]
pub struct DecodedAll<'e> {
    /// The packets, in order.
    #[napi(ts_type = "Packet[]")]
    pub packets: Array<'e>,
    /// Bytes they used; the rest of `chunk` is the start of a packet still incomplete.
    pub consumed: f64,
}

/// Decodes every whole packet in `chunk` at once (one native call for many packets). The bytes
/// after the last whole packet are left (`consumed` says where they start). A malformed packet
/// throws, with `offset` counted from the start of `chunk`.
#[napi(ts_args_type = "chunk: Uint8Array, version: ProtocolVersion, options?: DecodeOptions")]
pub fn decode_all<'e>(
    env: &'e Env,
    chunk: &[u8],
    version: String,
    options: Option<DecodeOptions>,
) -> Result<DecodedAll<'e>> {
    let d = decoder(env, &version, options.as_ref())?;
    let mut packets = env.create_array(0)?;
    let consumed = decode_into(env, d, chunk, &mut packets)?;
    Ok(DecodedAll {
        packets,
        consumed: f64_of(consumed),
    })
}

/// Decodes whole packets from `chunk` into `out`; returns the bytes used.
fn decode_into(env: &Env, d: CoreDecoder, chunk: &[u8], out: &mut Array<'_>) -> Result<usize> {
    let mut at = 0usize;
    while let Some(rest) = chunk.get(at..) {
        if rest.is_empty() {
            break;
        }
        match d.decode(rest) {
            Ok(x) => {
                out.insert(packet_to_js(env, &x.packet)?)?;
                at = at.saturating_add(x.len);
            }
            Err(DecodeError::Incomplete(_)) => break,
            Err(e) => return Err(throw_decode(env, e, at)),
        }
    }
    Ok(at)
}

/// A streaming decoder: push chunks of a byte stream in any split, get whole packets back. It
/// keeps at most one partial packet (bounded by `maxPacketSize`).
#[napi]
pub struct Decoder {
    decoder: CoreDecoder,
    pending: Vec<u8>,
}

#[napi]
impl Decoder {
    /// A decoder for a connection of `version`.
    #[napi(
        constructor,
        ts_args_type = "version: ProtocolVersion, options?: DecodeOptions"
    )]
    pub fn new(env: &Env, version: String, options: Option<DecodeOptions>) -> napi::Result<Self> {
        Ok(Decoder {
            decoder: decoder(env, &version, options.as_ref())?,
            pending: Vec::new(),
        })
    }

    /// The packets completed by `chunk`, in order. After a malformed packet (thrown) the
    /// decoder is reset: a stream cannot be resynchronised.
    #[napi(ts_return_type = "Packet[]")]
    pub fn push<'e>(&mut self, env: &'e Env, chunk: &[u8]) -> Result<Array<'e>> {
        let mut out = env.create_array(0)?;
        let result = if self.pending.is_empty() {
            decode_into(env, self.decoder, chunk, &mut out).map(|used| {
                if let Some(rest) = chunk.get(used..) {
                    self.pending.extend_from_slice(rest);
                }
            })
        } else {
            self.pending.extend_from_slice(chunk);
            let pending = std::mem::take(&mut self.pending);
            decode_into(env, self.decoder, &pending, &mut out).map(|used| {
                if let Some(rest) = pending.get(used..) {
                    self.pending.extend_from_slice(rest);
                }
            })
        };
        if result.is_err() {
            self.pending.clear();
        }
        result.map(|()| out)
    }

    /// Bytes held of a packet not yet complete.
    #[napi(getter)]
    pub fn buffered(&self) -> f64 {
        f64_of(self.pending.len())
    }

    /// Drops any partial packet.
    #[napi]
    pub fn reset(&mut self) {
        self.pending.clear();
    }
}

/// Encodes a packet object (as `decode` returns them) for a connection of `version`. A packet
/// that breaks a rule throws (`kind: "usage"`, the rule's `code`).
#[napi(ts_args_type = "packet: Packet | PacketInput, version: ProtocolVersion")]
pub fn encode(env: &Env, packet: Object<'_>, version: String) -> Result<Buffer> {
    let v = version_of(env, &version)?;
    encode_obj(env, &packet, v).map(Buffer::from)
}

fn packet_id(env: &Env, obj: &Object<'_>) -> Result<PacketId> {
    int_field::<u16>(env, obj, "packetId", "packetId: 1 to 65,535")?
        .and_then(PacketId::new)
        .ok_or_else(|| bad_arg(env, "packetId: 1 to 65,535"))
}

fn reason_u8(env: &Env, obj: &Object<'_>) -> Result<u8> {
    Ok(int_field::<u8>(env, obj, "reason", "reason: a reason code")?.unwrap_or(0))
}

fn reason<T>(env: &Env, obj: &Object<'_>, from: fn(u8) -> Option<T>) -> Result<T> {
    from(reason_u8(env, obj)?).ok_or_else(|| bad_arg(env, "reason: a reason code of this packet"))
}

fn flag(obj: &Object<'_>, key: &str) -> Result<bool> {
    Ok(field::<bool>(obj, key)?.unwrap_or(false))
}

fn qos_field(env: &Env, obj: &Object<'_>, key: &str) -> Result<QoS> {
    qos_of(env, int_field::<u32>(env, obj, key, "qos: 0, 1 or 2")?)
}

fn bytes_field(obj: &Object<'_>, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(field::<BytesArg>(obj, key)?.map(|b| bytes_of(&b)))
}

fn props_field(env: &Env, obj: &Object<'_>, key: &str) -> Result<PropsIn> {
    PropsIn::read(env, field::<Object<'_>>(obj, key)?.as_ref())
}

/// An input subscription (`{filter, qos, noLocal, retainAsPublished, retainHandling}`), owned.
pub(crate) struct SubIn {
    filter: String,
    options: SubscriptionOptions,
}

impl SubIn {
    /// Reads one subscription object.
    pub(crate) fn read(env: &Env, obj: &Object<'_>) -> Result<Self> {
        let retain_handling = match int_field::<u8>(env, obj, "retainHandling", "retainHandling")? {
            None | Some(0) => RetainHandling::SendAtSubscribe,
            Some(1) => RetainHandling::SendIfNew,
            Some(2) => RetainHandling::DoNotSend,
            Some(_) => return Err(bad_arg(env, "retainHandling: 0, 1 or 2")),
        };
        Ok(SubIn {
            filter: required(env, obj, "filter", "filter: a topic filter string")?,
            options: SubscriptionOptions {
                qos: qos_field(env, obj, "qos")?,
                no_local: flag(obj, "noLocal")?,
                retain_as_published: flag(obj, "retainAsPublished")?,
                retain_handling,
            },
        })
    }

    /// The codec's subscription, borrowing the filter.
    pub(crate) fn get(&self) -> Subscription<'_> {
        Subscription {
            filter: &self.filter,
            options: self.options,
        }
    }
}

fn encode_obj(env: &Env, obj: &Object<'_>, v: ProtocolVersion) -> Result<Vec<u8>> {
    let ty: String = required(env, obj, "type", "type: a packet type name")?;
    let props_in = props_field(env, obj, "properties")?;
    let list = props_in.list(env)?;
    let properties = Properties::new(&list);
    let mut out = Vec::new();
    let mut put = |p: Packet<'_>| core_encode(&p, v, &mut out).map(|_| ()).or_throw(env);
    match ty.as_str() {
        "publish" => {
            let topic: String = required(env, obj, "topic", "topic: a string")?;
            let payload = bytes_field(obj, "payload")?.unwrap_or_default();
            let qos = qos_field(env, obj, "qos")?;
            let packet_id = match field::<f64>(obj, "packetId")? {
                None => None,
                Some(_) => Some(packet_id(env, obj)?),
            };
            put(Packet::Publish(Publish {
                dup: flag(obj, "dup")?,
                qos,
                retain: flag(obj, "retain")?,
                topic: &topic,
                packet_id,
                properties,
                payload: &payload,
            }))?;
        }
        "connect" => {
            let protocol = match field::<String>(obj, "protocol")? {
                Some(p) => version_of(env, &p)?,
                None => v,
            };
            let client_id: String = field(obj, "clientId")?.unwrap_or_default();
            let username: Option<String> = field(obj, "username")?;
            let password = bytes_field(obj, "password")?;
            let will_obj: Option<Object<'_>> = field(obj, "will")?;
            let will_parts = match &will_obj {
                Some(w) => Some((
                    required::<String>(env, w, "topic", "will.topic: a string")?,
                    bytes_field(w, "payload")?.unwrap_or_default(),
                    qos_field(env, w, "qos")?,
                    flag(w, "retain")?,
                    props_field(env, w, "properties")?,
                )),
                None => None,
            };
            let will_list = match &will_parts {
                Some(w) => w.4.list(env)?,
                None => Vec::new(),
            };
            let will = will_parts.as_ref().map(|w| Will {
                qos: w.2,
                retain: w.3,
                properties: Properties::new(&will_list),
                topic: &w.0,
                payload: &w.1,
            });
            put(Packet::Connect(Connect {
                protocol,
                clean_start: flag(obj, "cleanStart")?,
                keep_alive: int_field::<u16>(env, obj, "keepAlive", "keepAlive: 0 to 65,535")?
                    .unwrap_or(0),
                properties,
                client_id: &client_id,
                will,
                username: username.as_deref(),
                password: password.as_deref(),
            }))?;
        }
        "connack" => put(Packet::Connack(Connack {
            session_present: flag(obj, "sessionPresent")?,
            reason: reason(env, obj, ConnectReason::from_u8)?,
            properties,
        }))?,
        "puback" => put(Packet::PubAck(PubAck {
            packet_id: packet_id(env, obj)?,
            reason: reason(env, obj, PubAckReason::from_u8)?,
            properties,
        }))?,
        "pubrec" => put(Packet::PubRec(PubRec {
            packet_id: packet_id(env, obj)?,
            reason: reason(env, obj, PubRecReason::from_u8)?,
            properties,
        }))?,
        "pubrel" => put(Packet::PubRel(PubRel {
            packet_id: packet_id(env, obj)?,
            reason: reason(env, obj, PubRelReason::from_u8)?,
            properties,
        }))?,
        "pubcomp" => put(Packet::PubComp(PubComp {
            packet_id: packet_id(env, obj)?,
            reason: reason(env, obj, PubCompReason::from_u8)?,
            properties,
        }))?,
        "subscribe" => {
            let arr: Vec<Object<'_>> =
                required(env, obj, "subscriptions", "subscriptions: an array")?;
            let subs = arr
                .iter()
                .map(|s| SubIn::read(env, s))
                .collect::<Result<Vec<_>>>()?;
            let items: Vec<Subscription<'_>> = subs.iter().map(SubIn::get).collect();
            put(Packet::Subscribe(Subscribe {
                packet_id: packet_id(env, obj)?,
                properties,
                subscriptions: List::new(&items),
            }))?;
        }
        "suback" => {
            let codes: Vec<u32> = required(env, obj, "reasons", "reasons: an array")?;
            let reasons = codes
                .iter()
                .map(|c| {
                    u8::try_from(*c)
                        .ok()
                        .and_then(SubAckReason::from_u8)
                        .ok_or_else(|| bad_arg(env, "reasons: SUBACK reason codes"))
                })
                .collect::<Result<Vec<_>>>()?;
            put(Packet::SubAck(SubAck {
                packet_id: packet_id(env, obj)?,
                properties,
                reasons: List::new(&reasons),
            }))?;
        }
        "unsubscribe" => {
            let filters: Vec<String> = required(env, obj, "filters", "filters: an array")?;
            let refs: Vec<&str> = filters.iter().map(String::as_str).collect();
            put(Packet::Unsubscribe(Unsubscribe {
                packet_id: packet_id(env, obj)?,
                properties,
                filters: List::new(&refs),
            }))?;
        }
        "unsuback" => {
            let codes: Vec<u32> = field(obj, "reasons")?.unwrap_or_default();
            let reasons = codes
                .iter()
                .map(|c| {
                    u8::try_from(*c)
                        .ok()
                        .and_then(UnsubAckReason::from_u8)
                        .ok_or_else(|| bad_arg(env, "reasons: UNSUBACK reason codes"))
                })
                .collect::<Result<Vec<_>>>()?;
            put(Packet::UnsubAck(UnsubAck {
                packet_id: packet_id(env, obj)?,
                properties,
                reasons: List::new(&reasons),
            }))?;
        }
        "pingreq" => put(Packet::PingReq)?,
        "pingresp" => put(Packet::PingResp)?,
        "disconnect" => put(Packet::Disconnect(Disconnect {
            reason: reason(env, obj, DisconnectReason::from_u8)?,
            properties,
        }))?,
        "auth" => put(Packet::Auth(Auth {
            reason: reason(env, obj, AuthReason::from_u8)?,
            properties,
        }))?,
        _ => return Err(bad_arg(env, "type: a packet type name")),
    }
    Ok(out)
}

// ---------------------------------------------------------------- the batched fast path

/// Descriptor kind: a PUBLISH without properties, given by offsets.
const KIND_PUBLISH: u32 = 0;
/// Descriptor kind: the next object of the object list (any other packet).
const KIND_OBJECT: u32 = 1;

/// Where the packets of one batch are: descriptors (offsets into the chunk or the carry
/// buffer), and objects for the packets without a short form.
struct Batch<'e> {
    slots: Vec<u32>,
    objects: Array<'e>,
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Offset of `part` within `whole` (`part` is a subslice of `whole`).
fn offset_in(whole: &[u8], part: &[u8]) -> u32 {
    u32_of(part.as_ptr().addr().saturating_sub(whole.as_ptr().addr()))
}

impl<'e> Batch<'e> {
    fn new(env: &'e Env) -> Result<Self> {
        Ok(Batch {
            slots: Vec::new(),
            objects: env.create_array(0)?,
        })
    }

    /// Adds one decoded packet of `source` (0: the chunk, 1: the carry buffer).
    fn add(&mut self, env: &Env, buf: &[u8], p: &Packet<'_>, source: u32) -> Result<()> {
        match p {
            Packet::Publish(x) if x.properties.is_empty() => {
                let flags = (u32::from(x.dup) << 3) | ((x.qos as u32) << 1) | u32::from(x.retain);
                let ascii = u32::from(x.topic.is_ascii());
                self.slots.extend_from_slice(&[
                    KIND_PUBLISH | (ascii << 8),
                    flags,
                    x.packet_id.map_or(0, |i| u32::from(i.get())),
                    offset_in(buf, x.topic.as_bytes()),
                    u32_of(x.topic.len()),
                    offset_in(buf, x.payload),
                    u32_of(x.payload.len()),
                    source,
                ]);
            }
            other => {
                self.objects.insert(packet_to_js(env, other)?)?;
                self.slots
                    .extend_from_slice(&[KIND_OBJECT, 0, 0, 0, 0, 0, 0, source]);
            }
        }
        Ok(())
    }

    /// `[descriptors, carry, objects, consumed]` for the JavaScript side.
    fn finish(self, env: &'e Env, carry: Option<Vec<u8>>, consumed: usize) -> Result<Array<'e>> {
        let mut out = env.create_array(4)?;
        out.set(0, Uint32Array::new(self.slots))?;
        match carry {
            Some(c) => out.set(1, Buffer::from(c))?,
            None => out.set(1, Null)?,
        }
        out.set(2, self.objects)?;
        out.set(3, f64_of(consumed))?;
        Ok(out)
    }
}

/// Decodes every whole packet of `chunk` from `from` on into `batch` (offsets count from the
/// start of `chunk`); returns where the undecoded tail begins.
fn decode_batch(
    env: &Env,
    d: CoreDecoder,
    chunk: &[u8],
    from: usize,
    batch: &mut Batch<'_>,
) -> Result<usize> {
    let mut at = from;
    while let Some(rest) = chunk.get(at..) {
        if rest.is_empty() {
            break;
        }
        match d.decode(rest) {
            Ok(x) => {
                batch.add(env, chunk, &x.packet, 0)?;
                at = at.saturating_add(x.len);
            }
            Err(DecodeError::Incomplete(_)) => break,
            Err(e) => return Err(throw_decode(env, e, at)),
        }
    }
    Ok(at)
}

/// The batched form of [`decode_all`] that `node/lib/codec.js` turns into packet objects:
/// `[descriptors, null, objects, consumed]`, eight `u32` per packet (kind, flags, packet id,
/// topic offset and length, payload offset and length, source). One native call per chunk, and
/// the payloads become views of the chunk instead of copies.
#[napi(
    ts_args_type = "chunk: Uint8Array, version: ProtocolVersion, options?: DecodeOptions",
    ts_return_type = "[Uint32Array, Buffer | null, Packet[], number]"
)]
pub fn decode_all_raw<'e>(
    env: &'e Env,
    chunk: &[u8],
    version: String,
    options: Option<DecodeOptions>,
) -> Result<Array<'e>> {
    let d = decoder(env, &version, options.as_ref())?;
    let mut batch = Batch::new(env)?;
    let used = decode_batch(env, d, chunk, 0, &mut batch)?;
    batch.finish(env, None, used)
}

#[napi]
impl Decoder {
    /// The batched form of `push` that `node/lib/codec.js` turns into packet objects:
    /// `[descriptors, carry, objects, consumed]`. A packet that began in an earlier chunk is
    /// decoded from `carry`, a copy of its bytes (descriptor source 1); the others are offsets
    /// into `chunk` (source 0).
    #[napi(ts_return_type = "[Uint32Array, Buffer | null, Packet[], number]")]
    pub fn push_raw<'e>(&mut self, env: &'e Env, chunk: &[u8]) -> Result<Array<'e>> {
        let mut batch = Batch::new(env)?;
        let result = self.push_into(env, chunk, &mut batch);
        match result {
            Ok((carry, used)) => batch.finish(env, carry, used),
            Err(e) => {
                self.pending.clear();
                Err(e)
            }
        }
    }
}

impl Decoder {
    /// Completes a pending packet from the front of `chunk` (into a carry buffer), then decodes
    /// the rest of `chunk` in place and keeps its tail.
    fn push_into(
        &mut self,
        env: &Env,
        chunk: &[u8],
        batch: &mut Batch<'_>,
    ) -> Result<(Option<Vec<u8>>, usize)> {
        let mut start = 0usize;
        let mut carry = None;
        if !self.pending.is_empty() {
            // The fixed header needs at most five bytes: look at the pending ones and the front
            // of this chunk together.
            let mut head = self.pending.clone();
            head.extend(chunk.iter().take(5));
            let total = match self.decoder.header(&head) {
                Ok(h) => h.packet_len(),
                Err(DecodeError::Incomplete(_)) => {
                    self.pending.extend_from_slice(chunk);
                    return Ok((None, chunk.len()));
                }
                Err(e) => return Err(throw_decode(env, e, 0)),
            };
            let need = total.saturating_sub(self.pending.len());
            let Some(front) = chunk.get(..need) else {
                self.pending.extend_from_slice(chunk);
                return Ok((None, chunk.len()));
            };
            let mut whole = std::mem::take(&mut self.pending);
            whole.extend_from_slice(front);
            match self.decoder.decode(&whole) {
                Ok(x) => batch.add(env, &whole, &x.packet, 1)?,
                Err(e) => return Err(throw_decode(env, e, 0)),
            }
            carry = Some(whole);
            start = need;
        }
        let end = decode_batch(env, self.decoder, chunk, start, batch)?;
        if let Some(tail) = chunk.get(end..) {
            self.pending.extend_from_slice(tail);
        }
        Ok((carry, chunk.len()))
    }
}
