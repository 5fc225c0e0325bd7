//! The issue-2 question "nom or hand-written slicing?", measured: a decoder of the PUBLISH packets
//! of workloads (a) and (b) written with nom 7 combinators, making the checks iotmqtt's
//! hand-written PUBLISH path makes (fixed-header flags, QoS 3, the Remaining Length varint of at
//! most four bytes, the packet's length against the input, a non-empty UTF-8 topic without U+0000
//! or wildcards, a non-zero Packet Identifier for QoS > 0) and borrowing topic and payload. MQTT
//! 5.0 packets must carry an empty property block (the bench packets do); a full property parser
//! would only add to nom's side. It exists for this comparison only; iotmqtt stays hand-written.

use nom::IResult;
use nom::bytes::complete::take;
use nom::error::{Error, ErrorKind};
use nom::number::complete::{be_u8, be_u16};

/// A decoded PUBLISH, borrowing from the input like iotmqtt's.
#[derive(Debug)]
pub struct NomPublish<'a> {
    pub dup: bool,
    pub qos: u8,
    pub retain: bool,
    pub topic: &'a str,
    pub packet_id: Option<u16>,
    pub payload: &'a [u8],
}

fn fail(input: &[u8], kind: ErrorKind) -> nom::Err<Error<&[u8]>> {
    nom::Err::Error(Error::new(input, kind))
}

/// The Remaining Length (or property length): a varint of at most four bytes.
fn varint(input: &[u8]) -> IResult<&[u8], usize> {
    let mut value = 0usize;
    let mut rest = input;
    for shift in [0u32, 7, 14, 21] {
        let (r, byte) = be_u8(rest)?;
        rest = r;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((rest, value));
        }
    }
    Err(fail(input, ErrorKind::TooLarge))
}

/// A length-prefixed topic name as a PUBLISH carries it.
fn topic_name(input: &[u8]) -> IResult<&[u8], &str> {
    let (rest, len) = be_u16(input)?;
    let (rest, bytes) = take(len)(rest)?;
    let topic = core::str::from_utf8(bytes).map_err(|_| fail(input, ErrorKind::Char))?;
    if topic.is_empty() || bytes.iter().any(|&b| b == 0 || b == b'+' || b == b'#') {
        return Err(fail(input, ErrorKind::Verify));
    }
    Ok((rest, topic))
}

/// One PUBLISH from the front of `input`; returns the rest after it.
pub fn publish(input: &[u8], v5: bool) -> IResult<&[u8], NomPublish<'_>> {
    let (rest, first) = be_u8(input)?;
    if first >> 4 != 3 {
        return Err(fail(input, ErrorKind::Tag));
    }
    let qos = (first >> 1) & 3;
    let dup = first & 0x08 != 0;
    if qos == 3 || (qos == 0 && dup) {
        return Err(fail(input, ErrorKind::Verify));
    }
    let (rest, remaining) = varint(rest)?;
    let (after, body) = take(remaining)(rest)?;
    let (body, topic) = topic_name(body)?;
    let (body, packet_id) = if qos > 0 {
        let (b, id) = be_u16(body)?;
        if id == 0 {
            return Err(fail(body, ErrorKind::Verify));
        }
        (b, Some(id))
    } else {
        (body, None)
    };
    let body = if v5 {
        let (b, props) = varint(body)?;
        if props != 0 {
            return Err(fail(body, ErrorKind::Verify));
        }
        b
    } else {
        body
    };
    Ok((
        after,
        NomPublish {
            dup,
            qos,
            retain: first & 1 != 0,
            topic,
            packet_id,
            payload: body,
        },
    ))
}
