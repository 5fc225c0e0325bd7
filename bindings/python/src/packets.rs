//! The codec: one frozen class per MQTT packet, `decode`, `encode` and the streaming `Decoder`.
//! Every rule is the core's; this module only converts between the core's borrowed packets and
//! Python objects.

use iotmqtt::{
    Auth as CoreAuth, AuthReason, Connack as CoreConnack, Connect as CoreConnect, ConnectReason,
    DecodeError, Decoder as CoreDecoder, Disconnect as CoreDisconnect, DisconnectReason, List,
    MAX_PACKET_SIZE, Packet, PacketType, Properties as CoreProperties, ProtocolVersion,
    PubAck as CorePubAck, PubAckReason, PubComp as CorePubComp, PubRec as CorePubRec,
    PubRel as CorePubRel, PubRelReason, Publish as CorePublish, RetainHandling,
    SubAck as CoreSubAck, SubAckReason, Subscribe as CoreSubscribe,
    Subscription as CoreSubscription, SubscriptionOptions, UnsubAck as CoreUnsubAck,
    UnsubAckReason, Unsubscribe as CoreUnsubscribe, Violation, Will as CoreWill,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::args::{BytesArg, Version, encode_violation, level, packet_id, qos, record};
use crate::errors::decode_error;
use crate::properties::{self, Properties};
use crate::topics::TopicCache;

record! {
    /// CONNECT: the client's request to open a session. ``protocol`` is the protocol level
    /// (4 = MQTT 3.1.1, 5 = MQTT 5.0) and decides how the packet is encoded. ``repr()`` never
    /// shows the password.
    Connect {
        protocol: u8,
        clean_start: bool,
        keep_alive: u16,
        properties: Py<Properties>,
        client_id: Py<PyString>,
        will: Option<Py<Will>>,
        username: Option<Py<PyString>>,
        password: Option<Py<PyBytes>>,
    }
}

record! {
    /// The Will Message of a CONNECT (and of ``ClientConfig.will``).
    Will {
        topic: Py<PyString>,
        payload: Py<PyBytes>,
        qos: u8,
        retain: bool,
        properties: Py<Properties>,
    }
}

record! {
    /// CONNACK: the server's answer to CONNECT. ``reason`` is the MQTT 5 reason code (a 3.1.1
    /// return code is given as the 5.0 code with the same meaning).
    Connack {
        session_present: bool,
        reason: u8,
        properties: Py<Properties>,
    }
}

record! {
    /// PUBLISH: an application message. ``packet_id`` is ``None`` exactly at QoS 0.
    ///
    /// >>> import iotmqtt
    /// >>> p = iotmqtt.Publish("a/b", b"hi", qos=1, packet_id=7)
    /// >>> wire = iotmqtt.encode(p, 4)
    /// >>> wire.hex(" ")
    /// '32 09 00 03 61 2f 62 00 07 68 69'
    /// >>> iotmqtt.decode(wire, 4) == (p, len(wire))
    /// True
    Publish {
        topic: Py<PyString>,
        payload: Py<PyBytes>,
        qos: u8,
        retain: bool,
        dup: bool,
        packet_id: Option<u16>,
        properties: Py<Properties>,
    }
}

record! {
    /// PUBACK: the answer to a QoS 1 PUBLISH.
    PubAck { packet_id: u16, reason: u8, properties: Py<Properties> }
}

record! {
    /// PUBREC: the first answer to a QoS 2 PUBLISH.
    PubRec { packet_id: u16, reason: u8, properties: Py<Properties> }
}

record! {
    /// PUBREL: the sender's answer to PUBREC.
    PubRel { packet_id: u16, reason: u8, properties: Py<Properties> }
}

record! {
    /// PUBCOMP: the last packet of the QoS 2 exchange.
    PubComp { packet_id: u16, reason: u8, properties: Py<Properties> }
}

record! {
    /// One entry of a SUBSCRIBE: a topic filter and its options (``retain_handling`` 0, 1 or
    /// 2; ``no_local``, ``retain_as_published`` and ``retain_handling`` are MQTT 5.0 only).
    Subscription {
        filter: Py<PyString>,
        qos: u8,
        no_local: bool,
        retain_as_published: bool,
        retain_handling: u8,
    }
}

record! {
    /// SUBSCRIBE: ``subscriptions`` is a tuple of :class:`Subscription`.
    Subscribe { packet_id: u16, subscriptions: Py<PyTuple>, properties: Py<Properties> }
}

record! {
    /// SUBACK: one reason code per filter of the SUBSCRIBE, in order.
    SubAck { packet_id: u16, reasons: Py<PyTuple>, properties: Py<Properties> }
}

record! {
    /// UNSUBSCRIBE: ``filters`` is a tuple of topic filters.
    Unsubscribe { packet_id: u16, filters: Py<PyTuple>, properties: Py<Properties> }
}

record! {
    /// UNSUBACK: one reason code per filter (MQTT 5.0; empty in 3.1.1).
    UnsubAck { packet_id: u16, reasons: Py<PyTuple>, properties: Py<Properties> }
}

record! {
    /// PINGREQ.
    PingReq {}
}

record! {
    /// PINGRESP.
    PingResp {}
}

record! {
    /// DISCONNECT (a 3.1.1 DISCONNECT has reason 0 and no properties).
    Disconnect { reason: u8, properties: Py<Properties> }
}

record! {
    /// AUTH (MQTT 5.0 enhanced authentication).
    Auth { reason: u8, properties: Py<Properties> }
}

/// `None` → the shared empty properties.
fn props_or_empty(py: Python<'_>, p: Option<Py<Properties>>) -> PyResult<Py<Properties>> {
    match p {
        Some(p) => Ok(p),
        None => properties::empty(py),
    }
}

fn tuple_of<'py, T: IntoPyObject<'py>>(
    py: Python<'py>,
    items: impl IntoIterator<Item = T, IntoIter: ExactSizeIterator>,
) -> PyResult<Py<PyTuple>> {
    Ok(PyTuple::new(py, items)?.unbind())
}

#[pymethods]
impl Connect {
    #[new]
    #[pyo3(signature = (client_id, *, protocol = Version(ProtocolVersion::V5), clean_start = true, keep_alive = 60,
        properties = None, will = None, username = None, password = None))]
    #[allow(clippy::too_many_arguments)] // one keyword per CONNECT field
    fn new(
        py: Python<'_>,
        client_id: Py<PyString>,
        protocol: Version,
        clean_start: bool,
        keep_alive: u16,
        properties: Option<Py<Properties>>,
        will: Option<Py<Will>>,
        username: Option<Py<PyString>>,
        password: Option<BytesArg<'_>>,
    ) -> PyResult<Self> {
        Ok(Connect {
            protocol: level(protocol.0),
            clean_start,
            keep_alive,
            properties: props_or_empty(py, properties)?,
            client_id,
            will,
            username,
            password: password.map(|p| PyBytes::new(py, p.as_slice()).unbind()),
        })
    }
}

