//! A Huawei Cloud IoTDA device: logs in with a fresh timestamped password on every
//! (re)connect, reports a battery level every 10 seconds, and answers commands and property
//! requests.
//!
//! ```sh
//! IOTDA_HOST=xxxx.st1.iotda-device.cn-north-4.myhuaweicloud.com \
//! IOTDA_CA=iotda-root.pem \
//! IOTDA_DEVICE_ID=5f1c0d2e_sensor01 IOTDA_SECRET=… \
//!   cargo run -p iotmqtt-tokio --example iotda_device
//! ```
//!
//! Without `IOTDA_CA` it connects over plain TCP to port 1883 (for a local broker or the
//! `iotmqtt emulator`); `IOTDA_PORT` overrides the port, `IOTDA_WSS=/path` uses secure
//! WebSocket (IoTDA's port 443).

use std::time::Duration;

use iotmqtt::iotda::{
    CommandResponse, DeviceAuth, DeviceId, DeviceSecret, PropertiesReport, PropertiesSetResponse,
    ServiceProperties,
};
use iotmqtt_tokio::iotda::{DeviceEvent, Event, IotdaDevice, IotdaOptions};
use iotmqtt_tokio::{Endpoint, TlsOptions};
use serde_json::json;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = env("IOTDA_HOST").unwrap_or_else(|| "127.0.0.1".into());
    let device_id = DeviceId::new(&env("IOTDA_DEVICE_ID").unwrap_or_else(|| "demo_device".into()))?;
    let secret = DeviceSecret::new(env("IOTDA_SECRET").unwrap_or_else(|| "demo-secret".into()))?;
    let endpoint = match (env("IOTDA_CA"), env("IOTDA_WSS")) {
        (Some(ca), Some(path)) => {
            let port = env("IOTDA_PORT").map_or(Ok(443), |p| p.parse())?;
            Endpoint::wss(&host, port, path, TlsOptions::ca_file(ca))
        }
        (Some(ca), None) => {
            let port = env("IOTDA_PORT").map_or(Ok(8883), |p| p.parse())?;
            Endpoint::tls(&host, port, TlsOptions::ca_file(ca))
        }
        (None, _) => {
            let port = env("IOTDA_PORT").map_or(Ok(1883), |p| p.parse())?;
            Endpoint::tcp(&host, port)
        }
    };
    println!("device {device_id} connecting to {endpoint}");

    let auth = DeviceAuth::secret(device_id, secret);
    let (device, mut events) = IotdaDevice::connect(IotdaOptions::new(endpoint, auth))?;

    let reporter = device.clone();
    tokio::spawn(async move {
        let mut level = 100u32;
        loop {
            let battery = ServiceProperties::new("Battery", json!({ "level": level }));
            // Queued at once; the core sends it when connected, within IoTDA's rate limit.
            match reporter.report_properties(vec![battery]) {
                Ok(()) => println!("reported battery level {level}"),
                Err(e) => println!("report failed: {e}"),
            }
            level = level.saturating_sub(1);
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    });

    while let Some(event) = events.recv().await {
        let event = match event {
            Event::Device(event) => event,
            Event::Transport(e) => {
                println!("{e}");
                continue;
            }
            other => {
                println!("{other:?}");
                continue;
            }
        };
        match event {
            DeviceEvent::Command {
                request_id,
                command,
            } => {
                println!(
                    "command {:?}.{:?} {}",
                    command.service_id, command.command_name, command.paras
                );
                let answer = CommandResponse::success(Some(json!({ "done": true })));
                device.respond_command(&request_id, &answer)?;
            }
            DeviceEvent::PropertiesSet {
                request_id,
                request,
            } => {
                println!("set properties: {:?}", request.services);
                device.respond_properties_set(&request_id, &PropertiesSetResponse::success())?;
            }
            DeviceEvent::PropertiesGet { request_id, .. } => {
                let current = PropertiesReport::new(vec![ServiceProperties::new(
                    "Battery",
                    json!({ "level": 42 }),
                )]);
                device.respond_properties_get(&request_id, &current)?;
            }
            DeviceEvent::MessageDown { payload, .. } => {
                println!("message: {}", String::from_utf8_lossy(&payload));
            }
            DeviceEvent::System(event) => println!("system event: {:?}", event.event),
            DeviceEvent::BadInput(bad) => {
                println!("unusable input on {}: {}", bad.topic, bad.problem)
            }
            DeviceEvent::Mqtt(iotmqtt::client::Event::Connected(_)) => println!("connected"),
            DeviceEvent::Mqtt(iotmqtt::client::Event::ConnectionLost(lost)) => {
                println!("connection lost: {}", lost.error);
            }
            _ => {}
        }
    }
    Ok(())
}
