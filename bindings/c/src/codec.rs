//! `iotmqtt_codec`: decoding and encoding single packets with the core's codec.
//!
//! A codec handle holds the protocol version, the largest packet it accepts, and the lists a
//! decoded packet points to. Decoding borrows: the strings and payload of a decoded
//! `iotmqtt_packet` point into the caller's input, its lists (properties, subscriptions,
//! filters, reason codes) into the handle; both stay valid until the next call on the handle,
//! as long as the input is not changed or freed.

use iotmqtt::{
    Auth, AuthReason, Connack, Connect, ConnectReason, DecodeError, Decoder, Disconnect,
    DisconnectReason, EncodeError, List, Needed, Packet as CorePacket, PacketId,
    Properties as CoreProperties, Property as CoreProperty, PubAck, PubAckReason, PubComp,
    PubCompReason, PubRec, PubRecReason, PubRel, PubRelReason, Publish, SubAck, SubAckReason,
    Subscribe, Subscription as CoreSubscription, UnsubAck, UnsubAckReason, Unsubscribe, Will,
    encode_to_slice,
};

use crate::client::options_in;
use crate::error::{ErrorInfo, ErrorSlot, Failure, Status};
use crate::ffi::{FfiResult, Handle, buffer, guard, in_ref, out_ptr, slice, with_handle};
use crate::types::{Bytes, Properties, Property, Str, properties_out, qos_in, version_in};

/// The control packet types (MQTT 5.0 §2.1.2), the values of `iotmqtt_packet.type`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    /// CONNECT.
    Connect = 1,
    /// CONNACK.
    Connack = 2,
    /// PUBLISH.
    Publish = 3,
    /// PUBACK.
    Puback = 4,
    /// PUBREC.
    Pubrec = 5,
    /// PUBREL.
    Pubrel = 6,
    /// PUBCOMP.
    Pubcomp = 7,
    /// SUBSCRIBE.
    Subscribe = 8,
    /// SUBACK.
    Suback = 9,
    /// UNSUBSCRIBE.
    Unsubscribe = 10,
    /// UNSUBACK.
    Unsuback = 11,
    /// PINGREQ.
    Pingreq = 12,
    /// PINGRESP.
    Pingresp = 13,
    /// DISCONNECT.
    Disconnect = 14,
    /// AUTH.
    Auth = 15,
}

/// One subscription of a SUBSCRIBE packet.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PacketSubscription {
    /// The topic filter.
    pub filter: Str,
    /// Maximum QoS, an `iotmqtt_qos`.
    pub qos: u8,
    /// No Local.
    pub no_local: bool,
    /// Retain As Published.
    pub retain_as_published: bool,
    /// Retain Handling: 0, 1 or 2.
    pub retain_handling: u8,
}

/// The Will of a CONNECT packet.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PacketWill {
    /// QoS, an `iotmqtt_qos`.
    pub qos: u8,
    /// Retain.
    pub retain: bool,
    /// Will properties (5.0).
    pub properties: Properties,
    /// Will Topic.
    pub topic: Str,
    /// Will Payload.
    pub payload: Bytes,
}

