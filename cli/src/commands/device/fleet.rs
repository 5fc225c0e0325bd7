//! `--fleet N`: N simulated devices in one process, each its own MQTT session (its own core
//! device, driver task and connection), with a progress line and a summary: connect rate,
//! messages per second and resident memory per device.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use iotmqtt::client::Event as Mqtt;
use iotmqtt::iotda::{DeviceAuth, DeviceEvent};
use iotmqtt_tokio::Endpoint;
use iotmqtt_tokio::iotda::{Event, IotdaDevice, IotdaOptions};
use serde_json::json;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::memory::resident_kib;
use super::sim::Sim;
use super::single::sleep_until;
use super::{DeviceArgs, protocol, seconds};
use crate::commands::signals::Signals;
use crate::output::{CliError, CliResult, print_json, print_text};

/// Error lines shown on stderr before the rest are only counted.
const SHOWN_ERRORS: u64 = 10;
/// Events a fleet device buffers for its task (it reads them at once).
const EVENT_CAPACITY: usize = 4;

/// Counters every device task adds to.
#[derive(Debug, Default)]
struct Stats {
    connected_now: AtomicU64,
    connected_once: AtomicU64,
    connects: AtomicU64,
    lost: AtomicU64,
    refused: AtomicU64,
    reports: AtomicU64,
    acked: AtomicU64,
    answered: AtomicU64,
    errors: AtomicU64,
}

impl Stats {
    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Shows the first few errors, counts them all.
    fn error(&self, device: &str, what: &str) {
        let n = self.errors.fetch_add(1, Ordering::Relaxed);
        if n < SHOWN_ERRORS {
            eprintln!("iotmqtt: {device}: {what}");
        } else if n == SHOWN_ERRORS {
            eprintln!("iotmqtt: (further errors are counted, not shown)");
        }
    }
}

/// What every device task shares.
struct Shared {
    stats: Stats,
    service: String,
    interval: Duration,
    /// At most `--ramp` devices connect at once: a device holds a permit until it connected
    /// or failed once.
    ramp: Arc<Semaphore>,
}

