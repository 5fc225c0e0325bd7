//! [`ScriptedBroker`]: an in-memory MQTT server peer whose every answer can be scripted.

use alloc::string::String;
use alloc::vec::Vec;

use super::Peer;
use crate::codec::{
    Auth, AuthReason, Connack, ConnectReason, DecodeError, Decoder, Disconnect, OwnedProperties,
    Packet, PacketId, PacketType, Properties, Property, ProtocolVersion, PubAck, PubAckReason,
    PubComp, PubRec, PubRel, Publish, QoS, SubAck, SubAckReason, UnsubAck, UnsubAckReason, encode,
};
use crate::time::Instant;

/// What the broker keeps for its one client between connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrokerSession {
    /// A session exists (a CONNECT without clean start resumes it).
    pub exists: bool,
    /// Granted subscriptions: filter and QoS.
    pub subscriptions: Vec<(String, QoS)>,
    /// QoS 2 packet identifiers received from the client and not yet released.
    pub qos2_received: Vec<u16>,
    /// Messages the broker sent to the client and that are not acknowledged: id, QoS, PUBREL
    /// sent, and the encoded PUBLISH (to resend).
    pub outgoing: Vec<(u16, QoS, bool, Vec<u8>)>,
    /// Last packet identifier the broker used.
    pub last_id: u16,
}

/// An in-memory broker for one client. By default it accepts the connection, acknowledges
/// everything, grants every subscription, answers PINGREQ, and delivers publishes back to the
/// client when they match its subscriptions (so one client can test both directions).
#[derive(Debug)]
pub struct ScriptedBroker {
    /// Protocol version (taken from each CONNECT).
    pub version: ProtocolVersion,
    /// Reason code of CONNACK.
    pub connack_reason: ConnectReason,
    /// Session Present of CONNACK: `None` = the truth (a session exists and clean start was
    /// not asked).
    pub session_present: Option<bool>,
    /// CONNACK properties (5.0).
    pub connack_properties: OwnedProperties,
    /// Answer CONNECT at all (false = a server that never sends CONNACK).
    pub answer_connect: bool,
    /// Acknowledge PUBLISH (PUBACK / PUBREC / PUBCOMP) automatically.
    pub auto_ack: bool,
    /// Reason code of automatic PUBACK and PUBREC.
    pub ack_reason: PubAckReason,
    /// Answer PINGREQ.
    pub answer_ping: bool,
    /// Deliver matching publishes back to the client.
    pub echo: bool,
    /// Highest QoS granted to a subscription.
    pub max_grant: QoS,
    /// Filters refused in SUBACK (code 0x80).
    pub refuse_filters: Vec<String>,
    /// Enhanced authentication: if set, a CONNECT with an Authentication Method gets an AUTH
    /// challenge with this data first; the CONNACK follows the client's AUTH.
    pub auth_challenge: Option<Vec<u8>>,
    /// Keep the bytes of every packet received (see [`ScriptedBroker::received`]).
    pub record: bool,
    /// The session kept between connections.
    pub session: BrokerSession,
    /// How many PUBLISH packets arrived (recorded or not).
    pub publishes_received: u64,
    connected: bool,
    outbox: Vec<u8>,
    rx: Vec<u8>,
    received: Vec<Vec<u8>>,
    auth_method: Option<String>,
}

impl Default for ScriptedBroker {
    fn default() -> Self {
        ScriptedBroker::new()
    }
}

impl ScriptedBroker {
    /// A broker with the default script.
    #[must_use]
    pub fn new() -> Self {
        ScriptedBroker {
            version: ProtocolVersion::V5,
            connack_reason: ConnectReason::Success,
            session_present: None,
            connack_properties: OwnedProperties::new(),
            answer_connect: true,
            auto_ack: true,
            ack_reason: PubAckReason::Success,
            answer_ping: true,
            echo: true,
            max_grant: QoS::ExactlyOnce,
            refuse_filters: Vec::new(),
            auth_challenge: None,
            record: true,
            session: BrokerSession::default(),
            publishes_received: 0,
            connected: false,
            outbox: Vec::new(),
            rx: Vec::new(),
            received: Vec::new(),
            auth_method: None,
        }
    }

