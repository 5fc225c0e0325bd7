//! The driver against a real mosquitto over TCP: both protocol versions, QoS 0/1/2 round
//! trips, reconnect after the broker dies with messages in flight, the credentials callback,
//! refusals, disconnect, and a slow application.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Broker, config, connected, message, next, until_end, wait_for};
use iotmqtt::client::{DropReason, Event as Mqtt};
use iotmqtt::{ProtocolError, ProtocolVersion, QoS, ReasonCode};
use iotmqtt_tokio::{AsyncClient, Endpoint, Error, Event, Login, Options, TransportErrorKind};

fn options(broker: &Broker, id: &str, version: ProtocolVersion) -> Options {
    Options::new(Endpoint::tcp("127.0.0.1", broker.port), config(id, version))
}

#[tokio::test]
async fn round_trips_at_every_qos_in_both_versions() {
    let broker = Broker::start("roundtrip");
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let (client, mut events) =
            AsyncClient::connect(options(&broker, &format!("rt-{version}"), version)).unwrap();
        let info = connected(&mut events).await;
        assert!(!info.session_present);
        assert_eq!(
            client.subscribe("rt/#", QoS::ExactlyOnce).await.unwrap(),
            QoS::ExactlyOnce
        );
        for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
            .into_iter()
            .enumerate()
        {
            let ack = client
                .publish(format!("rt/{i}"), format!("payload {i}"), qos, false)
                .await
                .unwrap();
            assert_eq!(ack.packet_id.is_some(), qos != QoS::AtMostOnce, "{version}");
            assert_eq!(ack.reason, ReasonCode::Success);
            let m = message(&mut events).await;
            assert_eq!(m.topic, format!("rt/{i}"), "{version}");
            assert_eq!(m.payload, format!("payload {i}").into_bytes());
            assert_eq!(m.qos, qos);
            assert_eq!(m.ack_token, None, "acknowledged by the driver");
        }
        let unsub = client.unsubscribe(vec!["rt/#".into()]).await.unwrap();
        assert_eq!(
            unsub.reasons.len(),
            usize::from(version == ProtocolVersion::V5)
        );
        let stats = client.stats().await.unwrap();
        assert_eq!((stats.inflight, stats.queued_messages), (0, 0));
        client.disconnect().await.unwrap();
        let rest = until_end(&mut events).await;
        assert!(
            matches!(rest.last(), Some(Event::Mqtt(Mqtt::Disconnected))),
            "{rest:?}"
        );
        assert!(matches!(
            client.publish("rt/x", "late", QoS::AtMostOnce, false).await,
            Err(Error::Closed)
        ));
        assert!(client.is_closed());
    }
}

