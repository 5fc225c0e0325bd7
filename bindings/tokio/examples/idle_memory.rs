//! Measures the resident memory an idle connected client costs: connects N clients to a broker,
//! waits until all are connected, and prints the growth of the process's resident set per
//! client (Linux `/proc/self/status`).
//!
//! ```sh
//! mosquitto -c <(printf 'listener 18830 127.0.0.1\nallow_anonymous true\nmax_keepalive 65535\n') &
//! cargo run --release -p iotmqtt-tokio --example idle_memory -- 127.0.0.1 18830 1000
//! ```

use iotmqtt::client::{ClientConfig, Event as Mqtt};
use iotmqtt_tokio::{AsyncClient, Endpoint, Event, Options};

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let host = args.first().cloned().unwrap_or_else(|| "127.0.0.1".into());
    let port: u16 = args.get(1).map_or(Ok(1883), |p| p.parse())?;
    let count: usize = args.get(2).map_or(Ok(1000), |n| n.parse())?;

    let before = resident_kib().ok_or("no /proc/self/status")?;
    let mut clients = Vec::with_capacity(count);
    let mut streams = Vec::with_capacity(count);
    for i in 0..count {
        let mut config = ClientConfig::new(format!("idle-{i}"));
        config.keep_alive = 600;
        config.reconnect.jitter_seed = i as u64;
        // Small channels: an idle device needs few slots.
        let options = Options::new(Endpoint::tcp(&host, port), config)
            .event_capacity(8)
            .command_capacity(8);
        let (client, events) = AsyncClient::connect(options)?;
        clients.push(client);
        streams.push(events);
    }
    for events in &mut streams {
        loop {
            match events.recv().await {
                Some(Event::Mqtt(Mqtt::Connected(_))) => break,
                Some(Event::Transport(e)) => return Err(e.into()),
                Some(_) => {}
                None => return Err("a client stopped".into()),
            }
        }
    }
    let after = resident_kib().ok_or("no /proc/self/status")?;
    let per_client = (after.saturating_sub(before) * 1024) / count as u64;
    println!(
        "{count} idle connected clients: resident {before} KiB -> {after} KiB, {per_client} bytes per client"
    );
    for client in &clients {
        client.disconnect().await?;
    }
    Ok(())
}
