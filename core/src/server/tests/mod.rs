//! Scenario tests: a scripted client (packets encoded with the codec) drives a
//! [`ServerSession`] on a virtual clock, and every byte the server sends is decoded and checked.

// The tests build configs the way users outside the crate must (ServerConfig is
// non_exhaustive): a default, then the fields that change.
#![allow(clippy::field_reassign_with_default)]

extern crate std;

use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;

use super::*;
use crate::codec::{
    AuthReason, Connect, ConnectReason, DisconnectReason, Packet, Properties, Property,
    ProtocolVersion, PubAckReason, PubRelReason, QoS, SubAckReason, UnsubAckReason, decode, encode,
};
use crate::time::Instant;

mod buffers;
mod connect;
mod faults;
mod keepalive;
mod outbound;
mod proptests;
mod qos_in;
mod subscribe;
mod with_client;

/// CONNACK properties, owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct AckProps {
    pub(super) assigned_client_id: Option<String>,
    pub(super) receive_maximum: Option<u16>,
    pub(super) maximum_qos: Option<QoS>,
    pub(super) retain_available: Option<bool>,
    pub(super) maximum_packet_size: Option<u32>,
    pub(super) topic_alias_maximum: Option<u16>,
    pub(super) server_keep_alive: Option<u16>,
    pub(super) wildcard: Option<bool>,
    pub(super) subscription_ids: Option<bool>,
    pub(super) shared: Option<bool>,
    pub(super) session_expiry: Option<u32>,
    pub(super) reason_string: Option<String>,
    pub(super) user_properties: Vec<(String, String)>,
    pub(super) auth_method: Option<String>,
    pub(super) auth_data: Option<Vec<u8>>,
    pub(super) response_information: Option<String>,
    pub(super) server_reference: Option<String>,
}

impl AckProps {
    fn from(p: &Properties<'_>) -> Self {
        AckProps {
            assigned_client_id: p.assigned_client_identifier().map(ToString::to_string),
            receive_maximum: p.receive_maximum(),
            maximum_qos: p.maximum_qos(),
            retain_available: p.retain_available(),
            maximum_packet_size: p.maximum_packet_size(),
            topic_alias_maximum: p.topic_alias_maximum(),
            server_keep_alive: p.server_keep_alive(),
            wildcard: p.wildcard_subscription_available(),
            subscription_ids: p.subscription_identifier_available(),
            shared: p.shared_subscription_available(),
            session_expiry: p.session_expiry_interval(),
            reason_string: p.reason_string().map(ToString::to_string),
            user_properties: p
                .user_properties()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            auth_method: p.authentication_method().map(ToString::to_string),
            auth_data: p.authentication_data().map(<[u8]>::to_vec),
            response_information: p.response_information().map(ToString::to_string),
            server_reference: p.server_reference().map(ToString::to_string),
        }
    }
}

/// A PUBLISH the server sent, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OutPublish {
    pub(super) topic: String,
    pub(super) payload: Vec<u8>,
    pub(super) qos: QoS,
    pub(super) retain: bool,
    pub(super) dup: bool,
    pub(super) packet_id: Option<u16>,
    pub(super) alias: Option<u16>,
    pub(super) subscription_ids: Vec<u32>,
    pub(super) expiry: Option<u32>,
    pub(super) user_properties: Vec<(String, String)>,
}

/// A packet the server sent, owned, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Out {
    Connack {
        session_present: bool,
        reason: ConnectReason,
        props: Box<AckProps>,
    },
    Publish(OutPublish),
    PubAck(u16, PubAckReason),
    PubRec(u16, PubAckReason),
    PubRel(u16, PubRelReason),
    PubComp(u16, PubRelReason),
    SubAck(u16, Vec<SubAckReason>),
    UnsubAck(u16, Vec<UnsubAckReason>),
    PingResp,
    Disconnect(DisconnectReason, Option<String>),
    Auth(AuthReason, Option<String>, Option<Vec<u8>>),
}

fn to_out(p: &Packet<'_>) -> Out {
    match p {
        Packet::Connack(c) => Out::Connack {
            session_present: c.session_present,
            reason: c.reason,
            props: Box::new(AckProps::from(&c.properties)),
        },
        Packet::Publish(x) => Out::Publish(OutPublish {
            topic: x.topic.to_string(),
            payload: x.payload.to_vec(),
            qos: x.qos,
            retain: x.retain,
            dup: x.dup,
            packet_id: x.packet_id.map(|i| i.get()),
            alias: x.properties.topic_alias(),
            subscription_ids: x.properties.subscription_identifiers().collect(),
            expiry: x.properties.message_expiry_interval(),
            user_properties: x
                .properties
                .user_properties()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }),
        Packet::PubAck(a) => Out::PubAck(a.packet_id.get(), a.reason),
        Packet::PubRec(a) => Out::PubRec(a.packet_id.get(), a.reason),
        Packet::PubRel(a) => Out::PubRel(a.packet_id.get(), a.reason),
        Packet::PubComp(a) => Out::PubComp(a.packet_id.get(), a.reason),
        Packet::SubAck(s) => Out::SubAck(s.packet_id.get(), s.reasons.iter().collect()),
        Packet::UnsubAck(u) => Out::UnsubAck(u.packet_id.get(), u.reasons.iter().collect()),
        Packet::PingResp => Out::PingResp,
        Packet::Disconnect(d) => Out::Disconnect(
            d.reason,
            d.properties.reason_string().map(ToString::to_string),
        ),
        Packet::Auth(a) => Out::Auth(
            a.reason,
            a.properties
                .authentication_method()
                .map(ToString::to_string),
            a.properties.authentication_data().map(<[u8]>::to_vec),
        ),
        other => panic!("the server sent a client packet: {other:?}"),
    }
}

