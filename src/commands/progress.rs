//! A progress bar on stderr, shown only on a terminal and only when there is
//! more than one thing to do.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Progress over a known number of steps; silent when not useful.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn new(total: u64, what: &str) -> Progress {
        if total < 2 || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_string());
        Progress(Some(bar))
    }

    /// Starts the next step, described by `message`.
    pub fn step(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_string());
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
