//! `iotmqtt emulator` as a process: its first stdout line, its HTTP API, its exit codes.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{EmulatorProcess, TempDir, example_registry, http, run, stderr};

#[test]
fn startup_prints_the_ports_and_serves_the_api() {
    let mut emu = EmulatorProcess::start("startup", &example_registry());
    // The documented first line: one JSON object with exactly these keys.
    let first: serde_json::Value = serde_json::from_str(&emu.first_line).unwrap();
    let mut keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["http", "mqtt", "mqtts", "ws", "wss"]);
    assert!(emu.mqtt > 0 && emu.http > 0 && emu.ws.is_some());
    assert_eq!(
        (emu.mqtts, emu.wss),
        (None, None),
        "TLS is off without --tls-port"
    );

    let (status, body) = http(emu.http, "GET", "/devices", None);
    assert_eq!(status, 200);
    let devices = body["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 4, "{body}");
    assert!(devices.iter().all(|d| d["online"] == false));
    let child = devices
        .iter()
        .find(|d| d["device_id"] == "5f1c0d2e_child01")
        .unwrap();
    assert_eq!(child["gateway_id"], "5f1c0d2e_gw01");

    let (status, body) = http(emu.http, "GET", "/devices/nobody", None);
    assert_eq!((status, body["error"].is_string()), (404, true));
    let (status, _) = http(emu.http, "DELETE", "/devices", None);
    assert_eq!(status, 405);
    let (status, _) = http(
        emu.http,
        "POST",
        "/devices/5f1c0d2e_sensor01/commands",
        None,
    );
    assert_eq!(status, 409, "an offline device cannot take a command");

    emu.wait_log("emulator up");
    assert_eq!(emu.terminate(), Some(0));
    let log = emu.log();
    assert!(log.contains("emulator stopped"), "{log}");
    for secret in [
        "s3cr3t-Key",
        "l1ght-Secret",
        "gw-Secret-01",
        "c2VjcmV0LWdyb3VwLWtleQ==",
    ] {
        assert!(!log.contains(secret), "the log shows a secret:\n{log}");
    }
}

/// `iotmqtt emulator` on free ports with `registry`, expected to fail at startup.
fn with_registry(registry: &std::path::Path) -> std::process::Output {
    let path = registry.to_str().unwrap();
    run(
        &["emulator", "--port", "0", "--http", "0", "--registry", path],
        "",
    )
}

#[test]
fn a_bad_registry_or_port_fails_with_one_line() {
    let dir = TempDir::new("bad-registry");
    let bad = dir.0.join("registry.json");
    std::fs::write(
        &bad,
        r#"{"devices":[{"device_id":"a b","secret":"TopSecret"}]}"#,
    )
    .unwrap();
    let out = with_registry(&bad);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("devices[0]") && !err.contains("TopSecret"),
        "{err}"
    );

    let toml = dir.0.join("registry.toml");
    std::fs::write(
        &toml,
        "[[devices]]\ndevice_id = \"d1\"\nsecret = \"x\"\nnot_a_field = 1\n",
    )
    .unwrap();
    let out = with_registry(&toml);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not_a_field"));

    let missing = dir.0.join("missing.json");
    let out = run(
        &[
            "emulator",
            "--port",
            "0",
            "--registry",
            missing.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"));

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = run(&["emulator", "--port", &port, "--http", "0"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot listen for MQTT on 127.0.0.1:{port}")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_toml_registry_works_too() {
    let dir = TempDir::new("toml-registry");
    let path = dir.0.join("devices.toml");
    std::fs::write(
        &path,
        "[[devices]]\nproduct_id = \"p\"\nnode_id = \"n\"\nsecret = \"s3cr3t\"\n\n\
         [[devices.children]]\nproduct_id = \"p\"\nnode_id = \"c\"\n",
    )
    .unwrap();
    let emu = EmulatorProcess::start("toml", &path);
    let (status, body) = http(emu.http, "GET", "/devices/p_n", None);
    assert_eq!(status, 200);
    assert_eq!(body["children"], serde_json::json!(["p_c"]));
}

#[test]
fn help_lists_examples_the_api_and_exit_codes() {
    let out = run(&["emulator", "--help"], "");
    assert!(out.status.success());
    let help = common::stdout(&out);
    for needle in [
        "Examples:",
        "Exit codes:",
        "POST /devices/{id}/commands",
        "{\"mqtt\":",
    ] {
        assert!(help.contains(needle), "missing {needle}:\n{help}");
    }
}