/// Any MQTT control packet, as one flat struct: `type` (an `iotmqtt_packet_type`) says which
/// fields are meaningful, the others are zero. A zeroed struct with `type` set is a valid
/// start for `iotmqtt_codec_encode`.
///
/// | type | fields |
/// |---|---|
/// | CONNECT | `protocol`, `clean_start`, `keep_alive`, `client_id`, `has_will`, `will`, `username`, `password`, `properties` |
/// | CONNACK | `session_present`, `reason`, `properties` |
/// | PUBLISH | `dup`, `qos`, `retain`, `topic`, `packet_id` (0 at QoS 0), `payload`, `properties` |
/// | PUBACK, PUBREC, PUBREL, PUBCOMP | `packet_id`, `reason`, `properties` |
/// | SUBSCRIBE | `packet_id`, `subscriptions`, `properties` |
/// | SUBACK, UNSUBACK | `packet_id`, `reasons`, `properties` |
/// | UNSUBSCRIBE | `packet_id`, `filters`, `properties` |
/// | PINGREQ, PINGRESP | none |
/// | DISCONNECT, AUTH | `reason`, `properties` |
///
/// Reason codes are MQTT 5.0 values, also in 3.1.1 (a CONNACK return code is mapped onto the
/// 5.0 code with the same meaning).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Packet {
    /// The packet type, an `iotmqtt_packet_type`.
    pub r#type: u8,
    /// CONNECT: the protocol version it asks for, an `iotmqtt_protocol_version`.
    pub protocol: u8,
    /// CONNECT: Clean Start / Clean Session.
    pub clean_start: bool,
    /// CONNECT: Keep Alive in seconds.
    pub keep_alive: u16,
    /// CONNECT: Client Identifier.
    pub client_id: Str,
    /// CONNECT: whether `will` is present.
    pub has_will: bool,
    /// CONNECT: the Will.
    pub will: PacketWill,
    /// CONNECT: User Name (NULL pointer: none).
    pub username: Str,
    /// CONNECT: Password (NULL pointer: none).
    pub password: Bytes,
    /// CONNACK: Session Present.
    pub session_present: bool,
    /// PUBLISH: DUP.
    pub dup: bool,
    /// PUBLISH: QoS, an `iotmqtt_qos`.
    pub qos: u8,
    /// PUBLISH: RETAIN.
    pub retain: bool,
    /// PUBLISH: Topic Name.
    pub topic: Str,
    /// PUBLISH: Payload.
    pub payload: Bytes,
    /// Packet Identifier (0: none).
    pub packet_id: u16,
    /// CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT, AUTH: the reason code.
    pub reason: u8,
    /// SUBACK, UNSUBACK: one reason code per filter (empty for a 3.1.1 UNSUBACK).
    pub reasons: Bytes,
    /// SUBSCRIBE: the subscriptions.
    pub subscriptions: *const PacketSubscription,
    /// SUBSCRIBE: how many.
    pub subscriptions_len: usize,
    /// UNSUBSCRIBE: the topic filters.
    pub filters: *const Str,
    /// UNSUBSCRIBE: how many.
    pub filters_len: usize,
    /// The packet's properties (5.0).
    pub properties: Properties,
}

impl Packet {
    fn empty(packet_type: u8) -> Self {
        Packet {
            r#type: packet_type,
            protocol: 0,
            clean_start: false,
            keep_alive: 0,
            client_id: Str::NONE,
            has_will: false,
            will: PacketWill {
                qos: 0,
                retain: false,
                properties: Properties::EMPTY,
                topic: Str::NONE,
                payload: Bytes::NONE,
            },
            username: Str::NONE,
            password: Bytes::NONE,
            session_present: false,
            dup: false,
            qos: 0,
            retain: false,
            topic: Str::NONE,
            payload: Bytes::NONE,
            packet_id: 0,
            reason: 0,
            reasons: Bytes::NONE,
            subscriptions: std::ptr::null(),
            subscriptions_len: 0,
            filters: std::ptr::null(),
            filters_len: 0,
            properties: Properties::EMPTY,
        }
    }
}

/// A codec (opaque): a protocol version, a size limit and the storage of the last decoded
/// packet's lists.
pub struct Codec {
    decoder: Decoder,
    props: Vec<Property>,
    will_props: Vec<Property>,
    subscriptions: Vec<PacketSubscription>,
    filters: Vec<Str>,
    reasons: Vec<u8>,
    error: ErrorSlot,
}

impl Handle for Codec {
    fn error_slot(&mut self) -> &mut ErrorSlot {
        &mut self.error
    }
}

impl Codec {
    fn clear(&mut self) {
        self.props.clear();
        self.will_props.clear();
        self.subscriptions.clear();
        self.filters.clear();
        self.reasons.clear();
    }

