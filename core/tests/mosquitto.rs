//! The client against a real broker: mosquitto (Debian package; `make deps` installs it),
//! started by each test on a free loopback port and driven by a small blocking `std::net` loop.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant as WallClock};

use iotmqtt::client::{Client, ClientConfig, Event};
use iotmqtt::{Instant, Properties, ProtocolVersion, QoS, Subscription};

/// How long a step may take on a loaded machine before the test gives up.
const WAIT: Duration = Duration::from_secs(20);

/// A mosquitto process on a loopback port, with its own config and persistence directory,
/// killed by pid when dropped.
struct Broker {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// A loopback port nobody listens on, never the same twice in this test binary (the tests run
/// in parallel, each with its own broker).
fn free_port() -> u16 {
    static CLAIMED: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = l.local_addr().expect("local address").port();
        let mut claimed = CLAIMED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !claimed.contains(&port) {
            claimed.push(port);
            return port;
        }
    }
}

impl Broker {
    fn start(name: &str) -> Broker {
        loop {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("iotmqtt-{name}-{}-{port}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            // mosquitto started as root drops to its own user: let it write the database.
            let _ = Command::new("chmod").arg("777").arg(&dir).status();
            let conf = format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n\
                 persistence_location {}/\nmax_keepalive 65535\n",
                dir.display()
            );
            std::fs::write(dir.join("mosquitto.conf"), conf).expect("config");
            let mut b = Broker {
                port,
                dir,
                child: None,
            };
            // Another process may have taken the port meanwhile: then try another one.
            if b.spawn() {
                return b;
            }
        }
    }

    /// Starts mosquitto and waits until it listens; false if it exited (port in use).
    fn spawn(&mut self) -> bool {
        let mut child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto is installed (make deps)");
        let start = WallClock::now();
        loop {
            if !matches!(child.try_wait(), Ok(None)) {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            assert!(start.elapsed() < WAIT, "mosquitto did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        // Listening, and still ours.
        std::thread::sleep(Duration::from_millis(50));
        let alive = matches!(child.try_wait(), Ok(None));
        self.child = Some(child);
        alive
    }

    /// Stops the broker the way an operator does (SIGTERM: it saves its database), by pid.
    fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A blocking driver: one TCP stream, the wall clock, and the call protocol.
struct Driver {
    client: Client,
    port: u16,
    stream: Option<TcpStream>,
    epoch: WallClock,
    events: Vec<Event>,
    pings_sent: usize,
}

impl Driver {
    fn new(config: ClientConfig, port: u16) -> Driver {
        Driver {
            client: Client::new(config),
            port,
            stream: None,
            epoch: WallClock::now(),
            events: Vec::new(),
            pings_sent: 0,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn open(&mut self) {
        let now = self.now();
        match TcpStream::connect(("127.0.0.1", self.port)) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                self.stream = Some(s);
                self.client.handle_connected(now);
            }
            Err(_) => self.client.handle_closed(now),
        }
    }

    fn connect(&mut self) {
        self.client.connect().expect("valid config");
        self.open();
    }

    fn close(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// One turn of the loop: transmit, events, then wait up to `wait` for bytes or a timer.
    fn tick(&mut self, wait: Duration) {
        loop {
            let now = self.now();
            let mut out = Vec::new();
            while self.client.poll_transmit(now, &mut out) > 0 {}
            if out == [0xC0, 0x00] {
                self.pings_sent += 1;
            }
            if !out.is_empty() {
                if let Some(s) = &mut self.stream {
                    if s.write_all(&out).is_err() {
                        self.close();
                        self.client.handle_closed(now);
                    }
                }
            }
            let mut any = !out.is_empty();
            while let Some(e) = self.client.poll_event() {
                any = true;
                match &e {
                    Event::ConnectionLost(_) | Event::Disconnected => self.close(),
                    Event::ReconnectDue { .. } => self.open(),
                    _ => {}
                }
                self.events.push(e);
            }
            if !any {
                break;
            }
        }
        let now = self.now();
        let until_timer = self
            .client
            .poll_timeout()
            .map_or(wait, |t| t.saturating_duration_since(now))
            .min(wait)
            .max(Duration::from_millis(1));
        match &mut self.stream {
            Some(s) => {
                let _ = s.set_read_timeout(Some(until_timer));
                let mut buf = [0u8; 4096];
                match s.read(&mut buf) {
                    Ok(0) => {
                        self.close();
                        self.client.handle_closed(self.now());
                    }
                    Ok(n) => self.client.handle_bytes(self.now(), &buf[..n]),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => {
                        self.close();
                        self.client.handle_closed(self.now());
                    }
                }
            }
            None => std::thread::sleep(until_timer),
        }
        let now = self.now();
        if self.client.poll_timeout().is_some_and(|t| t <= now) {
            self.client.handle_timeout(now);
        }
    }

    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Driver) -> bool) -> bool {
        let start = WallClock::now();
        while start.elapsed() < limit {
            if done(self) {
                return true;
            }
            self.tick(Duration::from_millis(20));
        }
        done(self)
    }

    fn messages(&self) -> Vec<(String, Vec<u8>, QoS)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some((m.topic.clone(), m.payload.clone(), m.qos)),
                _ => None,
            })
            .collect()
    }

