//! A minimal MQTT client on a Cortex-M4: the codec and the client session, no IoTDA, no std.
//! It connects, subscribes, publishes at QoS 1 and takes every event, over a transport the
//! compiler cannot see (so the whole session is linked in).
#![no_std]
#![no_main]

extern crate alloc;

mod support;

use iotmqtt::client::{Client, ClientConfig, Event};
use iotmqtt::{Instant, Properties, QoS, Subscription};

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut client = Client::new(ClientConfig::new("sensor-1"));
    let _ = client.connect();
    let mut tx = [0u8; 512];
    let mut rx = [0u8; 256];
    let mut connected = false;
    loop {
        let now = Instant::from_millis(support::now());
        client.handle_connected(now);
        let n = support::received(&mut rx);
        client.handle_bytes(now, rx.get(..n).unwrap_or_default());
        client.handle_timeout(now);
        while let Ok(n) = client.poll_transmit_to_slice(now, &mut tx) {
            if n == 0 {
                break;
            }
            support::send(tx.get(..n).unwrap_or_default());
        }
        core::hint::black_box(client.poll_timeout());
        while let Some(event) = client.poll_event() {
            match event {
                Event::Connected(_) if !connected => {
                    connected = true;
                    let subs = [Subscription::new("cmd/#", QoS::AtLeastOnce)];
                    let _ = client.subscribe(&subs, Properties::empty());
                }
                Event::Message(m) => {
                    let _ = client.publish(
                        "ack",
                        &m.payload,
                        QoS::AtLeastOnce,
                        false,
                        Properties::empty(),
                    );
                }
                Event::ConnectionLost(_) => client.handle_closed(now),
                other => {
                    core::hint::black_box(other);
                }
            }
        }
        let _ = client.publish(
            "telemetry",
            b"{\"t\":21}",
            QoS::AtLeastOnce,
            false,
            Properties::empty(),
        );
    }
}
