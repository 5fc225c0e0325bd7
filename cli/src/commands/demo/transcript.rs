//! The demo's transcript: numbered steps, and under each what the operator, the devices and
//! the platform (the emulator's live log) saw, one short line each.

use std::io::Write;

use tokio::sync::broadcast;

/// Prints the transcript on stdout.
pub(super) struct Transcript {
    step: u32,
    title: String,
    platform: broadcast::Receiver<String>,
}

/// The longest line printed; longer ones are cut with `…`.
const WIDTH: usize = 200;

impl Transcript {
    pub(super) fn new(platform: broadcast::Receiver<String>) -> Self {
        Transcript {
            step: 0,
            title: String::new(),
            platform,
        }
    }

    /// The current step's number and title.
    pub(super) fn current(&self) -> (u32, &str) {
        (self.step, &self.title)
    }

    fn out(text: &str) {
        let mut line: String = text.chars().take(WIDTH).collect();
        if line.len() < text.len() {
            line.push('…');
        }
        // A closed stdout does not stop the demo.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    /// A heading line.
    pub(super) fn heading(&mut self, text: &str) {
        Transcript::out(text);
    }

    /// Starts step `n`.
    pub(super) fn step(&mut self, title: &str) {
        self.platform();
        self.step += 1;
        self.title = title.to_owned();
        Transcript::out("");
        Transcript::out(&format!("[{}] {title}", self.step));
    }

    /// A line of explanation.
    pub(super) fn note(&mut self, text: &str) {
        Transcript::out(&format!("    {text}"));
    }

    /// What the operator sent and got.
    pub(super) fn operator(&mut self, text: &str) {
        Transcript::out(&format!("    operator  {text}"));
    }

    /// What a device saw or did.
    pub(super) fn device(&mut self, who: &str, text: &str) {
        Transcript::out(&format!("    {who:<8}  {text}"));
    }

    /// The step's result.
    pub(super) fn result(&mut self, text: &str) {
        self.platform();
        Transcript::out(&format!("    ok: {text}"));
    }

    /// The emulator's live log lines since the last call: the platform's view of the wire.
    pub(super) fn platform(&mut self) {
        loop {
            match self.platform.try_recv() {
                Ok(line) => {
                    // "HH:MM:SS.mmm  text": the time is the transcript's noise.
                    let text = line.split_once("  ").map_or(line.as_str(), |(_, t)| t);
                    Transcript::out(&format!("    platform  {text}"));
                }
                Err(broadcast::error::TryRecvError::Lagged(n)) => {
                    Transcript::out(&format!("    platform  ({n} line(s) not shown)"));
                }
                Err(_) => return,
            }
        }
    }
}
