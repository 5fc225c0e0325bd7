//! PUBLISH both ways: inbound messages and their acknowledgements, outbound deliveries with the
//! in-flight window, message expiry, topic aliases and the client's Maximum Packet Size.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::event::{Delivery, DropReason, Dropped, ServerEvent};
use super::inbound::Admit;
use super::message::{InboundPublish, ServerMessage};
use super::outbound::{Pending, Phase, PubRecOutcome, QueueLimits};
use super::session::{Link, ServerSession};
use super::state::ServerState;
use super::subscriptions::Match;
use crate::codec::{
    Packet, PacketId, Properties, Property, PropertyId, ProtocolVersion, PubAckReason, PubComp,
    PubRel, PubRelReason, Publish, QoS, encode, encoded_len,
};
use crate::error::{Error, ProtocolError, UsageError};
use crate::time::Instant;

impl ServerSession {
    // ------------------------------------------------------------------ commands

    /// Queues `message` for the client exactly as given (QoS, RETAIN, properties), without
    /// looking at subscriptions: for retained messages on SUBSCRIBE, or topics the broker
    /// subscribes the client to implicitly. Returns the packet id for QoS 1 and 2.
    ///
    /// Sent by [`poll_transmit`](Self::poll_transmit) as soon as the client's Receive Maximum
    /// allows; a closed session that keeps its state queues QoS 1/2 messages for the client's
    /// return. [`ServerEvent::Delivered`] reports the end of a QoS 1/2 delivery.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] without a session to deliver to (not connected yet, or
    /// closed without kept state, or QoS 0 while closed); [`UsageError::Encode`] for a topic
    /// that is empty or has wildcards; [`UsageError::PacketTooLarge`] when the PUBLISH exceeds
    /// the connected client's Maximum Packet Size; [`UsageError::QueueFull`];
    /// [`UsageError::PacketIdsExhausted`].
    pub fn publish(
        &mut self,
        now: Instant,
        message: ServerMessage,
    ) -> Result<Option<PacketId>, Error> {
        self.tick(now);
        self.enqueue(message, Vec::new())
    }

    /// Delivers a routed message through this session's matching subscriptions (shared ones
    /// excepted, see [`deliver_shared`](Self::deliver_shared)), as MQTT 5.0 §3.3.4 says: at the
    /// lower of the message's QoS and the highest granted QoS, RETAIN kept only where Retain as
    /// Published is set, with every matching Subscription Identifier, skipping No Local
    /// subscriptions when `from_this_client` (the publisher is this session's client).
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub fn deliver(
        &mut self,
        now: Instant,
        message: &ServerMessage,
        from_this_client: bool,
    ) -> Result<Delivery, Error> {
        self.tick(now);
        match self
            .subscriptions
            .matching(&message.topic, from_this_client)
        {
            Some(m) => self.deliver_match(message, m),
            None => Ok(Delivery::NoMatch),
        }
    }

    /// Delivers a routed message through the shared subscription `shared_filter`
    /// (`$share/{group}/{filter}`), once the broker has picked this session from the group.
    ///
    /// # Errors
    /// As [`publish`](Self::publish).
    pub fn deliver_shared(
        &mut self,
        now: Instant,
        message: &ServerMessage,
        shared_filter: &str,
    ) -> Result<Delivery, Error> {
        self.tick(now);
        match self
            .subscriptions
            .matching_shared(shared_filter, &message.topic)
        {
            Some(m) => self.deliver_match(message, m),
            None => Ok(Delivery::NoMatch),
        }
    }