    fn count(&self, f: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|e| f(e)).count()
    }
}

fn config(id: &str, v: ProtocolVersion) -> ClientConfig {
    let mut c = ClientConfig::new(id);
    c.protocol = v;
    c.reconnect.min_delay = Duration::from_millis(100);
    c.reconnect.max_delay = Duration::from_millis(500);
    c
}

#[test]
fn connect_subscribe_and_round_trip_every_qos_in_both_versions() {
    let broker = Broker::start("roundtrip");
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut d = Driver::new(config(&format!("rt-{v}"), v), broker.port);
        d.connect();
        assert!(d.run_until(WAIT, |d| d.client.is_connected()), "{v}");
        let subs = [Subscription::new("rt/#", QoS::ExactlyOnce)];
        d.client.subscribe(&subs, Properties::empty()).unwrap();
        assert!(d.run_until(WAIT, |d| {
            d.count(|e| matches!(e, Event::Subscribed { .. })) == 1
        }));
        for (i, q) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
            .into_iter()
            .enumerate()
        {
            d.client
                .publish(
                    &format!("rt/{i}"),
                    format!("m{i}").as_bytes(),
                    q,
                    false,
                    Properties::empty(),
                )
                .unwrap();
        }
        assert!(
            d.run_until(WAIT, |d| d.messages().len() == 3
                && d.count(|e| matches!(
                    e,
                    Event::PublishAcked { .. } | Event::PublishCompleted { .. }
                )) == 2),
            "{v}: {:?}",
            d.events
        );
        let mut got = d.messages();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            vec![
                ("rt/0".to_string(), b"m0".to_vec(), QoS::AtMostOnce),
                ("rt/1".to_string(), b"m1".to_vec(), QoS::AtLeastOnce),
                ("rt/2".to_string(), b"m2".to_vec(), QoS::ExactlyOnce),
            ],
            "{v}"
        );
        if v == ProtocolVersion::V5 {
            let info = d.events.iter().find_map(|e| match e {
                Event::Connected(i) => Some(i.clone()),
                _ => None,
            });
            assert!(info.is_some_and(|i| !i.session_present));
        }
        d.client.disconnect().unwrap();
        d.tick(Duration::from_millis(1));
        assert!(d.stream.is_none());
    }
}

#[test]
fn keep_alive_holds_an_idle_connection_across_intervals() {
    let broker = Broker::start("keepalive");
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut c = config(&format!("ka-{v}"), v);
        c.keep_alive = 2;
        let mut d = Driver::new(c, broker.port);
        d.connect();
        assert!(d.run_until(WAIT, |d| d.client.is_connected()));
        // Idle for 2.5 intervals: the broker drops a client silent for 1.5 of them.
        d.run_until(Duration::from_millis(5_000), |_| false);
        assert!(d.pings_sent >= 2, "{v}: {} pings", d.pings_sent);
        assert!(d.client.is_connected(), "{v}: {:?}", d.events);
        assert_eq!(d.count(|e| matches!(e, Event::ConnectionLost(_))), 0, "{v}");
    }
}