#[pymethods]
impl Will {
    #[new]
    #[pyo3(signature = (topic, payload = None, *, qos = 0, retain = false, properties = None))]
    fn new(
        py: Python<'_>,
        topic: Py<PyString>,
        payload: Option<BytesArg<'_>>,
        qos: u8,
        retain: bool,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(Will {
            topic,
            payload: bytes_or_empty(py, payload),
            qos,
            retain,
            properties: props_or_empty(py, properties)?,
        })
    }
}

fn bytes_or_empty(py: Python<'_>, b: Option<BytesArg<'_>>) -> Py<PyBytes> {
    match b {
        Some(BytesArg::Bytes(b)) => b.unbind(),
        Some(BytesArg::Owned(v)) => PyBytes::new(py, &v).unbind(),
        None => PyBytes::new(py, b"").unbind(),
    }
}

#[pymethods]
impl Connack {
    #[new]
    #[pyo3(signature = (*, session_present = false, reason = 0, properties = None))]
    fn new(
        py: Python<'_>,
        session_present: bool,
        reason: u8,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(Connack {
            session_present,
            reason,
            properties: props_or_empty(py, properties)?,
        })
    }
}

#[pymethods]
impl Publish {
    #[new]
    #[pyo3(signature = (topic, payload = None, *, qos = 0, retain = false, dup = false,
        packet_id = None, properties = None))]
    #[allow(clippy::too_many_arguments)] // one keyword per PUBLISH field
    fn new(
        py: Python<'_>,
        topic: Py<PyString>,
        payload: Option<BytesArg<'_>>,
        qos: u8,
        retain: bool,
        dup: bool,
        packet_id: Option<u16>,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(Publish {
            topic,
            payload: bytes_or_empty(py, payload),
            qos,
            retain,
            dup,
            packet_id,
            properties: props_or_empty(py, properties)?,
        })
    }
}

