//! [`PacketSpec`]: any MQTT control packet built from fuzz input, mostly valid.
//!
//! A [`Packet`] borrows its lists (properties, subscriptions, reason codes) as slices, so the
//! spec owns those vectors and [`PacketSpec::packet`] lends the packet. Strings and payloads
//! borrow from the fuzz input itself. Properties are drawn from those the packet allows (seven
//! times in eight), so most specs encode; the rest exercise the encoder's refusals.

use alloc::vec::Vec;

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::codec::{
    Auth, AuthReason, Connack, Connect, ConnectReason, Disconnect, DisconnectReason, List, Packet,
    PacketId, Properties, Property, PropertyContext, PropertyId, ProtocolVersion, PubAck,
    PubAckReason, PubComp, PubCompReason, PubRec, PubRecReason, PubRel, PubRelReason, Publish, QoS,
    RetainHandling, SubAck, SubAckReason, Subscribe, Subscription, SubscriptionOptions, UnsubAck,
    UnsubAckReason, Unsubscribe, Will,
};

/// Any QoS.
pub(super) fn qos(u: &mut Unstructured<'_>) -> Result<QoS> {
    u.choose(&[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
        .copied()
}

/// A packet identifier, usually small (so acknowledgements from the fuzzer can hit one that
/// is in flight).
pub(super) fn packet_id(u: &mut Unstructured<'_>) -> Result<PacketId> {
    let n: u16 = if u.ratio(3, 4)? {
        u.int_in_range(1..=8)?
    } else {
        u.arbitrary()?
    };
    PacketId::new(n)
        .or(PacketId::new(1))
        .ok_or(arbitrary::Error::IncorrectFormat)
}

/// A protocol version.
pub(super) fn version(u: &mut Unstructured<'_>) -> Result<ProtocolVersion> {
    Ok(if u.arbitrary()? {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V311
    })
}

/// One of a reason enum's codes.
fn reason<T: Copy>(u: &mut Unstructured<'_>, all: &[T]) -> Result<T> {
    u.choose(all).copied()
}

/// A short string from the input; one time in four one of a few topic-like strings, so that
/// filters and topics meet.
pub(super) fn text<'a>(u: &mut Unstructured<'a>) -> Result<&'a str> {
    if u.ratio(1, 4)? {
        return u
            .choose(&[
                "a",
                "a/b",
                "a/+",
                "#",
                "+/b",
                "$share/g/a",
                "$oc/devices/d/sys/#",
                "",
            ])
            .copied();
    }
    u.arbitrary()
}

/// A value of the type property `id` carries.
fn property<'a>(u: &mut Unstructured<'a>, id: PropertyId) -> Result<Property<'a>> {
    use PropertyId as I;
    Ok(match id {
        I::PayloadFormatIndicator => Property::PayloadFormatIndicator(u.arbitrary()?),
        I::MessageExpiryInterval => Property::MessageExpiryInterval(u.arbitrary()?),
        I::ContentType => Property::ContentType(text(u)?),
        I::ResponseTopic => Property::ResponseTopic(text(u)?),
        I::CorrelationData => Property::CorrelationData(u.arbitrary()?),
        I::SubscriptionIdentifier => Property::SubscriptionIdentifier(u.arbitrary()?),
        I::SessionExpiryInterval => Property::SessionExpiryInterval(u.arbitrary()?),
        I::AssignedClientIdentifier => Property::AssignedClientIdentifier(text(u)?),
        I::ServerKeepAlive => Property::ServerKeepAlive(u.arbitrary()?),
        I::AuthenticationMethod => Property::AuthenticationMethod(text(u)?),
        I::AuthenticationData => Property::AuthenticationData(u.arbitrary()?),
        I::RequestProblemInformation => Property::RequestProblemInformation(u.arbitrary()?),
        I::WillDelayInterval => Property::WillDelayInterval(u.arbitrary()?),
        I::RequestResponseInformation => Property::RequestResponseInformation(u.arbitrary()?),
        I::ResponseInformation => Property::ResponseInformation(text(u)?),
        I::ServerReference => Property::ServerReference(text(u)?),
        I::ReasonString => Property::ReasonString(text(u)?),
        I::ReceiveMaximum => Property::ReceiveMaximum(small_u16(u)?),
        I::TopicAliasMaximum => Property::TopicAliasMaximum(small_u16(u)?),
        I::TopicAlias => Property::TopicAlias(small_u16(u)?),
        I::MaximumQos => Property::MaximumQos(qos(u)?),
        I::RetainAvailable => Property::RetainAvailable(u.arbitrary()?),
        I::UserProperty => Property::UserProperty(text(u)?, text(u)?),
        I::MaximumPacketSize => Property::MaximumPacketSize(if u.arbitrary()? {
            u.int_in_range(0..=512)?
        } else {
            u.arbitrary()?
        }),
        I::WildcardSubscriptionAvailable => Property::WildcardSubscriptionAvailable(u.arbitrary()?),
        I::SubscriptionIdentifierAvailable => {
            Property::SubscriptionIdentifierAvailable(u.arbitrary()?)
        }
        I::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(u.arbitrary()?),
    })
}

