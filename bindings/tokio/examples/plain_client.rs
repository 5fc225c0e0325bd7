//! A plain MQTT client: subscribes to a topic, publishes a few messages at each QoS, prints
//! every event, and disconnects.
//!
//! ```sh
//! mosquitto -p 1883 &
//! cargo run -p iotmqtt-tokio --example plain_client -- 127.0.0.1 1883
//! # over TLS with a CA file:    … -- broker.example.com 8883 --tls ca.pem
//! # over WebSocket:             … -- broker.example.com 80 --ws /mqtt
//! ```

use std::time::Duration;

use iotmqtt::QoS;
use iotmqtt::client::{ClientConfig, Event as Mqtt};
use iotmqtt_tokio::{AsyncClient, Endpoint, Event, Options, TlsOptions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let host = args.first().cloned().unwrap_or_else(|| "127.0.0.1".into());
    let port: u16 = args.get(1).map_or(Ok(1883), |p| p.parse())?;
    let endpoint = match (args.get(2).map(String::as_str), args.get(3)) {
        (Some("--tls"), Some(ca)) => Endpoint::tls(&host, port, TlsOptions::ca_file(ca)),
        (Some("--ws"), Some(path)) => Endpoint::ws(&host, port, path.as_str()),
        _ => Endpoint::tcp(&host, port),
    };
    println!("connecting to {endpoint}");

    let mut config = ClientConfig::new(format!("iotmqtt-example-{}", std::process::id()));
    config.keep_alive = 30;
    let (client, mut events) = AsyncClient::connect(Options::new(endpoint, config))?;

    // Commands can be issued at once: the session queues them until CONNACK.
    let publisher = client.clone();
    tokio::spawn(async move {
        match publisher
            .subscribe("iotmqtt/example/#", QoS::ExactlyOnce)
            .await
        {
            Ok(granted) => println!("subscribed, granted {granted:?}"),
            Err(e) => println!("subscribe failed: {e}"),
        }
        for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
            .into_iter()
            .enumerate()
        {
            let topic = format!("iotmqtt/example/{i}");
            match publisher
                .publish(topic, format!("hello {i}"), qos, false)
                .await
            {
                Ok(ack) => println!("published at {qos:?}: {:?}", ack.reason),
                Err(e) => println!("publish failed: {e}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = publisher.disconnect().await;
    });

    while let Some(event) = events.recv().await {
        match event {
            Event::Mqtt(Mqtt::Connected(info)) => {
                println!("connected (session present: {})", info.session_present);
            }
            Event::Mqtt(Mqtt::Message(m)) => println!(
                "message on {} at {:?}: {}",
                m.topic,
                m.qos,
                String::from_utf8_lossy(&m.payload)
            ),
            Event::Mqtt(Mqtt::ConnectionLost(lost)) => println!(
                "connection lost: {} (reconnect: {})",
                lost.error,
                lost.reconnect_at.is_some()
            ),
            Event::Transport(e) => println!("{e}"),
            other => println!("{other:?}"),
        }
    }
    println!("stopped");
    Ok(())
}
