//! proptest strategies for every MQTT control packet in both protocol versions.
//!
//! A [`Packet`] borrows its strings, so the strategies produce owned [`Spec`]s, and
//! [`Spec::with_packet`] lends the matching `Packet` to a closure. Every spec is valid for the
//! version it was generated for: encoding it succeeds and decoding the bytes gives it back.
//!
//! Reusable outside these tests (fuzz targets, client tests):
//! `#[path = "../../core/tests/common/strategies.rs"] mod strategies;`.

// `pub` marks the reusable surface; a test binary that includes this file exports nothing, and
// uses only some of it.
#![allow(dead_code, unreachable_pub)]
// Test support fails by panicking, like the tests that use it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iotmqtt::{
    Auth, AuthReason, Connack, Connect, ConnectReason, Disconnect, DisconnectReason, List, Packet,
    PacketId, PacketType, Properties, Property, PropertyContext, PropertyId, PropertyType,
    ProtocolVersion, PubAck, PubAckReason, PubComp, PubRec, PubRel, PubRelReason, Publish, QoS,
    RetainHandling, SubAck, SubAckReason, Subscribe, Subscription, SubscriptionOptions, UnsubAck,
    UnsubAckReason, Unsubscribe, VARINT_MAX, Will,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

/// An owned property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Byte-sized flags.
    Bool(bool),
    /// Maximum QoS.
    Qos(QoS),
    /// Two-byte integer.
    U16(u16),
    /// Four-byte integer or Variable Byte Integer.
    U32(u32),
    /// UTF-8 string.
    Str(String),
    /// Binary data.
    Bin(Vec<u8>),
    /// UTF-8 string pair.
    Pair(String, String),
}

/// An owned property.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// Which property.
    pub id: PropertyId,
    /// Its value.
    pub value: Value,
}

impl Prop {
    /// The borrowed property.
    pub fn get(&self) -> Property<'_> {
        use PropertyId as I;
        use Value as V;
        match (self.id, &self.value) {
            (I::PayloadFormatIndicator, V::Bool(b)) => Property::PayloadFormatIndicator(*b),
            (I::MessageExpiryInterval, V::U32(v)) => Property::MessageExpiryInterval(*v),
            (I::ContentType, V::Str(s)) => Property::ContentType(s),
            (I::ResponseTopic, V::Str(s)) => Property::ResponseTopic(s),
            (I::CorrelationData, V::Bin(b)) => Property::CorrelationData(b),
            (I::SubscriptionIdentifier, V::U32(v)) => Property::SubscriptionIdentifier(*v),
            (I::SessionExpiryInterval, V::U32(v)) => Property::SessionExpiryInterval(*v),
            (I::AssignedClientIdentifier, V::Str(s)) => Property::AssignedClientIdentifier(s),
            (I::ServerKeepAlive, V::U16(v)) => Property::ServerKeepAlive(*v),
            (I::AuthenticationMethod, V::Str(s)) => Property::AuthenticationMethod(s),
            (I::AuthenticationData, V::Bin(b)) => Property::AuthenticationData(b),
            (I::RequestProblemInformation, V::Bool(b)) => Property::RequestProblemInformation(*b),
            (I::WillDelayInterval, V::U32(v)) => Property::WillDelayInterval(*v),
            (I::RequestResponseInformation, V::Bool(b)) => Property::RequestResponseInformation(*b),
            (I::ResponseInformation, V::Str(s)) => Property::ResponseInformation(s),
            (I::ServerReference, V::Str(s)) => Property::ServerReference(s),
            (I::ReasonString, V::Str(s)) => Property::ReasonString(s),
            (I::ReceiveMaximum, V::U16(v)) => Property::ReceiveMaximum(*v),
            (I::TopicAliasMaximum, V::U16(v)) => Property::TopicAliasMaximum(*v),
            (I::TopicAlias, V::U16(v)) => Property::TopicAlias(*v),
            (I::MaximumQos, V::Qos(q)) => Property::MaximumQos(*q),
            (I::RetainAvailable, V::Bool(b)) => Property::RetainAvailable(*b),
            (I::UserProperty, V::Pair(k, v)) => Property::UserProperty(k, v),
            (I::MaximumPacketSize, V::U32(v)) => Property::MaximumPacketSize(*v),
            (I::WildcardSubscriptionAvailable, V::Bool(b)) => {
                Property::WildcardSubscriptionAvailable(*b)
            }
            (I::SubscriptionIdentifierAvailable, V::Bool(b)) => {
                Property::SubscriptionIdentifierAvailable(*b)
            }
            (I::SharedSubscriptionAvailable, V::Bool(b)) => {
                Property::SharedSubscriptionAvailable(*b)
            }
            (id, v) => panic!("strategy bug: {id:?} with {v:?}"),
        }
    }
}

