//! `iotmqtt device` and `iotmqtt demo`, the real binary against the real emulator process:
//! one device that connects, reports, answers a command sent through the HTTP API and
//! reconnects after the emulator restarts, the same over TLS (and a CA that does not fit); a
//! refused login; usage errors (the emulator's TLS flags too); a fleet of 1,000
//! devices that all connect and report (checked through the HTTP API's device list); and the
//! demo, whose transcript must show every step.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::pki::Pki;
use common::{EmulatorProcess, TempDir, WAIT, bin, example_registry, http, run, stderr, utc_now};
use iotmqtt::iotda::{DeviceAuth, DeviceId, DeviceSecret};
use serde_json::json;

const DEVICE: &str = "5f1c0d2e_sensor01";
const SECRET: &str = "s3cr3t-Key";

/// A running `iotmqtt …` whose output lines are collected as they come.
struct Running {
    child: Option<Child>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = bin()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn iotmqtt");
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Running {
            child: Some(child),
            stdout,
            stderr,
        }
    }

    fn out(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    fn err(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until `count` stdout lines contain `needle`.
    fn wait_out(&self, needle: &str, count: usize) {
        let start = Instant::now();
        while self.out().iter().filter(|l| l.contains(needle)).count() < count {
            assert!(
                start.elapsed() < WAIT,
                "no {count} x {needle:?} in stdout:\n{}\nstderr:\n{}",
                self.out().join("\n"),
                self.err().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM (by pid); the exit code.
    fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let code = child.wait().ok()?.code();
        // The reader threads see the end of the pipes.
        std::thread::sleep(Duration::from_millis(100));
        code
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The devices of a `GET /devices` answer.
fn devices(list: &serde_json::Value) -> Vec<serde_json::Value> {
    list["devices"].as_array().unwrap().clone()
}

/// Waits until the emulator (HTTP API on `http_port`) lists [`DEVICE`] online with a property
/// report; returns its entry.
fn online_and_reporting(http_port: u16) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let (_, list) = http(http_port, "GET", "/devices", None);
        let me = devices(&list)
            .into_iter()
            .find(|d| d["device_id"] == DEVICE)
            .unwrap();
        if me["online"] == true && me["reports"].as_u64().unwrap() > 0 {
            return me;
        }
        assert!(start.elapsed() < WAIT, "{me}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// This hour's password of the example device, which must never be printed.
fn password_now() -> String {
    let auth = DeviceAuth::secret(
        DeviceId::new(DEVICE).unwrap(),
        DeviceSecret::new(SECRET).unwrap(),
    );
    let credentials = auth.credentials(&utc_now());
    String::from_utf8(credentials.password().unwrap().as_bytes().to_vec()).unwrap()
}

#[test]
fn a_device_reports_answers_a_command_and_reconnects_after_the_emulator_restarts() {
    let mut emu = EmulatorProcess::start_with("device-1", &example_registry(), &["--port", "0"]);
    let port = emu.mqtt.to_string();
    let mut device = Running::start(&[
        "device",
        "--port",
        &port,
        "--device-id",
        DEVICE,
        "--secret",
        SECRET,
        "--interval",
        "0.3",
    ]);
    device.wait_out("connected (session present: no)", 1);
    device.wait_out("reported Sensor {\"counter\":1", 1);

    // A command through the operator API; the device answers it.
    let (status, answer) = http(
        emu.http,
        "POST",
        &format!("/devices/{DEVICE}/commands"),
        Some(json!({ "service_id": "Light", "command_name": "blink", "paras": { "n": 2 } })),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["response"]["result_code"], 0);
    assert_eq!(answer["response"]["paras"]["received"]["n"], 2);
    device.wait_out("Light.blink {\"n\":2} -> answered", 1);

    // The emulator goes away and comes back on the same port: the device reconnects (a new
    // login) and reports to the new one.
    assert_eq!(emu.terminate(), Some(0));
    device.wait_out("connection lost", 1);
    let emu = EmulatorProcess::start_with("device-2", &example_registry(), &["--port", &port]);
    device.wait_out("connected (session present: no)", 2);
    online_and_reporting(emu.http);

    assert_eq!(device.terminate(), Some(0), "{:?}", device.err());
    let out = device.out().join("\n");
    assert!(out.contains("client id 5f1c0d2e_sensor01_0_0_"), "{out}");
    assert!(out.lines().last().unwrap().contains("stopped:"), "{out}");
    // Never the secret, never the password.
    assert!(!out.contains(SECRET), "{out}");
    assert!(!out.contains(&password_now()), "{out}");
}

/// The emulator process with an MQTTS listener whose certificate `pki` signed (files in `dir`).
fn tls_emulator(name: &str, dir: &TempDir) -> EmulatorProcess {
    let (cert, key) = (dir.0.join("server.pem"), dir.0.join("server.key"));
    EmulatorProcess::start_with(
        name,
        &example_registry(),
        &[
            "--port",
            "0",
            "--tls-port",
            "0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_device_over_tls_logs_in_reports_and_answers_a_command() {
    let dir = TempDir::new("device-tls");
    Pki::new("emulator test CA", &["127.0.0.1", "localhost"]).write(&dir.0);
    let emu = tls_emulator("device-tls-emu", &dir);
    let port = emu.mqtts.expect("an MQTTS port").to_string();
    let ca = dir.0.join("ca.pem");
    let mut device = Running::start(&[
        "device",
        "--port",
        &port,
        "--ca",
        ca.to_str().unwrap(),
        "--device-id",
        DEVICE,
        "--secret",
        SECRET,
        "--interval",
        "0.3",
    ]);
    device.wait_out("connected (session present: no)", 1);
    // The platform sees the login over TLS and the reports.
    let me = online_and_reporting(emu.http);
    assert_eq!(me["connection"]["transport"], "tls", "{me}");
    let (status, properties) = http(
        emu.http,
        "GET",
        &format!("/devices/{DEVICE}/properties"),
        None,
    );
    assert_eq!(status, 200, "{properties}");
    assert_eq!(properties["services"][0]["service_id"], "Sensor");
    let (status, answer) = http(
        emu.http,
        "POST",
        &format!("/devices/{DEVICE}/commands"),
        Some(json!({ "service_id": "Light", "command_name": "blink", "paras": { "n": 3 } })),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["response"]["paras"]["received"]["n"], 3);
    device.wait_out("Light.blink {\"n\":3} -> answered", 1);
    assert_eq!(device.terminate(), Some(0), "{:?}", device.err());
    let out = device.out().join("\n");
    assert!(
        out.contains(&format!("connecting to mqtts://127.0.0.1:{port}")),
        "{out}"
    );
    assert!(!out.contains(SECRET), "{out}");
    assert!(!out.contains(&password_now()), "{out}");
}

#[test]
fn a_device_that_trusts_another_ca_is_refused_with_a_tls_error() {
    let dir = TempDir::new("device-tls-wrong-ca");
    Pki::new("emulator test CA", &["127.0.0.1"]).write(&dir.0);
    let emu = tls_emulator("device-tls-wrong-ca-emu", &dir);
    let other = dir.0.join("other-ca.pem");
    std::fs::write(&other, Pki::new("another CA", &["127.0.0.1"]).ca).unwrap();
    let out = run(
        &[
            "device",
            "--port",
            &emu.mqtts.unwrap().to_string(),
            "--ca",
            other.to_str().unwrap(),
            "--device-id",
            DEVICE,
            "--secret",
            SECRET,
            "--duration",
            "1.5",
        ],
        "",
    );
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(!text.contains("connected (session"), "{text}");
    let refusal = text
        .lines()
        .find(|l| l.contains("TLS"))
        .unwrap_or_else(|| panic!("no TLS error line:\n{text}"));
    assert!(refusal.contains("UnknownIssuer"), "{refusal}");
    emu.wait_log("TLS handshake failed");
}

#[test]
fn emulator_tls_flags_and_files_are_checked() {
    let dir = TempDir::new("emulator-tls-files");
    let pki = Pki::new("emulator test CA", &["127.0.0.1"]);
    pki.write(&dir.0);
    let path = |name: &str| dir.0.join(name).to_str().unwrap().to_owned();
    std::fs::write(dir.0.join("junk.pem"), "not a certificate").unwrap();
    for (args, code, needle) in [
        (vec!["--tls-port", "0"], 2, "--tls-cert"),
        (
            vec!["--tls-cert", &path("server.pem"), "--tls-port", "0"],
            2,
            "--tls-key",
        ),
        (
            vec![
                "--tls-cert",
                &path("server.pem"),
                "--tls-key",
                &path("server.key"),
            ],
            2,
            "--tls-port",
        ),
        (
            vec![
                "--tls-port",
                "0",
                "--tls-cert",
                &path("missing.pem"),
                "--tls-key",
                &path("server.key"),
            ],
            1,
            "missing.pem",
        ),
        (
            vec![
                "--tls-port",
                "0",
                "--tls-cert",
                &path("junk.pem"),
                "--tls-key",
                &path("server.key"),
            ],
            3,
            "no certificate in",
        ),
        (
            vec![
                "--tls-port",
                "0",
                "--tls-cert",
                &path("server.pem"),
                "--tls-key",
                &path("junk.pem"),
            ],
            3,
            "no private key in",
        ),
    ] {
        let mut all = vec!["emulator", "--port", "0", "--http", "0"];
        all.extend(args.iter().copied());
        let out = run(&all, "");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // The key never shows up in an error.
    let out = run(
        &[
            "emulator",
            "--port",
            "0",
            "--http",
            "0",
            "--tls-port",
            "0",
            "--tls-cert",
            &path("server.key"),
            "--tls-key",
            &path("server.key"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(!stderr(&out).contains("PRIVATE KEY"), "{}", stderr(&out));
}

#[test]
fn a_refused_login_is_one_line_and_exit_1() {
    let emu = EmulatorProcess::start_with("device-refused", &example_registry(), &["--port", "0"]);
    let out = run(
        &[
            "device",
            "--port",
            &emu.mqtt.to_string(),
            "--device-id",
            DEVICE,
            "--secret",
            "not-the-secret",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("iotmqtt: error: 5f1c0d2e_sensor01: the server refused the login"));
    assert!(err.contains("not retried"), "{err}");
    let all = format!("{err}{}", common::stdout(&out));
    assert!(!all.contains("not-the-secret"), "{all}");
}

#[test]
fn device_usage_errors_and_help() {
    let help = run(&["device", "--help"], "");
    assert_eq!(help.status.code(), Some(0));
    let text = common::stdout(&help);
    for needle in ["Examples:", "Exit codes:", "--fleet", "--registry", "--ws"] {
        assert!(text.contains(needle), "{needle} missing from --help");
    }
    for (args, needle) in [
        (
            vec![
                "device",
                "--fleet",
                "3",
                "--device-id",
                "same",
                "--secret",
                "s",
            ],
            "{n}",
        ),
        (
            vec![
                "device",
                "--device-id",
                "d1",
                "--secret",
                "s",
                "--keep-alive",
                "10",
            ],
            "keep_alive",
        ),
        (
            vec![
                "device",
                "--device-id",
                "d1",
                "--secret",
                "s",
                "--interval",
                "0",
            ],
            "--interval",
        ),
        (vec!["device", "--secret", "s"], "--device-id"),
    ] {
        let out = run(&args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_fleet_of_a_thousand_devices_connects_and_reports() {
    const N: usize = 1_000;
    let dir = TempDir::new("fleet");
    let records: Vec<serde_json::Value> = (1..=N)
        .map(|n| json!({ "device_id": format!("fleet_{n}"), "secret": "fleet-secret" }))
        .collect();
    let registry = dir.0.join("registry.json");
    std::fs::write(&registry, json!({ "devices": records }).to_string()).unwrap();
    let emu = EmulatorProcess::start_with(
        "fleet-emu",
        &registry,
        &["--port", "0", "--quiet", "--message-log", "5"],
    );
    let mut fleet = Running::start(&[
        "device",
        "--fleet",
        &N.to_string(),
        "--port",
        &emu.mqtt.to_string(),
        "--device-id",
        "fleet_{n}",
        "--secret",
        "fleet-secret",
        "--interval",
        "1",
        "--json",
    ]);
    // Every device connected and reported, as the platform sees it.
    let start = Instant::now();
    loop {
        let (status, list) = http(emu.http, "GET", "/devices", None);
        assert_eq!(status, 200);
        let list = list["devices"].as_array().unwrap();
        assert_eq!(list.len(), N);
        let waiting = list
            .iter()
            .filter(|d| d["online"] != true || d["reports"].as_u64().unwrap_or(0) == 0)
            .count();
        if waiting == 0 {
            break;
        }
        assert!(
            start.elapsed() < WAIT * 3,
            "{waiting} devices not online and reporting; fleet stderr:\n{}",
            fleet.err().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        fleet.err().iter().any(|l| l.contains("connected, ")),
        "a progress line on stderr: {:?}",
        fleet.err()
    );
    assert_eq!(fleet.terminate(), Some(0), "{:?}", fleet.err());
    let summary: serde_json::Value = serde_json::from_str(&fleet.out().join("\n")).unwrap();
    assert_eq!(summary["devices"], N);
    assert_eq!(summary["connected"], N);
    assert_eq!(summary["errors"], 0, "{summary}");
    assert!(
        summary["reports_acked"].as_u64().unwrap() >= N as u64,
        "{summary}"
    );
    assert!(
        summary["connects_per_sec"].as_f64().unwrap() > 0.0,
        "{summary}"
    );
    assert!(
        summary["rss_per_device_bytes"].as_u64().unwrap() > 0,
        "{summary}"
    );
    // Every device disconnected cleanly.
    let (_, list) = http(emu.http, "GET", "/devices", None);
    let online = devices(&list)
        .into_iter()
        .filter(|d| d["online"] == true)
        .count();
    assert_eq!(online, 0);
}

#[test]
fn the_demo_runs_every_step_and_exits_0() {
    let out = run(&["demo"], "");
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    for step in 1..=11 {
        assert!(
            text.contains(&format!("\n[{step}] ")),
            "step {step} missing:\n{text}"
        );
    }
    for needle in [
        "client id  demo_sensor01_0_0_",
        "password   ******** (64 hex characters",
        "platform  demo_sensor01: connected (MQTT 3.1.1",
        "/sys/properties/report (QoS 1)",
        "PUBACK received",
        "POST /devices/demo_sensor01/commands",
        "Light.switch {\"on\":true} -> answered",
        "properties set ",
        "properties get ",
        "target = 22.5",
        "shadow/get/request_id=",
        "desired {\"target\":23.0}",
        "Sensor {\"target\":23.0} -> answered",
        "answer to the shadow's property set ",
        "(desired Sensor), accepted: {\"result_code\":0}",
        "the device accepted the pushed desired value",
        "time_sync_request",
        "the platform's time is ",
        "add_sub_device_request",
        "demo_child01 is registered under demo_gw01",
        "version_query",
        "the device reports software \"1.0.0\"",
        "both devices sent DISCONNECT and are offline",
        "demo complete: 11 steps passed",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    // The registration shows the secrets masked.
    assert!(!text.contains("\"secret\":\"demo-"), "{text}");
    assert_eq!(text.matches("ok: ").count(), 11, "{text}");
    // The platform expects the answers to its own requests.
    assert!(!text.contains("nobody waits for"), "{text}");
}