    /// The C view of `p`; lists go to this codec's storage.
    fn view(&mut self, p: &CorePacket<'_>) -> Packet {
        self.clear();
        let mut out = Packet::empty(p.packet_type() as u8);
        let props = match p {
            CorePacket::Connect(c) => {
                out.protocol = c.protocol.level();
                out.clean_start = c.clean_start;
                out.keep_alive = c.keep_alive;
                out.client_id = Str::of(c.client_id);
                out.username = Str::opt(c.username);
                out.password = Bytes::opt(c.password);
                if let Some(w) = &c.will {
                    properties_out(&w.properties, &mut self.will_props);
                    out.has_will = true;
                    out.will = PacketWill {
                        qos: w.qos as u8,
                        retain: w.retain,
                        properties: Properties::of(&self.will_props),
                        topic: Str::of(w.topic),
                        payload: Bytes::of(w.payload),
                    };
                }
                c.properties
            }
            CorePacket::Connack(c) => {
                out.session_present = c.session_present;
                out.reason = c.reason.as_u8();
                c.properties
            }
            CorePacket::Publish(p) => {
                out.dup = p.dup;
                out.qos = p.qos as u8;
                out.retain = p.retain;
                out.topic = Str::of(p.topic);
                out.packet_id = p.packet_id.map_or(0, PacketId::get);
                out.payload = Bytes::of(p.payload);
                p.properties
            }
            CorePacket::PubAck(a) => ack(&mut out, a.packet_id, a.reason.as_u8(), a.properties),
            CorePacket::PubRec(a) => ack(&mut out, a.packet_id, a.reason.as_u8(), a.properties),
            CorePacket::PubRel(a) => ack(&mut out, a.packet_id, a.reason.as_u8(), a.properties),
            CorePacket::PubComp(a) => ack(&mut out, a.packet_id, a.reason.as_u8(), a.properties),
            CorePacket::Subscribe(s) => {
                out.packet_id = s.packet_id.get();
                self.subscriptions
                    .extend(s.subscriptions.iter().map(|s| PacketSubscription {
                        filter: Str::of(s.filter),
                        qos: s.options.qos as u8,
                        no_local: s.options.no_local,
                        retain_as_published: s.options.retain_as_published,
                        retain_handling: s.options.retain_handling as u8,
                    }));
                out.subscriptions = self.subscriptions.as_ptr();
                out.subscriptions_len = self.subscriptions.len();
                s.properties
            }
            CorePacket::SubAck(s) => {
                out.packet_id = s.packet_id.get();
                self.reasons.extend(s.reasons.iter().map(|r| r.as_u8()));
                out.reasons = Bytes::of(&self.reasons);
                s.properties
            }
            CorePacket::Unsubscribe(u) => {
                out.packet_id = u.packet_id.get();
                self.filters.extend(u.filters.iter().map(Str::of));
                out.filters = self.filters.as_ptr();
                out.filters_len = self.filters.len();
                u.properties
            }
            CorePacket::UnsubAck(u) => {
                out.packet_id = u.packet_id.get();
                self.reasons.extend(u.reasons.iter().map(|r| r.as_u8()));
                out.reasons = Bytes::of(&self.reasons);
                u.properties
            }
            CorePacket::PingReq | CorePacket::PingResp => CoreProperties::empty(),
            CorePacket::Disconnect(d) => {
                out.reason = d.reason.as_u8();
                d.properties
            }
            CorePacket::Auth(a) => {
                out.reason = a.reason.as_u8();
                a.properties
            }
        };
        properties_out(&props, &mut self.props);
        out.properties = Properties::of(&self.props);
        out
    }
}

fn ack<'a>(
    out: &mut Packet,
    id: PacketId,
    reason: u8,
    props: CoreProperties<'a>,
) -> CoreProperties<'a> {
    out.packet_id = id.get();
    out.reason = reason;
    props
}

