//! `iotmqtt decode`: a stream of MQTT packets as a readable tree or JSON, stopping with one
//! clear line at the first malformed byte.

mod hex;
mod tree;

use std::io::Read;

use clap::Args;
use iotmqtt::{DecodeError, Decoder, Packet, ProtocolVersion};
use serde::Serialize;

pub use hex::parse_hex;
pub use tree::{Node, packet_fields, write_text};

use crate::output::{CliError, CliResult, print_text};

/// Arguments of `iotmqtt decode`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  iotmqtt decode 'c0 00'                          (one PINGREQ)
  iotmqtt decode 30 0a 00 03 61 2f 62 68 65 6c 6c 6f
  echo 100d00044d5154540402003c0001 61 | iotmqtt decode -
  iotmqtt decode --file capture.bin --json
  iotmqtt decode --v3 '90 03 00 01 80'            (a 3.1.1 SUBACK refusing one filter)

Input: hex digits, with or without spaces, `:` or `,` between bytes and `0x` before them; from
the arguments, or from stdin when there is none or it is `-`. --file reads raw bytes.
Version: --v3 or --v5; otherwise the protocol level of a CONNECT in the stream, else 5.0.
Output: one block per packet (`#index TYPE at byte offset, length`), or with --json one object
{\"packets\": [...], \"error\": null|{offset, packet_offset, rule, message}}.

Exit codes: 0 every byte decoded; 2 bad hex or flags; 3 malformed MQTT: the packets before it
are printed, then one line on stderr naming the offset of the first bad byte and the rule
(e.g. `at byte 7 (PUBLISH at byte 0): wildcard in a topic name [MQTT-3.3.2-2]`); 1 the input
cannot be read.")]
pub struct DecodeArgs {
    /// Hex bytes (several arguments are joined), or `-` for stdin.
    #[arg(value_name = "HEX|-")]
    pub hex: Vec<String>,
    /// Read raw (binary) bytes from this file instead.
    #[arg(long, value_name = "PATH", conflicts_with = "hex")]
    pub file: Option<std::path::PathBuf>,
    /// Decode as MQTT 3.1.1.
    #[arg(long = "v3", conflicts_with = "v5")]
    pub v3: bool,
    /// Decode as MQTT 5.0.
    #[arg(long = "v5")]
    pub v5: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// One decoded packet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodedPacket {
    /// Its offset in the stream.
    pub offset: usize,
    /// Its length in bytes.
    pub length: usize,
    /// The packet type, e.g. `PUBLISH`.
    #[serde(rename = "type")]
    pub packet_type: &'static str,
    /// The protocol version it was decoded with.
    pub version: String,
    /// Its fields.
    pub fields: Node,
}

/// Where and why the stream stopped decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamError {
    /// Offset of the offending byte in the stream (for a truncated packet: the stream's end).
    pub offset: usize,
    /// Offset of the packet it belongs to.
    pub packet_offset: usize,
    /// The packet type, when the first byte names one.
    pub packet_type: Option<&'static str>,
    /// The rule broken (`MQTT-x.y.z-n` or a section), or `truncated`.
    pub rule: &'static str,
    /// The whole message, one line.
    pub message: String,
}

/// The result of decoding a stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamReport {
    /// The packets decoded, in order.
    pub packets: Vec<DecodedPacket>,
    /// The first malformed byte, if any.
    pub error: Option<StreamError>,
}

