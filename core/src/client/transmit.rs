//! Bytes to the server: queued control packets first, then (when connected) resends in their
//! original order, then new publishes as the in-flight window allows. Publishes are encoded
//! straight into the caller's buffer.

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::Zeroize;

use super::Client;
use super::event::{DropReason, Event};
use super::session::{InFlight, OutState};
use super::state::State;
use crate::codec::client_side::{encode, encode_to_slice, encoded_len};
use crate::codec::{
    Decoder, EncodeError, Packet, PacketId, Properties, ProtocolVersion, PubRel, Publish, QoS,
};
use crate::error::{Error, Result, UsageError};
use crate::time::Instant;

/// An empty outbox keeps a buffer up to this size for the next control packets.
const OUTBOX_KEEP: usize = 1024;

/// Where `poll_transmit` writes.
trait Sink {
    /// Bytes that still fit.
    fn room(&self) -> usize;
    /// Bytes written by this poll.
    fn written(&self) -> usize;
    /// Appends raw bytes (the caller checked `room`).
    fn put(&mut self, bytes: &[u8]);
    /// Encodes a packet; on error nothing is written.
    fn packet(&mut self, p: &Packet<'_>, v: ProtocolVersion) -> Result<usize, EncodeError>;
}

struct VecSink<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
}

impl Sink for VecSink<'_> {
    fn room(&self) -> usize {
        usize::MAX
    }
    fn written(&self) -> usize {
        self.out.len().saturating_sub(self.start)
    }
    fn put(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
    fn packet(&mut self, p: &Packet<'_>, v: ProtocolVersion) -> Result<usize, EncodeError> {
        encode(p, v, self.out)
    }
}

struct SliceSink<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Sink for SliceSink<'_> {
    fn room(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
    fn written(&self) -> usize {
        self.pos
    }
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
            self.pos = end;
        }
    }
    fn packet(&mut self, p: &Packet<'_>, v: ProtocolVersion) -> Result<usize, EncodeError> {
        let rest = self.buf.get_mut(self.pos..).unwrap_or(&mut []);
        let n = encode_to_slice(p, v, rest)?;
        self.pos = self.pos.saturating_add(n);
        Ok(n)
    }
}

/// The outcome of trying to write one packet.
enum Wrote {
    Yes,
    /// It does not fit; `required` bytes would be needed.
    Full(usize),
    /// It cannot be encoded at all.
    Invalid(crate::codec::Violation),
}

fn attempt(sink: &mut impl Sink, p: &Packet<'_>, v: ProtocolVersion) -> Wrote {
    match sink.packet(p, v) {
        Ok(_) => Wrote::Yes,
        Err(EncodeError::BufferTooSmall { required }) => Wrote::Full(required),
        Err(EncodeError::Invalid(violation)) => Wrote::Invalid(violation),
    }
}

