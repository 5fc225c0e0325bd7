//! Every input that once made a fuzz target fail, replayed through the same target body
//! (`iotmqtt::fuzzing`). The inputs live in `tests/fuzz-regressions/<target>/`, one file each,
//! named after what went wrong; `fuzz/README.md` says how to add one.

// A failing test panics: the test reads files with `expect` and slices its own constants.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;

/// A fuzz target's body.
type Target = fn(&[u8]);

/// The target bodies by directory name.
const TARGETS: &[(&str, Target)] = &[
    ("decode", iotmqtt::fuzzing::decode),
    ("round_trip", iotmqtt::fuzzing::round_trip),
    ("client_session", iotmqtt::fuzzing::client_session),
    ("server_session", iotmqtt::fuzzing::server_session),
    ("iotda_topics", iotmqtt::fuzzing::iotda_topics),
    ("iotda_payloads", iotmqtt::fuzzing::iotda_payloads),
    ("iotda_verifier", iotmqtt::fuzzing::iotda_verifier),
];

#[test]
fn every_recorded_crasher_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut replayed = 0;
    for entry in fs::read_dir(&root).expect("tests/fuzz-regressions exists") {
        let dir = entry.expect("readable entry").path();
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some((_, target)) = TARGETS.iter().find(|(t, _)| *t == name) else {
            panic!("tests/fuzz-regressions/{name} is not a fuzz target");
        };
        let mut files: Vec<_> = fs::read_dir(&dir)
            .expect("readable target directory")
            .map(|e| e.expect("readable entry").path())
            .collect();
        files.sort();
        for file in files {
            let bytes = fs::read(&file).expect("readable input");
            println!("replaying {}", file.display());
            target(&bytes);
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "no regression inputs found under {}",
        root.display()
    );
}

/// The decoder's first finding, spelled out: a Remaining Length whose continuation bytes
/// already prove the packet over the limit is reported as too large whether or not the
/// malformed fifth byte has arrived, so the answer does not depend on how the bytes were split.
#[test]
fn a_too_large_prefix_wins_over_a_malformed_length() {
    use iotmqtt::{DecodeError, Decoder, ProtocolVersion, Violation};
    let decoder = Decoder::new(ProtocolVersion::V311).with_max_packet_size(128);
    let whole = [0x31, 0x9c, 0x9c, 0x9c, 0x9c];
    for end in 2..=whole.len() {
        let got = decoder.decode(&whole[..end]);
        assert!(
            matches!(
                got,
                Err(DecodeError::Invalid {
                    offset: 1,
                    violation: Violation::PacketTooLarge { max: 128, .. }
                })
            ),
            "{end} bytes: {got:?}"
        );
    }
    // Without a limit the same bytes are a malformed length, reported at the fifth byte.
    let unlimited = Decoder::new(ProtocolVersion::V311);
    assert_eq!(
        unlimited.decode(&whole).map(|d| d.len),
        Err(DecodeError::Invalid {
            offset: 4,
            violation: Violation::MalformedVarint
        })
    );
}

/// The client session's first finding, spelled out: a server whose CONNACK announces a
/// Maximum Packet Size below a DISCONNECT's two bytes gets no DISCONNECT [MQTT-3.2.2-15]; the
/// client still ends the connection.
#[test]
fn no_disconnect_over_the_servers_maximum_packet_size() {
    use iotmqtt::Instant;
    use iotmqtt::client::{Client, ClientConfig, Event};
    let mut client = Client::new(ClientConfig::new("c"));
    client.connect().expect("valid config");
    client.handle_connected(Instant::ZERO);
    let mut out = Vec::new();
    assert!(client.poll_transmit(Instant::ZERO, &mut out) > 0, "CONNECT");
    // CONNACK: success, Maximum Packet Size (0x27) = 1.
    client.handle_bytes(
        Instant::ZERO,
        &[0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0, 0, 0, 1],
    );
    assert!(client.is_connected());
    client.disconnect().expect("connected");
    out.clear();
    assert_eq!(
        client.poll_transmit(Instant::ZERO, &mut out),
        0,
        "sent {out:02x?}"
    );
    let events: Vec<Event> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(events.contains(&Event::Disconnected), "{events:?}");
}

/// The server session's finding, spelled out: a refusing CONNACK that would exceed the
/// Maximum Packet Size of the client's CONNECT is not sent [MQTT-3.1.2-24]; the connection
/// closes all the same.
#[test]
fn no_refusal_over_the_clients_maximum_packet_size() {
    use iotmqtt::server::{ServerConfig, ServerEvent, ServerSession};
    use iotmqtt::{
        Connect, ConnectReason, Instant, Packet, Properties, Property, ProtocolVersion, encode,
    };
    let now = Instant::ZERO;
    let mut server = ServerSession::new(ServerConfig::default(), now);
    let props = [Property::MaximumPacketSize(1)];
    let connect = Connect {
        protocol: ProtocolVersion::V5,
        clean_start: true,
        keep_alive: 60,
        properties: Properties::new(&props),
        client_id: "c",
        will: None,
        username: None,
        password: None,
    };
    let mut wire = Vec::new();
    encode(&Packet::Connect(connect), ProtocolVersion::V5, &mut wire).expect("valid CONNECT");
    server.handle_bytes(now, &wire).expect("room for input");
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::ConnectRequest(_))
    ));
    server
        .reject(now, ConnectReason::NotAuthorized)
        .expect("a CONNECT awaits a decision");
    let mut out = Vec::new();
    assert_eq!(server.poll_transmit(now, &mut out), 0, "sent {out:02x?}");
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ServerEvent::Closed { .. })),
        "{events:?}"
    );
}
