//! TLS against mosquitto with throwaway certificates made at test time: a CA file, PEM
//! roots, SNI, a required client certificate, the optional host name check, and clean errors
//! for an untrusted server.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Broker, Pki, config, connected, message, until_end};
use iotmqtt::client::Event as Mqtt;
use iotmqtt::{ProtocolVersion, QoS};
use iotmqtt_tokio::{AsyncClient, Endpoint, Event, Options, TlsOptions, TransportErrorKind};

/// A mosquitto TLS listener with `pki`'s server certificate; `require_certificate` asks
/// clients for a certificate signed by the CA.
fn tls_broker(name: &str, pki: &Pki, require_certificate: bool) -> Broker {
    Broker::with_config(name, |port, dir| {
        std::fs::write(dir.join("ca.pem"), &pki.ca).unwrap();
        std::fs::write(dir.join("server.pem"), &pki.server_cert).unwrap();
        std::fs::write(dir.join("server.key"), &pki.server_key).unwrap();
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\ncafile {d}/ca.pem\n\
             certfile {d}/server.pem\nkeyfile {d}/server.key\nrequire_certificate {require_certificate}\n",
            d = dir.display()
        )
    })
}

async fn round_trip(tls: TlsOptions, port: u16, id: &str) {
    let endpoint = Endpoint::tls("127.0.0.1", port, tls);
    let (client, mut events) =
        AsyncClient::connect(Options::new(endpoint, config(id, ProtocolVersion::V5))).unwrap();
    connected(&mut events).await;
    client.subscribe("tls/#", QoS::AtLeastOnce).await.unwrap();
    client
        .publish("tls/a", "secret-free payload", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    assert_eq!(message(&mut events).await.payload, b"secret-free payload");
    client.disconnect().await.unwrap();
}

/// Connects once without reconnecting and returns every event until the client stops.
async fn one_attempt(tls: TlsOptions, port: u16) -> Vec<Event> {
    let mut config = config("once", ProtocolVersion::V5);
    config.reconnect.enabled = false;
    let endpoint = Endpoint::tls("127.0.0.1", port, tls);
    let (_client, mut events) = AsyncClient::connect(Options::new(endpoint, config)).unwrap();
    until_end(&mut events).await
}

fn transport_errors(events: &[Event]) -> Vec<(TransportErrorKind, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Transport(t) => Some((t.kind(), t.to_string())),
            _ => None,
        })
        .collect()
}

fn connected_at_all(events: &[Event]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::Mqtt(Mqtt::Connected(_))))
}

#[tokio::test]
async fn tls_with_a_ca_file_and_with_pem_roots() {
    let pki = Pki::new("test CA", &["localhost", "127.0.0.1"]);
    let broker = tls_broker("tls-ca", &pki, false);
    let ca = broker.file("client-ca.pem", pki.ca.as_bytes());
    round_trip(TlsOptions::ca_file(&ca), broker.port, "ca-file").await;
    // SNI and certificate check with a name instead of the address.
    round_trip(
        TlsOptions::ca_pem(pki.ca.clone()).server_name("localhost"),
        broker.port,
        "ca-pem",
    )
    .await;
}

#[tokio::test]
async fn an_untrusted_server_is_a_clean_tls_error() {
    let pki = Pki::new("test CA", &["127.0.0.1"]);
    let other = Pki::new("another CA", &["127.0.0.1"]);
    let broker = tls_broker("tls-untrusted", &pki, false);
    for tls in [
        TlsOptions::ca_pem(other.ca.clone()),
        // Skipping the name check still checks the chain.
        TlsOptions::ca_pem(other.ca.clone()).danger_skip_hostname_verification(),
    ] {
        let events = one_attempt(tls, broker.port).await;
        let errors = transport_errors(&events);
        assert_eq!(errors.len(), 1, "{events:?}");
        assert_eq!(errors[0].0, TransportErrorKind::Tls);
        assert!(
            errors[0].1.contains("UnknownIssuer") || errors[0].1.contains("issuer"),
            "{}",
            errors[0].1
        );
        assert!(!connected_at_all(&events));
    }
}

