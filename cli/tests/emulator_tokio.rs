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
    CommandResponse, DeviceAuth, DeviceId, DeviceSecret, ServiceProperties, ShadowGetRequest,
};
use iotmqtt_tokio::Endpoint;
use iotmqtt_tokio::iotda::{DeviceEvent, DeviceEvents, IotdaDevice, IotdaOptions};
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
        if let DeviceEvent::Session(iotmqtt_tokio::Event::Mqtt(client::Event::ConnectionLost(l))) =
            &event
        {
            panic!("connection lost: {l:?}");
        }
        if let Some(t) = pick(event) {
            return t;
        }
    }
}

async fn connected(events: &mut DeviceEvents) {
    next(events, |e| match e {
        DeviceEvent::Session(iotmqtt_tokio::Event::Mqtt(client::Event::Connected(_))) => Some(()),
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
            .await
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
                request,
            } => Some((request_id, request.command_name)),
            _ => None,
        })
        .await;
        assert_eq!(name.as_deref(), Some("blink"));
        device
            .respond_command(
                &request_id,
                &CommandResponse::success(Some(json!({ "done": 2 }))),
            )
            .await
            .unwrap();
        let (status, body) = call.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["response"]["paras"]["done"], 2);

        device
            .request_shadow("tokio-1", &ShadowGetRequest::default())
            .await
            .unwrap();
        let shadow = next(&mut events, |e| match e {
            DeviceEvent::ShadowResponse {
                request_id,
                response,
            } if request_id == "tokio-1" => Some(response),
            _ => None,
        })
        .await;
        assert_eq!(shadow.object_device_id, "p_dev1");
        let reported = shadow.shadow[0].reported.as_ref().unwrap();
        assert_eq!(reported.properties, json!({ "on": true }));
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
            DeviceEvent::Message { structured, .. } => structured.map(|m| m.content),
            _ => None,
        })
        .await;
        assert_eq!(content, json!("via ws"));
        device.disconnect().await.unwrap();
    });
    emu.wait_log("p_dev1: connected (MQTT 5.0");
}