    /// Sets the CONNACK properties.
    ///
    /// # Errors
    /// The rule they break for CONNACK.
    pub fn set_connack_properties(
        &mut self,
        props: &[Property<'_>],
    ) -> Result<(), crate::codec::Violation> {
        self.connack_properties = OwnedProperties::from_properties(
            &Properties::new(props),
            crate::codec::PropertyContext::Connack,
        )?;
        Ok(())
    }

    /// True while a transport is open.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The encoded packets received so far (with `record`), oldest first.
    #[must_use]
    pub fn received(&self) -> &[Vec<u8>] {
        &self.received
    }

    /// Forgets the recorded packets.
    pub fn clear_received(&mut self) {
        self.received.clear();
    }

    /// Types of the recorded packets, in order.
    #[must_use]
    pub fn received_types(&self) -> Vec<PacketType> {
        self.received
            .iter()
            .filter_map(|b| crate::codec::decode(b, self.version).ok())
            .map(|d| d.packet.packet_type())
            .collect()
    }

    /// Recorded packets decoded, in order.
    pub fn received_packets(&self) -> impl Iterator<Item = Packet<'_>> + '_ {
        self.received
            .iter()
            .filter_map(|b| crate::codec::decode(b, self.version).ok())
            .map(|d| d.packet)
    }

    /// Queues any packet for the client (encoded for the broker's version).
    ///
    /// # Errors
    /// The encoder's error.
    pub fn send(&mut self, packet: &Packet<'_>) -> Result<(), crate::codec::EncodeError> {
        encode(packet, self.version, &mut self.outbox).map(|_| ())
    }

    /// Queues raw bytes for the client.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.outbox.extend_from_slice(bytes);
    }

    /// Publishes to the client as the broker would (packet identifier and QoS flow handled).
    pub fn publish_to_client(&mut self, topic: &str, payload: &[u8], qos: QoS, retain: bool) {
        let id = if qos == QoS::AtMostOnce {
            None
        } else {
            self.next_id()
        };
        let p = Publish {
            dup: false,
            qos,
            retain,
            topic,
            packet_id: id,
            properties: Properties::empty(),
            payload,
        };
        let mut bytes = Vec::new();
        if encode(&Packet::Publish(p), self.version, &mut bytes).is_ok() {
            self.outbox.extend_from_slice(&bytes);
            if let Some(id) = id {
                self.session.outgoing.push((id.get(), qos, false, bytes));
            }
        }
    }

    fn next_id(&mut self) -> Option<PacketId> {
        for _ in 0..u16::MAX {
            self.session.last_id = self.session.last_id.wrapping_add(1).max(1);
            let id = self.session.last_id;
            if !self.session.outgoing.iter().any(|o| o.0 == id) {
                return PacketId::new(id);
            }
        }
        None
    }

    fn queue(&mut self, packet: &Packet<'_>) {
        // The broker only builds valid packets; a failure would show up as a missing reply.
        let _ = encode(packet, self.version, &mut self.outbox);
    }

    fn connack(&mut self, session_present: bool) {
        let c = Connack {
            session_present: session_present && !self.connack_reason.is_error(),
            reason: self.connack_reason,
            properties: if self.version == ProtocolVersion::V5 {
                Properties::from_wire(self.connack_properties.as_bytes())
            } else {
                Properties::empty()
            },
        };
        let mut out = core::mem::take(&mut self.outbox);
        let _ = encode(&Packet::Connack(c), self.version, &mut out);
        self.outbox = out;
        if !self.connack_reason.is_error() && session_present {
            // Resend what the client has not acknowledged, in order.
            let pending: Vec<(u16, bool, Vec<u8>)> = self
                .session
                .outgoing
                .iter()
                .map(|o| (o.0, o.2, o.3.clone()))
                .collect();
            for (id, released, mut bytes) in pending {
                if released {
                    if let Some(id) = PacketId::new(id) {
                        self.queue(&Packet::PubRel(PubRel::new(id)));
                    }
                } else {
                    if let Some(b) = bytes.first_mut() {
                        *b |= 0x08;
                    }
                    self.outbox.extend_from_slice(&bytes);
                }
            }
        }
    }