/// Borrows a list of owned properties.
pub fn borrow_props(props: &[Prop]) -> Vec<Property<'_>> {
    props.iter().map(Prop::get).collect()
}

/// A string MQTT allows (no U+0000), up to `max` characters of any plane.
pub fn mqtt_string(max: usize) -> BoxedStrategy<String> {
    prop_oneof![
        3 => proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap(),
        1 => proptest::string::string_regex(&format!("[^\\x00]{{0,{max}}}")).unwrap(),
    ]
    .boxed()
}

/// A non-empty Topic Name: no U+0000, `+` or `#`.
pub fn topic_name() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z0-9$_/-]{1,40}",
        1 => "[^\\x00+#]{1,16}",
        1 => "\\$oc/devices/[a-z0-9_]{1,32}/sys/properties/report",
    ]
    .boxed()
}

/// A valid Topic Filter (never a `$share/` one; see [`subscription`]).
pub fn topic_filter() -> BoxedStrategy<String> {
    let level = prop_oneof![1 => Just("+".to_string()), 3 => "[^\\x00+#/]{0,5}"];
    (vec(level, 1..5), any::<bool>())
        .prop_map(|(levels, hash)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str(if f.is_empty() { "#" } else { "/#" });
            }
            if f.is_empty() {
                f.push('a');
            }
            f
        })
        .boxed()
}

fn value(id: PropertyId) -> BoxedStrategy<Value> {
    use PropertyId as I;
    match id {
        I::MaximumQos => prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce)]
            .prop_map(Value::Qos)
            .boxed(),
        I::ReceiveMaximum | I::TopicAlias => (1..=u16::MAX).prop_map(Value::U16).boxed(),
        I::MaximumPacketSize => (1..=u32::MAX).prop_map(Value::U32).boxed(),
        I::SubscriptionIdentifier => (1..=VARINT_MAX).prop_map(Value::U32).boxed(),
        I::ResponseTopic => topic_name().prop_map(Value::Str).boxed(),
        _ => match id.wire_type() {
            PropertyType::Byte => any::<bool>().prop_map(Value::Bool).boxed(),
            PropertyType::TwoByteInteger => any::<u16>().prop_map(Value::U16).boxed(),
            PropertyType::FourByteInteger => any::<u32>().prop_map(Value::U32).boxed(),
            PropertyType::VarInt => (0..=VARINT_MAX).prop_map(Value::U32).boxed(),
            PropertyType::Utf8String => mqtt_string(12).prop_map(Value::Str).boxed(),
            PropertyType::BinaryData => vec(any::<u8>(), 0..12).prop_map(Value::Bin).boxed(),
            PropertyType::Utf8StringPair => (mqtt_string(8), mqtt_string(8))
                .prop_map(|(k, v)| Value::Pair(k, v))
                .boxed(),
        },
    }
}

fn prop_of(id: PropertyId) -> BoxedStrategy<Prop> {
    value(id).prop_map(move |value| Prop { id, value }).boxed()
}

/// A valid property list for `ctx`: any subset of the allowed properties, User Properties (and
/// in PUBLISH Subscription Identifiers) repeated, Authentication Data only with a Method, in
/// any order.
pub fn props(ctx: PropertyContext) -> BoxedStrategy<Vec<Prop>> {
    let singles: Vec<PropertyId> = PropertyId::ALL
        .iter()
        .copied()
        .filter(|id| ctx.allows(*id) && !ctx.allows_repeat(*id))
        .collect();
    let repeatable: Vec<PropertyId> = PropertyId::ALL
        .iter()
        .copied()
        .filter(|id| ctx.allows(*id) && ctx.allows_repeat(*id))
        .collect();
    let n = singles.len();
    let chosen = subsequence(singles, 0..=n)
        .prop_flat_map(|ids| ids.into_iter().map(prop_of).collect::<Vec<_>>());
    let repeated = if repeatable.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        vec(select(repeatable).prop_flat_map(prop_of), 0..3).boxed()
    };
    (chosen, repeated, "[a-z]{1,8}")
        .prop_flat_map(|(mut list, more, method)| {
            list.extend(more);
            let has = |id| list.iter().any(|p: &Prop| p.id == id);
            if has(PropertyId::AuthenticationData) && !has(PropertyId::AuthenticationMethod) {
                list.push(Prop {
                    id: PropertyId::AuthenticationMethod,
                    value: Value::Str(method),
                });
            }
            Just(list).prop_shuffle()
        })
        .boxed()
}