/// Creates a codec for connections of `version` (an `iotmqtt_protocol_version`; a CONNECT is
/// always decoded by its own protocol level) that accepts packets of up to `max_packet_size`
/// bytes (0: the protocol's own limit, 268,435,460).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_codec_new(
    version: u8,
    max_packet_size: u32,
    out: *mut *mut Codec,
) -> Status {
    guard(|| {
        let out = unsafe { out_ptr(out, "out") }?;
        let mut decoder = Decoder::new(version_in(version, "version")?);
        if max_packet_size != 0 {
            decoder = decoder.with_max_packet_size(max_packet_size);
        }
        out.write(Box::into_raw(Box::new(Codec {
            decoder,
            props: Vec::new(),
            will_props: Vec::new(),
            subscriptions: Vec::new(),
            filters: Vec::new(),
            reasons: Vec::new(),
            error: ErrorSlot::default(),
        })));
        Ok(())
    })
}

/// Frees a codec. NULL does nothing.
///
/// # Safety
/// `codec` is NULL or a codec from `iotmqtt_codec_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_codec_free(codec: *mut Codec) {
    if !codec.is_null() {
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(codec) }));
    }
}

/// The details of the last failure on `codec`: for `IOTMQTT_STATUS_MALFORMED` the violation's
/// `code`, `rule` and byte `offset`; for `IOTMQTT_STATUS_INCOMPLETE` the bytes still needed in
/// `required`.
///
/// # Safety
/// `codec` is NULL or a live codec; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_codec_last_error(
    codec: *mut Codec,
    out: *mut ErrorInfo,
) -> Status {
    unsafe {
        with_handle(codec, "codec", |c| {
            out_ptr(out, "out")?.write(c.error.info());
            Ok(())
        })
    }
}

/// Decodes the packet at the start of `data` (`len` bytes) into `out` and stores the bytes it
/// uses in `out_len`. Allocation-free in the core; `out`'s strings point into `data`, its lists
/// into the codec, until the next call on the codec.
///
/// `IOTMQTT_STATUS_INCOMPLETE`: `data` holds only part of a packet; `out_len` receives the
/// bytes still needed (exactly, or at least while the fixed header is incomplete).
/// `IOTMQTT_STATUS_MALFORMED`: the bytes break a rule; `iotmqtt_codec_last_error` names the
/// violation (`code`, `rule`) and the offending byte (`offset`).
///
/// # Safety
/// `codec` is NULL or a live codec; `data` is NULL or points to `len` bytes; `out` and `out_len`
/// are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_codec_decode(
    codec: *mut Codec,
    data: *const u8,
    len: usize,
    out: *mut Packet,
    out_len: *mut usize,
) -> Status {
    unsafe {
        with_handle(codec, "codec", |c| {
            let out = out_ptr(out, "out")?;
            let out_len = out_ptr(out_len, "out_len")?;
            let data = slice(data, len, "data")?;
            c.clear();
            match c.decoder.decode(data) {
                Ok(decoded) => {
                    out.write(c.view(&decoded.packet));
                    out_len.write(decoded.len);
                    Ok(())
                }
                Err(DecodeError::Incomplete(needed)) => {
                    let (n, exact) = match needed {
                        Needed::Exact(n) => (n, true),
                        Needed::AtLeast(n) => (n, false),
                    };
                    out_len.write(n);
                    Err(Failure::incomplete(n, exact))
                }
                Err(DecodeError::Invalid { offset, violation }) => {
                    Err(Failure::malformed(offset, violation))
                }
            }
        })
    }
}

/// A reason code from C for a packet whose codes are `T`.
fn reason_in<T>(code: u8, from: impl FnOnce(u8) -> Option<T>) -> FfiResult<T> {
    from(code)
        .ok_or_else(|| Failure::invalid("packet.reason", "not a reason code this packet may carry"))
}

fn packet_id_in(id: u16) -> FfiResult<PacketId> {
    PacketId::new(id).ok_or_else(|| Failure::invalid("packet.packet_id", "must not be 0"))
}