impl Client {
    /// Appends whole packets to send to `out` and returns how many bytes it appended (0 when
    /// there is nothing to send). Call it until it returns 0 after every input and command.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        let mut sink = VecSink { out, start };
        // A Vec always has room, so the only error (buffer too small) cannot happen.
        self.transmit(now, &mut sink).unwrap_or(0)
    }

    /// Writes whole packets to the front of `buf` and returns how many bytes it wrote (0 when
    /// there is nothing to send). Packets that do not fit stay queued.
    ///
    /// # Errors
    /// [`UsageError::BufferTooSmall`] with the size of the next packet when not even that one
    /// fits; nothing is lost.
    #[must_use = "the bytes written must be sent"]
    pub fn poll_transmit_to_slice(&mut self, now: Instant, buf: &mut [u8]) -> Result<usize> {
        let mut sink = SliceSink { buf, pos: 0 };
        self.transmit(now, &mut sink)
    }

    fn transmit(&mut self, now: Instant, sink: &mut impl Sink) -> Result<usize> {
        if self.config.persistence && self.dirty {
            return Ok(0);
        }
        let result = self.transmit_inner(sink);
        let n = sink.written();
        if n > 0 {
            self.conn.last_tx = now;
            self.reschedule_ping();
        }
        result.map(|()| n)
    }

    fn transmit_inner(&mut self, sink: &mut impl Sink) -> Result<()> {
        if !self.drain_outbox(sink)? {
            return Ok(());
        }
        if self.state != State::Connected {
            return Ok(());
        }
        let window = usize::from(self.config.max_inflight.min(self.conn.server_receive_max));
        if self.conn.resend_pending > 0 && !self.resend(sink, window)? {
            return Ok(());
        }
        self.send_pending(sink, window)
    }

    /// Copies queued control packets. Returns false when some did not fit.
    fn drain_outbox(&mut self, sink: &mut impl Sink) -> Result<bool> {
        if self.outbox.is_empty() {
            return Ok(true);
        }
        let room = sink.room();
        if self.outbox.len() <= room {
            sink.put(&self.outbox);
            if self.outbox_secret || self.outbox.capacity() > OUTBOX_KEEP {
                // Wipe a password, and give back a buffer that CONNECT or a burst made large.
                self.outbox.zeroize();
                self.outbox_secret = false;
                self.outbox = Vec::new();
            }
            self.outbox.clear();
            return Ok(true);
        }
        // Only whole packets: find how many fit.
        let decoder = Decoder::new(self.config.protocol);
        let mut end = 0usize;
        loop {
            let rest = self.outbox.get(end..).unwrap_or(&[]);
            let len = decoder.header(rest).map_or(rest.len(), |h| h.packet_len());
            if len == 0 || end.saturating_add(len) > room {
                if end == 0 && sink.written() == 0 {
                    return Err(Error::Usage(UsageError::BufferTooSmall { required: len }));
                }
                break;
            }
            end += len;
        }
        sink.put(self.outbox.get(..end).unwrap_or(&[]));
        if self.outbox_secret {
            if let Some(sent) = self.outbox.get_mut(..end) {
                sent.zeroize();
            }
        }
        // The unsent rest moves to a new buffer (`drain` would move it within this one, which
        // links `memmove`, BENCHMARKS.md issue 7); a buffer that held a password is wiped.
        let rest = self.outbox.get(end..).unwrap_or(&[]).to_vec();
        let mut sent = core::mem::replace(&mut self.outbox, rest);
        if self.outbox_secret {
            sent.zeroize();
        }
        Ok(false)
    }

    /// Sends again what was in flight when the connection was lost, in order. Returns false
    /// when the sink is full.
    fn resend(&mut self, sink: &mut impl Sink, window: usize) -> Result<bool> {
        let v = self.config.protocol;
        let total = self.session.inflight.len();
        for f in self.session.inflight.iter_mut() {
            if self.conn.resend_pending == 0 {
                break;
            }
            if !f.resend {
                continue;
            }
            let outstanding = total.saturating_sub(self.conn.resend_pending);
            if outstanding >= window {
                return Ok(false);
            }
            let wrote = match f.state {
                // A server that announced less than a PUBREL takes gets none (as for every
                // control packet, `queue_control`).
                OutState::Released
                    if self.conn.server_max_packet.is_some_and(|max| {
                        encoded_len(&Packet::PubRel(PubRel::new(f.id)), v)
                            .map_or(true, |n| n > max as usize)
                    }) =>
                {
                    Wrote::Yes
                }
                OutState::Released => attempt(sink, &Packet::PubRel(PubRel::new(f.id)), v),
                OutState::Qos1Sent | OutState::Qos2Sent => {
                    attempt(sink, &Packet::Publish(f.dup_publish()), v)
                }
            };
            match wrote {
                Wrote::Yes | Wrote::Invalid(_) => {
                    // An in-flight message that cannot be encoded stays in flight unsent; the
                    // server cannot acknowledge it and the next new session requeues it.
                    f.resend = false;
                    self.conn.resend_pending = self.conn.resend_pending.saturating_sub(1);
                }
                Wrote::Full(required) => {
                    return if sink.written() == 0 {
                        Err(UsageError::BufferTooSmall { required }.into())
                    } else {
                        Ok(false)
                    };
                }
            }
        }
        Ok(self.conn.resend_pending == 0)
    }

    /// Sends queued publishes in order while in-flight slots are free.
    fn send_pending(&mut self, sink: &mut impl Sink, window: usize) -> Result<()> {
        let v = self.config.protocol;
        let alias_limit = if v == ProtocolVersion::V5 {
            usize::from(
                self.config
                    .outgoing_aliases()
                    .min(self.conn.server_alias_max),
            )
        } else {
            0
        };
        while let Some(msg) = self.session.pending.front() {
            if msg.qos != QoS::AtMostOnce && self.session.inflight.len() >= window {
                return Ok(());
            }
            let plain = Publish {
                dup: false,
                qos: msg.qos,
                retain: msg.retain,
                topic: msg.topic(),
                packet_id: msg.id,
                properties: msg.properties(),
                payload: msg.payload(),
            };
            let size = match self.conn.server_max_packet {
                Some(_) => encoded_len(&Packet::Publish(plain), v).unwrap_or(usize::MAX),
                None => 0,
            };
            if let Some(reason) = self.conn.refuses(msg.qos, msg.retain, size) {
                self.drop_front(reason);
                continue;
            }
            // Topic alias: reuse one, or take a free one if the packet still fits.
            let topic = plain.topic;
            let mut alias = None;
            if alias_limit > 0 && topic.len() > 2 {
                let table = &self.conn.aliases.get_or_insert_with(Box::default).out;
                match table.iter().position(|t| t == topic) {
                    Some(i) => alias = Some((i.saturating_add(1), false)),
                    None if table.len() < alias_limit
                        && self
                            .conn
                            .server_max_packet
                            .is_none_or(|m| size.saturating_add(3) <= m as usize) =>
                    {
                        alias = Some((table.len().saturating_add(1), true));
                    }
                    None => {}
                }
            }
            let with_alias = alias
                .and_then(|(a, new)| u16::try_from(a).ok().map(|a| (a, new)))
                .zip(self.conn.aliases.as_deref_mut());
            let wrote = match with_alias {
                Some(((a, new), table)) => {
                    table.scratch.clear();
                    table.scratch.extend_from_slice(msg.props_bytes());
                    table.scratch.push(0x23);
                    table.scratch.extend_from_slice(&a.to_be_bytes());
                    let p = Publish {
                        topic: if new { topic } else { "" },
                        properties: Properties::from_wire(&table.scratch),
                        ..plain
                    };
                    attempt(sink, &Packet::Publish(p), v)
                }
                None => attempt(sink, &Packet::Publish(plain), v),
            };
            match wrote {
                Wrote::Yes => {}
                Wrote::Full(required) => {
                    return if sink.written() == 0 {
                        Err(UsageError::BufferTooSmall { required }.into())
                    } else {
                        Ok(())
                    };
                }
                Wrote::Invalid(violation) => {
                    self.drop_front(DropReason::Invalid(violation));
                    continue;
                }
            }
            if let (Some((_, true)), Some(table)) = (alias, self.conn.aliases.as_deref_mut()) {
                table.out.push(alloc::string::String::from(topic));
            }
            let Some(msg) = self.session.pending.pop_front() else {
                return Ok(());
            };
            match (msg.qos, msg.id) {
                (QoS::AtLeastOnce, Some(id)) => self.push_inflight(msg, id, OutState::Qos1Sent),
                (QoS::ExactlyOnce, Some(id)) => self.push_inflight(msg, id, OutState::Qos2Sent),
                _ => self.session.forget(&msg),
            }
        }
        Ok(())
    }

    fn push_inflight(&mut self, msg: super::session::OutMsg, id: PacketId, state: OutState) {
        self.session.inflight.push_back(InFlight {
            msg,
            id,
            state,
            resend: false,
        });
    }

    /// Gives up the first queued message.
    fn drop_front(&mut self, reason: DropReason) {
        if let Some(msg) = self.session.pending.pop_front() {
            self.session.forget(&msg);
            if msg.id.is_some() {
                self.mark_dirty();
            }
            self.push_event(Event::PublishDropped {
                packet_id: msg.id,
                reason,
            });
        }
    }
}