    /// Acknowledges an inbound QoS 1 (PUBACK) or QoS 2 (PUBREC) PUBLISH with `reason`, in
    /// manual-ack mode ([`ServerConfig::manual_acks`](super::ServerConfig::manual_acks)). A
    /// refusal (0x80 or above) ends a QoS 2 exchange. 3.1.1 acknowledgements carry no reason.
    ///
    /// # Errors
    /// [`UsageError::InvalidState`] when acks are automatic or the client is not connected;
    /// [`UsageError::InvalidArgument`] when no PUBLISH with this id awaits acknowledgement.
    pub fn ack(&mut self, packet_id: PacketId, reason: PubAckReason) -> Result<(), Error> {
        if !self.config.manual_acks {
            return Err(UsageError::InvalidState(
                "acknowledgements are automatic; set ServerConfig::manual_acks",
            )
            .into());
        }
        if self.state != ServerState::Connected {
            return Err(UsageError::InvalidState("the client is not connected").into());
        }
        if self.ack_inbound(packet_id, reason) {
            Ok(())
        } else {
            Err(UsageError::InvalidArgument(
                "no PUBLISH with this packet id awaits an acknowledgement",
            )
            .into())
        }
    }

    fn deliver_match(&mut self, message: &ServerMessage, m: Match) -> Result<Delivery, Error> {
        let qos = message.qos.min(m.qos);
        if qos == QoS::AtMostOnce && self.state != ServerState::Connected {
            return Ok(Delivery::Skipped);
        }
        let mut copy = message.clone();
        copy.qos = qos;
        copy.retain = message.retain && m.retain_as_published;
        let packet_id = self.enqueue(copy, m.subscription_ids)?;
        Ok(Delivery::Queued { qos, packet_id })
    }

    fn enqueue(
        &mut self,
        message: ServerMessage,
        subscription_ids: Vec<u32>,
    ) -> Result<Option<PacketId>, Error> {
        match self.state {
            ServerState::Connected => {}
            ServerState::Closed if self.kept => {
                if message.qos == QoS::AtMostOnce {
                    return Err(UsageError::InvalidState(
                        "QoS 0 messages are not kept for a disconnected client",
                    )
                    .into());
                }
            }
            _ => return Err(UsageError::InvalidState("no session to deliver to").into()),
        }
        let pending = Pending {
            message,
            packet_id: None,
            expires_at: None,
            subscription_ids,
        };
        let size = publish_size(&pending, self.version)?;
        if let Some(max) = self.link.as_ref().and_then(|l| l.max_packet_size) {
            if size > max as usize {
                return Err(UsageError::PacketTooLarge { size, max }.into());
            }
        }
        let expires_at = pending
            .message
            .properties
            .message_expiry_interval
            .map(|s| self.now.saturating_add(Duration::from_secs(u64::from(s))));
        let limits = QueueLimits {
            messages: self.config.max_queued_messages,
            bytes: self.config.max_queued_bytes,
        };
        Ok(self.outbound.enqueue(
            pending.message,
            expires_at,
            pending.subscription_ids,
            limits,
        )?)
    }

    // ------------------------------------------------------------------ inbound

    pub(super) fn handle_publish(&mut self, p: &Publish<'_>) {
        if p.qos > self.config.maximum_qos {
            self.fault(ProtocolError::QosNotAllowed.into());
            return;
        }
        if p.retain && !self.config.retain_available {
            self.fault(ProtocolError::RetainNotSupported.into());
            return;
        }
        if p.properties.subscription_identifiers().next().is_some() {
            self.fault(
                ProtocolError::PropertyNotAllowed(PropertyId::SubscriptionIdentifier).into(),
            );
            return;
        }
        let alias_max = self.config.topic_alias_maximum;
        let topic = match self
            .inbound
            .resolve_topic(p.topic, p.properties.topic_alias(), alias_max)
        {
            Ok(t) => t,
            Err(e) => {
                self.fault(e.into());
                return;
            }
        };
        match self
            .inbound
            .admit(p.qos, p.packet_id, self.config.receive_maximum)
        {
            Err(e) => self.fault(e.into()),
            Ok(Admit::Ignore) => {}
            Ok(Admit::RepeatPubRec) => {
                if let Some(id) = p.packet_id {
                    self.send(&Packet::PubRec(crate::codec::PubRec::new(id)));
                }
            }
            Ok(Admit::New) => self.events.push_back(ServerEvent::Publish(InboundPublish {
                message: ServerMessage::from_publish(p, topic),
                packet_id: p.packet_id,
                dup: p.dup,
            })),
        }
    }

