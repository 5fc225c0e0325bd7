//! Spec vectors: hand-assembled bytes for every packet type in MQTT 3.1.1 and 5.0, each checked
//! against the section of the specification named beside it. Each vector is decoded and
//! compared with the packet written out by hand, and the packet is encoded back to the same
//! bytes (or, for the few non-shortest forms a peer may send, to the shortest form).

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::hex;
use iotmqtt::{
    Auth, AuthReason, Connack, Connect, ConnectReason, Disconnect, DisconnectReason, List, Packet,
    PacketId, Properties, Property, ProtocolVersion, PubAck, PubAckReason, PubComp, PubRec, PubRel,
    PubRelReason, Publish, QoS, RetainHandling, SubAck, SubAckReason, Subscribe, Subscription,
    SubscriptionOptions, UnsubAck, UnsubAckReason, Unsubscribe, Will, decode, encode, encoded_len,
};

const V311: ProtocolVersion = ProtocolVersion::V311;
const V5: ProtocolVersion = ProtocolVersion::V5;

fn id(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

/// Decodes `bytes` as `version`, expects `packet`, and encodes `packet` back to `bytes`.
fn vector(section: &str, version: ProtocolVersion, bytes: &[u8], packet: Packet<'_>) {
    let d = decode(bytes, version).unwrap_or_else(|e| panic!("{section}: {e}: {}", hex(bytes)));
    assert_eq!(d.len, bytes.len(), "{section}: length");
    assert_eq!(d.packet, packet, "{section}: decoded");
    let mut out = Vec::new();
    assert_eq!(
        encode(&packet, version, &mut out),
        Ok(bytes.len()),
        "{section}"
    );
    assert_eq!(hex(&out), hex(bytes), "{section}: encoded");
    assert_eq!(encoded_len(&packet, version), Ok(bytes.len()), "{section}");
}

/// A form a peer may send that we would write shorter: decodes to `packet`, which encodes to
/// `shortest`.
fn decode_only(
    section: &str,
    version: ProtocolVersion,
    bytes: &[u8],
    packet: Packet<'_>,
    shortest: &[u8],
) {
    let d = decode(bytes, version).unwrap_or_else(|e| panic!("{section}: {e}"));
    assert_eq!(d.len, bytes.len());
    assert_eq!(d.packet, packet, "{section}");
    vector(section, version, shortest, packet);
}

#[test]
fn connect() {
    // What the client writes as CONNECT. 5.0: protocol name "MQTT" [MQTT-3.1.2-1], version 5
    // [MQTT-3.1.2-2], the User Name and Password flags match the fields [MQTT-3.1.2-16],
    // [MQTT-3.1.2-17], [MQTT-3.1.2-18], [MQTT-3.1.2-19], the payload order [MQTT-3.1.3-1] with
    // the Client Identifier first [MQTT-3.1.3-3], and no properties as Property Length 0
    // [MQTT-2.2.2-1]; without a Will, Will QoS and Will Retain are 0 [MQTT-3.1.2-11],
    // [MQTT-3.1.2-13]. 3.1.1: flags and fields [MQTT-3.1.2-9], [MQTT-3.1.2-11],
    // [MQTT-3.1.2-18], [MQTT-3.1.2-19], [MQTT-3.1.2-20], [MQTT-3.1.2-21], order [MQTT-3.1.3-1],
    // Client Identifier first [MQTT-3.1.3-3].
    // 3.1.1 §3.1: protocol name "MQTT" (00 04 4D 51 54 54), level 4, flags User Name (0x80) |
    // Password (0x40) | Clean Session (0x02) = C2, Keep Alive 60 (00 3C); payload Client
    // Identifier "c1", User Name "u", Password "p". Remaining Length 10 + 10 = 20 (0x14).
    vector(
        "3.1.1 §3.1 CONNECT",
        V311,
        &[
            0x10, 0x14, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xC2, 0x00, 0x3C, 0x00, 0x02,
            b'c', b'1', 0x00, 0x01, b'u', 0x00, 0x01, b'p',
        ],
        Packet::Connect(Connect {
            protocol: V311,
            clean_start: true,
            keep_alive: 60,
            properties: Properties::empty(),
            client_id: "c1",
            will: None,
            username: Some("u"),
            password: Some(b"p"),
        }),
    );
    // 3.1.1 §3.1.2.5–3.1.2.7, §3.1.3.2–3.1.3.3: Will Flag 0x04 | Will QoS 1 (0x08) | Will
    // Retain 0x20 | Clean Session 0x02 = 2E; Keep Alive 0; Client Identifier "c", Will Topic
    // "w", Will Message "bye". Remaining Length 10 + 3 + 3 + 5 = 21 (0x15).
    vector(
        "3.1.1 §3.1.2.5 CONNECT with Will",
        V311,
        &[
            0x10, 0x15, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x2E, 0x00, 0x00, 0x00, 0x01,
            b'c', 0x00, 0x01, b'w', 0x00, 0x03, b'b', b'y', b'e',
        ],
        Packet::Connect(Connect {
            protocol: V311,
            clean_start: true,
            keep_alive: 0,
            properties: Properties::empty(),
            client_id: "c",
            will: Some(Will {
                qos: QoS::AtLeastOnce,
                retain: true,
                properties: Properties::empty(),
                topic: "w",
                payload: b"bye",
            }),
            username: None,
            password: None,
        }),
    );
    // 5.0 §3.1.2: level 5, flags User Name 0x80 | Will 0x04 | Clean Start 0x02 = 86, Keep Alive
    // 60; Property Length 8: Session Expiry Interval (0x11) 3600 = 00 00 0E 10, Receive Maximum
    // (0x21) 20 = 00 14. §3.1.3: Client Identifier "c1"; Will Properties length 5: Will Delay
    // Interval (0x18) 5; Will Topic "w", Will Payload "x"; User Name "u".
    // Remaining Length 19 + 19 = 38 (0x26).
    let props = [
        Property::SessionExpiryInterval(3600),
        Property::ReceiveMaximum(20),
    ];
    let will_props = [Property::WillDelayInterval(5)];
    vector(
        "5.0 §3.1 CONNECT",
        V5,
        &[
            0x10, 0x26, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x86, 0x00, 0x3C, 0x08, 0x11,
            0x00, 0x00, 0x0E, 0x10, 0x21, 0x00, 0x14, 0x00, 0x02, b'c', b'1', 0x05, 0x18, 0x00,
            0x00, 0x00, 0x05, 0x00, 0x01, b'w', 0x00, 0x01, b'x', 0x00, 0x01, b'u',
        ],
        Packet::Connect(Connect {
            protocol: V5,
            clean_start: true,
            keep_alive: 60,
            properties: Properties::new(&props),
            client_id: "c1",
            will: Some(Will {
                qos: QoS::AtMostOnce,
                retain: false,
                properties: Properties::new(&will_props),
                topic: "w",
                payload: b"x",
            }),
            username: Some("u"),
            password: None,
        }),
    );
    // 5.0 §3.1.2.9: a password without a user name is allowed in 5.0 (flags 0x40 | 0x02).
    // Property Length 0, Client Identifier "" (00 00), Password 01 02. Remaining 11 + 2 + 4.
    vector(
        "5.0 §3.1.2.9 CONNECT password only",
        V5,
        &[
            0x10, 0x11, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0x42, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x02, 0x01, 0x02,
        ],
        Packet::Connect(Connect {
            protocol: V5,
            clean_start: true,
            keep_alive: 0,
            properties: Properties::empty(),
            client_id: "",
            will: None,
            username: None,
            password: Some(&[1, 2]),
        }),
    );
}

#[test]
fn connack() {
    // 3.1.1 §3.2.2: Session Present 1, return code 0 (accepted).
    vector(
        "3.1.1 §3.2 CONNACK",
        V311,
        &[0x20, 0x02, 0x01, 0x00],
        Packet::Connack(Connack {
            session_present: true,
            reason: ConnectReason::Success,
            properties: Properties::empty(),
        }),
    );
    // 3.1.1 §3.2.2.3 Table 3.1: return code 5 "not authorized" maps to 0x87.
    vector(
        "3.1.1 §3.2.2.3 CONNACK refused",
        V311,
        &[0x20, 0x02, 0x00, 0x05],
        Packet::Connack(Connack {
            session_present: false,
            reason: ConnectReason::NotAuthorized,
            properties: Properties::empty(),
        }),
    );
    // 5.0 §3.2.2: flags 0, Reason Code 0, Property Length 8: Topic Alias Maximum (0x22) 10,
    // Assigned Client Identifier (0x12) "ab". Remaining Length 2 + 1 + 8 = 11.
    let props = [
        Property::TopicAliasMaximum(10),
        Property::AssignedClientIdentifier("ab"),
    ];
    vector(
        "5.0 §3.2 CONNACK",
        V5,
        &[
            0x20, 0x0B, 0x00, 0x00, 0x08, 0x22, 0x00, 0x0A, 0x12, 0x00, 0x02, b'a', b'b',
        ],
        Packet::Connack(Connack {
            session_present: false,
            reason: ConnectReason::Success,
            properties: Properties::new(&props),
        }),
    );
    // 5.0 §3.2.2.2: Reason Code 0x86 Bad User Name or Password, no properties.
    vector(
        "5.0 §3.2.2.2 CONNACK refused",
        V5,
        &[0x20, 0x03, 0x00, 0x86, 0x00],
        Packet::Connack(Connack {
            session_present: false,
            reason: ConnectReason::BadUserNameOrPassword,
            properties: Properties::empty(),
        }),
    );
}

#[test]
fn publish() {
    // The Topic Name first, as a UTF-8 string [MQTT-3.3.2-1] (both versions); the Remaining
    // Length in its shortest form [MQTT-1.5.5-1] (5.0).
    // 3.1.1 §3.3: QoS 1 (0x02) | RETAIN (0x01) = 0x33; Topic Name "a/b", Packet Identifier 10,
    // payload "hi". Remaining Length 5 + 2 + 2 = 9.
    vector(
        "3.1.1 §3.3 PUBLISH QoS 1",
        V311,
        &[
            0x33, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'i',
        ],
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a/b",
            packet_id: Some(id(10)),
            properties: Properties::empty(),
            payload: b"hi",
        }),
    );
    // 3.1.1 §3.3.2.2: QoS 0 has no Packet Identifier.
    vector(
        "3.1.1 §3.3.2.2 PUBLISH QoS 0",
        V311,
        &[0x30, 0x05, 0x00, 0x01, b't', b'o', b'k'],
        Packet::Publish(Publish::new("t", b"ok")),
    );
    // 2.2.3 / 5.0 §1.5.5: Remaining Length 128 takes two bytes, 0x80 0x01.
    let payload = [0x55u8; 125];
    let mut bytes = vec![0x30, 0x80, 0x01, 0x00, 0x01, b't'];
    bytes.extend_from_slice(&payload);
    vector(
        "3.1.1 §2.2.3 Remaining Length 128",
        V311,
        &bytes,
        Packet::Publish(Publish::new("t", &payload)),
    );
    // 5.0 §3.3: DUP (0x08) | QoS 2 (0x04) = 0x3C; Topic Name "a", Packet Identifier 1,
    // Property Length 9: Payload Format Indicator (0x01) 1, Topic Alias (0x23) 2, Content Type
    // (0x03) "j"; payload "{}". Remaining Length 3 + 2 + 1 + 9 + 2 = 17.
    let props = [
        Property::PayloadFormatIndicator(true),
        Property::TopicAlias(2),
        Property::ContentType("j"),
    ];
    vector(
        "5.0 §3.3 PUBLISH QoS 2 DUP",
        V5,
        &[
            0x3C, 0x11, 0x00, 0x01, b'a', 0x00, 0x01, 0x09, 0x01, 0x01, 0x23, 0x00, 0x02, 0x03,
            0x00, 0x01, b'j', b'{', b'}',
        ],
        Packet::Publish(Publish {
            dup: true,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: "a",
            packet_id: Some(id(1)),
            properties: Properties::new(&props),
            payload: b"{}",
        }),
    );
    // 5.0 §3.3.2.3.4: a zero-length Topic Name with a Topic Alias (0x23) 5.
    let alias = [Property::TopicAlias(5)];
    vector(
        "5.0 §3.3.2.3.4 PUBLISH by alias",
        V5,
        &[0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x05, b'x'],
        Packet::Publish(Publish {
            properties: Properties::new(&alias),
            ..Publish::new("", b"x")
        }),
    );
}

