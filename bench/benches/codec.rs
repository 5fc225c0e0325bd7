//! Codec benchmark: iotmqtt against the peer Rust MQTT codecs and a memcpy of the same bytes,
//! all measured in one run on identical bytes.
//!
//! Workloads (issue 2):
//! (a) decode PUBLISH QoS 1, 128 B JSON payload, topic `$oc/devices/{id}/sys/properties/report`
//! (b) the same with a 16 KiB payload
//! (c) encode that PUBLISH (128 B) into a reused buffer
//! (d) decode a control mix: PUBACK, PINGRESP, SUBACK with 4 codes, CONNACK
//! (e) decode CONNECT with user name, password and a 100-character client id
//!
//! Every iteration walks a batch of packets laid out back to back, the way a socket read buffer
//! holds them. Every decoder's result is observed by reference (`black_box(result.as_ref())`),
//! so no codec pays for moving its packet type around. Two baselines copy the same bytes into a reused buffer: `memcpy` in one call for
//! the whole batch, `memcpy per packet` one call per packet.
//!
//! Each figure is the median of 61 rounds (`BENCH_ROUNDS`); a round times every row once (a
//! 4 ms sample after a 3 ms warm-up), the rows of one workload back to back, so a burst of load
//! from elsewhere on the machine is spread over all rows instead of skewing one. `BENCH_QUICK=1` makes one short round (a smoke test).
//! `BENCH_FILTER=text` runs only the workloads whose name contains `text`, `BENCH_CODEC=text`
//! only the codecs whose name does (the baselines always run).

mod nom_publish;

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use iotmqtt::{
    Connack, Connect, ConnectReason, Decoder, List, Packet, PacketId, Properties, ProtocolVersion,
    PubAck, Publish, QoS, SubAck, SubAckReason, encode,
};

const DEVICE_ID: &str = "65a1b2c3d4e5f60718293a4b_sensor-0001";

fn topic() -> String {
    format!("$oc/devices/{DEVICE_ID}/sys/properties/report")
}

