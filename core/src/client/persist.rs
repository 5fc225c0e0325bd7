//! `snapshot` and `restore`: the whole session in a versioned, checksummed byte string.
//!
//! Layout (integers big-endian):
//!
//! ```text
//! "IMQS" | format u8 (1) | protocol level u8 | total length u32
//! epoch u32 | last packet id u16 | started u8 | assigned client id: flag u8 [len u16, bytes]
//! queued:    count u32, then messages
//! in flight: count u32, then { id u16 | state u8 | message }
//! QoS 2 ids awaiting PUBREL: count u32, then id u16
//! subscriptions: count u32, then { filter len u16, bytes | options u8 | granted QoS u8 | sub id u32 (0 = none) }
//! requests: count u32, then { id u16 | kind u8 | resubscribe u8 | len u32, packet bytes }
//! CRC-32 (IEEE) of everything before, u32
//!
//! message = qos u8 | retain u8 | id u16 (0 = none) | topic len u16 | props len u32 | payload len u32 | bytes
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::Client;
use super::session::{
    InEntry, InFlight, InState, OutMsg, OutState, Request, RequestKind, Session, SubRecord,
};
use super::state::State;
use crate::codec::{
    OwnedProperties, Packet, PacketId, PropertyContext, ProtocolVersion, QoS, SubscriptionOptions,
    decode, validate_topic_filter, validate_topic_name,
};
use crate::error::{Error, Result, SnapshotError, UsageError};

const MAGIC: &[u8; 4] = b"IMQS";
const FORMAT: u8 = 1;
const HEADER: usize = 4 + 1 + 1 + 4;

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u32(out, u32::try_from(n).unwrap_or(u32::MAX));
}

fn put_msg(out: &mut Vec<u8>, m: &OutMsg) {
    out.push(m.qos as u8);
    out.push(u8::from(m.retain));
    put_u16(out, m.id.map_or(0, PacketId::get));
    let topic = m.topic().as_bytes();
    put_u16(out, u16::try_from(topic.len()).unwrap_or(0));
    put_len(out, m.props_bytes().len());
    put_len(out, m.payload().len());
    out.extend_from_slice(topic);
    out.extend_from_slice(m.props_bytes());
    out.extend_from_slice(m.payload());
}

/// A bounds-checked cursor; every shortfall is `Truncated`.
struct Cursor<'a> {
    rest: &'a [u8],
}

