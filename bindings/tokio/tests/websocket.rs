//! MQTT over WebSocket (ws and wss). Debian's mosquitto 2.0 is built without WebSocket
//! support, so these tests put a small WebSocket-to-TCP bridge in front of a real mosquitto:
//! it checks the path and the `mqtt` subprotocol, forwards binary frames to the broker's TCP
//! port and back, and records every frame kind the client sent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Mutex};

use common::{Broker, Pki, config, connected, message, until_end};
use futures_util::{SinkExt, StreamExt};
use iotmqtt::client::Event as Mqtt;
use iotmqtt::{ProtocolVersion, QoS};
use iotmqtt_tokio::{AsyncClient, Endpoint, Event, Options, TlsOptions, TransportErrorKind};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

/// What the bridge saw.
#[derive(Debug, Default)]
struct Seen {
    paths: Vec<String>,
    protocols: Vec<String>,
    binary_frames: usize,
    other_frames: usize,
}

struct Bridge {
    port: u16,
    seen: Arc<Mutex<Seen>>,
}

/// How the bridge answers the upgrade.
#[derive(Clone, Copy)]
struct Behaviour {
    path: &'static str,
    choose_mqtt: bool,
}

async fn bridge(
    broker_port: u16,
    tls: Option<tokio_rustls::TlsAcceptor>,
    behaviour: Behaviour,
) -> Bridge {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let record = Arc::clone(&record);
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            serve(stream, broker_port, behaviour, record).await;
                        }
                    }
                    None => serve(tcp, broker_port, behaviour, record).await,
                }
            });
        }
    });
    Bridge { port, seen }
}

// The upgrade callback's error type is tungstenite's (an HTTP response), large by design.
#[allow(clippy::result_large_err)]
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    broker_port: u16,
    behaviour: Behaviour,
    record: Arc<Mutex<Seen>>,
) {
    let upgrade_record = Arc::clone(&record);
    let callback = move |request: &Request, mut response: Response| {
        let mut seen = upgrade_record.lock().unwrap();
        seen.paths.push(request.uri().path().to_string());
        let protocol = request
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        seen.protocols.push(protocol.clone());
        if request.uri().path() != behaviour.path {
            let mut refusal = ErrorResponse::new(Some("no such path".into()));
            *refusal.status_mut() = StatusCode::NOT_FOUND;
            return Err(refusal);
        }
        if behaviour.choose_mqtt && protocol.split(',').any(|p| p.trim() == "mqtt") {
            response
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
        }
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let mut tcp = TcpStream::connect(("127.0.0.1", broker_port))
        .await
        .unwrap();
    let (mut ws_tx, mut ws_rx) = ws.split();
    let (mut tcp_rx, mut tcp_tx) = tcp.split();
    let mut buf = vec![0u8; 4096];
    loop {
        tokio::select! {
            frame = ws_rx.next() => match frame {
                Some(Ok(Message::Binary(data))) => {
                    record.lock().unwrap().binary_frames += 1;
                    if tcp_tx.write_all(&data).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => record.lock().unwrap().other_frames += 1,
            },
            read = tcp_rx.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    let _ = ws_tx.close().await;
                    return;
                }
                Ok(n) => {
                    if ws_tx.send(Message::Binary(buf[..n].to_vec().into())).await.is_err() {
                        return;
                    }
                }
            },
        }
    }
}

fn acceptor(pki: &Pki) -> tokio_rustls::TlsAcceptor {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pki.server_cert.as_bytes())
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_slice(pki.server_key.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn round_trip(endpoint: Endpoint, version: ProtocolVersion, id: &str) {
    let (client, mut events) =
        AsyncClient::connect(Options::new(endpoint, config(id, version))).unwrap();
    connected(&mut events).await;
    client.subscribe("ws/#", QoS::ExactlyOnce).await.unwrap();
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        client
            .publish("ws/a", format!("{qos:?}"), qos, false)
            .await
            .unwrap();
        let m = message(&mut events).await;
        assert_eq!(m.payload, format!("{qos:?}").into_bytes());
        assert_eq!(m.qos, qos);
    }
    client.disconnect().await.unwrap();
}

const MQTT_PATH: Behaviour = Behaviour {
    path: "/mqtt",
    choose_mqtt: true,
};

#[tokio::test]
async fn mqtt_over_websocket_in_both_versions() {
    let broker = Broker::start("ws");
    let bridge = bridge(broker.port, None, MQTT_PATH).await;
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let endpoint = Endpoint::ws("127.0.0.1", bridge.port, "/mqtt");
        round_trip(endpoint, version, &format!("ws-{version}")).await;
    }
    let seen = bridge.seen.lock().unwrap();
    assert_eq!(seen.paths, ["/mqtt", "/mqtt"]);
    assert_eq!(seen.protocols, ["mqtt", "mqtt"]);
    assert!(seen.binary_frames >= 2 * 6, "{seen:?}");
    assert_eq!(seen.other_frames, 0, "only binary frames: {seen:?}");
}

#[tokio::test]
async fn mqtt_over_secure_websocket() {
    let pki = Pki::new("test CA", &["localhost", "127.0.0.1"]);
    let broker = Broker::start("wss");
    let bridge = bridge(broker.port, Some(acceptor(&pki)), MQTT_PATH).await;
    let endpoint = Endpoint::wss(
        "127.0.0.1",
        bridge.port,
        "/mqtt",
        TlsOptions::ca_pem(pki.ca.clone()),
    );
    round_trip(endpoint, ProtocolVersion::V5, "wss").await;
    assert_eq!(bridge.seen.lock().unwrap().paths, ["/mqtt"]);
}

async fn refused_upgrade(behaviour: Behaviour, path: &str) -> (TransportErrorKind, String) {
    let broker = Broker::start("ws-refused");
    let bridge = bridge(broker.port, None, behaviour).await;
    let mut config = config("refused", ProtocolVersion::V5);
    config.reconnect.enabled = false;
    let endpoint = Endpoint::ws("127.0.0.1", bridge.port, path);
    let (_client, mut events) = AsyncClient::connect(Options::new(endpoint, config)).unwrap();
    let all = until_end(&mut events).await;
    assert!(
        !all.iter()
            .any(|e| matches!(e, Event::Mqtt(Mqtt::Connected(_)))),
        "{all:?}"
    );
    all.iter()
        .find_map(|e| match e {
            Event::Transport(t) => Some((t.kind(), t.to_string())),
            _ => None,
        })
        .expect("a transport error")
}

#[tokio::test]
async fn a_server_that_does_not_speak_mqtt_is_refused() {
    let (kind, text) = refused_upgrade(
        Behaviour {
            path: "/mqtt",
            choose_mqtt: false,
        },
        "/mqtt",
    )
    .await;
    assert_eq!(kind, TransportErrorKind::WebSocket);
    assert!(text.to_lowercase().contains("subprotocol"), "{text}");
}

#[tokio::test]
async fn a_wrong_path_is_a_clean_error() {
    let (kind, text) = refused_upgrade(MQTT_PATH, "/elsewhere").await;
    assert_eq!(kind, TransportErrorKind::WebSocket);
    assert!(text.contains("404"), "{text}");
}

#[test]
fn a_path_must_start_with_a_slash() {
    let options = Options::new(
        Endpoint::ws("127.0.0.1", 80, "mqtt"),
        config("x", ProtocolVersion::V5),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime
        .block_on(async { AsyncClient::connect(options).map(|_| ()) })
        .unwrap_err();
    assert!(err.to_string().contains("must start with '/'"), "{err}");
}