macro_rules! ack_new {
    ($name:ident) => {
        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (packet_id, reason = 0, properties = None))]
            fn new(
                py: Python<'_>,
                packet_id: u16,
                reason: u8,
                properties: Option<Py<Properties>>,
            ) -> PyResult<Self> {
                Ok($name {
                    packet_id,
                    reason,
                    properties: props_or_empty(py, properties)?,
                })
            }
        }
    };
}

ack_new!(PubAck);
ack_new!(PubRec);
ack_new!(PubRel);
ack_new!(PubComp);

#[pymethods]
impl Subscription {
    #[new]
    #[pyo3(signature = (filter, qos = 0, *, no_local = false, retain_as_published = false,
        retain_handling = 0))]
    fn new(
        filter: Py<PyString>,
        qos: u8,
        no_local: bool,
        retain_as_published: bool,
        retain_handling: u8,
    ) -> Self {
        Subscription {
            filter,
            qos,
            no_local,
            retain_as_published,
            retain_handling,
        }
    }
}

/// A sequence of `Subscription` objects as a tuple, refusing anything else.
fn subscription_tuple(py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<Py<PyTuple>> {
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        item.cast::<Subscription>()
            .map_err(|_| PyTypeError::new_err("subscriptions: a sequence of Subscription"))?;
        out.push(item);
    }
    tuple_of(py, out)
}

#[pymethods]
impl Subscribe {
    #[new]
    #[pyo3(signature = (packet_id, subscriptions, properties = None))]
    fn new(
        py: Python<'_>,
        packet_id: u16,
        subscriptions: &Bound<'_, PyAny>,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(Subscribe {
            packet_id,
            subscriptions: subscription_tuple(py, subscriptions)?,
            properties: props_or_empty(py, properties)?,
        })
    }
}

#[pymethods]
impl SubAck {
    #[new]
    #[pyo3(signature = (packet_id, reasons, properties = None))]
    fn new(
        py: Python<'_>,
        packet_id: u16,
        reasons: Vec<u8>,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(SubAck {
            packet_id,
            reasons: tuple_of(py, reasons)?,
            properties: props_or_empty(py, properties)?,
        })
    }
}

#[pymethods]
impl Unsubscribe {
    #[new]
    #[pyo3(signature = (packet_id, filters, properties = None))]
    fn new(
        py: Python<'_>,
        packet_id: u16,
        filters: Vec<Py<PyString>>,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(Unsubscribe {
            packet_id,
            filters: tuple_of(py, filters)?,
            properties: props_or_empty(py, properties)?,
        })
    }
}

#[pymethods]
impl UnsubAck {
    #[new]
    #[pyo3(signature = (packet_id, reasons = Vec::new(), properties = None))]
    fn new(
        py: Python<'_>,
        packet_id: u16,
        reasons: Vec<u8>,
        properties: Option<Py<Properties>>,
    ) -> PyResult<Self> {
        Ok(UnsubAck {
            packet_id,
            reasons: tuple_of(py, reasons)?,
            properties: props_or_empty(py, properties)?,
        })
    }
}

#[pymethods]
impl PingReq {
    #[new]
    fn new() -> Self {
        PingReq {}
    }
}

#[pymethods]
impl PingResp {
    #[new]
    fn new() -> Self {
        PingResp {}
    }
}

#[pymethods]
impl Disconnect {
    #[new]
    #[pyo3(signature = (reason = 0, properties = None))]
    fn new(py: Python<'_>, reason: u8, properties: Option<Py<Properties>>) -> PyResult<Self> {
        Ok(Disconnect {
            reason,
            properties: props_or_empty(py, properties)?,
        })
    }
}

#[pymethods]
impl Auth {
    #[new]
    #[pyo3(signature = (reason = 0, properties = None))]
    fn new(py: Python<'_>, reason: u8, properties: Option<Py<Properties>>) -> PyResult<Self> {
        Ok(Auth {
            reason,
            properties: props_or_empty(py, properties)?,
        })
    }
}

// ------------------------------------------------------------------ core → Python

