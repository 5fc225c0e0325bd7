//! The emulator with the project's tokio driver (`iotmqtt-tokio`): its `IotdaDevice` front over
//! TCP and over WebSocket, answering the operator's HTTP requests.

// A failing test panics: helpers outside `#[test]` functions unwrap and index like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod device;

use common::{WAIT, http};
use device::InProcess;
use iotmqtt::client;
use iotmqtt::iotda::{
    CommandResponse, DeviceAuth, DeviceEvent, DeviceId, DeviceSecret, ServiceProperties,
    SystemEvent,
};
use iotmqtt_tokio::Endpoint;
use iotmqtt_tokio::iotda::{DeviceEvents, Event, IotdaDevice, IotdaOptions};
use serde_json::json;

fn auth() -> DeviceAuth {
    DeviceAuth::secret(
        DeviceId::new("p_dev1").unwrap(),
        DeviceSecret::new("s3cr3t-Key").unwrap(),
    )
}

/// The next device event that `pick` accepts (others are skipped).
async fn next<T>(events: &mut DeviceEvents, pick: impl Fn(DeviceEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("an event in time")
            .expect("the device is running");
        let event = match event {
            Event::Device(DeviceEvent::Mqtt(client::Event::ConnectionLost(l))) => {
                panic!("connection lost: {l:?}")
            }
            Event::Device(event) => event,
            other => panic!("{other:?}"),
        };
        if let Some(t) = pick(event) {
            return t;
        }
    }
}

async fn connected(events: &mut DeviceEvents) {
    next(events, |e| match e {
        DeviceEvent::Mqtt(client::Event::Connected(_)) => Some(()),
        _ => None,
    })
    .await;
}

#[test]
fn the_tokio_device_answers_a_command_and_reads_its_shadow() {
    let emu = InProcess::start();
    let (mqtt, port) = (emu.mqtt, emu.http);
    emu.rt.block_on(async move {
        let (device, mut events) =
            IotdaDevice::connect(IotdaOptions::new(Endpoint::tcp("127.0.0.1", mqtt), auth()))
                .unwrap();
        connected(&mut events).await;
        device
            .report_properties(vec![ServiceProperties::new("Light", json!({ "on": true }))])
            .unwrap();

        let call = tokio::task::spawn_blocking(move || {
            http(
                port,
                "POST",
                "/devices/p_dev1/commands",
                Some(
                    json!({ "service_id": "Light", "command_name": "blink", "paras": { "n": 2 } }),
                ),
            )
        });
        let (request_id, name) = next(&mut events, |e| match e {
            DeviceEvent::Command {
                request_id,
                command,
            } => Some((request_id, command.command_name)),
            _ => None,
        })
        .await;
        assert_eq!(name.as_deref(), Some("blink"));
        device
            .respond_command(
                &request_id,
                &CommandResponse::success(Some(json!({ "done": 2 }))),
            )
            .unwrap();
        let (status, body) = call.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["response"]["paras"]["done"], 2);

        let asked = device.get_shadow(None, None).unwrap();
        let shadow = next(&mut events, |e| match e {
            DeviceEvent::Shadow {
                request_id,
                response,
                answers,
            } if request_id == asked => {
                assert!(
                    answers.is_some(),
                    "the core matched the answer to the request"
                );
                Some(response)
            }
            _ => None,
        })
        .await;
        assert_eq!(shadow.object_device_id, "p_dev1");
        let reported = shadow.shadow[0].reported.as_ref().unwrap();
        assert_eq!(reported.properties, json!({ "on": true }));

        // Time sync: the core correlates the platform's answer with the request.
        let sync = device.request_time_sync().unwrap();
        let response = next(&mut events, |e| match e {
            DeviceEvent::System(s) if s.answers.as_ref().is_some_and(|a| a.id == sync) => {
                match s.event {
                    SystemEvent::TimeSyncResponse(r) => Some(r),
                    _ => None,
                }
            }
            _ => None,
        })
        .await;
        assert!(response.server_recv_time > 1_700_000_000_000);
        assert_eq!(device.pending_requests(), 0);
        device.disconnect().await.unwrap();
    });
}

#[test]
fn the_tokio_device_over_websocket() {
    let emu = InProcess::start();
    let (ws, port) = (emu.ws, emu.http);
    emu.rt.block_on(async move {
        let endpoint = Endpoint::ws("127.0.0.1", ws, "/mqtt");
        let options = IotdaOptions::new(endpoint, auth()).protocol(iotmqtt::ProtocolVersion::V5);
        let (device, mut events) = IotdaDevice::connect(options).unwrap();
        connected(&mut events).await;
        let (status, _) = tokio::task::spawn_blocking(move || {
            http(
                port,
                "POST",
                "/devices/p_dev1/messages",
                Some(json!({ "content": "via ws" })),
            )
        })
        .await
        .unwrap();
        assert_eq!(status, 202);
        let content = next(&mut events, |e| match e {
            DeviceEvent::MessageDown { message, .. } => message.map(|m| m.content),
            _ => None,
        })
        .await;
        assert_eq!(content, json!("via ws"));
        device.disconnect().await.unwrap();
    });
    emu.wait_log("p_dev1: connected (MQTT 5.0");
}

#[test]
fn the_tokio_device_provisions_then_reconnects_where_the_answer_points() {
    use iotmqtt::iotda::{BootstrapRequest, GroupSecret, ScopeId};
    let emu = InProcess::start();
    let (mqtt, port) = (emu.mqtt, emu.http);
    emu.rt.block_on(async move {
        let group = GroupSecret::new("c2VjcmV0LWdyb3VwLWtleQ==").unwrap();
        let auth = DeviceAuth::bootstrap_group_secret(
            DeviceId::new("p_boot9").unwrap(),
            &group,
            ScopeId::new("a1b2c3d4e5f6").unwrap(),
        );
        let mut options = IotdaOptions::new(Endpoint::tcp("localhost", mqtt), auth);
        options.config_mut().bootstrap = Some(BootstrapRequest::default());
        let (device, mut events) = IotdaDevice::connect(options).unwrap();
        let address = next(&mut events, |e| match e {
            DeviceEvent::Bootstrapped { address, .. } => Some(address),
            _ => None,
        })
        .await;
        assert_eq!(address, format!("127.0.0.1:{mqtt}"));
        // The driver closed the bootstrap connection and connects to the address, as the
        // provisioned device (its derived secret, the plain ClientId).
        connected(&mut events).await;
        assert!(device.config().bootstrap.is_none());
        assert!(device.config().auth.device_secret().is_some());
        let (status, list) =
            tokio::task::spawn_blocking(move || http(port, "GET", "/devices", None))
                .await
                .unwrap();
        assert_eq!(status, 200);
        let me = list["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device_id"] == "p_boot9")
            .cloned()
            .unwrap();
        assert_eq!(me["online"], true, "{me}");
        let client_id = me["connection"]["client_id"].as_str().unwrap();
        assert!(client_id.starts_with("p_boot9_0_0_"), "{client_id}");
        device
            .report_properties(vec![ServiceProperties::new("S", json!({ "ok": 1 }))])
            .unwrap();
        next(&mut events, |e| match e {
            DeviceEvent::Mqtt(client::Event::PublishAcked { .. }) => Some(()),
            _ => None,
        })
        .await;
        device.disconnect().await.unwrap();
    });
}