#[tokio::test]
async fn the_host_name_check_can_be_skipped_only_on_request() {
    // The certificate names another host than the one connected to.
    let pki = Pki::new("test CA", &["iot.example.com"]);
    let broker = tls_broker("tls-name", &pki, false);
    let events = one_attempt(TlsOptions::ca_pem(pki.ca.clone()), broker.port).await;
    let errors = transport_errors(&events);
    assert_eq!(errors.len(), 1, "{events:?}");
    assert_eq!(errors[0].0, TransportErrorKind::Tls);
    assert!(
        errors[0].1.contains("not valid for name"),
        "{}",
        errors[0].1
    );
    assert!(!connected_at_all(&events));

    round_trip(
        TlsOptions::ca_pem(pki.ca.clone()).danger_skip_hostname_verification(),
        broker.port,
        "skip-name",
    )
    .await;
    // The right SNI name passes the normal check.
    round_trip(
        TlsOptions::ca_pem(pki.ca.clone()).server_name("iot.example.com"),
        broker.port,
        "right-name",
    )
    .await;
}

#[tokio::test]
async fn a_required_client_certificate() {
    let pki = Pki::new("test CA", &["127.0.0.1"]);
    let broker = tls_broker("tls-client-cert", &pki, true);
    let cert = broker.file("device.pem", pki.client_cert.as_bytes());
    let key = broker.file("device.key", pki.client_key.as_bytes());
    round_trip(
        TlsOptions::ca_pem(pki.ca.clone()).client_cert_files(&cert, &key),
        broker.port,
        "with-cert",
    )
    .await;
    round_trip(
        TlsOptions::ca_pem(pki.ca.clone())
            .client_cert_pem(pki.client_cert.clone(), pki.client_key.clone()),
        broker.port,
        "with-cert-pem",
    )
    .await;

    // Without one the server ends the handshake (in TLS 1.3 the client may only learn it at
    // its first read).
    let events = one_attempt(TlsOptions::ca_pem(pki.ca.clone()), broker.port).await;
    let errors = transport_errors(&events);
    assert_eq!(errors.len(), 1, "{events:?}");
    assert!(
        matches!(
            errors[0].0,
            TransportErrorKind::Tls | TransportErrorKind::Read
        ),
        "{errors:?}"
    );
    assert!(!connected_at_all(&events));
}

#[test]
fn bad_tls_options_are_refused_before_connecting() {
    let dir = common::temp_dir("tls-options");
    let missing = TlsOptions::ca_file(dir.join("missing.pem")).build("localhost");
    assert!(
        missing.unwrap_err().to_string().contains("missing.pem"),
        "names the file"
    );
    std::fs::write(dir.join("empty.pem"), "not a certificate").unwrap();
    let empty = TlsOptions::ca_file(dir.join("empty.pem")).build("localhost");
    assert!(matches!(
        empty,
        Err(iotmqtt_tokio::ConfigError::NoCertificate(_))
    ));
    let pki = Pki::new("test CA", &["localhost"]);
    let no_key = TlsOptions::ca_pem(pki.ca.clone())
        .client_cert_pem(pki.client_cert.clone(), "no key here")
        .build("localhost");
    assert!(matches!(
        no_key,
        Err(iotmqtt_tokio::ConfigError::NoPrivateKey(_))
    ));
    // A key that does not belong to the certificate.
    let mismatched = TlsOptions::ca_pem(pki.ca.clone())
        .client_cert_pem(pki.client_cert.clone(), pki.server_key.clone())
        .build("localhost");
    assert!(mismatched.is_err());
    let bad_name = TlsOptions::ca_pem(pki.ca.clone()).build("not a host name");
    assert!(matches!(
        bad_name,
        Err(iotmqtt_tokio::ConfigError::InvalidServerName(_))
    ));
    assert!(
        TlsOptions::ca_pem(pki.ca.clone())
            .build("localhost")
            .is_ok()
    );
    // Debug never shows key material.
    let debug = format!(
        "{:?}",
        TlsOptions::ca_pem(pki.ca.clone()).client_cert_pem(pki.client_cert, pki.client_key.clone())
    );
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    let _ = std::fs::remove_dir_all(dir);
}