fn s(py: Python<'_>, v: &str) -> Py<PyString> {
    PyString::new(py, v).unbind()
}

fn b(py: Python<'_>, v: &[u8]) -> Py<PyBytes> {
    PyBytes::new(py, v).unbind()
}

/// A decoded PUBLISH as a Python object; its topic string from `topics` when given.
pub(crate) fn publish_to_py<'py>(
    py: Python<'py>,
    p: &CorePublish<'_>,
    topics: Option<&mut TopicCache>,
) -> PyResult<Bound<'py, PyAny>> {
    let topic = match topics {
        Some(cache) => cache.get(py, p.topic),
        None => s(py, p.topic),
    };
    let obj = Publish {
        topic,
        payload: b(py, p.payload),
        qos: p.qos as u8,
        retain: p.retain,
        dup: p.dup,
        packet_id: p.packet_id.map(|id| id.get()),
        properties: properties::to_py(py, &p.properties)?,
    };
    Ok(Bound::new(py, obj)?.into_any())
}

fn will_to_py(py: Python<'_>, w: &CoreWill<'_>) -> PyResult<Py<Will>> {
    Py::new(
        py,
        Will {
            topic: s(py, w.topic),
            payload: b(py, w.payload),
            qos: w.qos as u8,
            retain: w.retain,
            properties: properties::to_py(py, &w.properties)?,
        },
    )
}

/// Any decoded packet as its Python object (PUBLISH topics through `topics` when given).
pub(crate) fn packet_to_py<'py>(
    py: Python<'py>,
    packet: &Packet<'_>,
    topics: Option<&mut TopicCache>,
) -> PyResult<Bound<'py, PyAny>> {
    let p = |props: &CoreProperties<'_>| properties::to_py(py, props);
    macro_rules! new {
        ($v:expr) => {
            Ok(Bound::new(py, $v)?.into_any())
        };
    }
    match packet {
        Packet::Publish(x) => publish_to_py(py, x, topics),
        Packet::Connect(c) => new!(Connect {
            protocol: c.protocol.level(),
            clean_start: c.clean_start,
            keep_alive: c.keep_alive,
            properties: p(&c.properties)?,
            client_id: s(py, c.client_id),
            will: c.will.as_ref().map(|w| will_to_py(py, w)).transpose()?,
            username: c.username.map(|u| s(py, u)),
            password: c.password.map(|pw| b(py, pw)),
        }),
        Packet::Connack(c) => new!(Connack {
            session_present: c.session_present,
            reason: c.reason.as_u8(),
            properties: p(&c.properties)?,
        }),
        Packet::PubAck(a) => new!(PubAck {
            packet_id: a.packet_id.get(),
            reason: a.reason.as_u8(),
            properties: p(&a.properties)?,
        }),
        Packet::PubRec(a) => new!(PubRec {
            packet_id: a.packet_id.get(),
            reason: a.reason.as_u8(),
            properties: p(&a.properties)?,
        }),
        Packet::PubRel(a) => new!(PubRel {
            packet_id: a.packet_id.get(),
            reason: a.reason.as_u8(),
            properties: p(&a.properties)?,
        }),
        Packet::PubComp(a) => new!(PubComp {
            packet_id: a.packet_id.get(),
            reason: a.reason.as_u8(),
            properties: p(&a.properties)?,
        }),
        Packet::Subscribe(x) => {
            let mut subs = Vec::new();
            for sub in x.subscriptions.iter() {
                subs.push(Py::new(
                    py,
                    Subscription {
                        filter: s(py, sub.filter),
                        qos: sub.options.qos as u8,
                        no_local: sub.options.no_local,
                        retain_as_published: sub.options.retain_as_published,
                        retain_handling: sub.options.retain_handling as u8,
                    },
                )?);
            }
            new!(Subscribe {
                packet_id: x.packet_id.get(),
                subscriptions: tuple_of(py, subs)?,
                properties: p(&x.properties)?,
            })
        }
        Packet::SubAck(x) => new!(SubAck {
            packet_id: x.packet_id.get(),
            reasons: tuple_of(
                py,
                x.reasons
                    .iter()
                    .map(SubAckReason::as_u8)
                    .collect::<Vec<_>>()
            )?,
            properties: p(&x.properties)?,
        }),
        Packet::Unsubscribe(x) => new!(Unsubscribe {
            packet_id: x.packet_id.get(),
            filters: tuple_of(py, x.filters.iter().collect::<Vec<_>>())?,
            properties: p(&x.properties)?,
        }),
        Packet::UnsubAck(x) => new!(UnsubAck {
            packet_id: x.packet_id.get(),
            reasons: tuple_of(
                py,
                x.reasons
                    .iter()
                    .map(UnsubAckReason::as_u8)
                    .collect::<Vec<_>>()
            )?,
            properties: p(&x.properties)?,
        }),
        Packet::PingReq => new!(PingReq {}),
        Packet::PingResp => new!(PingResp {}),
        Packet::Disconnect(d) => new!(Disconnect {
            reason: d.reason.as_u8(),
            properties: p(&d.properties)?,
        }),
        Packet::Auth(a) => new!(Auth {
            reason: a.reason.as_u8(),
            properties: p(&a.properties)?,
        }),
    }
}

