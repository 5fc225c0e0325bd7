//! The IoTDA device front against mosquitto playing the platform: mosquitto checks the
//! device's login (a password file holding the password of the shared test vector) and, by
//! ACL, which client identifier it used; a second client publishes commands and property
//! requests the way the platform does and reads the device's answers.

#![cfg(feature = "iotda")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{Broker, PATIENCE, config, connected, message};
use iotmqtt::client::Event as Mqtt;
use iotmqtt::iotda::{
    CommandResponse, DeviceAuth, DeviceEvent, DeviceId, DeviceSecret, InputProblem, JsonPayload,
    PropertiesReport, PropertiesSetResponse, ServiceProperties, SigType, UtcTime,
};
use iotmqtt::{ProtocolError, ProtocolVersion, QoS, ReasonCode};
use iotmqtt_tokio::iotda::{DeviceEvents, Event, IotdaDevice, IotdaOptions};
use iotmqtt_tokio::{AsyncClient, Endpoint, Error, Options};
use serde_json::{Value, json};

/// One case of the shared IoTDA credentials vectors.
struct Vector {
    device_id: String,
    secret: String,
    utc: UtcTime,
    sig_type: SigType,
    client_id: String,
    password: String,
}

fn vector(name: &str) -> Vector {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/iotda-auth.json"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"));
    let text = |k: &str| case[k].as_str().unwrap().to_string();
    Vector {
        device_id: text("device_id"),
        secret: text("secret"),
        utc: UtcTime::parse(&text("utc")).unwrap(),
        sig_type: match case["sig_type"].as_u64().unwrap() {
            0 => SigType::HmacSha256,
            1 => SigType::HmacSha256Checked,
            _ => SigType::HmacSm3,
        },
        client_id: text("client_id"),
        password: text("password"),
    }
}

impl Vector {
    fn auth(&self, secret: &str) -> DeviceAuth {
        DeviceAuth::secret(
            DeviceId::new(&self.device_id).unwrap(),
            DeviceSecret::new(secret).unwrap(),
        )
        .with_sig_type(self.sig_type)
    }
}

/// A broker that knows the device's password and lets each client publish below its own
/// client identifier (`ids/%c`) and every client use the device's topics.
fn platform_broker(name: &str, device: Option<&Vector>) -> Broker {
    Broker::with_config(name, |port, dir| {
        let mut conf = format!("listener {port} 127.0.0.1\nallow_anonymous true\n");
        if let Some(v) = device {
            let file = dir.join("passwords");
            let status = Command::new("mosquitto_passwd")
                .arg("-b")
                .arg("-c")
                .arg(&file)
                .arg(&v.device_id)
                .arg(&v.password)
                .status()
                .expect("mosquitto_passwd (package mosquitto)");
            assert!(status.success());
            let _ = Command::new("chmod").arg("644").arg(&file).status();
            conf.push_str(&format!("password_file {}\n", file.display()));
        }
        std::fs::write(
            dir.join("acl"),
            "topic readwrite $oc/#\npattern readwrite ids/%c\npattern readwrite $oc/devices/%u/#\n",
        )
        .unwrap();
        conf.push_str(&format!("acl_file {}\n", dir.join("acl").display()));
        conf
    })
}

async fn next_device_event(events: &mut DeviceEvents) -> Event {
    match tokio::time::timeout(PATIENCE, events.recv()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the device's events ended"),
        Err(_) => panic!("no device event within {PATIENCE:?}"),
    }
}

/// Skips session events until an IoTDA event (not an MQTT session event) arrives.
async fn next_request(events: &mut DeviceEvents) -> DeviceEvent {
    loop {
        match next_device_event(events).await {
            Event::Device(DeviceEvent::Mqtt(_)) => {}
            // mosquitto echoes the device's own answers back through its `commands/#`-style
            // subscriptions; the core reports them as topics the platform never sends on.
            Event::Device(DeviceEvent::BadInput(bad))
                if bad.problem == InputProblem::UnexpectedTopic => {}
            Event::Device(other) => return other,
            Event::Transport(e) => panic!("transport: {e}"),
            other => panic!("{other:?}"),
        }
    }
}

async fn device_connected(events: &mut DeviceEvents) {
    loop {
        if let Event::Device(DeviceEvent::Mqtt(Mqtt::Connected(_))) =
            next_device_event(events).await
        {
            return;
        }
    }
}

/// The reason code of the next PUBACK the device receives.
async fn next_ack(events: &mut DeviceEvents) -> ReasonCode {
    loop {
        if let Event::Device(DeviceEvent::Mqtt(Mqtt::PublishAcked { reason, .. })) =
            next_device_event(events).await
        {
            return reason;
        }
    }
}

