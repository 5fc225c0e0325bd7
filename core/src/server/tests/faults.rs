//! Peer faults: malformed bytes and protocol errors give a DISCONNECT with the right code
//! (5.0) or a plain close (3.1.1), and a typed event.

use std::vec;

use super::*;
use crate::codec::{Connack, Disconnect, PacketType, SubAck, Violation};
use crate::error::{Error, ProtocolError};

fn peer_fault(c: &mut Client) -> Error {
    match closed(&c.events()) {
        Some(CloseCause::PeerFault(e)) => e.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_bytes_give_malformed_packet() {
    let mut c = connected(V5);
    c.send_raw(&[0x00, 0x00]); // packet type 0 is reserved
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::MalformedPacket, Some(_))]
    ));
    assert_eq!(
        peer_fault(&mut c),
        Error::Malformed {
            offset: 0,
            violation: Violation::InvalidPacketType(0)
        }
    );
    // A PUBLISH with a wildcard in its topic: Topic Name invalid.
    let mut c = connected(V5);
    c.send_raw(&[0x30, 0x04, 0x00, 0x02, b'a', b'#']);
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::TopicNameInvalid, _)]
    ));
    // 3.1.1: closed, nothing sent.
    let mut c = connected(V3);
    c.send_raw(&[0x62, 0x02, 0x00]); // truncated PUBREL body, then more garbage below
    c.send_raw(&[0x00, 0xFF]);
    assert!(c.recv().is_empty());
    assert!(matches!(peer_fault(&mut c), Error::Malformed { .. }));
}

#[test]
fn server_to_client_packets_are_protocol_errors() {
    let connack = Packet::Connack(Connack {
        session_present: false,
        reason: ConnectReason::Success,
        properties: Properties::empty(),
    });
    let suback_codes = [SubAckReason::GrantedQos0];
    let suback = Packet::SubAck(SubAck {
        packet_id: id(1),
        properties: Properties::empty(),
        reasons: (&suback_codes).into(),
    });
    for (packet, t) in [
        (connack, PacketType::Connack),
        (suback, PacketType::SubAck),
        (Packet::PingResp, PacketType::PingResp),
    ] {
        let mut c = connected(V5);
        c.send(packet);
        assert!(matches!(
            c.recv().as_slice(),
            [Out::Disconnect(DisconnectReason::ProtocolError, _)]
        ));
        assert_eq!(
            peer_fault(&mut c),
            Error::Protocol(ProtocolError::UnexpectedPacket(t))
        );
    }
}

#[test]
fn an_oversize_packet_is_refused_from_its_header() {
    let mut cfg = ServerConfig::default();
    cfg.max_packet_size = 1024;
    let mut c = connected_with(cfg, V5);
    // Fixed header announcing 2000 bytes; the body never needs to arrive.
    c.send_raw(&[0x30, 0xD0, 0x0F]);
    assert!(matches!(
        c.recv().as_slice(),
        [Out::Disconnect(DisconnectReason::PacketTooLarge, _)]
    ));
    assert!(matches!(
        peer_fault(&mut c),
        Error::Malformed {
            violation: Violation::PacketTooLarge {
                size: 2003,
                max: 1024
            },
            ..
        }
    ));
}

#[test]
fn the_reason_string_explains_the_fault() {
    let mut c = connected(V5);
    c.send(Packet::PubAck(crate::codec::PubAck::new(id(42))));
    match c.recv().as_slice() {
        [Out::Disconnect(DisconnectReason::ProtocolError, Some(text))] => {
            assert!(text.contains("42"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_client_disconnect_is_reported_and_later_bytes_ignored() {
    let mut c = connected(V5);
    let why = [
        Property::ReasonString("going to sleep"),
        Property::UserProperty("battery", "low"),
    ];
    c.send(Packet::Disconnect(Disconnect {
        reason: DisconnectReason::NormalDisconnection,
        properties: Properties::new(&why),
    }));
    assert_eq!(
        c.events(),
        vec![ServerEvent::Closed {
            cause: CloseCause::ClientDisconnect {
                reason: DisconnectReason::NormalDisconnection,
                reason_string: Some("going to sleep".into()),
                user_properties: vec![("battery".into(), "low".into())],
            },
            session_kept: false
        }]
    );
    c.send(Packet::PingReq);
    c.server.handle_closed(c.now);
    assert!(c.recv().is_empty());
    assert!(c.events().is_empty(), "one Closed event only");
    assert_eq!(c.server.poll_timeout(), None);
}

#[test]
fn transport_close_is_reported_once() {
    let mut c = connected(V3);
    c.server.handle_closed(c.now);
    c.server.handle_closed(c.now);
    assert_eq!(
        c.events(),
        vec![ServerEvent::Closed {
            cause: CloseCause::TransportClosed,
            session_kept: false
        }]
    );
}