/// Properties for `version`: none in 3.1.1.
fn props_for(version: ProtocolVersion, ctx: PropertyContext) -> BoxedStrategy<Vec<Prop>> {
    match version {
        ProtocolVersion::V311 => Just(Vec::new()).boxed(),
        ProtocolVersion::V5 => props(ctx),
    }
}

/// A Packet Identifier (never 0).
pub fn packet_id() -> BoxedStrategy<PacketId> {
    (1..=u16::MAX)
        .prop_map(|n| PacketId::new(n).unwrap())
        .boxed()
}

/// Any QoS.
pub fn qos() -> BoxedStrategy<QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
    .boxed()
}

/// The Will of a CONNECT.
#[derive(Debug, Clone)]
pub struct WillSpec {
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// Will properties.
    pub props: Vec<Prop>,
    /// Will Topic.
    pub topic: String,
    /// Will Payload.
    pub payload: Vec<u8>,
}

/// An owned packet; [`Spec::with_packet`] lends it as a [`Packet`].
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Spec {
    Connect {
        protocol: ProtocolVersion,
        clean_start: bool,
        keep_alive: u16,
        props: Vec<Prop>,
        client_id: String,
        will: Option<WillSpec>,
        username: Option<String>,
        password: Option<Vec<u8>>,
    },
    Connack {
        session_present: bool,
        reason: ConnectReason,
        props: Vec<Prop>,
    },
    Publish {
        dup: bool,
        qos: QoS,
        retain: bool,
        topic: String,
        packet_id: Option<PacketId>,
        props: Vec<Prop>,
        payload: Vec<u8>,
    },
    PubAck {
        packet_id: PacketId,
        reason: PubAckReason,
        props: Vec<Prop>,
    },
    PubRec {
        packet_id: PacketId,
        reason: PubAckReason,
        props: Vec<Prop>,
    },
    PubRel {
        packet_id: PacketId,
        reason: PubRelReason,
        props: Vec<Prop>,
    },
    PubComp {
        packet_id: PacketId,
        reason: PubRelReason,
        props: Vec<Prop>,
    },
    Subscribe {
        packet_id: PacketId,
        props: Vec<Prop>,
        subscriptions: Vec<(String, SubscriptionOptions)>,
    },
    SubAck {
        packet_id: PacketId,
        props: Vec<Prop>,
        reasons: Vec<SubAckReason>,
    },
    Unsubscribe {
        packet_id: PacketId,
        props: Vec<Prop>,
        filters: Vec<String>,
    },
    UnsubAck {
        packet_id: PacketId,
        props: Vec<Prop>,
        reasons: Vec<UnsubAckReason>,
    },
    PingReq,
    PingResp,
    Disconnect {
        reason: DisconnectReason,
        props: Vec<Prop>,
    },
    Auth {
        reason: AuthReason,
        props: Vec<Prop>,
    },
}