// ------------------------------------------------------------------ Python → core → bytes

/// A reason code the packet may carry, or the encoder's `InvalidReasonCode`.
fn reason<T>(
    py: Python<'_>,
    code: u8,
    packet: PacketType,
    from: fn(u8) -> Option<T>,
) -> PyResult<T> {
    from(code).ok_or_else(|| encode_violation(py, Violation::InvalidReasonCode { packet, code }))
}

fn retain_handling(py: Python<'_>, v: u8) -> PyResult<RetainHandling> {
    match v {
        0 => Ok(RetainHandling::SendAtSubscribe),
        1 => Ok(RetainHandling::SendIfNew),
        2 => Ok(RetainHandling::DoNotSend),
        _ => Err(encode_violation(py, Violation::InvalidSubscriptionOptions)),
    }
}

/// Text of a Python `str` (copied on the 3.9 stable ABI).
fn text(py: Python<'_>, v: &Py<PyString>) -> PyResult<String> {
    Ok(v.bind(py).to_cow()?.into_owned())
}

/// Encodes any packet object for `version` and appends it to `out`.
pub(crate) fn encode_into(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    version: ProtocolVersion,
    out: &mut Vec<u8>,
) -> PyResult<usize> {
    let enc = |packet: Packet<'_>, out: &mut Vec<u8>| {
        iotmqtt::encode(&packet, version, out)
            .map_err(|e| crate::errors::to_pyerr(py, &iotmqtt::Error::from(e)))
    };
    if let Ok(p) = obj.cast::<Publish>() {
        let p = p.get();
        let topic = text(py, &p.topic)?;
        let props = p.properties.get().items();
        let packet = CorePublish {
            dup: p.dup,
            qos: qos(py, p.qos)?,
            retain: p.retain,
            topic: &topic,
            packet_id: p.packet_id.map(|id| packet_id(py, id)).transpose()?,
            properties: CoreProperties::new(&props),
            payload: p.payload.bind(py).as_bytes(),
        };
        return enc(Packet::Publish(packet), out);
    }
    macro_rules! ack {
        ($class:ident, $core:ident, $ptype:ident, $reason:ident) => {
            if let Ok(a) = obj.cast::<$class>() {
                let a = a.get();
                let props = a.properties.get().items();
                let packet = $core {
                    packet_id: packet_id(py, a.packet_id)?,
                    reason: reason(py, a.reason, PacketType::$ptype, $reason::from_u8)?,
                    properties: CoreProperties::new(&props),
                };
                return enc(Packet::$ptype(packet), out);
            }
        };
    }
    ack!(PubAck, CorePubAck, PubAck, PubAckReason);
    ack!(PubRec, CorePubRec, PubRec, PubAckReason);
    ack!(PubRel, CorePubRel, PubRel, PubRelReason);
    ack!(PubComp, CorePubComp, PubComp, PubRelReason);
    if let Ok(c) = obj.cast::<Connect>() {
        return encode_connect(py, c.get(), out);
    }
    if let Ok(c) = obj.cast::<Connack>() {
        let c = c.get();
        let props = c.properties.get().items();
        let packet = CoreConnack {
            session_present: c.session_present,
            reason: reason(py, c.reason, PacketType::Connack, ConnectReason::from_u8)?,
            properties: CoreProperties::new(&props),
        };
        return enc(Packet::Connack(packet), out);
    }
    if let Ok(x) = obj.cast::<Subscribe>() {
        let x = x.get();
        let mut filters = Vec::new();
        let mut options = Vec::new();
        for item in x.subscriptions.bind(py).iter() {
            let sub = item.cast::<Subscription>()?;
            let sub = sub.get();
            filters.push(text(py, &sub.filter)?);
            options.push(SubscriptionOptions {
                qos: qos(py, sub.qos)?,
                no_local: sub.no_local,
                retain_as_published: sub.retain_as_published,
                retain_handling: retain_handling(py, sub.retain_handling)?,
            });
        }
        let subs: Vec<CoreSubscription<'_>> = filters
            .iter()
            .zip(options)
            .map(|(filter, options)| CoreSubscription { filter, options })
            .collect();
        let props = x.properties.get().items();
        let packet = CoreSubscribe {
            packet_id: packet_id(py, x.packet_id)?,
            properties: CoreProperties::new(&props),
            subscriptions: List::new(&subs),
        };
        return enc(Packet::Subscribe(packet), out);
    }
    if let Ok(x) = obj.cast::<SubAck>() {
        let x = x.get();
        let mut codes = Vec::new();
        for c in x.reasons.bind(py).iter() {
            codes.push(reason(
                py,
                c.extract()?,
                PacketType::SubAck,
                SubAckReason::from_u8,
            )?);
        }
        let props = x.properties.get().items();
        let packet = CoreSubAck {
            packet_id: packet_id(py, x.packet_id)?,
            properties: CoreProperties::new(&props),
            reasons: List::new(&codes),
        };
        return enc(Packet::SubAck(packet), out);
    }
    if let Ok(x) = obj.cast::<Unsubscribe>() {
        let x = x.get();
        let mut filters = Vec::new();
        for f in x.filters.bind(py).iter() {
            filters.push(f.cast::<PyString>()?.to_cow()?.into_owned());
        }
        let refs: Vec<&str> = filters.iter().map(String::as_str).collect();
        let props = x.properties.get().items();
        let packet = CoreUnsubscribe {
            packet_id: packet_id(py, x.packet_id)?,
            properties: CoreProperties::new(&props),
            filters: List::new(&refs),
        };
        return enc(Packet::Unsubscribe(packet), out);
    }
    if let Ok(x) = obj.cast::<UnsubAck>() {
        let x = x.get();
        let mut codes = Vec::new();
        for c in x.reasons.bind(py).iter() {
            codes.push(reason(
                py,
                c.extract()?,
                PacketType::UnsubAck,
                UnsubAckReason::from_u8,
            )?);
        }
        let props = x.properties.get().items();
        let packet = CoreUnsubAck {
            packet_id: packet_id(py, x.packet_id)?,
            properties: CoreProperties::new(&props),
            reasons: List::new(&codes),
        };
        return enc(Packet::UnsubAck(packet), out);
    }
    if obj.cast::<PingReq>().is_ok() {
        return enc(Packet::PingReq, out);
    }
    if obj.cast::<PingResp>().is_ok() {
        return enc(Packet::PingResp, out);
    }
    if let Ok(d) = obj.cast::<Disconnect>() {
        let d = d.get();
        let props = d.properties.get().items();
        let packet = CoreDisconnect {
            reason: reason(
                py,
                d.reason,
                PacketType::Disconnect,
                DisconnectReason::from_u8,
            )?,
            properties: CoreProperties::new(&props),
        };
        return enc(Packet::Disconnect(packet), out);
    }
    if let Ok(a) = obj.cast::<Auth>() {
        let a = a.get();
        let props = a.properties.get().items();
        let packet = CoreAuth {
            reason: reason(py, a.reason, PacketType::Auth, AuthReason::from_u8)?,
            properties: CoreProperties::new(&props),
        };
        return enc(Packet::Auth(packet), out);
    }
    Err(PyTypeError::new_err(format!(
        "expected an MQTT packet (Publish, Connect, …), got {}",
        obj.get_type().name()?
    )))
}

