//! Session benchmark (issue 3): the client state machine in memory, against the scripted broker
//! of `iotmqtt::testing`, with the bare codec work of the same exchange as the baseline measured
//! in the same run.
//!
//! Rows:
//! - `qos1 round trip`: `publish` → `poll_transmit` → broker decodes and answers PUBACK →
//!   `handle_bytes` → `poll_event` (`PublishAcked`), one message at a time;
//! - `qos1 pipelined`: the same with up to 32 messages in flight per exchange;
//! - `codec only` (baseline): encode the PUBLISH, decode it, encode the PUBACK, decode it —
//!   the wire work of one round trip with no session around it;
//! - `rumqttc MqttState` (peer, 3.1.1): rumqttc 0.25's client state machine and codec doing the
//!   same round trip against the same scripted broker (`handle_outgoing_packet`, write, broker,
//!   read, `handle_incoming_packet`, drain its events).
//!
//! The payload is a 128-byte JSON property report on the IoTDA topic
//! `$oc/devices/{id}/sys/properties/report`. Each figure is the median of the timed samples:
//! `BENCH_ROUNDS` (default 31) rounds, each timing every row once for ~100 ms, so load from
//! elsewhere on the machine is spread over all rows; `BENCH_QUICK=1` runs one short round.
//!
//! Memory: a counting global allocator reports the heap one idle connected session holds
//! (after CONNECT/CONNACK and all polls), the `Client` value itself boxed on the heap too; and,
//! for context, what a fresh `rumqttc::MqttState` holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant as WallClock};

use iotmqtt::client::{Client, ClientConfig, Credentials, Event, Password};
use iotmqtt::testing::{Peer, ScriptedBroker};
use iotmqtt::{
    Decoder, Instant, Packet, PacketId, Properties, ProtocolVersion, PubAck, Publish, QoS, encode,
};

/// Counts live heap bytes and allocation calls.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        CALLS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        CALLS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const DEVICE_ID: &str = "65a1b2c3d4e5f60718293a4b_sensor-0001";

fn topic() -> String {
    format!("$oc/devices/{DEVICE_ID}/sys/properties/report")
}

