//! Property tests of the codec: round trips for every packet type in both versions, arbitrary
//! and mutated input never panics, any split of a stream decodes to the same packets, and the
//! slice encoder is exact about the space it needs.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::strategies::{self, Spec};
use common::{encoded, hex};
use iotmqtt::{
    DecodeError, Decoder, EncodeError, MAX_PACKET_SIZE, Needed, Packet, PacketType,
    ProtocolVersion, Violation, decode, encode, encode_to_slice, encoded_len,
};
use proptest::collection::vec;
use proptest::prelude::*;

const V311: ProtocolVersion = ProtocolVersion::V311;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// The round-trip contract for one packet: `encoded_len` = bytes written = bytes decoded,
/// `decode(encode(p)) == p`, re-encoding the decoded packet gives the same bytes, the slice
/// encoder writes the same bytes, and the size limit is exact.
fn check_round_trip(packet: &Packet<'_>, version: ProtocolVersion) {
    let len = encoded_len(packet, version).expect("valid packet");
    let mut out = vec![0xEE; 3]; // encode appends: existing bytes stay
    let n = encode(packet, version, &mut out).unwrap();
    assert_eq!(n, len);
    assert_eq!(&out[..3], &[0xEE; 3]);
    let bytes = &out[3..];
    assert_eq!(bytes.len(), len);

    let decoded = decode(bytes, version).unwrap_or_else(|e| panic!("{e}: {}", hex(bytes)));
    assert_eq!(decoded.len, len);
    assert_eq!(decoded.packet, *packet, "{}", hex(bytes));
    assert_eq!(decoded.packet.packet_type(), packet.packet_type());
    assert_eq!(encoded(&decoded.packet, version), bytes, "re-encode");

    let mut slice = vec![0u8; len];
    assert_eq!(encode_to_slice(packet, version, &mut slice), Ok(len));
    assert_eq!(slice, bytes);

    // The size limit is inclusive and decided on the header.
    let exact = u32::try_from(len).unwrap();
    assert!(
        Decoder::new(version)
            .with_max_packet_size(exact)
            .decode(bytes)
            .is_ok()
    );
    let err = Decoder::new(version)
        .with_max_packet_size(exact - 1)
        .decode(bytes)
        .unwrap_err();
    assert_eq!(
        err.violation(),
        Some(Violation::PacketTooLarge {
            size: len as u64,
            max: exact - 1
        })
    );
}

fn round_trip(spec: &Spec, version: ProtocolVersion) {
    spec.with_packet(|p| check_round_trip(p, version));
}

macro_rules! round_trips {
    ($($name:ident: $t:ident, $v:expr;)+) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]
            $(
                #[test]
                fn $name(spec in strategies::packet_of(PacketType::$t, $v)) {
                    prop_assert_eq!(spec.packet_type(), PacketType::$t);
                    round_trip(&spec, $v);
                }
            )+
        }
    };
}

round_trips! {
    connect_v311: Connect, V311;
    connect_v5: Connect, V5;
    connack_v311: Connack, V311;
    connack_v5: Connack, V5;
    publish_v311: Publish, V311;
    publish_v5: Publish, V5;
    puback_v311: PubAck, V311;
    puback_v5: PubAck, V5;
    pubrec_v311: PubRec, V311;
    pubrec_v5: PubRec, V5;
    pubrel_v311: PubRel, V311;
    pubrel_v5: PubRel, V5;
    pubcomp_v311: PubComp, V311;
    pubcomp_v5: PubComp, V5;
    subscribe_v311: Subscribe, V311;
    subscribe_v5: Subscribe, V5;
    suback_v311: SubAck, V311;
    suback_v5: SubAck, V5;
    unsubscribe_v311: Unsubscribe, V311;
    unsubscribe_v5: Unsubscribe, V5;
    unsuback_v311: UnsubAck, V311;
    unsuback_v5: UnsubAck, V5;
    pingreq_v311: PingReq, V311;
    pingreq_v5: PingReq, V5;
    pingresp_v311: PingResp, V311;
    pingresp_v5: PingResp, V5;
    disconnect_v311: Disconnect, V311;
    disconnect_v5: Disconnect, V5;
    auth_v5: Auth, V5;
}

/// The size limits every decode of arbitrary input is tried with.
const LIMITS: [u32; 5] = [2, 16, 200, 4096, MAX_PACKET_SIZE];