/// A scripted client facing one server session.
pub(super) struct Client {
    pub(super) server: ServerSession,
    pub(super) version: ProtocolVersion,
    pub(super) now: Instant,
}

impl Client {
    pub(super) fn new(config: ServerConfig, version: ProtocolVersion) -> Self {
        Client {
            server: ServerSession::new(config, Instant::ZERO),
            version,
            now: Instant::ZERO,
        }
    }

    pub(super) fn with_authenticator(
        config: ServerConfig,
        version: ProtocolVersion,
        auth: impl Authenticator + Send + 'static,
    ) -> Self {
        Client {
            server: ServerSession::with_authenticator(config, Instant::ZERO, Box::new(auth)),
            version,
            now: Instant::ZERO,
        }
    }

    /// Encodes `packet` for the client's version and feeds it to the server.
    pub(super) fn send(&mut self, packet: Packet<'_>) {
        let mut wire = Vec::new();
        encode(&packet, self.version, &mut wire).expect("test packet encodes");
        self.send_raw(&wire);
    }

    pub(super) fn send_raw(&mut self, bytes: &[u8]) {
        self.server
            .handle_bytes(self.now, bytes)
            .expect("the server accepts input");
    }

    /// Moves the clock forward and fires the server's timers.
    pub(super) fn advance(&mut self, ms: u64) {
        self.now = Instant::from_millis(self.now.as_millis() + ms);
        self.server.handle_timeout(self.now);
    }

    /// Every packet the server has to send, decoded.
    pub(super) fn recv(&mut self) -> Vec<Out> {
        let mut wire = Vec::new();
        let n = self.server.poll_transmit(self.now, &mut wire);
        assert_eq!(n, wire.len());
        decode_all(&wire, self.version)
    }

    /// Every pending event.
    pub(super) fn events(&mut self) -> Vec<ServerEvent> {
        core::iter::from_fn(|| self.server.poll_event()).collect()
    }

    /// Sends CONNECT; the caller decides.
    pub(super) fn send_connect(
        &mut self,
        client_id: &str,
        keep_alive: u16,
        props: &[Property<'_>],
    ) {
        self.send(Packet::Connect(connect(
            self.version,
            client_id,
            keep_alive,
            Properties::new(props),
        )));
    }

    /// CONNECT, accept by event, and check the CONNACK; returns it.
    pub(super) fn connect(&mut self, client_id: &str, keep_alive: u16) -> Out {
        self.send_connect(client_id, keep_alive, &[]);
        let events = self.events();
        assert!(
            matches!(events.as_slice(), [ServerEvent::ConnectRequest(r)] if r.client_id == client_id),
            "{events:?}"
        );
        self.server
            .accept(self.now, ConnectAccept::default())
            .unwrap();
        let out = self.recv();
        assert_eq!(out.len(), 1, "{out:?}");
        let events = self.events();
        assert!(
            matches!(events.as_slice(), [ServerEvent::Connected(c)] if c.client_id == client_id),
            "{events:?}"
        );
        out.into_iter().next().unwrap()
    }
}

/// A connected client with the default config.
pub(super) fn connected(version: ProtocolVersion) -> Client {
    connected_with(ServerConfig::default(), version)
}

pub(super) fn connected_with(config: ServerConfig, version: ProtocolVersion) -> Client {
    let mut c = Client::new(config, version);
    let ack = c.connect("c1", 60);
    assert!(
        matches!(
            ack,
            Out::Connack {
                reason: ConnectReason::Success,
                ..
            }
        ),
        "{ack:?}"
    );
    c
}

pub(super) fn connect<'a>(
    version: ProtocolVersion,
    client_id: &'a str,
    keep_alive: u16,
    properties: Properties<'a>,
) -> Connect<'a> {
    Connect {
        protocol: version,
        clean_start: true,
        keep_alive,
        properties,
        client_id,
        will: None,
        username: None,
        password: None,
    }
}

pub(super) fn decode_all(mut wire: &[u8], version: ProtocolVersion) -> Vec<Out> {
    let mut out = Vec::new();
    while !wire.is_empty() {
        let d = decode(wire, version).expect("the server sends valid packets");
        out.push(to_out(&d.packet));
        wire = &wire[d.len..];
    }
    out
}

pub(super) fn closed(events: &[ServerEvent]) -> Option<&CloseCause> {
    events.iter().find_map(|e| match e {
        ServerEvent::Closed { cause, .. } => Some(cause),
        _ => None,
    })
}

pub(super) fn id(n: u16) -> crate::codec::PacketId {
    crate::codec::PacketId::new(n).unwrap()
}

pub(super) const V3: ProtocolVersion = ProtocolVersion::V311;
pub(super) const V5: ProtocolVersion = ProtocolVersion::V5;

#[test]
fn sessions_events_and_states_can_move_between_threads() {
    // A multi-threaded broker (tokio) moves sessions between tasks: this fails to compile if
    // any of them stops being Send.
    fn send<T: Send>() {}
    send::<ServerSession>();
    send::<ServerEvent>();
    send::<ServerSessionState>();
}
