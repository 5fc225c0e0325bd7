//! The codec targets: decoding arbitrary bytes (whole and in arbitrary chunks) and the
//! encode∘decode round trip of arbitrary packets.

use alloc::vec::Vec;

use arbitrary::{Arbitrary, Unstructured};

use super::packets::{self, PacketSpec};
use crate::codec::{
    DecodeError, Decoded, Decoder, EncodeError, MAX_PACKET_SIZE, Needed, Packet, ProtocolVersion,
    Violation, encode, encode_to_slice, encoded_len,
};

/// The settings byte of a decode input: bit 0 the version, bits 1–3 the size limit, bits 4–7
/// the largest chunk.
const LIMITS: [u32; 8] = [MAX_PACKET_SIZE, 2, 5, 16, 64, 128, 1024, 65_536];
const CHUNKS: [usize; 16] = [
    1,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    16,
    31,
    64,
    100,
    256,
    1024,
    4096,
    1 << 20,
];

/// What the decoder was configured with, and how the stream is cut.
struct DecodeSetup {
    decoder: Decoder,
    max_chunk: usize,
    seed: u32,
}

fn setup(data: &[u8]) -> Option<(DecodeSetup, &[u8])> {
    let (&[settings, s0, s1], stream) = data.split_first_chunk::<3>()?;
    let version = if settings & 1 == 0 {
        ProtocolVersion::V311
    } else {
        ProtocolVersion::V5
    };
    let limit = LIMITS
        .get(usize::from((settings >> 1) & 7))
        .copied()
        .unwrap_or(MAX_PACKET_SIZE);
    let max_chunk = CHUNKS.get(usize::from(settings >> 4)).copied().unwrap_or(1);
    let seed = u32::from(u16::from_le_bytes([s0, s1])) | 0x1_0000;
    let decoder = Decoder::new(version).with_max_packet_size(limit);
    Some((
        DecodeSetup {
            decoder,
            max_chunk,
            seed,
        },
        stream,
    ))
}

/// xorshift32: the chunk sizes, reproducible from the input.
fn next(seed: &mut u32) -> u32 {
    let mut x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    x
}

/// Two decode errors that mean the same thing. A size limit proven from a cut-short length
/// names a lower bound of the size, so only the limit is compared there.
fn same_error(a: &DecodeError, b: &DecodeError) -> bool {
    match (a, b) {
        (
            DecodeError::Invalid {
                offset: oa,
                violation: Violation::PacketTooLarge { max: ma, .. },
            },
            DecodeError::Invalid {
                offset: ob,
                violation: Violation::PacketTooLarge { max: mb, .. },
            },
        ) => oa == ob && ma == mb,
        _ => a == b,
    }
}

/// Checks one decoded packet: its length agrees with its fixed header, and encoding it gives
/// bytes that decode to the same packet.
fn check_decoded(decoder: &Decoder, input: &[u8], d: &Decoded<Packet<'_>>) {
    assert!(
        d.len >= 2 && d.len <= input.len(),
        "decoded length out of range"
    );
    let header = decoder.header(input);
    assert_eq!(header.map(|h| h.packet_len()), Ok(d.len));
    assert!(d.len as u64 <= u64::from(decoder.max_packet_size));
    let version = decoder.version;
    let mut out = Vec::new();
    // Whatever the decoder accepts, the encoder writes back (it enforces the same rules).
    let n = match encode(&d.packet, version, &mut out) {
        Ok(n) => n,
        Err(e) => panic!("decoded {:?} does not encode: {e:?}", d.packet),
    };
    assert_eq!(n, out.len());
    let again = Decoder::new(version).decode(&out);
    assert_eq!(again.map(|a| (a.packet, a.len)), Ok((d.packet, n)));
}