#[tokio::test]
async fn commands_refused_by_the_session_fail_at_once() {
    let broker = Broker::start("usage");
    let (client, mut events) =
        AsyncClient::connect(options(&broker, "usage", ProtocolVersion::V5)).unwrap();
    connected(&mut events).await;
    assert!(matches!(
        client
            .publish("bad/+/topic", "x", QoS::AtLeastOnce, false)
            .await,
        Err(Error::Mqtt(iotmqtt::Error::Usage(_)))
    ));
    assert!(matches!(
        client.subscribe("bad/#/filter", QoS::AtMostOnce).await,
        Err(Error::Mqtt(iotmqtt::Error::Usage(_)))
    ));
    // Automatic acknowledgement: nothing to acknowledge by hand.
    assert!(matches!(
        client.ack(iotmqtt::client::AckToken::from_u64(1)).await,
        Err(Error::Mqtt(iotmqtt::Error::Usage(_)))
    ));
    // The connection is still fine.
    client
        .publish("ok", "x", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    client.disconnect().await.unwrap();
}

#[tokio::test]
async fn reconnects_after_the_broker_dies_with_messages_in_flight() {
    let mut broker = Broker::with_config("restart", |port, dir| {
        // Each client may only publish below its own client identifier: shows which
        // identifier each connection used.
        std::fs::write(
            dir.join("acl"),
            "pattern readwrite ids/%c/#\npattern read all/#\n",
        )
        .unwrap();
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\nacl_file {}\n",
            dir.join("acl").display()
        )
    });
    let logins = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&logins);
    let options = options(&broker, "unused", ProtocolVersion::V5).credentials(move |request| {
        let mut seen = seen.lock().unwrap();
        let id = format!("dev-{}", seen.len());
        seen.push(request.attempt);
        Ok(Login::new().client_id(id).username("dev"))
    });
    let (client, mut events) = AsyncClient::connect(options).unwrap();
    connected(&mut events).await;
    assert_eq!(logins.lock().unwrap().len(), 1);
    client
        .subscribe("ids/dev-0/#", QoS::AtLeastOnce)
        .await
        .unwrap();
    client
        .subscribe("ids/dev-1/#", QoS::AtLeastOnce)
        .await
        .unwrap();
    // The ACL shows the first connection's identifier.
    client
        .publish("ids/dev-0/a", "first", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    assert_eq!(message(&mut events).await.payload, b"first");
    assert!(matches!(
        client
            .publish("ids/dev-1/a", "x", QoS::AtLeastOnce, false)
            .await,
        Err(Error::Rejected(ReasonCode::NotAuthorized))
    ));

    // Freeze the broker, publish (the bytes leave, no acknowledgement comes back), kill it.
    broker.pause();
    let in_flight: Vec<_> = (0..5)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .publish(
                        format!("ids/dev-1/m{i}"),
                        format!("m{i}"),
                        QoS::AtLeastOnce,
                        false,
                    )
                    .await
            })
        })
        .collect();
    let start = std::time::Instant::now();
    while client.stats().await.unwrap().inflight < 5 {
        assert!(start.elapsed() < common::PATIENCE, "publishes never left");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    broker.kill();
    let (lost, _) = wait_for(&mut events, |e| match e {
        Event::Mqtt(Mqtt::ConnectionLost(lost)) => Some(lost.clone()),
        _ => None,
    })
    .await;
    assert!(lost.reconnect_at.is_some(), "{lost:?}");
    broker.spawn();

    // The new connection logs in afresh (new identifier), renews the subscriptions of the
    // new session, and resends what was in flight.
    let info = connected(&mut events).await;
    assert!(!info.session_present);
    for task in in_flight {
        let ack = task.await.unwrap().unwrap();
        assert_eq!(ack.reason, ReasonCode::Success);
    }
    let mut got: Vec<Vec<u8>> = Vec::new();
    while got.len() < 5 {
        got.push(message(&mut events).await.payload);
    }
    got.sort();
    assert_eq!(
        got,
        (0..5)
            .map(|i| format!("m{i}").into_bytes())
            .collect::<Vec<_>>()
    );
    let logins = logins.lock().unwrap().clone();
    assert!(logins.len() >= 2, "one login per CONNECT: {logins:?}");
    assert_eq!(logins[0], 0);
    assert!(logins[1..].iter().all(|a| *a >= 1), "{logins:?}");
    client.disconnect().await.unwrap();
}

