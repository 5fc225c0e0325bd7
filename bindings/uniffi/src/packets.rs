//! The codec at the FFI edge: [`Packet`] (an owned copy of the core's borrowed packet),
//! [`decode`] and [`encode`]. Every rule is the core's; this file only copies fields.

use iotmqtt::{
    AuthReason, ConnectReason, Decoder, DisconnectReason, List, PacketId, PacketType, Properties,
    PubAckReason, PubRelReason, SubAckReason, UnsubAckReason, Violation,
};

use crate::error::{IotMqttError, Result};
use crate::properties::{Property, ProtocolVersion, QoS, RetainHandling, core_list, from_core};

/// The Will Message in a CONNECT.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Will {
    /// QoS of the Will Message.
    pub qos: QoS,
    /// Whether it is retained.
    pub retain: bool,
    /// Will properties (5.0).
    pub properties: Vec<Property>,
    /// Will Topic.
    pub topic: String,
    /// Will Payload.
    pub payload: Vec<u8>,
}

/// One subscription of a SUBSCRIBE: a topic filter and its options.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Subscription {
    /// The Topic Filter.
    pub filter: String,
    /// Maximum QoS.
    pub qos: QoS,
    /// Do not receive own publishes (5.0).
    pub no_local: bool,
    /// Keep RETAIN as published (5.0).
    pub retain_as_published: bool,
    /// Retained-message handling (5.0).
    pub retain_handling: RetainHandling,
}

impl Subscription {
    pub(crate) fn to_core(&self) -> iotmqtt::Subscription<'_> {
        iotmqtt::Subscription {
            filter: &self.filter,
            options: iotmqtt::SubscriptionOptions {
                qos: self.qos.into(),
                no_local: self.no_local,
                retain_as_published: self.retain_as_published,
                retain_handling: self.retain_handling.into(),
            },
        }
    }
}

impl From<iotmqtt::Subscription<'_>> for Subscription {
    fn from(s: iotmqtt::Subscription<'_>) -> Self {
        Subscription {
            filter: s.filter.into(),
            qos: s.options.qos.into(),
            no_local: s.options.no_local,
            retain_as_published: s.options.retain_as_published,
            retain_handling: s.options.retain_handling.into(),
        }
    }
}

/// Any MQTT control packet, owned. Reason codes are their numeric MQTT 5.0 values (a 3.1.1
/// CONNACK return code is given as the 5.0 code with the same meaning, a 3.1.1 SUBACK code as
/// itself); packet identifiers are 1 to 65,535.
///
/// A CONNECT's password is data like any other field here: do not log a decoded CONNECT.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
#[allow(missing_docs)] // the fields are those of the packet of the same name in the core
pub enum Packet {
    Connect {
        protocol: ProtocolVersion,
        clean_start: bool,
        keep_alive: u16,
        properties: Vec<Property>,
        client_id: String,
        will: Option<Will>,
        username: Option<String>,
        password: Option<Vec<u8>>,
    },
    Connack {
        session_present: bool,
        reason: u8,
        properties: Vec<Property>,
    },
    Publish {
        dup: bool,
        qos: QoS,
        retain: bool,
        topic: String,
        packet_id: Option<u16>,
        properties: Vec<Property>,
        payload: Vec<u8>,
    },
    PubAck {
        packet_id: u16,
        reason: u8,
        properties: Vec<Property>,
    },
    PubRec {
        packet_id: u16,
        reason: u8,
        properties: Vec<Property>,
    },
    PubRel {
        packet_id: u16,
        reason: u8,
        properties: Vec<Property>,
    },
    PubComp {
        packet_id: u16,
        reason: u8,
        properties: Vec<Property>,
    },
    Subscribe {
        packet_id: u16,
        properties: Vec<Property>,
        subscriptions: Vec<Subscription>,
    },
    SubAck {
        packet_id: u16,
        properties: Vec<Property>,
        reasons: Vec<u8>,
    },
    Unsubscribe {
        packet_id: u16,
        properties: Vec<Property>,
        filters: Vec<String>,
    },
    UnsubAck {
        packet_id: u16,
        properties: Vec<Property>,
        reasons: Vec<u8>,
    },
    PingReq,
    PingResp,
    Disconnect {
        reason: u8,
        properties: Vec<Property>,
    },
    Auth {
        reason: u8,
        properties: Vec<Property>,
    },
}