    pub(super) fn handle_puback(&mut self, id: PacketId, reason: PubAckReason) {
        match self.outbound.on_puback(id) {
            Ok(()) => self.events.push_back(ServerEvent::Delivered {
                packet_id: id,
                reason,
            }),
            Err(e) => self.fault(e.into()),
        }
    }

    pub(super) fn handle_pubrec(&mut self, id: PacketId, reason: PubAckReason) {
        match self.outbound.on_pubrec(id, reason) {
            Ok(PubRecOutcome::Release) => {
                self.send(&Packet::PubRel(PubRel::new(id)));
            }
            Ok(PubRecOutcome::Refused(reason)) => self.events.push_back(ServerEvent::Delivered {
                packet_id: id,
                reason,
            }),
            Ok(PubRecOutcome::NotFound) => {
                let mut rel = PubRel::new(id);
                if self.version == ProtocolVersion::V5 {
                    rel.reason = PubRelReason::PacketIdentifierNotFound;
                }
                self.send(&Packet::PubRel(rel));
            }
            Err(e) => self.fault(e.into()),
        }
    }

    pub(super) fn handle_pubrel(&mut self, id: PacketId) {
        let mut comp = PubComp::new(id);
        if !self.inbound.release(id) && self.version == ProtocolVersion::V5 {
            comp.reason = PubRelReason::PacketIdentifierNotFound;
        }
        self.send(&Packet::PubComp(comp));
    }

    pub(super) fn handle_pubcomp(&mut self, id: PacketId) {
        match self.outbound.on_pubcomp(id) {
            Ok(()) => self.events.push_back(ServerEvent::Delivered {
                packet_id: id,
                reason: PubAckReason::Success,
            }),
            Err(e) => self.fault(e.into()),
        }
    }

    // ------------------------------------------------------------------ outbound

    /// Encodes what the window allows into the transmit buffer: in-flight packets of a resumed
    /// session first (PUBLISH with DUP, or PUBREL), then queued messages in order.
    pub(super) fn flush_outbound(&mut self) {
        if self.state != ServerState::Connected {
            return;
        }
        let Some(link) = self.link.as_deref_mut() else {
            return;
        };
        let window = usize::from(link.receive_maximum);
        while self.tx.len() < self.config.max_transmit_buffer {
            if let Some(i) = self.outbound.next_resend(window) {
                let Some(f) = self.outbound.inflight.get(i) else {
                    break;
                };
                let result = match (&f.pending, f.phase) {
                    (_, Phase::Uncompleted) | (None, _) => {
                        // A PUBREL is four bytes and always encodes.
                        let rel = Packet::PubRel(PubRel::new(f.id));
                        let _ = encode(&rel, self.version, &mut self.tx);
                        Ok(())
                    }
                    (Some(p), _) => {
                        send_publish(p, true, self.now, self.version, link, &mut self.tx)
                    }
                };
                match result {
                    Ok(()) => self.outbound.mark_sent(i),
                    Err(reason) => {
                        if let Some(f) = self.outbound.drop_inflight(i) {
                            let topic = f.pending.map(|p| p.message.topic).unwrap_or_default();
                            self.events.push_back(ServerEvent::Dropped(Dropped {
                                packet_id: Some(f.id),
                                topic,
                                reason,
                            }));
                        }
                    }
                }
                continue;
            }
            let Some(p) = self.outbound.pop_sendable(window) else {
                break;
            };
            match send_publish(&p, false, self.now, self.version, link, &mut self.tx) {
                Ok(()) => self.outbound.sent(p),
                Err(reason) => {
                    self.outbound.release(&p);
                    self.events.push_back(ServerEvent::Dropped(Dropped {
                        packet_id: p.packet_id,
                        topic: p.message.topic,
                        reason,
                    }));
                }
            }
        }
    }
}