/// A SUBSCRIBE asked for while offline, which the broker that comes back no longer admits
/// (its CONNACK announces a Maximum Packet Size below the request), fails with
/// `Error::Dropped` instead of waiting forever; a request that fits still works.
#[tokio::test]
async fn a_request_the_new_server_cannot_take_fails_with_dropped() {
    let mut broker = Broker::start("shrink");
    let (client, mut events) =
        AsyncClient::connect(options(&broker, "shrink", ProtocolVersion::V5)).unwrap();
    let info = connected(&mut events).await;
    assert_eq!(info.maximum_packet_size, None);
    broker.kill();
    wait_for(&mut events, |e| match e {
        Event::Mqtt(Mqtt::ConnectionLost(_)) => Some(()),
        _ => None,
    })
    .await;
    let port = broker.port;
    broker.file(
        "mosquitto.conf",
        format!("listener {port} 127.0.0.1\nallow_anonymous true\nmax_packet_size 40\n").as_bytes(),
    );
    let long = "a/filter/longer/than/the/forty/bytes/the/broker/takes";
    let pending = {
        let client = client.clone();
        tokio::spawn(async move { client.subscribe(long, QoS::AtLeastOnce).await })
    };
    // The request is queued (nothing says the next server is smaller) before the broker is back.
    let start = std::time::Instant::now();
    while client.stats().await.unwrap().pending_requests == 0 {
        assert!(
            start.elapsed() < common::PATIENCE,
            "the request never reached the session"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    broker.spawn();
    let info = connected(&mut events).await;
    assert_eq!(info.maximum_packet_size, Some(40));
    match pending.await.unwrap() {
        Err(Error::Dropped(DropReason::PacketTooLarge { size, max })) => {
            assert_eq!(max, 40);
            assert!(size > 40, "{size}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.stats().await.unwrap().pending_requests, 0);
    assert_eq!(
        client.subscribe("s/ok", QoS::AtLeastOnce).await.unwrap(),
        QoS::AtLeastOnce
    );
}

#[tokio::test]
async fn a_refused_tcp_connection_is_a_clean_error_and_retried() {
    let port = common::free_port();
    let (client, mut events) = AsyncClient::connect(Options::new(
        Endpoint::tcp("127.0.0.1", port),
        config("nobody", ProtocolVersion::V5),
    ))
    .unwrap();
    for _ in 0..2 {
        match next(&mut events).await {
            Event::Transport(e) => {
                assert_eq!(e.kind(), TransportErrorKind::Connect);
                assert_eq!(
                    e.io_error_kind(),
                    Some(std::io::ErrorKind::ConnectionRefused)
                );
                assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
            }
            other => panic!("{other:?}"),
        }
        match next(&mut events).await {
            Event::Mqtt(Mqtt::ConnectionLost(lost)) => {
                assert_eq!(
                    lost.error,
                    iotmqtt::Error::Protocol(ProtocolError::ConnectionClosed)
                );
                assert!(lost.reconnect_at.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            next(&mut events).await,
            Event::Mqtt(Mqtt::ReconnectDue { .. })
        ));
    }
    client.disconnect().await.unwrap();
    let rest = until_end(&mut events).await;
    assert!(
        rest.iter()
            .any(|e| matches!(e, Event::Mqtt(Mqtt::Disconnected))),
        "{rest:?}"
    );
}

#[tokio::test]
async fn a_loss_the_session_will_not_retry_stops_the_client() {
    // A broker that refuses anonymous clients: CONNACK "not authorized".
    let broker = Broker::with_config("refuse", |port, _| {
        format!("listener {port} 127.0.0.1\nallow_anonymous false\n")
    });
    for version in [ProtocolVersion::V311, ProtocolVersion::V5] {
        let mut config = config("refused", version);
        config.reconnect.enabled = false;
        let (client, mut events) = AsyncClient::connect(Options::new(
            Endpoint::tcp("127.0.0.1", broker.port),
            config,
        ))
        .unwrap();
        let all = until_end(&mut events).await;
        let lost: Vec<_> = all
            .iter()
            .filter_map(|e| match e {
                Event::Mqtt(Mqtt::ConnectionLost(lost)) => Some(lost.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(lost.len(), 1, "{all:?}");
        // In 3.1.1, return code 5 is mapped onto the 5.0 code.
        assert_eq!(
            lost[0].error,
            iotmqtt::Error::Protocol(ProtocolError::ConnectRefused(ReasonCode::NotAuthorized)),
            "{version}"
        );
        assert_eq!(lost[0].reconnect_at, None);
        assert!(
            !all.iter()
                .any(|e| matches!(e, Event::Mqtt(Mqtt::Connected(_))))
        );
        assert!(matches!(
            client.publish("t", "x", QoS::AtMostOnce, false).await,
            Err(Error::Closed)
        ));
    }
}

#[tokio::test]
async fn a_failing_credentials_callback_closes_and_retries() {
    let broker = Broker::start("login-fails");
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    let options = options(&broker, "login", ProtocolVersion::V311).credentials(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Err(iotmqtt_tokio::LoginError::new("token service unavailable"))
        } else {
            Ok(Login::new().username("u").password(b"p".to_vec()))
        }
    });
    let (client, mut events) = AsyncClient::connect(options).unwrap();
    let (_, before) = wait_for(&mut events, |e| match e {
        Event::Mqtt(Mqtt::Connected(_)) => Some(()),
        _ => None,
    })
    .await;
    assert!(
        matches!(&before[0], Event::Login(e) if e.to_string().contains("token service unavailable")),
        "{before:?}"
    );
    assert!(
        matches!(&before[1], Event::Mqtt(Mqtt::ConnectionLost(_))),
        "{before:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    client.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_slow_application_loses_only_qos0_messages_and_the_connection_keeps_working() {
    let broker = Broker::start("slow");
    let slow_options = options(&broker, "slow", ProtocolVersion::V5).event_capacity(2);
    let (slow, mut slow_events) = AsyncClient::connect(slow_options).unwrap();
    connected(&mut slow_events).await;
    slow.subscribe("slow/#", QoS::AtLeastOnce).await.unwrap();
    let (sender, mut sender_events) =
        AsyncClient::connect(options(&broker, "sender", ProtocolVersion::V5)).unwrap();
    connected(&mut sender_events).await;

    // The slow application reads nothing. Its own publishes still complete: each PUBACK
    // resolves its future even though the acknowledgement events overflow.
    for i in 0..20 {
        slow.publish(format!("elsewhere/{i}"), "x", QoS::AtLeastOnce, false)
            .await
            .unwrap();
    }
    // Messages for it: QoS 0 may be dropped (counted), QoS 1 never are.
    for i in 0..50 {
        sender
            .publish("slow/q0", format!("{i}"), QoS::AtMostOnce, false)
            .await
            .unwrap();
    }
    for i in 0..10 {
        sender
            .publish("slow/q1", format!("{i}"), QoS::AtLeastOnce, false)
            .await
            .unwrap();
    }
    let mut qos0 = Vec::new();
    let mut qos1 = Vec::new();
    let (mut dropped_messages, mut dropped_events) = (0, 0);
    while qos1.len() < 10 {
        match next(&mut slow_events).await {
            Event::Mqtt(Mqtt::Message(m)) if m.qos == QoS::AtMostOnce => {
                qos0.push(
                    String::from_utf8(m.payload)
                        .unwrap()
                        .parse::<u32>()
                        .unwrap(),
                );
            }
            Event::Mqtt(Mqtt::Message(m)) => {
                qos1.push(
                    String::from_utf8(m.payload)
                        .unwrap()
                        .parse::<u32>()
                        .unwrap(),
                );
            }
            Event::Dropped { messages, events } => {
                dropped_messages += messages;
                dropped_events += events;
            }
            _ => {}
        }
    }
    assert_eq!(
        qos1,
        (0..10).collect::<Vec<_>>(),
        "every QoS 1 message, in order"
    );
    assert!(qos0.windows(2).all(|w| w[0] < w[1]), "in order: {qos0:?}");
    assert!(
        dropped_events >= 20 - 4,
        "20 PUBACK events, 4 slots: {dropped_events}"
    );
    // Every QoS 0 message was delivered or counted once the sender's last QoS 1 arrived
    // (the broker keeps the order of one sender's messages).
    assert_eq!(qos0.len() as u64 + dropped_messages, 50, "{qos0:?}");
    slow.disconnect().await.unwrap();
    sender.disconnect().await.unwrap();
}

#[tokio::test]
async fn manual_ack_holds_the_acknowledgement_until_asked() {
    let broker = Broker::start("manual");
    let mut config = config("manual", ProtocolVersion::V5);
    config.manual_ack = true;
    let (client, mut events) = AsyncClient::connect(Options::new(
        Endpoint::tcp("127.0.0.1", broker.port),
        config,
    ))
    .unwrap();
    connected(&mut events).await;
    client
        .subscribe("manual/#", QoS::AtLeastOnce)
        .await
        .unwrap();
    client
        .publish("manual/1", "one", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    let m = message(&mut events).await;
    let token = m.ack_token.expect("a token in manual mode");
    assert_eq!(client.stats().await.unwrap().incoming_unacked, 1);
    client.ack(token).await.unwrap();
    assert_eq!(client.stats().await.unwrap().incoming_unacked, 0);
    assert!(client.ack(token).await.is_err(), "acknowledged twice");
    client.disconnect().await.unwrap();
}

#[tokio::test]
async fn dropping_every_handle_and_the_stream_disconnects() {
    let broker = Broker::with_config("drop", |port, _| {
        format!("listener {port} 127.0.0.1\nallow_anonymous true\nsys_interval 1\n")
    });
    let (watcher, mut watcher_events) =
        AsyncClient::connect(options(&broker, "watcher", ProtocolVersion::V5)).unwrap();
    connected(&mut watcher_events).await;
    let (client, mut events) =
        AsyncClient::connect(options(&broker, "dropped", ProtocolVersion::V5)).unwrap();
    connected(&mut events).await;
    watcher
        .subscribe("$SYS/broker/clients/connected", QoS::AtMostOnce)
        .await
        .unwrap();
    wait_for(&mut watcher_events, |e| match e {
        Event::Mqtt(Mqtt::Message(m)) if m.payload == b"2" => Some(()),
        _ => None,
    })
    .await;
    let probe = client.clone();
    drop(client);
    drop(events);
    // The remaining clone keeps it alive.
    probe
        .publish("t", "x", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    drop(probe);
    // The broker counts one client again once the dropped one said DISCONNECT.
    wait_for(&mut watcher_events, |e| match e {
        Event::Mqtt(Mqtt::Message(m)) if m.payload == b"1" => Some(()),
        _ => None,
    })
    .await;
    watcher.disconnect().await.unwrap();
}

#[tokio::test]
async fn keep_alive_holds_an_idle_connection_and_detects_a_dead_one() {
    let broker = Broker::start("keepalive");
    let mut config = config("idle", ProtocolVersion::V311);
    config.keep_alive = 1;
    let (client, mut events) = AsyncClient::connect(Options::new(
        Endpoint::tcp("127.0.0.1", broker.port),
        config,
    ))
    .unwrap();
    connected(&mut events).await;
    // mosquitto drops a client silent for 1.5 keep-alive intervals: only the driver's timer
    // (PINGREQ) keeps this idle connection up for three of them.
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    client.subscribe("idle", QoS::AtLeastOnce).await.unwrap();
    client
        .publish("idle", "still here", QoS::AtLeastOnce, false)
        .await
        .unwrap();
    let (m, skipped) = wait_for(&mut events, |e| match e {
        Event::Mqtt(Mqtt::Message(m)) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(m.payload, b"still here");
    assert!(
        !skipped
            .iter()
            .any(|e| matches!(e, Event::Mqtt(Mqtt::ConnectionLost(_)))),
        "{skipped:?}"
    );
    // A broker that stops answering is found out by the keep-alive timeout.
    broker.pause();
    let (lost, _) = wait_for(&mut events, |e| match e {
        Event::Mqtt(Mqtt::ConnectionLost(lost)) => Some(lost.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        lost.error,
        iotmqtt::Error::Timeout(iotmqtt::TimeoutKind::KeepAlive)
    );
    client.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_persisted_session_survives_a_restart_of_the_program() {
    let stored: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
    let stores = Arc::clone(&stored);
    // First run: no broker yet, three QoS 1 messages wait in the offline queue.
    let nowhere = common::free_port();
    let offline = Options::new(
        Endpoint::tcp("127.0.0.1", nowhere),
        config("persisted", ProtocolVersion::V5),
    )
    .persistence(None, move |snapshot| {
        *stores.lock().unwrap() = Some(snapshot.to_vec());
    });
    let (first, _events) = AsyncClient::connect(offline).unwrap();
    let pending: Vec<_> = (0..3)
        .map(|i| {
            let client = first.clone();
            tokio::spawn(async move {
                client
                    .publish(
                        format!("persisted/{i}"),
                        format!("p{i}"),
                        QoS::AtLeastOnce,
                        false,
                    )
                    .await
            })
        })
        .collect();
    // Wait until the stored snapshot holds all three.
    let start = std::time::Instant::now();
    let snapshot = loop {
        let snapshot = stored.lock().unwrap().clone();
        if let Some(bytes) = snapshot {
            let mut probe = iotmqtt::client::Client::new(config("persisted", ProtocolVersion::V5));
            probe.restore(&bytes).unwrap();
            if probe.stats().queued_messages == 3 {
                break bytes;
            }
        }
        assert!(
            start.elapsed() < common::PATIENCE,
            "no snapshot with three messages"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // The program stops: its futures fail, the messages are only in the snapshot.
    first.disconnect().await.unwrap();
    for task in pending {
        assert!(matches!(task.await.unwrap(), Err(Error::Closed)));
    }

    // Second run, against a broker this time, from the stored snapshot.
    let broker = Broker::start("persisted");
    let options =
        options(&broker, "persisted", ProtocolVersion::V5).persistence(Some(snapshot), |_| {});
    let (second, mut events) = AsyncClient::connect(options).unwrap();
    second
        .subscribe("persisted/#", QoS::AtLeastOnce)
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 3 {
        got.push(message(&mut events).await.payload);
    }
    got.sort();
    assert_eq!(got, [b"p0".to_vec(), b"p1".to_vec(), b"p2".to_vec()]);
    let start = std::time::Instant::now();
    while second.stats().await.unwrap().inflight > 0 {
        assert!(start.elapsed() < common::PATIENCE);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    second.disconnect().await.unwrap();

    // A snapshot that is not one is refused before anything starts.
    let bad = options_for_bad_snapshot();
    assert!(matches!(AsyncClient::connect(bad), Err(Error::Config(_))));
}

fn options_for_bad_snapshot() -> Options {
    Options::new(
        Endpoint::tcp("127.0.0.1", 1),
        config("bad", ProtocolVersion::V5),
    )
    .persistence(Some(b"not a snapshot".to_vec()), |_| {})
}