/// Shows the packet without a CONNECT's password.
impl core::fmt::Debug for Packet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Packet::Connect {
                protocol,
                client_id,
                username,
                password,
                ..
            } => f
                .debug_struct("Connect")
                .field("protocol", protocol)
                .field("client_id", client_id)
                .field("username", username)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .finish_non_exhaustive(),
            Packet::Publish {
                qos,
                topic,
                packet_id,
                payload,
                ..
            } => f
                .debug_struct("Publish")
                .field("qos", qos)
                .field("topic", topic)
                .field("packet_id", packet_id)
                .field("payload_len", &payload.len())
                .finish_non_exhaustive(),
            other => f.write_str(other.type_name()),
        }
    }
}

impl Packet {
    fn type_name(&self) -> &'static str {
        match self {
            Packet::Connect { .. } => "Connect",
            Packet::Connack { .. } => "Connack",
            Packet::Publish { .. } => "Publish",
            Packet::PubAck { .. } => "PubAck",
            Packet::PubRec { .. } => "PubRec",
            Packet::PubRel { .. } => "PubRel",
            Packet::PubComp { .. } => "PubComp",
            Packet::Subscribe { .. } => "Subscribe",
            Packet::SubAck { .. } => "SubAck",
            Packet::Unsubscribe { .. } => "Unsubscribe",
            Packet::UnsubAck { .. } => "UnsubAck",
            Packet::PingReq => "PingReq",
            Packet::PingResp => "PingResp",
            Packet::Disconnect { .. } => "Disconnect",
            Packet::Auth { .. } => "Auth",
        }
    }
}

impl From<&iotmqtt::Packet<'_>> for Packet {
    fn from(p: &iotmqtt::Packet<'_>) -> Self {
        use iotmqtt::Packet as P;
        match p {
            P::Connect(c) => Packet::Connect {
                protocol: c.protocol.into(),
                clean_start: c.clean_start,
                keep_alive: c.keep_alive,
                properties: from_core(&c.properties),
                client_id: c.client_id.into(),
                will: c.will.map(|w| Will {
                    qos: w.qos.into(),
                    retain: w.retain,
                    properties: from_core(&w.properties),
                    topic: w.topic.into(),
                    payload: w.payload.to_vec(),
                }),
                username: c.username.map(String::from),
                password: c.password.map(<[u8]>::to_vec),
            },
            P::Connack(c) => Packet::Connack {
                session_present: c.session_present,
                reason: c.reason.as_u8(),
                properties: from_core(&c.properties),
            },
            P::Publish(x) => Packet::Publish {
                dup: x.dup,
                qos: x.qos.into(),
                retain: x.retain,
                topic: x.topic.into(),
                packet_id: x.packet_id.map(PacketId::get),
                properties: from_core(&x.properties),
                payload: x.payload.to_vec(),
            },
            P::PubAck(a) => Packet::PubAck {
                packet_id: a.packet_id.get(),
                reason: a.reason.as_u8(),
                properties: from_core(&a.properties),
            },
            P::PubRec(a) => Packet::PubRec {
                packet_id: a.packet_id.get(),
                reason: a.reason.as_u8(),
                properties: from_core(&a.properties),
            },
            P::PubRel(a) => Packet::PubRel {
                packet_id: a.packet_id.get(),
                reason: a.reason.as_u8(),
                properties: from_core(&a.properties),
            },
            P::PubComp(a) => Packet::PubComp {
                packet_id: a.packet_id.get(),
                reason: a.reason.as_u8(),
                properties: from_core(&a.properties),
            },
            P::Subscribe(s) => Packet::Subscribe {
                packet_id: s.packet_id.get(),
                properties: from_core(&s.properties),
                subscriptions: s.subscriptions.iter().map(Subscription::from).collect(),
            },
            P::SubAck(s) => Packet::SubAck {
                packet_id: s.packet_id.get(),
                properties: from_core(&s.properties),
                reasons: s.reasons.iter().map(SubAckReason::as_u8).collect(),
            },
            P::Unsubscribe(u) => Packet::Unsubscribe {
                packet_id: u.packet_id.get(),
                properties: from_core(&u.properties),
                filters: u.filters.iter().map(String::from).collect(),
            },
            P::UnsubAck(u) => Packet::UnsubAck {
                packet_id: u.packet_id.get(),
                properties: from_core(&u.properties),
                reasons: u.reasons.iter().map(UnsubAckReason::as_u8).collect(),
            },
            P::PingReq => Packet::PingReq,
            P::PingResp => Packet::PingResp,
            P::Disconnect(d) => Packet::Disconnect {
                reason: d.reason.as_u8(),
                properties: from_core(&d.properties),
            },
            P::Auth(a) => Packet::Auth {
                reason: a.reason.as_u8(),
                properties: from_core(&a.properties),
            },
        }
    }
}

