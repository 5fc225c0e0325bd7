//! [`Wire`]: watches one connection from outside, the bytes the session under test sends
//! ("ours") and the bytes its peer sends, and checks MQTT's flow-control rules on them.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::codec::{DecodeError, Decoder, Packet, ProtocolVersion, QoS};

/// The flow-control state of one connection as seen on the wire.
#[derive(Debug)]
pub(super) struct Wire {
    /// The version both sides speak (the client's; the server learns it from CONNECT).
    pub(super) version: ProtocolVersion,
    /// Peer bytes that are not a whole packet yet.
    peer_rx: Vec<u8>,
    /// The peer's stream stopped making sense: the session under test closes; stop reading.
    peer_broken: bool,
    /// Our QoS 1/2 PUBLISHes (and PUBRELs) awaiting the peer's final acknowledgement.
    outstanding: BTreeSet<u16>,
    /// Our SUBSCRIBE / UNSUBSCRIBE requests awaiting their acknowledgement.
    requests: BTreeSet<u16>,
    /// Ids of PUBRECs the peer sent for nothing of ours in flight: our PUBREL answers them
    /// ("Packet Identifier not found" in 5.0) without starting anything.
    stray_pubrecs: BTreeSet<u16>,
    /// The peer's Receive Maximum: how many of ours may be outstanding.
    peer_receive_max: u16,
    /// Our own limit on outstanding messages (the client's `max_inflight`).
    our_window: u16,
    /// The peer's Maximum Packet Size.
    peer_max_packet: Option<u32>,
    /// The session under test is a server: the peer's first CONNECT sets the version and
    /// limits (otherwise its CONNACK sets the limits).
    server: bool,
    /// A CONNECT or CONNACK was seen: a second one is a protocol error that changes nothing.
    connected: bool,
}

impl Wire {
    /// A new connection: nothing outstanding, the protocol defaults until CONNECT/CONNACK.
    pub(super) fn new(version: ProtocolVersion, our_window: u16, server: bool) -> Self {
        Wire {
            version,
            peer_rx: Vec::new(),
            peer_broken: false,
            outstanding: BTreeSet::new(),
            requests: BTreeSet::new(),
            stray_pubrecs: BTreeSet::new(),
            peer_receive_max: u16::MAX,
            our_window,
            peer_max_packet: None,
            server,
            connected: false,
        }
    }

    /// What the session under test sent: whole, valid packets that keep the peer's limits.
    pub(super) fn ours(&mut self, bytes: &[u8]) {
        let decoder = Decoder::new(self.version);
        let mut rest = bytes;
        while !rest.is_empty() {
            let d = match decoder.decode(rest) {
                Ok(d) => d,
                Err(e) => panic!(
                    "the session ({:?}) sent bytes that do not decode: {e:?}: {:02x?}",
                    self.version,
                    rest.get(..64).unwrap_or(rest)
                ),
            };
            if let Some(max) = self.peer_max_packet {
                assert!(
                    d.len as u64 <= u64::from(max),
                    "{:?} of {} bytes over the peer's Maximum Packet Size {max}: {:02x?}",
                    d.packet.packet_type(),
                    d.len,
                    rest.get(..d.len.min(48)).unwrap_or(rest)
                );
            }
            match d.packet {
                Packet::Publish(p) if p.qos != QoS::AtMostOnce => {
                    let id = p.packet_id.map_or(0, |i| i.get());
                    assert!(
                        !self.outstanding.contains(&id) && !self.requests.contains(&id),
                        "PUBLISH reuses packet id {id} still in flight"
                    );
                    self.outstanding.insert(id);
                    self.check_window();
                }
                Packet::PubRel(r) if self.stray_pubrecs.remove(&r.packet_id.get()) => {}
                Packet::PubRel(r) => {
                    // Sent after PUBREC, or again after a reconnect: in flight until PUBCOMP.
                    self.outstanding.insert(r.packet_id.get());
                    self.check_window();
                }
                Packet::Subscribe(s) => self.request(s.packet_id.get()),
                Packet::Unsubscribe(s) => self.request(s.packet_id.get()),
                _ => {}
            }
            rest = rest.get(d.len..).unwrap_or_default();
        }
    }

    fn request(&mut self, id: u16) {
        assert!(
            !self.outstanding.contains(&id) && !self.requests.contains(&id),
            "request reuses packet id {id} still in use"
        );
        self.requests.insert(id);
    }

    fn check_window(&self) {
        let window = self.peer_receive_max.min(self.our_window);
        assert!(
            self.outstanding.len() <= usize::from(window),
            "{} messages in flight, receive maximum {}",
            self.outstanding.len(),
            window
        );
    }

    /// What the peer sent and the session under test took in.
    pub(super) fn peer(&mut self, bytes: &[u8]) {
        if self.peer_broken {
            return;
        }
        self.peer_rx.extend_from_slice(bytes);
        let decoder = Decoder::new(self.version);
        let mut used = 0usize;
        loop {
            let rest = self.peer_rx.get(used..).unwrap_or_default();
            let d = match decoder.decode(rest) {
                Ok(d) => d,
                Err(e) => {
                    self.peer_broken = !matches!(e, DecodeError::Incomplete(_));
                    if self.peer_broken && self.server && !self.connected && is_v5_connect(rest) {
                        // A malformed 5.0 CONNECT is refused in 5.0 (§4.13.1).
                        self.version = ProtocolVersion::V5;
                    }
                    break;
                }
            };
            used = used.saturating_add(d.len);
            match d.packet {
                Packet::Connect(c) if self.server && !self.connected => {
                    self.connected = true;
                    self.version = c.protocol;
                    self.limits(
                        c.properties.receive_maximum(),
                        c.properties.maximum_packet_size(),
                    );
                }
                Packet::Connack(c) if !self.server && !self.connected && !c.reason.is_error() => {
                    self.connected = true;
                    self.limits(
                        c.properties.receive_maximum(),
                        c.properties.maximum_packet_size(),
                    );
                }
                Packet::PubAck(a) => {
                    self.outstanding.remove(&a.packet_id.get());
                }
                Packet::PubComp(a) => {
                    self.outstanding.remove(&a.packet_id.get());
                }
                Packet::PubRec(a) if !self.outstanding.contains(&a.packet_id.get()) => {
                    self.stray_pubrecs.insert(a.packet_id.get());
                }
                Packet::PubRec(a) if a.reason.is_error() => {
                    self.outstanding.remove(&a.packet_id.get());
                }
                Packet::SubAck(a) => {
                    self.requests.remove(&a.packet_id.get());
                }
                Packet::UnsubAck(a) => {
                    self.requests.remove(&a.packet_id.get());
                }
                _ => {}
            }
        }
        self.peer_rx.drain(..used.min(self.peer_rx.len()));
    }

    fn limits(&mut self, receive_max: Option<u16>, max_packet: Option<u32>) {
        if self.version == ProtocolVersion::V5 {
            self.peer_receive_max = receive_max.unwrap_or(u16::MAX);
            self.peer_max_packet = max_packet;
        }
    }
}

/// Whether `bytes` start a CONNECT for protocol level 5, however malformed the rest.
fn is_v5_connect(bytes: &[u8]) -> bool {
    let Ok(header) = Decoder::new(ProtocolVersion::V5).header(bytes) else {
        return false;
    };
    header.packet_type == crate::codec::PacketType::Connect
        && bytes
            .get(header.header_len..)
            .is_some_and(|b| b.starts_with(&[0, 4, b'M', b'Q', b'T', b'T', 5]))
}