impl Spec {
    /// Calls `f` with the packet this spec describes.
    pub fn with_packet<R>(&self, f: impl FnOnce(&Packet<'_>) -> R) -> R {
        macro_rules! ack {
            ($t:ident, $id:expr, $reason:expr, $props:expr) => {{
                let p = borrow_props($props);
                f(&Packet::$t($t {
                    packet_id: *$id,
                    reason: *$reason,
                    properties: Properties::new(&p),
                }))
            }};
        }
        match self {
            Spec::Connect {
                protocol,
                clean_start,
                keep_alive,
                props,
                client_id,
                will,
                username,
                password,
            } => {
                let p = borrow_props(props);
                let wp = will
                    .as_ref()
                    .map(|w| borrow_props(&w.props))
                    .unwrap_or_default();
                let packet = Packet::Connect(Connect {
                    protocol: *protocol,
                    clean_start: *clean_start,
                    keep_alive: *keep_alive,
                    properties: Properties::new(&p),
                    client_id,
                    will: will.as_ref().map(|w| Will {
                        qos: w.qos,
                        retain: w.retain,
                        properties: Properties::new(&wp),
                        topic: &w.topic,
                        payload: &w.payload,
                    }),
                    username: username.as_deref(),
                    password: password.as_deref(),
                });
                f(&packet)
            }
            Spec::Connack {
                session_present,
                reason,
                props,
            } => {
                let p = borrow_props(props);
                f(&Packet::Connack(Connack {
                    session_present: *session_present,
                    reason: *reason,
                    properties: Properties::new(&p),
                }))
            }
            Spec::Publish {
                dup,
                qos,
                retain,
                topic,
                packet_id,
                props,
                payload,
            } => {
                let p = borrow_props(props);
                f(&Packet::Publish(Publish {
                    dup: *dup,
                    qos: *qos,
                    retain: *retain,
                    topic,
                    packet_id: *packet_id,
                    properties: Properties::new(&p),
                    payload,
                }))
            }
            Spec::PubAck {
                packet_id,
                reason,
                props,
            } => ack!(PubAck, packet_id, reason, props),
            Spec::PubRec {
                packet_id,
                reason,
                props,
            } => ack!(PubRec, packet_id, reason, props),
            Spec::PubRel {
                packet_id,
                reason,
                props,
            } => ack!(PubRel, packet_id, reason, props),
            Spec::PubComp {
                packet_id,
                reason,
                props,
            } => ack!(PubComp, packet_id, reason, props),
            Spec::Subscribe {
                packet_id,
                props,
                subscriptions,
            } => {
                let p = borrow_props(props);
                let subs: Vec<Subscription<'_>> = subscriptions
                    .iter()
                    .map(|(filter, options)| Subscription {
                        filter,
                        options: *options,
                    })
                    .collect();
                f(&Packet::Subscribe(Subscribe {
                    packet_id: *packet_id,
                    properties: Properties::new(&p),
                    subscriptions: List::new(&subs),
                }))
            }
            Spec::SubAck {
                packet_id,
                props,
                reasons,
            } => {
                let p = borrow_props(props);
                f(&Packet::SubAck(SubAck {
                    packet_id: *packet_id,
                    properties: Properties::new(&p),
                    reasons: List::new(reasons),
                }))
            }
            Spec::Unsubscribe {
                packet_id,
                props,
                filters,
            } => {
                let p = borrow_props(props);
                let fs: Vec<&str> = filters.iter().map(String::as_str).collect();
                f(&Packet::Unsubscribe(Unsubscribe {
                    packet_id: *packet_id,
                    properties: Properties::new(&p),
                    filters: List::new(&fs),
                }))
            }
            Spec::UnsubAck {
                packet_id,
                props,
                reasons,
            } => {
                let p = borrow_props(props);
                f(&Packet::UnsubAck(UnsubAck {
                    packet_id: *packet_id,
                    properties: Properties::new(&p),
                    reasons: List::new(reasons),
                }))
            }
            Spec::PingReq => f(&Packet::PingReq),
            Spec::PingResp => f(&Packet::PingResp),
            Spec::Disconnect { reason, props } => {
                let p = borrow_props(props);
                f(&Packet::Disconnect(Disconnect {
                    reason: *reason,
                    properties: Properties::new(&p),
                }))
            }
            Spec::Auth { reason, props } => {
                let p = borrow_props(props);
                f(&Packet::Auth(Auth {
                    reason: *reason,
                    properties: Properties::new(&p),
                }))
            }
        }
    }

    /// The packet type.
    pub fn packet_type(&self) -> PacketType {
        self.with_packet(|p| p.packet_type())
    }
}

fn is_v5(v: ProtocolVersion) -> bool {
    v == ProtocolVersion::V5
}

/// A CONNECT for `version` (its protocol field is `version`).
pub fn connect(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    let will = (
        qos(),
        any::<bool>(),
        props_for(version, PropertyContext::Will),
        topic_name(),
        vec(any::<u8>(), 0..32),
    )
        .prop_map(|(qos, retain, props, topic, payload)| WillSpec {
            qos,
            retain,
            props,
            topic,
            payload,
        });
    (
        any::<bool>(),
        any::<u16>(),
        props_for(version, PropertyContext::Connect),
        prop_oneof!["[0-9a-zA-Z]{0,23}", mqtt_string(100)],
        proptest::option::of(will),
        proptest::option::of(mqtt_string(16)),
        proptest::option::of(vec(any::<u8>(), 0..16)),
    )
        .prop_map(
            move |(clean_start, keep_alive, props, client_id, will, username, password)| {
                // 3.1.1: a password needs a user name [MQTT-3.1.2-22].
                let password = if is_v5(version) || username.is_some() {
                    password
                } else {
                    None
                };
                Spec::Connect {
                    protocol: version,
                    clean_start,
                    keep_alive,
                    props,
                    client_id,
                    will,
                    username,
                    password,
                }
            },
        )
        .boxed()
}

/// A CONNACK for `version`.
pub fn connack(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    let reasons: Vec<ConnectReason> = ConnectReason::ALL
        .iter()
        .copied()
        .filter(|r| is_v5(version) || r.to_v3_return_code().is_some())
        .collect();
    (
        any::<bool>(),
        select(reasons),
        props_for(version, PropertyContext::Connack),
    )
        .prop_map(|(sp, reason, props)| Spec::Connack {
            // No session with a refusal [MQTT-3.2.2-6].
            session_present: sp && !reason.is_error(),
            reason,
            props,
        })
        .boxed()
}

/// A PUBLISH for `version`.
pub fn publish(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    (
        qos(),
        any::<bool>(),
        any::<bool>(),
        topic_name(),
        packet_id(),
        props_for(version, PropertyContext::Publish),
        vec(any::<u8>(), 0..300),
        any::<bool>(),
    )
        .prop_map(
            |(qos, dup, retain, topic, id, props, payload, drop_topic)| {
                let qos0 = qos == QoS::AtMostOnce;
                let alias = props.iter().any(|p| p.id == PropertyId::TopicAlias);
                Spec::Publish {
                    dup: dup && !qos0,
                    qos,
                    retain,
                    // With a Topic Alias the name may be empty (5.0 §3.3.2.3.4).
                    topic: if alias && drop_topic {
                        String::new()
                    } else {
                        topic
                    },
                    packet_id: if qos0 { None } else { Some(id) },
                    props,
                    payload,
                }
            },
        )
        .boxed()
}

macro_rules! ack_strategy {
    ($fn:ident, $variant:ident, $reason:ident, $ctx:ident) => {
        #[doc = concat!("A ", stringify!($variant), " for `version`.")]
        pub fn $fn(version: ProtocolVersion) -> BoxedStrategy<Spec> {
            let reason = if is_v5(version) {
                select($reason::ALL).boxed()
            } else {
                Just($reason::Success).boxed()
            };
            (
                packet_id(),
                reason,
                props_for(version, PropertyContext::$ctx),
            )
                .prop_map(|(packet_id, reason, props)| Spec::$variant {
                    packet_id,
                    reason,
                    props,
                })
                .boxed()
        }
    };
}

ack_strategy!(puback, PubAck, PubAckReason, PubAck);
ack_strategy!(pubrec, PubRec, PubAckReason, PubRec);
ack_strategy!(pubrel, PubRel, PubRelReason, PubRel);
ack_strategy!(pubcomp, PubComp, PubRelReason, PubComp);

/// One subscription: a filter and options valid for `version` (shared ones in 5.0).
pub fn subscription(version: ProtocolVersion) -> BoxedStrategy<(String, SubscriptionOptions)> {
    let rh = prop_oneof![
        Just(RetainHandling::SendAtSubscribe),
        Just(RetainHandling::SendIfNew),
        Just(RetainHandling::DoNotSend)
    ];
    (
        topic_filter(),
        qos(),
        any::<bool>(),
        any::<bool>(),
        rh,
        proptest::option::weighted(0.2, "[a-z0-9]{1,6}"),
    )
        .prop_map(move |(filter, qos, no_local, rap, rh, share)| {
            if !is_v5(version) {
                return (filter, SubscriptionOptions::qos(qos));
            }
            let (filter, no_local) = match share {
                // No Local is not allowed on a shared subscription [MQTT-3.8.3-4].
                Some(group) => (format!("$share/{group}/{filter}"), false),
                None => (filter, no_local),
            };
            let options = SubscriptionOptions {
                qos,
                no_local,
                retain_as_published: rap,
                retain_handling: rh,
            };
            (filter, options)
        })
        .boxed()
}

/// A SUBSCRIBE for `version`.
pub fn subscribe(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    (
        packet_id(),
        props_for(version, PropertyContext::Subscribe),
        vec(subscription(version), 1..5),
    )
        .prop_map(|(packet_id, props, subscriptions)| Spec::Subscribe {
            packet_id,
            props,
            subscriptions,
        })
        .boxed()
}

/// A SUBACK for `version`.
pub fn suback(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    let codes: Vec<SubAckReason> = SubAckReason::ALL
        .iter()
        .copied()
        .filter(|c| is_v5(version) || c.is_v3())
        .collect();
    (
        packet_id(),
        props_for(version, PropertyContext::SubAck),
        vec(select(codes), 1..6),
    )
        .prop_map(|(packet_id, props, reasons)| Spec::SubAck {
            packet_id,
            props,
            reasons,
        })
        .boxed()
}

/// An UNSUBSCRIBE for `version`.
pub fn unsubscribe(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    (
        packet_id(),
        props_for(version, PropertyContext::Unsubscribe),
        vec(topic_filter(), 1..5),
    )
        .prop_map(|(packet_id, props, filters)| Spec::Unsubscribe {
            packet_id,
            props,
            filters,
        })
        .boxed()
}

/// An UNSUBACK for `version` (no reason codes in 3.1.1).
pub fn unsuback(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    let reasons = if is_v5(version) {
        vec(select(UnsubAckReason::ALL), 1..6).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (
        packet_id(),
        props_for(version, PropertyContext::UnsubAck),
        reasons,
    )
        .prop_map(|(packet_id, props, reasons)| Spec::UnsubAck {
            packet_id,
            props,
            reasons,
        })
        .boxed()
}

/// A PINGREQ.
pub fn pingreq() -> BoxedStrategy<Spec> {
    Just(Spec::PingReq).boxed()
}

/// A PINGRESP.
pub fn pingresp() -> BoxedStrategy<Spec> {
    Just(Spec::PingResp).boxed()
}

/// A DISCONNECT for `version`.
pub fn disconnect(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    let reason = if is_v5(version) {
        select(DisconnectReason::ALL).boxed()
    } else {
        Just(DisconnectReason::NormalDisconnection).boxed()
    };
    (reason, props_for(version, PropertyContext::Disconnect))
        .prop_map(|(reason, props)| Spec::Disconnect { reason, props })
        .boxed()
}

/// An AUTH (MQTT 5 only).
pub fn auth() -> BoxedStrategy<Spec> {
    (select(AuthReason::ALL), props(PropertyContext::Auth))
        .prop_map(|(reason, props)| Spec::Auth { reason, props })
        .boxed()
}

/// A packet of type `t` for `version`. AUTH in 3.1.1 has no strategy (it does not exist).
pub fn packet_of(t: PacketType, version: ProtocolVersion) -> BoxedStrategy<Spec> {
    match t {
        PacketType::Connect => connect(version),
        PacketType::Connack => connack(version),
        PacketType::Publish => publish(version),
        PacketType::PubAck => puback(version),
        PacketType::PubRec => pubrec(version),
        PacketType::PubRel => pubrel(version),
        PacketType::PubComp => pubcomp(version),
        PacketType::Subscribe => subscribe(version),
        PacketType::SubAck => suback(version),
        PacketType::Unsubscribe => unsubscribe(version),
        PacketType::UnsubAck => unsuback(version),
        PacketType::PingReq => pingreq(),
        PacketType::PingResp => pingresp(),
        PacketType::Disconnect => disconnect(version),
        PacketType::Auth => {
            assert!(is_v5(version), "AUTH does not exist in MQTT 3.1.1");
            auth()
        }
    }
}

/// Every packet type that exists in `version`.
pub fn packet_types(version: ProtocolVersion) -> Vec<PacketType> {
    (1..=15u8)
        .filter_map(PacketType::from_u8)
        .filter(|t| is_v5(version) || *t != PacketType::Auth)
        .collect()
}

/// Any packet for `version`.
pub fn packet(version: ProtocolVersion) -> BoxedStrategy<Spec> {
    let all: Vec<BoxedStrategy<Spec>> = packet_types(version)
        .into_iter()
        .map(|t| packet_of(t, version))
        .collect();
    proptest::strategy::Union::new(all).boxed()
}

/// Either version.
pub fn version() -> BoxedStrategy<ProtocolVersion> {
    prop_oneof![Just(ProtocolVersion::V311), Just(ProtocolVersion::V5)].boxed()
}
