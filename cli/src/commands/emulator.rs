//! `iotmqtt emulator`: the local IoTDA emulator as a process.

use std::io;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use crate::emulator::{Emulator, EmulatorConfig, Registry, RegistryError, TlsIdentity};
use crate::output::{CliError, CliResult, print_text};

use super::signals::Signals;

/// Arguments of `iotmqtt emulator`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  iotmqtt emulator --registry cli/examples/registry.json
  iotmqtt emulator --port 0 --http 0 --ws-port 0 --registry devices.toml
  iotmqtt emulator --tls-port 8883 --wss-port 8443 --tls-cert server.pem --tls-key server.key
  iotmqtt device --port 8883 --ca ca.pem --device-id 5f1c0d2e_sensor01 --secret s3cr3t-Key
  curl -s localhost:8080/devices
  curl -s -X POST localhost:8080/devices/5f1c0d2e_sensor01/commands \\
       -d '{\"service_id\":\"Light\",\"command_name\":\"on\",\"paras\":{},\"timeout_ms\":5000}'

Output: the first stdout line is one JSON object with the ports bound, e.g.
  {\"mqtt\":1883,\"http\":8080,\"ws\":null,\"mqtts\":null,\"wss\":null}
(read it when you start the emulator with port 0); the live log follows on stderr, one line
per event, never with a password or secret. Stop with Ctrl-C or SIGTERM.

Registry file (JSON, or TOML by extension): {\"devices\": [{\"device_id\" | \"product_id\" +
\"node_id\", \"secret\", \"name\"?, \"children\": [{\"product_id\", \"node_id\"}]?}], \"groups\":
[{\"scope_id\", \"secret\" (base64)}]}. See cli/examples/registry.json.

HTTP API: GET /devices, POST /devices, GET|DELETE /devices/{id}, POST /devices/{id}/commands,
POST /devices/{id}/properties/set, POST /devices/{id}/properties/get,
GET /devices/{id}/properties, GET|PUT /devices/{id}/shadow, POST /devices/{id}/events,
GET|POST /devices/{id}/messages, POST /publish. Reference: ARCHITECTURE.md, section `cli`.

TLS: --tls-port (MQTTS) and --wss-port (MQTT over WebSocket over TLS) need --tls-cert (PEM,
the server certificate first, then its chain) and --tls-key (PEM). Devices check the
certificate against their CA file (iotmqtt device --ca FILE), so it must name the host they
connect to (e.g. 127.0.0.1 or localhost).

Exit codes: 0 stopped by a signal; 1 a port cannot be bound or the registry, certificate or
key file cannot be read; 2 bad flags; 3 the registry file does not parse, or the certificate
or key is not usable.")]
pub struct EmulatorArgs {
    /// The device registry (JSON, or TOML when the name ends in .toml).
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// MQTT over TCP port (0 = any free port).
    #[arg(long, default_value_t = 1883, value_name = "PORT")]
    pub port: u16,
    /// HTTP API port (0 = any free port).
    #[arg(long, default_value_t = 8080, value_name = "PORT")]
    pub http: u16,
    /// MQTT over WebSocket port (0 = any free port); off when absent.
    #[arg(long, value_name = "PORT")]
    pub ws_port: Option<u16>,
    /// MQTT over TLS port (0 = any free port); off when absent. Needs --tls-cert and --tls-key.
    #[arg(long, value_name = "PORT", requires = "tls_cert")]
    pub tls_port: Option<u16>,
    /// MQTT over WebSocket over TLS port (0 = any free port); off when absent. Needs
    /// --tls-cert and --tls-key.
    #[arg(long, value_name = "PORT", requires = "tls_cert")]
    pub wss_port: Option<u16>,
    /// The server certificate of the TLS ports (PEM, the chain after it).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: IpAddr,
    /// Messages kept per device for GET /devices/{id}/messages.
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub message_log: usize,
    /// No live log on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `iotmqtt emulator` until Ctrl-C or SIGTERM.
///
/// # Errors
/// A registry that cannot be read (1) or parsed (3), a port that cannot be bound (1).
pub fn run(args: &EmulatorArgs) -> CliResult {
    let registry = match &args.registry {
        Some(path) => Registry::load(path).map_err(|e| match e {
            RegistryError::Io(m) => CliError::failure(m),
            RegistryError::Invalid(m) => CliError::malformed(m),
        })?,
        None => Registry::default(),
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsIdentity::from_files(cert, key).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidInput {
                CliError::malformed(e.to_string())
            } else {
                CliError::failure(e.to_string())
            }
        })?),
        _ => None,
    };
    if tls.is_some() && args.tls_port.is_none() && args.wss_port.is_none() {
        return Err(CliError::usage(
            "--tls-cert is used by --tls-port or --wss-port: give one of them",
        ));
    }
    let config = EmulatorConfig {
        bind: args.bind,
        mqtt_port: args.port,
        http_port: args.http,
        ws_port: args.ws_port,
        tls_port: args.tls_port,
        wss_port: args.wss_port,
        tls,
        registry,
        log_to_stderr: !args.quiet,
        message_log_len: args.message_log,
        ..EmulatorConfig::default()
    };
    let runtime = crate::output::runtime(2)?;
    runtime.block_on(async {
        // The handlers are installed before the ports line: whoever reads it may signal at once.
        let mut signals = Signals::install()?;
        let handle = Emulator::start(config)
            .await
            .map_err(|e| CliError::failure(e.to_string()))?;
        let line = serde_json::to_string(&handle.ports())
            .map_err(|e| CliError::failure(format!("cannot format the ports: {e}")))?;
        print_text(&line)?;
        signals.wait().await;
        handle.shutdown().await;
        Ok(())
    })
}