type Snap<T> = core::result::Result<T, SnapshotError>;

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Snap<&'a [u8]> {
        let (head, rest) = self
            .rest
            .split_at_checked(n)
            .ok_or(SnapshotError::Truncated)?;
        self.rest = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Snap<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }
    fn u16(&mut self) -> Snap<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes(
            b.try_into().map_err(|_| SnapshotError::Truncated)?,
        ))
    }
    fn u32(&mut self) -> Snap<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes(
            b.try_into().map_err(|_| SnapshotError::Truncated)?,
        ))
    }
    fn len(&mut self) -> Snap<usize> {
        usize::try_from(self.u32()?).map_err(|_| SnapshotError::Truncated)
    }
    fn str(&mut self, what: &'static str) -> Snap<&'a str> {
        let n = usize::from(self.u16()?);
        core::str::from_utf8(self.take(n)?).map_err(|_| SnapshotError::Invalid(what))
    }
    /// A count of items that each take at least `min` bytes, checked against what is left so
    /// that a corrupt count cannot make the reader allocate.
    fn count(&mut self, min: usize) -> Snap<usize> {
        let n = self.len()?;
        if n.saturating_mul(min) > self.rest.len() {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }

    fn msg(&mut self, version: ProtocolVersion) -> Snap<OutMsg> {
        let bad = SnapshotError::Invalid("message");
        let qos = QoS::from_u8(self.u8()?).ok_or(bad)?;
        let retain = match self.u8()? {
            0 => false,
            1 => true,
            _ => return Err(bad),
        };
        let id = PacketId::new(self.u16()?);
        if (qos == QoS::AtMostOnce) != id.is_none() {
            return Err(bad);
        }
        let topic_len = usize::from(self.u16()?);
        let props_len = self.len()?;
        let payload_len = self.len()?;
        let topic = core::str::from_utf8(self.take(topic_len)?).map_err(|_| bad)?;
        if topic.contains('\0') || validate_topic_name(topic).is_err() {
            return Err(bad);
        }
        let props = self.take(props_len)?;
        if version == ProtocolVersion::V311 && !props.is_empty() {
            return Err(bad);
        }
        OwnedProperties::from_wire_checked(props, PropertyContext::Publish).ok_or(bad)?;
        let payload = self.take(payload_len)?;
        OutMsg::new(topic, props, payload, qos, retain, id).ok_or(bad)
    }
}

impl Client {
    /// The whole session as bytes: queued and in-flight messages, QoS 2 identifiers awaiting
    /// PUBREL, packet-identifier state, subscriptions and unacknowledged requests. Versioned and
    /// checksummed. Taking it marks the session saved (see `config.persistence`).
    #[must_use]
    pub fn snapshot(&mut self) -> Vec<u8> {
        self.dirty = false;
        let s = &self.session;
        let mut out = Vec::with_capacity(64usize.saturating_add(s.stored_bytes));
        out.extend_from_slice(MAGIC);
        out.push(FORMAT);
        out.push(self.config.protocol.level());
        put_u32(&mut out, 0); // total length, patched below
        put_u32(&mut out, s.epoch);
        put_u16(&mut out, s.last_id);
        out.push(u8::from(s.started));
        match &self.assigned_client_id {
            Some(id) if id.len() <= usize::from(u16::MAX) => {
                out.push(1);
                put_u16(&mut out, u16::try_from(id.len()).unwrap_or(0));
                out.extend_from_slice(id.as_bytes());
            }
            _ => out.push(0),
        }
        put_len(&mut out, s.pending.len());
        for m in &s.pending {
            put_msg(&mut out, m);
        }
        put_len(&mut out, s.inflight.len());
        for f in &s.inflight {
            put_u16(&mut out, f.id.get());
            out.push(f.state as u8);
            put_msg(&mut out, &f.msg);
        }
        let qos2: Vec<PacketId> = s
            .incoming
            .iter()
            .filter(|e| e.state == InState::AwaitingPubrel)
            .map(|e| e.id)
            .collect();
        put_len(&mut out, qos2.len());
        for id in qos2 {
            put_u16(&mut out, id.get());
        }
        put_len(&mut out, s.subscriptions.len());
        for r in &s.subscriptions {
            put_u16(&mut out, u16::try_from(r.filter.len()).unwrap_or(0));
            out.extend_from_slice(r.filter.as_bytes());
            out.push(r.options.to_byte());
            out.push(r.granted as u8);
            put_u32(&mut out, r.sub_id.unwrap_or(0));
        }
        put_len(&mut out, s.requests.len());
        for r in &s.requests {
            put_u16(&mut out, r.id.get());
            out.push(r.kind as u8);
            out.push(u8::from(r.resubscribe));
            put_len(&mut out, r.packet.len());
            out.extend_from_slice(&r.packet);
        }
        let total = u32::try_from(out.len().saturating_add(4)).unwrap_or(u32::MAX);
        if let Some(slot) = out.get_mut(6..10) {
            slot.copy_from_slice(&total.to_be_bytes());
        }
        let crc = crc32(&out);
        put_u32(&mut out, crc);
        out
    }

    /// Replaces the session with one from [`snapshot`](Client::snapshot). Only while
    /// [`State::Idle`] (before `connect`). The next 5.0 CONNECT asks to resume the session
    /// (when its Session Expiry Interval is above 0: with 0 the server kept nothing).
    ///
    /// # Errors
    /// [`UsageError::Snapshot`] naming what is wrong (truncated, altered, another format or
    /// protocol version, inconsistent content, over this client's limits);
    /// [`UsageError::InvalidState`] unless idle. Nothing changes on error.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<()> {
        if self.state != State::Idle {
            return Err(UsageError::InvalidState("restore: only while idle").into());
        }
        let (session, assigned) = self
            .parse_snapshot(bytes)
            .map_err(|e| Error::Usage(UsageError::Snapshot(e)))?;
        self.session = session;
        self.session.epoch = self.session.epoch.wrapping_add(1);
        if assigned.is_some() {
            self.assigned_client_id = assigned;
        }
        self.dirty = false;
        Ok(())
    }

    fn parse_snapshot(&self, bytes: &[u8]) -> Snap<(Session, Option<String>)> {
        let v = self.config.protocol;
        let head = bytes.get(..HEADER).ok_or(SnapshotError::Truncated)?;
        if head.get(..4) != Some(MAGIC.as_slice()) {
            return Err(SnapshotError::NotASnapshot);
        }
        let format = head.get(4).copied().unwrap_or(0);
        if format != FORMAT {
            return Err(SnapshotError::UnsupportedVersion(format));
        }
        let total = head
            .get(6..10)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
            .and_then(|t| usize::try_from(t).ok())
            .ok_or(SnapshotError::Truncated)?;
        if bytes.len() < total || total < HEADER + 4 {
            return Err(SnapshotError::Truncated);
        }
        if bytes.len() > total {
            return Err(SnapshotError::Invalid("bytes after the end"));
        }
        let (body, crc) = bytes
            .split_at_checked(total - 4)
            .ok_or(SnapshotError::Truncated)?;
        let stored = crc
            .try_into()
            .map(u32::from_be_bytes)
            .map_err(|_| SnapshotError::Truncated)?;
        if crc32(body) != stored {
            return Err(SnapshotError::ChecksumMismatch);
        }
        if head.get(5).copied() != Some(v.level()) {
            return Err(SnapshotError::VersionMismatch);
        }
        let mut c = Cursor {
            rest: body.get(HEADER..).unwrap_or(&[]),
        };
        let mut s = Session {
            epoch: c.u32()?,
            last_id: c.u16()?,
            started: c.u8()? != 0,
            ..Session::default()
        };
        let assigned = match c.u8()? {
            0 => None,
            1 => Some(String::from(c.str("assigned client id")?)),
            _ => return Err(SnapshotError::Invalid("assigned client id")),
        };
        for _ in 0..c.count(14)? {
            let m = c.msg(v)?;
            if m.topic().is_empty() {
                return Err(SnapshotError::Invalid("queued message"));
            }
            s.push_pending(m);
        }
        for _ in 0..c.count(17)? {
            let id = PacketId::new(c.u16()?).ok_or(SnapshotError::Invalid("in-flight id"))?;
            let state =
                OutState::from_u8(c.u8()?).ok_or(SnapshotError::Invalid("in-flight state"))?;
            let msg = c.msg(v)?;
            let ok = msg.id == Some(id)
                && (state == OutState::Released || !msg.topic().is_empty())
                && match state {
                    OutState::Qos1Sent => msg.qos == QoS::AtLeastOnce,
                    OutState::Qos2Sent | OutState::Released => msg.qos == QoS::ExactlyOnce,
                };
            if !ok {
                return Err(SnapshotError::Invalid("in-flight message"));
            }
            s.stored_bytes = s.stored_bytes.saturating_add(msg.size());
            s.inflight.push_back(InFlight {
                msg,
                id,
                state,
                resend: false,
            });
        }
        for _ in 0..c.count(2)? {
            let id = PacketId::new(c.u16()?).ok_or(SnapshotError::Invalid("QoS 2 id"))?;
            if s.incoming_pos(id).is_some() {
                return Err(SnapshotError::Invalid("QoS 2 id repeated"));
            }
            s.incoming.push(InEntry {
                id,
                qos2: true,
                state: InState::AwaitingPubrel,
            });
        }
        for _ in 0..c.count(8)? {
            let bad = SnapshotError::Invalid("subscription");
            let filter = c.str("subscription")?;
            if filter.contains('\0') || validate_topic_filter(filter).is_err() {
                return Err(bad);
            }
            let options = SubscriptionOptions::from_byte(c.u8()?, v).ok_or(bad)?;
            let granted = QoS::from_u8(c.u8()?).ok_or(bad)?;
            let sub_id = Some(c.u32()?).filter(|x| *x != 0);
            if s.subscriptions.iter().any(|r| r.filter == filter) {
                return Err(bad);
            }
            s.subscriptions.push(SubRecord {
                filter: String::from(filter),
                options,
                granted,
                sub_id,
            });
        }
        for _ in 0..c.count(8)? {
            let bad = SnapshotError::Invalid("request");
            let id = PacketId::new(c.u16()?).ok_or(bad)?;
            let kind = match c.u8()? {
                1 => RequestKind::Subscribe,
                2 => RequestKind::Unsubscribe,
                _ => return Err(bad),
            };
            let resubscribe = c.u8()? != 0;
            let n = c.len()?;
            let packet = c.take(n)?;
            let ok = match decode(packet, v) {
                Ok(d) if d.len == packet.len() => match d.packet {
                    Packet::Subscribe(p) => kind == RequestKind::Subscribe && p.packet_id == id,
                    Packet::Unsubscribe(p) => kind == RequestKind::Unsubscribe && p.packet_id == id,
                    _ => false,
                },
                _ => false,
            };
            if !ok {
                return Err(bad);
            }
            s.requests.push(Request {
                id,
                kind,
                packet: packet.to_vec(),
                sent: false,
                resubscribe,
            });
        }
        if !c.rest.is_empty() {
            return Err(SnapshotError::Invalid("bytes after the last section"));
        }
        let mut ids: Vec<u16> = s
            .pending
            .iter()
            .filter_map(|m| m.id)
            .chain(s.inflight.iter().map(|f| f.id))
            .chain(s.requests.iter().map(|r| r.id))
            .map(PacketId::get)
            .collect();
        for id in ids.drain(..) {
            if !PacketId::new(id).is_some_and(|p| s.ids.insert(p)) {
                return Err(SnapshotError::Invalid("packet identifier used twice"));
            }
        }
        let cfg = &self.config;
        if s.stored_messages() > cfg.max_queued_messages
            || s.stored_bytes > cfg.max_queued_bytes
            || s.own_requests() > cfg.max_subscriptions
            || s.requests.len().saturating_sub(s.own_requests()) > cfg.max_subscriptions
            || s.subscriptions.len() > cfg.max_subscriptions
            || s.incoming.len() > usize::from(cfg.receive_maximum)
        {
            return Err(SnapshotError::ExceedsLimits);
        }
        Ok((s, assigned))
    }
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
