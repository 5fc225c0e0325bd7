//! Bytes from the server: framing (any split, bounded buffer) and what each packet does.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::Client;
use super::connection::PeerInfo;
use super::event::{AckToken, Event, Message};
use super::fifo::remove_at;
use super::session::{InEntry, InState, OutState, RequestKind};
use super::state::State;
use crate::codec::client_side::Inbound;
use crate::codec::{
    Auth, AuthReason, DecodeError, Decoder, Disconnect, OwnedProperties, Packet, PacketId,
    PacketType, Properties, Property, PropertyContext, ProtocolVersion, PubAck, PubComp,
    PubCompReason, PubRec, PubRel, Publish, QoS, SubAck, SubAckReason, UnsubAck, UnsubAckReason,
};
use crate::error::{Error, ProtocolError, Result, UsageError, peer_fault};
use crate::time::Instant;

/// A receive buffer grown beyond this is freed once empty, so an idle client stays small.
const RX_KEEP: usize = 4096;

impl Client {
    /// Bytes read from the transport, in any split. Whole packets are processed at once (with
    /// no copy when they arrive whole); only the start of an incomplete packet is buffered,
    /// never more than `maximum_packet_size`. A malformed or forbidden packet ends the
    /// connection (in 5.0 with a DISCONNECT carrying the matching reason code) and emits
    /// [`Event::ConnectionLost`]. Ignored while no transport is open.
    pub fn handle_bytes(&mut self, now: Instant, mut data: &[u8]) {
        if !self.state.has_transport() || data.is_empty() {
            return;
        }
        self.link_alive(now);
        let decoder = Decoder::new(self.config.protocol)
            .with_max_packet_size(self.config.maximum_packet_size);
        while !data.is_empty() && self.state.has_transport() {
            if !self.rx.is_empty() {
                let total = match decoder.header(&self.rx) {
                    Ok(h) => h.packet_len(),
                    Err(DecodeError::Incomplete(_)) => {
                        let (head, rest) = data.split_at_checked(1).unwrap_or((data, &[]));
                        self.rx.extend_from_slice(head);
                        data = rest;
                        continue;
                    }
                    Err(e) => return self.malformed(now, e),
                };
                let missing = total.saturating_sub(self.rx.len());
                let (head, rest) = data.split_at_checked(missing).unwrap_or((data, &[]));
                self.rx.extend_from_slice(head);
                data = rest;
                if self.rx.len() < total {
                    return;
                }
                let buf = core::mem::take(&mut self.rx);
                match decoder.decode_inbound(&buf) {
                    Ok(d) => self.receive(now, d.packet),
                    Err(e) => return self.malformed(now, e),
                }
                if buf.capacity() <= RX_KEEP && self.state.has_transport() {
                    self.rx = buf;
                    self.rx.clear();
                }
                continue;
            }
            match decoder.decode_inbound(data) {
                Ok(d) => {
                    self.receive(now, d.packet);
                    data = data.get(d.len..).unwrap_or(&[]);
                }
                Err(DecodeError::Incomplete(_)) => {
                    self.rx.extend_from_slice(data);
                    return;
                }
                Err(e) => return self.malformed(now, e),
            }
        }
    }

    fn malformed(&mut self, now: Instant, e: DecodeError) {
        if let Some(error) = peer_fault(e) {
            self.fail(now, error);
        }
    }

    /// A whole packet from the server (see [`Inbound`]: without the `server` feature a packet
    /// only a server receives, and without `enhanced-auth` an AUTH, arrives undecoded, and is as
    /// unexpected as it is decoded).
    fn receive(&mut self, now: Instant, inbound: Inbound<'_>) {
        match inbound {
            Inbound::Packet(packet) => self.dispatch(now, packet),
            Inbound::Unread(t) => self.fail(now, ProtocolError::UnexpectedPacket(t).into()),
        }
    }

    fn dispatch(&mut self, now: Instant, packet: Packet<'_>) {
        let result = match packet {
            Packet::Connack(c) => self.on_connack(now, &c),
            Packet::Auth(a) => self.on_auth(&a),
            Packet::Disconnect(d) if self.config.protocol == ProtocolVersion::V5 => {
                self.on_disconnect(now, &d);
                Ok(())
            }
            p if self.state != State::Connected => {
                Err(ProtocolError::UnexpectedPacket(p.packet_type()).into())
            }
            Packet::Publish(p) => self.on_publish(&p),
            Packet::PubAck(a) => self.on_puback(&a),
            Packet::PubRec(a) => self.on_pubrec(&a),
            Packet::PubRel(a) => self.on_pubrel(&a),
            Packet::PubComp(a) => self.on_pubcomp(&a),
            Packet::SubAck(s) => self.on_suback(&s),
            Packet::UnsubAck(u) => self.on_unsuback(&u),
            Packet::PingResp => Ok(()),
            p => Err(ProtocolError::UnexpectedPacket(p.packet_type()).into()),
        };
        if let Err(e) = result {
            self.fail(now, e);
        }
    }

