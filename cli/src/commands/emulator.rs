//! `iotmqtt emulator`: the local IoTDA emulator as a process.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use crate::emulator::{Emulator, EmulatorConfig, Registry, RegistryError};
use crate::output::{CliError, CliResult, print_text};

use super::signals::Signals;

/// Arguments of `iotmqtt emulator`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  iotmqtt emulator --registry cli/examples/registry.json
  iotmqtt emulator --port 0 --http 0 --ws-port 0 --registry devices.toml
  curl -s localhost:8080/devices
  curl -s -X POST localhost:8080/devices/5f1c0d2e_sensor01/commands \\
       -d '{\"service_id\":\"Light\",\"command_name\":\"on\",\"paras\":{},\"timeout_ms\":5000}'

Output: the first stdout line is one JSON object with the ports bound, e.g.
  {\"mqtt\":1883,\"http\":8080,\"ws\":null}
(read it when you start the emulator with port 0); the live log follows on stderr, one line
per event, never with a password or secret. Stop with Ctrl-C or SIGTERM.

Registry file (JSON, or TOML by extension): {\"devices\": [{\"device_id\" | \"product_id\" +
\"node_id\", \"secret\", \"name\"?, \"children\": [{\"product_id\", \"node_id\"}]?}], \"groups\":
[{\"scope_id\", \"secret\" (base64)}]}. See cli/examples/registry.json.

HTTP API: GET /devices, POST /devices, GET|DELETE /devices/{id}, POST /devices/{id}/commands,
POST /devices/{id}/properties/set, POST /devices/{id}/properties/get,
GET /devices/{id}/properties, GET|PUT /devices/{id}/shadow, POST /devices/{id}/events,
GET|POST /devices/{id}/messages, POST /publish. Reference: ARCHITECTURE.md, section `cli`.

Exit codes: 0 stopped by a signal; 1 a port cannot be bound or the registry file cannot be
read; 2 bad flags; 3 the registry file does not parse.")]
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
    let config = EmulatorConfig {
        bind: args.bind,
        mqtt_port: args.port,
        http_port: args.http,
        ws_port: args.ws_port,
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