/// Publishes `n` messages at `qos` from one client to another and stops the broker while some
/// are in flight; after the restart every message arrives.
fn survive_restart(qos: QoS, v: ProtocolVersion) -> Vec<u32> {
    let mut broker = Broker::start(&format!("restart-{}-{v}", qos as u8));
    let mut sc = config(&format!("sub-{}-{v}", qos as u8), v);
    sc.clean_start = false;
    let expiry = if v == ProtocolVersion::V5 { 600 } else { 0 };
    sc.session_expiry = expiry;
    let mut pc = config(&format!("pub-{}-{v}", qos as u8), v);
    pc.clean_start = false;
    pc.session_expiry = expiry;
    pc.max_inflight = 8;
    let mut sub = Driver::new(sc, broker.port);
    let mut publ = Driver::new(pc, broker.port);
    sub.connect();
    publ.connect();
    assert!(
        sub.run_until(WAIT, |d| d.client.is_connected()),
        "{:?}",
        sub.events
    );
    sub.client
        .subscribe(&[Subscription::new("restart/#", qos)], Properties::empty())
        .unwrap();
    assert!(sub.run_until(WAIT, |d| {
        d.count(|e| matches!(e, Event::Subscribed { .. })) == 1
    }));
    assert!(
        publ.run_until(WAIT, |d| d.client.is_connected()),
        "{:?}",
        publ.events
    );
    const N: u32 = 300;
    for i in 0..N {
        publ.client
            .publish(
                "restart/x",
                &i.to_be_bytes(),
                qos,
                false,
                Properties::empty(),
            )
            .unwrap();
    }
    // Let part of it through, then stop the broker with messages in flight.
    let mut turns = 0;
    while publ.count(|e| {
        matches!(
            e,
            Event::PublishAcked { .. } | Event::PublishCompleted { .. }
        )
    }) < 40
    {
        publ.tick(Duration::from_millis(5));
        sub.tick(Duration::from_millis(1));
        turns += 1;
        assert!(turns < 10_000, "no progress before the restart");
    }
    assert!(
        publ.client.stats().inflight > 0,
        "messages are in flight when the broker stops"
    );
    broker.terminate();
    for _ in 0..20 {
        publ.tick(Duration::from_millis(5));
        sub.tick(Duration::from_millis(5));
    }
    assert!(!publ.client.is_connected() && !sub.client.is_connected());
    assert!(broker.spawn(), "mosquitto restarts on its port");
    let start = WallClock::now();
    let received = |d: &Driver| {
        let mut ids: Vec<u32> = d
            .messages()
            .iter()
            .map(|m| u32::from_be_bytes(m.1.as_slice().try_into().unwrap()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        u32::try_from(ids.len()).unwrap()
    };
    while received(&sub) < N {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "only {} of {N} arrived",
            received(&sub)
        );
        publ.tick(Duration::from_millis(5));
        sub.tick(Duration::from_millis(5));
    }
    assert!(publ.count(|e| matches!(e, Event::ConnectionLost(_))) >= 1);
    assert!(publ.count(|e| matches!(e, Event::Connected(_))) >= 2);
    // The broker kept both sessions: the publisher resumed and resent what was in flight.
    let resumed = publ.events.iter().rev().find_map(|e| match e {
        Event::Connected(i) => Some(i.session_present),
        _ => None,
    });
    assert_eq!(resumed, Some(true));
    sub.messages()
        .iter()
        .map(|m| u32::from_be_bytes(m.1.as_slice().try_into().unwrap()))
        .collect()
}

#[test]
fn broker_restart_with_qos1_in_flight_loses_nothing() {
    for v in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let got = survive_restart(QoS::AtLeastOnce, v);
        let mut unique = got.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique, (0..300).collect::<Vec<_>>(), "{v}");
    }
}

#[test]
fn broker_restart_with_qos2_in_flight_delivers_exactly_once() {
    let got = survive_restart(QoS::ExactlyOnce, ProtocolVersion::V5);
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..300).collect::<Vec<_>>(),
        "no duplicates at QoS 2"
    );
}