/// A JSON property report of exactly `len` bytes.
fn json_payload(len: usize) -> Vec<u8> {
    let head = r#"{"services":[{"service_id":"env","properties":{"temp":23.5,"hum":41,"note":""#;
    let tail = r#""},"event_time":"20261126T174500Z"}]}"#;
    assert!(head.len() + tail.len() <= len);
    let mut s = String::from(head);
    let fill = len - head.len() - tail.len();
    s.extend(std::iter::repeat_n('x', fill));
    s.push_str(tail);
    assert_eq!(s.len(), len);
    s.into_bytes()
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn iot_encode(p: &Packet<'_>, v: ProtocolVersion) -> Vec<u8> {
    let mut out = Vec::new();
    encode(p, v, &mut out).unwrap();
    out
}

/// The packets of one workload iteration, encoded for `v` (by iotmqtt; every peer decodes the
/// same bytes and is checked to understand them).
fn publish_bytes(payload: &[u8], v: ProtocolVersion) -> Vec<u8> {
    let t = topic();
    let p = Packet::Publish(Publish {
        qos: QoS::AtLeastOnce,
        packet_id: Some(pid(10)),
        ..Publish::new(&t, payload)
    });
    iot_encode(&p, v)
}

fn control_mix(v: ProtocolVersion) -> Vec<Vec<u8>> {
    let codes = [
        SubAckReason::GrantedQos0,
        SubAckReason::GrantedQos1,
        SubAckReason::GrantedQos2,
        SubAckReason::UnspecifiedError,
    ];
    vec![
        iot_encode(&Packet::PubAck(PubAck::new(pid(7))), v),
        iot_encode(&Packet::PingResp, v),
        iot_encode(
            &Packet::SubAck(SubAck {
                packet_id: pid(8),
                properties: Properties::empty(),
                reasons: List::new(&codes),
            }),
            v,
        ),
        iot_encode(
            &Packet::Connack(Connack {
                session_present: false,
                reason: ConnectReason::Success,
                properties: Properties::empty(),
            }),
            v,
        ),
    ]
}

fn client_id() -> String {
    let mut id = String::from(DEVICE_ID);
    id.push_str("_0_0_2026112617");
    while id.len() < 100 {
        id.push('z');
    }
    id
}

fn connect_bytes(v: ProtocolVersion) -> Vec<u8> {
    let id = client_id();
    assert_eq!(id.len(), 100);
    let p = Packet::Connect(Connect {
        protocol: v,
        clean_start: true,
        keep_alive: 120,
        properties: Properties::empty(),
        client_id: &id,
        will: None,
        username: Some(DEVICE_ID),
        password: Some(b"7f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    });
    iot_encode(&p, v)
}

// ------------------------------------------------------------------------------------ harness

struct Measure {
    quick: bool,
    /// Only codecs whose name contains this (`BENCH_CODEC`), memcpy always.
    codec: Option<String>,
}

impl Measure {
    fn wants(&self, codec: &str) -> bool {
        codec == "memcpy" || self.codec.as_deref().is_none_or(|c| codec.contains(c))
    }

    /// Timed samples (nanoseconds per call of `f`, which always runs once first so its output
    /// can be checked), or `None` when `codec` is filtered out.
    fn run(&self, codec: &str, mut f: impl FnMut()) -> Option<Vec<f64>> {
        f();
        if !self.wants(codec) {
            return None;
        }
        let (warm, sample, samples) = if self.quick {
            (Duration::from_millis(2), Duration::from_millis(1), 1)
        } else {
            (Duration::from_millis(3), Duration::from_millis(4), 1)
        };
        let start = Instant::now();
        let mut calls: u64 = 0;
        while start.elapsed() < warm {
            f();
            calls += 1;
        }
        let per_call = start.elapsed().as_secs_f64() / calls as f64;
        let n = ((sample.as_secs_f64() / per_call) as u64).max(1);
        let times: Vec<f64> = (0..samples)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..n {
                    f();
                }
                t.elapsed().as_secs_f64() * 1e9 / n as f64
            })
            .collect();
        Some(times)
    }
}

/// One measured row: samples of nanoseconds per packet, gathered over every round.
struct Row {
    workload: &'static str,
    version: &'static str,
    codec: &'static str,
    peer: bool,
    samples: Vec<f64>,
    ns_per_packet: f64,
    bytes_per_packet: f64,
}

/// Adds one round's samples to the row they belong to.
fn record(
    rows: &mut Vec<Row>,
    (workload, version, codec, peer): (&'static str, &'static str, &'static str, bool),
    samples: Vec<f64>,
    bytes_per_packet: f64,
) {
    match rows
        .iter_mut()
        .find(|r| (r.workload, r.version, r.codec) == (workload, version, codec))
    {
        Some(r) => r.samples.extend(samples),
        None => rows.push(Row {
            workload,
            version,
            codec,
            peer,
            samples,
            ns_per_packet: f64::NAN,
            bytes_per_packet,
        }),
    }
}

/// A batch: the workload's packets repeated back to back.
struct Batch {
    bytes: Vec<u8>,
    lens: Vec<usize>,
}

impl Batch {
    fn new(packets: &[Vec<u8>], target: usize) -> Self {
        let one: usize = packets.iter().map(Vec::len).sum();
        let reps = (target / one).max(1);
        let mut bytes = Vec::with_capacity(one * reps);
        let mut lens = Vec::new();
        for _ in 0..reps {
            for p in packets {
                bytes.extend_from_slice(p);
                lens.push(p.len());
            }
        }
        Batch { bytes, lens }
    }

    fn packets(&self) -> usize {
        self.lens.len()
    }
}

const BATCH_BYTES: usize = 12 * 1024;

// --------------------------------------------------------------------------- decoders on a batch

fn iot_decode(batch: &Batch, v: ProtocolVersion) {
    let dec = Decoder::new(v);
    let buf = &batch.bytes[..];
    let mut pos = 0;
    while pos < buf.len() {
        let r = dec.decode(&buf[pos..]);
        let d = r.as_ref().unwrap();
        black_box(&d.packet);
        pos += d.len;
    }
}

/// The nom-written PUBLISH decoder of `nom_publish.rs` (workloads (a) and (b) only).
fn nom_decode(batch: &Batch, v: ProtocolVersion) {
    let v5 = v == ProtocolVersion::V5;
    let mut rest = &batch.bytes[..];
    while !rest.is_empty() {
        let (after, p) = nom_publish::publish(rest, v5).unwrap();
        black_box(&p);
        rest = after;
    }
}

fn mqttrs_decode(batch: &Batch) {
    let buf = &batch.bytes[..];
    let mut pos = 0;
    for len in &batch.lens {
        let r = mqttrs::decode_slice(&buf[pos..]);
        black_box(r.as_ref().unwrap().as_ref().unwrap());
        pos += len;
    }
}

/// rumqttc's `Packet::read` splits the packet off a `BytesMut`, freezes it and hands the `Bytes`
/// to the packet's `read`. Here the packets are `Bytes` slices of one shared buffer instead, so no
/// copy into a fresh `BytesMut` is charged to the peer.
macro_rules! bytes_codec_decode {
    ($name:ident, $check:path, $fh_ty:ty, $pt:path, $max:expr, $($m:ident)::+) => {
        fn $name(buf: &Bytes) {
            use $($m)::+ as m;
            let mut pos = 0;
            while pos < buf.len() {
                let fh: $fh_ty = $check(buf[pos..].iter(), $max).unwrap();
                let len = fh.frame_length();
                let frame = buf.slice(pos..pos + len);
                match fh.packet_type().unwrap() {
                    <$pt>::Publish => {
                        let r = m::Publish::read(fh, frame);
                        black_box(r.as_ref().unwrap());
                    }
                    <$pt>::PubAck => {
                        let r = m::PubAck::read(fh, frame);
                        black_box(r.as_ref().unwrap());
                    }
                    <$pt>::SubAck => {
                        let r = m::SubAck::read(fh, frame);
                        black_box(r.as_ref().unwrap());
                    }
                    <$pt>::ConnAck => {
                        let r = m::ConnAck::read(fh, frame);
                        black_box(r.as_ref().unwrap());
                    }
                    <$pt>::Connect => {
                        let r = m::Connect::read(fh, frame);
                        black_box(r.as_ref().unwrap());
                    }
                    <$pt>::PingResp => {
                        black_box(&frame);
                    }
                    other => panic!("unexpected {other:?}"),
                }
                pos += len;
            }
        }
    };
}

bytes_codec_decode!(
    rumqttc_v4_decode,
    rumqttc::mqttbytes::check,
    rumqttc::mqttbytes::FixedHeader,
    rumqttc::mqttbytes::PacketType,
    usize::MAX,
    rumqttc::mqttbytes::v4
);
bytes_codec_decode!(
    rumqttc_v5_decode,
    rumqttc::v5::mqttbytes::v5::check,
    rumqttc::v5::mqttbytes::v5::FixedHeader,
    rumqttc::v5::mqttbytes::v5::PacketType,
    None,
    rumqttc::v5::mqttbytes::v5
);
bytes_codec_decode!(
    mqtt_bytes_v5_decode,
    mqtt_bytes_v5::check,
    mqtt_bytes_v5::FixedHeader,
    mqtt_bytes_v5::PacketType,
    None,
    mqtt_bytes_v5
);

fn mqtt_protocol_decode(batch: &Batch) {
    use mqtt::Decodable;
    let mut cur = Cursor::new(&batch.bytes[..]);
    for _ in 0..batch.packets() {
        let r = mqtt::packet::VariablePacket::decode(&mut cur);
        black_box(r.as_ref().unwrap());
    }
}

fn memcpy(batch: &Batch, dst: &mut [u8]) {
    dst.copy_from_slice(black_box(&batch.bytes[..]));
    black_box(&dst[..]);
}

/// The same bytes copied packet by packet (one `copy_from_slice` per packet), the least work a
/// per-packet decoder could do.
fn memcpy_each(batch: &Batch, dst: &mut [u8]) {
    let src = black_box(&batch.bytes[..]);
    let mut pos = 0;
    for len in &batch.lens {
        dst[pos..pos + len].copy_from_slice(&src[pos..pos + len]);
        black_box(&dst[pos..pos + len]);
        pos += len;
    }
}

// ------------------------------------------------------------------------------ sanity checks

/// Every peer must decode the workload's bytes into the right packet before it is timed.
fn check_peers_understand(batch: &Batch, v: ProtocolVersion) {
    let first = batch.lens[0];
    let one = &batch.bytes[..first];
    let expect_topic = topic();
    if one.first().is_some_and(|b| b >> 4 == 3) {
        let (rest, p) = nom_publish::publish(one, v == ProtocolVersion::V5).unwrap();
        assert!(rest.is_empty());
        assert_eq!(p.topic, expect_topic);
        assert_eq!(
            (p.qos, p.dup, p.retain, p.packet_id),
            (1, false, false, Some(10))
        );
        assert!(p.payload.len() >= 128);
    }
    match v {
        ProtocolVersion::V311 => {
            if let Ok(Some(mqttrs::Packet::Publish(p))) = mqttrs::decode_slice(one) {
                assert_eq!(p.topic_name, expect_topic);
            }
            let mut bm = BytesMut::from(one);
            let p = rumqttc::mqttbytes::v4::Packet::read(&mut bm, usize::MAX).unwrap();
            if let rumqttc::mqttbytes::v4::Packet::Publish(p) = p {
                assert_eq!(p.topic, expect_topic);
                assert_eq!(p.pkid, 10);
            }
            use mqtt::Decodable;
            let p = mqtt::packet::VariablePacket::decode(&mut Cursor::new(one)).unwrap();
            if let mqtt::packet::VariablePacket::PublishPacket(p) = p {
                assert_eq!(p.topic_name(), expect_topic);
            }
        }
        ProtocolVersion::V5 => {
            let mut bm = BytesMut::from(one);
            let p = rumqttc::v5::mqttbytes::v5::Packet::read(&mut bm, None).unwrap();
            if let rumqttc::v5::mqttbytes::v5::Packet::Publish(p) = p {
                assert_eq!(p.topic, expect_topic.as_bytes());
            }
            let mut bm = BytesMut::from(one);
            let p = mqtt_bytes_v5::Packet::read(&mut bm, None).unwrap();
            if let mqtt_bytes_v5::Packet::Publish(p) = p {
                assert_eq!(p.topic, expect_topic);
            }
        }
    }
}

// ------------------------------------------------------------------------------------ encoders

struct EncodeFixtures {
    topic: String,
    payload: Vec<u8>,
}

const ENCODE_REPS: usize = 64;

fn run_encode(m: &Measure, v: ProtocolVersion, fx: &EncodeFixtures, rows: &mut Vec<Row>) {
    let vname = vname(v);
    let wl = "(c) encode PUBLISH QoS1 128 B";
    let t = &fx.topic;
    let payload = &fx.payload[..];
    let mut ours = Packet::Publish(Publish {
        qos: QoS::AtLeastOnce,
        packet_id: Some(pid(10)),
        ..Publish::new(t, payload)
    });
    let one = iot_encode(&ours, v);
    let total = one.len() * ENCODE_REPS;
    let mut push = |codec: &'static str, peer: bool, ns: Option<Vec<f64>>| {
        let Some(ns) = ns else { return };
        let per_packet = ns.iter().map(|t| t / ENCODE_REPS as f64).collect();
        record(rows, (wl, vname, codec, peer), per_packet, one.len() as f64);
    };
    // memcpy of the same bytes into a reused buffer.
    let src: Vec<u8> = one.repeat(ENCODE_REPS);
    let mut dst = vec![0u8; total];
    push(
        "memcpy",
        false,
        m.run("memcpy", || {
            dst.copy_from_slice(black_box(&src[..]));
            black_box(&dst[..]);
        }),
    );
    push(
        "memcpy per packet",
        false,
        m.run("memcpy per packet", || {
            for (d, s) in dst
                .chunks_exact_mut(one.len())
                .zip(src.chunks_exact(one.len()))
            {
                d.copy_from_slice(black_box(s));
                black_box(&d[..]);
            }
        }),
    );
    // iotmqtt: append to a reused Vec.
    let mut out: Vec<u8> = Vec::with_capacity(total);
    push(
        "iotmqtt",
        false,
        m.run("iotmqtt", || {
            out.clear();
            for _ in 0..ENCODE_REPS {
                encode(&*black_box(&mut ours), v, &mut out).unwrap();
            }
            black_box(&out[..]);
        }),
    );
    assert_eq!(out, src);
    // iotmqtt with the packet checked once, outside the loop (as mqtt-protocol checks when it
    // builds its packet): `encode` only copies.
    let Packet::Publish(p) = ours else {
        unreachable!("the workload is a PUBLISH")
    };
    let mut checked = iotmqtt::ValidatedPublish::new(p, v).unwrap();
    push(
        "iotmqtt (ValidatedPublish)",
        false,
        m.run("iotmqtt (ValidatedPublish)", || {
            out.clear();
            for _ in 0..ENCODE_REPS {
                black_box(&mut checked).encode(&mut out);
            }
            black_box(&out[..]);
        }),
    );
    assert_eq!(out, src);
    // The same, with the packet identifier and the payload set for every packet (the topic is
    // not checked again; the payload's size is).
    let mut payload_ref = payload;
    push(
        "iotmqtt (ValidatedPublish, id + payload set each)",
        false,
        m.run("iotmqtt (ValidatedPublish, id + payload set each)", || {
            out.clear();
            for _ in 0..ENCODE_REPS {
                checked.set_packet_id(pid(10)).unwrap();
                checked.set_payload(black_box(&mut payload_ref)).unwrap();
                checked.encode(&mut out);
            }
            black_box(&out[..]);
        }),
    );
    assert_eq!(out, src);
    let mut slice = vec![0u8; total];
    push(
        "iotmqtt (slice)",
        false,
        m.run("iotmqtt (slice)", || {
            let mut pos = 0;
            for _ in 0..ENCODE_REPS {
                pos +=
                    iotmqtt::encode_to_slice(&*black_box(&mut ours), v, &mut slice[pos..]).unwrap();
            }
            black_box(&slice[..]);
        }),
    );
    assert_eq!(slice, src);
    let mut bm = BytesMut::with_capacity(total);
    match v {
        ProtocolVersion::V311 => {
            let mut p = mqttrs::Packet::Publish(mqttrs::Publish {
                dup: false,
                qospid: mqttrs::QosPid::AtLeastOnce(mqttrs::Pid::try_from(10).unwrap()),
                retain: false,
                topic_name: t,
                payload,
            });
            let mut buf = vec![0u8; total];
            push(
                "mqttrs",
                true,
                m.run("mqttrs", || {
                    let mut pos = 0;
                    for _ in 0..ENCODE_REPS {
                        pos += mqttrs::encode_slice(&*black_box(&mut p), &mut buf[pos..]).unwrap();
                    }
                    black_box(&buf[..]);
                }),
            );
            assert_eq!(buf, src);
            let mut p = rumqttc::mqttbytes::v4::Publish::new(
                t.as_str(),
                rumqttc::mqttbytes::QoS::AtLeastOnce,
                payload.to_vec(),
            );
            p.pkid = 10;
            push(
                "rumqttc v4",
                true,
                m.run("rumqttc v4", || {
                    bm.clear();
                    for _ in 0..ENCODE_REPS {
                        black_box(&mut p).write(&mut bm).unwrap();
                    }
                    black_box(&bm[..]);
                }),
            );
            assert_eq!(&bm[..], &src[..]);
            let mut p = mqtt::packet::PublishPacket::new(
                mqtt::TopicName::new(t.clone()).unwrap(),
                mqtt::packet::QoSWithPacketIdentifier::Level1(10),
                payload.to_vec(),
            );
            let mut out: Vec<u8> = Vec::with_capacity(total);
            push(
                "mqtt-protocol",
                true,
                m.run("mqtt-protocol", || {
                    out.clear();
                    for _ in 0..ENCODE_REPS {
                        mqtt::Encodable::encode(&*black_box(&mut p), &mut out).unwrap();
                    }
                    black_box(&out[..]);
                }),
            );
            assert_eq!(out, src);
            // Context, not a peer row: mqtt-protocol validates the topic and computes the length
            // when the packet is built, so this is its cost per message from a topic and payload.
            push(
                "mqtt-protocol (build + encode)",
                false,
                m.run("mqtt-protocol (build + encode)", || {
                    out.clear();
                    for _ in 0..ENCODE_REPS {
                        let p = mqtt::packet::PublishPacket::new(
                            mqtt::TopicName::new(black_box(t.as_str()).to_string()).unwrap(),
                            mqtt::packet::QoSWithPacketIdentifier::Level1(10),
                            black_box(payload).to_vec(),
                        );
                        mqtt::Encodable::encode(&p, &mut out).unwrap();
                    }
                    black_box(&out[..]);
                }),
            );
            assert_eq!(out, src);
        }
        ProtocolVersion::V5 => {
            let mut p = rumqttc::v5::mqttbytes::v5::Publish::new(
                t.as_str(),
                rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
                payload.to_vec(),
                None,
            );
            p.pkid = 10;
            push(
                "rumqttc v5",
                true,
                m.run("rumqttc v5", || {
                    bm.clear();
                    for _ in 0..ENCODE_REPS {
                        black_box(&mut p).write(&mut bm).unwrap();
                    }
                    black_box(&bm[..]);
                }),
            );
            assert_eq!(&bm[..], &src[..]);
            let mut p = mqtt_bytes_v5::Publish::new(
                t.as_str(),
                mqtt_bytes_v5::QoS::AtLeastOnce,
                payload.to_vec(),
                None,
            );
            p.pkid = 10;
            push(
                "mqtt-bytes-v5",
                true,
                m.run("mqtt-bytes-v5", || {
                    bm.clear();
                    for _ in 0..ENCODE_REPS {
                        black_box(&mut p).write(&mut bm).unwrap();
                    }
                    black_box(&bm[..]);
                }),
            );
            assert_eq!(&bm[..], &src[..]);
        }
    }
}

fn vname(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V311 => "3.1.1",
        ProtocolVersion::V5 => "5.0",
    }
}

fn run_decode(
    m: &Measure,
    wl: &'static str,
    v: ProtocolVersion,
    packets: &[Vec<u8>],
    target: usize,
    rows: &mut Vec<Row>,
) {
    let batch = Batch::new(packets, target);
    check_peers_understand(&batch, v);
    let n = batch.packets() as f64;
    let bpp = batch.bytes.len() as f64 / n;
    let mut push = |codec: &'static str, peer: bool, ns: Option<Vec<f64>>| {
        let Some(ns) = ns else { return };
        let per_packet = ns.iter().map(|t| t / n).collect();
        record(rows, (wl, vname(v), codec, peer), per_packet, bpp);
    };
    let mut dst = vec![0u8; batch.bytes.len()];
    push(
        "memcpy",
        false,
        m.run("memcpy", || memcpy(&batch, &mut dst)),
    );
    push(
        "memcpy per packet",
        false,
        m.run("memcpy per packet", || memcpy_each(&batch, &mut dst)),
    );
    push("iotmqtt", false, m.run("iotmqtt", || iot_decode(&batch, v)));
    if wl.contains("PUBLISH") {
        push(
            "same checks with nom",
            false,
            m.run("same checks with nom", || nom_decode(&batch, v)),
        );
    }
    let shared = Bytes::from(batch.bytes.clone());
    match v {
        ProtocolVersion::V311 => {
            push("mqttrs", true, m.run("mqttrs", || mqttrs_decode(&batch)));
            push(
                "rumqttc v4",
                true,
                m.run("rumqttc v4", || rumqttc_v4_decode(&shared)),
            );
            push(
                "mqtt-protocol",
                true,
                m.run("mqtt-protocol", || mqtt_protocol_decode(&batch)),
            );
        }
        ProtocolVersion::V5 => {
            push(
                "rumqttc v5",
                true,
                m.run("rumqttc v5", || rumqttc_v5_decode(&shared)),
            );
            push(
                "mqtt-bytes-v5",
                true,
                m.run("mqtt-bytes-v5", || mqtt_bytes_v5_decode(&shared)),
            );
        }
    }
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let filter = std::env::var("BENCH_FILTER").ok();
    let m = Measure {
        quick,
        codec: std::env::var("BENCH_CODEC").ok(),
    };
    let mut rows = Vec::new();
    let small = json_payload(128);
    let large = json_payload(16 * 1024);
    let wants = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if quick { 1 } else { 61 });
    // Every round measures every row briefly, so a burst of load from elsewhere on the machine
    // spreads over all rows instead of skewing one; each figure is the median of all samples.
    for round in 0..rounds {
        eprintln!("round {}/{rounds}", round + 1);
        run_round(&m, &wants, &small, &large, &mut rows);
    }
    for r in &mut rows {
        r.samples.sort_by(f64::total_cmp);
        r.ns_per_packet = r.samples[r.samples.len() / 2];
    }
    print_table(&rows);
}

