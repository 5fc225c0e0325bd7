//! The emulator's TLS listeners (MQTTS and wss) with the project's tokio driver: a device that
//! trusts the emulator's CA file logs in and answers a command; one that trusts another CA is
//! refused at the handshake with a TLS error that names the reason.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::pki::Pki;
use common::{TempDir, WAIT, http};
use iotmqtt::client;
use iotmqtt::iotda::{CommandResponse, DeviceAuth, DeviceEvent, DeviceId, DeviceSecret};
use iotmqtt_cli::emulator::{Emulator, EmulatorConfig, EmulatorHandle, Registry, TlsIdentity};
use iotmqtt_tokio::iotda::{DeviceEvents, Event, IotdaDevice, IotdaOptions};
use iotmqtt_tokio::{Endpoint, TlsOptions, TransportErrorKind};
use serde_json::json;

const REGISTRY: &str = r#"{ "devices": [ { "device_id": "p_tls1", "secret": "s3cr3t-Key" } ] }"#;

fn auth() -> DeviceAuth {
    DeviceAuth::secret(
        DeviceId::new("p_tls1").unwrap(),
        DeviceSecret::new("s3cr3t-Key").unwrap(),
    )
}

async fn start(pki: &Pki) -> EmulatorHandle {
    let config = EmulatorConfig {
        tls_port: Some(0),
        wss_port: Some(0),
        tls: Some(
            TlsIdentity::from_pem(pki.server_cert.as_bytes(), pki.server_key.as_bytes()).unwrap(),
        ),
        registry: Registry::from_json(REGISTRY).unwrap(),
        ..EmulatorConfig::default()
    };
    Emulator::start(config).await.unwrap()
}

/// The next event, failing the test after [`WAIT`].
async fn next(events: &mut DeviceEvents) -> Event {
    tokio::time::timeout(WAIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the device is running")
}

/// Connects, answers one command sent through the HTTP API, disconnects.
async fn command_round_trip(endpoint: Endpoint, http_port: u16, n: u32) {
    let (device, mut events) = IotdaDevice::connect(IotdaOptions::new(endpoint, auth())).unwrap();
    loop {
        match next(&mut events).await {
            Event::Device(DeviceEvent::Mqtt(client::Event::Connected(_))) => break,
            Event::Device(_) => {}
            other => panic!("{other:?}"),
        }
    }
    let call = tokio::task::spawn_blocking(move || {
        http(
            http_port,
            "POST",
            "/devices/p_tls1/commands",
            Some(json!({ "command_name": "blink", "paras": { "n": n } })),
        )
    });
    let request_id = loop {
        match next(&mut events).await {
            Event::Device(DeviceEvent::Command { request_id, .. }) => break request_id,
            Event::Device(_) => {}
            other => panic!("{other:?}"),
        }
    };
    device
        .respond_command(
            &request_id,
            &CommandResponse::success(Some(json!({ "done": n }))),
        )
        .unwrap();
    let (status, body) = call.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["response"]["paras"]["done"], n);
    device.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tokio_device_over_mqtts_and_wss_with_the_emulator_ca_file() {
    let pki = Pki::new("emulator test CA", &["127.0.0.1", "localhost"]);
    let dir = TempDir::new("emulator-tls-tokio");
    pki.write(&dir.0);
    let emu = start(&pki).await;
    let ports = emu.ports();
    let ca = dir.0.join("ca.pem");
    let mqtts = ports.mqtts.expect("an MQTTS port");
    let wss = ports.wss.expect("a wss port");
    command_round_trip(
        Endpoint::tls("127.0.0.1", mqtts, TlsOptions::ca_file(&ca)),
        ports.http,
        1,
    )
    .await;
    command_round_trip(
        Endpoint::wss("localhost", wss, "/mqtt", TlsOptions::ca_file(&ca)),
        ports.http,
        2,
    )
    .await;
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_is_refused_with_a_clear_tls_error() {
    let pki = Pki::new("emulator test CA", &["127.0.0.1"]);
    let other = Pki::new("another CA", &["127.0.0.1"]);
    let dir = TempDir::new("emulator-tls-wrong-ca");
    std::fs::write(dir.0.join("other.pem"), &other.ca).unwrap();
    let emu = start(&pki).await;
    let mut log = emu.subscribe_log();
    let endpoint = Endpoint::tls(
        "127.0.0.1",
        emu.ports().mqtts.unwrap(),
        TlsOptions::ca_file(dir.0.join("other.pem")),
    );
    let (device, mut events) = IotdaDevice::connect(IotdaOptions::new(endpoint, auth())).unwrap();
    let error = loop {
        match next(&mut events).await {
            Event::Transport(e) => break e,
            Event::Device(DeviceEvent::Mqtt(client::Event::Connected(_))) => {
                panic!("connected with an untrusted certificate")
            }
            _ => {}
        }
    };
    assert_eq!(error.kind(), TransportErrorKind::Tls, "{error}");
    let text = error.to_string();
    assert!(text.contains("UnknownIssuer"), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{}", emu.ports().mqtts.unwrap())),
        "{text}"
    );
    device.disconnect().await.unwrap();
    // The emulator logs the failed handshake.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let line = tokio::time::timeout_at(deadline, log.recv())
            .await
            .expect("a log line in time")
            .unwrap();
        if line.contains("TLS handshake failed") {
            break;
        }
    }
    emu.shutdown().await;
}

#[test]
fn a_tls_identity_needs_a_certificate_and_its_key() {
    let pki = Pki::new("emulator test CA", &["127.0.0.1"]);
    let other = Pki::new("another CA", &["127.0.0.1"]);
    let err = TlsIdentity::from_pem(b"junk", pki.server_key.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");
    let err = TlsIdentity::from_pem(pki.server_cert.as_bytes(), b"junk").unwrap_err();
    assert!(err.to_string().contains("no private key"), "{err}");
    let err =
        TlsIdentity::from_pem(pki.server_cert.as_bytes(), other.server_key.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    let debug = format!(
        "{:?}",
        TlsIdentity::from_pem(pki.server_cert.as_bytes(), pki.server_key.as_bytes()).unwrap()
    );
    assert!(!debug.contains("PRIVATE"), "{debug}");
    // A TLS port without a certificate is refused before anything is bound.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(Emulator::start(EmulatorConfig {
            tls_port: Some(0),
            ..EmulatorConfig::default()
        }))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