#[test]
fn publish_acknowledgements() {
    // PUBREL's flags are 0010 [MQTT-3.6.1-1] (both versions).
    // 3.1.1 §3.4–3.7: two bytes of Packet Identifier; PUBREL has flags 0010.
    let ack = |n| PubAck::new(id(n));
    vector(
        "3.1.1 §3.4 PUBACK",
        V311,
        &[0x40, 0x02, 0x00, 0x0A],
        Packet::PubAck(ack(10)),
    );
    vector(
        "3.1.1 §3.5 PUBREC",
        V311,
        &[0x50, 0x02, 0x00, 0x0B],
        Packet::PubRec(PubRec::new(id(11))),
    );
    vector(
        "3.1.1 §3.6 PUBREL",
        V311,
        &[0x62, 0x02, 0x00, 0x0B],
        Packet::PubRel(PubRel::new(id(11))),
    );
    vector(
        "3.1.1 §3.7 PUBCOMP",
        V311,
        &[0x70, 0x02, 0x00, 0x0B],
        Packet::PubComp(PubComp::new(id(11))),
    );
    // 5.0 §3.4.2.1: Success without properties may omit the Reason Code (Remaining Length 2).
    vector(
        "5.0 §3.4.2.1 PUBACK success",
        V5,
        &[0x40, 0x02, 0x00, 0x0A],
        Packet::PubAck(ack(10)),
    );
    // 5.0 §3.4.2.2: the Property Length may be omitted when there are none (Remaining Length 3).
    vector(
        "5.0 §3.4.2.2 PUBACK no matching subscribers",
        V5,
        &[0x40, 0x03, 0x00, 0x0A, 0x10],
        Packet::PubAck(PubAck {
            reason: PubAckReason::NoMatchingSubscribers,
            ..ack(10)
        }),
    );
    // 5.0 §3.4.2.2.2: Reason String (0x1F) "no" after Reason Code 0x87.
    let why = [Property::ReasonString("no")];
    vector(
        "5.0 §3.4.2.2.2 PUBACK with Reason String",
        V5,
        &[
            0x40, 0x09, 0x00, 0x0A, 0x87, 0x05, 0x1F, 0x00, 0x02, b'n', b'o',
        ],
        Packet::PubAck(PubAck {
            packet_id: id(10),
            reason: PubAckReason::NotAuthorized,
            properties: Properties::new(&why),
        }),
    );
    // A peer may spell out Success and an empty property list; we write the short form.
    decode_only(
        "5.0 §3.4.2.1 PUBACK long form",
        V5,
        &[0x40, 0x04, 0x00, 0x0A, 0x00, 0x00],
        Packet::PubAck(ack(10)),
        &[0x40, 0x02, 0x00, 0x0A],
    );
    vector(
        "5.0 §3.5.2.1 PUBREC packet identifier in use",
        V5,
        &[0x50, 0x03, 0x00, 0x0B, 0x91],
        Packet::PubRec(PubRec {
            reason: PubAckReason::PacketIdentifierInUse,
            ..PubRec::new(id(11))
        }),
    );
    vector(
        "5.0 §3.6.2.1 PUBREL packet identifier not found",
        V5,
        &[0x62, 0x03, 0x00, 0x0B, 0x92],
        Packet::PubRel(PubRel {
            reason: PubRelReason::PacketIdentifierNotFound,
            ..PubRel::new(id(11))
        }),
    );
    vector(
        "5.0 §3.7 PUBCOMP",
        V5,
        &[0x70, 0x02, 0x00, 0x0B],
        Packet::PubComp(PubComp::new(id(11))),
    );
}

