//! The emulator with a standard MQTT client: mosquitto_pub and mosquitto_sub (Debian package
//! `mosquitto-clients`; `make deps` installs it), logging in with `iotmqtt credentials`.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{EmulatorProcess, WAIT, example_registry, http, run, stdout};
use serde_json::json;

/// `(client_id, username, password)` from the real `iotmqtt credentials`.
fn login(device_id: &str, secret: &str) -> (String, String, String) {
    let out = run(
        &[
            "credentials",
            "--device-id",
            device_id,
            "--secret",
            secret,
            "--json",
        ],
        "",
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    (
        v["client_id"].as_str().unwrap().to_owned(),
        v["username"].as_str().unwrap().to_owned(),
        v["password"].as_str().unwrap().to_owned(),
    )
}

fn mosquitto(tool: &str, port: u16, login: &(String, String, String), extra: &[&str]) -> Command {
    let mut c = Command::new(tool);
    c.args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-i", &login.0, "-u", &login.1, "-P", &login.2])
        .args(extra);
    c
}

/// Waits for a child with a deadline; kills it (by pid) if it overruns.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            if let Some(mut o) = child.stdout.take() {
                use std::io::Read;
                o.read_to_string(&mut out).unwrap();
            }
            return (status.code(), out);
        }
        if start.elapsed() > WAIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{child:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn custom_topics_route_between_mosquitto_clients_and_system_topics_arrive_implicitly() {
    let emu = EmulatorProcess::start("mosq-route", &example_registry());
    let sensor = login("5f1c0d2e_sensor01", "s3cr3t-Key");
    let light = login("5f1c0d2e_light01", "l1ght-Secret");

    // The sensor subscribes to a custom filter only; it must still get its system topics.
    let sub = mosquitto(
        "mosquitto_sub",
        emu.mqtt,
        &sensor,
        &[
            "-t", "plant/#", "-q", "1", "-v", "-C", "2", "-W", "20", "-k", "60",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("mosquitto_sub is installed (make deps)");
    emu.wait_log("5f1c0d2e_sensor01: subscribed to plant/#");

    let status = mosquitto(
        "mosquitto_pub",
        emu.mqtt,
        &light,
        &[
            "-t",
            "plant/line1",
            "-m",
            "hello from light",
            "-q",
            "1",
            "-k",
            "60",
        ],
    )
    .status()
    .unwrap();
    assert!(status.success());

    // A message down from the operator reaches the sensor without any subscription to it.
    let (code, body) = http(
        emu.http,
        "POST",
        "/devices/5f1c0d2e_sensor01/messages",
        Some(json!({ "content": { "hello": "device" } })),
    );
    assert_eq!(code, 202, "{body}");

    let (code, out) = finish(sub);
    assert_eq!(code, Some(0), "{out}\n{}", emu.log());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "plant/line1 hello from light");
    assert!(
        lines[1].starts_with("$oc/devices/5f1c0d2e_sensor01/sys/messages/down "),
        "{out}"
    );
    assert!(
        lines[1].contains(r#""content":{"hello":"device"}"#),
        "{out}"
    );

    // The platform kept both sides' message logs.
    let (_, log) = http(emu.http, "GET", "/devices/5f1c0d2e_sensor01/messages", None);
    assert_eq!(log["messages"][0]["direction"], "down");
}

#[test]
fn iotda_refusals_reach_mosquitto_clients() {
    let emu = EmulatorProcess::start("mosq-refuse", &example_registry());
    let sensor = login("5f1c0d2e_sensor01", "s3cr3t-Key");

    // Wrong password: CONNACK 4, which mosquitto_pub reports as exit code 4 (its own mapping
    // of the refusal).
    let wrong = (sensor.0.clone(), sensor.1.clone(), "0".repeat(64));
    let out = mosquitto(
        "mosquitto_pub",
        emu.mqtt,
        &wrong,
        &["-t", "a", "-m", "x", "-k", "60"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    emu.wait_log("login refused (CONNACK 4): wrong password");

    // Keep-alive 10 s: CONNACK 2 (identifier rejected in 3.1.1 terms).
    let out = mosquitto(
        "mosquitto_pub",
        emu.mqtt,
        &sensor,
        &["-t", "a", "-m", "x", "-k", "10"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    emu.wait_log("refused: CONNACK 2 (ClientIdentifierNotValid)");

    // A retained publish is refused: the connection is closed.
    let out = mosquitto(
        "mosquitto_pub",
        emu.mqtt,
        &sensor,
        &["-t", "a", "-m", "x", "-r", "-q", "1", "-k", "60"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success(), "a retained PUBLISH must fail");
    emu.wait_log("the client broke the protocol");

    // An unknown device: CONNACK 5.
    let ghost = login("5f1c0d2e_ghost", "whatever");
    let out = mosquitto(
        "mosquitto_pub",
        emu.mqtt,
        &ghost,
        &["-t", "a", "-m", "x", "-k", "60"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    emu.wait_log("login refused (CONNACK 5): device not registered");
}
