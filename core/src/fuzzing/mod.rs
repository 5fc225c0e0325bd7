//! The bodies of the fuzz targets (feature `fuzzing`): each takes the fuzzer's bytes, drives a
//! part of the crate with them and checks its invariants with `assert!`. The cargo-fuzz crate
//! in `fuzz/` calls these functions and nothing else, and `tests/fuzz_regressions.rs` replays
//! the inputs that once failed through the same functions.
//!
//! | target | function | what it checks |
//! |---|---|---|
//! | `decode` | [`decode`] | one-shot and chunked decoding agree; decoded packets re-encode |
//! | `round_trip` | [`round_trip`] | decode(encode(p)) == p for every packet the encoder accepts |
//! | `client_session` | [`client_session`] | a client under arbitrary commands, bytes and time |
//! | `server_session` | [`server_session`] | a server session likewise |
//! | `iotda_topics` | [`iotda_topics`] | topic and ClientId parsers and writers agree |
//! | `iotda_payloads` | [`iotda_payloads`] | the JSON payload readers and writers agree |
//! | `iotda_verifier` | [`iotda_verifier`] | the login verifier on arbitrary and genuine logins |
//!
//! Structured input comes from [`arbitrary`]: [`PacketSpec`] is any control packet (mostly
//! valid), and the session targets read a configuration and then a sequence of steps.
//!
//! ```
//! // Every target accepts any input; these are the shortest.
//! iotmqtt::fuzzing::decode(&[]);
//! iotmqtt::fuzzing::client_session(&[0; 64]);
//! ```

// A fuzz target reports a broken invariant by panicking: these asserts are the point.
#![allow(clippy::panic)]

mod client;
mod codec;
mod driver;
#[cfg(feature = "iotda")]
mod iotda;
mod packets;
mod server;
mod wire;

use alloc::vec::Vec;

use arbitrary::{Arbitrary, Unstructured};

pub use client::client_session;
pub use codec::{decode, round_trip};
#[cfg(feature = "iotda")]
pub use iotda::{iotda_payloads, iotda_topics, iotda_verifier};
pub use packets::PacketSpec;
pub use server::server_session;

use crate::codec::{Packet, ProtocolVersion, encode};

/// A short string from the input, often a topic-like one (see `packets::text`).
#[derive(Debug, Clone, Copy)]
struct Text<'a>(&'a str);

impl<'a> Arbitrary<'a> for Text<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        packets::text(u).map(Text)
    }
}

/// The bytes of `packet` for a connection of `version`, or `None` when the encoder refuses it.
fn encode_for(packet: &Packet<'_>, version: ProtocolVersion) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    encode(packet, version, &mut out).ok().map(|_| out)
}
