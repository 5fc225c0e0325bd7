//! A fleet against the emulator: 1,000 devices on the tokio driver, each its own session,
//! connect and report; the operator API then shows every one online with its report. (Needs
//! about 2,100 file descriptors: both ends of each connection live in this process.)

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
use iotmqtt::iotda::{DeviceAuth, DeviceEvent, DeviceId, DeviceSecret, ServiceProperties};
use iotmqtt_tokio::Endpoint;
use iotmqtt_tokio::iotda::{Event, IotdaDevice, IotdaOptions};
use serde_json::json;

const FLEET: usize = 1_000;

fn id(i: usize) -> String {
    format!("fleet_d{i:04}")
}

#[test]
fn a_thousand_devices_connect_and_report() {
    let devices: Vec<serde_json::Value> = (0..FLEET)
        .map(|i| json!({ "device_id": id(i), "secret": format!("secret-{i}") }))
        .collect();
    let registry = json!({ "devices": devices }).to_string();
    let emu = InProcess::with_registry(&registry);
    let mqtt = emu.mqtt;
    let started = std::time::Instant::now();
    let handles = emu.rt.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..FLEET {
            tasks.spawn(async move {
                let auth = DeviceAuth::secret(
                    DeviceId::new(&id(i)).unwrap(),
                    DeviceSecret::new(format!("secret-{i}")).unwrap(),
                );
                let options = IotdaOptions::new(Endpoint::tcp("127.0.0.1", mqtt), auth);
                let (device, mut events) = IotdaDevice::connect(options).unwrap();
                let deadline = tokio::time::Instant::now() + WAIT * 3;
                loop {
                    let event = tokio::time::timeout_at(deadline, events.recv())
                        .await
                        .unwrap_or_else(|_| panic!("{} did not connect in time", id(i)))
                        .unwrap();
                    if let Event::Device(DeviceEvent::Mqtt(client::Event::Connected(_))) = event {
                        break;
                    }
                }
                device
                    .report_properties(vec![ServiceProperties::new("Meter", json!({ "n": i }))])
                    .unwrap();
                // Queued by the core; the PUBACK shows the platform has it.
                loop {
                    let event = tokio::time::timeout_at(deadline, events.recv())
                        .await
                        .unwrap_or_else(|_| panic!("{} got no PUBACK in time", id(i)))
                        .unwrap();
                    if let Event::Device(DeviceEvent::Mqtt(client::Event::PublishAcked {
                        ..
                    })) = event
                    {
                        break;
                    }
                }
                (device, events)
            });
        }
        let mut handles = Vec::with_capacity(FLEET);
        while let Some(done) = tasks.join_next().await {
            handles.push(done.unwrap());
        }
        handles
    });
    let elapsed = started.elapsed();
    assert_eq!(handles.len(), FLEET);

    let (status, list) = http(emu.http, "GET", "/devices", None);
    assert_eq!(status, 200);
    let list = list["devices"].as_array().unwrap();
    assert_eq!(list.len(), FLEET);
    let offline: Vec<&serde_json::Value> = list.iter().filter(|d| d["online"] != true).collect();
    assert!(
        offline.is_empty(),
        "{} offline, e.g. {}",
        offline.len(),
        offline[0]
    );
    // Every device's report reached the platform.
    for i in 0..FLEET {
        let (status, props) = http(
            emu.http,
            "GET",
            &format!("/devices/{}/properties", id(i)),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(props["services"][0]["properties"]["n"], i, "{props}");
    }
    eprintln!("{FLEET} devices connected and reported in {elapsed:?}");
    emu.rt.block_on(async move {
        for (device, _) in &handles {
            let _ = device.disconnect().await;
        }
    });
}
