//! A Huawei Cloud IoTDA device on a Cortex-M4: the client session plus the IoTDA profile
//! (credentials with HMAC-SHA256/SM3, topics, JSON payloads, pacing). It logs in, reports
//! properties, answers commands and property requests, over a transport the compiler cannot
//! see.
#![no_std]
#![no_main]

extern crate alloc;

mod support;

use iotmqtt::Instant;
use iotmqtt::iotda::{
    CommandResponse, DeviceAuth, DeviceConfig, DeviceEvent, DeviceId, DeviceSecret, IotdaDevice,
    JsonPayload, PropertiesGetResponse, PropertiesReport, PropertiesSetResponse, ReportSuffix,
    UtcTime,
};

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let (Ok(id), Ok(secret)) = (
        DeviceId::new("5f1c0d2e_sensor01"),
        DeviceSecret::new("s3cr3t-Key"),
    ) else {
        loop {
            core::hint::spin_loop();
        }
    };
    let mut device = IotdaDevice::new(DeviceConfig::new(DeviceAuth::secret(id, secret)));
    let _ = device.connect();
    let report = br#"{"services":[{"service_id":"Sensor","properties":{"t":21}}]}"#;
    let mut tx = [0u8; 1024];
    let mut rx = [0u8; 256];
    loop {
        let now = Instant::from_millis(support::now());
        if let Ok(utc) = UtcTime::from_unix_millis(support::now()) {
            device.handle_connected(now, utc);
        }
        let n = support::received(&mut rx);
        device.handle_bytes(now, rx.get(..n).unwrap_or_default());
        device.handle_timeout(now);
        while let Ok(n) = device.poll_transmit_to_slice(now, &mut tx) {
            if n == 0 {
                break;
            }
            support::send(tx.get(..n).unwrap_or_default());
        }
        core::hint::black_box(device.poll_timeout());
        while let Some(event) = device.poll_event() {
            match event {
                DeviceEvent::Command { request_id, .. } => {
                    let _ = device.respond_command(&request_id, &CommandResponse::success(None));
                }
                DeviceEvent::PropertiesSet { request_id, .. } => {
                    if let Ok(r) = PropertiesSetResponse::from_json(br#"{"result_code":0}"#) {
                        let _ = device.respond_properties_set(&request_id, &r);
                    }
                }
                DeviceEvent::PropertiesGet { request_id, .. } => {
                    if let Ok(r) = PropertiesGetResponse::from_json(report) {
                        let _ = device.respond_properties_get(&request_id, &r);
                    }
                }
                DeviceEvent::Mqtt(iotmqtt::client::Event::ConnectionLost(_)) => {
                    device.handle_closed(now)
                }
                other => {
                    core::hint::black_box(other);
                }
            }
        }
        if let Ok(r) = PropertiesReport::from_json(report) {
            let _ = device.report_properties(&r, ReportSuffix::None);
        }
    }
}
