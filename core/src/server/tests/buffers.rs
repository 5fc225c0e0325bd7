//! Bounded buffers and queues: full ones refuse at once and lose nothing; any split of the
//! input works; the slice variant of poll_transmit.

use std::vec;

use super::*;
use crate::codec::{Publish, Subscribe, Subscription};
use crate::error::{Error, UsageError};

fn wire(packets: &[Packet<'_>], version: ProtocolVersion) -> Vec<u8> {
    let mut w = Vec::new();
    for p in packets {
        encode(p, version, &mut w).unwrap();
    }
    w
}

#[test]
fn a_full_event_queue_refuses_input_until_polled() {
    let mut cfg = ServerConfig::default();
    cfg.max_pending_events = 2;
    let mut c = connected_with(cfg, V5);
    let three = wire(
        &[
            Packet::Publish(Publish::new("a", b"1")),
            Packet::Publish(Publish::new("a", b"2")),
            Packet::Publish(Publish::new("a", b"3")),
        ],
        V5,
    );
    // One call may go past the mark by what its own bytes produce…
    c.send_raw(&three);
    assert_eq!(c.server.events.len(), 3);
    // …then input is refused, and nothing of it is consumed.
    let more = wire(&[Packet::Publish(Publish::new("a", b"4"))], V5);
    assert_eq!(
        c.server.handle_bytes(c.now, &more),
        Err(Error::Usage(UsageError::QueueFull))
    );
    assert_eq!(c.events().len(), 3);
    c.send_raw(&more);
    match c.events().as_slice() {
        [ServerEvent::Publish(p)] => assert_eq!(p.message.payload, b"4"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_full_transmit_buffer_refuses_input_until_polled() {
    let mut cfg = ServerConfig::default();
    cfg.max_transmit_buffer = 256;
    let mut c = connected_with(cfg, V5);
    let pings: Vec<u8> = [0xC0u8, 0x00].repeat(200);
    c.send_raw(&pings);
    assert_eq!(
        c.server.tx.len(),
        400,
        "every PINGREQ of the call is answered"
    );
    assert_eq!(
        c.server.handle_bytes(c.now, &[0xC0, 0x00]),
        Err(Error::Usage(UsageError::QueueFull))
    );
    assert_eq!(c.recv().len(), 200);
    c.send_raw(&[0xC0, 0x00]);
    assert_eq!(c.recv(), vec![Out::PingResp]);
}

#[test]
fn input_held_before_connack_is_bounded() {
    let mut cfg = ServerConfig::default();
    cfg.max_packet_size = 64;
    let mut c = Client::new(cfg, V5);
    c.send_connect("c1", 10, &[]);
    let publish = wire(&[Packet::Publish(Publish::new("topic", &[7u8; 40]))], V5);
    c.send_raw(&publish);
    c.send_raw(&publish);
    assert_eq!(
        c.server.handle_bytes(c.now, &publish),
        Err(Error::Usage(UsageError::QueueFull))
    );
    assert!(matches!(
        c.events().as_slice(),
        [ServerEvent::ConnectRequest(_)]
    ));
    c.server.accept(c.now, ConnectAccept::default()).unwrap();
    let events = c.events();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, ServerEvent::Publish(_)))
            .count(),
        2,
        "held packets are processed after the decision"
    );
    c.send_raw(&publish);
    assert_eq!(c.events().len(), 1);
}

#[test]
fn one_byte_at_a_time_is_the_same_as_all_at_once() {
    let subs = [Subscription::new("a/#", QoS::AtLeastOnce)];
    let script = |version| {
        wire(
            &[
                Packet::Connect(connect(version, "c1", 30, Properties::empty())),
                Packet::Subscribe(Subscribe {
                    packet_id: id(1),
                    properties: Properties::empty(),
                    subscriptions: (&subs).into(),
                }),
                Packet::Publish(Publish {
                    qos: QoS::AtLeastOnce,
                    packet_id: crate::codec::PacketId::new(2),
                    ..Publish::new("a/b", b"hello")
                }),
                Packet::PingReq,
            ],
            version,
        )
    };
    for version in [V3, V5] {
        let bytes = script(version);
        let run = |chunk: usize| {
            let mut s = ServerSession::with_authenticator(
                ServerConfig::default(),
                Instant::ZERO,
                Box::new(AcceptAll),
            );
            for part in bytes.chunks(chunk) {
                s.handle_bytes(Instant::ZERO, part).unwrap();
            }
            let events: Vec<ServerEvent> = core::iter::from_fn(|| s.poll_event()).collect();
            let mut out = Vec::new();
            let _ = s.poll_transmit(Instant::ZERO, &mut out);
            (events, out)
        };
        let whole = run(bytes.len());
        assert_eq!(whole.0.len(), 3, "{:?}", whole.0);
        assert_eq!(decode_all(&whole.1, version).len(), 4);
        for chunk in [1, 2, 3, 7] {
            assert_eq!(run(chunk), whole, "chunks of {chunk}");
        }
    }
}

struct AcceptAll;

impl Authenticator for AcceptAll {
    fn authenticate(&mut self, _request: &ConnectRequest) -> AuthDecision {
        AuthDecision::Accept(Box::default())
    }
}

#[test]
fn poll_transmit_to_slice_copies_whole_packets() {
    let mut c = connected(V5);
    c.send(Packet::PingReq);
    c.send(Packet::PingReq);
    c.server
        .publish(
            c.now,
            ServerMessage::new("t", b"12345".to_vec(), QoS::AtMostOnce),
        )
        .unwrap();
    let mut tiny = [0u8; 1];
    assert_eq!(
        c.server.poll_transmit_to_slice(c.now, &mut tiny),
        Err(Error::Usage(UsageError::BufferTooSmall { required: 2 }))
    );
    let mut buf = [0u8; 5];
    assert_eq!(c.server.poll_transmit_to_slice(c.now, &mut buf), Ok(4));
    assert_eq!(&buf[..4], &[0xD0, 0, 0xD0, 0]);
    let mut small = [0u8; 4];
    assert!(matches!(
        c.server.poll_transmit_to_slice(c.now, &mut small),
        Err(Error::Usage(UsageError::BufferTooSmall { required })) if required > 4
    ));
    let mut big = [0u8; 64];
    let n = c.server.poll_transmit_to_slice(c.now, &mut big).unwrap();
    assert!(
        matches!(decode_all(&big[..n], V5).as_slice(), [Out::Publish(p)] if p.payload == b"12345")
    );
    assert_eq!(c.server.poll_transmit_to_slice(c.now, &mut big), Ok(0));
}

#[test]
fn outbound_queue_limits() {
    let mut cfg = ServerConfig::default();
    cfg.max_queued_messages = 2;
    cfg.max_queued_bytes = 100;
    let mut c = connected_with(cfg, V5);
    let m = |n: usize| ServerMessage::new("t", vec![0u8; n], QoS::AtLeastOnce);
    c.server.publish(c.now, m(10)).unwrap();
    assert_eq!(
        c.server.publish(c.now, m(95)),
        Err(Error::Usage(UsageError::QueueFull))
    );
    c.server.publish(c.now, m(10)).unwrap();
    assert_eq!(
        c.server.publish(c.now, m(1)),
        Err(Error::Usage(UsageError::QueueFull))
    );
    // Sent but unacknowledged messages still count.
    assert_eq!(c.recv().len(), 2);
    assert_eq!(
        c.server.publish(c.now, m(1)),
        Err(Error::Usage(UsageError::QueueFull))
    );
    c.send(Packet::PubAck(crate::codec::PubAck::new(id(1))));
    c.server.publish(c.now, m(1)).unwrap();
    // A topic the codec refuses is a usage error.
    assert!(matches!(
        c.server.publish(
            c.now,
            ServerMessage::new("a/#", b"".to_vec(), QoS::AtMostOnce)
        ),
        Err(Error::Usage(UsageError::Encode(_)))
    ));
}