    fn on_disconnect(&mut self, now: Instant, d: &Disconnect<'_>) {
        self.clear_outbox();
        self.lost(
            now,
            Error::Protocol(ProtocolError::Disconnected(d.reason.into())),
            PeerInfo::from_properties(&d.properties),
        );
    }

    fn on_auth(&mut self, a: &Auth<'_>) -> Result<()> {
        let unexpected = || Error::from(ProtocolError::UnexpectedPacket(PacketType::Auth));
        let Some(method) = self.config.auth_method() else {
            return Err(unexpected());
        };
        if a.properties
            .authentication_method()
            .is_some_and(|m| m != method)
        {
            return Err(unexpected());
        }
        let properties = OwnedProperties::from_decoded(&a.properties);
        match (self.state, a.reason) {
            (State::AwaitingConnack, AuthReason::ContinueAuthentication) => {}
            (State::Connected, AuthReason::ContinueAuthentication)
                if self.conn.reauthenticating => {}
            (State::Connected, AuthReason::Success) if self.conn.reauthenticating => {
                self.conn.reauthenticating = false;
                self.push_event(Event::Reauthenticated { properties });
                return Ok(());
            }
            _ => return Err(unexpected()),
        }
        self.conn.auth_challenged = true;
        let method = String::from(method);
        let data = a.properties.authentication_data().map(<[u8]>::to_vec);
        self.push_event(Event::AuthChallenge {
            method,
            data,
            properties,
        });
        Ok(())
    }

    fn resolve_topic(&mut self, p: &Publish<'_>) -> Result<String> {
        let Some(alias) = p.properties.topic_alias() else {
            return Ok(String::from(p.topic));
        };
        let invalid = || Error::from(ProtocolError::TopicAliasInvalid);
        if alias > self.config.alias_maximum() {
            return Err(invalid());
        }
        let idx = usize::from(alias).saturating_sub(1);
        if p.topic.is_empty() {
            // An alias without a mapping is a Protocol Error (0x82), not 0x94 (MQTT 5.0 §3.3.4).
            return match self.conn.aliases.as_ref().and_then(|a| a.inbound.get(idx)) {
                Some(Some(t)) => Ok(t.clone()),
                _ => Err(ProtocolError::TopicAliasUnknown.into()),
            };
        }
        let table = &mut self.conn.aliases.get_or_insert_with(Box::default).inbound;
        if table.len() <= idx {
            table.resize(idx.saturating_add(1), None);
        }
        if let Some(slot) = table.get_mut(idx) {
            *slot = Some(String::from(p.topic));
        }
        Ok(String::from(p.topic))
    }

    fn on_publish(&mut self, p: &Publish<'_>) -> Result<()> {
        // Any QoS is handled as received: the client has no Maximum QoS of its own, and a QoS
        // above what a matching subscription granted is the server's business
        // [MQTT-3.8.4-8] (overlapping subscriptions, server-side subscriptions and QoS
        // upgrades all deliver such messages), not a fault of the connection.
        let topic = self.resolve_topic(p)?;
        // Without the `topic-alias` feature `resolve_topic` refused any alias already.
        let properties = if cfg!(feature = "topic-alias") && p.properties.topic_alias().is_some() {
            let rest: Vec<Property<'_>> = p
                .properties
                .iter()
                .filter(|x| !matches!(x, Property::TopicAlias(_)))
                .collect();
            OwnedProperties::from_properties(&Properties::new(&rest), PropertyContext::Publish)
                .unwrap_or_default()
        } else {
            OwnedProperties::from_decoded(&p.properties)
        };
        let mut message = Message {
            topic,
            payload: p.payload.to_vec(),
            qos: p.qos,
            retain: p.retain,
            dup: p.dup,
            packet_id: p.packet_id,
            properties,
            ack_token: None,
        };
        let Some(id) = p.packet_id else {
            if self.events.len() >= self.config.max_events {
                self.dropped_qos0 = self.dropped_qos0.saturating_add(1);
            } else {
                self.push_event(Event::Message(message));
            }
            return Ok(());
        };
        if let Some(pos) = self.session.incoming_pos(id) {
            // A duplicate: not delivered again. A QoS 2 one we already answered gets its PUBREC
            // again; otherwise the acknowledgement follows when the application acks.
            if self
                .session
                .incoming
                .get(pos)
                .is_some_and(|e| e.state == InState::AwaitingPubrel)
            {
                self.queue_control(&Packet::PubRec(PubRec::new(id)));
            }
            return Ok(());
        }
        if self.session.incoming.len() >= usize::from(self.config.receive_maximum) {
            return Err(ProtocolError::ReceiveMaximumExceeded.into());
        }
        let qos2 = p.qos == QoS::ExactlyOnce;
        self.session.incoming.push(InEntry {
            id,
            qos2,
            state: InState::AwaitingAck,
        });
        if qos2 {
            self.mark_dirty();
        }
        message.ack_token = Some(AckToken::new(self.session.epoch, id));
        self.push_event(Event::Message(message));
        Ok(())
    }