pub(super) async fn run(
    args: &DeviceArgs,
    endpoint: Endpoint,
    identities: Vec<DeviceAuth>,
) -> CliResult {
    let n = identities.len();
    let total = u64::try_from(n).unwrap_or(u64::MAX);
    let connect_timeout = seconds(args.connect_timeout, "--connect-timeout")?;
    let duration = args
        .duration
        .map(|d| seconds(d, "--duration"))
        .transpose()?;
    let shared = Arc::new(Shared {
        stats: Stats::default(),
        service: args.service.clone(),
        interval: seconds(args.interval, "--interval")?,
        ramp: Arc::new(Semaphore::new(args.ramp.max(1))),
    });
    let mut signals = Signals::install()?;
    let rss_before = resident_kib();
    let (stop_tx, stop_rx) = watch::channel(false);
    let started = Instant::now();
    let progress = tokio::spawn(progress(Arc::clone(&shared), total, started));

    let mut tasks = Vec::with_capacity(n);
    for (i, auth) in identities.into_iter().enumerate() {
        let mut options = IotdaOptions::new(endpoint.clone(), auth)
            .protocol(protocol(args))
            .keep_alive(args.keep_alive)
            .event_capacity(EVENT_CAPACITY);
        // A fleet device reads its events at once: the core needs few in reserve.
        options.config_mut().max_events = 16;
        options.config_mut().max_queued_messages = 16;
        let phase = shared.interval.mul_f64((i % 1000) as f64 / 1000.0);
        tasks.push(tokio::spawn(device_task(
            options,
            Arc::clone(&shared),
            stop_rx.clone(),
            phase,
        )));
    }

    // Phase 1: every device connects (or the time is up, or a signal).
    let connect_deadline = started + connect_timeout;
    let mut interrupted = false;
    loop {
        if Stats::get(&shared.stats.connected_once) >= total {
            break;
        }
        tokio::select! {
            () = signals.wait() => { interrupted = true; break; }
            () = tokio::time::sleep_until(connect_deadline) => break,
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
    let connect_time = started.elapsed();
    let connected = Stats::get(&shared.stats.connected_once);

    // Phase 2: every device reports; measure the rate of acknowledged reports.
    let steady_start = Instant::now();
    let acked_start = Stats::get(&shared.stats.acked);
    if !interrupted {
        tokio::select! {
            () = signals.wait() => {}
            () = sleep_until(duration.map(|d| steady_start + d)) => {}
        }
    }
    let steady = steady_start.elapsed();
    let acked_steady = Stats::get(&shared.stats.acked).saturating_sub(acked_start);
    let rss_after = resident_kib();

    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    progress.abort();

    let s = &shared.stats;
    let per_device = match (rss_before, rss_after) {
        (Some(b), Some(a)) if total > 0 => Some(a.saturating_sub(b).saturating_mul(1024) / total),
        _ => None,
    };
    let connect_secs = connect_time.as_secs_f64();
    let connects_per_sec = if connect_secs > 0.0 {
        connected as f64 / connect_secs
    } else {
        0.0
    };
    let steady_secs = steady.as_secs_f64();
    let messages_per_sec = if steady_secs > 0.0 {
        acked_steady as f64 / steady_secs
    } else {
        0.0
    };
    if args.json {
        print_json(&json!({
            "devices": n,
            "endpoint": endpoint.to_string(),
            "connected": connected,
            "connect_seconds": round(connect_secs),
            "connects_per_sec": round(connects_per_sec),
            "reports_sent": Stats::get(&s.reports),
            "reports_acked": Stats::get(&s.acked),
            "steady_seconds": round(steady_secs),
            "messages_per_sec": round(messages_per_sec),
            "answered": Stats::get(&s.answered),
            "lost": Stats::get(&s.lost),
            "errors": Stats::get(&s.errors),
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "rss_per_device_bytes": per_device,
        }))?;
    } else {
        let mib =
            |k: Option<u64>| k.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        print_text(&format!(
            "fleet of {n} devices against {endpoint}\n\
             \x20 connected  {connected} of {n} in {connect_secs:.2} s ({connects_per_sec:.0} connects/s)\n\
             \x20 reports    {} sent, {} acknowledged; {messages_per_sec:.0} msg/s over {steady_secs:.1} s with every device connected\n\
             \x20 answered   {} platform request(s)\n\
             \x20 lost       {} connection(s), {} error(s)\n\
             \x20 memory     VmRSS {} before, {} with every device connected and reporting: {} per device",
            Stats::get(&s.reports),
            Stats::get(&s.acked),
            Stats::get(&s.answered),
            Stats::get(&s.lost),
            Stats::get(&s.errors),
            mib(rss_before),
            mib(rss_after),
            per_device.map_or("?".into(), |b| format!("{:.1} KiB", b as f64 / 1024.0)),
        ))?;
    }
    if Stats::get(&s.refused) > 0 {
        return Err(CliError::failure(format!(
            "{} device(s) were refused by the server (check the ids and secrets)",
            Stats::get(&s.refused)
        )));
    }
    if connected < total && !interrupted {
        return Err(CliError::failure(format!(
            "{} of {n} devices never connected within {:.0} s",
            total - connected,
            connect_timeout.as_secs_f64()
        )));
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One line on stderr every second.
async fn progress(shared: Arc<Shared>, total: u64, started: Instant) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut last_acked = 0;
    loop {
        ticker.tick().await;
        let s = &shared.stats;
        let acked = Stats::get(&s.acked);
        let rss = resident_kib().map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
        eprintln!(
            "fleet {:>4.0} s: {}/{total} connected, {} reports, {} acknowledged ({}/s), {} lost, RSS {rss}",
            started.elapsed().as_secs_f64(),
            Stats::get(&s.connected_now),
            Stats::get(&s.reports),
            acked,
            acked.saturating_sub(last_acked),
            Stats::get(&s.lost),
        );
        last_acked = acked;
    }
}

/// One device: connects (within the ramp), reports every interval from `phase` on, answers
/// the platform, counts.
async fn device_task(
    options: IotdaOptions,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    phase: Duration,
) {
    let mut permit = Arc::clone(&shared.ramp).acquire_owned().await.ok();
    let id = options.config().auth.device_id().as_str().to_owned();
    let (device, mut events) = match IotdaDevice::connect(options) {
        Ok(started) => started,
        Err(e) => {
            shared.stats.error(&id, &e.to_string());
            return;
        }
    };
    let s = &shared.stats;
    let mut sim = Sim::new(&shared.service);
    let mut next_report: Option<Instant> = None;
    let mut connected = false;
    let mut ever = false;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            () = sleep_until(next_report) => {
                if connected {
                    match device.report_properties(vec![sim.next_report()]) {
                        Ok(()) => Stats::add(&s.reports),
                        Err(e) => s.error(&id, &format!("report not sent: {e}")),
                    }
                }
                next_report = next_report.map(|at| at + shared.interval);
            }
            event = events.recv() => match event {
                None => break,
                Some(Event::Device(DeviceEvent::Mqtt(Mqtt::PublishAcked { .. }))) => Stats::add(&s.acked),
                Some(Event::Device(DeviceEvent::Mqtt(Mqtt::Connected(_)))) => {
                    connected = true;
                    permit = None;
                    if !ever {
                        ever = true;
                        Stats::add(&s.connected_once);
                    }
                    Stats::add(&s.connected_now);
                    Stats::add(&s.connects);
                    if next_report.is_none() {
                        next_report = Some(Instant::now() + phase);
                    }
                }
                Some(Event::Device(DeviceEvent::Mqtt(Mqtt::ConnectionLost(lost)))) => {
                    permit = None;
                    if connected {
                        connected = false;
                        s.connected_now.fetch_sub(1, Ordering::Relaxed);
                    }
                    Stats::add(&s.lost);
                    if lost.reconnect_at.is_none() {
                        Stats::add(&s.refused);
                        s.error(&id, &format!("{}; not reconnecting", lost.error));
                    }
                }
                Some(Event::Device(event)) => {
                    if sim.handle(&device, &event).answered {
                        Stats::add(&s.answered);
                    }
                }
                Some(Event::Transport(e)) => {
                    permit = None;
                    s.error(&id, &e.to_string());
                }
                Some(other) => s.error(&id, &format!("{other:?}")),
            },
        }
    }
    drop(permit);
    if connected {
        s.connected_now.fetch_sub(1, Ordering::Relaxed);
    }
    let _ = device.disconnect().await;
}
