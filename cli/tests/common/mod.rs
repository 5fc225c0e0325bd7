//! Helpers shared by the CLI tests: run the real binary.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code)] // each test crate uses a different part of the helpers

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub(crate) mod pki;

/// The `iotmqtt` binary cargo built for these tests.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_iotmqtt"))
}

/// Runs `iotmqtt args…` with `stdin` and returns its output.
pub(crate) fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn iotmqtt");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The repository's copy of a shared test vector file.
pub(crate) fn vectors(name: &str) -> serde_json::Value {
    let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

// ---------------------------------------------------------------- the emulator as a process

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

/// How long a step may take on a loaded machine before a test gives up.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// The example registry shipped with the crate.
pub(crate) fn example_registry() -> PathBuf {
    PathBuf::from(format!(
        "{}/examples/registry.json",
        env!("CARGO_MANIFEST_DIR")
    ))
}

/// A directory of its own for one test, removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("iotmqtt-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `iotmqtt emulator` started on free ports, killed by pid when dropped.
pub(crate) struct EmulatorProcess {
    pub(crate) child: Option<Child>,
    pub(crate) mqtt: u16,
    pub(crate) http: u16,
    pub(crate) ws: Option<u16>,
    pub(crate) mqtts: Option<u16>,
    pub(crate) wss: Option<u16>,
    pub(crate) first_line: String,
    pub(crate) log: PathBuf,
    _dir: TempDir,
}

impl EmulatorProcess {
    pub(crate) fn start(name: &str, registry: &std::path::Path) -> EmulatorProcess {
        EmulatorProcess::start_with(name, registry, &["--port", "0", "--ws-port", "0"])
    }

    /// Started with `args` (ports, `--quiet` …) besides `--http 0` and the registry.
    pub(crate) fn start_with(
        name: &str,
        registry: &std::path::Path,
        args: &[&str],
    ) -> EmulatorProcess {
        let dir = TempDir::new(name);
        let log = dir.0.join("emulator.log");
        let mut child = bin()
            .args(["emulator", "--http", "0", "--registry"])
            .arg(registry)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn iotmqtt emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("first line {line:?}: {e}"));
        EmulatorProcess {
            child: Some(child),
            mqtt: u16::try_from(ports["mqtt"].as_u64().unwrap()).unwrap(),
            http: u16::try_from(ports["http"].as_u64().unwrap()).unwrap(),
            ws: ports["ws"].as_u64().map(|p| u16::try_from(p).unwrap()),
            mqtts: ports["mqtts"].as_u64().map(|p| u16::try_from(p).unwrap()),
            wss: ports["wss"].as_u64().map(|p| u16::try_from(p).unwrap()),
            first_line: line.trim().to_owned(),
            log,
            _dir: dir,
        }
    }

    /// The live log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the live log contains `needle`.
    pub(crate) fn wait_log(&self, needle: &str) {
        let start = std::time::Instant::now();
        while !self.log().contains(needle) {
            assert!(
                start.elapsed() < WAIT,
                "no {needle:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it with SIGTERM (by pid) and returns its exit code.
    pub(crate) fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        child.wait().ok()?.code()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One HTTP/1.1 request to the emulator's API: the status and the JSON body.
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap())
}

/// The current UTC time, for IoTDA credentials.
pub(crate) fn utc_now() -> iotmqtt::iotda::UtcTime {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    iotmqtt::iotda::UtcTime::from_unix_seconds(secs).unwrap()
}
