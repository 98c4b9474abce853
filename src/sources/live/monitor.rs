//! What a person watching a live scan sees: a progress line on stderr when it is a terminal, and with
//! `-v` one line per request (method, path, status, time; never a header, so never a token).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Counters {
    /// HTTP requests sent to ARM (each attempt counts).
    pub requests: AtomicU64,
    /// Attempts that were repeated: 5xx, connection errors, timeouts, truncated bodies, expired tokens.
    pub retries: AtomicU64,
    /// 429 answers received.
    pub throttled: AtomicU64,
    pub subscriptions_total: AtomicU64,
    pub subscriptions_done: AtomicU64,
    pub resources: AtomicU64,
}

#[derive(Debug)]
pub struct Monitor {
    pub counters: Counters,
    verbose: bool,
    bar: Option<ProgressBar>,
    /// The latest throttling wait, shown on the progress line until it is over.
    waiting: Mutex<Option<(Instant, String)>>,
}

impl Monitor {
    /// A progress line only on a terminal and without `--quiet`; request lines only with `-v`.
    pub fn new(quiet: bool, verbose: bool) -> Monitor {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Monitor { counters: Counters::default(), verbose: verbose && !quiet, bar, waiting: Mutex::new(None) }
    }

    /// One request attempt and how it ended.
    pub fn request(&self, method: &str, path_and_query: &str, outcome: &str, took: Duration) {
        if self.verbose {
            self.line(&format!("{method} {path_and_query} → {outcome} ({} ms)", took.as_millis()));
        }
    }

    /// A throttling wait: on the progress line, and logged with `-v`.
    pub fn throttled(&self, scope: &str, wait: Duration) {
        let note = format!("throttled: waiting {:.0} s ({scope})", wait.as_secs_f64().ceil());
        if self.verbose {
            self.line(&note);
        }
        if let Ok(mut w) = self.waiting.lock() {
            *w = Some((Instant::now() + wait, note));
        }
        self.tick();
    }

    /// Refresh the progress line from the counters.
    pub fn tick(&self) {
        let Some(bar) = &self.bar else { return };
        let c = &self.counters;
        let mut msg = format!(
            "subscriptions {}/{} · resources {} · requests {}",
            c.subscriptions_done.load(Ordering::Relaxed),
            c.subscriptions_total.load(Ordering::Relaxed),
            c.resources.load(Ordering::Relaxed),
            c.requests.load(Ordering::Relaxed),
        );
        if let Ok(mut w) = self.waiting.lock() {
            match &*w {
                Some((until, note)) if *until > Instant::now() => msg.push_str(&format!(" · {note}")),
                _ => *w = None,
            }
        }
        bar.set_message(msg);
    }

    /// A line on stderr that does not tear the progress line.
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