fn encode_connect(py: Python<'_>, c: &Connect, out: &mut Vec<u8>) -> PyResult<usize> {
    let protocol = ProtocolVersion::from_level(c.protocol)
        .ok_or_else(|| encode_violation(py, Violation::UnsupportedProtocolLevel(c.protocol)))?;
    let client_id = text(py, &c.client_id)?;
    let username = c.username.as_ref().map(|u| text(py, u)).transpose()?;
    let props = c.properties.get().items();
    let will_parts = match &c.will {
        Some(w) => {
            let w = w.get();
            Some((text(py, &w.topic)?, w.properties.get().items(), w))
        }
        None => None,
    };
    let will = match &will_parts {
        Some((topic, wprops, w)) => Some(CoreWill {
            qos: qos(py, w.qos)?,
            retain: w.retain,
            properties: CoreProperties::new(wprops),
            topic,
            payload: w.payload.bind(py).as_bytes(),
        }),
        None => None,
    };
    let packet = CoreConnect {
        protocol,
        clean_start: c.clean_start,
        keep_alive: c.keep_alive,
        properties: CoreProperties::new(&props),
        client_id: &client_id,
        will,
        username: username.as_deref(),
        password: c.password.as_ref().map(|p| p.bind(py).as_bytes()),
    };
    iotmqtt::encode(&Packet::Connect(packet), protocol, out)
        .map_err(|e| crate::errors::to_pyerr(py, &iotmqtt::Error::from(e)))
}

