//! `iotmqtt device`: a simulated IoTDA device (or a fleet of them) on the tokio driver.

mod fleet;
pub(crate) mod memory;
pub mod sim;
pub(crate) mod single;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use iotmqtt::ProtocolVersion;
use iotmqtt::iotda::{DeviceAuth, DeviceId, DeviceSecret, SigType};
use iotmqtt_tokio::{Endpoint, TlsOptions};

use crate::emulator::{Registry, RegistryError};
use crate::output::{CliError, CliResult};

/// Arguments of `iotmqtt device`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  iotmqtt device --port 1883 --device-id 5f1c0d2e_sensor01 --secret s3cr3t-Key
  IOTDA_DEVICE_SECRET=s3cr3t-Key iotmqtt device --host iot-mqtts.example.com --port 8883 \\
      --tls --ca iotda-root.pem --device-id 5f1c0d2e_sensor01 --sig-type 1
  iotmqtt device --port 443 --tls --ws /mqtt --host ... --device-id ... --secret ...
  iotmqtt device --fleet 1000 --device-id 'fleet_{n}' --secret shared-secret --interval 1
  iotmqtt device --fleet 10000 --product 5f1c0d2e --device-id 'node{n}' --secret 's-{n}' \\
      --duration 30 --json
  iotmqtt device --fleet 100 --registry devices.json        (ids and secrets from the file)

One device prints one line per event on stdout (connected, reported, command answered,
properties set or read, OTA version query answered, connection lost, reconnecting …); the
secret and the password are never printed. It answers commands (result 0, echoing the
parameters), property set (the values are kept and reported from then on), property get
(the current values) and OTA version queries (version 1.0.0), and reconnects after every loss
with a fresh timestamped password. Ctrl-C or SIGTERM disconnects and ends it.

--fleet N runs N devices in this process, each its own MQTT session: {n} in --device-id and
--secret is replaced by 1..N. A progress line goes to stderr every second; at the end a
summary on stdout (or one JSON object with --json): how many connected and how fast
(connects/s), reports sent and acknowledged (messages/s while every device was connected),
and resident memory per device (VmRSS before and after, from /proc/self/status). The fleet
needs N open files (ulimit -n) and N loopback ports.

Exit codes: 0 stopped by --duration or a signal (a fleet: every device connected); 1 the
platform refused the login (bad secret: not retried), a fleet device never connected, or
another runtime failure; 2 bad flags; 3 a registry file that does not parse.")]
pub struct DeviceArgs {
    /// The MQTT server.
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST")]
    pub host: String,
    /// Its port (default 1883; 8883 with --tls, 443 with --tls --ws).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Connect over TLS (the system's roots, or --ca).
    #[arg(long)]
    pub tls: bool,
    /// A CA certificate file (PEM) to trust instead of the system's roots; implies --tls.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Skip the host name check of the server certificate (the chain is still checked), as
    /// IoTDA's SDKs do.
    #[arg(long)]
    pub insecure_hostname: bool,
    /// MQTT over WebSocket on this path (wss with --tls).
    #[arg(long, value_name = "PATH")]
    pub ws: Option<String>,
    /// The device id; with --product, the node id (device id {product}_{node}); with --fleet,
    /// a pattern where {n} is the device's number.
    #[arg(long, value_name = "ID", required_unless_present = "registry")]
    pub device_id: Option<String>,
    /// The device secret ({n} as in --device-id), or set IOTDA_DEVICE_SECRET, which keeps it
    /// out of the process list.
    #[arg(
        long,
        env = "IOTDA_DEVICE_SECRET",
        hide_env_values = true,
        value_name = "SECRET",
        required_unless_present = "registry"
    )]
    pub secret: Option<String>,
    /// Signature type: 0 = HMAC-SHA256, timestamp not checked; 1 = HMAC-SHA256, timestamp
    /// checked; 2 = HMAC-SM3, timestamp checked.
    #[arg(long, default_value = "0", value_parser = ["0", "1", "2"], value_name = "0|1|2")]
    pub sig_type: String,
    /// The product id: device ids become {product}_{device-id}.
    #[arg(long, value_name = "PRODUCT_ID")]
    pub product: Option<String>,
    /// Seconds between property reports (fractions allowed).
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub interval: f64,
    /// The service the reports are for.
    #[arg(long, default_value = "Sensor", value_name = "SERVICE_ID")]
    pub service: String,
    /// Run N devices in this process.
    #[arg(long, value_name = "N")]
    pub fleet: Option<usize>,
    /// Take device ids and secrets from an emulator registry file (JSON or TOML); with
    /// --fleet N, the first N devices that have a secret.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["device_id", "secret", "product"])]
    pub registry: Option<PathBuf>,
    /// Stop after this many seconds (a fleet: after every device connected).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// A fleet: at most this many devices connecting at once.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub ramp: usize,
    /// A fleet: give up on devices not connected after this many seconds.
    #[arg(long, default_value_t = 120.0, value_name = "SECS")]
    pub connect_timeout: f64,
    /// Use MQTT 5.0 (default 3.1.1, as IoTDA's SDKs).
    #[arg(long)]
    pub mqtt5: bool,
    /// Keep-alive in seconds (IoTDA accepts 30–1200).
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub keep_alive: u16,
    /// Worker threads of the runtime.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub threads: usize,
    /// A fleet: the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `iotmqtt device`.