fn payload() -> Vec<u8> {
    let mut s =
        String::from(r#"{"services":[{"service_id":"env","properties":{"temp":23.5,"note":""#);
    let tail = r#""},"event_time":"20261126T174500Z"}]}"#;
    while s.len() + tail.len() < 128 {
        s.push('x');
    }
    s.push_str(tail);
    s.into_bytes()
}

const PASSWORD: &[u8] = b"8c5f0e7f2a4b6d9e1c3a5b7d9f0e2c4a6b8d0f1e3c5a7b9d1f3e5c7a9b0d2f4e";

/// An IoTDA-style device: 49-byte client id, keep-alive 120 s, and either credentials asked
/// before each CONNECT (IoTDA passwords are time-limited, so the device profile asks) or static
/// ones kept in the config.
fn config(v: ProtocolVersion, static_credentials: bool) -> ClientConfig {
    let mut c = ClientConfig::new(format!("{DEVICE_ID}_0_0_2026112617"));
    c.protocol = v;
    c.keep_alive = 120;
    c.credentials = if static_credentials {
        Credentials::Static {
            username: Some(DEVICE_ID.into()),
            password: Some(Password::new(PASSWORD.to_vec())),
        }
    } else {
        Credentials::AskEachTime
    };
    c
}

/// A client connected to a scripted broker that acknowledges and records nothing else.
fn pair(v: ProtocolVersion) -> (Client, ScriptedBroker) {
    pair_with(config(v, false))
}

fn pair_with(config: ClientConfig) -> (Client, ScriptedBroker) {
    let v = config.protocol;
    let now = Instant::ZERO;
    let mut c = Client::new(config);
    let mut b = ScriptedBroker::new();
    b.record = false;
    b.echo = false;
    c.connect().expect("valid config");
    b.handle_connected(now);
    c.handle_connected(now);
    let mut buf = Vec::new();
    for _ in 0..4 {
        exchange(&mut c, &mut b, &mut buf);
        while let Some(e) = c.poll_event() {
            if e == Event::CredentialsNeeded {
                c.set_credentials(Some(DEVICE_ID), Some(PASSWORD))
                    .expect("credentials");
            }
        }
    }
    assert!(c.is_connected(), "{v}");
    (c, b)
}

/// What the client has to send goes to the broker, and the broker's answer back.
fn exchange(c: &mut Client, b: &mut ScriptedBroker, buf: &mut Vec<u8>) {
    let now = Instant::ZERO;
    buf.clear();
    let _ = c.poll_transmit(now, buf);
    b.handle_bytes(now, buf);
    buf.clear();
    let _ = b.poll_transmit(now, buf);
    c.handle_bytes(now, buf);
}

struct Workload {
    name: String,
    /// Runs `n` round trips; returns how many acknowledgements it saw.
    run: Box<dyn FnMut(u64) -> u64>,
}

/// `batch` messages are published, then one exchange each way carries them and their PUBACKs
/// (1 = one round trip at a time).
fn through_session(v: ProtocolVersion, batch: u64) -> Workload {
    let (mut c, mut b) = pair(v);
    let (topic, payload) = (topic(), payload());
    let mut buf = Vec::with_capacity(64 * 1024);
    let name = if batch == 1 {
        format!("qos1 round trip ({v})")
    } else {
        format!("qos1 pipelined, {batch} in flight ({v})")
    };
    Workload {
        name,
        run: Box::new(move |n| {
            let mut acked = 0;
            let mut sent = 0;
            while sent < n {
                let k = (n - sent).min(batch);
                for _ in 0..k {
                    let id = c.publish(
                        &topic,
                        &payload,
                        QoS::AtLeastOnce,
                        false,
                        Properties::empty(),
                    );
                    black_box(id.expect("publish"));
                }
                sent += k;
                exchange(&mut c, &mut b, &mut buf);
                while let Some(e) = c.poll_event() {
                    if matches!(e, Event::PublishAcked { .. }) {
                        acked += 1;
                    }
                    black_box(e);
                }
            }
            acked
        }),
    }
}

fn codec_only(v: ProtocolVersion) -> Workload {
    let (topic, payload) = (topic(), payload());
    let mut buf = Vec::with_capacity(4096);
    let mut ack = Vec::with_capacity(64);
    let decoder = Decoder::new(v);
    Workload {
        name: format!("codec only, baseline ({v})"),
        run: Box::new(move |n| {
            let mut acked = 0;
            for i in 0..n {
                let id = PacketId::new((i % 65_535) as u16 + 1).expect("non-zero");
                let p = Publish {
                    dup: false,
                    qos: QoS::AtLeastOnce,
                    retain: false,
                    topic: &topic,
                    packet_id: Some(id),
                    properties: Properties::empty(),
                    payload: &payload,
                };
                buf.clear();
                encode(&Packet::Publish(p), v, &mut buf).expect("encode");
                let got = decoder.decode(&buf).expect("decode").packet;
                let Packet::Publish(p) = got else {
                    unreachable!()
                };
                ack.clear();
                encode(
                    &Packet::PubAck(PubAck::new(p.packet_id.expect("id"))),
                    v,
                    &mut ack,
                )
                .expect("encode");
                if let Packet::PubAck(a) = decoder.decode(&ack).expect("decode").packet {
                    black_box(a);
                    acked += 1;
                }
            }
            acked
        }),
    }
}

fn rumqttc_state() -> Workload {
    use bytes::BytesMut;
    use rumqttc::{Event as REvent, MqttState, Packet as RPacket, Publish as RPublish, Request};
    let mut state = MqttState::new(32, false);
    let mut b = ScriptedBroker::new();
    b.record = false;
    b.echo = false;
    b.version = ProtocolVersion::V311;
    b.handle_connected(Instant::ZERO);
    let (topic, payload) = (topic(), payload());
    let mut wire = BytesMut::with_capacity(4096);
    let mut rx = BytesMut::with_capacity(4096);
    let mut buf = Vec::with_capacity(4096);
    Workload {
        name: "rumqttc MqttState, peer (3.1.1)".into(),
        run: Box::new(move |n| {
            let now = Instant::ZERO;
            let mut acked = 0;
            for _ in 0..n {
                // rumqttc's client API takes an owned topic and payload, as `publish` copies ours.
                let p = RPublish::new(
                    topic.as_str(),
                    rumqttc::QoS::AtLeastOnce,
                    payload.as_slice(),
                );
                let out = state
                    .handle_outgoing_packet(Request::Publish(p))
                    .expect("publish");
                wire.clear();
                if let Some(packet) = out {
                    packet.write(&mut wire, 1 << 20).expect("write");
                }
                b.handle_bytes(now, &wire);
                buf.clear();
                let _ = b.poll_transmit(now, &mut buf);
                rx.clear();
                rx.extend_from_slice(&buf);
                let incoming = RPacket::read(&mut rx, 1 << 20).expect("read");
                let reply = state.handle_incoming_packet(incoming).expect("incoming");
                black_box(reply);
                while let Some(e) = state.events.pop_front() {
                    if matches!(e, REvent::Incoming(RPacket::PubAck(_))) {
                        acked += 1;
                    }
                    black_box(e);
                }
            }
            acked
        }),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Heap bytes held by one idle connected session (client boxed), and by its owned data alone.
/// The config's strings are counted: they are part of what the session holds.
fn idle_session_bytes(v: ProtocolVersion, static_credentials: bool) -> (usize, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let (c, b) = pair_with(config(v, static_credentials));
    drop(b);
    let owned = LIVE.load(Ordering::Relaxed) - before;
    let boxed = Box::new(c);
    let with_struct = LIVE.load(Ordering::Relaxed) - before;
    black_box(&boxed);
    (with_struct, owned)
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if quick { 1 } else { 31 });
    let (samples, sample_time) = if quick {
        (3, Duration::from_millis(50))
    } else {
        (1, Duration::from_millis(100))
    };
    let mut rows: Vec<Workload> = Vec::new();
    for v in [ProtocolVersion::V5, ProtocolVersion::V311] {
        rows.push(through_session(v, 1));
        rows.push(through_session(v, 32));
        rows.push(codec_only(v));
    }
    rows.push(rumqttc_state());
    // Calibrate each row to about `sample_time` per sample.
    let mut iters: Vec<u64> = rows
        .iter_mut()
        .map(|w| {
            let mut n = 1_000u64;
            loop {
                let t = WallClock::now();
                assert_eq!((w.run)(n), n, "{}: every message acknowledged", w.name);
                let e = t.elapsed();
                if e >= sample_time / 4 || n > 1 << 30 {
                    let scale = sample_time.as_secs_f64() / e.as_secs_f64().max(1e-9);
                    break ((n as f64 * scale) as u64).max(1);
                }
                n *= 4;
            }
        })
        .collect();
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    let mut allocs: Vec<f64> = vec![0.0; rows.len()];
    for _ in 0..rounds {
        for (i, w) in rows.iter_mut().enumerate() {
            for _ in 0..samples {
                let calls = CALLS.load(Ordering::Relaxed);
                let t = WallClock::now();
                let acked = (w.run)(iters[i]);
                let e = t.elapsed();
                assert_eq!(acked, iters[i], "{}", w.name);
                rates[i].push(iters[i] as f64 / e.as_secs_f64());
                allocs[i] = (CALLS.load(Ordering::Relaxed) - calls) as f64 / iters[i] as f64;
            }
        }
        iters.iter_mut().for_each(|n| *n = (*n).max(1));
    }
    println!(
        "| workload | round trips/s (median) | ns per round trip | allocations per round trip |"
    );
    println!("|---|---:|---:|---:|");
    for (i, w) in rows.iter().enumerate() {
        let rate = median(rates[i].clone());
        println!(
            "| {} | {:.2} M | {:.0} | {:.2} |",
            w.name,
            rate / 1e6,
            1e9 / rate,
            allocs[i]
        );
    }
    println!();
    println!("| idle connected session | heap bytes, Client boxed | heap bytes it owns |");
    println!("|---|---:|---:|");
    for v in [ProtocolVersion::V5, ProtocolVersion::V311] {
        for (label, fixed) in [
            ("credentials asked each time", false),
            ("static credentials", true),
        ] {
            let before = LIVE.load(Ordering::Relaxed);
            let (with_struct, owned) = idle_session_bytes(v, fixed);
            assert_eq!(LIVE.load(Ordering::Relaxed), before, "everything was freed");
            println!("| MQTT {v}, {label} | {with_struct} | {owned} |");
        }
    }
    let before = LIVE.load(Ordering::Relaxed);
    let peer = Box::new(rumqttc::MqttState::new(32, false));
    let peer_bytes = LIVE.load(Ordering::Relaxed) - before;
    black_box(&peer);
    println!("| context: fresh `rumqttc::MqttState::new(32, false)`, boxed | {peer_bytes} | |");
    println!(
        "\nsize_of::<Client>() = {} bytes",
        std::mem::size_of::<Client>()
    );
}