#[test]
fn subscribe_and_unsubscribe() {
    // SUBSCRIBE and UNSUBSCRIBE have the flags 0010 [MQTT-3.8.1-1], [MQTT-3.10.1-1] and their
    // filters are UTF-8 strings one after the other [MQTT-3.10.3-1] (both versions).
    // 3.1.1 §3.8: flags 0010; Packet Identifier 1; "a/+" QoS 1, "b/#" QoS 2.
    // Remaining Length 2 + 6 + 6 = 14.
    let subs = [
        Subscription::new("a/+", QoS::AtLeastOnce),
        Subscription::new("b/#", QoS::ExactlyOnce),
    ];
    vector(
        "3.1.1 §3.8 SUBSCRIBE",
        V311,
        &[
            0x82, 0x0E, 0x00, 0x01, 0x00, 0x03, b'a', b'/', b'+', 0x01, 0x00, 0x03, b'b', b'/',
            b'#', 0x02,
        ],
        Packet::Subscribe(Subscribe {
            packet_id: id(1),
            properties: Properties::empty(),
            subscriptions: List::new(&subs),
        }),
    );
    // 5.0 §3.8.2.1.2: Subscription Identifier (0x0B) 300 = varint AC 02; §3.8.3.1 options:
    // QoS 1 | No Local 0x04 | Retain As Published 0x08 | Retain Handling 2 (0x20) = 0x2D.
    let props = [Property::SubscriptionIdentifier(300)];
    let subs = [Subscription {
        filter: "x",
        options: SubscriptionOptions {
            qos: QoS::AtLeastOnce,
            no_local: true,
            retain_as_published: true,
            retain_handling: RetainHandling::DoNotSend,
        },
    }];
    vector(
        "5.0 §3.8 SUBSCRIBE",
        V5,
        &[
            0x82, 0x0A, 0x00, 0x02, 0x03, 0x0B, 0xAC, 0x02, 0x00, 0x01, b'x', 0x2D,
        ],
        Packet::Subscribe(Subscribe {
            packet_id: id(2),
            properties: Properties::new(&props),
            subscriptions: List::new(&subs),
        }),
    );
    // 3.1.1 §3.9.3: return codes 1, 2 and 0x80 (Failure).
    let codes = [
        SubAckReason::GrantedQos1,
        SubAckReason::GrantedQos2,
        SubAckReason::UnspecifiedError,
    ];
    vector(
        "3.1.1 §3.9 SUBACK",
        V311,
        &[0x90, 0x05, 0x00, 0x01, 0x01, 0x02, 0x80],
        Packet::SubAck(SubAck {
            packet_id: id(1),
            properties: Properties::empty(),
            reasons: List::new(&codes),
        }),
    );
    // 5.0 §3.9.3: Property Length 0, codes 0x00 and 0xA2 (Wildcard Subscriptions not supported).
    let codes = [
        SubAckReason::GrantedQos0,
        SubAckReason::WildcardSubscriptionsNotSupported,
    ];
    vector(
        "5.0 §3.9 SUBACK",
        V5,
        &[0x90, 0x05, 0x00, 0x02, 0x00, 0x00, 0xA2],
        Packet::SubAck(SubAck {
            packet_id: id(2),
            properties: Properties::empty(),
            reasons: List::new(&codes),
        }),
    );
    // 3.1.1 §3.10: flags 0010; Packet Identifier 3; "a/b".
    let filters = ["a/b"];
    vector(
        "3.1.1 §3.10 UNSUBSCRIBE",
        V311,
        &[0xA2, 0x07, 0x00, 0x03, 0x00, 0x03, b'a', b'/', b'b'],
        Packet::Unsubscribe(Unsubscribe {
            packet_id: id(3),
            properties: Properties::empty(),
            filters: List::new(&filters),
        }),
    );
    // 5.0 §3.10.2.1.2: User Property (0x26) "k" = "v"; filter "a". Remaining 2 + 1 + 7 + 3.
    let props = [Property::UserProperty("k", "v")];
    let filters = ["a"];
    vector(
        "5.0 §3.10 UNSUBSCRIBE",
        V5,
        &[
            0xA2, 0x0D, 0x00, 0x03, 0x07, 0x26, 0x00, 0x01, b'k', 0x00, 0x01, b'v', 0x00, 0x01,
            b'a',
        ],
        Packet::Unsubscribe(Unsubscribe {
            packet_id: id(3),
            properties: Properties::new(&props),
            filters: List::new(&filters),
        }),
    );
    // 3.1.1 §3.11: only the Packet Identifier.
    vector(
        "3.1.1 §3.11 UNSUBACK",
        V311,
        &[0xB0, 0x02, 0x00, 0x03],
        Packet::UnsubAck(UnsubAck {
            packet_id: id(3),
            properties: Properties::empty(),
            reasons: List::empty(),
        }),
    );
    // 5.0 §3.11.3: Property Length 0, codes 0x00 and 0x11 (No subscription existed).
    let codes = [
        UnsubAckReason::Success,
        UnsubAckReason::NoSubscriptionExisted,
    ];
    vector(
        "5.0 §3.11 UNSUBACK",
        V5,
        &[0xB0, 0x05, 0x00, 0x03, 0x00, 0x00, 0x11],
        Packet::UnsubAck(UnsubAck {
            packet_id: id(3),
            properties: Properties::empty(),
            reasons: List::new(&codes),
        }),
    );
}