/// The lists a core packet borrows while it is encoded.
#[derive(Default)]
struct Lists<'a> {
    props: Vec<CoreProperty<'a>>,
    will_props: Vec<CoreProperty<'a>>,
    subscriptions: Vec<CoreSubscription<'a>>,
    filters: Vec<&'a str>,
    suback: Vec<SubAckReason>,
    unsuback: Vec<UnsubAckReason>,
}

/// Converts the C packet's lists.
///
/// # Safety
/// Every span and list of `p` is valid for `'a`.
unsafe fn lists_in<'a>(p: &Packet) -> FfiResult<Lists<'a>> {
    let mut l = Lists {
        props: unsafe { p.properties.to_core("packet.properties") }?,
        ..Lists::default()
    };
    if p.has_will {
        l.will_props = unsafe { p.will.properties.to_core("packet.will.properties") }?;
    }
    for s in unsafe { slice(p.subscriptions, p.subscriptions_len, "packet.subscriptions") }? {
        l.subscriptions.push(CoreSubscription {
            filter: unsafe { s.filter.get_or_empty("packet.subscriptions.filter") }?,
            options: options_in(
                s.qos,
                s.no_local,
                s.retain_as_published,
                s.retain_handling,
                "packet.subscriptions",
            )?,
        });
    }
    for f in unsafe { slice(p.filters, p.filters_len, "packet.filters") }? {
        l.filters.push(unsafe { f.get_or_empty("packet.filters") }?);
    }
    let reasons = unsafe { p.reasons.get_or_empty("packet.reasons") }?;
    let pt = p.r#type;
    if pt == PacketType::Suback as u8 {
        l.suback = reasons
            .iter()
            .map(|r| reason_in(*r, SubAckReason::from_u8))
            .collect::<FfiResult<_>>()?;
    } else if pt == PacketType::Unsuback as u8 {
        l.unsuback = reasons
            .iter()
            .map(|r| reason_in(*r, UnsubAckReason::from_u8))
            .collect::<FfiResult<_>>()?;
    }
    Ok(l)
}