/// The platform's next message on one of the device's upstream topics.
async fn upstream(events: &mut iotmqtt_tokio::EventStream, suffix: &str) -> (String, Vec<u8>) {
    loop {
        let m = message(events).await;
        if m.topic.contains(suffix) {
            return (m.topic, m.payload);
        }
    }
}

#[tokio::test]
async fn a_device_logs_in_reports_and_answers_the_platform() {
    let v = vector("secret sig 1");
    let broker = platform_broker("iotda-device", Some(&v));
    let (platform, mut platform_events) = AsyncClient::connect(Options::new(
        Endpoint::tcp("127.0.0.1", broker.port),
        config("platform", ProtocolVersion::V5),
    ))
    .unwrap();
    connected(&mut platform_events).await;
    let base = format!("$oc/devices/{}/sys", v.device_id);
    platform
        .subscribe(format!("{base}/#"), QoS::AtLeastOnce)
        .await
        .unwrap();

    let now = v.utc;
    let options = IotdaOptions::new(Endpoint::tcp("127.0.0.1", broker.port), v.auth(&v.secret))
        .protocol(ProtocolVersion::V5)
        .subscribe_downstream()
        .clock(move || Ok(now));
    let (device, mut events) = IotdaDevice::connect(options).unwrap();
    // mosquitto accepted the vector's password; the ACL shows the vector's client id.
    device_connected(&mut events).await;
    device
        .publish(&format!("ids/{}", v.client_id), b"me", QoS::AtLeastOnce)
        .unwrap();
    assert!(!next_ack(&mut events).await.is_error()); // Success or No matching subscribers
    device
        .publish("ids/someone-else", b"x", QoS::AtLeastOnce)
        .unwrap();
    assert_eq!(next_ack(&mut events).await, ReasonCode::NotAuthorized);
    // IoTDA's rules are the core's, checked before anything is queued.
    assert!(matches!(
        device.publish("ids/x", b"x", QoS::ExactlyOnce),
        Err(Error::Mqtt(iotmqtt::Error::Usage(
            iotmqtt::UsageError::QosNotSupported
        )))
    ));

    // Properties up.
    let services = vec![ServiceProperties::new("Battery", json!({"level": 80}))];
    device.report_properties(services.clone()).unwrap();
    let (topic, payload) = upstream(&mut platform_events, "/properties/report").await;
    assert_eq!(topic, format!("{base}/properties/report"));
    assert_eq!(
        PropertiesReport::from_json(&payload).unwrap(),
        PropertiesReport::new(services)
    );

    // A command, and its answer with the same request id.
    platform
        .publish(
            format!("{base}/commands/request_id=cmd-1"),
            r#"{"service_id":"Light","command_name":"on","paras":{"level":3}}"#,
            QoS::AtLeastOnce,
            false,
        )
        .await
        .unwrap();
    match next_request(&mut events).await {
        DeviceEvent::Command {
            request_id,
            command,
        } => {
            assert_eq!(request_id, "cmd-1");
            assert_eq!(command.command_name.as_deref(), Some("on"));
            assert_eq!(command.paras["level"], 3);
            device
                .respond_command(
                    &request_id,
                    &CommandResponse::success(Some(json!({"state": "on"}))),
                )
                .unwrap();
        }
        other => panic!("{other:?}"),
    }
    let (topic, payload) = upstream(&mut platform_events, "/commands/response/").await;
    assert_eq!(topic, format!("{base}/commands/response/request_id=cmd-1"));
    let answer = CommandResponse::from_json(&payload).unwrap();
    assert!(answer.is_success());
    assert_eq!(answer.paras, Some(json!({"state": "on"})));

    // A malformed request is reported with its request id and the session goes on.
    platform
        .publish(
            format!("{base}/commands/request_id=bad"),
            "{not json",
            QoS::AtLeastOnce,
            false,
        )
        .await
        .unwrap();
    match next_request(&mut events).await {
        DeviceEvent::BadInput(bad) => {
            assert!(bad.topic.ends_with("request_id=bad"), "{bad:?}");
            assert_eq!(bad.request_id.as_deref(), Some("bad"));
            assert!(matches!(bad.problem, InputProblem::Payload(_)));
        }
        other => panic!("{other:?}"),
    }

    // Property set.
    platform
        .publish(
            format!("{base}/properties/set/request_id=set-7"),
            r#"{"services":[{"service_id":"Light","properties":{"level":5}}]}"#,
            QoS::AtLeastOnce,
            false,
        )
        .await
        .unwrap();
    match next_request(&mut events).await {
        DeviceEvent::PropertiesSet {
            request_id,
            request,
        } => {
            assert_eq!(request_id, "set-7");
            assert_eq!(request.services[0].properties["level"], 5);
            device
                .respond_properties_set(&request_id, &PropertiesSetResponse::success())
                .unwrap();
        }
        other => panic!("{other:?}"),
    }
    let (topic, payload) = upstream(&mut platform_events, "/properties/set/response/").await;
    assert!(topic.ends_with("request_id=set-7"), "{topic}");
    assert!(
        PropertiesSetResponse::from_json(&payload)
            .unwrap()
            .is_success()
    );

    // A shadow request nobody answers times out in the core, and the event names it.
    let shadow = device.get_shadow(None, None).unwrap();
    assert_eq!(device.pending_requests(), 1);
    let (topic, _) = upstream(&mut platform_events, "/shadow/get/").await;
    assert!(topic.ends_with(&format!("request_id={shadow}")), "{topic}");

    device.disconnect().await.unwrap();
    assert!(matches!(
        device.report_properties(Vec::new()),
        Err(Error::Closed)
    ));
    platform.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_wrong_secret_is_refused_cleanly() {
    let v = vector("secret sig 0");
    let broker = platform_broker("iotda-refused", Some(&v));
    let now = v.utc;
    let mut options = IotdaOptions::new(
        Endpoint::tcp("127.0.0.1", broker.port),
        v.auth("not-the-secret"),
    )
    .clock(move || Ok(now));
    options.config_mut().reconnect.enabled = false;
    let (device, mut events) = IotdaDevice::connect(options).unwrap();
    let all = until_end_device(&mut events).await;
    let refused = all.iter().find_map(|e| match e {
        Event::Device(DeviceEvent::Mqtt(Mqtt::ConnectionLost(lost))) => Some(lost.clone()),
        _ => None,
    });
    let lost = refused.unwrap_or_else(|| panic!("{all:?}"));
    assert!(
        matches!(
            lost.error,
            iotmqtt::Error::Protocol(ProtocolError::ConnectRefused(
                ReasonCode::NotAuthorized | ReasonCode::BadUserNameOrPassword
            ))
        ),
        "{lost:?}"
    );
    assert_eq!(lost.reconnect_at, None);
    assert!(matches!(device.disconnect().await, Err(Error::Closed)));
}

#[tokio::test]
async fn every_reconnect_logs_in_with_the_time_of_that_attempt() {
    let v = vector("secret sig 1");
    // No password file: the ACL on the client identifier shows which login was used.
    let mut broker = platform_broker("iotda-fresh", None);
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    let first = v.utc;
    let clock = move || {
        // The first reading (the first login) is in hour 08, the rest an hour later.
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let shift = if n < 1 { 0 } else { 3_600 };
        UtcTime::from_unix_seconds(first.unix_seconds() + shift)
    };
    let mut options = IotdaOptions::new(Endpoint::tcp("127.0.0.1", broker.port), v.auth(&v.secret))
        .protocol(ProtocolVersion::V5)
        .clock(clock);
    options.config_mut().reconnect.min_delay = std::time::Duration::from_millis(50);
    options.config_mut().reconnect.max_delay = std::time::Duration::from_millis(200);
    let (device, mut events) = IotdaDevice::connect(options).unwrap();
    device_connected(&mut events).await;
    let hour_08 = v.client_id.clone();
    let hour_09 = hour_08.replace("2026112508", "2026112509");
    assert_ne!(hour_08, hour_09);
    let publish = |id: &str| {
        device
            .publish(&format!("ids/{id}"), b"x", QoS::AtLeastOnce)
            .unwrap();
    };
    publish(&hour_08);
    assert!(!next_ack(&mut events).await.is_error()); // Success or No matching subscribers
    publish(&hour_09);
    assert_eq!(next_ack(&mut events).await, ReasonCode::NotAuthorized);

    broker.kill();
    broker.spawn();
    device_connected(&mut events).await;
    publish(&hour_09);
    assert!(!next_ack(&mut events).await.is_error()); // Success or No matching subscribers
    publish(&hour_08);
    assert_eq!(next_ack(&mut events).await, ReasonCode::NotAuthorized);
    assert!(calls.load(Ordering::SeqCst) >= 2);
    device.disconnect().await.unwrap();
    let rest = until_end_device(&mut events).await;
    assert!(
        rest.iter()
            .any(|e| matches!(e, Event::Device(DeviceEvent::Mqtt(Mqtt::Disconnected))))
    );
}

async fn until_end_device(events: &mut DeviceEvents) -> Vec<Event> {
    let mut all = Vec::new();
    while let Some(event) = tokio::time::timeout(PATIENCE, events.recv())
        .await
        .expect("the device's events did not end")
    {
        all.push(event);
    }
    all
}
