//! `db update`'s progress on stderr: one bar per download (bytes of an
//! export, records fetched one by one), only on a terminal and without
//! `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use sources::update::{Progress, Unit};
use std::io::IsTerminal;
use std::sync::Mutex;

/// Draws the update's downloads, or nothing.
pub struct Bars {
    shown: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars on stderr when it is a terminal and `quiet` is false.
    pub fn new(quiet: bool) -> Bars {
        Bars {
            shown: !quiet && std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Progress for Bars {
    fn begin(&self, label: &str, unit: Unit, total: Option<u64>) {
        if !self.shown {
            return;
        }
        let template = match unit {
            Unit::Bytes => "{prefix:>14} [{bar:24}] {bytes}/{total_bytes}",
            Unit::Records => "{prefix:>14} [{bar:24}] {pos}/{len} records",
        };
        let bar = ProgressBar::new(total.unwrap_or(0));
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label.to_string());
        *self.bar() = Some(bar);
    }

    fn advance(&self, done: u64, total: Option<u64>) {
        if let Some(bar) = self.bar().as_ref() {
            if let Some(total) = total {
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }
}