#[test]
fn ping_disconnect_auth() {
    for v in [V311, V5] {
        // §3.12, §3.13: no variable header, no payload.
        vector("§3.12 PINGREQ", v, &[0xC0, 0x00], Packet::PingReq);
        vector("§3.13 PINGRESP", v, &[0xD0, 0x00], Packet::PingResp);
        // 3.1.1 §3.14; 5.0 §3.14.2.1: Normal disconnection may be sent as Remaining Length 0.
        vector(
            "§3.14 DISCONNECT",
            v,
            &[0xE0, 0x00],
            Packet::Disconnect(Disconnect::default()),
        );
    }
    // 5.0 §3.14.2.1: Reason Code 0x8E Session taken over, Property Length omitted.
    vector(
        "5.0 §3.14.2.1 DISCONNECT session taken over",
        V5,
        &[0xE0, 0x01, 0x8E],
        Packet::Disconnect(Disconnect::new(DisconnectReason::SessionTakenOver)),
    );
    // 5.0 §3.14.2.2.2: 0x04 Disconnect with Will Message, Session Expiry Interval (0x11) 0.
    let props = [Property::SessionExpiryInterval(0)];
    vector(
        "5.0 §3.14.2.2 DISCONNECT with properties",
        V5,
        &[0xE0, 0x07, 0x04, 0x05, 0x11, 0x00, 0x00, 0x00, 0x00],
        Packet::Disconnect(Disconnect {
            reason: DisconnectReason::DisconnectWithWillMessage,
            properties: Properties::new(&props),
        }),
    );
    // 5.0 §3.15.2.1: Success with no properties may be Remaining Length 0.
    vector(
        "5.0 §3.15 AUTH success",
        V5,
        &[0xF0, 0x00],
        Packet::Auth(Auth::new(AuthReason::Success)),
    );
    // 5.0 §3.15.2.2: 0x18 Continue authentication; Authentication Method (0x15) "SCRAM",
    // Authentication Data (0x16) 01 02. Property Length 8 + 5 = 13, Remaining 15.
    let props = [
        Property::AuthenticationMethod("SCRAM"),
        Property::AuthenticationData(&[1, 2]),
    ];
    vector(
        "5.0 §3.15.2.2 AUTH continue",
        V5,
        &[
            0xF0, 0x0F, 0x18, 0x0D, 0x15, 0x00, 0x05, b'S', b'C', b'R', b'A', b'M', 0x16, 0x00,
            0x02, 0x01, 0x02,
        ],
        Packet::Auth(Auth {
            reason: AuthReason::ContinueAuthentication,
            properties: Properties::new(&props),
        }),
    );
}

#[test]
fn decoded_properties_are_read_in_place() {
    // The typed getters read the wire bytes of a decoded packet.
    let bytes = [
        0x3C, 0x11, 0x00, 0x01, b'a', 0x00, 0x01, 0x09, 0x01, 0x01, 0x23, 0x00, 0x02, 0x03, 0x00,
        0x01, b'j', b'{', b'}',
    ];
    let Packet::Publish(p) = decode(&bytes, V5).unwrap().packet else {
        panic!("not a PUBLISH");
    };
    assert!(p.properties.list().wire_bytes().is_some());
    assert_eq!(p.properties.topic_alias(), Some(2));
    assert_eq!(p.properties.content_type(), Some("j"));
    assert_eq!(p.properties.payload_format_indicator(), Some(true));
    assert_eq!(p.properties.iter().count(), 3);
    // Strings and payload are slices of the input.
    assert!(std::ptr::eq(p.payload.as_ptr(), bytes[17..].as_ptr()));
}