/// Decodes `data` (a settings byte, two chunk-seed bytes, then a byte stream) packet after
/// packet, once with the whole stream and once fed in arbitrary chunks through a growing
/// buffer as a driver would; both must give the same packets and end the same way.
///
/// Invariants: no panic; a decoded packet's length matches its header and the size limit;
/// every decoded packet encodes and decodes back to itself; `Incomplete(Exact(n))` is exact;
/// chunked decoding equals one-shot decoding.
pub fn decode(data: &[u8]) {
    let Some((setup, stream)) = setup(data) else {
        return;
    };
    let decoder = setup.decoder;
    // One shot: every packet of the stream, then how it ended.
    let mut packets = Vec::new();
    let mut rest = stream;
    let end = loop {
        match decoder.decode(rest) {
            Ok(d) => {
                check_decoded(&decoder, rest, &d);
                packets.push(d);
                rest = rest.get(d.len..).unwrap_or_default();
            }
            Err(e) => break e,
        }
    };
    match end {
        DecodeError::Incomplete(Needed::Exact(n)) => {
            let total = decoder.header(rest).map(|h| h.packet_len());
            assert_eq!(total, Ok(rest.len() + n), "Incomplete(Exact) is not exact");
            assert!(n > 0);
        }
        DecodeError::Incomplete(Needed::AtLeast(n)) => {
            assert!(
                n > 0 && rest.len() < 6,
                "header incomplete after {} bytes",
                rest.len()
            );
        }
        DecodeError::Invalid { offset, .. } => {
            assert!(offset <= rest.len(), "error offset past the input");
        }
    }

    // The same stream in chunks, through a buffer that keeps only the unfinished packet.
    let mut seed = setup.seed;
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0usize;
    let mut index = 0usize;
    let mut input = stream;
    while !input.is_empty() {
        let size = 1 + (next(&mut seed) as usize) % setup.max_chunk;
        let (chunk, more) = input.split_at_checked(size).unwrap_or((input, &[]));
        input = more;
        fed += chunk.len();
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&buf) {
                Ok(d) => {
                    assert_eq!(
                        packets.get(index).map(|p| (p.packet, p.len)),
                        Some((d.packet, d.len))
                    );
                    index += 1;
                    let used = d.len;
                    buf.drain(..used);
                }
                Err(DecodeError::Incomplete(_)) => break,
                Err(e) => {
                    // A prefix may only fail the way the whole stream fails.
                    assert_eq!(index, packets.len(), "chunked decoding failed early: {e:?}");
                    assert!(same_error(&e, &end), "chunked {e:?}, one-shot {end:?}");
                    return;
                }
            }
        }
        let _ = fed;
    }
    assert_eq!(index, packets.len(), "chunked decoding missed packets");
    if buf.is_empty() {
        assert_eq!(end, DecodeError::Incomplete(Needed::AtLeast(2)));
    } else {
        let last = decoder.decode(&buf).map(|d| d.len);
        assert_eq!(last, Err(end));
    }
}

/// Encodes an arbitrary packet; when the encoder accepts it, decoding the bytes must give the
/// same packet back, `encoded_len` must agree, and `encode_to_slice` must write the same bytes
/// (and refuse a buffer one byte short). Encode errors are fine: they are the encoder's checks.
pub fn round_trip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let (Ok(version), Ok(spec)) = (packets::version(&mut u), PacketSpec::arbitrary(&mut u)) else {
        return;
    };
    let packet = spec.packet();
    let mut out = Vec::new();
    let len = encoded_len(&packet, version);
    let n = match encode(&packet, version, &mut out) {
        Ok(n) => n,
        Err(e) => {
            assert!(out.is_empty(), "a refused packet left bytes behind");
            assert_eq!(len, Err(e));
            return;
        }
    };
    assert_eq!(len, Ok(n));
    assert_eq!(n, out.len());
    // A CONNECT is encoded for its own protocol field, and read back by its level byte.
    let decoded = Decoder::new(version).decode(&out);
    assert_eq!(
        decoded.map(|d| (d.packet, d.len)),
        Ok((packet, n)),
        "round trip differs"
    );

    let mut slice = alloc::vec![0u8; n];
    assert_eq!(encode_to_slice(&packet, version, &mut slice), Ok(n));
    assert_eq!(slice, out);
    if let Some(short) = slice.get_mut(..n - 1) {
        assert!(matches!(
            encode_to_slice(&packet, version, short),
            Err(EncodeError::BufferTooSmall { .. })
        ));
    }
}
