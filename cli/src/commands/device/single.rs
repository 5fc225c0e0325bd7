//! One simulated device: one printed line per event.

use iotmqtt::client::Event as Mqtt;
use iotmqtt::iotda::{DeviceAuth, DeviceEvent, UtcTime};
use iotmqtt::{Error as MqttError, ProtocolError, ReasonCode};
use iotmqtt_tokio::Endpoint;
use iotmqtt_tokio::iotda::{Event, IotdaDevice, IotdaOptions};

use super::sim::{Sim, compact, unix_millis};
use super::{DeviceArgs, clock, protocol, seconds};
use crate::commands::signals::Signals;
use crate::output::{CliError, CliResult, print_text};

/// The password, masked: its length and how it is made, never its characters.
#[must_use]
pub(crate) fn masked_password(auth: &DeviceAuth, now: &UtcTime) -> String {
    let credentials = auth.credentials(now);
    match credentials.password() {
        Some(p) => format!(
            "{} ({} hex characters: HMAC of the secret keyed by {})",
            "*".repeat(8),
            p.as_bytes().len(),
            credentials
                .client_id()
                .rsplit('_')
                .next()
                .unwrap_or_default()
        ),
        None => "none (certificate)".to_owned(),
    }
}

/// A failure of starting the device, by blame.
pub(crate) fn start_error(e: iotmqtt_tokio::Error) -> CliError {
    match e {
        iotmqtt_tokio::Error::Mqtt(e) => CliError::usage(e),
        other => CliError::failure(other),
    }
}

/// The UTC time now, by this machine's clock.
pub(crate) fn utc_now() -> Result<UtcTime, CliError> {
    UtcTime::from_unix_millis(unix_millis())
        .map_err(|e| CliError::failure(format!("the system clock: {e}")))
}

pub(super) async fn run(args: &DeviceArgs, endpoint: Endpoint, auth: DeviceAuth) -> CliResult {
    let id = auth.device_id().as_str().to_owned();
    let say = |line: &str| print_text(&format!("{} {id}: {line}", clock()));
    let now = utc_now()?;
    let credentials = auth.credentials(&now);
    say(&format!(
        "connecting to {endpoint} (client id {}, user name {}, password {})",
        credentials.client_id(),
        credentials.username(),
        masked_password(&auth, &now)
    ))?;
    let options = IotdaOptions::new(endpoint, auth)
        .protocol(protocol(args))
        .keep_alive(args.keep_alive)
        .event_capacity(32);
    let (device, mut events) = IotdaDevice::connect(options).map_err(start_error)?;
    let mut signals = Signals::install()?;
    let mut sim = Sim::new(&args.service);
    let mut ticker = tokio::time::interval(seconds(args.interval, "--interval")?);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop_at = match args.duration {
        Some(d) => Some(tokio::time::Instant::now() + seconds(d, "--duration")?),
        None => None,
    };
    let (mut reports, mut acked, mut answered) = (0u64, 0u64, 0u64);
    let mut refused: Option<MqttError> = None;
    loop {
        tokio::select! {
            () = signals.wait() => break,
            () = sleep_until(stop_at) => break,
            _ = ticker.tick() => {
                if device.is_connected() {
                    let values = sim.next_report();
                    let line = match device.report_properties(vec![values.clone()]) {
                        Ok(()) => {
                            reports += 1;
                            format!("reported {} {}", values.service_id, compact(&values.properties))
                        }
                        Err(e) => format!("report not sent: {e}"),
                    };
                    say(&line)?;
                }
            }
            event = events.recv() => match event {
                None => break,
                Some(Event::Device(event)) => {
                    match &event {
                        DeviceEvent::Mqtt(Mqtt::PublishAcked { .. }) => acked += 1,
                        DeviceEvent::Mqtt(Mqtt::ConnectionLost(lost)) if lost.reconnect_at.is_none() => {
                            refused = Some(lost.error.clone());
                        }
                        _ => {}
                    }
                    let handled = sim.handle(&device, &event);
                    if handled.answered {
                        answered += 1;
                    }
                    if let Some(line) = handled.line {
                        say(&line)?;
                    }
                }
                Some(Event::Transport(e)) => say(&e.to_string())?,
                Some(other) => say(&format!("{other:?}"))?,
            },
        }
    }
    let _ = device.disconnect().await;
    say(&format!(
        "stopped: {reports} report(s) sent, {acked} acknowledged, {answered} request(s) answered"
    ))?;
    match refused {
        Some(MqttError::Protocol(ProtocolError::ConnectRefused(code))) => {
            let hint = if code == ReasonCode::BadUserNameOrPassword {
                " (check --secret and --sig-type; a refused password is not retried)"
            } else {
                ""
            };
            Err(CliError::failure(format!(
                "{id}: the server refused the login: {code}{hint}"
            )))
        }
        Some(e) => Err(CliError::failure(format!("{id}: {e}; not reconnecting"))),
        None => Ok(()),
    }
}

/// Sleeps until `at`, or forever.
pub(crate) async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