/// The size of the PUBLISH for `p` (no alias, a placeholder packet id): checks the message can
/// be encoded at all.
fn publish_size(p: &Pending, version: ProtocolVersion) -> Result<usize, UsageError> {
    let mut props = Vec::new();
    let packet_id = (p.message.qos != QoS::AtMostOnce)
        .then_some(PacketId::new(1))
        .flatten();
    let publish = build_publish(
        p,
        &mut props,
        packet_id,
        false,
        version,
        p.message.properties.message_expiry_interval,
        None,
    );
    encoded_len(&Packet::Publish(publish), version).map_err(|e| match e {
        crate::codec::EncodeError::Invalid(v) => UsageError::Encode(v),
        crate::codec::EncodeError::BufferTooSmall { required } => {
            UsageError::BufferTooSmall { required }
        }
    })
}

/// A PUBLISH for `p`; `topic_alias` is `(alias, send the topic too)`.
fn build_publish<'a>(
    p: &'a Pending,
    props: &'a mut Vec<Property<'a>>,
    packet_id: Option<PacketId>,
    dup: bool,
    version: ProtocolVersion,
    expiry: Option<u32>,
    topic_alias: Option<(u16, bool)>,
) -> Publish<'a> {
    let m = &p.message;
    if version == ProtocolVersion::V5 {
        m.properties.push_into(props);
        if let Some(secs) = expiry {
            props.push(Property::MessageExpiryInterval(secs));
        }
        for id in &p.subscription_ids {
            props.push(Property::SubscriptionIdentifier(*id));
        }
        if let Some((alias, _)) = topic_alias {
            props.push(Property::TopicAlias(alias));
        }
    }
    let topic = match topic_alias {
        Some((_, false)) => "",
        _ => m.topic.as_str(),
    };
    let props: &'a [Property<'a>] = props;
    Publish {
        dup: dup && m.qos != QoS::AtMostOnce,
        qos: m.qos,
        retain: m.retain,
        topic,
        packet_id,
        properties: Properties::new(props),
        payload: &m.payload,
    }
}

/// Encodes `p` into `out` for the live connection, or says why it must be dropped.
fn send_publish(
    p: &Pending,
    dup: bool,
    now: Instant,
    version: ProtocolVersion,
    link: &mut Link,
    out: &mut Vec<u8>,
) -> Result<(), DropReason> {
    let expiry = match p.expires_at {
        Some(at) if at <= now => return Err(DropReason::Expired),
        Some(at) => {
            let ms = at.saturating_duration_since(now).as_millis();
            Some(u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX))
        }
        None => None,
    };
    let alias = if version == ProtocolVersion::V5 && link.alias_maximum > 0 {
        match link.aliases.get(&p.message.topic) {
            Some(a) => Some((*a, false)),
            None => u16::try_from(link.aliases.len())
                .ok()
                .filter(|n| *n < link.alias_maximum)
                .map(|n| (n.saturating_add(1), true)),
        }
    } else {
        None
    };
    let mut props = Vec::new();
    let publish = build_publish(p, &mut props, p.packet_id, dup, version, expiry, alias);
    let start = out.len();
    if let Err(e) = encode(&Packet::Publish(publish), version, out) {
        out.truncate(start);
        return Err(match e {
            crate::codec::EncodeError::Invalid(v) => DropReason::Unencodable(v),
            crate::codec::EncodeError::BufferTooSmall { required } => DropReason::TooLarge {
                size: required,
                max: u32::MAX,
            },
        });
    }
    let size = out.len().saturating_sub(start);
    if let Some(max) = link.max_packet_size {
        if size > max as usize {
            out.truncate(start);
            return Err(DropReason::TooLarge { size, max });
        }
    }
    if let Some((alias, true)) = alias {
        link.aliases
            .insert(String::from(p.message.topic.as_str()), alias);
    }
    Ok(())
}
