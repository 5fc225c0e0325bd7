//! `iotmqtt credentials`, run as a process, against the IoTDA vectors.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{run, stderr, stdout, vectors};

/// The `--time` for a vector: its `utc`, or the start of its `timestamp` hour.
fn time_of(case: &serde_json::Value) -> String {
    if let Some(utc) = case["utc"].as_str() {
        return utc.to_owned();
    }
    let ts = case["timestamp"].as_str().unwrap();
    format!(
        "{}-{}-{}T{}:00:00Z",
        &ts[0..4],
        &ts[4..6],
        &ts[6..8],
        &ts[8..10]
    )
}

#[test]
fn every_vector_prints_its_credentials() {
    let file = vectors("iotda-auth.json");
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let time = time_of(case);
        let sig = case["sig_type"].as_u64().unwrap().to_string();
        let mut args = vec![
            "credentials",
            "--device-id",
            case["device_id"].as_str().unwrap(),
            "--sig-type",
            &sig,
            "--time",
            &time,
            "--json",
        ];
        match case["kind"].as_str().unwrap() {
            "secret" => args.extend(["--secret", case["secret"].as_str().unwrap()]),
            "bridge" => args.extend(["--bridge", "--secret", case["secret"].as_str().unwrap()]),
            "bootstrap_group_secret" => args.extend([
                "--scope-id",
                case["scope_id"].as_str().unwrap(),
                "--group-secret",
                case["group_secret"].as_str().unwrap(),
            ]),
            other => panic!("unknown kind {other}"),
        }
        let out = run(&args, "");
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(got["password"], case["password"], "{name}");
        for key in ["client_id", "username"] {
            if !case[key].is_null() {
                assert_eq!(got[key], case[key], "{name}: {key}");
            }
        }
        // The secret is never echoed.
        if let Some(secret) = case["secret"].as_str() {
            assert!(!stdout(&out).contains(secret), "{name}");
        }
    }
}

#[test]
fn text_output_and_single_fields() {
    let base = [
        "credentials",
        "--device-id",
        "5f1c0d2e_sensor01",
        "--secret",
        "s3cr3t-Key",
        "--time",
        "2026-11-25T08:00:00Z",
    ];
    let out = run(&base, "");
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("client_id: 5f1c0d2e_sensor01_0_0_2026112508"));
    assert!(lines[2].starts_with("password:"));

    let mut args = base.to_vec();
    args.extend(["--field", "client_id"]);
    let out = run(&args, "");
    assert_eq!(stdout(&out), "5f1c0d2e_sensor01_0_0_2026112508\n");
}

#[test]
fn the_secret_can_come_from_the_environment() {
    let out = common::bin()
        .args([
            "credentials",
            "--device-id",
            "5f1c0d2e_sensor01",
            "--time",
            "2026-11-25T08:00:00Z",
            "--field",
            "password",
        ])
        .env("IOTDA_DEVICE_SECRET", "s3cr3t-Key")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim().len(), 64);
}

#[test]
fn an_x509_identity_has_no_password() {
    let out = run(
        &[
            "credentials",
            "--device-id",
            "dev_1",
            "--x509",
            "--json",
            "--time",
            "2026-11-25T08:00:00Z",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(got["password"].is_null());
    assert_eq!(got["client_id"], "dev_1_0_0_2026112508");
}

#[test]
fn bad_arguments_fail_with_one_line_and_exit_2() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["credentials", "--device-id", "bad/id", "--secret", "x"],
            "--device-id",
        ),
        (
            &[
                "credentials",
                "--device-id",
                "d",
                "--secret",
                "x",
                "--sig-type",
                "7",
            ],
            "sig-type",
        ),
        (
            &[
                "credentials",
                "--device-id",
                "d",
                "--secret",
                "x",
                "--time",
                "yesterday",
            ],
            "--time",
        ),
        (&["credentials", "--device-id", "d"], "--secret"),
        (
            &[
                "credentials",
                "--device-id",
                "d",
                "--secret",
                "x",
                "--frobnicate",
            ],
            "--frobnicate",
        ),
    ];
    for (args, needle) in cases {
        let out = common::bin()
            .args(args)
            .env_remove("IOTDA_DEVICE_SECRET")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("iotmqtt: error: "), "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = run(&["credentials", "--help"], "");
    assert!(out.status.success());
    let help = stdout(&out);
    assert!(
        help.contains("Examples:") && help.contains("Exit codes:"),
        "{help}"
    );
}
