//! The live log: one readable line per event, `HH:MM:SS.mmm  text`, on stderr and to in-process
//! subscribers. Writing never blocks the emulator: lines go through a bounded queue to a writer
//! thread, and lines that do not fit are counted and reported once the queue drains.
//!
//! Callers never pass secrets: passwords and device secrets are not formatted anywhere in the
//! emulator.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::broadcast;

/// Lines waiting for the writer thread.
const QUEUE: usize = 4096;
/// Lines kept for a slow in-process subscriber before it misses some.
const SUBSCRIBER_QUEUE: usize = 1024;
/// Longest payload excerpt in a line.
pub(crate) const EXCERPT: usize = 160;

/// The live log. Cloning shares it.
#[derive(Clone)]
pub struct Log {
    inner: Arc<Inner>,
}

/// What the writer thread receives.
enum Msg {
    Line(String),
    /// Answer once every earlier line is written.
    Flush(SyncSender<()>),
}

struct Inner {
    stderr: Option<SyncSender<Msg>>,
    dropped: AtomicU64,
    subscribers: broadcast::Sender<String>,
    // Joined never: the thread ends when every sender is gone.
    _writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("stderr", &self.inner.stderr.is_some())
            .finish_non_exhaustive()
    }
}

fn writer(rx: Receiver<Msg>) {
    let stderr = std::io::stderr();
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Line(line) => {
                let mut out = stderr.lock();
                let _ = writeln!(out, "{line}");
            }
            Msg::Flush(done) => {
                let _ = stderr.lock().flush();
                let _ = done.send(());
            }
        }
    }
}

impl Log {
    /// A log that writes to stderr when `to_stderr`, and to subscribers either way.
    #[must_use]
    pub fn new(to_stderr: bool) -> Self {
        let (subscribers, _) = broadcast::channel(SUBSCRIBER_QUEUE);
        let (stderr, thread) = if to_stderr {
            let (tx, rx) = sync_channel(QUEUE);
            let thread = std::thread::Builder::new()
                .name("iotmqtt-log".into())
                .spawn(move || writer(rx))
                .ok();
            (thread.is_some().then_some(tx), thread)
        } else {
            (None, None)
        };
        Log {
            inner: Arc::new(Inner {
                stderr,
                dropped: AtomicU64::new(0),
                subscribers,
                _writer: Mutex::new(thread),
            }),
        }
    }

    /// Receives every line logged from now on (a slow receiver misses lines, see
    /// [`broadcast`]).
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.inner.subscribers.subscribe()
    }

    /// Logs one line (newlines are folded), stamped with the UTC time of day.
    pub fn line(&self, text: impl AsRef<str>) {
        let text = text.as_ref().replace(['\n', '\r'], " ");
        let line = format!("{}  {text}", clock());
        let _ = self.inner.subscribers.send(line.clone());
        if let Some(tx) = &self.inner.stderr {
            let dropped = self.inner.dropped.load(Ordering::Relaxed);
            if dropped > 0 {
                let note = format!(
                    "{}  (log: {dropped} line(s) dropped, output too slow)",
                    clock()
                );
                if tx.try_send(Msg::Line(note)).is_ok() {
                    self.inner.dropped.fetch_sub(dropped, Ordering::Relaxed);
                }
            }
            if let Err(TrySendError::Full(_)) = tx.try_send(Msg::Line(line)) {
                self.inner.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl Log {
    /// Waits (blocking, at most `timeout`) until every line logged so far is written.
    pub fn flush(&self, timeout: std::time::Duration) {
        let Some(tx) = &self.inner.stderr else {
            return;
        };
        let (done, wait) = sync_channel(1);
        if tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(timeout);
        }
    }
}

/// `HH:MM:SS.mmm` (UTC).
fn clock() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let day_ms = ms % 86_400_000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

/// A payload for a log line: its UTF-8 text (cut to [`EXCERPT`] characters) or its size.
#[must_use]
pub(crate) fn excerpt(payload: &[u8]) -> String {
    match std::str::from_utf8(payload) {
        Ok(text) if text.chars().count() > EXCERPT => {
            let cut: String = text.chars().take(EXCERPT).collect();
            format!("{cut}… ({} bytes)", payload.len())
        }
        Ok(text) => text.to_owned(),
        Err(_) => format!("<{} bytes of binary>", payload.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_get_one_line_per_event() {
        let log = Log::new(false);
        let mut rx = log.subscribe();
        log.line("a\nb");
        let line = rx.try_recv().unwrap();
        assert!(line.ends_with("  a b"), "{line}");
        assert_eq!(line.len(), "00:00:00.000  a b".len());
    }

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt(b"hi"), "hi");
        assert_eq!(excerpt(&[0xFF, 0x00]), "<2 bytes of binary>");
        let long = "x".repeat(500);
        assert!(excerpt(long.as_bytes()).ends_with("(500 bytes)"));
    }
}