fn run_round(
    m: &Measure,
    wants: &dyn Fn(&str) -> bool,
    small: &[u8],
    large: &[u8],
    rows: &mut Vec<Row>,
) {
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let wl = "(a) decode PUBLISH QoS1 128 B";
        if wants(wl) {
            run_decode(m, wl, v, &[publish_bytes(small, v)], BATCH_BYTES, rows);
        }
        let wl = "(b) decode PUBLISH QoS1 16 KiB";
        if wants(wl) {
            run_decode(m, wl, v, &[publish_bytes(large, v)], 64 * 1024, rows);
        }
        if wants("(c) encode") {
            let fx = EncodeFixtures {
                topic: topic(),
                payload: small.to_vec(),
            };
            run_encode(m, v, &fx, rows);
        }
        let wl = "(d) decode control mix";
        if wants(wl) {
            run_decode(m, wl, v, &control_mix(v), BATCH_BYTES / 4, rows);
        }
        let wl = "(e) decode CONNECT";
        if wants(wl) {
            run_decode(m, wl, v, &[connect_bytes(v)], BATCH_BYTES, rows);
        }
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "| workload | version | codec | ns/packet | Mpackets/s | GB/s | × memcpy | × memcpy per packet | × fastest peer |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    let mut workloads: Vec<&str> = rows.iter().map(|r| r.workload).collect();
    workloads.sort();
    workloads.dedup();
    for wl in workloads {
        let in_wl: Vec<&Row> = rows.iter().filter(|r| r.workload == wl).collect();
        // The fastest peer of either version.
        let fastest = in_wl
            .iter()
            .filter(|r| r.peer)
            .min_by(|a, b| a.ns_per_packet.total_cmp(&b.ns_per_packet));
        let baseline = |name: &str, version: &str| {
            in_wl
                .iter()
                .find(|m| m.codec == name && m.version == version)
                .map_or(f64::NAN, |m| m.ns_per_packet)
        };
        for r in &in_wl {
            let is_baseline = r.codec.starts_with("memcpy");
            let vs_peer = match fastest {
                Some(f) if !is_baseline => format!("{:.2}", r.ns_per_packet / f.ns_per_packet),
                _ => String::new(),
            };
            println!(
                "| {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                r.workload,
                r.version,
                r.codec,
                r.ns_per_packet,
                1e3 / r.ns_per_packet,
                r.bytes_per_packet / r.ns_per_packet,
                r.ns_per_packet / baseline("memcpy", r.version),
                r.ns_per_packet / baseline("memcpy per packet", r.version),
                vs_peer,
            );
        }
        if let Some(f) = fastest {
            println!(
                "| {wl} | | fastest peer: {} ({}) | | | | | | |",
                f.codec, f.version
            );
        }
    }
}