/// The outcome of [`decode`] when the bytes break no rule.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Decoded {
    /// One whole packet from the start of the input.
    Packet {
        /// The packet.
        packet: Packet,
        /// How many bytes of the input it used.
        len: u64,
    },
    /// The input holds only part of a packet: feed more bytes.
    Incomplete {
        /// How many more bytes are needed: exactly (`exact`, the fixed header is complete) or
        /// at least.
        needed: u64,
        /// Whether `needed` is exact.
        exact: bool,
    },
}

/// Decodes the first packet of `bytes` for a connection of `version` (a CONNECT is decoded by
/// its own protocol level); `max_packet_size` refuses larger packets from the fixed header
/// alone.
///
/// # Errors
/// [`IotMqttError::Malformed`] with the rule broken (`code`, e.g. `topic_wildcard`) and the
/// offset of the offending byte.
#[uniffi::export(default(max_packet_size = None))]
pub fn decode(
    bytes: Vec<u8>,
    version: ProtocolVersion,
    max_packet_size: Option<u32>,
) -> Result<Decoded> {
    let mut decoder = Decoder::new(version.into());
    if let Some(max) = max_packet_size {
        decoder = decoder.with_max_packet_size(max);
    }
    match decoder.decode(&bytes) {
        Ok(d) => Ok(Decoded::Packet {
            packet: Packet::from(&d.packet),
            len: u64::try_from(d.len).unwrap_or(u64::MAX),
        }),
        Err(iotmqtt::DecodeError::Incomplete(n)) => Ok(Decoded::Incomplete {
            needed: u64::try_from(n.bytes()).unwrap_or(u64::MAX),
            exact: matches!(n, iotmqtt::Needed::Exact(_)),
        }),
        Err(e) => Err(iotmqtt::peer_fault(e)
            .map(IotMqttError::from)
            .unwrap_or_else(|| iotmqtt::UsageError::InvalidArgument("decode").into())),
    }
}

/// Encodes `packet` for a connection of `version`, with the same checks as the decoder.
///
/// # Errors
/// [`IotMqttError::Usage`] with the rule the packet breaks (e.g. `zero_packet_id`,
/// `invalid_reason_code`, `topic_wildcard`).
#[uniffi::export]
pub fn encode(packet: Packet, version: ProtocolVersion) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    with_core_packet(&packet, |p| {
        iotmqtt::encode(p, version.into(), &mut out).map_err(IotMqttError::from)
    })?;
    Ok(out)
}

fn packet_id(id: u16) -> Result<PacketId> {
    PacketId::new(id).ok_or_else(|| Violation::ZeroPacketId.into())
}

fn reason<T>(packet: PacketType, code: u8, from: fn(u8) -> Option<T>) -> Result<T> {
    from(code).ok_or_else(|| Violation::InvalidReasonCode { packet, code }.into())
}

