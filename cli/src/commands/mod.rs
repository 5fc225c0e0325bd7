//! One module per subcommand; [`Command`] dispatches to them.

pub mod credentials;
pub mod decode;
pub mod demo;
pub mod device;
pub mod emulator;
mod signals;

use clap::{Parser, Subcommand};

use crate::output::CliResult;

/// `iotmqtt`: the iotmqtt command.
#[derive(Debug, Parser)]
#[command(
    name = "iotmqtt",
    version,
    about = "MQTT and Huawei Cloud IoTDA tools: credentials, a packet decoder, a device simulator, a local IoTDA emulator, a demo",
    after_help = "\
Exit codes (every subcommand): 0 success; 1 runtime failure (I/O, a port that cannot be bound);
2 usage error (unknown flag, missing or invalid value); 3 malformed input (bytes that are not
MQTT, a registry file that does not parse). Errors are one line on stderr: `iotmqtt: error: …`."
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the CONNECT ClientId, Username and Password of an IoTDA device.
    Credentials(credentials::CredentialsArgs),
    /// Decode a stream of MQTT 3.1.1 / 5.0 packets into a readable tree or JSON.
    Decode(decode::DecodeArgs),
    /// Run a simulated IoTDA device, or a fleet of them, against a server.
    Device(device::DeviceArgs),
    /// Run a local MQTT server that behaves like Huawei Cloud IoTDA, with an HTTP API.
    Emulator(emulator::EmulatorArgs),
    /// Show the whole library at work: devices and a gateway against an in-process emulator.
    Demo(demo::DemoArgs),
}

impl Command {
    /// Runs the subcommand.
    ///
    /// # Errors
    /// The subcommand's failure, with its exit code.
    pub fn run(&self) -> CliResult {
        match self {
            Command::Credentials(a) => credentials::run(a),
            Command::Decode(a) => decode::run(a),
            Command::Device(a) => device::run(a),
            Command::Emulator(a) => emulator::run(a),
            Command::Demo(a) => demo::run(a),
        }
    }
}
