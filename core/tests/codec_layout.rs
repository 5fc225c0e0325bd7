//! The packet layout (`iotmqtt::layout`): for every packet the fields tile its bytes, each part
//! lies inside its group, and the values read from each range are the decoder's; for malformed
//! input the verdict is the decoder's and no field begins past the offending byte.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::encoded;
use common::strategies;
use iotmqtt::{
    DecodeError, Decoder, FieldValue, Packet, PacketField, ProtocolVersion, decode, layout,
};
use proptest::prelude::*;
use serde_json::Value;

/// The structural contract: depth-0 fields tile `[0, len)`, every field with depth d > 0 lies
/// inside the nearest field before it with depth d - 1, and siblings do not overlap.
fn check_structure(fields: &[PacketField<'_>], len: usize) {
    let mut at = 0;
    for f in fields.iter().filter(|f| f.depth == 0) {
        assert_eq!(f.start, at, "gap or overlap before {f:?}");
        assert!(f.end >= f.start);
        at = f.end;
    }
    assert_eq!(at, len, "the top-level fields stop short: {fields:#?}");
    for (i, f) in fields.iter().enumerate().filter(|(_, f)| f.depth > 0) {
        let parent = fields[..i]
            .iter()
            .rev()
            .find(|p| p.depth + 1 == f.depth)
            .unwrap_or_else(|| panic!("{f:?} has no parent"));
        assert!(
            parent.start <= f.start && f.end <= parent.end,
            "{f:?} outside {parent:?}"
        );
    }
}

fn top<'a>(fields: &'a [PacketField<'a>], key: &str) -> Option<&'a PacketField<'a>> {
    fields.iter().find(|f| f.depth == 0 && f.key == key)
}

/// The values of the main fields are what the decoder read from the same bytes.
fn check_values(fields: &[PacketField<'_>], bytes: &[u8], packet: &Packet<'_>) {
    let header = top(fields, "fixed_header").unwrap();
    assert_eq!(header.start, 0);
    let kind = fields.iter().find(|f| f.key == "packet_type").unwrap();
    let t = packet.packet_type();
    assert_eq!(kind.value, FieldValue::Code(t as u8, t.name()));
    let string_at = |key: &str| {
        let f = top(fields, key).unwrap_or_else(|| panic!("no {key}: {fields:#?}"));
        assert_eq!(
            f.end - f.start,
            2 + usize::from(u16::from_be_bytes([bytes[f.start], bytes[f.start + 1]]))
        );
        f
    };
    let props_count = |i: usize| {
        // The `property` parts of the `properties` group at index i.
        let depth = fields[i].depth + 1;
        fields[i + 1..]
            .iter()
            .take_while(|f| f.depth >= depth)
            .filter(|f| f.depth == depth && f.key == "property")
            .count()
    };
    let first_props = fields.iter().position(|f| f.key == "properties");
    match packet {
        Packet::Publish(p) => {
            let topic = string_at("topic");
            assert_eq!(topic.value, FieldValue::Str(p.topic));
            assert_eq!(&bytes[topic.start + 2..topic.end], p.topic.as_bytes());
            let payload = top(fields, "payload").unwrap();
            assert_eq!(payload.value, FieldValue::Bytes(p.payload));
            assert_eq!(&bytes[payload.start..payload.end], p.payload);
            let id = top(fields, "packet_id").map(|f| f.value);
            assert_eq!(
                id,
                p.packet_id.map(|i| FieldValue::Uint(u32::from(i.get())))
            );
            if let Some(i) = first_props {
                assert_eq!(props_count(i), p.properties.iter().count());
            }
        }
        Packet::Connect(c) => {
            assert_eq!(string_at("client_id").value, FieldValue::Str(c.client_id));
            assert_eq!(top(fields, "will").is_some(), c.will.is_some());
            assert_eq!(
                top(fields, "username").map(|f| f.value),
                c.username.map(FieldValue::Str)
            );
            let password = top(fields, "password").map(|f| f.value);
            assert_eq!(password, c.password.map(|p| FieldValue::Secret(p.len())));
            if let Some(i) = first_props {
                assert_eq!(props_count(i), c.properties.iter().count());
            }
        }
        Packet::Subscribe(s) => {
            let groups = fields.iter().filter(|f| f.key == "subscription").count();
            assert_eq!(groups, s.subscriptions.len());
        }
        Packet::SubAck(s) => {
            let codes = fields.iter().filter(|f| f.key == "reason_code").count();
            assert_eq!(codes, s.reasons.len());
        }
        Packet::Unsubscribe(u) => {
            let filters = fields.iter().filter(|f| f.key == "topic_filter").count();
            assert_eq!(filters, u.filters.len());
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn every_packet_is_tiled_by_its_fields(
        (version, spec) in strategies::version().prop_flat_map(|v| (Just(v), strategies::packet(v)))
    ) {
        spec.with_packet(|packet| {
            let bytes = encoded(packet, version);
            let l = layout(&bytes, version);
            let decoded = l.result.unwrap();
            assert_eq!(decoded.len, bytes.len());
            assert_eq!(&decoded.packet, packet);
            check_structure(&l.fields, bytes.len());
            check_values(&l.fields, &bytes, packet);
        });
    }

    /// Any input: the verdict is the decoder's, and nothing is shown past a bad byte.
    #[test]
    fn any_input_gets_the_decoders_verdict(
        version in strategies::version(),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let l = layout(&bytes, version);
        prop_assert_eq!(l.result, decode(&bytes, version));
        if let Err(DecodeError::Invalid { offset, .. }) = l.result {
            prop_assert!(l.fields.iter().all(|f| f.start <= offset));
        }
        prop_assert!(l.fields.iter().all(|f| f.start <= f.end && f.end <= bytes.len()));
    }
}

#[test]
fn a_v5_connect_with_a_will_and_properties() {
    // CONNECT 5.0: clean start, Will (QoS 1) with a Will Delay, user name, password,
    // Session Expiry 10.
    let bytes: Vec<u8> = [
        &[0x10, 0x29][..],
        &[0, 4, b'M', b'Q', b'T', b'T', 5, 0b1100_1110, 0, 60],
        &[5, 0x11, 0, 0, 0, 10],
        &[0, 2, b'c', b'1'],
        &[5, 0x18, 0, 0, 0, 5, 0, 1, b'w', 0, 2, b'h', b'i'],
        &[0, 1, b'u'],
        &[0, 3, b'p', b'w', b'd'],
    ]
    .concat();
    let l = layout(&bytes, ProtocolVersion::V5);
    assert!(l.result.is_ok(), "{:?}", l.result);
    check_structure(&l.fields, bytes.len());
    let find = |key: &str, depth: u8| {
        l.fields
            .iter()
            .find(|f| f.key == key && f.depth == depth)
            .map(|f| (f.start, f.end, f.value))
            .unwrap_or_else(|| panic!("no {key} at depth {depth}"))
    };
    assert_eq!(find("remaining_length", 1), (1, 2, FieldValue::Uint(41)));
    assert_eq!(find("protocol_name", 0), (2, 8, FieldValue::Str("MQTT")));
    assert_eq!(
        find("connect_flags", 0),
        (9, 10, FieldValue::Uint(0b1100_1110))
    );
    assert_eq!(find("will_qos", 1), (9, 10, FieldValue::Uint(1)));
    assert_eq!(find("keep_alive", 0), (10, 12, FieldValue::Uint(60)));
    assert_eq!(find("properties", 0), (12, 18, FieldValue::Group));
    assert_eq!(find("property_length", 1), (12, 13, FieldValue::Uint(5)));
    assert_eq!(
        find("property", 1),
        (13, 18, FieldValue::Code(0x11, "SessionExpiryInterval"))
    );
    assert_eq!(find("value", 2), (14, 18, FieldValue::Uint(10)));
    assert_eq!(find("client_id", 0), (18, 22, FieldValue::Str("c1")));
    assert_eq!(find("will", 0), (22, 35, FieldValue::Group));
    assert_eq!(find("topic", 1), (28, 31, FieldValue::Str("w")));
    assert_eq!(find("payload", 1), (31, 35, FieldValue::Bytes(b"hi")));
    assert_eq!(find("username", 0), (35, 38, FieldValue::Str("u")));
    // The password is never shown, only its length.
    assert_eq!(find("password", 0), (38, 43, FieldValue::Secret(3)));
}

#[test]
fn a_size_limit_applies_as_in_decode() {
    let bytes = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
    let d = Decoder::new(ProtocolVersion::V311).with_max_packet_size(5);
    let l = d.layout(&bytes);
    assert_eq!(l.result, d.decode(&bytes));
    assert!(matches!(
        l.result,
        Err(DecodeError::Invalid { offset: 1, .. })
    ));
    assert!(l.fields.iter().all(|f| f.start <= 1));
}

/// Every malformed case of the scenario files: the decoder's error, and the fields up to it.
#[test]
fn the_malformed_scenarios_point_into_their_fields() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("codec-") || !name.ends_with(".json") {
            continue;
        }
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let version = match file["version"].as_str().unwrap() {
            "5" => ProtocolVersion::V5,
            _ => ProtocolVersion::V311,
        };
        let mut decoder = Decoder::new(version);
        if let Some(max) = file.get("max_packet_size").and_then(Value::as_u64) {
            decoder = decoder.with_max_packet_size(u32::try_from(max).unwrap());
        }
        for case in file["cases"].as_array().unwrap() {
            let Some(want) = case.get("expect_error") else {
                continue;
            };
            let hex: String = case["hex"].as_str().unwrap().replace(' ', "");
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            let l = decoder.layout(&bytes);
            let offset = usize::try_from(want["offset"].as_u64().unwrap()).unwrap();
            match l.result {
                Err(DecodeError::Invalid {
                    offset: o,
                    violation,
                }) => {
                    assert_eq!(o, offset, "{name}: {case}");
                    assert_eq!(violation.code(), want["violation"].as_str().unwrap());
                }
                other => panic!("{name}: {case}: {other:?}"),
            }
            assert!(l.fields.iter().all(|f| f.start <= offset), "{name}: {case}");
            // The fixed header is always shown: its first field starts at byte 0.
            assert_eq!(
                l.fields.first().map(|f| f.key),
                Some("fixed_header"),
                "{name}: {case}"
            );
            cases += 1;
        }
    }
    assert!(cases >= 30, "only {cases} malformed cases found");
}
