//! A progress line on stderr for long runs: `reqflow: 123456 of 1000000 requests (12%)`,
//! first drawn once the run has taken a second, redrawn in place at most ten times a second,
//! and erased when the run ends. Shown only when stderr is a terminal (never in pipes, logs or
//! tests).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Runs shorter than this many requests show no progress.
const MIN_REQUESTS: u64 = 1000;
const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// Runs that end sooner show nothing.
const FIRST_DRAW_AFTER: Duration = Duration::from_secs(1);
/// The clock is read every this many requests (reading it every request costs little, but
/// there is no need).
const CHECK_EVERY: u32 = 256;

pub struct Progress {
    requests: u64,
    done: u64,
    /// Requests until the clock is read again.
    until_check: u32,
    /// When the line was last drawn; `None` when progress is not shown.
    drawn: Option<Instant>,
    shown: bool,
}

impl Progress {
    /// Progress of a run of `requests`; `wanted` is false when stdout is the same terminal.
    pub fn new(requests: u64, wanted: bool) -> Progress {
        let show = wanted && requests >= MIN_REQUESTS && std::io::stderr().is_terminal();
        // The first "drawing" is dated a second minus one redraw interval ahead, so the line
        // first appears once the run has lasted a second.
        let start = Instant::now();
        let drawn = start.checked_add(FIRST_DRAW_AFTER - REDRAW_EVERY).unwrap_or(start);
        Progress { requests, done: 0, until_check: CHECK_EVERY, drawn: show.then_some(drawn), shown: false }
    }

    /// `done` requests have finished (for runs that report progress in steps).
    pub fn set(&mut self, done: u64) {
        self.done = done;
        if let Some(drawn) = self.drawn {
            self.draw_if_due(drawn);
        }
    }

    /// One more request finished.
    pub fn tick(&mut self) {
        self.done += 1;
        let Some(drawn) = self.drawn else { return };
        self.until_check -= 1;
        if self.until_check > 0 {
            return;
        }
        self.until_check = CHECK_EVERY;
        self.draw_if_due(drawn);
    }

    fn draw_if_due(&mut self, drawn: Instant) {
        if Instant::now().saturating_duration_since(drawn) < REDRAW_EVERY {
            return;
        }
        let percent = self.done * 100 / self.requests.max(1);
        eprint!("\rreqflow: {} of {} requests ({percent}%)", self.done, self.requests);
        let _ = std::io::stderr().flush();
        self.drawn = Some(Instant::now());
        self.shown = true;
    }

    /// Erases the line.
    pub fn finish(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            let _ = std::io::stderr().flush();
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    /// A run that stops with an error leaves no half-drawn line before the message.
    fn drop(&mut self) {
        self.finish();
    }
}
