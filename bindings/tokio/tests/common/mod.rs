//! Test support: a mosquitto process per test on a free loopback port (killed by pid when
//! dropped), throwaway certificates made with rcgen, and event helpers with a safety timeout.

// A failing test panics: helpers outside `#[test]` functions unwrap like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    unreachable_pub
)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use iotmqtt::ProtocolVersion;
use iotmqtt::client::{ClientConfig, Event as Mqtt};
use iotmqtt_tokio::{Event, EventStream};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// Longest a test waits for something that should happen; only a safety net against hangs.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local address").port()
}

/// A fresh directory under the system temp dir, removed by its owner.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("iotmqtt-tokio-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // mosquitto started as root drops to its own user: it must read what is in here.
    let _ = Command::new("chmod").arg("755").arg(&dir).status();
    dir
}

/// A mosquitto process with a generated config file in its own directory.
pub struct Broker {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl Broker {
    /// A plain listener accepting anonymous clients.
    pub fn start(name: &str) -> Broker {
        Broker::with_config(name, |port, _| {
            format!("listener {port} 127.0.0.1\nallow_anonymous true\n")
        })
    }

    /// A broker whose config file is `config(port, dir)`.
    pub fn with_config(name: &str, config: impl FnOnce(u16, &Path) -> String) -> Broker {
        let port = free_port();
        let dir = temp_dir(name);
        let text = config(port, &dir);
        std::fs::write(dir.join("mosquitto.conf"), text).expect("config");
        let mut broker = Broker {
            port,
            dir,
            child: None,
        };
        broker.spawn();
        broker
    }

    /// Starts (again) the process on the same port and config; returns once it listens.
    pub fn spawn(&mut self) {
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto is installed (make deps)");
        self.child = Some(child);
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(start.elapsed() < PATIENCE, "mosquitto did not start");
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("mosquitto exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process (SIGKILL, by pid): its clients see their connections reset.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the process (SIGSTOP, by pid): it accepts bytes into its socket buffers and
    /// answers nothing.
    pub fn pause(&self) {
        if let Some(child) = &self.child {
            let status = Command::new("kill")
                .arg("-STOP")
                .arg(child.id().to_string())
                .status()
                .expect("kill");
            assert!(status.success());
        }
    }

    /// Writes `name` into the broker's directory and returns its path.
    pub fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).expect("write");
        path
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A paused process must run again to die cleanly.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(child.id().to_string())
                .status();
        }
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Throwaway PKI: a CA, a server certificate and a client certificate, as PEM.
pub struct Pki {
    pub ca: String,
    pub server_cert: String,
    pub server_key: String,
    pub client_cert: String,
    pub client_key: String,
}

impl Pki {
    /// A CA named `ca_name` and a server certificate for `server_names` (DNS names or IPs).
    pub fn new(ca_name: &str, server_names: &[&str]) -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, ca_name);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

        let names: Vec<String> = server_names.iter().map(|s| (*s).to_string()).collect();
        let mut server_params = CertificateParams::new(names).unwrap();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "test server");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server_params.signed_by(&server_key, &ca).unwrap();

        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "test-device");
        let client_key = KeyPair::generate().unwrap();
        let client_cert = client_params.signed_by(&client_key, &ca).unwrap();

        Pki {
            ca: ca.pem(),
            server_cert: server_cert.pem(),
            server_key: server_key.serialize_pem(),
            client_cert: client_cert.pem(),
            client_key: client_key.serialize_pem(),
        }
    }
}

/// A session config for tests: quick reconnects, the given version.
pub fn config(client_id: &str, version: ProtocolVersion) -> ClientConfig {
    let mut c = ClientConfig::new(client_id);
    c.protocol = version;
    c.reconnect.min_delay = Duration::from_millis(50);
    c.reconnect.max_delay = Duration::from_millis(200);
    c
}

/// The next event, failing the test after [`PATIENCE`] or when the stream ends.
pub async fn next(events: &mut EventStream) -> Event {
    match tokio::time::timeout(PATIENCE, events.recv()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the event stream ended"),
        Err(_) => panic!("no event within {PATIENCE:?}"),
    }
}

/// Takes events until `pick` returns something; returns it and the events skipped.
pub async fn wait_for<T>(
    events: &mut EventStream,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> (T, Vec<Event>) {
    let mut skipped = Vec::new();
    loop {
        let event = next(events).await;
        if let Some(found) = pick(&event) {
            return (found, skipped);
        }
        skipped.push(event);
    }
}

/// Waits for CONNACK.
pub async fn connected(events: &mut EventStream) -> Box<iotmqtt::client::ConnectedInfo> {
    wait_for(events, |e| match e {
        Event::Mqtt(Mqtt::Connected(info)) => Some(info.clone()),
        _ => None,
    })
    .await
    .0
}

/// Waits for the next message.
pub async fn message(events: &mut EventStream) -> iotmqtt::client::Message {
    wait_for(events, |e| match e {
        Event::Mqtt(Mqtt::Message(m)) => Some(m.clone()),
        _ => None,
    })
    .await
    .0
}

/// Takes every event until the stream ends (failing after [`PATIENCE`]).
pub async fn until_end(events: &mut EventStream) -> Vec<Event> {
    let mut all = Vec::new();
    loop {
        match tokio::time::timeout(PATIENCE, events.recv()).await {
            Ok(Some(event)) => all.push(event),
            Ok(None) => return all,
            Err(_) => panic!("the event stream did not end; got {all:?}"),
        }
    }
}