/// Encodes an MQTT packet object for a connection of ``version`` (4 = MQTT 3.1.1, 5 = MQTT 5.0;
/// a ``Connect`` is encoded for its own ``protocol``). Raises ``EncodeError`` (a
/// ``UsageError``) naming the rule a packet breaks, ``TypeError`` for an object that is not a
/// packet.
///
/// >>> import iotmqtt
/// >>> iotmqtt.encode(iotmqtt.PingReq())
/// b'\xc0\x00'
/// >>> iotmqtt.encode(iotmqtt.Publish("a/+", b""))
/// Traceback (most recent call last):
///   ...
/// iotmqtt.errors.EncodeError: cannot encode: wildcard in a topic name
#[pyfunction]
#[pyo3(signature = (packet, version = Version(ProtocolVersion::V5)))]
pub(crate) fn encode<'py>(
    py: Python<'py>,
    packet: &Bound<'py, PyAny>,
    version: Version,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut out = Vec::new();
    encode_into(py, packet, version.0, &mut out)?;
    Ok(PyBytes::new(py, &out))
}

fn core_decoder(version: ProtocolVersion, max_packet_size: Option<u32>) -> CoreDecoder {
    CoreDecoder::new(version).with_max_packet_size(max_packet_size.unwrap_or(MAX_PACKET_SIZE))
}

/// Decodes the packet at the start of ``data`` for a connection of ``version``; returns
/// ``(packet, length)``, the bytes it used. Raises ``MalformedError`` (with the rule's
/// ``code`` and the byte ``offset``) for bytes that break MQTT, ``IncompleteError`` (with
/// ``needed``) for a partial packet, ``TypeError`` for a ``str``.
///
/// >>> import iotmqtt
/// >>> iotmqtt.decode(bytes.fromhex("30050001616869"), 4)
/// (Publish(topic='a', payload=b'hi', qos=0, retain=False, dup=False, packet_id=None, properties=Properties()), 7)
/// >>> iotmqtt.decode(b"\x30\x05\x00")
/// Traceback (most recent call last):
///   ...
/// iotmqtt.errors.IncompleteError: incomplete packet: 4 more bytes needed
#[pyfunction]
#[pyo3(signature = (data, version = Version(ProtocolVersion::V5), max_packet_size = None))]
pub(crate) fn decode<'py>(
    py: Python<'py>,
    data: BytesArg<'py>,
    version: Version,
    max_packet_size: Option<u32>,
) -> PyResult<Bound<'py, PyTuple>> {
    let decoded = core_decoder(version.0, max_packet_size)
        .decode(data.as_slice())
        .map_err(|e| decode_error(py, e))?;
    let packet = packet_to_py(py, &decoded.packet, None)?;
    (packet, decoded.len).into_pyobject(py)
}