    fn route(&mut self, p: &Publish<'_>) {
        if !self.echo {
            return;
        }
        let granted = self
            .session
            .subscriptions
            .iter()
            .filter(|(f, _)| crate::client::topic_matches(f, p.topic))
            .map(|(_, q)| *q)
            .max();
        if let Some(g) = granted {
            let topic = String::from(p.topic);
            self.publish_to_client(&topic, p.payload, p.qos.min(g), p.retain);
        }
    }

    fn on_packet(&mut self, packet: Packet<'_>) {
        match packet {
            Packet::Connect(c) => {
                self.version = c.protocol;
                self.auth_method = c.properties.authentication_method().map(String::from);
                if c.clean_start {
                    self.session = BrokerSession::default();
                }
                let present = self
                    .session_present
                    .unwrap_or(self.session.exists && !c.clean_start);
                if !present {
                    self.session = BrokerSession::default();
                }
                self.session.exists = true;
                if !self.answer_connect {
                    return;
                }
                match (&self.auth_challenge, &self.auth_method) {
                    (Some(data), Some(method)) => {
                        let (data, method) = (data.clone(), method.clone());
                        let items = [
                            Property::AuthenticationMethod(&method),
                            Property::AuthenticationData(&data),
                        ];
                        self.queue(&Packet::Auth(Auth {
                            reason: AuthReason::ContinueAuthentication,
                            properties: Properties::new(&items),
                        }));
                    }
                    _ => self.connack(present),
                }
            }
            Packet::Auth(a) => match a.reason {
                AuthReason::ContinueAuthentication => self.connack(false),
                AuthReason::ReAuthenticate => {
                    let method = self.auth_method.clone().unwrap_or_default();
                    let items = [Property::AuthenticationMethod(&method)];
                    self.queue(&Packet::Auth(Auth {
                        reason: AuthReason::Success,
                        properties: Properties::new(&items),
                    }));
                }
                _ => {}
            },
            Packet::Publish(p) => {
                self.publishes_received = self.publishes_received.saturating_add(1);
                match (p.qos, p.packet_id) {
                    (QoS::AtLeastOnce, Some(id)) => {
                        if self.auto_ack {
                            let mut ack = PubAck::new(id);
                            ack.reason = self.ack_reason;
                            self.queue(&Packet::PubAck(ack));
                        }
                        self.route(&p);
                    }
                    (QoS::ExactlyOnce, Some(id)) => {
                        if !self.session.qos2_received.contains(&id.get()) {
                            self.session.qos2_received.push(id.get());
                            self.route(&p);
                        }
                        if self.auto_ack {
                            let mut rec = PubRec::new(id);
                            rec.reason = self.ack_reason;
                            self.queue(&Packet::PubRec(rec));
                        }
                    }
                    _ => self.route(&p),
                }
            }
            Packet::PubRel(r) => {
                self.session
                    .qos2_received
                    .retain(|x| *x != r.packet_id.get());
                if self.auto_ack {
                    self.queue(&Packet::PubComp(PubComp::new(r.packet_id)));
                }
            }
            Packet::PubAck(a) => {
                let id = a.packet_id.get();
                self.session.outgoing.retain(|o| o.0 != id);
            }
            Packet::PubRec(a) => {
                let id = a.packet_id.get();
                if let Some(o) = self.session.outgoing.iter_mut().find(|o| o.0 == id) {
                    o.2 = true;
                    self.queue(&Packet::PubRel(PubRel::new(a.packet_id)));
                }
            }
            Packet::PubComp(a) => {
                let id = a.packet_id.get();
                self.session.outgoing.retain(|o| o.0 != id);
            }
            Packet::Subscribe(s) => {
                let mut codes = Vec::new();
                for sub in s.subscriptions.iter() {
                    if self.refuse_filters.iter().any(|f| f == sub.filter) {
                        codes.push(SubAckReason::UnspecifiedError);
                        continue;
                    }
                    let q = sub.options.qos.min(self.max_grant);
                    self.session.subscriptions.retain(|(f, _)| f != sub.filter);
                    self.session
                        .subscriptions
                        .push((String::from(sub.filter), q));
                    codes.push(match q {
                        QoS::AtMostOnce => SubAckReason::GrantedQos0,
                        QoS::AtLeastOnce => SubAckReason::GrantedQos1,
                        QoS::ExactlyOnce => SubAckReason::GrantedQos2,
                    });
                }
                self.queue(&Packet::SubAck(SubAck {
                    packet_id: s.packet_id,
                    properties: Properties::empty(),
                    reasons: crate::codec::List::new(&codes),
                }));
            }
            Packet::Unsubscribe(u) => {
                let mut codes = Vec::new();
                for f in u.filters.iter() {
                    let before = self.session.subscriptions.len();
                    self.session.subscriptions.retain(|(g, _)| g != f);
                    codes.push(if before == self.session.subscriptions.len() {
                        UnsubAckReason::NoSubscriptionExisted
                    } else {
                        UnsubAckReason::Success
                    });
                }
                let reasons = if self.version == ProtocolVersion::V5 {
                    crate::codec::List::new(codes.as_slice())
                } else {
                    crate::codec::List::empty()
                };
                self.queue(&Packet::UnsubAck(UnsubAck {
                    packet_id: u.packet_id,
                    properties: Properties::empty(),
                    reasons,
                }));
            }
            Packet::PingReq if self.answer_ping => self.queue(&Packet::PingResp),
            Packet::Disconnect(_) => self.connected = false,
            _ => {}
        }
    }