/// Mostly small values (limits and aliases that matter), sometimes any.
fn small_u16(u: &mut Unstructured<'_>) -> Result<u16> {
    if u.ratio(3, 4)? {
        u.int_in_range(0..=8)
    } else {
        u.arbitrary()
    }
}

/// A property list for `ctx`, nearly always of properties it allows.
pub(super) fn properties<'a>(
    u: &mut Unstructured<'a>,
    ctx: PropertyContext,
) -> Result<Vec<Property<'a>>> {
    let allowed: Vec<PropertyId> = PropertyId::ALL
        .iter()
        .copied()
        .filter(|id| ctx.allows(*id))
        .collect();
    let n = u.int_in_range(0..=4u8)?;
    let mut out = Vec::new();
    for _ in 0..n {
        let id = if allowed.is_empty() || u.ratio(1, 8)? {
            *u.choose(PropertyId::ALL)?
        } else {
            *u.choose(&allowed)?
        };
        let p = property(u, id)?;
        // A repeated single property now and then: the duplicate check.
        let repeat = out.iter().any(|q: &Property<'_>| q.id() == id);
        if !repeat || ctx.allows_repeat(id) || u.ratio(1, 8)? {
            out.push(p);
        }
    }
    Ok(out)
}

fn subscription_options(u: &mut Unstructured<'_>) -> Result<SubscriptionOptions> {
    Ok(SubscriptionOptions {
        qos: qos(u)?,
        no_local: u.ratio(1, 4)?,
        retain_as_published: u.arbitrary()?,
        retain_handling: *u.choose(&[
            RetainHandling::SendAtSubscribe,
            RetainHandling::SendIfNew,
            RetainHandling::DoNotSend,
        ])?,
    })
}

/// The packet a [`PacketSpec`] lends, without its lists.
#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    Connect {
        protocol: ProtocolVersion,
        clean_start: bool,
        keep_alive: u16,
        client_id: &'a str,
        will: Option<(QoS, bool, &'a str, &'a [u8])>,
        username: Option<&'a str>,
        password: Option<&'a [u8]>,
    },
    Connack {
        session_present: bool,
        reason: ConnectReason,
    },
    Publish {
        dup: bool,
        qos: QoS,
        retain: bool,
        topic: &'a str,
        packet_id: Option<PacketId>,
        payload: &'a [u8],
    },
    PubAck(PacketId, PubAckReason),
    PubRec(PacketId, PubRecReason),
    PubRel(PacketId, PubRelReason),
    PubComp(PacketId, PubCompReason),
    Subscribe(PacketId),
    SubAck(PacketId),
    Unsubscribe(PacketId),
    UnsubAck(PacketId),
    PingReq,
    PingResp,
    Disconnect(DisconnectReason),
    Auth(AuthReason),
}

/// An owned description of one control packet; [`PacketSpec::packet`] lends the packet.
#[derive(Debug, Clone)]
pub struct PacketSpec<'a> {
    kind: Kind<'a>,
    props: Vec<Property<'a>>,
    will_props: Vec<Property<'a>>,
    subscriptions: Vec<Subscription<'a>>,
    filters: Vec<&'a str>,
    suback: Vec<SubAckReason>,
    unsuback: Vec<UnsubAckReason>,
}

