//! What the process holds, from `/proc/self` (Linux): resident memory, and the open-files
//! limit a fleet needs.

use crate::output::CliError;

/// Open files the process needs besides the fleet's connections (stdio, the runtime, slack).
const SPARE_FILES: usize = 64;

/// Resident memory in KiB (`VmRSS` of `/proc/self/status`); `None` off Linux.
#[must_use]
pub(crate) fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    field_kib(&status, "VmRSS:")
}

fn field_kib(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The soft limit on open files (`Max open files` of `/proc/self/limits`); `None` when it is
/// unknown or unlimited.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    soft_limit(&limits, "Max open files")
}

fn soft_limit(limits: &str, name: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with(name))?;
    line.get(name.len()..)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Fails at once, with what to do, when `devices` connections cannot all be open.
///
/// # Errors
/// A runtime failure (exit 1) naming the limit and the `ulimit -n` to raise it to.
pub(crate) fn check_open_files(devices: usize) -> Result<(), CliError> {
    let needed = devices.saturating_add(SPARE_FILES);
    match open_files_limit() {
        Some(limit) if limit < needed => Err(CliError::failure(format!(
            "{devices} devices need about {needed} open files but the limit is {limit}: \
             raise it first (ulimit -n {needed})"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields_are_read() {
        let status = "Name:\tiotmqtt\nVmPeak:\t  9000 kB\nVmRSS:\t  4321 kB\n";
        assert_eq!(field_kib(status, "VmRSS:"), Some(4321));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(soft_limit(limits, "Max open files"), Some(1024));
        assert_eq!(
            soft_limit(
                "Max open files  unlimited unlimited files",
                "Max open files"
            ),
            None
        );
        if cfg!(target_os = "linux") {
            assert!(resident_kib().is_some_and(|kib| kib > 0));
        }
    }
}