/// The core packet `p` describes.
///
/// # Safety
/// Every span of `p` is valid for `'a`.
unsafe fn packet_in<'a>(p: &Packet, l: &'a Lists<'a>) -> FfiResult<CorePacket<'a>> {
    let props = CoreProperties::new(&l.props);
    let text = |s: Str, what| unsafe { s.get_or_empty(what) };
    let id = || packet_id_in(p.packet_id);
    let t = PacketType::from_u8(p.r#type)
        .ok_or_else(|| Failure::invalid("packet.type", "not a packet type"))?;
    Ok(match t {
        PacketType::Connect => CorePacket::Connect(Connect {
            protocol: version_in(p.protocol, "packet.protocol")?,
            clean_start: p.clean_start,
            keep_alive: p.keep_alive,
            properties: props,
            client_id: text(p.client_id, "packet.client_id")?,
            will: if p.has_will {
                Some(Will {
                    qos: qos_in(p.will.qos, "packet.will.qos")?,
                    retain: p.will.retain,
                    properties: CoreProperties::new(&l.will_props),
                    topic: text(p.will.topic, "packet.will.topic")?,
                    payload: unsafe { p.will.payload.get_or_empty("packet.will.payload") }?,
                })
            } else {
                None
            },
            username: unsafe { p.username.get("packet.username") }?,
            password: unsafe { p.password.get("packet.password") }?,
        }),
        PacketType::Connack => CorePacket::Connack(Connack {
            session_present: p.session_present,
            reason: reason_in(p.reason, ConnectReason::from_u8)?,
            properties: props,
        }),
        PacketType::Publish => CorePacket::Publish(Publish {
            dup: p.dup,
            qos: qos_in(p.qos, "packet.qos")?,
            retain: p.retain,
            topic: text(p.topic, "packet.topic")?,
            packet_id: PacketId::new(p.packet_id),
            properties: props,
            payload: unsafe { p.payload.get_or_empty("packet.payload") }?,
        }),
        PacketType::Puback => CorePacket::PubAck(PubAck {
            packet_id: id()?,
            reason: reason_in(p.reason, PubAckReason::from_u8)?,
            properties: props,
        }),
        PacketType::Pubrec => CorePacket::PubRec(PubRec {
            packet_id: id()?,
            reason: reason_in(p.reason, PubRecReason::from_u8)?,
            properties: props,
        }),
        PacketType::Pubrel => CorePacket::PubRel(PubRel {
            packet_id: id()?,
            reason: reason_in(p.reason, PubRelReason::from_u8)?,
            properties: props,
        }),
        PacketType::Pubcomp => CorePacket::PubComp(PubComp {
            packet_id: id()?,
            reason: reason_in(p.reason, PubCompReason::from_u8)?,
            properties: props,
        }),
        PacketType::Subscribe => CorePacket::Subscribe(Subscribe {
            packet_id: id()?,
            properties: props,
            subscriptions: List::new(&l.subscriptions),
        }),
        PacketType::Suback => CorePacket::SubAck(SubAck {
            packet_id: id()?,
            properties: props,
            reasons: List::new(&l.suback),
        }),
        PacketType::Unsubscribe => CorePacket::Unsubscribe(Unsubscribe {
            packet_id: id()?,
            properties: props,
            filters: List::new(&l.filters),
        }),
        PacketType::Unsuback => CorePacket::UnsubAck(UnsubAck {
            packet_id: id()?,
            properties: props,
            reasons: List::new(&l.unsuback),
        }),
        PacketType::Pingreq => CorePacket::PingReq,
        PacketType::Pingresp => CorePacket::PingResp,
        PacketType::Disconnect => CorePacket::Disconnect(Disconnect {
            reason: reason_in(p.reason, DisconnectReason::from_u8)?,
            properties: props,
        }),
        PacketType::Auth => CorePacket::Auth(Auth {
            reason: reason_in(p.reason, AuthReason::from_u8)?,
            properties: props,
        }),
    })
}

impl PacketType {
    fn from_u8(v: u8) -> Option<Self> {
        use PacketType::*;
        [
            Connect,
            Connack,
            Publish,
            Puback,
            Pubrec,
            Pubrel,
            Pubcomp,
            Subscribe,
            Suback,
            Unsubscribe,
            Unsuback,
            Pingreq,
            Pingresp,
            Disconnect,
            Auth,
        ]
        .into_iter()
        .find(|t| *t as u8 == v)
    }
}

/// Encodes `packet` for the codec's protocol version (a CONNECT for its own `protocol`) into
/// `buf` (`cap` bytes) and stores the bytes written in `out_len`. The core runs the same checks
/// as its decoder: a packet that breaks a rule is `IOTMQTT_STATUS_ENCODE` (the error names the
/// rule). When `buf` is too small: `IOTMQTT_STATUS_BUFFER_TOO_SMALL`, nothing written, the size
/// needed in `out_len`.
///
/// # Safety
/// `codec` is NULL or a live codec; `packet` is NULL or a valid packet whose spans and lists are
/// valid; `buf` is NULL or points to `cap` writable bytes; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn iotmqtt_codec_encode(
    codec: *mut Codec,
    packet: *const Packet,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Status {
    unsafe {
        with_handle(codec, "codec", |c| {
            let p = in_ref(packet, "packet")?;
            let out_len = out_ptr(out_len, "out_len")?;
            let buf = buffer(buf, cap, "buf")?;
            let lists = lists_in(p)?;
            let core = packet_in(p, &lists)?;
            match encode_to_slice(&core, c.decoder.version, buf) {
                Ok(n) => {
                    out_len.write(n);
                    Ok(())
                }
                Err(EncodeError::BufferTooSmall { required }) => {
                    out_len.write(required);
                    Err(Failure::buffer_too_small(required))
                }
                Err(e) => Err(Failure::from(iotmqtt::Error::from(e))),
            }
        })
    }
}