impl<'a> Arbitrary<'a> for PacketSpec<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        use PropertyContext as C;
        let tag = u.int_in_range(0..=14u8)?;
        let mut spec = PacketSpec {
            kind: Kind::PingReq,
            props: Vec::new(),
            will_props: Vec::new(),
            subscriptions: Vec::new(),
            filters: Vec::new(),
            suback: Vec::new(),
            unsuback: Vec::new(),
        };
        let (kind, ctx) = match tag {
            0 => {
                let will = if u.arbitrary()? {
                    spec.will_props = properties(u, C::Will)?;
                    Some((qos(u)?, u.arbitrary()?, text(u)?, u.arbitrary()?))
                } else {
                    None
                };
                let username: Option<&str> = u.arbitrary()?;
                let password = if username.is_some() || u.ratio(1, 4)? {
                    u.arbitrary()?
                } else {
                    None
                };
                let kind = Kind::Connect {
                    protocol: version(u)?,
                    clean_start: u.arbitrary()?,
                    keep_alive: u.arbitrary()?,
                    client_id: text(u)?,
                    will,
                    username,
                    password,
                };
                (kind, Some(C::Connect))
            }
            1 => {
                let reason = reason(u, ConnectReason::ALL)?;
                let kind = Kind::Connack {
                    session_present: u.arbitrary()? && !reason.is_error(),
                    reason,
                };
                (kind, Some(C::Connack))
            }
            2 => {
                let qos = qos(u)?;
                let kind = Kind::Publish {
                    dup: qos != QoS::AtMostOnce && u.arbitrary()?,
                    qos,
                    retain: u.arbitrary()?,
                    topic: text(u)?,
                    packet_id: if qos == QoS::AtMostOnce {
                        None
                    } else {
                        Some(packet_id(u)?)
                    },
                    payload: u.arbitrary()?,
                };
                (kind, Some(C::Publish))
            }
            3 => (
                Kind::PubAck(packet_id(u)?, reason(u, PubAckReason::ALL)?),
                Some(C::PubAck),
            ),
            4 => (
                Kind::PubRec(packet_id(u)?, reason(u, PubRecReason::ALL)?),
                Some(C::PubRec),
            ),
            5 => (
                Kind::PubRel(packet_id(u)?, reason(u, PubRelReason::ALL)?),
                Some(C::PubRel),
            ),
            6 => (
                Kind::PubComp(packet_id(u)?, reason(u, PubCompReason::ALL)?),
                Some(C::PubComp),
            ),
            7 => {
                let n = u.int_in_range(1..=3u8)?;
                for _ in 0..n {
                    spec.subscriptions.push(Subscription {
                        filter: text(u)?,
                        options: subscription_options(u)?,
                    });
                }
                (Kind::Subscribe(packet_id(u)?), Some(C::Subscribe))
            }
            8 => {
                let n = u.int_in_range(1..=3u8)?;
                for _ in 0..n {
                    spec.suback.push(reason(u, SubAckReason::ALL)?);
                }
                (Kind::SubAck(packet_id(u)?), Some(C::SubAck))
            }
            9 => {
                let n = u.int_in_range(1..=3u8)?;
                for _ in 0..n {
                    spec.filters.push(text(u)?);
                }
                (Kind::Unsubscribe(packet_id(u)?), Some(C::Unsubscribe))
            }
            10 => {
                let n = u.int_in_range(0..=3u8)?;
                for _ in 0..n {
                    spec.unsuback.push(reason(u, UnsubAckReason::ALL)?);
                }
                (Kind::UnsubAck(packet_id(u)?), Some(C::UnsubAck))
            }
            11 => (Kind::PingReq, None),
            12 => (Kind::PingResp, None),
            13 => (
                Kind::Disconnect(reason(u, DisconnectReason::ALL)?),
                Some(C::Disconnect),
            ),
            _ => (Kind::Auth(reason(u, AuthReason::ALL)?), Some(C::Auth)),
        };
        spec.kind = kind;
        if let Some(ctx) = ctx {
            spec.props = properties(u, ctx)?;
        }
        Ok(spec)
    }
}

impl PacketSpec<'_> {
    /// The packet this spec describes.
    #[must_use]
    pub fn packet(&self) -> Packet<'_> {
        let properties = Properties::new(&self.props);
        match self.kind {
            Kind::Connect {
                protocol,
                clean_start,
                keep_alive,
                client_id,
                will,
                username,
                password,
            } => Packet::Connect(Connect {
                protocol,
                clean_start,
                keep_alive,
                properties,
                client_id,
                will: will.map(|(qos, retain, topic, payload)| Will {
                    qos,
                    retain,
                    properties: Properties::new(&self.will_props),
                    topic,
                    payload,
                }),
                username,
                password,
            }),
            Kind::Connack {
                session_present,
                reason,
            } => Packet::Connack(Connack {
                session_present,
                reason,
                properties,
            }),
            Kind::Publish {
                dup,
                qos,
                retain,
                topic,
                packet_id,
                payload,
            } => Packet::Publish(Publish {
                dup,
                qos,
                retain,
                topic,
                packet_id,
                properties,
                payload,
            }),
            Kind::PubAck(packet_id, reason) => Packet::PubAck(PubAck {
                packet_id,
                reason,
                properties,
            }),
            Kind::PubRec(packet_id, reason) => Packet::PubRec(PubRec {
                packet_id,
                reason,
                properties,
            }),
            Kind::PubRel(packet_id, reason) => Packet::PubRel(PubRel {
                packet_id,
                reason,
                properties,
            }),
            Kind::PubComp(packet_id, reason) => Packet::PubComp(PubComp {
                packet_id,
                reason,
                properties,
            }),
            Kind::Subscribe(packet_id) => Packet::Subscribe(Subscribe {
                packet_id,
                properties,
                subscriptions: List::new(&self.subscriptions),
            }),
            Kind::SubAck(packet_id) => Packet::SubAck(SubAck {
                packet_id,
                properties,
                reasons: List::new(&self.suback),
            }),
            Kind::Unsubscribe(packet_id) => Packet::Unsubscribe(Unsubscribe {
                packet_id,
                properties,
                filters: List::new(&self.filters),
            }),
            Kind::UnsubAck(packet_id) => Packet::UnsubAck(UnsubAck {
                packet_id,
                properties,
                reasons: List::new(&self.unsuback),
            }),
            Kind::PingReq => Packet::PingReq,
            Kind::PingResp => Packet::PingResp,
            Kind::Disconnect(reason) => Packet::Disconnect(Disconnect { reason, properties }),
            Kind::Auth(reason) => Packet::Auth(Auth { reason, properties }),
        }
    }
}