/// Decodes `input` with both versions and every limit. Whatever it accepts must be encodable,
/// and decode back to the same packet; whatever it refuses must say why, within the input.
fn decode_everything(input: &[u8]) {
    for version in [V311, V5] {
        for max in LIMITS {
            match Decoder::new(version)
                .with_max_packet_size(max)
                .decode(input)
            {
                Ok(d) => {
                    assert!(d.len <= input.len() && d.len <= max as usize);
                    let again = encoded(&d.packet, version);
                    let back = decode(&again, version).unwrap();
                    assert_eq!(back.packet, d.packet, "{}", hex(input));
                }
                Err(DecodeError::Incomplete(n)) => assert!(n.bytes() > 0),
                Err(DecodeError::Invalid { offset, violation }) => {
                    assert!(
                        offset <= input.len(),
                        "{violation} at {offset} of {}",
                        hex(input)
                    );
                    assert!(!violation.rule().is_empty());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_bytes_never_panic(input in vec(any::<u8>(), 0..256)) {
        decode_everything(&input);
    }

    #[test]
    fn arbitrary_bytes_after_a_plausible_header_never_panic(
        first in any::<u8>(),
        body in vec(any::<u8>(), 0..128),
    ) {
        let mut input = vec![first, u8::try_from(body.len()).unwrap()];
        input.extend_from_slice(&body);
        decode_everything(&input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Valid packets with a few bytes changed, cut or extended: the decoder's edge cases.
    #[test]
    fn mutated_packets_never_panic(
        version in strategies::version(),
        spec in strategies::version().prop_flat_map(strategies::packet),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = spec.with_packet(|p| {
            let v = match p { Packet::Connect(c) => c.protocol, _ => version };
            let mut out = Vec::new();
            encode(p, v, &mut out).map(|_| out).unwrap_or_default()
        });
        if bytes.is_empty() {
            bytes.push(0);
        }
        for (at, b) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *b;
        }
        decode_everything(&bytes);
        decode_everything(&bytes[..cut.index(bytes.len())]);
    }
}

/// Feeds `stream` to a decoder in chunks of the given sizes the way a socket reader does: append
/// to a buffer, decode every whole packet, drain what was used. Checks `Needed::Exact` on the way
/// and calls `on_packet` for each packet in order.
fn feed(
    stream: &[u8],
    chunks: &[usize],
    version: ProtocolVersion,
    mut on_packet: impl FnMut(usize, &Packet<'_>, usize),
) -> usize {
    let decoder = Decoder::new(version);
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0;
    let mut count = 0;
    let mut sizes = chunks.iter().copied().cycle();
    while pos < stream.len() {
        let n = sizes.next().unwrap_or(1).clamp(1, stream.len() - pos);
        buf.extend_from_slice(&stream[pos..pos + n]);
        pos += n;
        loop {
            match decoder.decode(&buf) {
                Ok(d) => {
                    on_packet(count, &d.packet, d.len);
                    count += 1;
                    let used = d.len;
                    buf.drain(..used);
                }
                Err(DecodeError::Incomplete(Needed::Exact(more))) => {
                    // The header is complete, so the packet's size is known exactly.
                    let header = decoder.header(&buf).unwrap();
                    assert_eq!(buf.len() + more, header.packet_len());
                    break;
                }
                Err(DecodeError::Incomplete(Needed::AtLeast(more))) => {
                    assert!(more >= 1);
                    assert!(matches!(
                        decoder.header(&buf),
                        Err(DecodeError::Incomplete(_))
                    ));
                    break;
                }
                Err(e) => panic!("valid stream refused: {e}"),
            }
        }
    }
    assert!(buf.is_empty(), "bytes left over");
    count
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    // [MQTT-6.0.0-2] (both versions): the decoder assumes nothing about where the transport
    // splits the stream (a WebSocket frame, a read).
    fn any_split_of_a_stream_gives_the_same_packets(
        (version, specs) in strategies::version()
            .prop_flat_map(|v| (Just(v), vec(strategies::packet(v), 1..8))),
        chunks in vec(1usize..64, 1..16),
    ) {
        let mut stream = Vec::new();
        let mut lens = Vec::new();
        for s in &specs {
            let bytes = s.with_packet(|p| encoded(p, version));
            lens.push(bytes.len());
            stream.extend_from_slice(&bytes);
        }
        let n = feed(&stream, &chunks, version, |i, packet, len| {
            assert_eq!(len, lens[i]);
            specs[i].with_packet(|p| assert_eq!(packet, p));
        });
        prop_assert_eq!(n, specs.len());
        // One byte at a time too.
        let n = feed(&stream, &[1], version, |i, packet, _| {
            specs[i].with_packet(|p| assert_eq!(packet, p));
        });
        prop_assert_eq!(n, specs.len());
    }

    #[test]
    fn encode_to_slice_is_exact_about_space(
        (version, spec) in strategies::version()
            .prop_flat_map(|v| (Just(v), strategies::packet(v))),
        extra in 0usize..8,
        short in any::<prop::sample::Index>(),
    ) {
        spec.with_packet(|p| {
            let expected = encoded(p, version);
            let len = expected.len();
            // Too short by any amount: the error names the size; nothing is written.
            let size = short.index(len);
            let mut buf = vec![0xAA; size];
            assert_eq!(
                encode_to_slice(p, version, &mut buf),
                Err(EncodeError::BufferTooSmall { required: len })
            );
            assert!(buf.iter().all(|b| *b == 0xAA));
            // Long enough: the same bytes as `encode`, nothing past them touched.
            let mut buf = vec![0xAA; len + extra];
            assert_eq!(encode_to_slice(p, version, &mut buf), Ok(len));
            assert_eq!(&buf[..len], &expected[..]);
            assert!(buf[len..].iter().all(|b| *b == 0xAA));
        });
    }
}

/// A packet whose last field is short: the slice encoder's 8-byte stores must stay inside the
/// packet even when the caller's buffer is longer.
#[test]
fn encode_to_slice_touches_nothing_past_the_packet() {
    for version in [V311, V5] {
        for payload_len in 0..10 {
            let payload = vec![0x55; payload_len];
            let p = Packet::Publish(iotmqtt::Publish {
                qos: iotmqtt::QoS::AtLeastOnce,
                packet_id: iotmqtt::PacketId::new(0x0102),
                ..iotmqtt::Publish::new("t", &payload)
            });
            let expected = encoded(&p, version);
            let mut buf = vec![0xAA; expected.len() + 16];
            assert_eq!(encode_to_slice(&p, version, &mut buf), Ok(expected.len()));
            assert_eq!(&buf[..expected.len()], &expected[..]);
            assert!(buf[expected.len()..].iter().all(|b| *b == 0xAA), "{buf:?}");
        }
    }
}