    /// Acknowledges a received message (automatically when its event is taken, or by `ack`).
    /// Its PUBACK or PUBREC goes out once every message received before it is acknowledged as
    /// well, so that acknowledgements leave in the order the PUBLISHes came
    /// [MQTT-4.6.0-2, MQTT-4.6.0-3].
    pub(crate) fn ack_incoming(&mut self, token: AckToken) -> Result<()> {
        if token.epoch() != u64::from(self.session.epoch) {
            return Ok(());
        }
        let unknown =
            UsageError::InvalidArgument("ack: no message awaits acknowledgement with this token");
        let entry = token
            .packet_id()
            .and_then(|id| self.session.incoming_pos(id))
            .and_then(|pos| self.session.incoming.get_mut(pos))
            .filter(|e| e.state == InState::AwaitingAck)
            .ok_or(unknown)?;
        entry.state = InState::AckHeld;
        self.release_acks();
        Ok(())
    }

    /// Sends the acknowledgements the application has given, in receive order, up to the first
    /// message it has not acknowledged yet. Offline, the acknowledgement is not sent: a
    /// resumed session redelivers a QoS 1 message, and a QoS 2 one gets its PUBREC then.
    fn release_acks(&mut self) {
        let connected = self.state == State::Connected;
        let mut pos = 0;
        let mut qos2_released = false;
        while let Some(e) = self.session.incoming.get_mut(pos) {
            match e.state {
                InState::AwaitingAck => break,
                InState::AwaitingPubrel => pos += 1,
                InState::AckHeld if e.qos2 => {
                    e.state = InState::AwaitingPubrel;
                    let id = e.id;
                    if connected {
                        self.queue_control(&Packet::PubRec(PubRec::new(id)));
                    }
                    qos2_released = true;
                    pos += 1;
                }
                InState::AckHeld => {
                    let id = e.id;
                    remove_at(&mut self.session.incoming, pos);
                    if connected {
                        self.queue_control(&Packet::PubAck(PubAck::new(id)));
                    }
                }
            }
        }
        if qos2_released {
            self.mark_dirty();
        }
    }

    /// The in-flight message `id` in `state`, or the fault for an unknown identifier.
    fn inflight_in(&self, id: PacketId, states: &[OutState]) -> Result<usize> {
        self.session
            .inflight_pos(id)
            .filter(|p| {
                self.session
                    .inflight
                    .get(*p)
                    .is_some_and(|f| states.contains(&f.state))
            })
            .ok_or_else(|| ProtocolError::UnknownPacketId(id.get()).into())
    }

    /// Removes the in-flight message at `pos` and releases its budget.
    fn finish_inflight(&mut self, pos: usize) {
        if let Some(f) = self.session.inflight.remove(pos) {
            if f.resend {
                self.conn.resend_pending = self.conn.resend_pending.saturating_sub(1);
            }
            self.session.forget(&f.msg);
        }
        self.mark_dirty();
    }

    fn on_puback(&mut self, a: &PubAck<'_>) -> Result<()> {
        let pos = self.inflight_in(a.packet_id, &[OutState::Qos1Sent])?;
        self.finish_inflight(pos);
        self.push_event(Event::PublishAcked {
            packet_id: a.packet_id,
            reason: a.reason.into(),
            properties: OwnedProperties::from_decoded(&a.properties),
        });
        Ok(())
    }

    fn on_pubrec(&mut self, a: &PubRec<'_>) -> Result<()> {
        let pos = self.inflight_in(a.packet_id, &[OutState::Qos2Sent, OutState::Released])?;
        if a.reason.is_error() {
            self.finish_inflight(pos);
            self.push_event(Event::PublishCompleted {
                packet_id: a.packet_id,
                reason: a.reason.into(),
                properties: OwnedProperties::from_decoded(&a.properties),
            });
            return Ok(());
        }
        let mut changed = false;
        if let Some(f) = self.session.inflight.get_mut(pos) {
            if f.resend {
                f.resend = false;
                self.conn.resend_pending = self.conn.resend_pending.saturating_sub(1);
            }
            if f.state == OutState::Qos2Sent {
                f.state = OutState::Released;
                self.session.stored_bytes = self.session.stored_bytes.saturating_sub(f.msg.size());
                f.msg.release();
                changed = true;
            }
        }
        if changed {
            self.mark_dirty();
        }
        self.queue_control(&Packet::PubRel(PubRel::new(a.packet_id)));
        Ok(())
    }

