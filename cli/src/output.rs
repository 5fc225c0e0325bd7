//! What every subcommand shares: exit codes, the one-line error, JSON printing.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

/// The exit codes of `iotmqtt` (the same for every subcommand).
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | a runtime failure: a file or port that cannot be used, an I/O error |
/// | 2 | a usage error: an unknown flag, a missing or invalid value |
/// | 3 | the input is malformed: bytes that are not MQTT, a registry file that does not parse |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success = 0,
    /// 1: a runtime failure (I/O, a port that cannot be bound).
    Failure = 1,
    /// 2: a usage error.
    Usage = 2,
    /// 3: malformed input.
    Malformed = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A subcommand's failure: the exit code and one readable line (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// The message, one line.
    pub message: String,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl fmt::Display) -> Self {
        CliError {
            exit: Exit::Usage,
            message: message.to_string(),
        }
    }

    /// A runtime failure (exit 1).
    pub fn failure(message: impl fmt::Display) -> Self {
        CliError {
            exit: Exit::Failure,
            message: message.to_string(),
        }
    }

    /// Malformed input (exit 3).
    pub fn malformed(message: impl fmt::Display) -> Self {
        CliError {
            exit: Exit::Malformed,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The result of a subcommand.
pub type CliResult = Result<(), CliError>;

/// Prints `error` as the single line `iotmqtt: error: …` on stderr (newlines folded) and
/// returns its exit code.
pub fn report(error: &CliError) -> ExitCode {
    let line = one_line(&error.message);
    let _ = writeln!(io::stderr().lock(), "iotmqtt: error: {line}");
    error.exit.into()
}

/// Folds a message onto one line.
#[must_use]
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The tokio runtime of a subcommand, with `threads` workers.
///
/// # Errors
/// A runtime failure when the threads cannot be started.
pub fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the runtime: {e}")))
}

/// Writes `value` as pretty JSON and a newline to stdout.
///
/// # Errors
/// A failure to write stdout.
pub fn print_json(value: &serde_json::Value) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failure(format!("cannot format JSON: {e}")))?;
    print_text(&text)
}

/// Writes `text` and a newline to stdout; a closed pipe is not an error.
///
/// # Errors
/// A failure to write stdout other than a closed pipe.
pub fn print_text(text: &str) -> CliResult {
    let mut out = io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("cannot write to stdout: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fold_onto_one_line() {
        assert_eq!(one_line("a\n  b\tc\n"), "a b c");
    }
}