/// Decodes every packet of `bytes`. `forced` fixes the version; otherwise a CONNECT sets it
/// (5.0 until one does).
#[must_use]
pub fn decode_stream(bytes: &[u8], forced: Option<ProtocolVersion>) -> StreamReport {
    let mut version = forced.unwrap_or(ProtocolVersion::V5);
    let mut packets = Vec::new();
    let mut offset = 0usize;
    while let Some(rest) = bytes.get(offset..).filter(|r| !r.is_empty()) {
        let packet_type = rest
            .first()
            .and_then(|b| iotmqtt::PacketType::from_u8(b >> 4))
            .map(iotmqtt::PacketType::name);
        match Decoder::new(version).decode(rest) {
            Ok(decoded) => {
                if let (None, Packet::Connect(c)) = (forced, &decoded.packet) {
                    version = c.protocol;
                }
                packets.push(DecodedPacket {
                    offset,
                    length: decoded.len,
                    packet_type: decoded.packet.packet_type().name(),
                    version: version.to_string(),
                    fields: packet_fields(&decoded.packet, version),
                });
                offset = offset.saturating_add(decoded.len);
            }
            Err(DecodeError::Incomplete(needed)) => {
                let what = packet_type.unwrap_or("packet");
                let message = format!(
                    "truncated: the {what} at byte {offset} needs {} more byte(s) after byte {}",
                    needed.bytes(),
                    bytes.len()
                );
                return StreamReport {
                    packets,
                    error: Some(StreamError {
                        offset: bytes.len(),
                        packet_offset: offset,
                        packet_type,
                        rule: "truncated",
                        message,
                    }),
                };
            }
            Err(DecodeError::Invalid {
                offset: at,
                violation,
            }) => {
                let at = offset.saturating_add(at);
                let what =
                    packet_type.map_or_else(String::new, |t| format!(" ({t} at byte {offset})"));
                return StreamReport {
                    packets,
                    error: Some(StreamError {
                        offset: at,
                        packet_offset: offset,
                        packet_type,
                        rule: violation.rule(),
                        message: format!("at byte {at}{what}: {violation}"),
                    }),
                };
            }
        }
    }
    StreamReport {
        packets,
        error: None,
    }
}

/// The text form of a report's packets.
#[must_use]
pub fn render_text(report: &StreamReport) -> String {
    let mut out = String::new();
    for (i, p) in report.packets.iter().enumerate() {
        out.push_str(&format!(
            "#{i} {} at byte {}, {} bytes (MQTT {})\n",
            p.packet_type, p.offset, p.length, p.version
        ));
        write_text(&mut out, &p.fields, 1);
    }
    out
}

fn read_input(args: &DecodeArgs) -> Result<Vec<u8>, CliError> {
    if let Some(path) = &args.file {
        return std::fs::read(path)
            .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())));
    }
    let text = match args.hex.as_slice() {
        [] => read_stdin()?,
        [one] if one == "-" => read_stdin()?,
        many => many.join(" "),
    };
    parse_hex(&text)
}

fn read_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::failure(format!("cannot read stdin: {e}")))?;
    Ok(text)
}

/// Runs `iotmqtt decode`.
///
/// # Errors
/// Bad hex (usage), unreadable input (failure), malformed MQTT (malformed, after printing the
/// packets before it).
pub fn run(args: &DecodeArgs) -> CliResult {
    let bytes = read_input(args)?;
    let forced = match (args.v3, args.v5) {
        (true, _) => Some(ProtocolVersion::V311),
        (_, true) => Some(ProtocolVersion::V5),
        _ => None,
    };
    let report = decode_stream(&bytes, forced);
    if args.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::failure(format!("cannot format JSON: {e}")))?;
        print_text(&text)?;
    } else {
        let text = render_text(&report);
        if !text.is_empty() {
            print_text(text.trim_end_matches('\n'))?;
        }
    }
    match report.error {
        Some(e) => Err(CliError::malformed(e.message)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_sets_the_version_of_what_follows() {
        // CONNECT 3.1.1 "a", then a 3.1.1 SUBACK with 0x80 (a 5.0 decoder would refuse 0x80?
        // no: it is valid in both), then PINGREQ.
        let bytes = parse_hex("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61 c0 00").unwrap();
        let r = decode_stream(&bytes, None);
        assert_eq!(r.error, None);
        assert_eq!(r.packets.len(), 2);
        assert_eq!(r.packets[0].version, "3.1.1");
        assert_eq!(r.packets[1].packet_type, "PINGREQ");
        assert_eq!(r.packets[1].offset, 15);
    }

    #[test]
    fn the_first_bad_byte_is_named_with_its_rule() {
        // PINGREQ, then a PUBLISH whose topic "a/+" holds a wildcard (topic starts at byte 4).
        let bytes = parse_hex("c0 00 30 06 00 03 61 2f 2b 78").unwrap();
        let r = decode_stream(&bytes, Some(ProtocolVersion::V311));
        assert_eq!(r.packets.len(), 1);
        let e = r.error.unwrap();
        assert_eq!(e.packet_offset, 2);
        assert_eq!(e.rule, "MQTT-3.3.2-2");
        assert!(
            e.message
                .starts_with(&format!("at byte {} (PUBLISH at byte 2)", e.offset)),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_cut_packet_is_reported_as_truncated() {
        let r = decode_stream(&[0x30, 0x05, 0x00], None);
        let e = r.error.unwrap();
        assert_eq!((e.rule, e.packet_offset, e.offset), ("truncated", 0, 3));
    }
}