    fn on_pubrel(&mut self, a: &PubRel<'_>) -> Result<()> {
        let id = a.packet_id;
        match self.session.incoming_pos(id) {
            Some(pos) => {
                if self
                    .session
                    .incoming
                    .get(pos)
                    .is_none_or(|e| e.state != InState::AwaitingPubrel)
                {
                    return Err(ProtocolError::UnexpectedPacket(PacketType::PubRel).into());
                }
                remove_at(&mut self.session.incoming, pos);
                self.queue_control(&Packet::PubComp(PubComp::new(id)));
                self.mark_dirty();
            }
            None => {
                let mut comp = PubComp::new(id);
                if self.config.protocol == ProtocolVersion::V5 {
                    comp.reason = PubCompReason::PacketIdentifierNotFound;
                }
                self.queue_control(&Packet::PubComp(comp));
            }
        }
        Ok(())
    }

    fn on_pubcomp(&mut self, a: &PubComp<'_>) -> Result<()> {
        let pos = self.inflight_in(a.packet_id, &[OutState::Released])?;
        self.finish_inflight(pos);
        self.push_event(Event::PublishCompleted {
            packet_id: a.packet_id,
            reason: a.reason.into(),
            properties: OwnedProperties::from_decoded(&a.properties),
        });
        Ok(())
    }

    /// Removes the sent request `id` of `kind`, or reports an unknown identifier.
    fn take_request(&mut self, id: PacketId, kind: RequestKind) -> Result<super::session::Request> {
        let pos = self
            .session
            .requests
            .iter()
            .position(|r| r.id == id && r.kind == kind && r.sent)
            .ok_or(ProtocolError::UnknownPacketId(id.get()))?;
        let request = remove_at(&mut self.session.requests, pos)
            .ok_or(ProtocolError::UnknownPacketId(id.get()))?;
        self.session.release_id(id);
        Ok(request)
    }

    fn on_suback(&mut self, s: &SubAck<'_>) -> Result<()> {
        let v = self.config.protocol;
        let reasons: Vec<SubAckReason> = s.reasons.iter().collect();
        let count = self
            .session
            .requests
            .iter()
            .find(|r| r.id == s.packet_id && r.kind == RequestKind::Subscribe)
            .map(|r| r.filter_count(v));
        if count.is_some_and(|c| c != reasons.len()) {
            return Err(ProtocolError::AckCountMismatch.into());
        }
        let request = self.take_request(s.packet_id, RequestKind::Subscribe)?;
        let (filters, sub_id) = request.filters(v);
        for ((filter, options), reason) in filters.iter().zip(&reasons) {
            if let Some(granted) = reason.granted_qos() {
                self.session
                    .record_subscription(filter, *options, granted, sub_id);
            }
        }
        self.mark_dirty();
        self.push_event(Event::Subscribed {
            packet_id: s.packet_id,
            reasons,
            properties: OwnedProperties::from_decoded(&s.properties),
            resubscribe: request.resubscribe,
        });
        Ok(())
    }

    fn on_unsuback(&mut self, u: &UnsubAck<'_>) -> Result<()> {
        let v = self.config.protocol;
        let reasons: Vec<UnsubAckReason> = u.reasons.iter().collect();
        let count = self
            .session
            .requests
            .iter()
            .find(|r| r.id == u.packet_id && r.kind == RequestKind::Unsubscribe)
            .map(|r| r.filter_count(v));
        if v == ProtocolVersion::V5 && count.is_some_and(|c| c != reasons.len()) {
            return Err(ProtocolError::AckCountMismatch.into());
        }
        let request = self.take_request(u.packet_id, RequestKind::Unsubscribe)?;
        let (filters, _) = request.filters(v);
        for (i, (filter, _)) in filters.iter().enumerate() {
            let removed = match reasons.get(i) {
                None => true,
                Some(r) => !r.is_error(),
            };
            if removed {
                self.session.forget_subscription(filter);
            }
        }
        self.mark_dirty();
        self.push_event(Event::Unsubscribed {
            packet_id: u.packet_id,
            reasons,
            properties: OwnedProperties::from_decoded(&u.properties),
        });
        Ok(())
    }
}
