//! The `iotmqtt` command as a library: its subcommands and the local Huawei Cloud IoTDA
//! emulator, which other programs (the demo, other languages' tests) start in-process.
//!
//! | module | holds |
//! |---|---|
//! | [`commands`] | the command line: one module per subcommand |
//! | [`emulator`] | the local IoTDA emulator: [`emulator::Emulator::start`] |
//! | [`output`] | exit codes, the one-line error, JSON printing |

pub mod commands;
pub mod emulator;
pub mod output;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::commands::Cli;
use crate::output::{CliError, report};

/// Parses `args` (program name first) and runs the subcommand; errors are one line on stderr.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return output::Exit::Usage.into();
        }
        Err(e) => return report(&CliError::usage(clap_line(&e))),
    };
    match cli.command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// clap's error as one line: its first paragraph (the message and, for missing arguments,
/// their names) without the `error: ` prefix, and a pointer to `--help`.
fn clap_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let first: Vec<&str> = rendered
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let first = first.join(" ");
    let first = first.trim_start_matches("error:").trim();
    let first = if first.is_empty() {
        "invalid arguments"
    } else {
        first
    };
    format!("{first} (see --help)")
}