///
/// # Errors
/// See the exit codes in `--help`.
pub fn run(args: &DeviceArgs) -> CliResult {
    if !(args.interval.is_finite() && args.interval > 0.0) {
        return Err(CliError::usage(
            "--interval must be a positive number of seconds",
        ));
    }
    let count = args.fleet.unwrap_or(1);
    if count == 0 {
        return Err(CliError::usage("--fleet needs at least 1 device"));
    }
    let identities = identities(args, count)?;
    let endpoint = endpoint(args)?;
    let runtime = crate::output::runtime(args.threads)?;
    match args.fleet {
        None => {
            let auth = identities
                .into_iter()
                .next()
                .ok_or_else(|| CliError::usage("the registry file has no device with a secret"))?;
            runtime.block_on(single::run(args, endpoint, auth))
        }
        Some(_) => {
            memory::check_open_files(identities.len())?;
            runtime.block_on(fleet::run(args, endpoint, identities))
        }
    }
}

/// A number of seconds as a duration (usage error when it is not one).
fn seconds(value: f64, flag: &str) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| CliError::usage(format!("{flag} must be a number of seconds")))
}

/// Where to connect.
fn endpoint(args: &DeviceArgs) -> Result<Endpoint, CliError> {
    let tls = args.tls || args.ca.is_some();
    let port = args.port.unwrap_or(match (tls, args.ws.is_some()) {
        (true, true) => 443,
        (true, false) => 8883,
        (false, _) => 1883,
    });
    let options = || {
        let mut o = match &args.ca {
            Some(ca) => TlsOptions::ca_file(ca),
            None => TlsOptions::native_roots(),
        };
        if args.insecure_hostname {
            o = o.danger_skip_hostname_verification();
        }
        o
    };
    Ok(match (&args.ws, tls) {
        (Some(path), true) => Endpoint::wss(&args.host, port, path, options()),
        (Some(path), false) => Endpoint::ws(&args.host, port, path),
        (None, true) => Endpoint::tls(&args.host, port, options()),
        (None, false) => Endpoint::tcp(&args.host, port),
    })
}

fn sig_type(text: &str) -> SigType {
    match text {
        "1" => SigType::HmacSha256Checked,
        "2" => SigType::HmacSm3,
        _ => SigType::HmacSha256,
    }
}

/// The devices to run: from the registry file, or from the id and secret patterns.
fn identities(args: &DeviceArgs, count: usize) -> Result<Vec<DeviceAuth>, CliError> {
    let sig = sig_type(&args.sig_type);
    if let Some(path) = &args.registry {
        let registry = Registry::load(path).map_err(|e| match e {
            RegistryError::Io(m) => CliError::failure(m),
            RegistryError::Invalid(m) => CliError::malformed(m),
        })?;
        let all: Vec<DeviceAuth> = registry
            .devices()
            .filter_map(|d| {
                let secret = d.secret()?.clone();
                let id = DeviceId::new(&d.device_id).ok()?;
                Some(DeviceAuth::secret(id, secret).with_sig_type(sig))
            })
            .take(args.fleet.unwrap_or(usize::MAX))
            .collect();
        if let Some(n) = args.fleet {
            if all.len() < n {
                return Err(CliError::usage(format!(
                    "--fleet {n}: {} has only {} device(s) with a secret",
                    path.display(),
                    all.len()
                )));
            }
        }
        return Ok(all);
    }
    let (Some(id), Some(secret)) = (&args.device_id, &args.secret) else {
        return Err(CliError::usage("--device-id and --secret are needed"));
    };
    if count > 1 && !id.contains("{n}") {
        return Err(CliError::usage(
            "--fleet needs {n} in --device-id (e.g. --device-id 'dev_{n}'), one id per device",
        ));
    }
    (1..=count)
        .map(|n| {
            let node = id.replace("{n}", &n.to_string());
            let device_id = match &args.product {
                Some(p) => format!("{p}_{node}"),
                None => node,
            };
            let id = DeviceId::new(&device_id)
                .map_err(|e| CliError::usage(format!("--device-id {device_id:?}: {e}")))?;
            // The error names the rule only: never the secret.
            let secret = DeviceSecret::new(secret.replace("{n}", &n.to_string()))
                .map_err(|e| CliError::usage(format!("--secret: {e}")))?;
            Ok(DeviceAuth::secret(id, secret).with_sig_type(sig))
        })
        .collect()
}

/// The MQTT version asked for.
fn protocol(args: &DeviceArgs) -> ProtocolVersion {
    if args.mqtt5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V311
    }
}

/// `HH:MM:SS` (UTC) for the start of a printed line.
fn clock() -> String {
    let secs = sim::unix_millis() / 1000;
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}