/// A streaming decoder: :meth:`feed` takes bytes as they arrive from a transport, split
/// anywhere, and returns the whole packets they complete. Only a partial packet is kept, never
/// more than ``max_packet_size`` bytes. After a ``MalformedError`` the stream cannot be
/// resynchronised: the decoder drops what it held.
///
/// >>> import iotmqtt
/// >>> d = iotmqtt.Decoder(4)
/// >>> d.feed(bytes.fromhex("30 05 00 01 61"))
/// []
/// >>> d.feed(bytes.fromhex("68 69 d0 00"))
/// [Publish(topic='a', payload=b'hi', qos=0, retain=False, dup=False, packet_id=None, properties=Properties()), PingResp()]
#[pyclass(module = "iotmqtt")]
pub(crate) struct Decoder {
    decoder: CoreDecoder,
    buf: Vec<u8>,
    topics: TopicCache,
}

impl Decoder {
    /// Decodes every whole packet at the front of `data` into `out`; returns the bytes used.
    fn drain(
        &mut self,
        py: Python<'_>,
        data: &[u8],
        out: &Bound<'_, PyList>,
    ) -> PyResult<Result<usize, DecodeError>> {
        let mut at = 0;
        while let Some(rest) = data.get(at..) {
            if rest.is_empty() {
                break;
            }
            match self.decoder.decode(rest) {
                Ok(d) => {
                    out.append(packet_to_py(py, &d.packet, Some(&mut self.topics))?)?;
                    at += d.len;
                }
                Err(DecodeError::Incomplete(_)) => break,
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok(at))
    }
}

#[pymethods]
impl Decoder {
    #[new]
    #[pyo3(signature = (version = Version(ProtocolVersion::V5), max_packet_size = None))]
    fn new(version: Version, max_packet_size: Option<u32>) -> Self {
        Decoder {
            decoder: core_decoder(version.0, max_packet_size),
            buf: Vec::new(),
            topics: TopicCache::default(),
        }
    }

    /// Adds ``data`` and returns the packets it completes, in order.
    fn feed<'py>(&mut self, py: Python<'py>, data: BytesArg<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        let mut data = data.as_slice();
        // A partial packet is completed with just the bytes it needs; the rest is decoded in
        // place, never copied.
        while !self.buf.is_empty() {
            let Some((&next, rest)) = data.split_first() else {
                return Ok(out);
            };
            let need = match self.decoder.header(&self.buf) {
                Ok(h) => h.packet_len().saturating_sub(self.buf.len()),
                Err(DecodeError::Incomplete(_)) => {
                    // The fixed header itself is cut short: one more byte.
                    self.buf.push(next);
                    data = rest;
                    continue;
                }
                Err(e) => {
                    self.buf.clear();
                    return Err(decode_error(py, e));
                }
            };
            let (head, tail) = data.split_at(need.min(data.len()));
            self.buf.extend_from_slice(head);
            data = tail;
            let buf = std::mem::take(&mut self.buf);
            match self.decoder.decode(&buf) {
                Ok(d) => {
                    out.append(packet_to_py(py, &d.packet, Some(&mut self.topics))?)?;
                }
                Err(DecodeError::Incomplete(_)) => {
                    self.buf = buf;
                    return Ok(out);
                }
                Err(e) => return Err(decode_error(py, e)),
            }
        }
        match self.drain(py, data, &out)? {
            Ok(used) => {
                self.buf
                    .extend_from_slice(data.get(used..).unwrap_or_default());
                Ok(out)
            }
            Err(e) => {
                self.buf.clear();
                Err(decode_error(py, e))
            }
        }
    }

    /// Bytes of a partial packet held.
    #[getter]
    fn buffered(&self) -> usize {
        self.buf.len()
    }
}

/// Decodes every whole packet in ``data`` (packets back to back) in one call; returns
/// ``(packets, length)``, where ``length`` is the bytes used (the rest is a partial packet).
/// Raises ``MalformedError`` as :func:`decode` does.
#[pyfunction]
#[pyo3(signature = (data, version = Version(ProtocolVersion::V5), max_packet_size = None))]
pub(crate) fn decode_all<'py>(
    py: Python<'py>,
    data: BytesArg<'py>,
    version: Version,
    max_packet_size: Option<u32>,
) -> PyResult<Bound<'py, PyTuple>> {
    let mut d = Decoder {
        decoder: core_decoder(version.0, max_packet_size),
        buf: Vec::new(),
        topics: TopicCache::default(),
    };
    let out = PyList::empty(py);
    match d.drain(py, data.as_slice(), &out)? {
        Ok(used) => (out, used).into_pyobject(py),
        Err(e) => Err(decode_error(py, e)),
    }
}