/// Builds the core's borrowed packet from `packet` and hands it to `f`.
fn with_core_packet<T>(
    packet: &Packet,
    f: impl FnOnce(&iotmqtt::Packet<'_>) -> Result<T>,
) -> Result<T> {
    use iotmqtt::Packet as P;
    let no_props: &[Property] = &[];
    let (props, will_props) = match packet {
        Packet::Connect {
            properties, will, ..
        } => (
            core_list(properties),
            core_list(will.as_ref().map_or(no_props, |w| &w.properties)),
        ),
        Packet::Connack { properties, .. }
        | Packet::Publish { properties, .. }
        | Packet::PubAck { properties, .. }
        | Packet::PubRec { properties, .. }
        | Packet::PubRel { properties, .. }
        | Packet::PubComp { properties, .. }
        | Packet::Subscribe { properties, .. }
        | Packet::SubAck { properties, .. }
        | Packet::Unsubscribe { properties, .. }
        | Packet::UnsubAck { properties, .. }
        | Packet::Disconnect { properties, .. }
        | Packet::Auth { properties, .. } => (core_list(properties), Vec::new()),
        Packet::PingReq | Packet::PingResp => (Vec::new(), Vec::new()),
    };
    let properties = Properties::new(&props);
    let core = match packet {
        Packet::Connect {
            protocol,
            clean_start,
            keep_alive,
            client_id,
            will,
            username,
            password,
            ..
        } => P::Connect(iotmqtt::Connect {
            protocol: (*protocol).into(),
            clean_start: *clean_start,
            keep_alive: *keep_alive,
            properties,
            client_id,
            will: will.as_ref().map(|w| iotmqtt::Will {
                qos: w.qos.into(),
                retain: w.retain,
                properties: Properties::new(&will_props),
                topic: &w.topic,
                payload: &w.payload,
            }),
            username: username.as_deref(),
            password: password.as_deref(),
        }),
        Packet::Connack {
            session_present,
            reason: r,
            ..
        } => P::Connack(iotmqtt::Connack {
            session_present: *session_present,
            reason: reason(PacketType::Connack, *r, ConnectReason::from_u8)?,
            properties,
        }),
        Packet::Publish {
            dup,
            qos,
            retain,
            topic,
            packet_id: id,
            payload,
            ..
        } => P::Publish(iotmqtt::Publish {
            dup: *dup,
            qos: (*qos).into(),
            retain: *retain,
            topic,
            packet_id: id.map(packet_id).transpose()?,
            properties,
            payload,
        }),
        Packet::PubAck {
            packet_id: id,
            reason: r,
            ..
        } => P::PubAck(iotmqtt::PubAck {
            packet_id: packet_id(*id)?,
            reason: reason(PacketType::PubAck, *r, PubAckReason::from_u8)?,
            properties,
        }),
        Packet::PubRec {
            packet_id: id,
            reason: r,
            ..
        } => P::PubRec(iotmqtt::PubRec {
            packet_id: packet_id(*id)?,
            reason: reason(PacketType::PubRec, *r, PubAckReason::from_u8)?,
            properties,
        }),
        Packet::PubRel {
            packet_id: id,
            reason: r,
            ..
        } => P::PubRel(iotmqtt::PubRel {
            packet_id: packet_id(*id)?,
            reason: reason(PacketType::PubRel, *r, PubRelReason::from_u8)?,
            properties,
        }),
        Packet::PubComp {
            packet_id: id,
            reason: r,
            ..
        } => P::PubComp(iotmqtt::PubComp {
            packet_id: packet_id(*id)?,
            reason: reason(PacketType::PubComp, *r, PubRelReason::from_u8)?,
            properties,
        }),
        Packet::Subscribe {
            packet_id: id,
            subscriptions,
            ..
        } => {
            let subs: Vec<iotmqtt::Subscription<'_>> =
                subscriptions.iter().map(Subscription::to_core).collect();
            return f(&P::Subscribe(iotmqtt::Subscribe {
                packet_id: packet_id(*id)?,
                properties,
                subscriptions: List::new(&subs),
            }));
        }
        Packet::SubAck {
            packet_id: id,
            reasons,
            ..
        } => {
            let codes = reasons
                .iter()
                .map(|c| reason(PacketType::SubAck, *c, SubAckReason::from_u8))
                .collect::<Result<Vec<_>>>()?;
            return f(&P::SubAck(iotmqtt::SubAck {
                packet_id: packet_id(*id)?,
                properties,
                reasons: List::new(&codes),
            }));
        }
        Packet::Unsubscribe {
            packet_id: id,
            filters,
            ..
        } => {
            let filters: Vec<&str> = filters.iter().map(String::as_str).collect();
            return f(&P::Unsubscribe(iotmqtt::Unsubscribe {
                packet_id: packet_id(*id)?,
                properties,
                filters: List::new(&filters),
            }));
        }
        Packet::UnsubAck {
            packet_id: id,
            reasons,
            ..
        } => {
            let codes = reasons
                .iter()
                .map(|c| reason(PacketType::UnsubAck, *c, UnsubAckReason::from_u8))
                .collect::<Result<Vec<_>>>()?;
            return f(&P::UnsubAck(iotmqtt::UnsubAck {
                packet_id: packet_id(*id)?,
                properties,
                reasons: List::new(&codes),
            }));
        }
        Packet::PingReq => P::PingReq,
        Packet::PingResp => P::PingResp,
        Packet::Disconnect { reason: r, .. } => P::Disconnect(iotmqtt::Disconnect {
            reason: reason(PacketType::Disconnect, *r, DisconnectReason::from_u8)?,
            properties,
        }),
        Packet::Auth { reason: r, .. } => P::Auth(iotmqtt::Auth {
            reason: reason(PacketType::Auth, *r, AuthReason::from_u8)?,
            properties,
        }),
    };
    f(&core)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publish_round_trips_and_errors_keep_the_rule() {
        let bytes = vec![0x30, 0x06, 0x00, 0x01, 0x61, 0x00, 0x68, 0x69];
        let Ok(Decoded::Packet { packet, len: 8 }) =
            decode(bytes.clone(), ProtocolVersion::V5, None)
        else {
            panic!("a QoS 0 PUBLISH decodes");
        };
        assert!(
            matches!(&packet, Packet::Publish { topic, payload, .. } if topic == "a" && payload == b"hi")
        );
        assert_eq!(encode(packet, ProtocolVersion::V5), Ok(bytes));
        let err = decode(
            vec![0x30, 0x06, 0x00, 0x03, 0x61, 0x2f, 0x2b, 0x00],
            ProtocolVersion::V5,
            None,
        )
        .expect_err("a wildcard in a topic name");
        assert!(
            matches!(err, IotMqttError::Malformed { ref code, offset: 6, .. } if code == "topic_wildcard")
        );
        assert_eq!(
            decode(vec![0x30, 0x05, 0x00], ProtocolVersion::V5, None),
            Ok(Decoded::Incomplete {
                needed: 4,
                exact: true
            })
        );
        let err = encode(
            Packet::PubAck {
                packet_id: 0,
                reason: 0,
                properties: vec![],
            },
            ProtocolVersion::V5,
        )
        .expect_err("packet id 0");
        assert_eq!(err.code(), "zero_packet_id");
        let err = encode(
            Packet::PubAck {
                packet_id: 1,
                reason: 0x03,
                properties: vec![],
            },
            ProtocolVersion::V5,
        )
        .expect_err("no such PUBACK code");
        assert_eq!(err.code(), "invalid_reason_code");
    }

    #[test]
    fn debug_hides_the_password() {
        let p = Packet::Connect {
            protocol: ProtocolVersion::V311,
            clean_start: true,
            keep_alive: 0,
            properties: vec![],
            client_id: "c".into(),
            will: None,
            username: Some("u".into()),
            password: Some(b"hunter2".to_vec()),
        };
        assert!(!format!("{p:?}").contains("hunter2"));
        let wire = encode(p, ProtocolVersion::V311).expect("a valid CONNECT");
        assert!(wire.windows(7).any(|w| w == b"hunter2"));
    }
}