    /// Disconnects the client with a reason (5.0), as a server would.
    pub fn disconnect_client(&mut self, reason: crate::codec::DisconnectReason) {
        self.queue(&Packet::Disconnect(Disconnect::new(reason)));
    }
}

impl Peer for ScriptedBroker {
    fn handle_connected(&mut self, _now: Instant) {
        self.connected = true;
        self.rx.clear();
        self.outbox.clear();
    }

    fn handle_bytes(&mut self, _now: Instant, data: &[u8]) {
        if !self.connected {
            return;
        }
        let mut input = data;
        let owned;
        if !self.rx.is_empty() {
            self.rx.extend_from_slice(data);
            owned = core::mem::take(&mut self.rx);
            input = &owned;
        }
        let mut pos = 0usize;
        while let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) {
            // CONNECT decodes by its own protocol level and sets the version for what follows.
            let d = match Decoder::new(self.version).decode(rest) {
                Ok(d) => d,
                Err(DecodeError::Incomplete(_)) => break,
                Err(DecodeError::Invalid { .. }) => {
                    self.connected = false;
                    return;
                }
            };
            if self.record {
                self.received
                    .push(rest.get(..d.len).unwrap_or(&[]).to_vec());
            }
            pos = pos.saturating_add(d.len);
            self.on_packet(d.packet);
            if !self.connected {
                return;
            }
        }
        if let Some(rest) = input.get(pos..) {
            self.rx.extend_from_slice(rest);
        }
    }

    fn handle_timeout(&mut self, _now: Instant) {}

    fn handle_closed(&mut self, _now: Instant) {
        self.connected = false;
        self.rx.clear();
        self.outbox.clear();
    }

    fn poll_transmit(&mut self, _now: Instant, out: &mut Vec<u8>) -> usize {
        let n = self.outbox.len();
        out.append(&mut self.outbox);
        n
    }

    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}
