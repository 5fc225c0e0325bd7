//! Shared test support: proptest strategies for every packet, and helpers to encode and decode.
// Each test binary uses a different subset of these helpers, and `pub` marks what other test
// crates (fuzz, client) may reuse, though no test binary exports anything.
#![allow(dead_code, unreachable_pub)]
// Test support fails by panicking, like the tests that use it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod strategies;

use iotmqtt::{Packet, ProtocolVersion, encode};

/// Encodes `packet` into a fresh buffer, panicking (failing the test) on an encode error.
pub fn encoded(packet: &Packet<'_>, version: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    let n = encode(packet, version, &mut out).expect("encodable packet");
    assert_eq!(n, out.len());
    out
}

/// Hex dump for failure messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
